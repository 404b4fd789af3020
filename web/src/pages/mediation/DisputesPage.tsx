import { useState } from 'react';
import { Link, useNavigate } from 'react-router-dom';
import { App, Button, Card, Checkbox, Form, Input, Modal, Select, Space, Table, Tag, TreeSelect, type TableColumnsType } from 'antd';
import { PlusOutlined, SearchOutlined, WarningOutlined } from '@ant-design/icons';
import { api } from '../../api';
import { hasPermission, useMe } from '../../auth';
import { errorText, validValues } from '../../errors';
import { useApi } from '../../hooks';
import { useI18n } from '../../i18n';
import type { OrgNode, PageResult } from '../../types';
import { RISKS, RiskTag, STATES, StateTag, TIERS, TYPES, fmt, useOptions, type DisputeDetail, type DisputeItem } from './common';

interface Filters {
  state?: string[];
  tier?: string;
  type?: string;
  risk?: string;
  q?: string;
  enterprise?: boolean;
}

interface TreeOption {
  value: string;
  title: string;
  children?: TreeOption[];
}

function treeOf(nodes: OrgNode[]): TreeOption[] {
  const ids = new Set(nodes.map((n) => n.id));
  const kids = new Map<string | null, OrgNode[]>();
  for (const n of nodes) {
    const p = n.parentId && ids.has(n.parentId) ? n.parentId : null;
    kids.set(p, [...(kids.get(p) ?? []), n]);
  }
  const walk = (p: string | null): TreeOption[] =>
    (kids.get(p) ?? []).sort((a, b) => a.code.localeCompare(b.code)).map((n) => {
      const c = walk(n.id);
      return { value: n.id, title: n.name, children: c.length ? c : undefined };
    });
  return walk(null);
}

