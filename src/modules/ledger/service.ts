import { randomInt } from 'node:crypto';
import type { AppContext } from '../../platform/context.js';
import { withTx } from '../../platform/context.js';
import type { Executor, Tx } from '../../platform/db/database.js';
import { hasRole, systemActor, type Actor } from '../../platform/auth/actor.js';
import { can, requirePermission } from '../../platform/auth/permissions.js';
import { assertPathInScope, pathWithin, scopeCoversPath, scopeOf } from '../../platform/auth/scope.js';
import { audit } from '../../platform/audit/audit.js';
import { AppError, conflict, forbidden, invalid, notFound } from '../../platform/errors.js';
import { newId } from '../../platform/ids.js';
import { getResident, listNodes } from '../org/index.js';
import {
  ledgerRepo,
  type AccountRow,
  type AppliesTo,
  type Currency,
  type OwnerKind,
  type Period,
  type RewardKind,
  type RewardRow,
  type RowScope,
  type RuleRow,
  type TransferKind,
  type TransferRow,
} from './repository.js';

export type { Currency, OwnerKind, TransferKind, Period, RewardKind } from './repository.js';

/** How far the community's issuing account may go below zero: it is where points and hours come from. */
export const COMMUNITY_LIMIT = -1_000_000_000;

export const OWNER_KIND_NAMES: Record<OwnerKind, string> = { resident: '居民', partner: '合伙人', merchant: '商户', community: '社区' };
export const CURRENCY_NAMES: Record<Currency, string> = { points: '积分', time: '时间（分钟）' };

// ---------------------------------------------------------------- helpers

/** The community path (district/street/community) a deeper org path belongs to. */
export function communityPathOf(path: string): string {
  const parts = path.split('/');
  if (parts.length < 3) throw invalid('该节点不属于任何社区');
  return parts.slice(0, 3).join('/');
}

interface CommunityRef {
  id: string;
  code: string;
  name: string;
  path: string;
}
const communityCache = new WeakMap<AppContext, Map<string, CommunityRef>>();

/** Community node by path (cached per app; reloaded on a miss). */
export async function communityByPath(ctx: AppContext, path: string): Promise<CommunityRef> {
  const cpath = communityPathOf(path);
  let m = communityCache.get(ctx);
  if (!m || !m.has(cpath)) {
    const nodes = await listNodes(ctx, systemActor(), { levels: ['community'], withGeometry: false });
    m = new Map(nodes.map((n) => [n.path, { id: n.id, code: n.code, name: n.name, path: n.path }]));
    communityCache.set(ctx, m);
  }
  const c = m.get(cpath);
  if (!c) throw invalid('社区不存在');
  return c;
}

export async function communityById(ctx: AppContext, id: string): Promise<CommunityRef> {
  const nodes = await listNodes(ctx, systemActor(), { levels: ['community'], withGeometry: false });
  const n = nodes.find((x) => x.id === id);
  if (!n) throw notFound('社区不存在');
  return { id: n.id, code: n.code, name: n.name, path: n.path };
}

/** Serialization failures and deadlocks are retried: the transaction is re-run from the start. */
export async function withRetry<T>(fn: () => Promise<T>, attempts = 8): Promise<T> {
  for (let i = 1; ; i++) {
    try {
      return await fn();
    } catch (err) {
      const code = (err as { code?: string }).code;
      if ((code === '40001' || code === '40P01') && i < attempts) {
        await new Promise((r) => setTimeout(r, Math.floor(Math.random() * 10 * i)));
        continue;
      }
      throw err;
    }
  }
}

/** Shanghai (UTC+8, no daylight saving) start of the period containing `now`. */
export function periodStart(now: Date, p: Period): Date {
  const s = new Date(now.getTime() + 8 * 3_600_000);
  const y = s.getUTCFullYear(),
    m = s.getUTCMonth(),
    d = s.getUTCDate();
  let t: number;
  if (p === 'year') t = Date.UTC(y, 0, 1);
  else if (p === 'month') t = Date.UTC(y, m, 1);
  else if (p === 'week') t = Date.UTC(y, m, d - ((s.getUTCDay() + 6) % 7));
  else t = Date.UTC(y, m, d);
  return new Date(t - 8 * 3_600_000);
}

// ---------------------------------------------------------------- accounts

export interface AccountView {
  id: string;
  currency: Currency;
  ownerKind: OwnerKind;
  ownerId: string;
  name: string;
  nodePath: string;
  balance: number;
  lowerLimit: number;
  status: string;
  createdAt: string;
}

export const viewAccount = (a: AccountRow): AccountView => ({
  id: a.id,
  currency: a.currency,
  ownerKind: a.owner_kind,
  ownerId: a.owner_id,
  name: a.name,
  nodePath: a.node_path,
  balance: Number(a.balance),
  lowerLimit: Number(a.lower_limit),
  status: a.status,
  createdAt: new Date(a.created_at).toISOString(),
});

const isOwnAccount = (actor: Actor, a: AccountRow) =>
  (a.owner_kind === 'resident' && actor.residentId !== null && a.owner_id === actor.residentId) || (a.holder_user_id !== null && a.holder_user_id === actor.userId);

/** Staff with ledger.read see accounts of their subtree; everyone sees their own. */
function canSeeAccount(actor: Actor, a: AccountRow): boolean {
  if (isOwnAccount(actor, a)) return true;
  return can(actor, 'ledger.read') && scopeCoversPath(actor, a.node_path);
}

export async function ownAccounts(ctx: AppContext, actor: Actor, db: Executor = ctx.db): Promise<AccountRow[]> {
  const out: AccountRow[] = [];
  if (actor.residentId) out.push(...(await ledgerRepo.accountsOfResident(db, actor.residentId)));
  if (actor.userId) for (const a of await ledgerRepo.accountsOfHolder(db, actor.userId)) if (!out.some((x) => x.id === a.id)) out.push(a);
  return out;
}

async function accountScope(ctx: AppContext, actor: Actor): Promise<RowScope> {
  if (can(actor, 'ledger.read')) {
    const s = scopeOf(actor);
    if (s.kind === 'all') return s;
    if (s.kind === 'subtree') return s;
  }
  return { kind: 'accounts', ids: (await ownAccounts(ctx, actor)).map((a) => a.id) };
}

/**
 * The community's issuing account in a currency, opened on first use in its own short transaction.
 * Call it before a transaction, never inside one: it reads the org tree through the org module
 * (on PGlite, one connection, a read outside the open transaction would wait for it forever).
 */
export async function communityAccount(ctx: AppContext, path: string, currency: Currency): Promise<AccountRow> {
  const c = await communityByPath(ctx, path);
  const existing = await ledgerRepo.accountByOwner(ctx.db, 'community', c.id, currency);
  if (existing) return existing;
  return openAccount(ctx, {
    id: newId(),
    currency,
    owner_kind: 'community',
    owner_id: c.id,
    holder_user_id: null,
    name: `${c.name}${currency === 'points' ? '积分池' : '时间池'}`,
    node_path: c.path,
    lower_limit: COMMUNITY_LIMIT,
    created_at: ctx.clock.now(),
  });
}

