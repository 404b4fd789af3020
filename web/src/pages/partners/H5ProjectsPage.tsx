import { useState } from 'react';
import { Button, Card, Form, Input, InputNumber, List, Select, Space, Tabs, Tag } from 'antd';
import { useApi } from '../../hooks';
import type { PageResult } from '../../types';
import { useAction } from '../ledger/common';
import { NEED_CATEGORIES, ProjectStatusTag, type Project, type ProjectDetail } from './common';

function Evaluate({ id, onDone }: { id: string; onDone: () => void }) {
  const { run, busy, api } = useAction();
  const d = useApi<ProjectDetail>(`/projects/${id}`);
  const [score, setScore] = useState<number | null>(90);
  const [comment, setComment] = useState('');
  if (!d.data) return null;
  const p = d.data;
  return (
    <div>
      <p>{p.description}</p>
      <p>实施方：{p.partnerName ?? '—'}</p>
      {p.myEvaluation && <p>我的评价：{p.myEvaluation.score} 分 {p.myEvaluation.comment}</p>}
      {p.finalScore !== null && <p>综合得分：{p.finalScore}</p>}
      {p.canEvaluate && (
        <Space direction="vertical" style={{ width: '100%' }}>
          <InputNumber min={0} max={100} value={score} onChange={setScore} addonBefore="评分" addonAfter="分" data-testid="eval-score" />
          <Input.TextArea value={comment} onChange={(e) => setComment(e.target.value)} placeholder="说说您的感受（选填）" />
          <Button
            type="primary"
            loading={busy}
            onClick={async () => {
              if (await run(() => api(`/projects/${id}/evaluations`, { method: 'POST', body: { score, comment } }), '感谢您的评价')) {
                d.reload();
                onDone();
              }
            }}
          >
            提交评价
          </Button>
        </Space>
      )}
    </div>
  );
}

/** H5 社区项目: projects of my community (evaluate the completed ones) and the needs questionnaire. */
export default function H5ProjectsPage() {
  const { run, busy, api } = useAction();
  const list = useApi<PageResult<Project>>('/projects', { pageSize: 50 });
  const [open, setOpen] = useState<string | null>(null);
  const [form] = Form.useForm();
  return (
    <Tabs
      items={[
        {
          key: 'projects',
          label: '社区项目',
          children: (
            <List
              dataSource={list.data?.items ?? []}
              renderItem={(p) => (
                // List.Item: the list is a <ul>, its children must be <li>
                <List.Item style={{ display: 'block', padding: 0, borderBlockEnd: 'none' }}>
                  <Card size="small" style={{ marginBottom: 8 }} title={<>{p.title} <ProjectStatusTag p={p} /></>} extra={p.status === 'completed' ? <Tag color="purple">待评价</Tag> : null} onClick={() => setOpen(open === p.id ? null : p.id)} data-testid={`h5-project-${p.title}`}>
                    {open === p.id ? <div onClick={(e) => e.stopPropagation()}><Evaluate id={p.id} onDone={list.reload} /></div> : <span>{p.category} · {p.partnerName ?? '招募合伙人中'}</span>}
                  </Card>
                </List.Item>
              )}
            />
          ),
        },
        {
          key: 'need',
          label: '需求问卷',
          children: (
            <Form
              form={form}
              layout="vertical"
              initialValues={{ category: '为老服务' }}
              onFinish={async (v) => {
                if (await run(() => api('/needs', { method: 'POST', body: { title: v.title, description: v.description, category: v.category, answers: { 希望时间: v.when ?? '' } } }), '已提交，感谢您的建议')) form.resetFields();
              }}
            >
              <Form.Item name="category" label="您最需要哪类服务？"><Select options={NEED_CATEGORIES.map((c) => ({ value: c, label: c }))} /></Form.Item>
              <Form.Item name="title" label="具体需求" rules={[{ required: true, message: '请填写需求' }]}><Input /></Form.Item>
              <Form.Item name="description" label="补充说明"><Input.TextArea /></Form.Item>
              <Form.Item name="when" label="方便参加的时间"><Input placeholder="如：周末上午" /></Form.Item>
              <Button type="primary" htmlType="submit" loading={busy} block>提交</Button>
            </Form>
          ),
        },
      ]}
    />
  );
}
