import { useState } from 'react';
import { Button, Card, Empty, List, Modal, Space, Statistic, Tabs, Tag } from 'antd';
import { useApi } from '../../hooks';
import { useI18n } from '../../i18n';
import type { PageResult } from '../../types';
import { REWARD_KINDS, RedemptionTag, StatementDrawer, fmtMinutes, fmtTime, useAction, type Account, type Redemption, type Reward } from './common';

/** H5 我的积分: points and stored hours, the rewards of my community, my redemption codes. */
export default function H5PointsPage() {
  const { tl } = useI18n();
  const { run, busy, api } = useAction();
  const accounts = useApi<Account[]>('/ledger/accounts/me');
  const rewards = useApi<Reward[]>('/ledger/rewards');
  const reds = useApi<PageResult<Redemption>>('/ledger/redemptions', { pageSize: 50 });
  const [statement, setStatement] = useState<Account | null>(null);
  const [issued, setIssued] = useState<Redemption | null>(null);
  const points = accounts.data?.find((a) => a.currency === 'points');
  const time = accounts.data?.find((a) => a.currency === 'time');
  return (
    <Space direction="vertical" style={{ width: '100%' }}>
      <Card>
        <Space size="large">
          <Statistic title="我的积分" value={points?.balance ?? 0} valueRender={(n) => <span data-testid="my-points">{n}</span>} />
          <Statistic title="时间银行" value={fmtMinutes(time?.balance ?? 0)} />
        </Space>
        <div>
          {points && <Button type="link" size="small" onClick={() => setStatement(points)}>积分明细</Button>}
          {time && <Button type="link" size="small" onClick={() => setStatement(time)}>时间明细</Button>}
        </div>
      </Card>
      <Tabs
        items={[
          {
            key: 'rewards',
            label: '积分兑换',
            children: (
              <List
                dataSource={rewards.data ?? []}
                locale={{ emptyText: <Empty description="暂无兑换品" /> }}
                renderItem={(w) => (
                  <List.Item
                    actions={[
                      <Button
                        key="r"
                        type="primary"
                        size="small"
                        loading={busy}
                        disabled={w.stock === 0 || (points?.balance ?? 0) < w.pointsCost}
                        onClick={async () => {
                          const r = await run(() => api<Redemption>(`/ledger/rewards/${w.id}/redeem`, { method: 'POST', body: {} }), '兑换成功');
                          if (r) {
                            setIssued(r);
                            accounts.reload();
                            rewards.reload();
                            reds.reload();
                          }
                        }}
                      >
                        兑换
                      </Button>,
                    ]}
                  >
                    <List.Item.Meta title={<>{w.name} <Tag>{tl(REWARD_KINDS[w.kind])}</Tag></>} description={`${w.pointsCost} 积分 · 剩余 ${w.stock} · ${w.payeeName}`} />
                  </List.Item>
                )}
              />
            ),
          },
          {
            key: 'codes',
            label: '我的兑换码',
            children: (
              <List
                dataSource={reds.data?.items ?? []}
                renderItem={(d) => (
                  <List.Item extra={<RedemptionTag status={d.status} />}>
                    <List.Item.Meta title={d.rewardName} description={<><b className="og-mono">{d.code}</b> · {fmtTime(d.createdAt)}</>} />
                  </List.Item>
                )}
              />
            ),
          },
        ]}
      />
      <Modal open={Boolean(issued)} title="兑换成功" footer={null} onCancel={() => setIssued(null)}>
        <p>{issued?.rewardName}</p>
        <p>请向商户或社区出示兑换码：<b className="og-mono">{issued?.code}</b></p>
      </Modal>
      <StatementDrawer account={statement} onClose={() => setStatement(null)} />
    </Space>
  );
}
