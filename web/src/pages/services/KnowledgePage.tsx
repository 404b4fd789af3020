import { useState } from 'react';
import { App, Button, Card, Drawer, Form, Input, Select, Switch, Table, Tabs, Tag } from 'antd';
import { PlusOutlined } from '@ant-design/icons';
import { api } from '../../api';
import { useApi } from '../../hooks';
import { useI18n } from '../../i18n';
import { errorText } from '../../errors';
import { fmt, LoadError, useX, type PageOf } from './common';

interface Article {
  id: string;
  title: string;
  body: string;
  keywords: string[];
  matterCode: string | null;
  active: boolean;
  hits: number;
  updatedAt: string;
}
interface Question {
  id: string;
  question: string;
  status: string;
  articleTitle: string | null;
  resolution: string | null;
  createdAt: string;
}

/** 智能问答知识库: the articles the assistant answers from, and the questions it could not answer. */
export default function KnowledgePage() {
  const { t } = useI18n();
  const x = useX();
  const { message } = App.useApp();
  const arts = useApi<Article[]>('/services/kb/articles');
  const [qStatus, setQStatus] = useState<'open' | 'resolved'>('open');
  const qs = useApi<PageOf<Question>>('/services/assistant/questions', { status: qStatus, pageSize: 100 });
  const [edit, setEdit] = useState<Article | 'new' | null>(null);
  const [answering, setAnswering] = useState<Question | null>(null);
  const [form] = Form.useForm();
  const [answerForm] = Form.useForm();

  return (
    <div className="og-page">
      <Card size="small">
        <Tabs
          items={[
            {
              key: 'q',
              label: x('未解答的问题', 'Unanswered questions'),
              children: (
                <>
                  <Select value={qStatus} onChange={setQStatus} style={{ minWidth: 140, marginBottom: 12 }} aria-label={x('状态', 'Status')} options={[{ value: 'open', label: x('待答复', 'Open') }, { value: 'resolved', label: x('已答复', 'Answered') }]} />
                  <LoadError error={qs.error} reload={qs.reload} />
                  <Table<Question> rowKey="id" size="small" dataSource={qs.data?.items} loading={qs.loading} pagination={false}
                    columns={[
                      { title: x('问题', 'Question'), dataIndex: 'question', key: 'q' },
                      { title: x('提问时间', 'Asked'), dataIndex: 'createdAt', key: 'c', width: 120, render: (v: string) => fmt(v) },
                      { title: x('当时给出的回答', 'Shown article'), dataIndex: 'articleTitle', key: 'a', width: 200, render: (v: string | null) => v ?? '—' },
                      { title: x('答复', 'Answer'), dataIndex: 'resolution', key: 'r', render: (v: string | null) => v ?? '—' },
                      { title: '', key: 'o', width: 90, render: (_, q) => (q.status === 'open' ? <Button size="small" onClick={() => { answerForm.resetFields(); setAnswering(q); }}>{x('答复', 'Answer')}</Button> : null) },
                    ]} />
                </>
              ),
            },
            {
              key: 'a',
              label: x('知识条目', 'Articles'),
              children: (
                <>
                  <Button type="primary" icon={<PlusOutlined />} style={{ marginBottom: 12 }} onClick={() => { form.resetFields(); form.setFieldsValue({ active: true }); setEdit('new'); }}>{x('新增条目', 'New article')}</Button>
                  <LoadError error={arts.error} reload={arts.reload} />
                  <Table<Article> rowKey="id" size="small" dataSource={arts.data} loading={arts.loading} pagination={{ pageSize: 20, showTotal: (total) => t('common.total', { total }) }}
                    columns={[
                      { title: x('标题', 'Title'), dataIndex: 'title', key: 't' },
                      { title: x('关键词', 'Keywords'), dataIndex: 'keywords', key: 'k', render: (k: string[]) => k.map((w) => <Tag key={w}>{w}</Tag>) },
                      { title: x('命中', 'Hits'), dataIndex: 'hits', key: 'h', width: 70 },
                      { title: x('状态', 'Status'), dataIndex: 'active', key: 's', width: 80, render: (a: boolean) => (a ? <Tag color="green">{t('common.active')}</Tag> : <Tag>{t('common.inactive')}</Tag>) },
                      { title: '', key: 'o', width: 80, render: (_, a) => <Button size="small" onClick={() => { form.setFieldsValue({ ...a, keywords: a.keywords.join(' ') }); setEdit(a); }}>{x('编辑', 'Edit')}</Button> },
                    ]} />
                </>
              ),
            },
          ]}
        />
      </Card>
      <Drawer title={edit === 'new' ? x('新增条目', 'New article') : x('编辑条目', 'Edit article')} open={!!edit} onClose={() => setEdit(null)} size="large" destroyOnHidden>
        <Form form={form} layout="vertical" onFinish={async (v: { title: string; body: string; keywords?: string; matterCode?: string; active: boolean }) => {
          try {
            const body = { ...v, keywords: (v.keywords ?? '').split(/[\s,，、]+/).filter(Boolean), matterCode: v.matterCode || null };
            if (edit === 'new') await api('/services/kb/articles', { method: 'POST', body });
            else if (edit) await api(`/services/kb/articles/${edit.id}`, { method: 'PUT', body });
            setEdit(null);
            arts.reload();
          } catch (err) {
            message.error(errorText(err, t));
          }
        }}>
          <Form.Item name="title" label={x('标题（常见问法）', 'Title (the question)')} rules={[{ required: true }]}><Input maxLength={100} /></Form.Item>
          <Form.Item name="keywords" label={x('关键词（空格分隔，含同义说法）', 'Keywords (space separated)')}><Input /></Form.Item>
          <Form.Item name="body" label={x('回答（大白话）', 'Answer (plain words)')} rules={[{ required: true }]}><Input.TextArea rows={8} maxLength={5000} /></Form.Item>
          <Form.Item name="matterCode" label={x('关联办事事项编码', 'Service code')}><Input maxLength={40} /></Form.Item>
          <Form.Item name="active" label={x('启用', 'Active')} valuePropName="checked"><Switch /></Form.Item>
          <Button type="primary" htmlType="submit" block>{x('保存', 'Save')}</Button>
        </Form>
      </Drawer>
      <Drawer title={answering?.question} open={!!answering} onClose={() => setAnswering(null)} destroyOnHidden>
        <Form form={answerForm} layout="vertical" onFinish={async (v: { resolution: string; articleId?: string }) => {
          try {
            await api(`/services/assistant/questions/${answering!.id}/resolve`, { method: 'POST', body: { resolution: v.resolution, articleId: v.articleId ?? null } });
            setAnswering(null);
            qs.reload();
          } catch (err) {
            message.error(errorText(err, t));
          }
        }}>
          <Form.Item name="resolution" label={x('答复', 'Answer')} rules={[{ required: true }]}><Input.TextArea rows={4} maxLength={2000} /></Form.Item>
          <Form.Item name="articleId" label={x('对应的知识条目（可选）', 'Article (optional)')}><Select allowClear showSearch optionFilterProp="label" options={(arts.data ?? []).map((a) => ({ value: a.id, label: a.title }))} /></Form.Item>
          <Button type="primary" htmlType="submit" block>{x('提交', 'Submit')}</Button>
        </Form>
      </Drawer>
    </div>
  );
}
