import { useState } from 'react';
import { Button, Card, Form, Input, InputNumber, Modal, Select, Space, Table, Tabs, Tag } from 'antd';
import { useApi } from '../../hooks';
import { useAuth } from '../../auth';
import { useI18n } from '../../i18n';
import type { PageResult } from '../../types';
import { REWARD_KINDS, RedemptionTag, fmtTime, useAction, type Redemption, type Reward } from './common';
import { validValues } from '../../errors';

/** 积分兑换: the catalogue with stock, and the verification of redemption codes (merchants and staff). */
export default function RewardsPage() {
  const { tl } = useI18n();
  const { me } = useAuth();
  const { run, busy, api } = useAction();
  const rewards = useApi<Reward[]>('/ledger/rewards', { all: true });
  const [page, setPage] = useState(1);
  const reds = useApi<PageResult<Redemption>>('/ledger/redemptions', { page, pageSize: 20 });
  const [code, setCode] = useState('');
  const [verified, setVerified] = useState<Redemption | null>(null);
  const [open, setOpen] = useState(false);
  const [form] = Form.useForm();
  const canManage = me?.permissions.includes('ledger.manage');
  const verify = async () => {
    const r = await run(() => api<Redemption>('/ledger/redemptions/verify', { method: 'POST', body: { code } }), tl({ zh: '核销成功', en: 'Verified' }));
    if (r) {
      setVerified(r);
      setCode('');
      reds.reload();
    }
  };
  return (
    <Card title={tl({ zh: '积分兑换', en: 'Rewards and redemption' })}>
      <Card size="small" title={tl({ zh: '核销兑换码', en: 'Verify a code' })} style={{ marginBottom: 16 }}>
        <Space wrap>
          <Input value={code} onChange={(e) => setCode(e.target.value)} placeholder="XXXX-XXXX-XXXX" style={{ width: 220 }} data-testid="verify-code" onPressEnter={verify} />
          <Button type="primary" onClick={verify} loading={busy} disabled={code.trim().length < 4}>{tl({ zh: '核销', en: 'Verify' })}</Button>
          {verified && (
            <span data-testid="verified">
              <Tag color="green">{tl({ zh: '已核销', en: 'Used' })}</Tag>
              {verified.rewardName} · {verified.accountName} · {verified.points} 分
            </span>
          )}
        </Space>
      </Card>
      <Tabs
        items={[
          {
            key: 'rewards',
            label: tl({ zh: '兑换品', en: 'Rewards' }),
            children: (
              <>
                {canManage && <Button type="primary" style={{ marginBottom: 12 }} onClick={() => setOpen(true)}>{tl({ zh: '新增兑换品', en: 'New reward' })}</Button>}
                <Table
                  rowKey="id"
                  dataSource={rewards.data}
                  pagination={false}
                  columns={[
                    { title: tl({ zh: '名称', en: 'Name' }), dataIndex: 'name' },
                    { title: tl({ zh: '类型', en: 'Kind' }), dataIndex: 'kind', render: (k: Reward['kind']) => <Tag>{tl(REWARD_KINDS[k])}</Tag> },
                    { title: tl({ zh: '所需积分', en: 'Points' }), dataIndex: 'pointsCost' },
                    { title: tl({ zh: '库存', en: 'Stock' }), dataIndex: 'stock' },
                    { title: tl({ zh: '收款方', en: 'Payee' }), dataIndex: 'payeeName' },
                    { title: tl({ zh: '状态', en: 'State' }), dataIndex: 'active', render: (a: boolean) => (a ? <Tag color="green">上架</Tag> : <Tag>下架</Tag>) },
                    {
                      title: '',
                      render: (_: unknown, w: Reward) =>
                        canManage ? (
                          <Button size="small" onClick={() => run(() => api(`/ledger/rewards/${w.id}`, { method: 'PATCH', body: { active: !w.active } })).then(() => rewards.reload())}>
                            {w.active ? '下架' : '上架'}
                          </Button>
                        ) : null,
                    },
                  ]}
                />
              </>
            ),
          },
          {
            key: 'redemptions',
            label: tl({ zh: '兑换记录', en: 'Redemptions' }),
            children: (
              <Table
                rowKey="id"
                dataSource={reds.data?.items}
                pagination={{ current: page, pageSize: 20, total: reds.data?.total, onChange: setPage }}
                columns={[
                  { title: tl({ zh: '兑换品', en: 'Reward' }), dataIndex: 'rewardName' },
                  { title: tl({ zh: '兑换人', en: 'By' }), dataIndex: 'accountName' },
                  { title: tl({ zh: '积分', en: 'Points' }), dataIndex: 'points' },
                  { title: tl({ zh: '兑换码', en: 'Code' }), dataIndex: 'code', render: (c: string) => <span className="og-mono">{c}</span> },
                  { title: tl({ zh: '状态', en: 'Status' }), dataIndex: 'status', render: (s: Redemption['status']) => <RedemptionTag status={s} /> },
                  { title: tl({ zh: '兑换时间', en: 'At' }), dataIndex: 'createdAt', render: fmtTime },
                  { title: tl({ zh: '核销时间', en: 'Verified' }), dataIndex: 'verifiedAt', render: fmtTime },
                ]}
              />
            ),
          },
        ]}
      />
      <Modal
        open={open}
        title={tl({ zh: '新增兑换品', en: 'New reward' })}
        onCancel={() => setOpen(false)}
        confirmLoading={busy}
        onOk={async () => {
          const v = await validValues(form);
          if (!v) return;
          if (await run(() => api('/ledger/rewards', { method: 'POST', body: v }), tl({ zh: '已保存', en: 'Saved' }))) {
            setOpen(false);
            form.resetFields();
            rewards.reload();
          }
        }}
      >
        <Form form={form} layout="vertical" initialValues={{ kind: 'goods', stock: 10 }}>
          <Form.Item name="kind" label="类型"><Select options={(['room', 'goods'] as const).map((k) => ({ value: k, label: tl(REWARD_KINDS[k]) }))} /></Form.Item>
          <Form.Item name="name" label="名称" rules={[{ required: true }]}><Input /></Form.Item>
          <Form.Item name="description" label="说明"><Input.TextArea /></Form.Item>
          <Form.Item name="pointsCost" label="所需积分" rules={[{ required: true }]}><InputNumber min={1} /></Form.Item>
          <Form.Item name="stock" label="库存" rules={[{ required: true }]}><InputNumber min={0} /></Form.Item>
        </Form>
      </Modal>
    </Card>
  );
}