async function openAccount(ctx: AppContext, a: Omit<AccountRow, 'balance' | 'status'>): Promise<AccountRow> {
  return withTx(ctx, async (trx) => {
    const prior = await ledgerRepo.accountByOwner(trx, a.owner_kind, a.owner_id, a.currency);
    if (prior) return prior;
    const row = await ledgerRepo.ensureAccount(trx, a);
    await audit(trx, ctx.clock, systemActor(), { action: 'ledger.account.open', entity: 'ledger_account', entityId: row.id, after: viewAccount(row) });
    return row;
  });
}

/** A resident's account in a currency, opened on first use (call before a transaction, as above). */
export async function residentAccount(ctx: AppContext, residentId: string, currency: Currency): Promise<AccountRow> {
  const existing = await ledgerRepo.accountByOwner(ctx.db, 'resident', residentId, currency);
  if (existing) return existing;
  const r = await getResident(ctx, systemActor(), residentId).catch(() => null);
  if (!r) throw notFound('居民不存在');
  if (r.status !== 'resident') throw conflict('该居民已迁出或注销，不能开立账户');
  return openAccount(ctx, {
    id: newId(),
    currency,
    owner_kind: 'resident',
    owner_id: residentId,
    holder_user_id: null,
    name: r.name,
    node_path: r.nodePath,
    lower_limit: 0,
    created_at: ctx.clock.now(),
  });
}

/** Opens (or renames / rebinds) a partner's points account; a merchant's account is of kind merchant. */
export async function openPartnerAccount(
  ctx: AppContext,
  db: Executor,
  p: { partnerId: string; name: string; nodePath: string; merchant: boolean; holderUserId: string | null },
): Promise<AccountRow> {
  const kind: OwnerKind = p.merchant ? 'merchant' : 'partner';
  const existing = await ledgerRepo.accountByOwner(db, kind, p.partnerId, 'points');
  if (existing) {
    if (existing.holder_user_id !== p.holderUserId || existing.name !== p.name) await ledgerRepo.setHolder(db, kind, p.partnerId, p.holderUserId, p.name);
    return (await ledgerRepo.accountById(db, existing.id))!;
  }
  return ledgerRepo.ensureAccount(db, {
    id: newId(),
    currency: 'points',
    owner_kind: kind,
    owner_id: p.partnerId,
    holder_user_id: p.holderUserId,
    name: p.name,
    node_path: p.nodePath,
    lower_limit: 0,
    created_at: ctx.clock.now(),
  });
}

export async function partnerAccount(ctx: AppContext, db: Executor, partnerId: string): Promise<AccountRow | undefined> {
  return (await ledgerRepo.accountByOwner(db, 'partner', partnerId, 'points')) ?? (await ledgerRepo.accountByOwner(db, 'merchant', partnerId, 'points'));
}

export async function listAccounts(
  ctx: AppContext,
  actor: Actor,
  f: { currency?: Currency; ownerKind?: OwnerKind; nodeId?: string; q?: string; page: number; pageSize: number },
): Promise<{ items: AccountView[]; total: number; page: number; pageSize: number }> {
  const scope = await accountScope(ctx, actor);
  let underPath: string | undefined;
  if (f.nodeId) {
    const c = await communityById(ctx, f.nodeId).catch(() => null);
    if (!c) throw notFound('社区不存在');
    if (scope.kind !== 'accounts') assertPathInScope(actor, c.path);
    underPath = c.path;
  }
  const { rows, total } = await ledgerRepo.listAccounts(ctx.db, { scope, currency: f.currency, ownerKind: f.ownerKind, under: underPath, q: f.q, limit: f.pageSize, offset: (f.page - 1) * f.pageSize });
  return { items: rows.map(viewAccount), total, page: f.page, pageSize: f.pageSize };
}

export async function myAccounts(ctx: AppContext, actor: Actor): Promise<AccountView[]> {
  return (await ownAccounts(ctx, actor)).map(viewAccount);
}

async function visibleAccount(ctx: AppContext, actor: Actor, id: string): Promise<AccountRow> {
  const a = await ledgerRepo.accountById(ctx.db, id);
  if (!a || !canSeeAccount(actor, a)) throw notFound('账户不存在或无权查看');
  return a;
}

export async function getAccount(ctx: AppContext, actor: Actor, id: string): Promise<AccountView> {
  return viewAccount(await visibleAccount(ctx, actor, id));
}

export async function setAccountLimit(ctx: AppContext, actor: Actor, id: string, lowerLimit: number): Promise<AccountView> {
  requirePermission(actor, 'ledger.manage');
  return withTx(ctx, async (trx) => {
    const [a] = await ledgerRepo.lockAccounts(trx, [id]);
    if (!a || !scopeCoversPath(actor, a.node_path)) throw notFound('账户不存在或无权查看');
    if (a.owner_kind === 'community') throw conflict('社区账户的透支额度不可修改');
    if (Number(a.balance) < lowerLimit) throw conflict('当前余额已低于新的额度，不能调整');
    await ledgerRepo.setLimit(trx, id, lowerLimit);
    await audit(trx, ctx.clock, actor, { action: 'ledger.account.limit', entity: 'ledger_account', entityId: id, before: { lowerLimit: Number(a.lower_limit) }, after: { lowerLimit } });
    return viewAccount((await ledgerRepo.accountById(trx, id))!);
  });
}

// ---------------------------------------------------------------- transfers

export interface TransferInput {
  from: string;
  to: string;
  amount: number;
  currency: Currency;
  kind: TransferKind;
  memo?: string;
  idempotencyKey?: string | null;
  reversesId?: string | null;
  refKind?: string | null;
  refId?: string | null;
}

export interface TransferView {
  id: string;
  currency: Currency;
  fromAccountId: string;
  toAccountId: string;
  amount: number;
  kind: TransferKind;
  memo: string;
  idempotencyKey: string | null;
  reversesId: string | null;
  refKind: string | null;
  refId: string | null;
  createdAt: string;
}

export const viewTransfer = (t: TransferRow): TransferView => ({
  id: t.id,
  currency: t.currency,
  fromAccountId: t.from_account,
  toAccountId: t.to_account,
  amount: Number(t.amount),
  kind: t.kind,
  memo: t.memo,
  idempotencyKey: t.idempotency_key,
  reversesId: t.reverses_id,
  refKind: t.ref_kind,
  refId: t.ref_id,
  createdAt: new Date(t.created_at).toISOString(),
});

const sameRequest = (t: TransferRow, i: TransferInput) => t.from_account === i.from && t.to_account === i.to && Number(t.amount) === i.amount && t.currency === i.currency && t.kind === i.kind;

/**
 * Posts one transfer inside the caller's transaction: locks both accounts in id order, writes the
 * transfer and its two movements, moves the balances (the CHECK constraint refuses any balance under
 * its limit) and audits it. A repeated idempotency key returns the first transfer unchanged.
 */
