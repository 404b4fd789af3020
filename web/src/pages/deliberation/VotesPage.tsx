import { useState } from 'react';
import { Alert, App, Button, Card, DatePicker, Descriptions, Drawer, Form, Input, InputNumber, Modal, Progress, Radio, Select, Space, Table, Tag, type TableColumnsType } from 'antd';
import { PlusOutlined } from '@ant-design/icons';
import dayjs, { type Dayjs } from 'dayjs';
import { api } from '../../api';
import { hasPermission, useMe } from '../../auth';
import { errorText, validValues } from '../../errors';
import { useApi } from '../../hooks';
import { useI18n } from '../../i18n';
import type { OrgNode } from '../../types';
import { CHOICE_LABEL, fmtTime, useL, VotePhaseTag, VoteResult, type Choice, type PageResult, type Topic, type Vote, type VoteDetail } from './common';

type Method = Vote['method'];
const METHODS: Array<{ value: Method; zh: string; en: string }> = [
  { value: 'owner', zh: '业主表决：一户一票，计专有面积', en: 'Owners: one per household, with floor area' },
  { value: 'household', zh: '一户一票', en: 'One vote per household' },
  { value: 'resident', zh: '一人一票', en: 'One vote per person' },
];
const RULES: Array<{ value: Vote['rule']; zh: string; en: string; methods: Method[] }> = [
  { value: 'double_majority', zh: '双过半（人数与面积均过半数）', en: 'Double majority (owners and area)', methods: ['owner'] },
  { value: 'double_three_quarters', zh: '双四分之三（加装电梯、维修资金等）', en: 'Three quarters of owners and area (lifts, funds)', methods: ['owner'] },
  { value: 'simple', zh: '过半数', en: 'Simple majority', methods: ['resident', 'household'] },
  { value: 'two_thirds', zh: '三分之二以上', en: 'Two thirds', methods: ['resident', 'household', 'owner'] },
];
const ELIGIBILITY: Array<{ value: Vote['eligibility']; zh: string; en: string; methods: Method[] }> = [
  { value: 'all', zh: '范围内全体', en: 'Everyone in the area', methods: ['resident', 'household', 'owner'] },
  { value: 'owners', zh: '仅登记业主', en: 'Registered owners only', methods: ['resident', 'household', 'owner'] },
  { value: 'household_heads', zh: '仅户主', en: 'Heads of household only', methods: ['resident', 'household'] },
  { value: 'listed', zh: '指定名单（如居民代表）', en: 'A list (e.g. representatives)', methods: ['resident'] },
];

/** 表决: open votes with live turnout; results (by households and floor area) once closed. */
export default function VotesPage() {
  const me = useMe();
  const L = useL();
  const { t } = useI18n();
  const [page, setPage] = useState(1);
  const [openId, setOpenId] = useState<string | null>(null);
  const [creating, setCreating] = useState(false);
  const list = useApi<PageResult<Vote>>('/deliberation/votes', { page, pageSize: 20 });
  const columns: TableColumnsType<Vote> = [
    { title: L('表决事项', 'Vote'), dataIndex: 'title', key: 'title', render: (v: string, r) => <Button type="link" style={{ padding: 0 }} onClick={() => setOpenId(r.id)}>{v}</Button> },
    { title: L('范围', 'Area'), dataIndex: 'nodeName', key: 'node', width: 140, responsive: ['md'] },
    { title: L('规则', 'Rule'), dataIndex: 'ruleLabel', key: 'rule', width: 220, responsive: ['lg'] },
    { title: L('截止', 'Closes'), dataIndex: 'closesAt', key: 'closesAt', width: 150, render: fmtTime },
    { title: L('状态', 'Status'), key: 'phase', width: 100, render: (_: unknown, r) => <VotePhaseTag vote={r} /> },
  ];
  return (
    <div className="og-page">
      {hasPermission(me, 'deliberation.manage') ? (
        <Card size="small"><Button type="primary" icon={<PlusOutlined />} onClick={() => setCreating(true)} data-testid="create-vote">{L('发起表决', 'Start a vote')}</Button></Card>
      ) : null}
      <Card size="small">
        {list.error ? <Alert type="error" showIcon title={errorText(list.error, t)} /> : null}
        <Table<Vote> rowKey="id" size="middle" columns={columns} dataSource={list.data?.items ?? []} loading={list.loading} data-testid="votes-table"
          pagination={{ current: page, pageSize: 20, total: list.data?.total ?? 0, onChange: setPage, showTotal: (total) => t('common.total', { total }) }} />
      </Card>
      {openId ? <VoteDrawer id={openId} onClose={() => setOpenId(null)} onChanged={list.reload} /> : null}
      {creating ? <CreateVoteModal onClose={() => setCreating(false)} onDone={(id) => { setCreating(false); list.reload(); setOpenId(id); }} /> : null}
    </div>
  );
}

