import { useState } from 'react';
import { Link } from 'react-router-dom';
import { Card, Segmented, Table, Tag, type TableColumnsType } from 'antd';
import { useApi } from '../../hooks';
import { useI18n } from '../../i18n';
import type { PageResult } from '../../types';
import { FOLLOWUP_OUTCOMES, fmt, type Followup } from './common';

type Row = Followup & { disputeId: string; disputeNumber: string; disputeTitle: string };

/** 回访任务: the 7- and 30-day visits after agreements. */
export default function FollowupsPage() {
  const { t, tl } = useI18n();
  const [status, setStatus] = useState<'due' | 'scheduled' | 'done'>('due');
  const [page, setPage] = useState(1);
  const list = useApi<PageResult<Row>>('/mediation/followups', { status: [status], page, pageSize: 20 });
  const columns: TableColumnsType<Row> = [
    { title: tl({ zh: '纠纷', en: 'Dispute' }), dataIndex: 'disputeTitle', render: (x: string, r) => <Link to={`/mediation/disputes/${r.disputeId}`}>{x}（{r.disputeNumber}）</Link> },
    { title: tl({ zh: '回访', en: 'Visit' }), dataIndex: 'dayOffset', width: 100, render: (n: number) => tl({ zh: `第${n}天`, en: `Day ${n}` }) },
    { title: tl({ zh: '到期', en: 'Due' }), dataIndex: 'dueAt', width: 160, render: fmt },
    { title: tl({ zh: '结果', en: 'Outcome' }), dataIndex: 'outcome', width: 150, render: (o: Row['outcome']) => (o ? <Tag color={o === 'broken' ? 'red' : 'green'}>{tl(FOLLOWUP_OUTCOMES[o])}</Tag> : '-') },
    { title: tl({ zh: '记录', en: 'Notes' }), dataIndex: 'notes', responsive: ['lg'] },
  ];
  return (
    <div className="og-page">
      <Card size="small">
        <Segmented value={status} onChange={(v) => { setStatus(v as typeof status); setPage(1); }} options={[{ value: 'due', label: tl({ zh: '待回访', en: 'Due' }) }, { value: 'scheduled', label: tl({ zh: '已安排', en: 'Scheduled' }) }, { value: 'done', label: tl({ zh: '已回访', en: 'Done' }) }]} />
        <Table<Row> style={{ marginTop: 12 }} rowKey="id" size="middle" loading={list.loading} columns={columns} dataSource={list.data?.items ?? []} pagination={{ current: page, pageSize: 20, total: list.data?.total ?? 0, onChange: setPage, showTotal: (total) => t('common.total', { total }) }} />
      </Card>
    </div>
  );
}
