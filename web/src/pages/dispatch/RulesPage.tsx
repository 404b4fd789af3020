import { useMemo, useState } from 'react';
import { Alert, App, Button, Card, Col, Descriptions, Form, Input, InputNumber, Modal, Row, Select, Space, Switch, Table, Tag, Typography, type TableColumnsType } from 'antd';
import { DeleteOutlined, EditOutlined, EyeOutlined, MinusCircleOutlined, PlusOutlined } from '@ant-design/icons';
import { api, ApiError } from '../../api';
import { hasPermission, useMe } from '../../auth';
import { errorText, validValues } from '../../errors';
import { useApi } from '../../hooks';
import { useI18n } from '../../i18n';
import type { Category, Department } from '../../types';
import { COVER_TYPES, KIND_HELP, KINDS, LocatedText, pct, TraceTable, type DispatchRule, type PreviewResult, type RuleKind } from './common';

interface RuleForm {
  name: string;
  kind: RuleKind;
  priority: number;
  categoryCodes: string[];
  categoryGroups: string[];
  departmentCode?: string | null;
  map?: Array<{ key: string; dept: string }>;
  active: boolean;
}

interface PreviewForm {
  text?: string;
  categoryCode?: string;
  lng?: number | null;
  lat?: number | null;
  coverType?: string;
}

