import { useState } from 'react';
import { App, Button, Card, Checkbox, DatePicker, Drawer, Form, Input, InputNumber, Progress, Select, Space, Switch, Table, Tag, type TableColumnsType } from 'antd';
import { BulbOutlined, PlusOutlined } from '@ant-design/icons';
import type { Dayjs } from 'dayjs';
import { api } from '../../api';
import { useApi } from '../../hooks';
import { useI18n } from '../../i18n';
import { errorText } from '../../errors';
import type { OrgNode } from '../../types';
import { fmt, LoadError, RESIDENT_TAGS, useX, type PageOf } from './common';

interface Announcement {
  id: string;
  title: string;
  body: string;
  categoryName: string;
  scope: { nodeId: string; name: string };
  targetTags: string[];
  minAge: number | null;
  maxAge: number | null;
  pinned: boolean;
  onBoard: boolean;
  status: string;
  statusName: string;
  publishedAt: string | null;
  expiresAt: string | null;
  audienceCount: number;
  readCount: number;
  authorName: string;
}
interface Suggestion {
  residents: number;
  groups: Array<{ tag: string; count: number; share: number; baseline: number; suggested: boolean }>;
  elderly: { count: number; share: number; baseline: number; suggested: boolean };
}
const CATEGORIES = [
  ['notice', '通知', 'Notice'],
  ['canteen', '老年食堂', 'Senior canteen'],
  ['health', '健康讲座', 'Health talk'],
  ['event', '社区活动', 'Event'],
  ['outage', '停水停电', 'Outage'],
  ['safety', '安全提示', 'Safety'],
  ['policy', '政策宣传', 'Policy'],
] as const;

