import { useState } from 'react';
import { Button, Card, InputNumber, List, Modal, Select, Space, Table, Tabs, Tag } from 'antd';
import { useApi } from '../../hooks';
import { useAuth } from '../../auth';
import { useI18n } from '../../i18n';
import type { PageResult } from '../../types';
import { fmtMinutes, fmtTime, useAction } from './common';

export interface Post {
  id: string;
  kind: 'offer' | 'request';
  category: string;
  title: string;
  description: string;
  residentName: string;
  minutes: number;
  useOwnHours: boolean;
  status: string;
  createdAt: string;
  servedMinutes?: number;
}
export interface Exchange {
  id: string;
  requestTitle?: string;
  category?: string;
  volunteerName: string;
  recipientName?: string;
  recipientId: string;
  volunteerId: string;
  minutes: number | null;
  status: 'matched' | 'confirmed' | 'cancelled';
  createdAt: string;
}
export const CATEGORIES = ['陪伴', '代买', '维修', '助餐', '理发', '出行', '家政', '其他'];
export const POST_STATUS: Record<string, [string, string]> = { open: ['待响应', 'blue'], matched: ['已匹配', 'orange'], done: ['已完成', 'green'], cancelled: ['已取消', 'default'] };

/** 时间银行: offers and requests of help, matching, and confirmation of hours by staff. */
export default function TimebankPage() {
  const { tl } = useI18n();
  const { me } = useAuth();
  const { run, busy, api } = useAction();
  const [kind, setKind] = useState<string | undefined>('request');
  const [category, setCategory] = useState<string | undefined>();
  const posts = useApi<PageResult<Post>>('/timebank/posts', { kind, category, pageSize: 50 });
  const exchanges = useApi<PageResult<Exchange>>('/timebank/exchanges', { pageSize: 50 });
  const [matchFor, setMatchFor] = useState<Post | null>(null);
  const matches = useApi<Post[]>(matchFor ? `/timebank/posts/${matchFor.id}/matches` : null);
  const [minutes, setMinutes] = useState<Record<string, number>>({});
  const canApprove = me?.permissions.includes('ledger.approve');
  return (
    <Card title={tl({ zh: '时间银行', en: 'Time bank' })}>
      <Tabs
        items={[
          {
            key: 'posts',
            label: tl({ zh: '服务与求助', en: 'Offers and requests' }),
            children: (
              <>
                <Space style={{ marginBottom: 12 }}>
                  <Select style={{ width: 120 }} value={kind} allowClear onChange={setKind} options={[{ value: 'request', label: '求助' }, { value: 'offer', label: '提供服务' }]} />
                  <Select style={{ width: 120 }} value={category} allowClear placeholder="类别" onChange={setCategory} options={CATEGORIES.map((c) => ({ value: c, label: c }))} />
                </Space>
                <Table
                  rowKey="id"
                  dataSource={posts.data?.items}
                  pagination={false}
                  columns={[
                    { title: '类别', dataIndex: 'category', render: (c: string) => <Tag>{c}</Tag> },
                    { title: '内容', dataIndex: 'title' },
                    { title: '居民', dataIndex: 'residentName' },
                    { title: '时长', dataIndex: 'minutes', render: fmtMinutes },
                    { title: '支付', render: (_: unknown, p: Post) => (p.kind === 'request' ? (p.useOwnHours ? '本人存储时间' : '社区时间池') : '—') },
                    { title: '状态', dataIndex: 'status', render: (s: string) => <Tag color={POST_STATUS[s]?.[1]}>{POST_STATUS[s]?.[0]}</Tag> },
                    { title: '发布', dataIndex: 'createdAt', render: fmtTime },
                    { title: '', render: (_: unknown, p: Post) => (canApprove && p.kind === 'request' && p.status === 'open' ? <Button size="small" onClick={() => setMatchFor(p)}>匹配志愿者</Button> : null) },
                  ]}
                />
              </>
            ),
          },
          {
            key: 'exchanges',
            label: tl({ zh: '服务记录', en: 'Exchanges' }),
            children: (
              <Table
                rowKey="id"
                dataSource={exchanges.data?.items}
                pagination={false}
                columns={[
                  { title: '求助', dataIndex: 'requestTitle' },
                  { title: '被服务人', dataIndex: 'recipientName' },
                  { title: '志愿者', dataIndex: 'volunteerName' },
                  { title: '确认时长', dataIndex: 'minutes', render: (m: number | null) => (m ? fmtMinutes(m) : '—') },
                  { title: '状态', dataIndex: 'status', render: (s: string) => <Tag color={s === 'confirmed' ? 'green' : s === 'matched' ? 'orange' : 'default'}>{{ matched: '待确认', confirmed: '已确认', cancelled: '已取消' }[s]}</Tag> },
                  {
                    title: '',
                    render: (_: unknown, e: Exchange) =>
                      canApprove && e.status === 'matched' ? (
                        <Space>
                          <InputNumber size="small" min={1} max={1440} value={minutes[e.id] ?? 60} onChange={(v) => setMinutes({ ...minutes, [e.id]: Number(v) })} addonAfter="分钟" />
                          <Button size="small" type="primary" loading={busy} onClick={() => run(() => api(`/timebank/exchanges/${e.id}/confirm`, { method: 'POST', body: { minutes: minutes[e.id] ?? 60 } }), '已确认，时间已存入志愿者账户').then(() => (exchanges.reload(), posts.reload()))}>
                            确认时长
                          </Button>
                        </Space>
                      ) : null,
                  },
                ]}
              />
            ),
          },
        ]}
      />
      <Modal open={Boolean(matchFor)} title={`匹配：${matchFor?.title ?? ''}`} footer={null} onCancel={() => setMatchFor(null)}>
        <List
          dataSource={matches.data ?? []}
          locale={{ emptyText: '本社区暂无同类志愿服务' }}
          renderItem={(o) => (
            <List.Item
              actions={[
                <Button key="m" type="primary" size="small" onClick={() => run(() => api('/timebank/exchanges', { method: 'POST', body: { requestId: matchFor!.id, offerId: o.id } }), '已匹配').then(() => (setMatchFor(null), posts.reload(), exchanges.reload()))}>
                  选择
                </Button>,
              ]}
            >
              {o.residentName} · {o.title} · 已服务 {fmtMinutes(o.servedMinutes ?? 0)}
            </List.Item>
          )}
        />
      </Modal>
    </Card>
  );
}