export async function postTransfer(ctx: AppContext, trx: Tx, actor: Actor, input: TransferInput): Promise<{ transfer: TransferRow; replayed: boolean }> {
  if (!Number.isSafeInteger(input.amount) || input.amount <= 0) throw invalid('金额须为正整数', [{ field: 'amount', message: '须为正整数' }]);
  if (input.from === input.to) throw invalid('转出和转入账户不能相同');
  if (input.idempotencyKey) {
    const prior = await ledgerRepo.transferByKey(trx, input.idempotencyKey);
    if (prior) {
      if (!sameRequest(prior, input)) throw conflict('该幂等键已用于另一笔不同的转账');
      return { transfer: prior, replayed: true };
    }
  }
  const locked = await ledgerRepo.lockAccounts(trx, [input.from, input.to]);
  const from = locked.find((a) => a.id === input.from);
  const to = locked.find((a) => a.id === input.to);
  if (!from || !to) throw notFound('账户不存在');
  if (from.currency !== input.currency || to.currency !== input.currency) throw invalid('积分与时间是两种币种，不能互转');
  if (from.status !== 'active' || to.status !== 'active') throw conflict('账户已冻结');
  const now = ctx.clock.now();
  const t: TransferRow = {
    id: newId(),
    currency: input.currency,
    from_account: from.id,
    to_account: to.id,
    amount: input.amount,
    kind: input.kind,
    memo: input.memo ?? '',
    idempotency_key: input.idempotencyKey ?? null,
    reverses_id: input.reversesId ?? null,
    ref_kind: input.refKind ?? null,
    ref_id: input.refId ?? null,
    created_by: actor.userId,
    created_at: now,
  };
  if (!(await ledgerRepo.insertTransfer(trx, t))) {
    // another request with the same key committed while we waited for the locks
    const prior = (await ledgerRepo.transferByKey(trx, input.idempotencyKey!))!;
    if (!sameRequest(prior, input)) throw conflict('该幂等键已用于另一笔不同的转账');
    return { transfer: prior, replayed: true };
  }
  if (Number(from.balance) - input.amount < Number(from.lower_limit)) {
    throw new AppError('conflict', input.currency === 'points' ? '积分余额不足' : '时间余额不足', { balance: Number(from.balance), lowerLimit: Number(from.lower_limit), amount: input.amount });
  }
  let fromAfter: number, toAfter: number;
  try {
    fromAfter = await ledgerRepo.addToBalance(trx, from.id, -input.amount);
    toAfter = await ledgerRepo.addToBalance(trx, to.id, input.amount);
  } catch (err) {
    if ((err as { code?: string; constraint?: string }).code === '23514') throw conflict('余额不足', { constraint: (err as { constraint?: string }).constraint });
    throw err;
  }
  await ledgerRepo.insertMovements(trx, [
    { id: newId(), transfer_id: t.id, account_id: from.id, currency: t.currency, amount: -input.amount, balance_after: fromAfter, created_at: now },
    { id: newId(), transfer_id: t.id, account_id: to.id, currency: t.currency, amount: input.amount, balance_after: toAfter, created_at: now },
  ]);
  await audit(trx, ctx.clock, actor, {
    action: input.kind === 'reversal' ? 'ledger.reverse' : 'ledger.transfer',
    entity: 'ledger_transfer',
    entityId: t.id,
    after: { ...viewTransfer(t), from: { id: from.id, name: from.name, balanceAfter: fromAfter }, to: { id: to.id, name: to.name, balanceAfter: toAfter } },
  });
  return { transfer: t, replayed: false };
}

/** A manual transfer by staff (adjustment between two accounts of their area). */
export async function createTransfer(
  ctx: AppContext,
  actor: Actor,
  input: { fromAccountId: string; toAccountId: string; amount: number; memo: string; idempotencyKey?: string },
): Promise<{ transfer: TransferView; replayed: boolean }> {
  requirePermission(actor, 'ledger.approve');
  const [from, to] = await Promise.all([ledgerRepo.accountById(ctx.db, input.fromAccountId), ledgerRepo.accountById(ctx.db, input.toAccountId)]);
  if (!from || !canSeeAccount(actor, from) || !to || !canSeeAccount(actor, to)) throw notFound('账户不存在或无权查看');
  const r = await withRetry(() =>
    withTx(ctx, (trx) =>
      postTransfer(ctx, trx, actor, { from: from.id, to: to.id, amount: input.amount, currency: from.currency, kind: 'adjust', memo: input.memo, idempotencyKey: input.idempotencyKey ? `manual:${input.idempotencyKey}` : null }),
    ),
  );
  return { transfer: viewTransfer(r.transfer), replayed: r.replayed };
}

/** Posts the compensating transfer of `t` in the caller's transaction (no permission check). */
export async function postReversal(ctx: AppContext, trx: Tx, actor: Actor, transferId: string, memo: string): Promise<TransferRow> {
  const t = await ledgerRepo.transferById(trx, transferId);
  if (!t) throw notFound('转账记录不存在');
  if (t.kind === 'reversal') throw conflict('冲正记录不能再次冲正');
  if (await ledgerRepo.reversalOf(trx, transferId)) throw conflict('该笔转账已冲正');
  const r = await postTransfer(ctx, trx, actor, {
    from: t.to_account,
    to: t.from_account,
    amount: Number(t.amount),
    currency: t.currency,
    kind: 'reversal',
    memo: (memo || `冲正：${t.memo}`).slice(0, 200),
    reversesId: t.id,
    idempotencyKey: `reversal:${t.id}`,
    refKind: t.ref_kind,
    refId: t.ref_id,
  });
  if (t.kind === 'grant' && t.ref_kind === 'claim' && t.ref_id) {
    const account = (await ledgerRepo.accountById(trx, t.to_account))!;
    const event: GrantReversedEvent = { claimId: t.ref_id, transferId: t.id, reversalId: r.transfer.id, ownerKind: account.owner_kind, ownerId: account.owner_id, points: Number(t.amount), memo: r.transfer.memo };
    for (const h of grantReversedHandlers) await h(ctx, trx, event);
  }
  return r.transfer;
}

/** Reverses a transfer by a compensating transfer in the other direction; a transfer is reversed once. */
export async function reverseTransfer(ctx: AppContext, actor: Actor, id: string, memo: string): Promise<TransferView> {
  requirePermission(actor, 'ledger.approve');
  const t = await ledgerRepo.transferById(ctx.db, id);
  if (!t) throw notFound('转账记录不存在');
  const [a, b] = await Promise.all([ledgerRepo.accountById(ctx.db, t.from_account), ledgerRepo.accountById(ctx.db, t.to_account)]);
  if (!scopeCoversPath(actor, a!.node_path) && !scopeCoversPath(actor, b!.node_path)) throw notFound('转账记录不存在');
  if (t.ref_kind === 'redemption') throw conflict('兑换请通过“取消兑换”退回积分');
  const r = await withRetry(() => withTx(ctx, (trx) => postReversal(ctx, trx, actor, id, memo)));
  return viewTransfer(r);
}

export async function getTransfer(ctx: AppContext, actor: Actor, id: string): Promise<TransferView> {
  const t = await ledgerRepo.transferById(ctx.db, id);
  if (!t) throw notFound('转账记录不存在');
  const [a, b] = await Promise.all([ledgerRepo.accountById(ctx.db, t.from_account), ledgerRepo.accountById(ctx.db, t.to_account)]);
  if (!canSeeAccount(actor, a!) && !canSeeAccount(actor, b!)) throw notFound('转账记录不存在');
  return viewTransfer(t);
}

