import { useState } from 'react';
import { App, Button, Drawer, Table, Tag } from 'antd';
import dayjs from 'dayjs';
import { api } from '../../api';
import { errorText } from '../../errors';
import { useApi } from '../../hooks';
import { useI18n, type Localized } from '../../i18n';

export interface Account {
  id: string;
  currency: 'points' | 'time';
  ownerKind: 'resident' | 'partner' | 'merchant' | 'community';
  ownerId: string;
  name: string;
  nodePath: string;
  balance: number;
  lowerLimit: number;
  status: string;
}

export interface StatementLine {
  id: string;
  transferId: string;
  at: string;
  kind: string;
  memo: string;
  amount: number;
  balanceAfter: number;
  counterpartyName: string;
}

export interface Statement {
  account: Account;
  openingBalance: number;
  closingBalance: number;
  credit: number;
  debit: number;
  items: StatementLine[];
  total: number;
}

export interface Reward {
  id: string;
  kind: 'room' | 'goods' | 'coupon';
  name: string;
  description: string;
  pointsCost: number;
  stock: number;
  payeeName: string;
  payeeKind: string;
  nodePath: string;
  active: boolean;
}

export interface Redemption {
  id: string;
  rewardName: string;
  rewardKind: string;
  accountName: string;
  code: string;
  status: 'issued' | 'used' | 'cancelled';
  points: number;
  verifiedAt: string | null;
  createdAt: string;
}

export const OWNER_KINDS: Record<Account['ownerKind'], Localized> = {
  resident: { zh: '居民', en: 'Resident' },
  partner: { zh: '合伙人', en: 'Partner' },
  merchant: { zh: '商户', en: 'Merchant' },
  community: { zh: '社区', en: 'Community' },
};
export const CURRENCIES: Record<Account['currency'], Localized> = { points: { zh: '积分', en: 'Points' }, time: { zh: '时间', en: 'Time' } };
export const TRANSFER_KINDS: Record<string, Localized> = {
  grant: { zh: '服务积分', en: 'Earned' },
  redeem: { zh: '兑换', en: 'Redeemed' },
  transfer: { zh: '转账', en: 'Transfer' },
  family: { zh: '亲属转赠', en: 'Family gift' },
  reversal: { zh: '冲正', en: 'Reversal' },
  adjust: { zh: '调整', en: 'Adjustment' },
  project: { zh: '项目积分', en: 'Project' },
  timebank: { zh: '时间银行', en: 'Time bank' },
};
export const REWARD_KINDS: Record<Reward['kind'], Localized> = { room: { zh: '场地预约优先', en: 'Room priority' }, goods: { zh: '物品', en: 'Goods' }, coupon: { zh: '商户优惠券', en: 'Coupon' } };
export const REDEMPTION_STATUS: Record<Redemption['status'], { label: Localized; color: string }> = {
  issued: { label: { zh: '待核销', en: 'Issued' }, color: 'blue' },
  used: { label: { zh: '已核销', en: 'Used' }, color: 'green' },
  cancelled: { label: { zh: '已作废', en: 'Cancelled' }, color: 'default' },
};

export const fmtTime = (s: string | null | undefined) => (s ? dayjs(s).format('YYYY-MM-DD HH:mm') : '—');
/** Minutes shown as hours and minutes. */
export const fmtMinutes = (m: number) => `${m < 0 ? '-' : ''}${Math.floor(Math.abs(m) / 60)}小时${Math.abs(m) % 60 ? `${Math.abs(m) % 60}分` : ''}`;
export const fmtAmount = (a: Pick<Account, 'currency'>, n: number) => (a.currency === 'time' ? fmtMinutes(n) : `${n} 分`);

/** Runs an API call and reports success or the server's message. */
export function useAction() {
  const { message } = App.useApp();
  const { t } = useI18n();
  const [busy, setBusy] = useState(false);
  const run = async <T,>(fn: () => Promise<T>, ok?: string): Promise<T | undefined> => {
    setBusy(true);
    try {
      const r = await fn();
      if (ok) message.success(ok);
      return r;
    } catch (err) {
      message.error(errorText(err, t));
      return undefined;
    } finally {
      setBusy(false);
    }
  };
  return { run, busy, api };
}

/** An account's statement in a drawer: opening balance, lines, closing balance. */
export function StatementDrawer({ account, onClose }: { account: Account | null; onClose: () => void }) {
  const { tl } = useI18n();
  const [page, setPage] = useState(1);
  const s = useApi<Statement>(account ? `/ledger/accounts/${account.id}/statement` : null, { page, pageSize: 20 });
  return (
    <Drawer open={Boolean(account)} onClose={onClose} width={720} title={account ? `${account.name} · ${tl(CURRENCIES[account.currency])}${tl({ zh: '对账单', en: ' statement' })}` : ''}>
      {s.data && account && (
        <>
          <p data-testid="statement-summary">
            {tl({ zh: '期初', en: 'Opening' })} {fmtAmount(account, s.data.openingBalance)} · {tl({ zh: '收入', en: 'In' })} {fmtAmount(account, s.data.credit)} · {tl({ zh: '支出', en: 'Out' })} {fmtAmount(account, s.data.debit)} ·{' '}
            {tl({ zh: '期末', en: 'Closing' })} <b>{fmtAmount(account, s.data.closingBalance)}</b>
          </p>
          <Table
            rowKey="id"
            size="small"
            dataSource={s.data.items}
            pagination={{ current: page, pageSize: 20, total: s.data.total, onChange: setPage }}
            columns={[
              { title: tl({ zh: '时间', en: 'Time' }), dataIndex: 'at', render: fmtTime, width: 150 },
              { title: tl({ zh: '类型', en: 'Kind' }), dataIndex: 'kind', render: (k: string) => <Tag>{tl(TRANSFER_KINDS[k] ?? { zh: k, en: k })}</Tag>, width: 100 },
              { title: tl({ zh: '对方', en: 'Counterparty' }), dataIndex: 'counterpartyName' },
              { title: tl({ zh: '说明', en: 'Memo' }), dataIndex: 'memo' },
              { title: tl({ zh: '金额', en: 'Amount' }), dataIndex: 'amount', align: 'right', render: (n: number) => <span style={{ color: n > 0 ? '#389e0d' : '#cf1322' }}>{n > 0 ? '+' : ''}{account.currency === 'time' ? fmtMinutes(n) : n}</span> },
              { title: tl({ zh: '余额', en: 'Balance' }), dataIndex: 'balanceAfter', align: 'right', render: (n: number) => (account.currency === 'time' ? fmtMinutes(n) : n) },
            ]}
          />
        </>
      )}
    </Drawer>
  );
}

export function RedemptionTag({ status }: { status: Redemption['status'] }) {
  const { tl } = useI18n();
  return <Tag color={REDEMPTION_STATUS[status].color}>{tl(REDEMPTION_STATUS[status].label)}</Tag>;
}

export function ReloadButton({ onClick }: { onClick: () => void }) {
  const { tl } = useI18n();
  return <Button onClick={onClick}>{tl({ zh: '刷新', en: 'Refresh' })}</Button>;
}
