import { useState } from 'react';
import { App, Card, InputNumber, Space, Switch, Table, Tag } from 'antd';
import dayjs from 'dayjs';
import { api } from '../../api';
import { hasPermission, useMe } from '../../auth';
import { errorText } from '../../errors';
import { useApi } from '../../hooks';
import { useI18n } from '../../i18n';
import { Photos, fmt, type FileView } from '../cases/common';

interface PlanItem {
  residentId: string;
  name: string;
  tags: string[];
  ruleTag: string;
  intervalDays: number;
  lastVisitAt: string | null;
  dueAt: string;
  overdue: boolean;
  daysOverdue: number;
  flagged: boolean;
  responsible: string | null;
}
interface VisitRecord {
  id: string;
  residentName?: string;
  visitorName: string;
  visitedAt: string;
  kindName: string;
  notes: string | null;
  needs: string | null;
  photos: FileView[];
}
interface Rule {
  id: string;
  tag: string;
  intervalDays: number;
  active: boolean;
}

/** 走访: the plan from the rules (overdue flagged), and the rules themselves for admins. */
export default function VisitsPage() {
  const { tl, t } = useI18n();
  const me = useMe();
  const { message } = App.useApp();
  const [overdue, setOverdue] = useState(true);
  const [page, setPage] = useState(1);
  const plan = useApi<{ items: PlanItem[]; total: number; overdueTotal: number }>('/grid-work/visits/plan', { overdue, page, pageSize: 20 });
  const rules = useApi<Rule[]>('/grid-work/visit-rules');
  const [recPage, setRecPage] = useState(1);
  const records = useApi<{ items: VisitRecord[]; total: number }>('/grid-work/visits', { page: recPage, pageSize: 10 });
  const canEdit = hasPermission(me, 'gridwork.rules.write');
  const save = async (r: Rule, intervalDays: number | null, active = r.active) => {
    if (!intervalDays) return;
    try {
      await api(`/grid-work/visit-rules/${encodeURIComponent(r.tag)}`, { method: 'PUT', body: { intervalDays, active } });
      rules.reload();
      plan.reload();
    } catch (err) {
      message.error(errorText(err, t));
    }
  };
  return (
    <Space direction="vertical" style={{ width: '100%' }} size="middle">
      <Card
        title={tl({ zh: '走访计划', en: 'Visit plan' })}
        extra={
          <Space>
            <Tag color="red">{tl({ zh: '逾期', en: 'Overdue' })} {plan.data?.overdueTotal ?? 0}</Tag>
            <Switch checked={overdue} onChange={(v) => { setOverdue(v); setPage(1); }} checkedChildren={tl({ zh: '只看逾期', en: 'Overdue only' })} unCheckedChildren={tl({ zh: '全部', en: 'All' })} />
          </Space>
        }
      >
        <Table<PlanItem>
          size="small"
          rowKey="residentId"
          loading={plan.loading}
          dataSource={plan.data?.items ?? []}
          pagination={{ current: page, total: plan.data?.total ?? 0, pageSize: 20, onChange: setPage }}
          columns={[
            { title: tl({ zh: '居民', en: 'Resident' }), dataIndex: 'name' },
            { title: tl({ zh: '标签', en: 'Tags' }), render: (_, r) => r.tags.map((x) => <Tag key={x}>{x}</Tag>) },
            { title: tl({ zh: '规则', en: 'Rule' }), render: (_, r) => `${r.ruleTag} · 每 ${r.intervalDays} 天` },
            { title: tl({ zh: '上次走访', en: 'Last visit' }), render: (_, r) => (r.lastVisitAt ? dayjs(r.lastVisitAt).format('YYYY-MM-DD') : '—') },
            { title: tl({ zh: '应访日期', en: 'Due' }), render: (_, r) => dayjs(r.dueAt).format('YYYY-MM-DD') },
            { title: tl({ zh: '状态', en: 'State' }), render: (_, r) => (r.overdue ? <Tag color="red">{`逾期 ${r.daysOverdue} 天`}{r.flagged ? ' ⚑' : ''}</Tag> : <Tag color="green">{tl({ zh: '正常', en: 'On time' })}</Tag>) },
            { title: tl({ zh: '责任人', en: 'Responsible' }), dataIndex: 'responsible' },
          ]}
        />
      </Card>
      <Card title={tl({ zh: '走访记录', en: 'Visit records' })}>
        <Table<VisitRecord>
          size="small"
          rowKey="id"
          loading={records.loading}
          dataSource={records.data?.items ?? []}
          pagination={{ current: recPage, total: records.data?.total ?? 0, pageSize: 10, onChange: setRecPage }}
          data-testid="visit-records"
          columns={[
            { title: tl({ zh: '走访时间', en: 'When' }), render: (_, r) => fmt(r.visitedAt) },
            { title: tl({ zh: '居民', en: 'Resident' }), dataIndex: 'residentName' },
            { title: tl({ zh: '方式', en: 'Kind' }), dataIndex: 'kindName' },
            { title: tl({ zh: '走访人', en: 'Visitor' }), dataIndex: 'visitorName' },
            { title: tl({ zh: '走访情况', en: 'Notes' }), render: (_, r) => [r.notes, r.needs ? `${tl({ zh: '需求', en: 'Needs' })}：${r.needs}` : null].filter(Boolean).join('；') || '—' },
            { title: tl({ zh: '照片', en: 'Photos' }), render: (_, r) => (r.photos.length ? <Photos photos={r.photos} /> : '—') },
          ]}
        />
      </Card>
      <Card title={tl({ zh: '走访规则', en: 'Visit rules' })}>
        <Table<Rule>
          size="small"
          rowKey="id"
          pagination={false}
          dataSource={rules.data ?? []}
          columns={[
            { title: tl({ zh: '标签', en: 'Tag' }), dataIndex: 'tag' },
            { title: tl({ zh: '走访周期（天）', en: 'Every (days)' }), render: (_, r) => (canEdit ? <InputNumber min={1} max={366} defaultValue={r.intervalDays} onBlur={(e) => save(r, Number(e.target.value))} /> : r.intervalDays) },
            { title: tl({ zh: '启用', en: 'Active' }), render: (_, r) => <Switch checked={r.active} disabled={!canEdit} onChange={(v) => save(r, r.intervalDays, v)} /> },
          ]}
        />
      </Card>
    </Space>
  );
}
