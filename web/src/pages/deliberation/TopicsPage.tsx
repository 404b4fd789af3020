import { useState } from 'react';
import { Alert, App, Button, Card, Descriptions, Drawer, Form, Input, InputNumber, List, Modal, Select, Space, Table, Tag, type TableColumnsType } from 'antd';
import { PlusOutlined, ReloadOutlined, SettingOutlined } from '@ant-design/icons';
import { api } from '../../api';
import { hasPermission, useMe } from '../../auth';
import { errorText, validValues } from '../../errors';
import { useApi } from '../../hooks';
import { useI18n } from '../../i18n';
import type { OrgNode } from '../../types';
import { fmtTime, Photos, SupportProgress, TOPIC_CATEGORIES, TopicStatusTag, useL, type PageResult, type Topic, type TopicComment, type TopicDetail, type TopicStatus } from './common';

const STATUS_FILTERS: Array<{ value: string; zh: string; en: string; statuses: TopicStatus[] }> = [
  { value: 'review', zh: '附议达标待上会', en: 'Awaiting a meeting', statuses: ['supported'] },
  { value: 'gathering', zh: '征集附议', en: 'Gathering support', statuses: ['proposed'] },
  { value: 'active', zh: '议事中', en: 'In deliberation', statuses: ['accepted', 'scheduled', 'agreed', 'voting'] },
  { value: 'decided', zh: '已决', en: 'Decided', statuses: ['passed', 'failed', 'resolved', 'completed'] },
  { value: 'closed', zh: '未立项/已撤回', en: 'Closed', statuses: ['rejected', 'withdrawn', 'expired'] },
];

/** 议题看板: residents' proposals with their supports, review, discussion and where each one stands. */
export default function TopicsPage() {
  const me = useMe();
  const L = useL();
  const { t } = useI18n();
  const { message } = App.useApp();
  const [filter, setFilter] = useState<string | undefined>();
  const [page, setPage] = useState(1);
  const [openId, setOpenId] = useState<string | null>(null);
  const [creating, setCreating] = useState(false);
  const [settings, setSettings] = useState(false);
  const statuses = STATUS_FILTERS.find((f) => f.value === filter)?.statuses;
  const list = useApi<PageResult<Topic>>('/deliberation/topics', { status: statuses, page, pageSize: 20 });
  const canManage = hasPermission(me, 'deliberation.manage');

  const columns: TableColumnsType<Topic> = [
    { title: L('议题', 'Topic'), dataIndex: 'title', key: 'title', render: (v: string, r) => <Button type="link" onClick={() => setOpenId(r.id)} style={{ padding: 0 }}>{v}</Button> },
    { title: L('类别', 'Category'), dataIndex: 'category', key: 'category', width: 100, responsive: ['md'] },
    { title: L('范围', 'Area'), dataIndex: 'nodeName', key: 'node', width: 130, responsive: ['md'] },
    { title: L('提议人', 'Proposer'), dataIndex: 'proposerName', key: 'proposer', width: 110, responsive: ['lg'] },
    { title: L('附议', 'Support'), key: 'support', width: 190, render: (_: unknown, r) => <SupportProgress topic={r} /> },
    { title: L('状态', 'Status'), key: 'status', width: 130, render: (_: unknown, r) => <TopicStatusTag topic={r} /> },
    { title: L('提出时间', 'Proposed'), dataIndex: 'createdAt', key: 'createdAt', width: 150, responsive: ['xl'], render: fmtTime },
  ];

  return (
    <div className="og-page">
      <Card size="small">
        <Space wrap>
          <Select allowClear placeholder={t('common.all')} style={{ width: 180 }} value={filter} onChange={(v) => { setFilter(v); setPage(1); }} options={STATUS_FILTERS.map((f) => ({ value: f.value, label: L(f.zh, f.en) }))} data-testid="topic-filter" />
          <Button icon={<ReloadOutlined />} onClick={list.reload}>{L('刷新', 'Refresh')}</Button>
          {canManage ? <Button type="primary" icon={<PlusOutlined />} onClick={() => setCreating(true)}>{L('直接立项', 'New topic')}</Button> : null}
          {canManage ? <Button icon={<SettingOutlined />} onClick={() => setSettings(true)} data-testid="threshold-settings">{L('附议门槛', 'Support thresholds')}</Button> : null}
        </Space>
      </Card>
      <Card size="small">
        {list.error ? <Alert type="error" showIcon title={errorText(list.error, t)} style={{ marginBottom: 12 }} /> : null}
        <Table<Topic> rowKey="id" size="middle" columns={columns} dataSource={list.data?.items ?? []} loading={list.loading} data-testid="topics-table"
          pagination={{ current: page, pageSize: 20, total: list.data?.total ?? 0, onChange: setPage, showTotal: (total) => t('common.total', { total }) }} />
      </Card>
      {openId ? <TopicDrawer id={openId} onClose={() => setOpenId(null)} onChanged={list.reload} /> : null}
      {settings ? <ThresholdModal onClose={() => setSettings(false)} /> : null}
      {creating ? <CreateTopicModal onClose={() => setCreating(false)} onCreated={() => { setCreating(false); list.reload(); message.success(L('已立项', 'Created')); }} /> : null}
    </div>
  );
}

