import { useState } from 'react';
import { Alert, App, Button, Card, DatePicker, Descriptions, Drawer, Form, Input, List, Modal, Select, Space, Table, Tag, type TableColumnsType } from 'antd';
import { MinusCircleOutlined, PlusOutlined } from '@ant-design/icons';
import dayjs, { type Dayjs } from 'dayjs';
import { api } from '../../api';
import { hasPermission, useMe } from '../../auth';
import { errorText, validValues } from '../../errors';
import { useApi } from '../../hooks';
import { useI18n } from '../../i18n';
import type { OrgNode } from '../../types';
import { fmtTime, MeetingModeText, TOPIC_ZH, TopicStatusTag, useL, type Meeting, type MeetingDetail, type PageResult, type Topic } from './common';

const MODES = [
  { value: 'in_person', zh: '线下', en: 'In person' },
  { value: 'online', zh: '线上', en: 'Online' },
  { value: 'hybrid', zh: '线上线下结合', en: 'Hybrid' },
];
const INVITEE_KINDS = [
  { value: 'resident_rep', zh: '居民代表', en: 'Residents’ representative' },
  { value: 'property', zh: '物业服务企业', en: 'Property company' },
  { value: 'owners_committee', zh: '业主委员会', en: 'Owners’ committee' },
  { value: 'party', zh: '党组织', en: 'Party organisation' },
  { value: 'expert', zh: '专家（律师等）', en: 'Expert (lawyer etc.)' },
  { value: 'department', zh: '职能部门', en: 'Government department' },
  { value: 'other', zh: '其他', en: 'Other' },
];
type Invitee = { kind: string; name: string; org?: string };

const OUTCOMES = [
  { value: 'consensus', zh: '协商一致', en: 'Agreed' },
  { value: 'to_vote', zh: '提交表决', en: 'To a vote' },
  { value: 'deferred', zh: '暂缓再议', en: 'Deferred' },
  { value: 'rejected', zh: '不予采纳', en: 'Rejected' },
];

/** 议事会议: schedule with an agenda of accepted topics, sign-in, minutes with each topic's outcome. */
export default function MeetingsPage() {
  const me = useMe();
  const L = useL();
  const { t } = useI18n();
  const [page, setPage] = useState(1);
  const [openId, setOpenId] = useState<string | null>(null);
  const [creating, setCreating] = useState(false);
  const list = useApi<PageResult<Meeting>>('/deliberation/meetings', { page, pageSize: 20 });
  const STATUS = { scheduled: ['blue', '待召开', 'Scheduled'], held: ['green', '已召开', 'Held'], cancelled: ['default', '已取消', 'Cancelled'] } as const;

  const columns: TableColumnsType<Meeting> = [
    { title: L('会议', 'Meeting'), dataIndex: 'title', key: 'title', render: (v: string, r) => <Button type="link" style={{ padding: 0 }} onClick={() => setOpenId(r.id)}>{v}</Button> },
    { title: L('范围', 'Area'), dataIndex: 'nodeName', key: 'node', width: 120, responsive: ['md'] },
    { title: L('时间', 'Time'), dataIndex: 'startsAt', key: 'startsAt', width: 150, render: fmtTime },
    { title: L('方式与地点', 'Mode and place'), key: 'location', responsive: ['lg'], render: (_: unknown, r) => <MeetingModeText m={r} /> },
    { title: L('状态', 'Status'), dataIndex: 'status', key: 'status', width: 90, render: (s: Meeting['status']) => <Tag color={STATUS[s][0]}>{L(STATUS[s][1], STATUS[s][2])}</Tag> },
  ];
  return (
    <div className="og-page">
      {hasPermission(me, 'deliberation.manage') ? (
        <Card size="small">
          <Button type="primary" icon={<PlusOutlined />} onClick={() => setCreating(true)} data-testid="schedule-meeting">{L('安排议事会议', 'Schedule a meeting')}</Button>
        </Card>
      ) : null}
      <Card size="small">
        {list.error ? <Alert type="error" showIcon title={errorText(list.error, t)} /> : null}
        <Table<Meeting> rowKey="id" size="middle" columns={columns} dataSource={list.data?.items ?? []} loading={list.loading} data-testid="meetings-table"
          pagination={{ current: page, pageSize: 20, total: list.data?.total ?? 0, onChange: setPage, showTotal: (total) => t('common.total', { total }) }} />
      </Card>
      {openId ? <MeetingDrawer id={openId} onClose={() => setOpenId(null)} onChanged={list.reload} /> : null}
      {creating ? <ScheduleModal onClose={() => setCreating(false)} onDone={(id) => { setCreating(false); list.reload(); setOpenId(id); }} /> : null}
    </div>
  );
}