function CreateVoteModal({ onClose, onDone }: { onClose: () => void; onDone: (id: string) => void }) {
  const L = useL();
  const { t } = useI18n();
  const [form] = Form.useForm<{ title: string; description?: string; topicId?: string; nodeId: string; method: Method; rule: Vote['rule']; ballot: Vote['ballot']; quorumPct?: number | null; eligibility: Vote['eligibility']; electorIds?: string[]; closesAt: Dayjs }>();
  const method: Method = Form.useWatch('method', form) ?? 'owner';
  const eligibility = Form.useWatch('eligibility', form) ?? 'all';
  const nodeId = Form.useWatch('nodeId', form);
  const people = useApi<PageResult<{ id: string; name: string }>>(eligibility === 'listed' && nodeId ? '/org/residents' : null, { nodeId, pageSize: 200 });
  const [error, setError] = useState<string | null>(null);
  const nodes = useApi<OrgNode[]>('/org/nodes', { level: ['community', 'estate', 'grid', 'building'], geometry: false });
  const topics = useApi<PageResult<Topic>>('/deliberation/topics', { status: ['accepted', 'agreed'], pageSize: 200 });
  const submit = async () => {
    const v = await validValues(form);
    if (!v) return;
    try {
      const vote = await api<Vote>('/deliberation/votes', {
        method: 'POST',
        body: {
          title: v.title,
          description: v.description,
          topicId: v.topicId,
          nodeId: v.nodeId,
          method: v.method,
          rule: v.rule,
          ballot: v.ballot,
          quorumPct: v.quorumPct ?? null,
          eligibility: v.eligibility,
          ...(v.eligibility === 'listed' ? { electorIds: v.electorIds ?? [] } : {}),
          closesAt: v.closesAt.toISOString(),
        },
      });
      onDone(vote.id);
    } catch (err) {
      setError(errorText(err, t));
    }
  };
  return (
    <Modal open width={620} title={L('发起表决', 'Start a vote')} onOk={submit} onCancel={onClose} okText={t('common.confirm')} cancelText={t('common.cancel')}>
      {error ? <Alert type="error" showIcon title={error} style={{ marginBottom: 12 }} /> : null}
      <Form form={form} layout="vertical" initialValues={{ method: 'owner', rule: 'double_majority', ballot: 'real_name', eligibility: 'all', closesAt: dayjs().add(7, 'day').hour(20).minute(0) }}
        onValuesChange={(c: { method?: Method }) => {
          if (!c.method) return;
          const patch: Record<string, string> = {};
          if (!RULES.find((r) => r.value === form.getFieldValue('rule'))?.methods.includes(c.method)) patch.rule = RULES.find((r) => r.methods.includes(c.method!))!.value;
          if (!ELIGIBILITY.find((r) => r.value === form.getFieldValue('eligibility'))?.methods.includes(c.method)) patch.eligibility = 'all';
          form.setFieldsValue(patch);
        }}>
        <Form.Item name="topicId" label={L('议题', 'Topic')}>
          <Select allowClear showSearch optionFilterProp="label" loading={topics.loading} data-testid="vote-topic" options={(topics.data?.items ?? []).map((x) => ({ value: x.id, label: `${x.title}（${x.nodeName}）` }))}
            onChange={(id) => { const x = topics.data?.items.find((i) => i.id === id); if (x && !form.getFieldValue('title')) form.setFieldsValue({ title: `${x.title}表决` }); }} />
        </Form.Item>
        <Form.Item name="title" label={L('表决事项', 'Title')} rules={[{ required: true, min: 2, max: 100 }]}><Input data-testid="vote-title" /></Form.Item>
        <Form.Item name="description" label={L('说明', 'Description')}><Input.TextArea rows={3} /></Form.Item>
        <Form.Item name="nodeId" label={L('表决范围（业主表决选小区或楼栋）', 'Electorate area (estate or building for owners)')} rules={[{ required: true }]}>
          <Select showSearch optionFilterProp="label" loading={nodes.loading} data-testid="vote-node" options={(nodes.data ?? []).map((n) => ({ value: n.id, label: n.name }))} />
        </Form.Item>
        <Form.Item name="method" label={L('计票单位', 'Who votes')} rules={[{ required: true }]}><Select options={METHODS.map((r) => ({ value: r.value, label: L(r.zh, r.en) }))} data-testid="vote-method" /></Form.Item>
        <Form.Item name="rule" label={L('通过规则', 'Passing rule')} rules={[{ required: true }]}><Select options={RULES.filter((r) => r.methods.includes(method)).map((r) => ({ value: r.value, label: L(r.zh, r.en) }))} data-testid="vote-rule" /></Form.Item>
        <Form.Item name="eligibility" label={L('投票资格', 'Eligibility')}><Select options={ELIGIBILITY.filter((r) => r.methods.includes(method)).map((r) => ({ value: r.value, label: L(r.zh, r.en) }))} /></Form.Item>
        {eligibility === 'listed' ? (
          <Form.Item name="electorIds" label={L('参加表决的人员', 'Voters')} rules={[{ required: true, message: L('请选择名单', 'Choose the voters') }]}>
            <Select mode="multiple" showSearch optionFilterProp="label" loading={people.loading} options={(people.data?.items ?? []).map((p) => ({ value: p.id, label: p.name }))} />
          </Form.Item>
        ) : null}
        <Space wrap>
          <Form.Item name="ballot" label={L('投票方式', 'Ballot')}>
            <Radio.Group options={[{ value: 'real_name', label: L('记名', 'Real-name') }, { value: 'secret', label: L('无记名', 'Secret') }]} />
          </Form.Item>
          <Form.Item name="quorumPct" label={L('参与率要求（%，不填按规则默认）', 'Quorum % (empty: the rule’s default)')}><InputNumber min={1} max={100} style={{ width: 120 }} /></Form.Item>
        </Space>
        <Form.Item name="closesAt" label={L('截止时间', 'Closes at')} rules={[{ required: true }]}><DatePicker showTime={{ format: 'HH:mm' }} format="YYYY-MM-DD HH:mm" /></Form.Item>
      </Form>
    </Modal>
  );
}