const LEVELS: Array<{ value: 'building' | 'grid' | 'estate' | 'community'; zh: string; en: string }> = [
  { value: 'building', zh: '楼栋议题', en: 'Building topics' },
  { value: 'grid', zh: '网格议题', en: 'Grid topics' },
  { value: 'estate', zh: '小区议题', en: 'Estate topics' },
  { value: 'community', zh: '社区议题', en: 'Community topics' },
];

interface Thresholds {
  nodeId: string;
  nodeName: string;
  canManage: boolean;
  effective: Array<{ level: string; threshold: number | null; fromNodeName: string | null }>;
  items: Array<{ nodeId: string; nodeName: string; level: string; threshold: number }>;
}

/** 附议门槛: how many supports a topic of each level needs at a node (and below it); unset levels use the default (a tenth of the households, 3 to 20). */
function ThresholdModal({ onClose }: { onClose: () => void }) {
  const L = useL();
  const { t } = useI18n();
  const { message } = App.useApp();
  const nodes = useApi<OrgNode[]>('/org/nodes', { level: ['street', 'community', 'estate'], geometry: false });
  const [nodeId, setNodeId] = useState<string | undefined>();
  const d = useApi<Thresholds>(nodeId ? '/deliberation/thresholds' : null, { nodeId });
  const [draft, setDraft] = useState<Record<string, number | null>>({});
  const save = async (level: string, threshold: number | null) => {
    try {
      await api('/deliberation/thresholds', { method: 'PUT', body: { nodeId, level, threshold } });
      message.success(L('已保存', 'Saved'));
      d.reload();
    } catch (err) {
      message.error(errorText(err, t));
    }
  };
  return (
    <Modal open width={640} title={L('附议门槛设置', 'Support thresholds')} onCancel={onClose} footer={null}>
      <div className="og-delib-muted" style={{ marginBottom: 8 }}>{L('议题附议人数达到门槛后，自动列入该范围下一次议事会议的议程。未设置时按默认：户数的十分之一，最少 3 人、最多 20 人。', 'Once a topic has this many supports it goes onto the next meeting’s agenda. Default: a tenth of the households, 3 to 20.')}</div>
      <Select showSearch optionFilterProp="label" style={{ width: '100%', marginBottom: 12 }} placeholder={L('选择街道、社区或小区', 'Choose a street, community or estate')} value={nodeId} onChange={setNodeId} loading={nodes.loading} options={(nodes.data ?? []).map((n) => ({ value: n.id, label: n.name }))} data-testid="threshold-node" />
      {d.error ? <Alert type="error" showIcon title={errorText(d.error, t)} /> : null}
      {d.data ? (
        <Table size="small" rowKey="level" pagination={false} dataSource={d.data.effective} columns={[
          { title: L('议题范围', 'Topic level'), dataIndex: 'level', render: (lv: string) => { const x = LEVELS.find((y) => y.value === lv)!; return L(x.zh, x.en); } },
          { title: L('现行门槛', 'In force'), key: 'cur', render: (_: unknown, r) => (r.threshold ? L(`${r.threshold} 人（${r.fromNodeName ?? ''}设置）`, `${r.threshold} (set at ${r.fromNodeName ?? ''})`) : L('默认', 'Default')) },
          ...(d.data.canManage ? [{ title: L('在本节点设置', 'Set here'), key: 'set', render: (_: unknown, r: Thresholds['effective'][number]) => (
            <Space>
              <InputNumber min={1} max={1000} value={draft[r.level] ?? undefined} onChange={(v) => setDraft({ ...draft, [r.level]: v })} aria-label={L('门槛人数', 'Threshold')} />
              <Button size="small" type="primary" disabled={!draft[r.level]} onClick={() => save(r.level, draft[r.level] ?? null)}>{L('保存', 'Save')}</Button>
              {d.data!.items.some((i) => i.nodeId === d.data!.nodeId && i.level === r.level) ? <Button size="small" onClick={() => save(r.level, null)}>{L('恢复默认', 'Clear')}</Button> : null}
            </Space>
          ) }] : []),
        ]} />
      ) : null}
    </Modal>
  );
}

