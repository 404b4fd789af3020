import { useMemo, useState } from 'react';
import { App, Button, Card, Descriptions, Form, Input, Modal, Select, Space, Switch, Table, Tag, Typography, type TableColumnsType } from 'antd';
import { EditOutlined, PlusOutlined, RedoOutlined } from '@ant-design/icons';
import { api } from '../../api';
import { errorText, validValues } from '../../errors';
import { useApi } from '../../hooks';
import { useI18n } from '../../i18n';
import { fmt } from '../cases/common';

interface EventType {
  code: string;
  name: string;
}
interface Subscriber {
  id: string;
  name: string;
  url: string;
  events: string[];
  active: boolean;
  createdAt: string;
}
type DeliveryState = 'pending' | 'delivered' | 'failed';
interface Delivery {
  id: string;
  subscriberId: string;
  eventType: string;
  eventId: string;
  state: DeliveryState;
  attempts: number;
  nextAt: string | null;
  lastStatus: number | null;
  lastError: string | null;
  deliveredAt: string | null;
  replays: number;
  createdAt: string;
  body: unknown;
}
interface DeliveryDetail extends Delivery {
  log: Array<{ at: string; status: number | null; error: string | null; ok: boolean }>;
}
interface Paged<T> {
  items: T[];
  total: number;
}
interface SubscriberForm {
  name: string;
  url: string;
  events: string[];
  secret?: string;
}

const STATE_TAG: Record<DeliveryState, { color: string; zh: string; en: string }> = {
  pending: { color: 'processing', zh: '待投递', en: 'Pending' },
  delivered: { color: 'success', zh: '已送达', en: 'Delivered' },
  failed: { color: 'error', zh: '投递失败', en: 'Failed' },
};

/**
 * Webhook 订阅: subscribers (URL, events, signing secret), the delivery log with every attempt, and
 * replay of a delivery (after a receiver outage, or to resend one event).
 */
