import { useState } from 'react';
import { Button, Card, Descriptions, Drawer, Form, Input, InputNumber, Modal, Select, Space, Table, Tabs, Tag, Timeline } from 'antd';
import { useApi } from '../../hooks';
import { useAuth } from '../../auth';
import { useI18n } from '../../i18n';
import type { PageResult } from '../../types';
import { fmtTime, useAction } from '../ledger/common';
import { EVALUATOR_KINDS, LOG_KINDS, NEED_CATEGORIES, ProjectStatusTag, type Project, type ProjectDetail } from './common';
import { validValues } from '../../errors';

interface Need {
  id: string;
  source: string;
  title: string;
  description: string;
  category: string;
  status: string;
  createdAt: string;
}

/** Staff's side of a project: publish, approve a claim, confirm completion, evaluate, settle. */
export function ProjectDrawer({ id, onClose, onChanged }: { id: string | null; onClose: () => void; onChanged: () => void }) {
  const { me } = useAuth();
  const { run, busy, api } = useAction();
  const d = useApi<ProjectDetail>(id ? `/projects/${id}` : null);
  const [score, setScore] = useState<number | null>(90);
  const [third, setThird] = useState('');
  const [thirdScore, setThirdScore] = useState<number | null>(85);
  const manage = me?.permissions.includes('projects.manage');
  const act = async (path: string, body: unknown, ok: string) => {
    if (await run(() => api(`/projects/${id}${path}`, { method: 'POST', body }), ok)) {
      d.reload();
      onChanged();
    }
  };
  const p = d.data;
  return (
    <Drawer open={Boolean(id)} onClose={onClose} width={720} title={p?.title} data-testid="project-drawer">
      {p && (
        <>
          <Descriptions column={2} size="small" bordered>
            <Descriptions.Item label="状态"><ProjectStatusTag p={p} /></Descriptions.Item>
            <Descriptions.Item label="社区">{p.communityName}</Descriptions.Item>
            <Descriptions.Item label="预算">{p.budget} 元</Descriptions.Item>
            <Descriptions.Item label="积分">{p.pointsOffered}</Descriptions.Item>
            <Descriptions.Item label="资源" span={2}>{p.resources || '—'}</Descriptions.Item>
            <Descriptions.Item label="实施方">{p.partnerName ?? '—'}</Descriptions.Item>
            <Descriptions.Item label="评价权重">居民 {p.weights.resident} · 工作人员 {p.weights.staff} · 第三方 {p.weights.third_party}</Descriptions.Item>
            {p.finalScore !== null && <Descriptions.Item label="综合得分">{p.finalScore}</Descriptions.Item>}
            {p.pointsPaid !== null && <Descriptions.Item label="发放积分">{p.pointsPaid}</Descriptions.Item>}
          </Descriptions>
          <p style={{ marginTop: 12 }}>{p.description}</p>
          <Space wrap style={{ marginBottom: 12 }}>
            {manage && p.status === 'draft' && <Button type="primary" loading={busy} onClick={() => act('/publish', undefined, '已发布')}>发布</Button>}
            {manage && p.status === 'in_progress' && <Button type="primary" loading={busy} onClick={() => act('/confirm', {}, '已确认完成')}>确认完成</Button>}
            {manage && p.status === 'completed' && <Button type="primary" loading={busy} onClick={() => act('/settle', undefined, '已结项并发放积分')}>结项并发放积分</Button>}
          </Space>
          {p.claims.length > 0 && (
            <>
              <h4>认领申请</h4>
              <Table
                rowKey="id"
                size="small"
                pagination={false}
                dataSource={p.claims}
                columns={[
                  { title: '合伙人', dataIndex: 'partnerName' },
                  { title: '信用', render: (_: unknown, c: ProjectDetail['claims'][number]) => <Tag>{c.creditLevel} · {c.creditScore}</Tag> },
                  { title: '方案', dataIndex: 'plan' },
                  { title: '状态', dataIndex: 'status', render: (s: string) => ({ pending: <Tag color="orange">待审核</Tag>, approved: <Tag color="green">已同意</Tag>, rejected: <Tag>未同意</Tag> })[s] },
                  {
                    title: '',
                    render: (_: unknown, c: ProjectDetail['claims'][number]) =>
                      manage && c.status === 'pending' && p.status === 'published' ? (
                        <Space>
                          <Button size="small" type="primary" onClick={() => act(`/claims/${c.id}/review`, { approve: true }, '已同意认领')}>同意</Button>
                          <Button size="small" onClick={() => act(`/claims/${c.id}/review`, { approve: false }, '已拒绝')}>拒绝</Button>
                        </Space>
                      ) : null,
                  },
                ]}
              />
            </>
          )}
          <h4 style={{ marginTop: 16 }}>实施日志</h4>
          <Timeline items={p.logs.map((l) => ({ children: <span>{fmtTime(l.at)} <Tag>{LOG_KINDS[l.kind]}</Tag>{l.authorName}：{l.content}</span> }))} />
          {(p.status === 'completed' || p.status === 'evaluated') && (
            <>
              <h4>评价</h4>
              <p>
                {p.evaluationSummary.groups.filter((g) => g.count > 0).map((g) => `${EVALUATOR_KINDS[g.kind]} ${g.average}（${g.count} 人，权重 ${g.effectiveWeight}）`).join('；')}
                {p.evaluationSummary.score !== null && <b> → {p.evaluationSummary.score} 分</b>}
              </p>
              <Table rowKey="id" size="small" pagination={false} dataSource={p.evaluations} columns={[{ title: '评价方', dataIndex: 'kind', render: (k: string) => EVALUATOR_KINDS[k] }, { title: '评价人', dataIndex: 'evaluatorName' }, { title: '分数', dataIndex: 'score' }, { title: '意见', dataIndex: 'comment' }]} />
              {p.canEvaluate && (
                <Space style={{ marginTop: 12 }}>
                  <InputNumber min={0} max={100} value={score} onChange={setScore} addonBefore="工作人员评分" />
                  <Button onClick={() => act('/evaluations', { score }, '已评价')}>提交评价</Button>
                </Space>
              )}
              {manage && p.status === 'completed' && (
                <Space style={{ marginTop: 12 }}>
                  <Input placeholder="第三方机构名称" value={third} onChange={(e) => setThird(e.target.value)} style={{ width: 200 }} />
                  <InputNumber min={0} max={100} value={thirdScore} onChange={setThirdScore} />
                  <Button disabled={!third} onClick={() => act('/evaluations', { score: thirdScore, thirdParty: third }, '已录入第三方评价')}>录入第三方评价</Button>
                </Space>
              )}
            </>
          )}
        </>
      )}
    </Drawer>
  );
}