// ---------------------------------------------------------------- statements

export interface StatementLine {
  id: string;
  transferId: string;
  at: string;
  kind: TransferKind;
  memo: string;
  amount: number;
  balanceAfter: number;
  counterpartyId: string;
  counterpartyName: string;
  reversesId: string | null;
}

export async function statement(
  ctx: AppContext,
  actor: Actor,
  id: string,
  f: { from?: string; to?: string; page: number; pageSize: number },
): Promise<{ account: AccountView; openingBalance: number; closingBalance: number; credit: number; debit: number; items: StatementLine[]; total: number; page: number; pageSize: number }> {
  const a = await visibleAccount(ctx, actor, id);
  const from = f.from ? new Date(f.from + 'T00:00:00+08:00') : undefined;
  const to = f.to ? new Date(new Date(f.to + 'T00:00:00+08:00').getTime() + 86_400_000) : undefined;
  if (from && to && from >= to) throw invalid('起止日期不正确');
  const opening = from ? await ledgerRepo.balanceAt(ctx.db, id, from) : 0;
  const { rows, total, credit, debit } = await ledgerRepo.movements(ctx.db, id, { from, to, limit: f.pageSize, offset: (f.page - 1) * f.pageSize });
  return {
    account: viewAccount(a),
    openingBalance: opening,
    closingBalance: opening + credit - debit,
    credit,
    debit,
    items: rows.map((r) => ({
      id: r.id,
      transferId: r.transfer_id,
      at: new Date(r.created_at).toISOString(),
      kind: r.kind,
      memo: r.memo,
      amount: Number(r.amount),
      balanceAfter: Number(r.balance_after),
      counterpartyId: r.counterparty_id,
      counterpartyName: r.counterparty_name,
      reversesId: r.reverses_id,
    })),
    total,
    page: f.page,
    pageSize: f.pageSize,
  };
}

const KIND_NAMES: Record<TransferKind, string> = { grant: '服务积分', redeem: '兑换', transfer: '转账', family: '亲属转赠', reversal: '冲正', adjust: '调整', project: '项目积分', timebank: '时间银行' };
const OWNER_NAMES = OWNER_KIND_NAMES;

/** The community's monthly points report as an XLSX workbook (accounts sheet and transfers sheet). */
export async function monthlyReport(ctx: AppContext, actor: Actor, f: { month: string; communityId?: string; currency?: Currency }): Promise<{ filename: string; buffer: Buffer }> {
  requirePermission(actor, 'ledger.report');
  const m = /^(\d{4})-(\d{2})$/.exec(f.month);
  if (!m || Number(m[2]) < 1 || Number(m[2]) > 12) throw invalid('月份格式应为 YYYY-MM');
  const y = Number(m[1]),
    mo = Number(m[2]);
  const from = new Date(Date.UTC(y, mo - 1, 1) - 8 * 3_600_000);
  const to = new Date(Date.UTC(y, mo, 1) - 8 * 3_600_000);
  let path: string;
  let title: string;
  if (f.communityId) {
    const c = await communityById(ctx, f.communityId);
    assertPathInScope(actor, c.path);
    path = c.path;
    title = c.name;
  } else {
    const s = scopeOf(actor);
    if (s.kind === 'subtree') path = s.path;
    else if (s.kind === 'all') path = actor.nodePath ?? '';
    else throw forbidden();
    if (!path) throw invalid('请选择社区');
    title = path.split('/').length >= 3 ? (await communityByPath(ctx, path)).name : '全街道';
  }
  const currency = f.currency ?? 'points';
  const [accounts, transfers] = await Promise.all([ledgerRepo.monthlyReport(ctx.db, path, currency, from, to), ledgerRepo.transfersInRange(ctx.db, path, currency, from, to)]);
  const { default: ExcelJS } = await import('exceljs');
  const wb = new ExcelJS.Workbook();
  wb.creator = 'OneGrid';
  wb.created = ctx.clock.now();
  const unit = currency === 'points' ? '积分' : '分钟';
  const s1 = wb.addWorksheet('账户汇总');
  s1.addRow([`${title} ${f.month} ${currency === 'points' ? '积分' : '时间'}月报`]);
  s1.addRow(['账户', '类型', `本月收入（${unit}）`, `本月支出（${unit}）`, '本月笔数', `当前余额（${unit}）`]);
  let tc = 0,
    td = 0;
  for (const a of accounts) {
    s1.addRow([a.name, OWNER_NAMES[a.owner_kind], Number(a.credit), Number(a.debit), Number(a.movements), Number(a.balance)]);
    tc += Number(a.credit);
    td += Number(a.debit);
  }
  s1.addRow(['合计', '', tc, td, '', '']);
  s1.getRow(1).font = { bold: true, size: 14 };
  s1.getRow(2).font = { bold: true };
  s1.columns.forEach((c, i) => (c.width = i === 0 ? 28 : 16));
  const s2 = wb.addWorksheet('转账明细');
  s2.addRow(['时间', '类型', '转出', '转入', `数额（${unit}）`, '说明']);
  s2.getRow(1).font = { bold: true };
  const fmt = (d: Date) => new Date(new Date(d).getTime() + 8 * 3_600_000).toISOString().slice(0, 16).replace('T', ' ');
  for (const t of transfers) s2.addRow([fmt(t.created_at), KIND_NAMES[t.kind], t.from_name, t.to_name, Number(t.amount), t.memo]);
  s2.columns.forEach((c, i) => (c.width = [18, 10, 24, 24, 12, 40][i] ?? 12));
  const buffer = Buffer.from(await wb.xlsx.writeBuffer());
  return { filename: `points-report-${f.month}.xlsx`, buffer };
}

// ---------------------------------------------------------------- earning rules and claims

export interface RuleView {
  id: string;
  code: string;
  action: string;
  points: number;
  period: Period;
  periodCap: number | null;
  appliesTo: AppliesTo;
  description: string;
  active: boolean;
}
const viewRule = (r: RuleRow): RuleView => ({ id: r.id, code: r.code, action: r.action, points: r.points, period: r.period, periodCap: r.period_cap, appliesTo: r.applies_to, description: r.description, active: r.active });

export async function listRules(ctx: AppContext, _actor: Actor, activeOnly: boolean): Promise<RuleView[]> {
  return (await ledgerRepo.rules(ctx.db, activeOnly)).map(viewRule);
}

export interface RuleInput {
  code: string;
  action: string;
  points: number;
  period: Period;
  periodCap?: number | null;
  appliesTo: AppliesTo;
  description?: string;
  active?: boolean;
}

export async function createRule(ctx: AppContext, actor: Actor, input: RuleInput): Promise<RuleView> {
  return (await createRules(ctx, actor, [input]))[0]!;
}

/**
 * Earning rules belong to no community: one rule applies to every community of the street, so a
 * community admin (who holds ledger.manage for their own rewards and accounts) may not change them.
 */