export default function WebhooksPage() {
  const { t, tl } = useI18n();
  const x = (zh: string, en: string) => tl({ zh, en });
  const { message, modal } = App.useApp();
  const events = useApi<EventType[]>('/webhooks/events');
  const subscribers = useApi<Subscriber[]>('/webhooks/subscribers');
  const [subscriberId, setSubscriberId] = useState<string | undefined>();
  const [state, setState] = useState<DeliveryState | undefined>();
  const [page, setPage] = useState(1);
  const [pageSize, setPageSize] = useState(20);
  const deliveries = useApi<Paged<Delivery>>('/webhooks/deliveries', { subscriberId, state, page, pageSize });
  const eventName = useMemo(() => new Map((events.data ?? []).map((e) => [e.code, e.name])), [events.data]);
  const subName = useMemo(() => new Map((subscribers.data ?? []).map((s) => [s.id, s.name])), [subscribers.data]);

  const [editing, setEditing] = useState<Subscriber | 'new' | null>(null);
  const [form] = Form.useForm<SubscriberForm>();
  const [saving, setSaving] = useState(false);
  const [detail, setDetail] = useState<DeliveryDetail | null>(null);

  const open = (s: Subscriber | 'new') => {
    setEditing(s);
    form.resetFields();
    form.setFieldsValue(s === 'new' ? { name: '', url: '', events: (events.data ?? []).map((e) => e.code) } : { name: s.name, url: s.url, events: s.events });
  };
  const save = async () => {
    const v = await validValues<SubscriberForm>(form);
    if (!v) return; // the form shows what is missing
    setSaving(true);
    try {
      if (editing === 'new') await api('/webhooks/subscribers', { method: 'POST', body: { name: v.name, url: v.url, events: v.events, secret: v.secret } });
      else if (editing) await api(`/webhooks/subscribers/${editing.id}`, { method: 'PATCH', body: { name: v.name, url: v.url, events: v.events, ...(v.secret ? { secret: v.secret } : {}) } });
      message.success(x('已保存', 'Saved'));
      setEditing(null);
      subscribers.reload();
    } catch (err) {
      message.error(errorText(err, t));
    } finally {
      setSaving(false);
    }
  };
  const setActive = async (s: Subscriber, active: boolean) => {
    try {
      await api(`/webhooks/subscribers/${s.id}`, { method: 'PATCH', body: { active } });
      subscribers.reload();
    } catch (err) {
      message.error(errorText(err, t));
    }
  };
  const showDetail = async (d: Delivery) => {
    try {
      setDetail(await api<DeliveryDetail>(`/webhooks/deliveries/${d.id}`));
    } catch (err) {
      message.error(errorText(err, t));
    }
  };
  const replay = (d: Delivery) =>
    modal.confirm({
      title: x('重新投递这条事件？', 'Send this event again?'),
      content: x('接收方会再收到一次同一事件（事件编号不变，便于去重）。', 'The receiver gets the same event again (same event id, so it can de-duplicate).'),
      okText: x('重新投递', 'Replay'),
      cancelText: x('取消', 'Cancel'),
      onOk: async () => {
        try {
          await api(`/webhooks/deliveries/${d.id}/replay`, { method: 'POST' });
          message.success(x('已安排重新投递', 'Replay scheduled'));
          deliveries.reload();
        } catch (err) {
          message.error(errorText(err, t));
        }
      },
    });

  const subColumns: TableColumnsType<Subscriber> = [
    { title: x('名称', 'Name'), dataIndex: 'name' },
    { title: 'URL', dataIndex: 'url', render: (u: string) => <Typography.Text code style={{ wordBreak: 'break-all' }}>{u}</Typography.Text> },
    { title: x('订阅事件', 'Events'), dataIndex: 'events', render: (es: string[]) => es.map((e) => <Tag key={e}>{eventName.get(e) ?? e}</Tag>) },
    { title: x('启用', 'Active'), dataIndex: 'active', width: 80, render: (a: boolean, s) => <Switch size="small" checked={a} aria-label={x(`启用 ${s.name}`, `Activate ${s.name}`)} onChange={(v) => void setActive(s, v)} /> },
    { title: x('操作', 'Actions'), key: 'op', width: 90, render: (_, s) => <Button size="small" icon={<EditOutlined />} onClick={() => open(s)}>{x('编辑', 'Edit')}</Button> },
  ];
  const delColumns: TableColumnsType<Delivery> = [
    { title: x('时间', 'Time'), dataIndex: 'createdAt', width: 150, render: (s: string) => fmt(s) },
    { title: x('订阅', 'Subscriber'), dataIndex: 'subscriberId', render: (id: string) => subName.get(id) ?? id.slice(0, 8) },
    { title: x('事件', 'Event'), dataIndex: 'eventType', render: (e: string) => eventName.get(e) ?? e },
    { title: x('状态', 'State'), dataIndex: 'state', width: 100, render: (s: DeliveryState) => <Tag color={STATE_TAG[s].color}>{x(STATE_TAG[s].zh, STATE_TAG[s].en)}</Tag> },
    { title: x('尝试', 'Attempts'), dataIndex: 'attempts', width: 70 },
    { title: x('最近结果', 'Last result'), key: 'last', render: (_, d) => (d.lastStatus ? `HTTP ${d.lastStatus}` : d.lastError ? <Typography.Text type="danger">{d.lastError}</Typography.Text> : '—') },
    {
      title: x('操作', 'Actions'),
      key: 'op',
      width: 190,
      render: (_, d) => (
        <Space>
          <Button size="small" onClick={() => void showDetail(d)}>{x('详情', 'Details')}</Button>
          <Button size="small" icon={<RedoOutlined />} onClick={() => replay(d)} disabled={d.state === 'pending'}>{x('重新投递', 'Replay')}</Button>
        </Space>
      ),
    },
  ];

  return (
    <div data-testid="webhooks-page">
      <Card
        title={x('Webhook 订阅', 'Webhook subscribers')}
        extra={<Button type="primary" icon={<PlusOutlined />} onClick={() => open('new')}>{x('新建订阅', 'New subscriber')}</Button>}
        style={{ marginBottom: 16 }}
      >
        <Typography.Paragraph type="secondary">
          {x('事件以 JSON 推送，带 x-onegrid-signature（HMAC-SHA256）签名；失败按退避重试，可在下方日志中重新投递。', 'Events are POSTed as JSON signed with x-onegrid-signature (HMAC-SHA256); failures are retried with backoff and can be replayed below.')}
        </Typography.Paragraph>
        <Table rowKey="id" size="small" loading={subscribers.loading} dataSource={subscribers.data ?? []} columns={subColumns} pagination={false} scroll={{ x: 720 }} data-testid="subscribers-table" />
      </Card>
      <Card title={x('投递日志', 'Delivery log')}>
        <Space wrap style={{ marginBottom: 12 }}>
          <Select allowClear placeholder={x('全部订阅', 'All subscribers')} style={{ width: 200 }} value={subscriberId} onChange={(v) => { setSubscriberId(v); setPage(1); }} options={(subscribers.data ?? []).map((s) => ({ value: s.id, label: s.name }))} aria-label={x('订阅', 'Subscriber')} />
          <Select allowClear placeholder={x('全部状态', 'All states')} style={{ width: 140 }} value={state} onChange={(v) => { setState(v); setPage(1); }} options={(Object.keys(STATE_TAG) as DeliveryState[]).map((s) => ({ value: s, label: x(STATE_TAG[s].zh, STATE_TAG[s].en) }))} aria-label={x('状态', 'State')} />
          <Button onClick={() => deliveries.reload()}>{x('刷新', 'Refresh')}</Button>
        </Space>
        <Table
          rowKey="id"
          size="small"
          loading={deliveries.loading}
          dataSource={deliveries.data?.items ?? []}
          columns={delColumns}
          scroll={{ x: 860 }}
          data-testid="deliveries-table"
          pagination={{ current: page, pageSize, total: deliveries.data?.total ?? 0, showSizeChanger: true, showTotal: (n) => x(`共 ${n} 条`, `${n} in total`), onChange: (p, s) => { setPage(p); setPageSize(s); } }}
        />
      </Card>

      <Modal open={editing !== null} title={editing === 'new' ? x('新建订阅', 'New subscriber') : x('编辑订阅', 'Edit subscriber')} onCancel={() => setEditing(null)} onOk={() => void save()} okText={x('保存', 'Save')} cancelText={x('取消', 'Cancel')} confirmLoading={saving} destroyOnHidden>
        <Form form={form} layout="vertical">
          <Form.Item name="name" label={x('名称', 'Name')} rules={[{ required: true, whitespace: true, message: x('请填写名称', 'Name is required') }]}>
            <Input maxLength={100} />
          </Form.Item>
          <Form.Item name="url" label={x('接收地址（URL）', 'Receiver URL')} rules={[{ required: true, message: x('请填写接收地址', 'URL is required') }, { pattern: /^https?:\/\/\S+$/, message: x('请以 http:// 或 https:// 开头', 'Must start with http:// or https://') }]}>
            <Input placeholder="https://example.gov.cn/onegrid/webhook" maxLength={2000} />
          </Form.Item>
          <Form.Item name="events" label={x('订阅事件', 'Events')} rules={[{ required: true, type: 'array', min: 1, message: x('请至少选择一个事件', 'Choose at least one event') }]}>
            <Select mode="multiple" options={(events.data ?? []).map((e) => ({ value: e.code, label: e.name }))} />
          </Form.Item>
          <Form.Item
            name="secret"
            label={x('签名密钥', 'Signing secret')}
            extra={editing !== 'new' ? x('留空则不修改', 'Leave empty to keep the current one') : x('至少 16 位，接收方用它校验签名', 'At least 16 characters; the receiver checks signatures with it')}
            rules={editing === 'new' ? [{ required: true, min: 16, message: x('密钥至少 16 位', 'At least 16 characters') }] : [{ min: 16, message: x('密钥至少 16 位', 'At least 16 characters') }]}
          >
            <Input.Password autoComplete="new-password" />
          </Form.Item>
        </Form>
      </Modal>

      <Modal open={detail !== null} title={x('投递详情', 'Delivery')} footer={null} onCancel={() => setDetail(null)} width={720}>
        {detail && (
          <>
            <Descriptions size="small" column={2} bordered>
              <Descriptions.Item label={x('事件', 'Event')}>{eventName.get(detail.eventType) ?? detail.eventType}</Descriptions.Item>
              <Descriptions.Item label={x('事件编号', 'Event id')}>{detail.eventId}</Descriptions.Item>
              <Descriptions.Item label={x('状态', 'State')}>{x(STATE_TAG[detail.state].zh, STATE_TAG[detail.state].en)}</Descriptions.Item>
              <Descriptions.Item label={x('重新投递', 'Replays')}>{detail.replays}</Descriptions.Item>
            </Descriptions>
            <Typography.Title level={5} style={{ marginTop: 16 }}>{x('每次尝试', 'Attempts')}</Typography.Title>
            <Table
              rowKey={(r) => r.at}
              size="small"
              pagination={false}
              dataSource={detail.log}
              data-testid="attempts-table"
              columns={[
                { title: x('时间', 'Time'), dataIndex: 'at', render: (s: string) => fmt(s) },
                { title: x('结果', 'Result'), key: 'r', render: (_, a) => (a.ok ? <Tag color="success">{`HTTP ${a.status}`}</Tag> : <Tag color="error">{a.status ? `HTTP ${a.status}` : a.error ?? x('失败', 'Failed')}</Tag>) },
              ]}
            />
            <Typography.Title level={5} style={{ marginTop: 16 }}>{x('推送内容', 'Payload')}</Typography.Title>
            <pre style={{ maxHeight: 240, overflow: 'auto', background: 'rgba(0,0,0,0.04)', padding: 8 }}>{JSON.stringify(detail.body, null, 2)}</pre>
          </>
        )}
      </Modal>
    </div>
  );
}
