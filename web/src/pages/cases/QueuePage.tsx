import { useState } from 'react';
import { Alert, App, Button, Card, Form, Input, Modal, Select, Space, Tag, Typography } from 'antd';
import { PhoneOutlined } from '@ant-design/icons';
import { Link } from 'react-router-dom';
import { api } from '../../api';
import { useI18n } from '../../i18n';
import { errorText } from '../../errors';
import { ActionButtons } from './actions';
import { CaseTable, PinMap, SuggestionTags, newIdemKey, useCategories, useGridShapes, useSuggestions, useX, type CaseAction, type CaseView } from './common';
import './cases.css';

/** 受理派遣: the dispatcher's queue (new, filed, returned), and the hotline desk's entry form. */
export default function QueuePage() {
  const x = useX();
  const [hotline, setHotline] = useState(false);
  const [reloadKey, setReloadKey] = useState(0);
  return (
    <div>
      <Space style={{ marginBottom: 12, justifyContent: 'space-between', width: '100%' }} wrap>
        <Typography.Title level={4} style={{ margin: 0 }}>
          {x('受理派遣', 'Dispatch queue')}
        </Typography.Title>
        <Button icon={<PhoneOutlined />} onClick={() => setHotline(true)}>
          {x('热线登记', 'Hotline call')}
        </Button>
      </Space>
      <CaseTable
        path="/cases/queue"
        testId="queue-table"
        states={['reported', 'filed', 'returned']}
        reloadKey={reloadKey}
        extraColumns={[
          {
            title: x('疑似重复', 'Duplicates'),
            key: 'dup',
            width: 110,
            render: (_, c) =>
              c.possibleDuplicates?.length ? (
                <Link to={`/cases/${c.id}`}>
                  <Tag color="orange">{x(`${c.possibleDuplicates.length} 件`, `${c.possibleDuplicates.length}`)}</Tag>
                </Link>
              ) : (
                '—'
              ),
          },
        ]}
        actions={(c, reload) => {
          const acts: CaseAction[] = ['dispatch'];
          if (c.state === 'reported') acts.push('file');
          if (c.possibleDuplicates?.length) acts.push('merge');
          acts.push('reject');
          return <ActionButtons c={c} actions={acts} size="small" onChanged={reload} />;
        }}
      />
      {hotline && (
        <HotlineModal
          onClose={() => setHotline(false)}
          onDone={() => {
            setHotline(false);
            setReloadKey((k) => k + 1);
          }}
        />
      )}
    </div>
  );
}

interface HotlineValues {
  name?: string;
  phone: string;
  description: string;
  address?: string;
  category?: string;
  location?: { lng: number; lat: number };
}

/** 热线登记: a caller's report typed in by the hotline desk (channel hotline, caller's number kept encrypted). */
function HotlineModal({ onClose, onDone }: { onClose: () => void; onDone: (v: CaseView) => void }) {
  const x = useX();
  const { t } = useI18n();
  const { message } = App.useApp();
  const [form] = Form.useForm<HotlineValues>();
  const [key] = useState(newIdemKey);
  const [busy, setBusy] = useState(false);
  const [err, setErr] = useState<string | null>(null);
  const cats = useCategories();
  const grids = useGridShapes(true);
  const description = Form.useWatch('description', form) ?? '';
  const location = Form.useWatch('location', form);
  const category = Form.useWatch('category', form);
  const top = useSuggestions(description, location, true);
  return (
    <Modal open title={x('热线登记', 'Hotline call')} onCancel={onClose} onOk={() => form.submit()} okText={x('登记', 'Register')} cancelText={x('取消', 'Cancel')} confirmLoading={busy} width={640} destroyOnHidden>
      {err && <Alert type="error" showIcon title={err} style={{ marginBottom: 12 }} />}
      <Form
        form={form}
        layout="vertical"
        onFinish={async (v) => {
          setBusy(true);
          setErr(null);
          try {
            const r = await api<CaseView>('/cases', {
              method: 'POST',
              body: { description: v.description, location: v.location, address: v.address || undefined, category: v.category, channel: 'hotline', idempotencyKey: key, reporter: { name: v.name || undefined, phone: v.phone } },
            });
            message.success(x(`已登记，案卷编号 ${r.number}`, `Registered: ${r.number}`));
            onDone(r);
          } catch (e) {
            setErr(errorText(e, t));
          } finally {
            setBusy(false);
          }
        }}
      >
        <Space.Compact block>
          <Form.Item name="phone" label={x('来电号码', "Caller's number")} style={{ flex: 1 }} rules={[{ required: true, message: x('请填写来电号码', 'Enter the number') }, { pattern: /^[0-9+\- ]{5,20}$/, message: x('号码格式不正确', 'Not a phone number') }]}>
            <Input inputMode="tel" maxLength={20} />
          </Form.Item>
          <Form.Item name="name" label={x('来电人（选填）', 'Name (optional)')} style={{ flex: 1, marginLeft: 8 }}>
            <Input maxLength={50} />
          </Form.Item>
        </Space.Compact>
        <Form.Item name="description" label={x('反映问题', 'Problem')} rules={[{ required: true, whitespace: true, message: x('请填写反映的问题', 'Describe the problem') }]}>
          <Input.TextArea rows={3} maxLength={2000} showCount />
        </Form.Item>
        <SuggestionTags top={top} value={category} onPick={(code) => form.setFieldsValue({ category: code })} />
        <Form.Item name="category" label={x('事件分类（选填）', 'Category (optional)')}>
          <Select allowClear showSearch={{ optionFilterProp: 'label' }} options={cats.map((k) => ({ value: k.code, label: `${k.code} ${k.name}` }))} />
        </Form.Item>
        <Form.Item name="address" label={x('地址', 'Address')}>
          <Input maxLength={200} />
        </Form.Item>
        <Form.Item name="location" label={x('在地图上点选位置', 'Click the place on the map')} rules={[{ required: true, message: x('请在地图上点选事件位置', 'Pick the place on the map') }]}>
          <MapField grids={grids} />
        </Form.Item>
      </Form>
    </Modal>
  );
}

function MapField({ value, onChange, grids }: { value?: { lng: number; lat: number }; onChange?: (v: { lng: number; lat: number }) => void; grids: ReturnType<typeof useGridShapes> }) {
  return (
    <Card size="small" styles={{ body: { padding: 0 } }}>
      <PinMap value={value ?? null} onChange={onChange} grids={grids} height={240} />
    </Card>
  );
}