/** 通知公告: publish to a place and a group, see who has read it, print the sheet for the board. */
export default function AnnouncementsPage() {
  const { t } = useI18n();
  const x = useX();
  const { message, modal } = App.useApp();
  const [page, setPage] = useState(1);
  const list = useApi<PageOf<Announcement>>('/services/announcements', { page, pageSize: 20 });
  const nodes = useApi<OrgNode[]>('/org/nodes', { level: ['street', 'community', 'estate', 'grid', 'building'], geometry: false });
  const [open, setOpen] = useState(false);
  const [form] = Form.useForm();
  const [suggest, setSuggest] = useState<Suggestion | null>(null);
  const [preview, setPreview] = useState<{ residents: number; accounts: number } | null>(null);
  const [busy, setBusy] = useState(false);

  const targeting = () => {
    const v = form.getFieldsValue();
    return { nodeId: v.nodeId, tags: v.tags ?? [], minAge: v.minAge ?? null, maxAge: v.maxAge ?? null };
  };
  const columns: TableColumnsType<Announcement> = [
    { title: x('标题', 'Title'), dataIndex: 'title', key: 'title', render: (v: string, a) => (<>{a.pinned && <Tag color="red">{x('置顶', 'Pinned')}</Tag>}{v}</>) },
    { title: x('分类', 'Category'), dataIndex: 'categoryName', key: 'cat', width: 100 },
    { title: x('范围', 'Scope'), key: 'scope', width: 200, render: (_, a) => (<>{a.scope.name}{a.targetTags.map((tg) => <Tag key={tg}>{tg}</Tag>)}{a.minAge != null || a.maxAge != null ? <Tag>{`${a.minAge ?? 0}–${a.maxAge ?? '∞'}岁`}</Tag> : null}</>) },
    { title: x('状态', 'Status'), dataIndex: 'statusName', key: 'status', width: 90 },
    { title: x('已读', 'Read'), key: 'read', width: 150, render: (_, a) => (a.audienceCount ? <Progress size="small" percent={Math.round((a.readCount / a.audienceCount) * 100)} format={() => `${a.readCount}/${a.audienceCount}`} /> : '—') },
    { title: x('发布时间', 'Published'), dataIndex: 'publishedAt', key: 'pub', width: 120, render: (v: string | null) => fmt(v) },
    { title: x('有效期至', 'Expires'), dataIndex: 'expiresAt', key: 'exp', width: 120, render: (v: string | null) => (v ? fmt(v) : '—') },
    {
      title: x('操作', 'Actions'),
      key: 'ops',
      width: 220,
      render: (_, a) => (
        <Space size="small" wrap>
          {a.status === 'published' || a.status === 'expired' ? (
            <Button size="small" href={`/api/services/announcements/${a.id}/sheet.pdf`} target="_blank">
              {x('打印张贴', 'Print')}
            </Button>
          ) : null}
          {a.status === 'draft' && (
            <Button size="small" type="primary" onClick={() => api(`/services/announcements/${a.id}/publish`, { method: 'POST' }).then(list.reload, (e) => message.error(errorText(e, t)))}>
              {x('发布', 'Publish')}
            </Button>
          )}
          {a.status === 'published' && (
            <Button size="small" onClick={() => api(`/services/announcements/${a.id}`, { method: 'PATCH', body: { pinned: !a.pinned } }).then(list.reload, (e) => message.error(errorText(e, t)))}>
              {a.pinned ? x('取消置顶', 'Unpin') : x('置顶', 'Pin')}
            </Button>
          )}
          {a.status !== 'withdrawn' && (
            <Button size="small" danger onClick={() => modal.confirm({ title: x('撤回该公告？', 'Withdraw?'), onOk: () => api(`/services/announcements/${a.id}`, { method: 'PATCH', body: { withdraw: true } }).then(list.reload, (e) => message.error(errorText(e, t))) })}>
              {x('撤回', 'Withdraw')}
            </Button>
          )}
        </Space>
      ),
    },
  ];

  return (
    <div className="og-page">
      <Card size="small">
        <Button type="primary" icon={<PlusOutlined />} onClick={() => { form.resetFields(); setSuggest(null); setPreview(null); setOpen(true); }} data-testid="announcement-new">
          {x('发布公告', 'New notice')}
        </Button>
      </Card>
      <Card size="small">
        <LoadError error={list.error} reload={list.reload} />
        <Table<Announcement> rowKey="id" size="middle" columns={columns} dataSource={list.data?.items} loading={list.loading} scroll={{ x: 960 }} pagination={{ current: page, pageSize: 20, total: list.data?.total, onChange: setPage, showTotal: (total) => t('common.total', { total }) }} />
      </Card>
      <Drawer title={x('发布公告', 'New notice')} open={open} onClose={() => setOpen(false)} size="large" destroyOnHidden>
        <Form
          form={form}
          layout="vertical"
          initialValues={{ category: 'notice', publish: true, pinned: false }}
          onValuesChange={(ch) => { if ('nodeId' in ch || 'tags' in ch || 'minAge' in ch || 'maxAge' in ch) setPreview(null); }}
          onFinish={async (v: { nodeId: string; title: string; body: string; category: string; tags?: string[]; minAge?: number; maxAge?: number; pinned: boolean; onBoard?: boolean; expiresAt?: Dayjs; publish: boolean }) => {
            setBusy(true);
            try {
              await api('/services/announcements', { method: 'POST', body: { ...v, expiresAt: v.expiresAt ? v.expiresAt.toISOString() : null } });
              message.success(v.publish ? x('已发布', 'Published') : x('已保存草稿', 'Saved'));
              setOpen(false);
              list.reload();
            } catch (err) {
              message.error(errorText(err, t));
            } finally {
              setBusy(false);
            }
          }}
        >
          <Form.Item name="nodeId" label={x('发布范围', 'Scope')} rules={[{ required: true, message: x('请选择范围', 'Choose a place') }]}>
            <Select showSearch optionFilterProp="label" loading={nodes.loading} options={(nodes.data ?? []).map((n) => ({ value: n.id, label: n.name }))}
              onChange={async (id: string) => { setSuggest(null); try { setSuggest(await api<Suggestion>('/services/announcements/suggest', { query: { nodeId: id } })); } catch { /* no suggestion */ } }} />
          </Form.Item>
          {suggest && (
            <Card size="small" style={{ marginBottom: 16 }} title={<><BulbOutlined /> {x('根据居民登记的推荐', 'Suggested from the registry')}</>}>
              <p>{x(`该范围登记居民 ${suggest.residents} 人；60 岁以上 ${suggest.elderly.count} 人（${Math.round(suggest.elderly.share * 100)}%，全街道 ${Math.round(suggest.elderly.baseline * 100)}%）`, `${suggest.residents} residents; ${suggest.elderly.count} aged 60+`)}</p>
              <Space wrap>
                {suggest.groups.filter((g) => g.count > 0).map((g) => (
                  <Tag key={g.tag} color={g.suggested ? 'orange' : undefined}>{`${g.tag} ${g.count}（${Math.round(g.share * 100)}%）`}</Tag>
                ))}
              </Space>
              {(suggest.elderly.suggested || suggest.groups.some((g) => g.suggested)) && (
                <Button size="small" style={{ marginTop: 8 }} onClick={() => form.setFieldsValue({ tags: suggest.groups.filter((g) => g.suggested).map((g) => g.tag), ...(suggest.elderly.suggested ? { minAge: 60 } : {}) })}>
                  {x('采用推荐人群', 'Use the suggestion')}
                </Button>
              )}
            </Card>
          )}
          <Form.Item name="tags" label={x('目标人群（任一标签）', 'Groups (any of)')}>
            <Checkbox.Group options={RESIDENT_TAGS} />
          </Form.Item>
          <Space>
            <Form.Item name="minAge" label={x('最小年龄', 'Min age')}><InputNumber min={0} max={150} /></Form.Item>
            <Form.Item name="maxAge" label={x('最大年龄', 'Max age')}><InputNumber min={0} max={150} /></Form.Item>
            <Button onClick={async () => { try { setPreview(await api('/services/announcements/audience', { method: 'POST', body: targeting() })); } catch (e) { message.error(errorText(e, t)); } }}>
              {x('预览人数', 'Preview')}
            </Button>
          </Space>
          {preview && <p data-testid="audience-preview">{x(`将送达居民 ${preview.residents} 人（其中 ${preview.accounts} 人有账号，可收到站内消息）`, `Reaches ${preview.residents} residents (${preview.accounts} with accounts)`)}</p>}
          <Form.Item name="category" label={x('分类', 'Category')}>
            <Select options={CATEGORIES.map(([v, zh, en]) => ({ value: v, label: x(zh, en) }))} />
          </Form.Item>
          <Form.Item name="title" label={x('标题', 'Title')} rules={[{ required: true, message: x('请填写标题', 'Required') }]}><Input maxLength={100} /></Form.Item>
          <Form.Item name="body" label={x('正文', 'Text')} rules={[{ required: true, message: x('请填写正文', 'Required') }]}><Input.TextArea rows={6} maxLength={10000} /></Form.Item>
          <Form.Item name="expiresAt" label={x('有效期至（到期自动下架）', 'Expires')}><DatePicker showTime /></Form.Item>
          <Space size="large">
            <Form.Item name="pinned" label={x('置顶', 'Pinned')} valuePropName="checked"><Switch /></Form.Item>
            <Form.Item name="onBoard" label={x('上公告栏和大屏', 'On boards')} valuePropName="checked"><Switch /></Form.Item>
            <Form.Item name="publish" label={x('立即发布', 'Publish now')} valuePropName="checked"><Switch /></Form.Item>
          </Space>
          <Button type="primary" htmlType="submit" loading={busy} block>{x('提交', 'Submit')}</Button>
        </Form>
      </Drawer>
    </div>
  );
}