function assertStreetRules(actor: Actor): void {
  requirePermission(actor, 'ledger.manage');
  if (!hasRole(actor, 'street_admin', 'admin')) throw forbidden('积分规则全街道通用，仅街道管理员可以维护');
}

/** Creates earning rules in one transaction. */
export async function createRules(ctx: AppContext, actor: Actor, inputs: RuleInput[]): Promise<RuleView[]> {
  assertStreetRules(actor);
  for (const input of inputs)
    if (input.periodCap != null && input.periodCap < input.points) throw invalid('周期上限不能小于单次积分', [{ field: 'periodCap', message: '不能小于单次积分' }]);
  return withTx(ctx, async (trx) => {
    const out: RuleView[] = [];
    for (const input of inputs) {
      if (await ledgerRepo.ruleByCode(trx, input.code)) throw conflict(`规则编码 ${input.code} 已存在`);
      const now = ctx.clock.now();
      const row: RuleRow = {
        id: newId(),
        code: input.code,
        action: input.action,
        points: input.points,
        period: input.period,
        period_cap: input.periodCap ?? null,
        applies_to: input.appliesTo,
        description: input.description ?? '',
        active: input.active ?? true,
        created_at: now,
        updated_at: now,
      };
      await ledgerRepo.insertRule(trx, row);
      out.push(viewRule(row));
    }
    for (const r of out) await audit(trx, ctx.clock, actor, { action: 'ledger.rule.create', entity: 'ledger_rule', entityId: r.id, after: r });
    return out;
  });
}

export async function updateRule(ctx: AppContext, actor: Actor, id: string, patch: Partial<Omit<RuleInput, 'code'>>): Promise<RuleView> {
  assertStreetRules(actor);
  return withTx(ctx, async (trx) => {
    const r = await ledgerRepo.ruleById(trx, id);
    if (!r) throw notFound('积分规则不存在');
    const next = { ...r };
    if (patch.action !== undefined) next.action = patch.action;
    if (patch.points !== undefined) next.points = patch.points;
    if (patch.period !== undefined) next.period = patch.period;
    if (patch.periodCap !== undefined) next.period_cap = patch.periodCap;
    if (patch.appliesTo !== undefined) next.applies_to = patch.appliesTo;
    if (patch.description !== undefined) next.description = patch.description;
    if (patch.active !== undefined) next.active = patch.active;
    if (next.period_cap != null && next.period_cap < next.points) throw invalid('周期上限不能小于单次积分', [{ field: 'periodCap', message: '不能小于单次积分' }]);
    next.updated_at = ctx.clock.now();
    await ledgerRepo.updateRule(trx, id, { action: next.action, points: next.points, period: next.period, period_cap: next.period_cap, applies_to: next.applies_to, description: next.description, active: next.active, updated_at: next.updated_at });
    await audit(trx, ctx.clock, actor, { action: 'ledger.rule.update', entity: 'ledger_rule', entityId: id, before: viewRule(r), after: viewRule(next) });
    return viewRule(next);
  });
}

export interface ClaimView {
  id: string;
  ruleId: string;
  ruleAction: string;
  accountId: string;
  accountName: string;
  points: number;
  note: string;
  occurredOn: string;
  status: string;
  reviewNote: string | null;
  reviewedAt: string | null;
  transferId: string | null;
  createdAt: string;
}

const ownerKindMatches = (applies: AppliesTo, k: OwnerKind) => applies === 'any' || (applies === 'resident' ? k === 'resident' : k === 'partner' || k === 'merchant');

/**
 * A service that happened (a legal consultation, a donation, a volunteer shift), submitted for
 * points. Residents and partners submit for their own account; staff enter one for an account of
 * their area (e.g. after a visit). Points are granted only when staff approve it.
 */
export async function submitClaim(ctx: AppContext, actor: Actor, input: { ruleId: string; accountId?: string; residentId?: string; occurredOn?: string; note: string }): Promise<ClaimView> {
  const rule = await ledgerRepo.ruleById(ctx.db, input.ruleId);
  if (!rule || !rule.active) throw notFound('积分规则不存在或已停用');
  let account: AccountRow | undefined;
  if (input.residentId) {
    requirePermission(actor, 'ledger.approve');
    const r = await getResident(ctx, systemActor(), input.residentId).catch(() => null);
    if (!r || !scopeCoversPath(actor, r.nodePath)) throw notFound('居民不存在或无权查看');
    account = await residentAccount(ctx, input.residentId, 'points');
  } else if (input.accountId) {
    account = await ledgerRepo.accountById(ctx.db, input.accountId);
    if (!account || !canSeeAccount(actor, account)) throw notFound('账户不存在或无权查看');
    if (!isOwnAccount(actor, account)) requirePermission(actor, 'ledger.approve');
  } else {
    const own = (await ownAccounts(ctx, actor)).filter((a) => a.currency === 'points' && a.owner_kind !== 'community');
    account = own.find((a) => a.owner_kind !== 'resident') ?? own[0];
    if (!account && actor.residentId) account = await residentAccount(ctx, actor.residentId, 'points');
    if (!account) throw invalid('您没有可以记入积分的账户');
  }
  const acc = account;
  return withTx(ctx, async (trx) => {
    const account = acc;
    if (account.currency !== 'points') throw invalid('积分只能记入积分账户');
    if (account.owner_kind === 'community') throw invalid('社区账户不能申领服务积分');
    if (!ownerKindMatches(rule.applies_to, account.owner_kind)) throw invalid(`该规则仅适用于${rule.applies_to === 'resident' ? '居民' : '合伙人'}`);
    const now = ctx.clock.now();
    const occurredOn = input.occurredOn ?? new Date(now.getTime() + 8 * 3_600_000).toISOString().slice(0, 10);
    if (new Date(occurredOn + 'T00:00:00+08:00') > now) throw invalid('服务日期不能晚于今天', [{ field: 'occurredOn', message: '不能晚于今天' }]);
    const row = {
      id: newId(),
      rule_id: rule.id,
      account_id: account.id,
      node_path: account.node_path,
      points: rule.points,
      note: input.note,
      occurred_on: occurredOn,
      status: 'pending' as const,
      submitted_by: actor.userId,
      reviewed_by: null,
      reviewed_at: null,
      review_note: null,
      transfer_id: null,
      created_at: now,
    };
    await ledgerRepo.insertClaim(trx, row);
    await audit(trx, ctx.clock, actor, { action: 'ledger.claim.submit', entity: 'ledger_claim', entityId: row.id, after: { ...row, rule: rule.code } });
    return { id: row.id, ruleId: rule.id, ruleAction: rule.action, accountId: account.id, accountName: account.name, points: row.points, note: row.note, occurredOn, status: 'pending', reviewNote: null, reviewedAt: null, transferId: null, createdAt: now.toISOString() };
  });
}