/** 矛盾纠纷台账: disputes in the caller's area with filters and paging; mediators enter new ones here. */
export default function DisputesPage() {
  const me = useMe();
  const { t, tl } = useI18n();
  const { message } = App.useApp();
  const navigate = useNavigate();
  const options = useOptions();
  const [filters, setFilters] = useState<Filters>({});
  const [page, setPage] = useState(1);
  const [pageSize, setPageSize] = useState(20);
  const [creating, setCreating] = useState(false);
  const [saving, setSaving] = useState(false);
  const [form] = Form.useForm();
  const list = useApi<PageResult<DisputeItem>>('/mediation/disputes', { ...filters, page, pageSize });
  const nodes = useApi<OrgNode[]>(creating ? '/org/nodes' : null, { level: ['community', 'estate', 'grid'], geometry: false });
  const canCreate = hasPermission(me, 'mediation.report');

  const columns: TableColumnsType<DisputeItem> = [
    { title: tl({ zh: '案号', en: 'No.' }), dataIndex: 'number', width: 150, render: (n: string, d) => <Link to={`/mediation/disputes/${d.id}`}>{n}</Link> },
    {
      title: tl({ zh: '纠纷', en: 'Dispute' }),
      dataIndex: 'title',
      width: 240,
      render: (title: string, d) => (
        <Space size={4} wrap>
          <Link to={`/mediation/disputes/${d.id}`} data-testid="dispute-title">{title}</Link>
          {d.enterpriseRelated && <Tag color="magenta">{tl({ zh: '涉企', en: 'Enterprise' })}</Tag>}
          {d.warned && <Tag color="red" icon={<WarningOutlined />}>{tl({ zh: '预警', en: 'Warning' })}</Tag>}
        </Space>
      ),
    },
    { title: tl({ zh: '类型', en: 'Type' }), dataIndex: 'type', width: 120, responsive: ['md'], render: (x: DisputeItem['type']) => tl(TYPES[x]) },
    { title: tl({ zh: '当事人', en: 'Parties' }), dataIndex: 'partyNames', width: 180, responsive: ['lg'], render: (p: string[]) => p.join('、') },
    { title: tl({ zh: '层级', en: 'Tier' }), dataIndex: 'tier', width: 120, render: (x: DisputeItem['tier']) => tl(TIERS[x]) },
    { title: tl({ zh: '发生地', en: 'Place' }), dataIndex: 'placeName', width: 130, responsive: ['xl'] },
    { title: tl({ zh: '风险', en: 'Risk' }), dataIndex: 'riskLevel', width: 100, render: (r: DisputeItem['riskLevel']) => <RiskTag risk={r} /> },
    { title: tl({ zh: '状态', en: 'State' }), dataIndex: 'state', width: 120, render: (s: DisputeItem['state']) => <StateTag state={s} /> },
    { title: tl({ zh: '登记时间', en: 'Created' }), dataIndex: 'createdAt', width: 150, responsive: ['lg'], render: fmt },
  ];

  const create = async () => {
    const v = await validValues(form);
    if (!v) return;
    setSaving(true);
    try {
      const d = await api<DisputeDetail>('/mediation/disputes', {
        method: 'POST',
        body: { ...v, claims: v.claims || undefined, parties: (v.parties as Array<{ role: string; name: string; phone?: string; kind?: string }>).map((p) => ({ ...p, phone: p.phone || undefined })) },
      });
      message.success(tl({ zh: `已登记 ${d.number}`, en: `Recorded ${d.number}` }));
      setCreating(false);
      form.resetFields();
      navigate(`/mediation/disputes/${d.id}`);
    } catch (err) {
      message.error(errorText(err, t));
    } finally {
      setSaving(false);
    }
  };

  return (
    <div className="og-page">
      <Card size="small">
        <Form<Filters> layout="inline" className="og-filters" onFinish={(v) => { setFilters({ ...v, q: v.q?.trim() || undefined }); setPage(1); }}>
          <Form.Item name="state" label={tl({ zh: '状态', en: 'State' })}>
            <Select mode="multiple" allowClear style={{ minWidth: 160 }} placeholder={t('common.all')} options={options(STATES)} />
          </Form.Item>
          <Form.Item name="tier" label={tl({ zh: '层级', en: 'Tier' })}>
            <Select allowClear style={{ minWidth: 130 }} placeholder={t('common.all')} options={options(TIERS)} />
          </Form.Item>
          <Form.Item name="type" label={tl({ zh: '类型', en: 'Type' })}>
            <Select allowClear style={{ minWidth: 130 }} placeholder={t('common.all')} options={options(TYPES)} />
          </Form.Item>
          <Form.Item name="risk" label={tl({ zh: '风险', en: 'Risk' })}>
            <Select allowClear style={{ minWidth: 90 }} placeholder={t('common.all')} options={options(RISKS)} />
          </Form.Item>
          <Form.Item name="enterprise" valuePropName="checked">
            <Checkbox>{tl({ zh: '只看涉企', en: 'Enterprise only' })}</Checkbox>
          </Form.Item>
          <Form.Item name="q" rules={[{ max: 50 }]}>
            <Input allowClear placeholder={tl({ zh: '案号或标题', en: 'Number or title' })} style={{ width: 160 }} />
          </Form.Item>
          <Form.Item>
            <Space>
              <Button type="primary" htmlType="submit" icon={<SearchOutlined />}>{t('common.search')}</Button>
              {canCreate && <Button icon={<PlusOutlined />} onClick={() => setCreating(true)}>{tl({ zh: '登记纠纷', en: 'New dispute' })}</Button>}
            </Space>
          </Form.Item>
        </Form>
      </Card>
      <Card size="small" style={{ marginTop: 12 }}>
        <Table<DisputeItem>
          rowKey="id"
          size="middle"
          data-testid="disputes-table"
          loading={list.loading}
          columns={columns}
          dataSource={list.data?.items ?? []}
          scroll={{ x: 900 }}
          pagination={{ current: page, pageSize, total: list.data?.total ?? 0, showSizeChanger: true, showTotal: (total) => t('common.total', { total }), onChange: (p, s) => { setPage(p); setPageSize(s); } }}
        />
      </Card>
      <Modal open={creating} title={tl({ zh: '登记矛盾纠纷', en: 'Record a dispute' })} onCancel={() => setCreating(false)} onOk={create} confirmLoading={saving} okText={t('common.confirm')} cancelText={t('common.cancel')} width={640} destroyOnHidden>
        <Form form={form} layout="vertical" initialValues={{ type: 'neighbour', riskLevel: 'low', parties: [{ role: 'applicant', kind: 'person' }, { role: 'respondent', kind: 'person' }] }}>
          <Space wrap>
            <Form.Item name="type" label={tl({ zh: '类型', en: 'Type' })} rules={[{ required: true }]}>
              <Select style={{ width: 160 }} options={options(TYPES)} />
            </Form.Item>
            <Form.Item name="riskLevel" label={tl({ zh: '风险等级', en: 'Risk' })}>
              <Select style={{ width: 100 }} options={options(RISKS)} />
            </Form.Item>
            <Form.Item name="nodeId" label={tl({ zh: '发生地', en: 'Place' })} rules={[{ required: true, message: tl({ zh: '请选择发生地', en: 'Choose the place' }) }]}>
              <TreeSelect style={{ width: 220 }} treeData={treeOf(nodes.data ?? [])} showSearch treeNodeFilterProp="title" loading={nodes.loading} />
            </Form.Item>
            <Form.Item name="enterpriseRelated" valuePropName="checked" label=" ">
              <Checkbox>{tl({ zh: '涉企', en: 'Enterprise-related' })}</Checkbox>
            </Form.Item>
          </Space>
          <Form.Item name="title" label={tl({ zh: '标题', en: 'Title' })} rules={[{ required: true, min: 2, max: 100 }]}>
            <Input />
          </Form.Item>
          <Form.Item name="description" label={tl({ zh: '纠纷情况', en: 'What happened' })} rules={[{ required: true, min: 5, max: 4000 }]}>
            <Input.TextArea rows={3} />
          </Form.Item>
          <Form.Item name="claims" label={tl({ zh: '当事人诉求', en: 'What they want' })} rules={[{ max: 2000 }]}>
            <Input.TextArea rows={2} />
          </Form.Item>
          <Form.List name="parties">
            {(fields, { add, remove }) => (
              <>
                {fields.map((f) => (
                  <Space key={f.key} align="baseline" wrap>
                    <Form.Item name={[f.name, 'role']} rules={[{ required: true }]}>
                      <Select style={{ width: 110 }} options={[{ value: 'applicant', label: tl({ zh: '申请人', en: 'Applicant' }) }, { value: 'respondent', label: tl({ zh: '被申请人', en: 'Respondent' }) }, { value: 'third', label: tl({ zh: '第三人', en: 'Third party' }) }]} />
                    </Form.Item>
                    <Form.Item name={[f.name, 'kind']}>
                      <Select style={{ width: 90 }} options={[{ value: 'person', label: tl({ zh: '个人', en: 'Person' }) }, { value: 'enterprise', label: tl({ zh: '企业', en: 'Enterprise' }) }]} />
                    </Form.Item>
                    <Form.Item name={[f.name, 'name']} rules={[{ required: true, message: tl({ zh: '请填写姓名', en: 'Name required' }) }]}>
                      <Input placeholder={tl({ zh: '姓名/名称', en: 'Name' })} style={{ width: 140 }} />
                    </Form.Item>
                    <Form.Item name={[f.name, 'phone']} rules={[{ pattern: /^1\d{10}$/, message: tl({ zh: '手机号格式不正确', en: 'Invalid mobile number' }) }]}>
                      <Input placeholder={tl({ zh: '手机号', en: 'Mobile' })} style={{ width: 130 }} />
                    </Form.Item>
                    {fields.length > 2 && <Button type="link" onClick={() => remove(f.name)}>{tl({ zh: '删除', en: 'Remove' })}</Button>}
                  </Space>
                ))}
                <Button type="dashed" onClick={() => add({ role: 'third', kind: 'person' })} icon={<PlusOutlined />}>{tl({ zh: '添加当事人', en: 'Add a party' })}</Button>
              </>
            )}
          </Form.List>
        </Form>
      </Modal>
    </div>
  );
}