function ScheduleModal({ onClose, onDone }: { onClose: () => void; onDone: (id: string) => void }) {
  const L = useL();
  const { t } = useI18n();
  const [form] = Form.useForm<{ title: string; nodeId: string; startsAt: Dayjs; hours: number; mode: 'in_person' | 'online' | 'hybrid'; location?: string; onlineUrl?: string; invitees?: Invitee[]; topicIds: string[] }>();
  const mode = Form.useWatch('mode', form) ?? 'in_person';
  const [error, setError] = useState<string | null>(null);
  const nodes = useApi<OrgNode[]>('/org/nodes', { level: ['community', 'estate'], geometry: false });
  const topics = useApi<PageResult<Topic>>('/deliberation/topics', { status: ['accepted', 'supported'], pageSize: 200 });
  const submit = async () => {
    const v = await validValues(form);
    if (!v) return;
    try {
      const m = await api<Meeting>('/deliberation/meetings', {
        method: 'POST',
        body: {
          title: v.title,
          nodeId: v.nodeId,
          startsAt: v.startsAt.toISOString(),
          endsAt: v.startsAt.add(v.hours, 'hour').toISOString(),
          mode: v.mode,
          ...(v.mode !== 'online' ? { location: v.location } : {}),
          ...(v.mode !== 'in_person' ? { onlineUrl: v.onlineUrl } : {}),
          invitees: (v.invitees ?? []).filter((i) => i?.kind && i.name?.trim()),
          agenda: (v.topicIds ?? []).map((topicId) => ({ topicId })),
        },
      });
      onDone(m.id);
    } catch (err) {
      setError(errorText(err, t));
    }
  };
  return (
    <Modal open width={620} title={L('安排议事会议', 'Schedule a meeting')} onOk={submit} onCancel={onClose} okText={t('common.confirm')} cancelText={t('common.cancel')}>
      {error ? <Alert type="error" showIcon title={error} style={{ marginBottom: 12 }} data-testid="meeting-error" /> : null}
      <Form form={form} layout="vertical" initialValues={{ startsAt: dayjs().add(1, 'day').hour(19).minute(0).second(0), hours: 2, mode: 'in_person' }}>
        <Form.Item name="title" label={L('会议名称', 'Title')} rules={[{ required: true, min: 2, max: 100 }]}><Input /></Form.Item>
        <Form.Item name="nodeId" label={L('范围', 'Area')} rules={[{ required: true }]}>
          <Select showSearch optionFilterProp="label" loading={nodes.loading} options={(nodes.data ?? []).map((n) => ({ value: n.id, label: n.name }))} data-testid="meeting-node" />
        </Form.Item>
        <Space>
          <Form.Item name="startsAt" label={L('开始时间', 'Starts')} rules={[{ required: true }]}><DatePicker showTime={{ format: 'HH:mm' }} format="YYYY-MM-DD HH:mm" /></Form.Item>
          <Form.Item name="hours" label={L('时长', 'Length')}><Select style={{ width: 110 }} options={[1, 2, 3, 4].map((h) => ({ value: h, label: L(`${h} 小时`, `${h} h`) }))} /></Form.Item>
        </Space>
        <Form.Item name="mode" label={L('会议方式', 'Mode')}>
          <Select options={MODES.map((x) => ({ value: x.value, label: L(x.zh, x.en) }))} data-testid="meeting-mode-select" />
        </Form.Item>
        {mode !== 'online' ? <Form.Item name="location" label={L('地点', 'Place')} rules={[{ required: true, min: 2, max: 100 }]}><Input /></Form.Item> : null}
        {mode !== 'in_person' ? (
          <Form.Item name="onlineUrl" label={L('线上会议链接', 'Online link')} rules={[{ required: true, pattern: /^https?:\/\/\S+$/, message: L('请填写以 http(s):// 开头的链接', 'A http(s):// link') }]}><Input placeholder="https://" /></Form.Item>
        ) : null}
        <Form.List name="invitees">
          {(fields, { add, remove }) => (
            <Form.Item label={L('邀请参会方', 'Invited parties')}>
              {fields.map((f) => (
                <Space key={f.key} align="baseline" style={{ display: 'flex' }}>
                  <Form.Item name={[f.name, 'kind']} rules={[{ required: true, message: L('请选择', 'Required') }]}><Select style={{ width: 150 }} placeholder={L('类型', 'Kind')} options={INVITEE_KINDS.map((x) => ({ value: x.value, label: L(x.zh, x.en) }))} /></Form.Item>
                  <Form.Item name={[f.name, 'name']} rules={[{ required: true, message: L('请填写', 'Required') }, { max: 50 }]}><Input placeholder={L('姓名/名称', 'Name')} /></Form.Item>
                  <Form.Item name={[f.name, 'org']} rules={[{ max: 100 }]}><Input placeholder={L('单位（可选）', 'Organisation (optional)')} /></Form.Item>
                  <MinusCircleOutlined onClick={() => remove(f.name)} aria-label={L('移除', 'Remove')} />
                </Space>
              ))}
              <Button type="dashed" icon={<PlusOutlined />} onClick={() => add({ kind: 'resident_rep' })} data-testid="add-invitee">{L('添加参会方', 'Add a party')}</Button>
            </Form.Item>
          )}
        </Form.List>
        <Form.Item name="topicIds" label={L('议程（已立项的议题）', 'Agenda (accepted topics)')} extra={L('附议达标、等待上会的议题会自动列入议程', 'Topics that reached their support threshold are added automatically')}>
          <Select mode="multiple" optionFilterProp="label" loading={topics.loading} options={(topics.data?.items ?? []).map((x) => ({ value: x.id, label: `${x.title}（${x.nodeName}）` }))} data-testid="meeting-topics" />
        </Form.Item>
      </Form>
    </Modal>
  );
}