type Elector = { voterKey: string; residentId: string | null; name: string; areaM2: number; voted: boolean; method: string | null };

function VoteDrawer({ id, onClose, onChanged }: { id: string; onClose: () => void; onChanged: () => void }) {
  const L = useL();
  const { t } = useI18n();
  const { message } = App.useApp();
  const me = useMe();
  const d = useApi<VoteDetail>(`/deliberation/votes/${id}`);
  const electors = useApi<{ items: Elector[] }>(hasPermission(me, 'deliberation.assist') ? `/deliberation/votes/${id}/electors` : null);
  const [resForm] = Form.useForm<{ title: string; content: string; assignee: string; dueDate: Dayjs; steps?: string }>();
  const [paper, setPaper] = useState<Record<string, Choice>>({});
  const recordPaper = async (residentId: string, choice: Choice) => {
    try {
      await api(`/deliberation/votes/${id}/ballots`, { method: 'POST', body: { choice, residentId } });
      message.success(L('纸质选票已录入', 'Paper ballot recorded'));
      d.reload();
      electors.reload();
    } catch (err) {
      message.error(errorText(err, t));
    }
  };
  const v = d.data;
  const close = async () => {
    try {
      await api(`/deliberation/votes/${id}/close`, { method: 'POST' });
      d.reload();
      onChanged();
    } catch (err) {
      message.error(errorText(err, t));
    }
  };
  const createResolution = async () => {
    const f = await validValues(resForm);
    if (!f) return;
    try {
      const steps = (f.steps ?? '').split('\n').map((s) => s.trim()).filter(Boolean);
      await api('/deliberation/resolutions', { method: 'POST', body: { voteId: id, title: f.title, content: f.content, assignee: f.assignee, dueDate: f.dueDate.format('YYYY-MM-DD'), steps } });
      message.success(L('决议已形成，可在「决议落实」中跟踪', 'Resolution recorded'));
    } catch (err) {
      message.error(errorText(err, t));
    }
  };
  return (
    <Drawer open width={680} onClose={onClose} title={v?.title ?? L('表决', 'Vote')} data-testid="vote-drawer">
      {d.error ? <Alert type="error" showIcon title={errorText(d.error, t)} /> : null}
      {v ? (
        <Space direction="vertical" size="middle" style={{ width: '100%' }}>
          <Descriptions size="small" column={1} items={[
            { key: 's', label: L('状态', 'Status'), children: <VotePhaseTag vote={v} /> },
            { key: 'n', label: L('范围', 'Area'), children: v.nodeName },
            { key: 'r', label: L('规则', 'Rule'), children: <span data-testid="vote-rules">{v.methodLabel} · {v.ruleLabel} · {v.ballotLabel}{v.quorumPct ? L(` · 参与率须达 ${v.quorumPct}%`, ` · quorum ${v.quorumPct}%`) : ''}</span> },
            { key: 'q', label: L('投票资格', 'Eligibility'), children: v.eligibilityLabel },
            { key: 't', label: L('时间', 'Time'), children: `${fmtTime(v.opensAt)} – ${fmtTime(v.closesAt)}` },
            { key: 'e', label: L('选民', 'Electorate'), children: v.method === 'owner' ? L(`${v.eligibleCount} 户，专有面积 ${v.eligibleAreaM2} m²`, `${v.eligibleCount} households, ${v.eligibleAreaM2} m²`) : v.method === 'household' ? L(`${v.eligibleCount} 户`, `${v.eligibleCount} households`) : L(`${v.eligibleCount} 人`, `${v.eligibleCount} residents`) },
          ]} />
          {v.description ? <div className="og-delib-body">{v.description}</div> : null}
          <Card size="small" title={L('参与情况', 'Turnout')}>
            <div>{L('人数/户数', 'Voters')} <Progress percent={Math.round(v.turnout.rate * 1000) / 10} data-testid="turnout" /></div>
            {v.turnout.areaRate !== null ? <div>{L('面积', 'Area')} <Progress percent={Math.round(v.turnout.areaRate * 1000) / 10} /></div> : null}
            {v.method === 'owner' && (v.rule === 'double_majority' || v.rule === 'double_three_quarters') ? <div className="og-delib-muted">{L('参与表决须达到人数与面积的三分之二', 'Two thirds of owners and of floor area must take part')}</div> : null}
          </Card>
          {v.result ? <Card size="small" title={L('表决结果', 'Result')}><VoteResult result={v.result} method={v.method} /></Card> : <Alert type="info" showIcon title={L('投票截止后公布各选项票数', 'Counts are published when the vote closes')} />}
          {v.canManage && v.phase === 'counting' ? <Button type="primary" onClick={close}>{L('计票', 'Count')}</Button> : null}
          {v.canManage && v.status === 'closed' && v.passed ? (
            <Card size="small" title={L('形成决议', 'Record a resolution')}>
              <Form form={resForm} layout="vertical" initialValues={{ title: v.title.replace(/表决$/, ''), dueDate: dayjs().add(30, 'day') }}>
                <Form.Item name="title" label={L('决议名称', 'Title')} rules={[{ required: true, min: 2 }]}><Input /></Form.Item>
                <Form.Item name="content" label={L('决议内容', 'Content')} rules={[{ required: true, min: 2 }]}><Input.TextArea rows={3} /></Form.Item>
                <Form.Item name="assignee" label={L('责任方', 'Responsible')} rules={[{ required: true, min: 2 }]}><Input /></Form.Item>
                <Form.Item name="dueDate" label={L('完成期限', 'Due')} rules={[{ required: true }]}><DatePicker /></Form.Item>
                <Form.Item name="steps" label={L('落实步骤（每行一步，可选）', 'Steps (one per line, optional)')}><Input.TextArea rows={3} /></Form.Item>
                <Button type="primary" onClick={createResolution}>{L('形成决议', 'Record')}</Button>
              </Form>
            </Card>
          ) : null}
          {electors.data ? (
            <Table<Elector> size="small" rowKey="voterKey" dataSource={electors.data.items} pagination={{ pageSize: 10 }} columns={[
              { title: v.method === 'owner' ? L('业主', 'Owner') : L('居民', 'Resident'), dataIndex: 'name' },
              ...(v.method === 'owner' ? [{ title: L('面积 m²', 'Area m²'), dataIndex: 'areaM2' }] : []),
              { title: L('是否已投', 'Voted'), dataIndex: 'voted', render: (x: boolean, r: Elector) => (x ? <Tag color="green">{r.method === 'paper' ? L('已投（纸质）', 'Yes (paper)') : L('已投', 'Yes')}</Tag> : <Tag>{L('未投', 'Not yet')}</Tag>) },
              ...(v.phase === 'open'
                ? [{
                    title: L('录入纸质选票', 'Paper ballot'),
                    key: 'paper',
                    render: (_: unknown, r: Elector) => (!r.voted && r.residentId ? (
                      <Space.Compact>
                        <Select size="small" style={{ width: 90 }} value={paper[r.voterKey]} onChange={(c) => setPaper({ ...paper, [r.voterKey]: c })} options={(['agree', 'oppose', 'abstain'] as Choice[]).map((c) => ({ value: c, label: L(...CHOICE_LABEL[c]) }))} aria-label={L('选票内容', 'Choice')} />
                        <Button size="small" disabled={!paper[r.voterKey]} onClick={() => recordPaper(r.residentId!, paper[r.voterKey]!)}>{L('录入', 'Record')}</Button>
                      </Space.Compact>
                    ) : null),
                  }]
                : []),
            ]} />
          ) : null}
        </Space>
      ) : null}
    </Drawer>
  );
}
