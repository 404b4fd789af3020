import { useState } from 'react';
import { Tabs, Typography } from 'antd';
import { ActionButtons } from './actions';
import { CaseTable, useX, type CaseAction, type CaseView } from './common';
import './cases.css';

type Bucket = 'to_accept' | 'in_progress' | 'near_deadline' | 'overdue' | 'cc';

/** The steps a handler may take on a row, from its state (the server refuses the rest with 409). */
function handlerActions(c: CaseView): CaseAction[] {
  if (c.state === 'dispatched') return ['accept', 'return'];
  if (c.state === 'accepted') return c.pendingExtension ? ['resolve', 'return'] : ['resolve', 'requestExtension', 'return'];
  if (c.state === 'rework') return c.pendingExtension ? ['resolve'] : ['resolve', 'requestExtension'];
  return [];
}

/** 我的工单: the department's worklist in tabs. */
export default function WorklistPage() {
  const x = useX();
  const [bucket, setBucket] = useState<Bucket>('to_accept');
  return (
    <div>
      <Typography.Title level={4} style={{ marginTop: 0 }}>
        {x('我的工单', 'My work')}
      </Typography.Title>
      <Tabs
        activeKey={bucket}
        onChange={(k) => setBucket(k as Bucket)}
        items={[
          { key: 'to_accept', label: x('待签收', 'To accept') },
          { key: 'in_progress', label: x('处理中', 'In progress') },
          { key: 'near_deadline', label: x('即将超时', 'Due soon') },
          { key: 'overdue', label: x('已超时', 'Overdue') },
          { key: 'cc', label: x('抄送我的', 'Copied to me') },
        ]}
      />
      <CaseTable
        key={bucket}
        path="/cases/worklist"
        query={{ bucket }}
        testId="worklist-table"
        actions={(c, reload) => (bucket === 'cc' ? null : <ActionButtons c={c} actions={handlerActions(c)} size="small" onChanged={reload} />)}
      />
    </div>
  );
}