export async function listClaims(ctx: AppContext, actor: Actor, f: { status?: string; page: number; pageSize: number }): Promise<{ items: ClaimView[]; total: number; page: number; pageSize: number }> {
  const scope = await accountScope(ctx, actor);
  const { rows, total } = await ledgerRepo.listClaims(ctx.db, { scope, status: f.status, limit: f.pageSize, offset: (f.page - 1) * f.pageSize });
  return {
    items: rows.map((c) => ({
      id: c.id,
      ruleId: c.rule_id,
      ruleAction: c.rule_action,
      accountId: c.account_id,
      accountName: c.account_name,
      points: c.points,
      note: c.note,
      occurredOn: c.occurred_on,
      status: c.status,
      reviewNote: c.review_note,
      reviewedAt: c.reviewed_at ? new Date(c.reviewed_at).toISOString() : null,
      transferId: c.transfer_id,
      createdAt: new Date(c.created_at).toISOString(),
    })),
    total,
    page: f.page,
    pageSize: f.pageSize,
  };
}

/** What other modules learn, inside the approving transaction, when a claim's points are granted. */
export interface ClaimGrantedEvent {
  claimId: string;
  transferId: string;
  accountId: string;
  ownerKind: OwnerKind;
  ownerId: string;
  points: number;
  ruleCode: string;
  ruleAction: string;
  note: string;
}

/** Runs in the same transaction as the grant: a failure rolls the approval back, and nothing runs unless the grant commits. */
export type ClaimGrantedHandler = (ctx: AppContext, trx: Tx, e: ClaimGrantedEvent) => Promise<void>;

const claimGrantedHandlers = new Set<ClaimGrantedHandler>();

/**
 * Subscribes to granted claims (e.g. partners put the points on a partner's credit record). The
 * ledger knows nothing of its subscribers; they register when their module is loaded, so the demo
 * seed's approvals are seen too. Returns the unsubscribe function.
 */
export function onClaimGranted(handler: ClaimGrantedHandler): () => void {
  claimGrantedHandlers.add(handler);
  return () => claimGrantedHandlers.delete(handler);
}

/** A claim's grant was reversed (冲正): subscribers take back what they derived from it, in the same transaction. */
export interface GrantReversedEvent {
  claimId: string;
  transferId: string;
  reversalId: string;
  ownerKind: OwnerKind;
  ownerId: string;
  points: number;
  memo: string;
}
export type GrantReversedHandler = (ctx: AppContext, trx: Tx, e: GrantReversedEvent) => Promise<void>;
const grantReversedHandlers = new Set<GrantReversedHandler>();

/** Subscribes to reversals of claim grants (the counterpart of onClaimGranted). */
export function onClaimGrantReversed(handler: GrantReversedHandler): () => void {
  grantReversedHandlers.add(handler);
  return () => grantReversedHandlers.delete(handler);
}

/** Staff confirm (or reject) that the service happened; approval grants the points within the rule's cap. */
export async function reviewClaim(ctx: AppContext, actor: Actor, id: string, input: { approve: boolean; note?: string }): Promise<{ id: string; status: string; transferId: string | null; points: number }> {
  requirePermission(actor, 'ledger.approve');
  const c0 = await ledgerRepo.claimById(ctx.db, id);
  if (!c0 || !scopeCoversPath(actor, c0.node_path)) throw notFound('积分申请不存在或无权查看');
  const pool = c0.status === 'pending' && input.approve ? await communityAccount(ctx, c0.node_path, 'points') : null;
  return withRetry(() =>
    withTx(ctx, async (trx) => {
      const c = await ledgerRepo.claimById(trx, id, true);
      if (!c || !scopeCoversPath(actor, c.node_path)) throw notFound('积分申请不存在或无权查看');
      if (c.status !== 'pending') throw conflict('该申请已审核');
      const now = ctx.clock.now();
      if (!input.approve) {
        await ledgerRepo.updateClaim(trx, id, { status: 'rejected', reviewed_by: actor.userId, reviewed_at: now, review_note: input.note ?? null });
        await audit(trx, ctx.clock, actor, { action: 'ledger.claim.reject', entity: 'ledger_claim', entityId: id, before: { status: c.status }, after: { status: 'rejected', note: input.note ?? null } });
        return { id, status: 'rejected', transferId: null, points: 0 };
      }
      const rule = (await ledgerRepo.ruleById(trx, c.rule_id))!;
      if (!pool) throw conflict('该申请已审核');
      // Lock both accounts (in id order) before counting, so two approvals cannot both pass the cap.
      await ledgerRepo.lockAccounts(trx, [pool.id, c.account_id]);
      if (rule.period_cap != null) {
        const granted = await ledgerRepo.grantedSince(trx, c.account_id, rule.id, periodStart(now, rule.period));
        if (granted + c.points > rule.period_cap) {
          const names: Record<Period, string> = { day: '今日', week: '本周', month: '本月', year: '本年' };
          throw conflict(`已达「${rule.action}」${names[rule.period]}积分上限（${rule.period_cap} 分，已得 ${granted} 分）`, { cap: rule.period_cap, granted });
        }
      }
      await ledgerRepo.updateClaim(trx, id, { status: 'approved', reviewed_by: actor.userId, reviewed_at: now, review_note: input.note ?? null });
      const { transfer } = await postTransfer(ctx, trx, actor, {
        from: pool.id,
        to: c.account_id,
        amount: c.points,
        currency: 'points',
        kind: 'grant',
        memo: `${rule.action}${c.note ? '：' + c.note : ''}`.slice(0, 200),
        idempotencyKey: `claim:${id}`,
        refKind: 'claim',
        refId: id,
      });
      await ledgerRepo.updateClaim(trx, id, { transfer_id: transfer.id });
      const account = (await ledgerRepo.accountById(trx, c.account_id))!;
      const event: ClaimGrantedEvent = { claimId: id, transferId: transfer.id, accountId: account.id, ownerKind: account.owner_kind, ownerId: account.owner_id, points: c.points, ruleCode: rule.code, ruleAction: rule.action, note: c.note };
      for (const h of claimGrantedHandlers) await h(ctx, trx, event);
      await audit(trx, ctx.clock, actor, { action: 'ledger.claim.approve', entity: 'ledger_claim', entityId: id, before: { status: c.status }, after: { status: 'approved', transferId: transfer.id, points: c.points } });
      return { id, status: 'approved', transferId: transfer.id, points: c.points };
    }),
  );
}

// ---------------------------------------------------------------- rewards and redemptions

export interface RewardView {
  id: string;
  kind: RewardKind;
  name: string;
  description: string;
  pointsCost: number;
  stock: number;
  payeeAccountId: string;
  payeeName: string;
  payeeKind: OwnerKind;
  nodePath: string;
  active: boolean;
}

export async function listRewards(ctx: AppContext, actor: Actor, f: { kind?: RewardKind; all?: boolean }): Promise<RewardView[]> {
  const s = scopeOf(actor);
  let path: string | undefined;
  const manage = can(actor, 'ledger.manage');
  if (s.kind === 'subtree') path = s.path;
  else if (s.kind === 'self' && actor.residentId) {
    const r = await getResident(ctx, systemActor(), actor.residentId).catch(() => null);
    path = r?.nodePath;
  }
  const rows = await ledgerRepo.listRewards(ctx.db, { path, activeOnly: !(manage && f.all), kind: f.kind });
  return rows.map((w) => ({
    id: w.id,
    kind: w.kind,
    name: w.name,
    description: w.description,
    pointsCost: w.points_cost,
    stock: w.stock,
    payeeAccountId: w.payee_account_id,
    payeeName: w.payee_name,
    payeeKind: w.payee_kind,
    nodePath: w.node_path,
    active: w.active,
  }));
}