function CreateTopicModal({ onClose, onCreated }: { onClose: () => void; onCreated: () => void }) {
  const L = useL();
  const { t } = useI18n();
  const [form] = Form.useForm<{ title: string; body: string; category: string; nodeId: string }>();
  const [error, setError] = useState<string | null>(null);
  const nodes = useApi<OrgNode[]>('/org/nodes', { level: ['community', 'estate', 'grid', 'building'], geometry: false });
  const submit = async () => {
    const v = await validValues(form);
    if (!v) return;
    try {
      await api('/deliberation/topics', { method: 'POST', body: v });
      onCreated();
    } catch (err) {
      setError(errorText(err, t));
    }
  };
  return (
    <Modal open title={L('直接立项（社区提出的议题）', 'New topic (by the community)')} onOk={submit} onCancel={onClose} okText={t('common.confirm')} cancelText={t('common.cancel')}>
      {error ? <Alert type="error" showIcon title={error} style={{ marginBottom: 12 }} /> : null}
      <Form form={form} layout="vertical">
        <Form.Item name="title" label={L('标题', 'Title')} rules={[{ required: true, min: 2, max: 60 }]}><Input /></Form.Item>
        <Form.Item name="body" label={L('内容', 'Details')} rules={[{ required: true, min: 5, max: 2000 }]}><Input.TextArea rows={4} /></Form.Item>
        <Form.Item name="category" label={L('类别', 'Category')} rules={[{ required: true }]}><Select options={TOPIC_CATEGORIES.map((c) => ({ value: c, label: c }))} /></Form.Item>
        <Form.Item name="nodeId" label={L('范围', 'Area')} rules={[{ required: true }]}>
          <Select showSearch optionFilterProp="label" loading={nodes.loading} options={(nodes.data ?? []).map((n) => ({ value: n.id, label: n.name }))} />
        </Form.Item>
      </Form>
    </Modal>
  );
}

/** A comment as staff see it: hidden ones greyed with the reason, reports counted; hide/restore with a reason. */
function CommentItem({ c, canManage, onModerate }: { c: TopicComment; canManage: boolean; onModerate: (action: 'hide' | 'restore', reason: string) => void }) {
  const L = useL();
  const { t } = useI18n();
  const { modal } = App.useApp();
  const ask = (action: 'hide' | 'restore') => {
    let reason = '';
    modal.confirm({
      title: action === 'hide' ? L('隐藏评论', 'Hide comment') : L('恢复显示', 'Restore comment'),
      content: <Input.TextArea rows={2} placeholder={L('请说明理由（留痕备查）', 'Reason (kept in the audit log)')} onChange={(e) => (reason = e.target.value)} data-testid="moderate-reason" />,
      okText: t('common.confirm'),
      cancelText: t('common.cancel'),
      onOk: () => onModerate(action, reason),
    });
  };
  return (
    <List.Item data-testid="comment" className={c.hidden ? 'og-delib-hidden' : undefined}
      actions={canManage ? [c.hidden ? <Button key="r" size="small" type="link" onClick={() => ask('restore')}>{L('恢复', 'Restore')}</Button> : <Button key="h" size="small" type="link" danger onClick={() => ask('hide')} data-testid="hide-comment">{L('隐藏', 'Hide')}</Button>] : []}>
      <List.Item.Meta
        title={<>{c.authorName} {c.isStaff ? <Tag color="blue">{L('工作人员', 'Staff')}</Tag> : null}{c.hidden ? <Tag color="red">{L('已隐藏', 'Hidden')}</Tag> : null}{c.reportCount ? <Tag color="orange">{L(`被举报 ${c.reportCount} 次`, `Reported ${c.reportCount}×`)}</Tag> : null}<span className="og-delib-muted"> {fmtTime(c.createdAt)}</span></>}
        description={<>{c.body}{c.hidden && c.hiddenReason ? <div className="og-delib-muted">{L('隐藏理由：', 'Reason: ')}{c.hiddenReason}</div> : null}</>} />
    </List.Item>
  );
}

