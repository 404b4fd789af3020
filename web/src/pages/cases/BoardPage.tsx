import { useState } from 'react';
import { Tabs, Typography } from 'antd';
import { ActionButtons } from './actions';
import { CaseTable, fmt, useX, type CaseAction } from './common';
import './cases.css';

type Kind = 'overdue' | 'returned' | 'extensions' | 'suspended' | 'escalated';

/** 督办: overdue, returned, extension requests, suspended cases and cases escalated to my level; urge, decide, resume, escalate. */
export default function BoardPage() {
  const x = useX();
  const [kind, setKind] = useState<Kind>('overdue');
  const acts: Record<Kind, CaseAction[]> = { overdue: ['urge', 'suspend', 'escalate'], returned: ['urge', 'escalate'], extensions: ['decideExtension', 'urge'], suspended: ['resume'], escalated: ['urge', 'escalate'] };
  return (
    <div>
      <Typography.Title level={4} style={{ marginTop: 0 }}>
        {x('督办', 'Supervision')}
      </Typography.Title>
      <Tabs
        activeKey={kind}
        onChange={(k) => setKind(k as Kind)}
        items={[
          { key: 'overdue', label: x('超时案卷', 'Overdue') },
          { key: 'returned', label: x('退回案卷', 'Returned') },
          { key: 'extensions', label: x('延期申请', 'Extension requests') },
          { key: 'suspended', label: x('挂账案卷', 'Suspended') },
          { key: 'escalated', label: x('提级至本级', 'Escalated to my level') },
        ]}
      />
      <CaseTable
        key={kind}
        path="/cases/board"
        query={{ kind }}
        testId="board-table"
        extraColumns={
          kind === 'extensions'
            ? [{ title: x('延期申请', 'Request'), key: 'ext', width: 200, render: (_, c) => (c.pendingExtension ? `${c.pendingExtension.hours} 小时 · ${c.pendingExtension.reason} · ${fmt(c.pendingExtension.requestedAt)}` : '—') }]
            : []
        }
        actions={(c, reload) => <ActionButtons c={c} actions={acts[kind]} size="small" onChanged={reload} />}
      />
    </div>
  );
}
