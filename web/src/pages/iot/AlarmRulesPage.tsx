import { useState } from 'react';
import { Alert, App, Button, Card, Form, Input, InputNumber, Modal, Select, Space, Switch, Table, Tag, type TableColumnsType } from 'antd';
import { EditOutlined, PlusOutlined } from '@ant-design/icons';
import { api, ApiError } from '../../api';
import { hasPermission, useMe } from '../../auth';
import { errorText, validValues } from '../../errors';
import { useApi } from '../../hooks';
import { useI18n } from '../../i18n';
import type { Category } from '../../types';
import { L, OPS, SEVERITIES, SEVERITY, SeverityTag, type AlarmRule, type DeviceTypes, type RuleOp, type Severity } from './common';

interface RuleForm {
  deviceType?: string;
  alarmType?: string;
  kind: 'threshold' | 'offline';
  name: string;
  key?: string | null;
  op?: RuleOp | null;
  threshold?: number | null;
  clearThreshold?: number | null;
  durationS?: number;
  offlineMinutes?: number | null;
  severity: Severity;
  createCase: boolean;
  categoryCode?: string | null;
  enabled: boolean;
}

/** 告警规则: thresholds, duration, hysteresis, severity and case creation per device type (admins edit). */
export default function AlarmRulesPage() {
  const { t, tl } = useI18n();
  const { message } = App.useApp();
  const me = useMe();
  const canWrite = hasPermission(me, 'iot.rules.write');
  const [deviceType, setDeviceType] = useState<string | undefined>();
  const types = useApi<DeviceTypes>('/iot/device-types');
  const rules = useApi<AlarmRule[]>('/iot/rules', { deviceType });
  const categories = useApi<Category[]>('/dispatch/categories');
  const [editing, setEditing] = useState<AlarmRule | 'new' | null>(null);
  const [form] = Form.useForm<RuleForm>();
  const [saving, setSaving] = useState(false);
  const kind = Form.useWatch('kind', form);
  const formType = Form.useWatch('deviceType', form);
  const typeName = (c: string) => types.data?.types.find((x) => x.code === c)?.name ?? c;
  const keysOf = (c: string | undefined) => types.data?.types.find((x) => x.code === c)?.telemetry ?? [];

  const open = (r: AlarmRule | 'new') => {
    setEditing(r);
    form.resetFields();
    if (r === 'new') form.setFieldsValue({ kind: 'threshold', severity: 'major', createCase: false, enabled: true, durationS: 0, deviceType: deviceType });
    else form.setFieldsValue({ ...r });
  };

  const save = async () => {
    const v = await validValues(form);
    if (!v) return;
    setSaving(true);
    try {
      const common = {
        name: v.name,
        severity: v.severity,
        createCase: v.createCase,
        categoryCode: v.categoryCode || null,
        enabled: v.enabled,
        ...(v.kind === 'threshold'
          ? { key: v.key ?? null, op: v.op ?? null, threshold: v.threshold ?? null, clearThreshold: v.clearThreshold ?? null, durationS: v.durationS ?? 0 }
          : { offlineMinutes: v.offlineMinutes ?? null }),
      };
      if (editing === 'new') await api('/iot/rules', { method: 'POST', body: { deviceType: v.deviceType, alarmType: v.alarmType, kind: v.kind, ...common } });
      else if (editing) await api(`/iot/rules/${editing.id}`, { method: 'PATCH', body: common });
      message.success(tl({ zh: '已保存', en: 'Saved' }));
      setEditing(null);
      rules.reload();
    } catch (err) {
      if (err instanceof ApiError && err.fieldErrors.length) {
        form.setFields(err.fieldErrors.map((f) => ({ name: f.field as keyof RuleForm, errors: [f.message] })));
      }
      message.error(errorText(err, t));
    } finally {
      setSaving(false);
    }
  };

  const toggle = async (r: AlarmRule, enabled: boolean) => {
    try {
      await api(`/iot/rules/${r.id}`, { method: 'PATCH', body: { enabled } });
      rules.reload();
    } catch (err) {
      message.error(errorText(err, t));
    }
  };

  const columns: TableColumnsType<AlarmRule> = [
    { title: tl({ zh: '设备类型', en: 'Device type' }), dataIndex: 'deviceType', key: 'type', width: 140, render: typeName },
    { title: tl(L.name), dataIndex: 'name', key: 'name' },
    { title: tl({ zh: '条件', en: 'Condition' }), dataIndex: 'summary', key: 'summary' },
    { title: tl(L.severity), dataIndex: 'severity', key: 'severity', width: 80, render: (s: Severity) => <SeverityTag s={s} /> },
    { title: tl({ zh: '生成案卷', en: 'Creates case' }), key: 'case', width: 110, render: (_, r) => (r.createCase ? <Tag color="blue">{r.categoryCode ?? tl({ zh: '按井盖类型', en: 'by cover type' })}</Tag> : '-') },
    { title: tl({ zh: '启用', en: 'Enabled' }), dataIndex: 'enabled', key: 'enabled', width: 80, render: (e: boolean, r) => <Switch size="small" checked={e} disabled={!canWrite} onChange={(v) => void toggle(r, v)} aria-label={tl({ zh: '启用', en: 'Enabled' })} /> },
    ...(canWrite ? [{ title: tl(L.actions), key: 'a', width: 80, render: (_: unknown, r: AlarmRule) => <Button size="small" icon={<EditOutlined />} onClick={() => open(r)}>{tl({ zh: '编辑', en: 'Edit' })}</Button> }] : []),
  ];

  const isNew = editing === 'new';
  return (
    <div className="og-page">
      <Card
        size="small"
        title={tl({ zh: '告警规则', en: 'Alarm rules' })}
        extra={
          <Space>
            <Select allowClear placeholder={tl({ zh: '设备类型', en: 'Device type' })} style={{ width: 170 }} value={deviceType} onChange={setDeviceType} options={(types.data?.types ?? []).map((x) => ({ value: x.code, label: x.name }))} />
            {canWrite && <Button type="primary" icon={<PlusOutlined />} onClick={() => open('new')}>{tl({ zh: '新增规则', en: 'New rule' })}</Button>}
          </Space>
        }
      >
        {rules.error ? <Alert type="error" showIcon title={errorText(rules.error, t)} style={{ marginBottom: 12 }} /> : null}
        <Table<AlarmRule> data-testid="alarm-rules-table" size="small" rowKey="id" loading={rules.loading && !rules.data} columns={columns} dataSource={rules.data ?? []} pagination={false} />
      </Card>
      <Modal open={editing !== null} title={isNew ? tl({ zh: '新增告警规则', en: 'New alarm rule' }) : tl({ zh: '编辑告警规则', en: 'Edit alarm rule' })} onCancel={() => setEditing(null)} onOk={save} okButtonProps={{ loading: saving }} width={620} forceRender>
        <Form form={form} layout="vertical" requiredMark="optional">
          <Space wrap align="start">
            <Form.Item name="deviceType" label={tl({ zh: '设备类型', en: 'Device type' })} rules={[{ required: isNew }]} style={{ width: 180 }}>
              <Select disabled={!isNew} options={(types.data?.types ?? []).map((x) => ({ value: x.code, label: x.name }))} />
            </Form.Item>
            <Form.Item name="alarmType" label={tl({ zh: '告警类型编码', en: 'Alarm type code' })} rules={[{ required: isNew, pattern: /^[a-z][a-z0-9_]{1,31}$/, message: tl({ zh: '小写字母开头，2–32 位字母数字下划线', en: 'a-z, 0-9, _; 2–32' }) }]} style={{ width: 180 }}>
              <Input disabled={!isNew} placeholder="tilt_high" />
            </Form.Item>
            <Form.Item name="kind" label={tl({ zh: '规则种类', en: 'Kind' })} style={{ width: 150 }}>
              <Select disabled={!isNew} options={[{ value: 'threshold', label: tl({ zh: '阈值', en: 'Threshold' }) }, { value: 'offline', label: tl({ zh: '离线', en: 'Offline' }) }]} />
            </Form.Item>
          </Space>
          <Form.Item name="name" label={tl(L.name)} rules={[{ required: true, max: 100 }]}>
            <Input />
          </Form.Item>
          {kind === 'offline' ? (
            <Form.Item name="offlineMinutes" label={tl({ zh: '无数据多少分钟视为离线', en: 'Offline after (minutes)' })} rules={[{ required: true }]}>
              <InputNumber min={1} max={43200} />
            </Form.Item>
          ) : (
            <Space wrap align="start">
              <Form.Item name="key" label={tl({ zh: '遥测键', en: 'Key' })} rules={[{ required: true }]} style={{ width: 150 }}>
                <Select options={keysOf(isNew ? formType : (editing as AlarmRule | null)?.deviceType).map((k) => ({ value: k.key, label: `${k.name} (${k.key})` }))} />
              </Form.Item>
              <Form.Item name="op" label={tl({ zh: '比较', en: 'Op' })} rules={[{ required: true }]} style={{ width: 80 }}>
                <Select options={Object.entries(OPS).map(([v, l]) => ({ value: v, label: l }))} />
              </Form.Item>
              <Form.Item name="threshold" label={tl({ zh: '告警阈值', en: 'Threshold' })} rules={[{ required: true }]}>
                <InputNumber />
              </Form.Item>
              <Form.Item name="clearThreshold" label={tl({ zh: '清除阈值（回差）', en: 'Clear threshold' })}>
                <InputNumber />
              </Form.Item>
              <Form.Item name="durationS" label={tl({ zh: '持续秒数', en: 'Duration (s)' })}>
                <InputNumber min={0} max={86400} />
              </Form.Item>
            </Space>
          )}
          <Space wrap align="start">
            <Form.Item name="severity" label={tl(L.severity)} rules={[{ required: true }]} style={{ width: 120 }}>
              <Select options={SEVERITIES.map((s) => ({ value: s, label: tl(SEVERITY[s]) }))} />
            </Form.Item>
            <Form.Item name="createCase" label={tl({ zh: '生成案卷', en: 'Create case' })} valuePropName="checked">
              <Switch />
            </Form.Item>
            <Form.Item name="categoryCode" label={tl({ zh: '事件分类', en: 'Case category' })} style={{ width: 220 }}>
              <Select allowClear showSearch optionFilterProp="label" options={(categories.data ?? []).map((c) => ({ value: c.code, label: `${c.code} ${c.name}` }))} />
            </Form.Item>
            <Form.Item name="enabled" label={tl({ zh: '启用', en: 'Enabled' })} valuePropName="checked">
              <Switch />
            </Form.Item>
          </Space>
        </Form>
      </Modal>
    </div>
  );
}