/** 分派规则: the routing rules as data an admin edits, and a preview of where a report would go. */
export default function RulesPage() {
  const { t, tl } = useI18n();
  const { modal, message } = App.useApp();
  const me = useMe();
  const canWrite = hasPermission(me, 'dispatch.rules.write');
  const canPreview = hasPermission(me, 'dispatch.classify');
  const rules = useApi<DispatchRule[]>('/dispatch/rules');
  const categories = useApi<Category[]>('/dispatch/categories');
  const departments = useApi<Department[]>('/org/departments');
  const deptName = useMemo(() => {
    const m = new Map((departments.data ?? []).map((d) => [d.code, d.name]));
    return (c: string) => m.get(c) ?? c;
  }, [departments.data]);
  const catName = useMemo(() => {
    const m = new Map((categories.data ?? []).map((c) => [c.code, c.name]));
    return (c: string) => m.get(c) ?? c;
  }, [categories.data]);
  const groups = useMemo(() => [...new Set((categories.data ?? []).map((c) => c.group))], [categories.data]);
  const deptOptions = (departments.data ?? []).filter((d) => d.active).map((d) => ({ value: d.code, label: `${d.name} (${d.code})` }));
  const catOptions = (categories.data ?? []).map((c) => ({ value: c.code, label: `${c.code} ${c.name}` }));

  const [editing, setEditing] = useState<DispatchRule | 'new' | null>(null);
  const [form] = Form.useForm<RuleForm>();
  const kind = Form.useWatch('kind', form);
  const [saving, setSaving] = useState(false);

  const open = (r: DispatchRule | 'new') => {
    setEditing(r);
    form.resetFields();
    if (r === 'new') form.setFieldsValue({ kind: 'estate_property', priority: ((rules.data ?? []).reduce((a, x) => Math.max(a, x.priority), 0) || 0) + 10, categoryCodes: [], categoryGroups: [], active: true, map: [] });
    else
      form.setFieldsValue({
        name: r.name,
        kind: r.kind,
        priority: r.priority,
        categoryCodes: r.categoryCodes,
        categoryGroups: r.categoryGroups,
        active: r.active,
        departmentCode: r.params.departmentCode ?? undefined,
        map: Object.entries(r.params.map ?? {}).map(([key, dept]) => ({ key, dept })),
      });
  };

  const save = async () => {
    const v = await validValues(form);
    if (!v) return;
    const params = v.kind === 'service_area' ? { departmentCode: v.departmentCode || null } : v.kind === 'cover_type' ? { map: Object.fromEntries((v.map ?? []).filter((x) => x?.key && x?.dept).map((x) => [x.key.trim(), x.dept])) } : {};
    const body = { name: v.name, kind: v.kind, priority: v.priority, categoryCodes: v.categoryCodes ?? [], categoryGroups: v.categoryGroups ?? [], params, active: v.active };
    setSaving(true);
    try {
      if (editing === 'new') await api('/dispatch/rules', { method: 'POST', body });
      else if (editing) await api(`/dispatch/rules/${editing.id}`, { method: 'PATCH', body });
      message.success(tl({ zh: '已保存', en: 'Saved' }));
      setEditing(null);
      rules.reload();
    } catch (err) {
      if (err instanceof ApiError && err.fieldErrors.length) form.setFields(err.fieldErrors.filter((f) => ['name', 'kind', 'priority', 'categoryCodes', 'categoryGroups'].includes(f.field)).map((f) => ({ name: f.field as keyof RuleForm, errors: [f.message] })));
      message.error(errorText(err, t));
    } finally {
      setSaving(false);
    }
  };

  const remove = (r: DispatchRule) =>
    modal.confirm({
      title: tl({ zh: '删除分派规则？', en: 'Delete this rule?' }),
      content: r.name,
      okText: tl({ zh: '删除', en: 'Delete' }),
      okButtonProps: { danger: true },
      onOk: async () => {
        try {
          await api(`/dispatch/rules/${r.id}`, { method: 'DELETE' });
          message.success(tl({ zh: '已删除', en: 'Deleted' }));
          rules.reload();
        } catch (err) {
          message.error(errorText(err, t));
        }
      },
    });

  const paramsText = (r: DispatchRule) => {
    if (r.kind === 'service_area') return r.params.departmentCode ? deptName(r.params.departmentCode) : tl({ zh: '默认部门的下属单位', en: 'units under the default department' });
    if (r.kind === 'cover_type') return Object.entries(r.params.map ?? {}).map(([k, d]) => <Tag key={k}>{k} → {deptName(d)}</Tag>);
    return tl({ zh: '小区物业服务企业', en: 'the estate’s property company' });
  };

  const columns: TableColumnsType<DispatchRule> = [
    { title: tl({ zh: '优先级', en: 'Priority' }), dataIndex: 'priority', key: 'p', width: 80 },
    { title: tl({ zh: '名称', en: 'Name' }), dataIndex: 'name', key: 'name' },
    { title: tl({ zh: '种类', en: 'Kind' }), dataIndex: 'kind', key: 'kind', width: 110, render: (k: RuleKind) => <span title={tl(KIND_HELP[k])}>{tl(KINDS[k])}</span> },
    {
      title: tl({ zh: '适用分类', en: 'Applies to' }),
      key: 'cats',
      render: (_, r) =>
        r.categoryCodes.length || r.categoryGroups.length ? (
          <Space wrap size={2}>
            {r.categoryGroups.map((g) => <Tag key={g} color="purple">{g}</Tag>)}
            {r.categoryCodes.map((c) => <Tag key={c} title={catName(c)}>{c} {catName(c)}</Tag>)}
          </Space>
        ) : (
          tl({ zh: '全部分类', en: 'All categories' })
        ),
    },
    { title: tl({ zh: '交办', en: 'Goes to' }), key: 'params', render: (_, r) => paramsText(r) },
    { title: tl({ zh: '启用', en: 'Active' }), dataIndex: 'active', key: 'active', width: 70, render: (a: boolean) => (a ? <Tag color="green">{tl({ zh: '是', en: 'Yes' })}</Tag> : <Tag>{tl({ zh: '否', en: 'No' })}</Tag>) },
    ...(canWrite
      ? [
          {
            title: tl({ zh: '操作', en: 'Actions' }),
            key: 'a',
            width: 150,
            render: (_: unknown, r: DispatchRule) => (
              <Space size={4}>
                <Button size="small" icon={<EditOutlined />} onClick={() => open(r)}>{tl({ zh: '编辑', en: 'Edit' })}</Button>
                <Button size="small" danger icon={<DeleteOutlined />} onClick={() => remove(r)} aria-label={tl({ zh: '删除', en: 'Delete' })} />
              </Space>
            ),
          },
        ]
      : []),
  ];

  // ---- preview
  const [pform] = Form.useForm<PreviewForm>();
  const [preview, setPreview] = useState<PreviewResult | null>(null);
  const [previewing, setPreviewing] = useState(false);
  const runPreview = async () => {
    const v = await validValues(pform);
    if (!v) return;
    if (!v.text?.trim() && !v.categoryCode) return message.warning(tl({ zh: '请填写描述或选择分类', en: 'Give a text or a category' }));
    const hasPoint = v.lng != null && v.lat != null;
    setPreviewing(true);
    try {
      setPreview(await api<PreviewResult>('/dispatch/rules/preview', { method: 'POST', body: { text: v.text?.trim() || undefined, categoryCode: v.categoryCode || undefined, coverType: v.coverType || undefined, location: hasPoint ? { lng: v.lng, lat: v.lat } : undefined } }));
    } catch (err) {
      message.error(errorText(err, t));
    } finally {
      setPreviewing(false);
    }
  };

  return (
    <div className="og-page">
      <Row gutter={[16, 16]}>
        <Col xs={24} xl={canPreview ? 15 : 24}>
          <Card size="small" title={tl({ zh: '分派规则', en: 'Routing rules' })} extra={canWrite && <Button type="primary" icon={<PlusOutlined />} onClick={() => open('new')}>{tl({ zh: '新建规则', en: 'New rule' })}</Button>}>
            <Typography.Paragraph type="secondary">
              {tl({ zh: '先按分类定默认部门，再按优先级从小到大，第一条适用且能确定部门的规则生效。', en: 'The category gives the default department; then the first active rule (lowest priority first) that applies and resolves a department wins.' })}
            </Typography.Paragraph>
            {rules.error ? <Alert type="error" showIcon title={errorText(rules.error, t)} style={{ marginBottom: 12 }} /> : null}
            <Table<DispatchRule> data-testid="dispatch-rules-table" size="small" rowKey="id" loading={rules.loading && !rules.data} columns={columns} dataSource={[...(rules.data ?? [])].sort((a, b) => a.priority - b.priority)} pagination={false} />
          </Card>
        </Col>
        {canPreview && (
          <Col xs={24} xl={9}>
            <Card size="small" title={tl({ zh: '分派预览', en: 'Preview' })} data-testid="rules-preview">
              <Form form={pform} layout="vertical" size="small">
                <Form.Item name="text" label={tl({ zh: '事件描述', en: 'Report text' })}>
                  <Input.TextArea rows={2} maxLength={2000} />
                </Form.Item>
                <Form.Item name="categoryCode" label={tl({ zh: '或指定分类', en: 'Or a category' })}>
                  <Select allowClear showSearch optionFilterProp="label" options={catOptions} />
                </Form.Item>
                <Space align="start" wrap>
                  <Form.Item name="lng" label={tl({ zh: '经度', en: 'Longitude' })}>
                    <InputNumber min={-180} max={180} step={0.001} style={{ width: 120 }} />
                  </Form.Item>
                  <Form.Item name="lat" label={tl({ zh: '纬度', en: 'Latitude' })}>
                    <InputNumber min={-90} max={90} step={0.001} style={{ width: 120 }} />
                  </Form.Item>
                  <Form.Item name="coverType" label={tl({ zh: '井盖类型', en: 'Cover type' })}>
                    <Select allowClear style={{ width: 120 }} options={COVER_TYPES.map((c) => ({ value: c.value, label: tl(c.label) }))} />
                  </Form.Item>
                </Space>
                <Button type="primary" icon={<EyeOutlined />} loading={previewing} onClick={runPreview}>
                  {tl({ zh: '预览分派', en: 'Preview' })}
                </Button>
              </Form>
              {preview && (
                <div style={{ marginTop: 12 }} data-testid="preview-result">
                  <Descriptions size="small" column={1} bordered>
                    <Descriptions.Item label={tl({ zh: '分类', en: 'Category' })}>
                      {preview.categoryCode} {preview.categoryName}
                      {preview.confidence !== null && <Typography.Text type="secondary"> · {pct(preview.confidence)}</Typography.Text>}
                    </Descriptions.Item>
                    <Descriptions.Item label={tl({ zh: '默认部门', en: 'Default' })}>{deptName(preview.defaultDepartment)}</Descriptions.Item>
                    <Descriptions.Item label={tl({ zh: '最终部门', en: 'Department' })}>
                      <Typography.Text strong>{preview.departmentName ?? deptName(preview.departmentCode)}</Typography.Text>
                      {preview.rule && <Tag color="green" style={{ marginLeft: 8 }}>{preview.rule.name}</Tag>}
                    </Descriptions.Item>
                    <Descriptions.Item label={tl({ zh: '抄送', en: 'Copied to' })}>{preview.ccCodes.length ? preview.ccCodes.map((c) => <Tag key={c}>{deptName(c)}</Tag>) : '-'}</Descriptions.Item>
                    <Descriptions.Item label={tl({ zh: '位置', en: 'Location' })}><LocatedText located={preview.located} /></Descriptions.Item>
                  </Descriptions>
                  <TraceTable trace={preview.trace} deptName={deptName} />
                </div>
              )}
            </Card>
          </Col>
        )}
      </Row>
      <Modal open={editing !== null} title={editing === 'new' ? tl({ zh: '新建分派规则', en: 'New routing rule' }) : tl({ zh: '编辑分派规则', en: 'Edit routing rule' })} onCancel={() => setEditing(null)} onOk={save} okButtonProps={{ loading: saving }} width={640} forceRender>
        <Form form={form} layout="vertical" requiredMark="optional">
          <Form.Item name="name" label={tl({ zh: '名称', en: 'Name' })} rules={[{ required: true, max: 100 }]}>
            <Input />
          </Form.Item>
          <Space align="start" wrap>
            <Form.Item name="kind" label={tl({ zh: '种类', en: 'Kind' })} rules={[{ required: true }]} extra={kind ? tl(KIND_HELP[kind]) : undefined} style={{ width: 300 }}>
              <Select options={(Object.keys(KINDS) as RuleKind[]).map((k) => ({ value: k, label: tl(KINDS[k]) }))} />
            </Form.Item>
            <Form.Item name="priority" label={tl({ zh: '优先级（小者先）', en: 'Priority (lower first)' })} rules={[{ required: true }]}>
              <InputNumber min={0} max={100000} />
            </Form.Item>
            <Form.Item name="active" label={tl({ zh: '启用', en: 'Active' })} valuePropName="checked">
              <Switch />
            </Form.Item>
          </Space>
          <Form.Item name="categoryGroups" label={tl({ zh: '适用大类', en: 'Category groups' })}>
            <Select mode="multiple" allowClear options={groups.map((g) => ({ value: g, label: g }))} />
          </Form.Item>
          <Form.Item name="categoryCodes" label={tl({ zh: '适用分类（均不选则适用全部）', en: 'Categories (none = all)' })}>
            <Select mode="multiple" allowClear showSearch optionFilterProp="label" options={catOptions} />
          </Form.Item>
          {kind === 'service_area' && (
            <Form.Item name="departmentCode" label={tl({ zh: '目标部门（不选则在默认部门的下属单位中找）', en: 'Department (empty: units under the default)' })}>
              <Select allowClear showSearch optionFilterProp="label" options={deptOptions} />
            </Form.Item>
          )}
          {kind === 'cover_type' && (
            <Form.List name="map">
              {(fields, { add, remove: rm }) => (
                <div>
                  <Typography.Text>{tl({ zh: '井盖类型 → 权属部门', en: 'Cover type → owner' })}</Typography.Text>
                  {fields.map((f) => (
                    <Space key={f.key} align="baseline" style={{ display: 'flex' }}>
                      <Form.Item name={[f.name, 'key']} rules={[{ required: true, max: 20 }]}>
                        <Input placeholder={tl({ zh: '如 供水 / water_supply', en: 'e.g. 供水 / water_supply' })} style={{ width: 200 }} />
                      </Form.Item>
                      <Form.Item name={[f.name, 'dept']} rules={[{ required: true }]}>
                        <Select showSearch optionFilterProp="label" options={deptOptions} style={{ width: 240 }} />
                      </Form.Item>
                      <MinusCircleOutlined onClick={() => rm(f.name)} />
                    </Space>
                  ))}
                  <Button type="dashed" icon={<PlusOutlined />} onClick={() => add({ key: '', dept: undefined })}>
                    {tl({ zh: '添加对应', en: 'Add a mapping' })}
                  </Button>
                </div>
              )}
            </Form.List>
          )}
        </Form>
      </Modal>
    </div>
  );
}