/** 项目看板: needs become projects; partners claim them; staff follow them to evaluation. */
export default function ProjectsPage() {
  const { tl } = useI18n();
  const { me } = useAuth();
  const { run, busy, api } = useAction();
  const [status, setStatus] = useState<string | undefined>();
  const [page, setPage] = useState(1);
  const list = useApi<PageResult<Project>>('/projects', { status, page, pageSize: 20 });
  const needs = useApi<PageResult<Need>>('/needs', { status: 'new', pageSize: 100 });
  const communities = useApi<Array<{ id: string; name: string }>>('/org/nodes', { level: 'community', geometry: false });
  const [openId, setOpenId] = useState<string | null>(null);
  const [creating, setCreating] = useState(false);
  const [form] = Form.useForm();
  const manage = me?.permissions.includes('projects.manage');
  return (
    <Card title={tl({ zh: '项目看板', en: 'Projects' })}>
      <Tabs
        items={[
          {
            key: 'projects',
            label: '项目',
            children: (
              <>
                <Space style={{ marginBottom: 12 }}>
                  <Select allowClear style={{ width: 140 }} placeholder="状态" value={status} onChange={(v) => (setStatus(v), setPage(1))} options={[['draft', '草稿'], ['published', '已发布'], ['in_progress', '实施中'], ['completed', '已完成待评价'], ['evaluated', '已评价']].map(([value, label]) => ({ value, label }))} />
                  {manage && <Button type="primary" onClick={() => setCreating(true)}>由需求生成项目</Button>}
                </Space>
                <Table
                  rowKey="id"
                  dataSource={list.data?.items}
                  pagination={{ current: page, pageSize: 20, total: list.data?.total, onChange: setPage }}
                  onRow={(p) => ({ onClick: () => setOpenId(p.id), style: { cursor: 'pointer' } })}
                  columns={[
                    { title: '项目', dataIndex: 'title' },
                    { title: '类别', dataIndex: 'category' },
                    { title: '社区', dataIndex: 'communityName' },
                    { title: '预算（元）', dataIndex: 'budget' },
                    { title: '积分', dataIndex: 'pointsOffered' },
                    { title: '实施方', dataIndex: 'partnerName' },
                    { title: '状态', render: (_: unknown, p: Project) => <ProjectStatusTag p={p} /> },
                    { title: '得分', dataIndex: 'finalScore', render: (s: number | null) => s ?? '—' },
                  ]}
                />
              </>
            ),
          },
          {
            key: 'needs',
            label: '需求征集',
            children: (
              <Table
                rowKey="id"
                dataSource={needs.data?.items}
                pagination={false}
                columns={[
                  { title: '需求', dataIndex: 'title' },
                  { title: '类别', dataIndex: 'category' },
                  { title: '来源', dataIndex: 'source', render: (s: string) => (s === 'questionnaire' ? <Tag color="blue">在线问卷</Tag> : <Tag color="purple">走访</Tag>) },
                  { title: '说明', dataIndex: 'description' },
                  { title: '时间', dataIndex: 'createdAt', render: fmtTime },
                ]}
              />
            ),
          },
        ]}
      />
      <ProjectDrawer id={openId} onClose={() => setOpenId(null)} onChanged={list.reload} />
      <Modal
        open={creating}
        width={640}
        title="由需求生成项目"
        confirmLoading={busy}
        onCancel={() => setCreating(false)}
        onOk={async () => {
          const v = await validValues(form);
          if (!v) return;
          const body = { ...v, dueOn: v.dueOn || undefined, weights: { resident: v.wr, staff: v.ws, third_party: v.wt } };
          delete body.wr;
          delete body.ws;
          delete body.wt;
          if (await run(() => api('/projects', { method: 'POST', body }), '已生成项目（草稿）')) {
            setCreating(false);
            form.resetFields();
            list.reload();
            needs.reload();
          }
        }}
      >
        <Form form={form} layout="vertical" initialValues={{ category: '为老服务', budget: 0, pointsOffered: 100, wr: 0.4, ws: 0.3, wt: 0.3, needIds: [] }}>
          <Form.Item name="title" label="项目名称" rules={[{ required: true }]}><Input /></Form.Item>
          <Form.Item name="communityId" label="社区" rules={[{ required: true }]}><Select options={(communities.data ?? []).map((c) => ({ value: c.id, label: c.name }))} /></Form.Item>
          <Form.Item name="category" label="类别"><Select options={NEED_CATEGORIES.map((c) => ({ value: c, label: c }))} /></Form.Item>
          <Form.Item name="needIds" label="来自需求"><Select mode="multiple" options={(needs.data?.items ?? []).map((n) => ({ value: n.id, label: n.title }))} /></Form.Item>
          <Form.Item name="description" label="说明"><Input.TextArea /></Form.Item>
          <Form.Item name="resources" label="资源"><Input /></Form.Item>
          <Space>
            <Form.Item name="budget" label="预算（元）"><InputNumber min={0} /></Form.Item>
            <Form.Item name="pointsOffered" label="积分"><InputNumber min={0} /></Form.Item>
            <Form.Item name="dueOn" label="完成期限（YYYY-MM-DD）"><Input placeholder="2026-12-31" /></Form.Item>
          </Space>
          <Space>
            <Form.Item name="wr" label="居民权重"><InputNumber min={0} max={1} step={0.1} /></Form.Item>
            <Form.Item name="ws" label="工作人员权重"><InputNumber min={0} max={1} step={0.1} /></Form.Item>
            <Form.Item name="wt" label="第三方权重"><InputNumber min={0} max={1} step={0.1} /></Form.Item>
          </Space>
        </Form>
      </Modal>
    </Card>
  );
}