export interface RewardInput {
  kind: RewardKind;
  name: string;
  description?: string;
  pointsCost: number;
  stock: number;
  communityId?: string;
  payeeAccountId?: string;
}

export async function createReward(ctx: AppContext, actor: Actor, input: RewardInput): Promise<{ id: string }> {
  return (await createRewards(ctx, actor, [input]))[0]!;
}

/** Creates rewards in one transaction (the payee defaults to the community's pool). */
export async function createRewards(ctx: AppContext, actor: Actor, inputs: RewardInput[]): Promise<Array<{ id: string }>> {
  requirePermission(actor, 'ledger.manage');
  const now = ctx.clock.now();
  const rows: RewardRow[] = [];
  for (const input of inputs) {
    let path: string;
    if (input.communityId) path = (await communityById(ctx, input.communityId)).path;
    else if (actor.nodePath && actor.nodePath.split('/').length >= 3) path = communityPathOf(actor.nodePath);
    else throw invalid('请选择社区', [{ field: 'communityId', message: '为必填项' }]);
    assertPathInScope(actor, path);
    let payee: AccountRow | undefined;
    if (input.payeeAccountId) {
      payee = await ledgerRepo.accountById(ctx.db, input.payeeAccountId);
      if (!payee || payee.currency !== 'points') throw invalid('收款账户不存在', [{ field: 'payeeAccountId', message: '须为积分账户' }]);
    } else payee = await communityAccount(ctx, path, 'points');
    if (input.kind === 'coupon' && payee.owner_kind !== 'merchant') throw invalid('商户优惠券须指定商户账户', [{ field: 'payeeAccountId', message: '须为商户账户' }]);
    if (payee.owner_kind === 'resident') throw invalid('居民账户不能作为兑换收款方');
    rows.push({ id: newId(), kind: input.kind, name: input.name, description: input.description ?? '', points_cost: input.pointsCost, stock: input.stock, payee_account_id: payee.id, node_path: path, active: true, created_at: now, updated_at: now });
  }
  return withTx(ctx, async (trx) => {
    for (const row of rows) await ledgerRepo.insertReward(trx, row);
    for (const row of rows) await audit(trx, ctx.clock, actor, { action: 'ledger.reward.create', entity: 'ledger_reward', entityId: row.id, after: row });
    return rows.map((r) => ({ id: r.id }));
  });
}

export async function updateReward(ctx: AppContext, actor: Actor, id: string, patch: { name?: string; description?: string; pointsCost?: number; stock?: number; active?: boolean }): Promise<{ id: string }> {
  requirePermission(actor, 'ledger.manage');
  return withTx(ctx, async (trx) => {
    const w = await ledgerRepo.rewardById(trx, id, true);
    if (!w || !scopeCoversPath(actor, w.node_path)) throw notFound('兑换品不存在');
    const set: Record<string, unknown> = { updated_at: ctx.clock.now() };
    if (patch.name !== undefined) set.name = patch.name;
    if (patch.description !== undefined) set.description = patch.description;
    if (patch.pointsCost !== undefined) set.points_cost = patch.pointsCost;
    if (patch.stock !== undefined) set.stock = patch.stock;
    if (patch.active !== undefined) set.active = patch.active;
    await ledgerRepo.updateReward(trx, id, set);
    await audit(trx, ctx.clock, actor, { action: 'ledger.reward.update', entity: 'ledger_reward', entityId: id, before: w, after: { ...w, ...set } });
    return { id };
  });
}

export interface RedemptionView {
  id: string;
  rewardId: string;
  rewardName: string;
  rewardKind: string;
  accountId: string;
  accountName: string;
  code: string;
  status: string;
  points: number;
  transferId: string;
  verifiedAt: string | null;
  createdAt: string;
}

const CODE_ALPHABET = 'ABCDEFGHJKLMNPQRSTUVWXYZ23456789';
/** 12 random characters (60 bits) shown as XXXX-XXXX-XXXX. */
export function newRedemptionCode(): string {
  let s = '';
  for (let i = 0; i < 12; i++) s += CODE_ALPHABET[randomInt(CODE_ALPHABET.length)];
  return `${s.slice(0, 4)}-${s.slice(4, 8)}-${s.slice(8)}`;
}
export const normaliseCode = (c: string) => {
  const s = c.toUpperCase().replace(/[^A-Z0-9]/g, '');
  return s.length === 12 ? `${s.slice(0, 4)}-${s.slice(4, 8)}-${s.slice(8)}` : s;
};

class Replayed extends Error {
  constructor(readonly transferId: string) {
    super('replayed');
  }
}

/** Redeems a reward with the caller's points: takes one from stock, moves the points to the payee, issues a code. */
export async function redeem(ctx: AppContext, actor: Actor, rewardId: string, input: { accountId?: string; idempotencyKey?: string }): Promise<RedemptionView & { replayed: boolean }> {
  const own = (await ownAccounts(ctx, actor)).filter((a) => a.currency === 'points' && a.owner_kind !== 'community');
  const account = input.accountId ? own.find((a) => a.id === input.accountId) : own.find((a) => a.owner_kind === 'resident') ?? own[0];
  if (!account) throw (input.accountId ? notFound('账户不存在或无权查看') : conflict('您还没有积分账户'));
  const key = input.idempotencyKey ? `redeem:${account.id}:${input.idempotencyKey}` : null;
  const replay = async (transferId: string) => {
    const d = await ctx.db.selectFrom('ledger_redemptions').select('id').where('transfer_id', '=', transferId).executeTakeFirstOrThrow();
    return { ...(await getRedemption(ctx, actor, d.id)), replayed: true };
  };
  if (key) {
    const prior = await ledgerRepo.transferByKey(ctx.db, key);
    if (prior) return replay(prior.id);
  }
  try {
    const id = await withRetry(() =>
      withTx(ctx, async (trx) => {
        const w = await ledgerRepo.rewardById(trx, rewardId);
        if (!w || !w.active) throw notFound('兑换品不存在或已下架');
        if (account.owner_kind === 'resident' && !pathWithin(account.node_path, w.node_path) && !pathWithin(w.node_path, communityPathOf(account.node_path))) throw notFound('兑换品不存在或已下架');
        if (w.payee_account_id === account.id) throw conflict('不能兑换自己提供的兑换品');
        const now = ctx.clock.now();
        if (!(await ledgerRepo.takeStock(trx, w.id, now))) throw conflict('库存不足，已兑完');
        const id = newId();
        const { transfer, replayed } = await postTransfer(ctx, trx, actor, {
          from: account.id,
          to: w.payee_account_id,
          amount: w.points_cost,
          currency: 'points',
          kind: 'redeem',
          memo: `兑换：${w.name}`,
          idempotencyKey: key,
          refKind: 'redemption',
          refId: id,
        });
        if (replayed) throw new Replayed(transfer.id);
        const code = newRedemptionCode();
        await ledgerRepo.insertRedemption(trx, {
          id,
          reward_id: w.id,
          account_id: account.id,
          code,
          status: 'issued',
          points: w.points_cost,
          transfer_id: transfer.id,
          reversal_id: null,
          verified_by: null,
          verified_at: null,
          node_path: account.node_path,
          created_at: now,
        });
        await audit(trx, ctx.clock, actor, { action: 'ledger.redeem', entity: 'ledger_redemption', entityId: id, after: { rewardId: w.id, reward: w.name, accountId: account.id, points: w.points_cost, transferId: transfer.id, stockLeft: w.stock - 1 } });
        return id;
      }),
    );
    return { ...(await getRedemption(ctx, actor, id)), replayed: false };
  } catch (err) {
    if (err instanceof Replayed) return replay(err.transferId);
    throw err;
  }
}

