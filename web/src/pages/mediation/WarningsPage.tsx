import { useState } from 'react';
import { Link } from 'react-router-dom';
import { App, Button, Card, Input, Modal, Segmented, Table, Tag, type TableColumnsType } from 'antd';
import { api } from '../../api';
import { hasPermission, useMe } from '../../auth';
import { errorText } from '../../errors';
import { useApi } from '../../hooks';
import { useI18n } from '../../i18n';
import type { PageResult } from '../../types';
import { RULES, RiskTag, TIERS, fmt, type RiskLevel, type Tier, type Warning } from './common';

type Row = Warning & { disputeNumber: string; disputeTitle: string; riskLevel: RiskLevel; tier: Tier; placeName: string | null };

/** 矛盾纠纷预警: repeated or escalating disputes flagged to the street center. */
export default function WarningsPage() {
  const me = useMe();
  const { t, tl } = useI18n();
  const { message } = App.useApp();
  const [status, setStatus] = useState<'open' | 'acknowledged'>('open');
  const [page, setPage] = useState(1);
  const [acking, setAcking] = useState<Row | null>(null);
  const [note, setNote] = useState('');
  const list = useApi<PageResult<Row>>('/mediation/warnings', { status, page, pageSize: 20 });
  const canAck = hasPermission(me, 'mediation.handle');

  const ack = async () => {
    if (!acking) return;
    try {
      await api(`/mediation/warnings/${acking.id}/ack`, { method: 'POST', body: { note } });
      setAcking(null);
      setNote('');
      list.reload();
    } catch (err) {
      message.error(errorText(err, t));
    }
  };

  const columns: TableColumnsType<Row> = [
    { title: tl({ zh: '预警', en: 'Rule' }), dataIndex: 'rule', width: 110, render: (r: Row['rule']) => <Tag color="red">{tl(RULES[r])}</Tag> },
    { title: tl({ zh: '纠纷', en: 'Dispute' }), dataIndex: 'disputeTitle', render: (x: string, r) => <Link to={`/mediation/disputes/${r.disputeId}`}>{x}（{r.disputeNumber}）</Link> },
    { title: tl({ zh: '说明', en: 'Detail' }), dataIndex: 'detail' },
    { title: tl({ zh: '风险', en: 'Risk' }), dataIndex: 'riskLevel', width: 100, render: (x: RiskLevel) => <RiskTag risk={x} /> },
    { title: tl({ zh: '层级', en: 'Tier' }), dataIndex: 'tier', width: 120, responsive: ['lg'], render: (x: Tier) => tl(TIERS[x]) },
    { title: tl({ zh: '地点', en: 'Place' }), dataIndex: 'placeName', width: 120, responsive: ['xl'] },
    { title: tl({ zh: '时间', en: 'When' }), dataIndex: 'createdAt', width: 150, render: fmt },
    status === 'open'
      ? { title: '', key: 'a', width: 90, render: (_: unknown, r: Row) => (canAck ? <Button size="small" onClick={() => setAcking(r)}>{tl({ zh: '处置', en: 'Handle' })}</Button> : null) }
      : { title: tl({ zh: '处置意见', en: 'Action' }), dataIndex: 'ackNote' },
  ];

  return (
    <div className="og-page">
      <Card size="small">
        <Segmented value={status} onChange={(v) => { setStatus(v as typeof status); setPage(1); }} options={[{ value: 'open', label: tl({ zh: '待处置', en: 'Open' }) }, { value: 'acknowledged', label: tl({ zh: '已处置', en: 'Handled' }) }]} />
        <Table<Row> style={{ marginTop: 12 }} rowKey="id" size="middle" loading={list.loading} columns={columns} dataSource={list.data?.items ?? []} scroll={{ x: 900 }} pagination={{ current: page, pageSize: 20, total: list.data?.total ?? 0, onChange: setPage, showTotal: (total) => t('common.total', { total }) }} />
      </Card>
      <Modal open={acking !== null} title={tl({ zh: '处置预警', en: 'Handle the warning' })} onCancel={() => setAcking(null)} onOk={ack} okButtonProps={{ disabled: !note.trim() }} okText={t('common.confirm')} cancelText={t('common.cancel')}>
        <Input.TextArea rows={3} maxLength={1000} value={note} onChange={(e) => setNote(e.target.value)} placeholder={tl({ zh: '处置措施，如：街道调处中心提级介入', en: 'What the center will do' })} />
      </Modal>
    </div>
  );
}
