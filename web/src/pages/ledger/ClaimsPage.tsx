import { useState } from 'react';
import { Button, Card, Form, Input, InputNumber, Modal, Select, Space, Table, Tabs, Tag } from 'antd';
import { useApi } from '../../hooks';
import { useAuth } from '../../auth';
import { useI18n } from '../../i18n';
import type { PageResult } from '../../types';
import { fmtTime, useAction } from './common';
import { validValues } from '../../errors';

interface Rule {
  id: string;
  code: string;
  action: string;
  points: number;
  period: 'day' | 'week' | 'month' | 'year';
  periodCap: number | null;
  appliesTo: string;
  description: string;
  active: boolean;
}
interface Claim {
  id: string;
  ruleAction: string;
  accountName: string;
  points: number;
  note: string;
  occurredOn: string;
  status: 'pending' | 'approved' | 'rejected';
  createdAt: string;
}
const PERIODS = { day: '每日', week: '每周', month: '每月', year: '每年' } as const;
const APPLIES = { resident: '居民', partner: '合伙人', any: '不限' } as Record<string, string>;
const STATUS = { pending: ['待确认', 'orange'], approved: ['已发放', 'green'], rejected: ['已驳回', 'default'] } as const;

/** 积分规则与审核: staff confirm that a service happened before points are granted. */
export default function ClaimsPage() {
  const { tl } = useI18n();
  const { me } = useAuth();
  const { run, busy, api } = useAction();
  const [status, setStatus] = useState<string | undefined>('pending');
  const [page, setPage] = useState(1);
  const claims = useApi<PageResult<Claim>>('/ledger/claims', { status, page, pageSize: 20 });
  const rules = useApi<Rule[]>('/ledger/rules', { all: true });
  const [ruleOpen, setRuleOpen] = useState(false);
  const [form] = Form.useForm();
  const canApprove = me?.permissions.includes('ledger.approve');
  // earning rules apply street-wide: only street-level admins maintain them (the server says the same)
  const canManageRules = me?.permissions.includes('ledger.manage') && me.roles.some((r) => r === 'street_admin' || r === 'admin');
  const review = (c: Claim, approve: boolean) =>
    run(() => api(`/ledger/claims/${c.id}/review`, { method: 'POST', body: { approve } }), approve ? tl({ zh: '已确认并发放积分', en: 'Approved' }) : tl({ zh: '已驳回', en: 'Rejected' })).then(() => claims.reload());
  return (
    <Card title={tl({ zh: '积分规则与审核', en: 'Earning rules and approvals' })}>
      <Tabs
        items={[
          {
            key: 'claims',
            label: tl({ zh: '服务积分审核', en: 'Claims' }),
            children: (
              <>
                <Select style={{ width: 140, marginBottom: 12 }} value={status} allowClear onChange={(v) => (setStatus(v), setPage(1))} options={Object.entries(STATUS).map(([k, v]) => ({ value: k, label: v[0] }))} />
                <Table
                  rowKey="id"
                  loading={claims.loading}
                  dataSource={claims.data?.items}
                  pagination={{ current: page, pageSize: 20, total: claims.data?.total, onChange: setPage }}
                  columns={[
                    { title: tl({ zh: '服务', en: 'Service' }), dataIndex: 'ruleAction' },
                    { title: tl({ zh: '账户', en: 'Account' }), dataIndex: 'accountName' },
                    { title: tl({ zh: '积分', en: 'Points' }), dataIndex: 'points' },
                    { title: tl({ zh: '说明', en: 'Note' }), dataIndex: 'note' },
                    { title: tl({ zh: '服务日期', en: 'Date' }), dataIndex: 'occurredOn' },
                    { title: tl({ zh: '提交时间', en: 'Submitted' }), dataIndex: 'createdAt', render: fmtTime },
                    { title: tl({ zh: '状态', en: 'Status' }), dataIndex: 'status', render: (s: Claim['status']) => <Tag color={STATUS[s][1]}>{STATUS[s][0]}</Tag> },
                    {
                      title: '',
                      render: (_: unknown, c: Claim) =>
                        canApprove && c.status === 'pending' ? (
                          <Space>
                            <Button size="small" type="primary" loading={busy} onClick={() => review(c, true)}>{tl({ zh: '确认发放', en: 'Approve' })}</Button>
                            <Button size="small" onClick={() => review(c, false)}>{tl({ zh: '驳回', en: 'Reject' })}</Button>
                          </Space>
                        ) : null,
                    },
                  ]}
                />
              </>
            ),
          },
          {
            key: 'rules',
            label: tl({ zh: '积分规则', en: 'Rules' }),
            children: (
              <>
                {canManageRules && <Button type="primary" style={{ marginBottom: 12 }} onClick={() => setRuleOpen(true)}>{tl({ zh: '新建规则', en: 'New rule' })}</Button>}
                <Table
                  rowKey="id"
                  dataSource={rules.data}
                  pagination={false}
                  columns={[
                    { title: tl({ zh: '行为', en: 'Action' }), dataIndex: 'action' },
                    { title: tl({ zh: '积分', en: 'Points' }), dataIndex: 'points' },
                    { title: tl({ zh: '上限', en: 'Cap' }), render: (_: unknown, r: Rule) => (r.periodCap ? `${PERIODS[r.period]} ${r.periodCap} 分` : '—') },
                    { title: tl({ zh: '适用', en: 'For' }), dataIndex: 'appliesTo', render: (a: string) => APPLIES[a] },
                    { title: tl({ zh: '说明', en: 'Description' }), dataIndex: 'description' },
                    { title: tl({ zh: '状态', en: 'State' }), dataIndex: 'active', render: (a: boolean) => (a ? <Tag color="green">启用</Tag> : <Tag>停用</Tag>) },
                  ]}
                />
              </>
            ),
          },
        ]}
      />
      <Modal
        open={ruleOpen}
        title={tl({ zh: '新建积分规则', en: 'New rule' })}
        onCancel={() => setRuleOpen(false)}
        confirmLoading={busy}
        onOk={async () => {
          const v = await validValues(form);
          if (!v) return;
          const r = await run(() => api('/ledger/rules', { method: 'POST', body: v }), tl({ zh: '已保存', en: 'Saved' }));
          if (r) {
            setRuleOpen(false);
            form.resetFields();
            rules.reload();
          }
        }}
      >
        <Form form={form} layout="vertical" initialValues={{ period: 'month', appliesTo: 'any' }}>
          <Form.Item name="code" label="编码" rules={[{ required: true, pattern: /^[a-z0-9_-]+$/, message: '小写字母、数字、下划线' }]}><Input /></Form.Item>
          <Form.Item name="action" label="行为" rules={[{ required: true }]}><Input /></Form.Item>
          <Form.Item name="points" label="积分" rules={[{ required: true }]}><InputNumber min={1} /></Form.Item>
          <Form.Item name="period" label="周期"><Select options={Object.entries(PERIODS).map(([k, v]) => ({ value: k, label: v }))} /></Form.Item>
          <Form.Item name="periodCap" label="周期上限（分）"><InputNumber min={1} /></Form.Item>
          <Form.Item name="appliesTo" label="适用对象"><Select options={Object.entries(APPLIES).map(([k, v]) => ({ value: k, label: v }))} /></Form.Item>
          <Form.Item name="description" label="说明"><Input.TextArea /></Form.Item>
        </Form>
      </Modal>
    </Card>
  );
}
