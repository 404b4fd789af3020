import { useState } from 'react';
import { App, Button, Card, Descriptions, Drawer, Image, Input, Select, Space, Steps, Table, Tag, type TableColumnsType } from 'antd';
import { useSearchParams } from 'react-router-dom';
import { api } from '../../api';
import { useApi } from '../../hooks';
import { useI18n } from '../../i18n';
import { errorText } from '../../errors';
import { fmt, LoadError, useX, type PageOf } from './common';

interface Application {
  id: string;
  number: string;
  matter: { name: string; timeLimitDays: number };
  residentName: string;
  proxyStaffName: string | null;
  details: string;
  contactPhone: string | null;
  files: Array<{ id: string; url: string; thumbUrl: string | null }>;
  status: string;
  statusName: string;
  dueAt: string;
  overdue: boolean;
  handlerName: string | null;
  result: string | null;
  createdAt: string;
  events?: Array<{ at: string; actorName: string; action: string; note: string | null }>;
}
const STATUS_COLOR: Record<string, string> = { submitted: 'blue', accepted: 'cyan', need_more: 'orange', approved: 'green', rejected: 'red', withdrawn: 'default' };

/** 办事申请: the residents' online applications and the staff workflow (受理、办结、不予办理、退回补正). */
export default function ApplicationsPage() {
  const { t } = useI18n();
  const x = useX();
  const [status, setStatus] = useState<string | undefined>('submitted');
  const [page, setPage] = useState(1);
  const list = useApi<PageOf<Application>>('/services/applications', { page, pageSize: 20, status });
  const [params, setParams] = useSearchParams();
  const openId = params.get('id');
  const columns: TableColumnsType<Application> = [
    { title: x('受理编号', 'Number'), dataIndex: 'number', key: 'no', width: 150 },
    { title: x('事项', 'Matter'), key: 'm', render: (_, a) => a.matter.name },
    { title: x('申请人', 'Applicant'), key: 'r', width: 140, render: (_, a) => (<>{a.residentName}{a.proxyStaffName && <Tag>{x('代办', 'Proxy')}</Tag>}</>) },
    { title: x('状态', 'Status'), key: 's', width: 130, render: (_, a) => (<><Tag color={STATUS_COLOR[a.status]}>{a.statusName}</Tag>{a.overdue && <Tag color="red">{x('超期', 'Overdue')}</Tag>}</>) },
    { title: x('提交时间', 'Submitted'), dataIndex: 'createdAt', key: 'c', width: 120, render: (v: string) => fmt(v) },
    { title: x('承诺办结', 'Due'), dataIndex: 'dueAt', key: 'd', width: 120, render: (v: string) => fmt(v) },
    { title: x('操作', 'Actions'), key: 'o', width: 90, render: (_, a) => <Button size="small" data-testid="application-open" onClick={() => setParams({ id: a.id })}>{x('办理', 'Handle')}</Button> },
  ];
  return (
    <div className="og-page">
      <Card size="small">
        <Space wrap>
          <Select allowClear style={{ minWidth: 160 }} value={status} onChange={(v) => { setStatus(v); setPage(1); }} aria-label={x('状态', 'Status')}
            options={[['submitted', '已提交', 'Submitted'], ['accepted', '已受理', 'Accepted'], ['need_more', '待补正', 'Needs documents'], ['approved', '已办结', 'Approved'], ['rejected', '不予办理', 'Rejected'], ['withdrawn', '已撤回', 'Withdrawn']].map(([v, zh, en]) => ({ value: v, label: x(zh!, en!) }))} />
        </Space>
      </Card>
      <Card size="small">
        <LoadError error={list.error} reload={list.reload} />
        <Table<Application> rowKey="id" size="middle" columns={columns} dataSource={list.data?.items} loading={list.loading} scroll={{ x: 900 }} pagination={{ current: page, pageSize: 20, total: list.data?.total, onChange: setPage, showTotal: (total) => t('common.total', { total }) }} />
      </Card>
      <Drawer title={x('申请办理', 'Application')} open={!!openId} onClose={() => setParams({})} size="large" destroyOnHidden>
        {openId && <Detail id={openId} onChanged={list.reload} />}
      </Drawer>
    </div>
  );
}

