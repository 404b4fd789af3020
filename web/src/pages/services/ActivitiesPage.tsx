import { useState } from 'react';
import { App, Button, Card, Checkbox, DatePicker, Descriptions, Drawer, Form, Input, InputNumber, Select, Space, Switch, Table, Tag, type TableColumnsType } from 'antd';
import { PlusOutlined, QrcodeOutlined } from '@ant-design/icons';
import type { Dayjs } from 'dayjs';
import { api } from '../../api';
import { useApi } from '../../hooks';
import { useI18n } from '../../i18n';
import { errorText } from '../../errors';
import type { OrgNode } from '../../types';
import { fmt, LoadError, RESIDENT_TAGS, useX, type PageOf } from './common';

interface Activity {
  id: string;
  title: string;
  kindName: string;
  node: { name: string };
  location: string;
  startsAt: string;
  endsAt: string;
  capacity: number;
  confirmed: number;
  waiting: number;
  checkedIn: number;
  eligibility: string;
  status: string;
}
interface Signup {
  id: string;
  residentName: string;
  status: string;
  statusName: string;
  position: number | null;
  signedAt: string;
  promotedAt: string | null;
  checkedInAt: string | null;
  proxyBy: string | null;
}
const KINDS = [
  ['health_talk', '健康讲座', 'Health talk'],
  ['interest_class', '兴趣班', 'Interest class'],
  ['festival', '邻里节', 'Neighbourhood festival'],
  ['after_school', '四点半课堂', 'After-school care'],
  ['digital_skills', '智能手机课堂', 'Digital skills'],
  ['volunteer', '志愿服务', 'Volunteering'],
  ['other', '其他活动', 'Other'],
] as const;

/** 社区活动: publish activities with places and conditions; roster, waiting list and the check-in QR code. */
export default function ActivitiesPage() {
  const { t } = useI18n();
  const x = useX();
  const { message } = App.useApp();
  const [page, setPage] = useState(1);
  const list = useApi<PageOf<Activity>>('/services/activities', { page, pageSize: 20, upcoming: true });
  const nodes = useApi<OrgNode[]>('/org/nodes', { level: ['street', 'community', 'estate'], geometry: false });
  const rooms = useApi<Array<{ id: string; name: string }>>('/services/rooms');
  const [open, setOpen] = useState(false);
  const [roster, setRoster] = useState<Activity | null>(null);
  const [form] = Form.useForm();
  const [busy, setBusy] = useState(false);

  const columns: TableColumnsType<Activity> = [
    { title: x('活动', 'Activity'), dataIndex: 'title', key: 'title' },
    { title: x('类型', 'Kind'), dataIndex: 'kindName', key: 'kind', width: 110 },
    { title: x('时间', 'Time'), dataIndex: 'startsAt', key: 'time', width: 120, render: (v: string) => fmt(v) },
    { title: x('地点', 'Place'), dataIndex: 'location', key: 'loc', width: 160, ellipsis: true },
    { title: x('报名/名额', 'Signed/places'), key: 'cap', width: 120, render: (_, a) => `${a.confirmed}/${a.capacity}${a.waiting ? ` +${a.waiting}` : ''}` },
    { title: x('签到', 'Checked in'), dataIndex: 'checkedIn', key: 'ci', width: 80 },
    { title: x('条件', 'Conditions'), dataIndex: 'eligibility', key: 'el', ellipsis: true, responsive: ['lg'] },
    { title: x('状态', 'Status'), dataIndex: 'status', key: 'st', width: 80, render: (s: string) => (s === 'open' ? <Tag color="green">{x('报名中', 'Open')}</Tag> : <Tag>{x('已取消', 'Cancelled')}</Tag>) },
    { title: x('操作', 'Actions'), key: 'ops', width: 110, render: (_, a) => <Button size="small" icon={<QrcodeOutlined />} onClick={() => setRoster(a)}>{x('名单与签到', 'Roster')}</Button> },
  ];

  return (
    <div className="og-page">
      <Card size="small">
        <Button type="primary" icon={<PlusOutlined />} onClick={() => { form.resetFields(); setOpen(true); }}>{x('发布活动', 'New activity')}</Button>
      </Card>
      <Card size="small">
        <LoadError error={list.error} reload={list.reload} />
        <Table<Activity> rowKey="id" size="middle" columns={columns} dataSource={list.data?.items} loading={list.loading} scroll={{ x: 960 }} pagination={{ current: page, pageSize: 20, total: list.data?.total, onChange: setPage, showTotal: (total) => t('common.total', { total }) }} />
      </Card>
      <Drawer title={x('发布活动', 'New activity')} open={open} onClose={() => setOpen(false)} size="large" destroyOnHidden>
        <Form
          form={form}
          layout="vertical"
          initialValues={{ kind: 'interest_class', capacity: 20, residentsOnly: true }}
          onFinish={async (v: { nodeId: string; title: string; kind: string; description?: string; location?: string; roomId?: string; time: [Dayjs, Dayjs]; capacity: number; minAge?: number; maxAge?: number; requiredTags?: string[]; residentsOnly: boolean }) => {
            setBusy(true);
            try {
              const { time, ...rest } = v;
              await api('/services/activities', { method: 'POST', body: { ...rest, startsAt: time[0].toISOString(), endsAt: time[1].toISOString() } });
              message.success(x('已发布', 'Published'));
              setOpen(false);
              list.reload();
            } catch (err) {
              message.error(errorText(err, t));
            } finally {
              setBusy(false);
            }
          }}
        >
          <Form.Item name="nodeId" label={x('举办范围', 'For')} rules={[{ required: true }]}><Select showSearch optionFilterProp="label" options={(nodes.data ?? []).map((n) => ({ value: n.id, label: n.name }))} /></Form.Item>
          <Form.Item name="title" label={x('活动名称', 'Title')} rules={[{ required: true }]}><Input maxLength={100} /></Form.Item>
          <Form.Item name="kind" label={x('类型', 'Kind')}><Select options={KINDS.map(([v, zh, en]) => ({ value: v, label: x(zh, en) }))} /></Form.Item>
          <Form.Item name="time" label={x('时间', 'Time')} rules={[{ required: true }]}><DatePicker.RangePicker showTime={{ format: 'HH:mm' }} format="YYYY-MM-DD HH:mm" /></Form.Item>
          <Form.Item name="roomId" label={x('使用场地（自动预约，冲突时拒绝）', 'Room (booked automatically)')}><Select allowClear options={(rooms.data ?? []).map((r) => ({ value: r.id, label: r.name }))} /></Form.Item>
          <Form.Item name="location" label={x('地点（不用场地时填写）', 'Place')}><Input maxLength={200} /></Form.Item>
          <Space>
            <Form.Item name="capacity" label={x('名额', 'Places')} rules={[{ required: true }]}><InputNumber min={1} max={10000} /></Form.Item>
            <Form.Item name="minAge" label={x('最小年龄', 'Min age')}><InputNumber min={0} max={150} /></Form.Item>
            <Form.Item name="maxAge" label={x('最大年龄', 'Max age')}><InputNumber min={0} max={150} /></Form.Item>
          </Space>
          <Form.Item name="requiredTags" label={x('限以下人群（任一）', 'Only for (any of)')}><Checkbox.Group options={RESIDENT_TAGS} /></Form.Item>
          <Form.Item name="residentsOnly" label={x('仅限本范围居民', 'Residents of the place only')} valuePropName="checked"><Switch /></Form.Item>
          <Form.Item name="description" label={x('介绍', 'Description')}><Input.TextArea rows={4} maxLength={5000} /></Form.Item>
          <Button type="primary" htmlType="submit" loading={busy} block>{x('发布', 'Publish')}</Button>
        </Form>
      </Drawer>
      <Drawer title={roster?.title} open={!!roster} onClose={() => setRoster(null)} size="large" destroyOnHidden>
        {roster && <Roster activity={roster} />}
      </Drawer>
    </div>
  );
}