export function TopicDrawer({ id, onClose, onChanged }: { id: string; onClose: () => void; onChanged?: () => void }) {
  const L = useL();
  const { t } = useI18n();
  const { message, modal } = App.useApp();
  const d = useApi<TopicDetail>(`/deliberation/topics/${id}`);
  const [comment, setComment] = useState('');
  const topic = d.data;

  const act = async (fn: () => Promise<unknown>, ok: string) => {
    try {
      await fn();
      message.success(ok);
      d.reload();
      onChanged?.();
    } catch (err) {
      message.error(errorText(err, t));
    }
  };
  const reject = () => {
    let note = '';
    modal.confirm({
      title: L('不予立项', 'Reject topic'),
      content: <Input.TextArea rows={3} placeholder={L('请说明理由（将告知提议人）', 'Reason (shown to the proposer)')} onChange={(e) => (note = e.target.value)} />,
      okText: t('common.confirm'),
      cancelText: t('common.cancel'),
      onOk: () => act(() => api(`/deliberation/topics/${id}/review`, { method: 'POST', body: { decision: 'reject', note } }), L('已驳回', 'Rejected')),
    });
  };

  return (
    <Drawer open width={640} onClose={onClose} title={topic?.title ?? L('议题', 'Topic')} data-testid="topic-drawer"
      extra={topic?.canManage && ['proposed', 'supported'].includes(topic.status) ? (
        <Space>
          <Button onClick={reject}>{L('不予立项', 'Reject')}</Button>
          <Button type="primary" disabled={topic.status !== 'supported'} onClick={() => act(() => api(`/deliberation/topics/${id}/review`, { method: 'POST', body: { decision: 'accept' } }), L('已立项', 'Accepted'))}>{L('立项', 'Accept')}</Button>
        </Space>
      ) : null}>
      {d.error ? <Alert type="error" showIcon title={errorText(d.error, t)} /> : null}
      {topic ? (
        <Space direction="vertical" style={{ width: '100%' }} size="middle">
          <Descriptions size="small" column={1} items={[
            { key: 's', label: L('状态', 'Status'), children: <TopicStatusTag topic={topic} /> },
            { key: 'n', label: L('范围', 'Area'), children: topic.nodeName },
            { key: 'c', label: L('类别', 'Category'), children: topic.category },
            { key: 'p', label: L('提议人', 'Proposer'), children: `${topic.proposerName} · ${fmtTime(topic.createdAt)}` },
            { key: 'sp', label: L('附议', 'Support'), children: <SupportProgress topic={topic} /> },
            ...(topic.reviewNote ? [{ key: 'r', label: L('审核意见', 'Review note'), children: topic.reviewNote }] : []),
          ]} />
          <div className="og-delib-body">{topic.body}</div>
          <Photos photos={topic.photos ?? []} />
          {topic.meetings.length ? <List size="small" header={L('议事会议', 'Meetings')} dataSource={topic.meetings} renderItem={(m) => <List.Item>{m.title} · {fmtTime(m.startsAt)} {m.outcome ? <Tag>{m.outcome}</Tag> : null}</List.Item>} /> : null}
          {topic.votes.length ? <List size="small" header={L('表决', 'Votes')} dataSource={topic.votes} renderItem={(v) => <List.Item>{v.title} · {v.status === 'closed' ? (v.passed ? L('通过', 'passed') : L('未通过', 'not passed')) : L('截止 ', 'closes ') + fmtTime(v.closesAt)}</List.Item>} /> : null}
          {topic.resolutions.length ? <List size="small" header={L('决议', 'Resolutions')} dataSource={topic.resolutions} renderItem={(r) => <List.Item>{r.title} · {r.progress}%</List.Item>} /> : null}
          <List size="small" header={L(`讨论（${topic.comments.length}）`, `Discussion (${topic.comments.length})`)} dataSource={topic.comments}
            renderItem={(c) => <CommentItem c={c} canManage={topic.canManage} onModerate={(action, reason) => act(() => api(`/deliberation/topics/${id}/comments/${c.id}/moderate`, { method: 'POST', body: { action, reason } }), action === 'hide' ? L('已隐藏', 'Hidden') : L('已恢复', 'Restored'))} />} />
          <Space.Compact style={{ width: '100%' }}>
            <Input value={comment} onChange={(e) => setComment(e.target.value)} maxLength={1000} placeholder={L('回复居民、说明进展', 'Reply or give an update')} />
            <Button type="primary" disabled={!comment.trim()} onClick={() => act(async () => { await api(`/deliberation/topics/${id}/comments`, { method: 'POST', body: { body: comment } }); setComment(''); }, L('已发表', 'Posted'))}>{L('发表', 'Post')}</Button>
          </Space.Compact>
        </Space>
      ) : null}
    </Drawer>
  );
}