function Detail({ id, onChanged }: { id: string; onChanged: () => void }) {
  const { t } = useI18n();
  const x = useX();
  const { message } = App.useApp();
  const a = useApi<Application>(`/services/applications/${id}`);
  const [note, setNote] = useState('');
  const [busy, setBusy] = useState(false);
  const act = async (action: 'accept' | 'approve' | 'reject' | 'return') => {
    setBusy(true);
    try {
      await api(`/services/applications/${id}/${action}`, { method: 'POST', body: { note: note || null } });
      message.success(x('已办理', 'Done'));
      setNote('');
      a.reload();
      onChanged();
    } catch (err) {
      message.error(errorText(err, t));
    } finally {
      setBusy(false);
    }
  };
  const v = a.data;
  if (!v) return <LoadError error={a.error} reload={a.reload} />;
  const open = v.status === 'submitted' || v.status === 'accepted';
  return (
    <>
      <Descriptions size="small" column={1} bordered items={[
        { key: 'no', label: x('受理编号', 'Number'), children: v.number },
        { key: 'm', label: x('事项', 'Matter'), children: `${v.matter.name}（${x(`${v.matter.timeLimitDays} 个工作日`, `${v.matter.timeLimitDays} working days`)}）` },
        { key: 'r', label: x('申请人', 'Applicant'), children: v.residentName + (v.proxyStaffName ? x(`（${v.proxyStaffName}代办）`, ` (by ${v.proxyStaffName})`) : '') },
        { key: 'p', label: x('联系电话', 'Phone'), children: v.contactPhone ?? '—' },
        { key: 'd', label: x('申请说明', 'Notes'), children: v.details || '—' },
        { key: 's', label: x('状态', 'Status'), children: <Tag color={STATUS_COLOR[v.status]} data-testid="application-detail-status">{v.statusName}</Tag> },
        { key: 'due', label: x('承诺办结', 'Due'), children: fmt(v.dueAt, true) },
      ]} />
      <h3>{x('材料', 'Documents')}</h3>
      <Image.PreviewGroup>
        <Space wrap>
          {v.files.map((f, i) => <Image key={f.id} width={96} src={f.thumbUrl ?? f.url} preview={{ src: f.url }} alt={x(`材料 ${i + 1}`, `Document ${i + 1}`)} />)}
        </Space>
      </Image.PreviewGroup>
      <h3 style={{ marginTop: 16 }}>{x('办理过程', 'History')}</h3>
      <Steps direction="vertical" size="small" current={(v.events?.length ?? 1) - 1} items={(v.events ?? []).map((e) => ({ title: e.action, description: `${fmt(e.at)} ${e.actorName}${e.note ? `：${e.note}` : ''}` }))} />
      {open && (
        <Card size="small" title={x('办理', 'Decide')}>
          <Input.TextArea rows={2} maxLength={1000} value={note} onChange={(e) => setNote(e.target.value)} placeholder={x('办理意见（不予办理、退回补正时必填）', 'Note (required to reject or return)')} aria-label={x('办理意见', 'Note')} />
          <Space wrap style={{ marginTop: 8 }}>
            {v.status === 'submitted' && <Button loading={busy} onClick={() => act('accept')}>{x('受理', 'Accept')}</Button>}
            <Button type="primary" loading={busy} onClick={() => act('approve')} data-testid="application-approve">{x('办结（通过）', 'Approve')}</Button>
            <Button loading={busy} onClick={() => act('return')}>{x('退回补正', 'Ask for documents')}</Button>
            <Button danger loading={busy} onClick={() => act('reject')}>{x('不予办理', 'Reject')}</Button>
          </Space>
        </Card>
      )}
    </>
  );
}