function Roster({ activity }: { activity: Activity }) {
  const x = useX();
  const r = useApi<{ items: Signup[] }>(`/services/activities/${activity.id}/signups`);
  const qr = useApi<{ url: string; svg: string }>(`/services/activities/${activity.id}/checkin-qr`);
  return (
    <>
      <Descriptions size="small" column={1} items={[
        { key: 't', label: x('时间', 'Time'), children: `${fmt(activity.startsAt, true)} – ${fmt(activity.endsAt).slice(6)}` },
        { key: 'p', label: x('地点', 'Place'), children: activity.location },
        { key: 'c', label: x('条件', 'Conditions'), children: activity.eligibility },
      ]} />
      <Card size="small" title={x('现场签到二维码（请投屏或打印张贴）', 'Check-in QR code (show at the venue)')} style={{ margin: '12px 0' }}>
        {qr.data && <img data-testid="checkin-qr" src={`data:image/svg+xml;charset=utf-8,${encodeURIComponent(qr.data.svg)}`} alt={x('签到二维码', 'Check-in QR code')} width={240} height={240} />}
      </Card>
      <Table<Signup>
        rowKey="id"
        size="small"
        dataSource={r.data?.items.filter((s) => s.status !== 'cancelled')}
        loading={r.loading}
        pagination={false}
        columns={[
          { title: x('居民', 'Resident'), dataIndex: 'residentName', key: 'n' },
          { title: x('状态', 'Status'), key: 's', render: (_, s) => (s.status === 'waiting' ? <Tag color="orange">{x(`候补第 ${s.position} 位`, `Waiting #${s.position}`)}</Tag> : <Tag color="green">{s.statusName}</Tag>) },
          { title: x('报名时间', 'Signed up'), dataIndex: 'signedAt', key: 'at', render: (v: string) => fmt(v) },
          { title: x('签到', 'Check-in'), dataIndex: 'checkedInAt', key: 'ci', render: (v: string | null) => (v ? fmt(v) : '—') },
          { title: x('代办', 'Proxy'), dataIndex: 'proxyBy', key: 'px', render: (v: string | null) => v ?? '—' },
        ]}
      />
    </>
  );
}
