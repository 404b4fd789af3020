import { Typography } from 'antd';
import { ActionButtons } from './actions';
import { CaseTable, useX } from './common';
import './cases.css';

/** 核查任务: resolved cases in the grid worker's grid(s): pass (close) or fail (rework), with a photo. */
export default function VerifyPage() {
  const x = useX();
  return (
    <div>
      <Typography.Title level={4} style={{ marginTop: 0 }}>
        {x('核查任务', 'Verification')}
      </Typography.Title>
      <CaseTable
        path="/cases/verification"
        testId="verify-table"
        actions={(c, reload) => (
          <ActionButtons
            c={c}
            actions={['verify']}
            size="small"
            onChanged={reload}
            presets={{ verify: { passed: true, label: ['核查', 'Verify'] } }}
          />
        )}
      />
    </div>
  );
}
