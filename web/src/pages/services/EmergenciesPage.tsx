import { useEffect, useState } from 'react';
import { App, Button, Card, Input, Space, Switch, Table, Tag, type TableColumnsType } from 'antd';
import { api } from '../../api';
import { useApi } from '../../hooks';
import { useI18n } from '../../i18n';
import { errorText } from '../../errors';
import { fmt, LoadError, useX, type PageOf } from './common';

interface Emergency {
  id: string;
  residentName: string;
  location: { lng: number; lat: number; accuracy: number | null } | null;
  profile: { age?: number | null; tags?: string[]; home?: string | null; phone?: string | null; gender?: string | null };
  message: string | null;
  status: string;
  statusName: string;
  raisedAt: string;
  acknowledgedBy: string | null;
  acknowledgedAt: string | null;
  escalatedAt: string | null;
  resolution: string | null;
}
const COLOR: Record<string, string> = { raised: 'red', escalated: 'magenta', acknowledged: 'orange', resolved: 'green' };

/** 紧急求助: residents' emergency calls; acknowledge within 2 minutes or it escalates to the street. */
export default function EmergenciesPage() {
  const { t } = useI18n();
  const x = useX();
  const { message, modal } = App.useApp();
  const [onlyOpen, setOnlyOpen] = useState(true);
  const list = useApi<PageOf<Emergency>>('/services/emergencies', { open: onlyOpen, pageSize: 50 });
  const { reload } = list;
  useEffect(() => {
    const h = setInterval(reload, 10000);
    return () => clearInterval(h);
  }, [reload]);
  const call = (p: Promise<unknown>) => p.then(reload, (e) => message.error(errorText(e, t)));
  const columns: TableColumnsType<Emergency> = [
    { title: x('求助人', 'Resident'), key: 'n', render: (_, e) => (<>{e.residentName}{e.profile.age != null ? x(`（${e.profile.age}岁）`, ` (${e.profile.age})`) : ''}{(e.profile.tags ?? []).map((tg) => <Tag key={tg}>{tg}</Tag>)}</>) },
    { title: x('住址', 'Home'), key: 'h', render: (_, e) => e.profile.home ?? '—' },
    { title: x('电话', 'Phone'), key: 'p', width: 120, render: (_, e) => e.profile.phone ?? '—' },
    { title: x('位置', 'Position'), key: 'l', width: 170, render: (_, e) => (e.location ? `${e.location.lng.toFixed(5)}, ${e.location.lat.toFixed(5)}` : '—') },
    { title: x('求助时间', 'Raised'), dataIndex: 'raisedAt', key: 'r', width: 110, render: (v: string) => fmt(v) },
    { title: x('状态', 'Status'), key: 's', width: 150, render: (_, e) => <Tag color={COLOR[e.status]}>{e.statusName}</Tag> },
    { title: x('响应', 'Answered by'), key: 'a', width: 160, render: (_, e) => (e.acknowledgedBy ? `${e.acknowledgedBy} ${fmt(e.acknowledgedAt)}` : '—') },
    {
      title: x('操作', 'Actions'),
      key: 'o',
      width: 170,
      render: (_, e) => (
        <Space size="small">
          {(e.status === 'raised' || e.status === 'escalated') && <Button size="small" type="primary" danger onClick={() => call(api(`/services/emergencies/${e.id}/ack`, { method: 'POST' }))}>{x('确认响应', 'Acknowledge')}</Button>}
          {e.status !== 'resolved' && (
            <Button size="small" onClick={() => {
              let text = '';
              modal.confirm({ title: x('处置结果', 'Outcome'), content: <Input.TextArea rows={3} aria-label={x('处置结果', 'Outcome')} onChange={(ev) => { text = ev.target.value; }} />, onOk: () => call(api(`/services/emergencies/${e.id}/resolve`, { method: 'POST', body: { resolution: text || x('已处置', 'Handled') } })) });
            }}>{x('办结', 'Resolve')}</Button>
          )}
        </Space>
      ),
    },
  ];
  return (
    <div className="og-page">
      <Card size="small">
        <Space>
          <Switch checked={onlyOpen} onChange={setOnlyOpen} aria-label={x('只看未办结', 'Open only')} />
          <span>{x('只看未办结', 'Open only')}</span>
        </Space>
      </Card>
      <Card size="small">
        <LoadError error={list.error} reload={list.reload} />
        <Table<Emergency> rowKey="id" size="middle" columns={columns} dataSource={list.data?.items} loading={list.loading && !list.data} scroll={{ x: 1000 }} pagination={false} />
      </Card>
    </div>
  );
}