async function loadRedemptionView(ctx: AppContext, id: string) {
  return ctx.db
    .selectFrom('ledger_redemptions as d')
    .innerJoin('ledger_rewards as w', 'w.id', 'd.reward_id')
    .innerJoin('ledger_accounts as a', 'a.id', 'd.account_id')
    .selectAll('d')
    .select(['w.name as reward_name', 'w.kind as reward_kind', 'w.payee_account_id', 'a.name as account_name'])
    .where('d.id', '=', id)
    .executeTakeFirst();
}

type RedemptionJoined = NonNullable<Awaited<ReturnType<typeof loadRedemptionView>>>;
const viewRedemption = (d: Pick<RedemptionJoined, 'id' | 'reward_id' | 'reward_name' | 'reward_kind' | 'account_id' | 'account_name' | 'code' | 'status' | 'points' | 'transfer_id' | 'verified_at' | 'created_at'>, showCode: boolean): RedemptionView => ({
  id: d.id,
  rewardId: d.reward_id,
  rewardName: d.reward_name,
  rewardKind: d.reward_kind,
  accountId: d.account_id,
  accountName: d.account_name,
  code: showCode ? d.code : d.code.slice(0, 4) + '-****-****',
  status: d.status,
  points: d.points,
  transferId: d.transfer_id,
  verifiedAt: d.verified_at ? new Date(d.verified_at).toISOString() : null,
  createdAt: new Date(d.created_at).toISOString(),
});

/** The redeemer sees the full code; the merchant and staff see it masked (they verify what the resident shows). */
export async function getRedemption(ctx: AppContext, actor: Actor, id: string): Promise<RedemptionView> {
  const d = await loadRedemptionView(ctx, id);
  if (!d) throw notFound('兑换记录不存在');
  const acc = (await ledgerRepo.accountById(ctx.db, d.account_id))!;
  const payee = (await ledgerRepo.accountById(ctx.db, d.payee_account_id))!;
  const own = isOwnAccount(actor, acc);
  if (!own && !isOwnAccount(actor, payee) && !(can(actor, 'ledger.read') && scopeCoversPath(actor, d.node_path))) throw notFound('兑换记录不存在');
  return viewRedemption(d, own);
}

export async function listRedemptions(ctx: AppContext, actor: Actor, f: { status?: string; page: number; pageSize: number }): Promise<{ items: RedemptionView[]; total: number; page: number; pageSize: number }> {
  const scope = await accountScope(ctx, actor);
  const ownIds = scope.kind === 'accounts' ? scope.ids : [];
  const payees = scope.kind === 'accounts' ? (await ownAccounts(ctx, actor)).filter((a) => a.owner_kind === 'merchant' || a.owner_kind === 'partner').map((a) => a.id) : [];
  const { rows, total } = await ledgerRepo.listRedemptions(ctx.db, { scope: scope.kind === 'accounts' ? { kind: 'accounts', ids: ownIds.filter((i) => !payees.includes(i)) } : scope, payeeAccountIds: payees, status: f.status, limit: f.pageSize, offset: (f.page - 1) * f.pageSize });
  const mine = new Set(ownIds);
  return { items: rows.map((d) => viewRedemption(d, mine.has(d.account_id))), total, page: f.page, pageSize: f.pageSize };
}

/** A merchant (or staff for the community's own rewards) verifies a code; a code is accepted once. */
export async function verifyCode(ctx: AppContext, actor: Actor, rawCode: string): Promise<RedemptionView> {
  requirePermission(actor, 'ledger.verify');
  const code = normaliseCode(rawCode);
  return withTx(ctx, async (trx) => {
    const d = await ledgerRepo.redemptionByCode(trx, code);
    if (!d) throw notFound('兑换码不存在');
    const w = (await ledgerRepo.rewardById(trx, d.reward_id))!;
    const payee = (await ledgerRepo.accountById(trx, w.payee_account_id))!;
    const mayVerify = isOwnAccount(actor, payee) || (payee.owner_kind === 'community' && scopeCoversPath(actor, w.node_path) && scopeOf(actor).kind !== 'self') || scopeOf(actor).kind === 'all';
    if (!mayVerify) throw notFound('兑换码不存在');
    const used = await ledgerRepo.useCode(trx, code, actor.userId, ctx.clock.now());
    if (!used) throw conflict(d.status === 'used' ? '兑换码已核销，不能重复使用' : '兑换码已作废', { status: d.status });
    await audit(trx, ctx.clock, actor, { action: 'ledger.redemption.verify', entity: 'ledger_redemption', entityId: d.id, before: { status: d.status }, after: { status: 'used' } });
    const acc = (await ledgerRepo.accountById(trx, d.account_id))!;
    return viewRedemption({ ...used, reward_name: w.name, reward_kind: w.kind, account_name: acc.name }, false);
  });
}

/** Cancels an unused code: the points go back by a compensating transfer and the stock is restored. */
export async function cancelRedemption(ctx: AppContext, actor: Actor, id: string): Promise<RedemptionView> {
  const d0 = await loadRedemptionView(ctx, id);
  if (!d0) throw notFound('兑换记录不存在');
  const acc = (await ledgerRepo.accountById(ctx.db, d0.account_id))!;
  const own = isOwnAccount(actor, acc);
  if (!own && !(can(actor, 'ledger.approve') && scopeCoversPath(actor, d0.node_path))) throw notFound('兑换记录不存在');
  await withRetry(() =>
    withTx(ctx, async (trx) => {
      const d = (await ledgerRepo.redemptionById(trx, id))!;
      if (d.status !== 'issued') throw conflict('只有未核销的兑换可以取消');
      await ledgerRepo.returnStock(trx, d.reward_id, ctx.clock.now());
      const rev = await postReversal(ctx, trx, actor, d.transfer_id, '取消兑换，积分退回');
      if (!(await ledgerRepo.cancelRedemption(trx, id, rev.id))) throw conflict('只有未核销的兑换可以取消');
      await audit(trx, ctx.clock, actor, { action: 'ledger.redemption.cancel', entity: 'ledger_redemption', entityId: id, before: { status: 'issued' }, after: { status: 'cancelled', reversalId: rev.id } });
    }),
  );
  return getRedemption(ctx, actor, id);
}