function MeetingDrawer({ id, onClose, onChanged }: { id: string; onClose: () => void; onChanged: () => void }) {
  const L = useL();
  const { t } = useI18n();
  const { message } = App.useApp();
  const d = useApi<MeetingDetail>(`/deliberation/meetings/${id}`);
  const [minutes, setMinutes] = useState('');
  const [outcomes, setOutcomes] = useState<Record<string, string>>({});
  const [proxy, setProxy] = useState<string | undefined>();
  const m = d.data;
  const residents = useApi<PageResult<{ id: string; name: string }>>(m && m.status === 'scheduled' ? '/org/residents' : null, { nodeId: m?.nodeId, pageSize: 200 });
  const act = async (fn: () => Promise<unknown>, ok: string) => {
    try {
      await fn();
      message.success(ok);
      d.reload();
      onChanged();
    } catch (err) {
      message.error(errorText(err, t));
    }
  };
  return (
    <Drawer open width={680} onClose={onClose} title={m?.title ?? L('会议', 'Meeting')} data-testid="meeting-drawer">
      {d.error ? <Alert type="error" showIcon title={errorText(d.error, t)} /> : null}
      {m ? (
        <Space direction="vertical" size="middle" style={{ width: '100%' }}>
          <Descriptions size="small" column={1} items={[
            { key: 't', label: L('时间', 'Time'), children: `${fmtTime(m.startsAt)} – ${fmtTime(m.endsAt)}` },
            { key: 'l', label: L('方式与地点', 'Mode and place'), children: <MeetingModeText m={m} /> },
            ...(m.invitees.length ? [{ key: 'i', label: L('邀请参会', 'Invited'), children: <span data-testid="meeting-invitees">{m.invitees.map((i, n) => <Tag key={n}>{i.kindLabel}：{i.name}{i.org ? `（${i.org}）` : ''}</Tag>)}</span> }] : []),
            { key: 'n', label: L('范围', 'Area'), children: m.nodeName },
            { key: 's', label: L('签到', 'Signed in'), children: <span data-testid="signin-count">{L(`${m.signinCount} 人（居民 ${m.residentSigninCount} 人）`, `${m.signinCount} (residents ${m.residentSigninCount})`)}</span> },
          ]} />
          <List size="small" header={L('议程', 'Agenda')} dataSource={m.agenda} renderItem={(a) => (
            <List.Item extra={m.status === 'scheduled' && m.canManage && a.topicId ? (
              <Select style={{ width: 130 }} placeholder={L('协商结果', 'Outcome')} value={outcomes[a.id]} onChange={(v) => setOutcomes({ ...outcomes, [a.id]: v })} options={OUTCOMES.map((o) => ({ value: o.value, label: L(o.zh, o.en) }))} data-testid={`outcome-${a.seq}`} />
            ) : a.outcome ? <Tag color="green">{L(OUTCOMES.find((o) => o.value === a.outcome)?.zh ?? a.outcome, OUTCOMES.find((o) => o.value === a.outcome)?.en ?? a.outcome)}</Tag> : null}>
              {a.seq}. {a.title} {a.topicStatus ? <TopicStatusTag topic={{ status: a.topicStatus, statusLabel: TOPIC_ZH[a.topicStatus] }} /> : null}
            </List.Item>
          )} />
          {m.status === 'scheduled' ? (
            <Space wrap>
              <Button onClick={() => act(() => api(`/deliberation/meetings/${id}/sign-in`, { method: 'POST', body: {} }), L('已签到', 'Signed in'))} disabled={m.signedInByMe}>{L('本人签到', 'Sign in')}</Button>
              <Select showSearch optionFilterProp="label" style={{ width: 200 }} placeholder={L('代居民签到', 'Sign in a resident')} value={proxy} onChange={setProxy} options={(residents.data?.items ?? []).map((r) => ({ value: r.id, label: r.name }))} />
              <Button disabled={!proxy} onClick={() => act(() => api(`/deliberation/meetings/${id}/sign-in`, { method: 'POST', body: { residentId: proxy } }), L('已代签', 'Signed in'))}>{L('代签', 'Sign in')}</Button>
            </Space>
          ) : null}
          {m.signins.length ? <Table size="small" rowKey={(r) => r.name + r.signedAt} pagination={false} dataSource={m.signins} columns={[
            { title: L('姓名', 'Name'), dataIndex: 'name' },
            { title: L('身份', 'As'), dataIndex: 'kind', render: (k: string) => (k === 'resident' ? L('居民', 'Resident') : L('工作人员', 'Staff')) },
            { title: L('方式', 'How'), dataIndex: 'method', render: (k: string) => (k === 'self' ? L('本人', 'Self') : L('代签', 'Proxy')) },
            { title: L('时间', 'Time'), dataIndex: 'signedAt', render: fmtTime },
          ]} /> : null}
          {m.status === 'scheduled' && m.canManage ? (
            <Card size="small" title={L('会议纪要', 'Minutes')}>
              <Input.TextArea rows={5} value={minutes} onChange={(e) => setMinutes(e.target.value)} placeholder={L('到会情况、讨论要点、协商结果', 'Attendance, discussion, outcomes')} data-testid="minutes-input" />
              <Space style={{ marginTop: 8 }}>
                <Button type="primary" disabled={!minutes.trim()} data-testid="publish-minutes" onClick={() => act(() => api(`/deliberation/meetings/${id}/minutes`, { method: 'POST', body: { minutes, outcomes: Object.entries(outcomes).map(([agendaItemId, outcome]) => ({ agendaItemId, outcome })) } }), L('纪要已发布', 'Minutes published'))}>{L('发布纪要', 'Publish minutes')}</Button>
                <Button danger onClick={() => act(() => api(`/deliberation/meetings/${id}/cancel`, { method: 'POST', body: { reason: '会议改期' } }), L('已取消', 'Cancelled'))}>{L('取消会议', 'Cancel meeting')}</Button>
              </Space>
            </Card>
          ) : m.minutes ? (
            <Card size="small" title={L('会议纪要', 'Minutes')}><div className="og-delib-body">{m.minutes}</div></Card>
          ) : null}
        </Space>
      ) : null}
    </Drawer>
  );
}
