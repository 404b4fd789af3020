import { sql, type Selectable } from 'kysely';
import type { Executor } from '../../platform/db/database.js';
import type { Timestamp } from '../../platform/db/schema.js';
import { likePrefix } from '../../platform/auth/scope.js';

export type Currency = 'points' | 'time';
export type OwnerKind = 'resident' | 'partner' | 'merchant' | 'community';
export type TransferKind = 'grant' | 'redeem' | 'transfer' | 'family' | 'reversal' | 'adjust' | 'project' | 'timebank';

export interface LedgerAccountsTable {
  id: string;
  currency: Currency;
  owner_kind: OwnerKind;
  owner_id: string;
  holder_user_id: string | null;
  name: string;
  node_path: string;
  balance: number;
  lower_limit: number;
  status: 'active' | 'frozen';
  created_at: Timestamp;
}

export interface LedgerTransfersTable {
  id: string;
  currency: Currency;
  from_account: string;
  to_account: string;
  amount: number;
  kind: TransferKind;
  memo: string;
  idempotency_key: string | null;
  reverses_id: string | null;
  ref_kind: string | null;
  ref_id: string | null;
  created_by: string | null;
  created_at: Timestamp;
}

export interface LedgerMovementsTable {
  id: string;
  transfer_id: string;
  account_id: string;
  currency: Currency;
  amount: number;
  balance_after: number;
  created_at: Timestamp;
}

export type Period = 'day' | 'week' | 'month' | 'year';
export type AppliesTo = 'resident' | 'partner' | 'any';

export interface LedgerEarningRulesTable {
  id: string;
  code: string;
  action: string;
  points: number;
  period: Period;
  period_cap: number | null;
  applies_to: AppliesTo;
  description: string;
  active: boolean;
  created_at: Timestamp;
  updated_at: Timestamp;
}

export interface LedgerEarningClaimsTable {
  id: string;
  rule_id: string;
  account_id: string;
  node_path: string;
  points: number;
  note: string;
  occurred_on: string;
  status: 'pending' | 'approved' | 'rejected';
  submitted_by: string | null;
  reviewed_by: string | null;
  reviewed_at: Timestamp | null;
  review_note: string | null;
  transfer_id: string | null;
  created_at: Timestamp;
}

export type RewardKind = 'room' | 'goods' | 'coupon';

export interface LedgerRewardsTable {
  id: string;
  kind: RewardKind;
  name: string;
  description: string;
  points_cost: number;
  stock: number;
  payee_account_id: string;
  node_path: string;
  active: boolean;
  created_at: Timestamp;
  updated_at: Timestamp;
}

export interface LedgerRedemptionsTable {
  id: string;
  reward_id: string;
  account_id: string;
  code: string;
  status: 'issued' | 'used' | 'cancelled';
  points: number;
  transfer_id: string;
  reversal_id: string | null;
  verified_by: string | null;
  verified_at: Timestamp | null;
  node_path: string;
  created_at: Timestamp;
}

export interface TimebankPostsTable {
  id: string;
  kind: 'offer' | 'request';
  category: string;
  title: string;
  description: string;
  resident_id: string;
  resident_name: string;
  node_path: string;
  minutes: number;
  use_own_hours: boolean;
  status: 'open' | 'matched' | 'done' | 'cancelled';
  created_at: Timestamp;
  updated_at: Timestamp;
}

export interface TimebankExchangesTable {
  id: string;
  request_id: string;
  offer_id: string | null;
  volunteer_id: string;
  volunteer_name: string;
  recipient_id: string;
  node_path: string;
  minutes: number | null;
  status: 'matched' | 'confirmed' | 'cancelled';
  confirmed_by: string | null;
  confirmed_at: Timestamp | null;
  transfer_id: string | null;
  created_at: Timestamp;
}

declare module '../../platform/db/schema.js' {
  interface DB {
    ledger_accounts: LedgerAccountsTable;
    ledger_transfers: LedgerTransfersTable;
    ledger_movements: LedgerMovementsTable;
    ledger_earning_rules: LedgerEarningRulesTable;
    ledger_earning_claims: LedgerEarningClaimsTable;
    ledger_rewards: LedgerRewardsTable;
    ledger_redemptions: LedgerRedemptionsTable;
    timebank_posts: TimebankPostsTable;
    timebank_exchanges: TimebankExchangesTable;
  }
}

export type AccountRow = Selectable<LedgerAccountsTable>;
export type TransferRow = Selectable<LedgerTransfersTable>;
export type MovementRow = Selectable<LedgerMovementsTable>;
export type RuleRow = Selectable<LedgerEarningRulesTable>;
export type ClaimRow = Selectable<LedgerEarningClaimsTable>;
export type RewardRow = Selectable<LedgerRewardsTable>;
export type RedemptionRow = Selectable<LedgerRedemptionsTable>;
export type PostRow = Selectable<TimebankPostsTable>;
export type ExchangeRow = Selectable<TimebankExchangesTable>;

/** A row filter the service derives from the caller's data scope. */
export type RowScope = { kind: 'all' } | { kind: 'subtree'; path: string } | { kind: 'accounts'; ids: string[] } | { kind: 'none' };

/** `col = path OR col LIKE 'path/%'` */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export const under = (eb: any, col: string, path: string) => eb.or([eb(col, '=', path), eb(col, 'like', likePrefix(path) + '/%')]);

export const ledgerRepo = {
  // ------------------------------------------------------------ accounts
  async accountById(db: Executor, id: string): Promise<AccountRow | undefined> {
    return db.selectFrom('ledger_accounts').selectAll().where('id', '=', id).executeTakeFirst();
  },
  async accountByOwner(db: Executor, ownerKind: OwnerKind, ownerId: string, currency: Currency): Promise<AccountRow | undefined> {
    return db.selectFrom('ledger_accounts').selectAll().where('owner_kind', '=', ownerKind).where('owner_id', '=', ownerId).where('currency', '=', currency).executeTakeFirst();
  },
  async accountsByOwnerIds(db: Executor, ownerIds: string[]): Promise<AccountRow[]> {
    if (!ownerIds.length) return [];
    return db.selectFrom('ledger_accounts').selectAll().where('owner_id', 'in', ownerIds).execute();
  },
  async accountsOfHolder(db: Executor, userId: string): Promise<AccountRow[]> {
    return db.selectFrom('ledger_accounts').selectAll().where('holder_user_id', '=', userId).orderBy('currency').execute();
  },
  async accountsOfResident(db: Executor, residentId: string): Promise<AccountRow[]> {
    return db.selectFrom('ledger_accounts').selectAll().where('owner_kind', '=', 'resident').where('owner_id', '=', residentId).orderBy('currency').execute();
  },
  /** Inserts the account unless the owner already has one in that currency; returns the account either way. */
  async ensureAccount(db: Executor, a: Omit<AccountRow, 'balance' | 'status'>): Promise<AccountRow> {
    await db
      .insertInto('ledger_accounts')
      .values({ ...a, balance: 0, status: 'active' })
      .onConflict((oc) => oc.columns(['owner_kind', 'owner_id', 'currency']).doNothing())
      .execute();
    return (await ledgerRepo.accountByOwner(db, a.owner_kind, a.owner_id, a.currency))!;
  },
  async setHolder(db: Executor, ownerKind: OwnerKind, ownerId: string, holder: string | null, name?: string): Promise<void> {
    const set: Record<string, unknown> = { holder_user_id: holder };
    if (name) set.name = name;
    await db.updateTable('ledger_accounts').set(set).where('owner_kind', '=', ownerKind).where('owner_id', '=', ownerId).execute();
  },
  async setLimit(db: Executor, id: string, lowerLimit: number): Promise<void> {
    await db.updateTable('ledger_accounts').set({ lower_limit: lowerLimit }).where('id', '=', id).execute();
  },
  async listAccounts(
    db: Executor,
    f: { scope: RowScope; currency?: Currency; ownerKind?: OwnerKind; under?: string; q?: string; limit: number; offset: number },
  ): Promise<{ rows: AccountRow[]; total: number }> {
    const s = f.scope;
    if (s.kind === 'none' || (s.kind === 'accounts' && s.ids.length === 0)) return { rows: [], total: 0 };
    let q = db.selectFrom('ledger_accounts');
    if (s.kind === 'subtree') q = q.where((eb) => under(eb, 'node_path', s.path));
    if (s.kind === 'accounts') q = q.where('id', 'in', s.ids);
    if (f.under) {
      const u = f.under;
      q = q.where((eb) => under(eb, 'node_path', u));
    }
    if (f.currency) q = q.where('currency', '=', f.currency);
    if (f.ownerKind) q = q.where('owner_kind', '=', f.ownerKind);
    if (f.q) q = q.where('name', 'like', '%' + likePrefix(f.q) + '%');
    const [rows, total] = await Promise.all([
      q.selectAll().orderBy('owner_kind').orderBy('name').orderBy('id').limit(f.limit).offset(f.offset).execute(),
      q.select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow(),
    ]);
    return { rows, total: Number(total.n) };
  },
  /** Locks the accounts in id order (the one order every transaction uses, so none deadlock). */
  async lockAccounts(db: Executor, ids: string[]): Promise<AccountRow[]> {
    return db.selectFrom('ledger_accounts').selectAll().where('id', 'in', ids).orderBy('id').forNoKeyUpdate().execute();
  },
  async addToBalance(db: Executor, id: string, delta: number): Promise<number> {
    const r = await db
      .updateTable('ledger_accounts')
      .set({ balance: sql`balance + ${delta}` })
      .where('id', '=', id)
      .returning('balance')
      .executeTakeFirstOrThrow();
    return Number(r.balance);
  },

  // ------------------------------------------------------------ transfers and movements
  /** Inserts the transfer unless its idempotency key exists; true when inserted. */
  async insertTransfer(db: Executor, t: TransferRow): Promise<boolean> {
    const r = await db
      .insertInto('ledger_transfers')
      .values(t)
      .onConflict((oc) => oc.column('idempotency_key').doNothing())
      .returning('id')
      .executeTakeFirst();
    return Boolean(r);
  },
  async transferById(db: Executor, id: string): Promise<TransferRow | undefined> {
    return db.selectFrom('ledger_transfers').selectAll().where('id', '=', id).executeTakeFirst();
  },
  async transferByKey(db: Executor, key: string): Promise<TransferRow | undefined> {
    return db.selectFrom('ledger_transfers').selectAll().where('idempotency_key', '=', key).executeTakeFirst();
  },
  async reversalOf(db: Executor, id: string): Promise<TransferRow | undefined> {
    return db.selectFrom('ledger_transfers').selectAll().where('reverses_id', '=', id).executeTakeFirst();
  },
  async insertMovements(db: Executor, rows: MovementRow[]): Promise<void> {
    await db.insertInto('ledger_movements').values(rows).execute();
  },
  async movements(db: Executor, accountId: string, f: { from?: Date; to?: Date; limit: number; offset: number }) {
    let q = db
      .selectFrom('ledger_movements as m')
      .innerJoin('ledger_transfers as t', 't.id', 'm.transfer_id')
      .innerJoin('ledger_accounts as o', (j) => j.on(sql<boolean>`o.id = CASE WHEN m.amount < 0 THEN t.to_account ELSE t.from_account END`))
      .where('m.account_id', '=', accountId);
    if (f.from) q = q.where('m.created_at', '>=', f.from);
    if (f.to) q = q.where('m.created_at', '<', f.to);
    const [rows, total] = await Promise.all([
      q
        .select(['m.id', 'm.transfer_id', 'm.amount', 'm.balance_after', 'm.created_at', 't.kind', 't.memo', 't.reverses_id', 'o.id as counterparty_id', 'o.name as counterparty_name'])
        .orderBy('m.created_at', 'desc')
        .orderBy('m.id', 'desc')
        .limit(f.limit)
        .offset(f.offset)
        .execute(),
      q
        .select((eb) => [
          eb.fn.countAll<number>().as('n'),
          sql<number>`coalesce(sum(case when m.amount > 0 then m.amount else 0 end), 0)`.as('credit'),
          sql<number>`coalesce(sum(case when m.amount < 0 then -m.amount else 0 end), 0)`.as('debit'),
        ])
        .executeTakeFirstOrThrow(),
    ]);
    return { rows, total: Number(total.n), credit: Number(total.credit), debit: Number(total.debit) };
  },
  async balanceAt(db: Executor, accountId: string, before: Date): Promise<number> {
    const r = await db
      .selectFrom('ledger_movements')
      .select((eb) => eb.fn.coalesce(eb.fn.sum<number>('amount'), sql<number>`0`).as('s'))
      .where('account_id', '=', accountId)
      .where('created_at', '<', before)
      .executeTakeFirstOrThrow();
    return Number(r.s);
  },
  /** Per account of a subtree: points in and out during [from, to), and the balance now. */
  async monthlyReport(db: Executor, path: string, currency: Currency, from: Date, to: Date) {
    return db
      .selectFrom('ledger_accounts as a')
      .leftJoin('ledger_movements as m', (j) => j.onRef('m.account_id', '=', 'a.id').on('m.created_at', '>=', from).on('m.created_at', '<', to))
      .where((eb) => under(eb, 'a.node_path', path))
      .where('a.currency', '=', currency)
      .groupBy(['a.id', 'a.name', 'a.owner_kind', 'a.balance', 'a.node_path'])
      .select([
        'a.id',
        'a.name',
        'a.owner_kind',
        'a.balance',
        'a.node_path',
        sql<number>`coalesce(sum(case when m.amount > 0 then m.amount else 0 end), 0)`.as('credit'),
        sql<number>`coalesce(sum(case when m.amount < 0 then -m.amount else 0 end), 0)`.as('debit'),
        sql<number>`count(m.id)`.as('movements'),
      ])
      .orderBy('a.owner_kind')
      .orderBy('a.name')
      .execute();
  },
  async transfersInRange(db: Executor, path: string, currency: Currency, from: Date, to: Date) {
    return db
      .selectFrom('ledger_transfers as t')
      .innerJoin('ledger_accounts as f', 'f.id', 't.from_account')
      .innerJoin('ledger_accounts as r', 'r.id', 't.to_account')
      .where('t.currency', '=', currency)
      .where('t.created_at', '>=', from)
      .where('t.created_at', '<', to)
      .where((eb) => eb.or([under(eb, 'f.node_path', path), under(eb, 'r.node_path', path)]))
      .select(['t.id', 't.created_at', 't.kind', 't.amount', 't.memo', 'f.name as from_name', 'r.name as to_name'])
      .orderBy('t.created_at')
      .orderBy('t.id')
      .execute();
  },

  // ------------------------------------------------------------ earning rules and claims
  async rules(db: Executor, activeOnly: boolean): Promise<RuleRow[]> {
    let q = db.selectFrom('ledger_earning_rules').selectAll();
    if (activeOnly) q = q.where('active', '=', true);
    return q.orderBy('code').execute();
  },
  async ruleById(db: Executor, id: string): Promise<RuleRow | undefined> {
    return db.selectFrom('ledger_earning_rules').selectAll().where('id', '=', id).executeTakeFirst();
  },
  async ruleByCode(db: Executor, code: string): Promise<RuleRow | undefined> {
    return db.selectFrom('ledger_earning_rules').selectAll().where('code', '=', code).executeTakeFirst();
  },
  async insertRule(db: Executor, r: RuleRow): Promise<void> {
    await db.insertInto('ledger_earning_rules').values(r).execute();
  },
  async updateRule(db: Executor, id: string, patch: Partial<RuleRow>): Promise<void> {
    await db.updateTable('ledger_earning_rules').set(patch).where('id', '=', id).execute();
  },
  async insertClaim(db: Executor, c: ClaimRow): Promise<void> {
    await db.insertInto('ledger_earning_claims').values(c).execute();
  },
  async claimById(db: Executor, id: string, lock = false): Promise<ClaimRow | undefined> {
    let q = db.selectFrom('ledger_earning_claims').selectAll().where('id', '=', id);
    if (lock) q = q.forUpdate();
    return q.executeTakeFirst();
  },
  async updateClaim(db: Executor, id: string, patch: Partial<ClaimRow>): Promise<void> {
    await db.updateTable('ledger_earning_claims').set(patch).where('id', '=', id).execute();
  },
  async listClaims(db: Executor, f: { scope: RowScope; status?: string; limit: number; offset: number }) {
    const s = f.scope;
    if (s.kind === 'none' || (s.kind === 'accounts' && s.ids.length === 0)) return { rows: [], total: 0 };
    let q = db
      .selectFrom('ledger_earning_claims as c')
      .innerJoin('ledger_earning_rules as r', 'r.id', 'c.rule_id')
      .innerJoin('ledger_accounts as a', 'a.id', 'c.account_id');
    if (s.kind === 'subtree') q = q.where((eb) => under(eb, 'c.node_path', s.path));
    if (s.kind === 'accounts') q = q.where('c.account_id', 'in', s.ids);
    if (f.status) q = q.where('c.status', '=', f.status as ClaimRow['status']);
    const [rows, total] = await Promise.all([
      q.selectAll('c').select(['r.action as rule_action', 'r.code as rule_code', 'a.name as account_name']).orderBy('c.created_at', 'desc').orderBy('c.id', 'desc').limit(f.limit).offset(f.offset).execute(),
      q.select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow(),
    ]);
    return { rows, total: Number(total.n) };
  },
  /** Points already granted to the account under the rule since `since` (approved claims). */
  async grantedSince(db: Executor, accountId: string, ruleId: string, since: Date): Promise<number> {
    const r = await db
      .selectFrom('ledger_earning_claims')
      .select((eb) => eb.fn.coalesce(eb.fn.sum<number>('points'), sql<number>`0`).as('s'))
      .where('account_id', '=', accountId)
      .where('rule_id', '=', ruleId)
      .where('status', '=', 'approved')
      .where('reviewed_at', '>=', since)
      .executeTakeFirstOrThrow();
    return Number(r.s);
  },

  // ------------------------------------------------------------ rewards and redemptions
  async listRewards(db: Executor, f: { path?: string; activeOnly: boolean; kind?: RewardKind }) {
    let q = db.selectFrom('ledger_rewards as w').innerJoin('ledger_accounts as p', 'p.id', 'w.payee_account_id').selectAll('w').select(['p.name as payee_name', 'p.owner_kind as payee_kind']);
    if (f.activeOnly) q = q.where('w.active', '=', true);
    if (f.kind) q = q.where('w.kind', '=', f.kind);
    if (f.path) {
      // rewards of the caller's community and of the street above it
      const p = f.path;
      q = q.where((eb) => eb.or([under(eb, 'w.node_path', p), sql<boolean>`${p} LIKE w.node_path || '/%'`]));
    }
    return q.orderBy('w.points_cost').orderBy('w.name').execute();
  },
  async rewardById(db: Executor, id: string, lock = false): Promise<RewardRow | undefined> {
    let q = db.selectFrom('ledger_rewards').selectAll().where('id', '=', id);
    if (lock) q = q.forUpdate();
    return q.executeTakeFirst();
  },
  async insertReward(db: Executor, r: RewardRow): Promise<void> {
    await db.insertInto('ledger_rewards').values(r).execute();
  },
  async updateReward(db: Executor, id: string, patch: Partial<RewardRow>): Promise<void> {
    await db.updateTable('ledger_rewards').set(patch).where('id', '=', id).execute();
  },
  /** Takes one from stock; false when none is left. */
  async takeStock(db: Executor, id: string, at: Date): Promise<boolean> {
    const r = await db
      .updateTable('ledger_rewards')
      .set({ stock: sql`stock - 1`, updated_at: at })
      .where('id', '=', id)
      .where('stock', '>', 0)
      .where('active', '=', true)
      .returning('id')
      .executeTakeFirst();
    return Boolean(r);
  },
  async returnStock(db: Executor, id: string, at: Date): Promise<void> {
    await db.updateTable('ledger_rewards').set({ stock: sql`stock + 1`, updated_at: at }).where('id', '=', id).execute();
  },
  async insertRedemption(db: Executor, r: RedemptionRow): Promise<void> {
    await db.insertInto('ledger_redemptions').values(r).execute();
  },
  async redemptionById(db: Executor, id: string) {
    return db.selectFrom('ledger_redemptions').selectAll().where('id', '=', id).executeTakeFirst();
  },
  async redemptionByCode(db: Executor, code: string) {
    return db.selectFrom('ledger_redemptions').selectAll().where('code', '=', code).executeTakeFirst();
  },
  /** Marks an issued code used; false when it was not issued (already used, cancelled, unknown). */
  async useCode(db: Executor, code: string, by: string | null, at: Date): Promise<RedemptionRow | undefined> {
    return db
      .updateTable('ledger_redemptions')
      .set({ status: 'used', verified_by: by, verified_at: at })
      .where('code', '=', code)
      .where('status', '=', 'issued')
      .returningAll()
      .executeTakeFirst();
  },
  async cancelRedemption(db: Executor, id: string, reversalId: string): Promise<boolean> {
    const r = await db.updateTable('ledger_redemptions').set({ status: 'cancelled', reversal_id: reversalId }).where('id', '=', id).where('status', '=', 'issued').returning('id').executeTakeFirst();
    return Boolean(r);
  },
  async listRedemptions(db: Executor, f: { scope: RowScope; payeeAccountIds?: string[]; status?: string; limit: number; offset: number }) {
    const s = f.scope;
    let q = db
      .selectFrom('ledger_redemptions as d')
      .innerJoin('ledger_rewards as w', 'w.id', 'd.reward_id')
      .innerJoin('ledger_accounts as a', 'a.id', 'd.account_id');
    if (s.kind === 'none') return { rows: [], total: 0 };
    if (s.kind === 'subtree') q = q.where((eb) => under(eb, 'd.node_path', s.path));
    if (s.kind === 'accounts') {
      const payees = f.payeeAccountIds ?? [];
      if (!s.ids.length && !payees.length) return { rows: [], total: 0 };
      q = q.where((eb) => eb.or([...(s.ids.length ? [eb('d.account_id', 'in', s.ids)] : []), ...(payees.length ? [eb('w.payee_account_id', 'in', payees)] : [])]));
    }
    if (f.status) q = q.where('d.status', '=', f.status as RedemptionRow['status']);
    const [rows, total] = await Promise.all([
      q.selectAll('d').select(['w.name as reward_name', 'w.kind as reward_kind', 'a.name as account_name', 'w.payee_account_id']).orderBy('d.created_at', 'desc').orderBy('d.id', 'desc').limit(f.limit).offset(f.offset).execute(),
      q.select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow(),
    ]);
    return { rows, total: Number(total.n) };
  },

  // ------------------------------------------------------------ time bank
  async insertPost(db: Executor, p: PostRow): Promise<void> {
    await db.insertInto('timebank_posts').values(p).execute();
  },
  async postById(db: Executor, id: string, lock = false): Promise<PostRow | undefined> {
    let q = db.selectFrom('timebank_posts').selectAll().where('id', '=', id);
    if (lock) q = q.forUpdate();
    return q.executeTakeFirst();
  },
  async setPostStatus(db: Executor, id: string, status: PostRow['status'], at: Date): Promise<void> {
    await db.updateTable('timebank_posts').set({ status, updated_at: at }).where('id', '=', id).execute();
  },
  async listPosts(db: Executor, f: { path: string | null; residentId?: string; kind?: 'offer' | 'request'; category?: string; status?: string; limit: number; offset: number }) {
    let q = db.selectFrom('timebank_posts');
    if (f.path) {
      const p = f.path;
      q = q.where((eb) => under(eb, 'node_path', p));
    }
    if (f.residentId) q = q.where('resident_id', '=', f.residentId);
    if (f.kind) q = q.where('kind', '=', f.kind);
    if (f.category) q = q.where('category', '=', f.category);
    if (f.status) q = q.where('status', '=', f.status as PostRow['status']);
    const [rows, total] = await Promise.all([
      q.selectAll().orderBy('created_at', 'desc').orderBy('id', 'desc').limit(f.limit).offset(f.offset).execute(),
      q.select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow(),
    ]);
    return { rows, total: Number(total.n) };
  },
  async insertExchange(db: Executor, e: ExchangeRow): Promise<void> {
    await db.insertInto('timebank_exchanges').values(e).execute();
  },
  async exchangeById(db: Executor, id: string, lock = false): Promise<ExchangeRow | undefined> {
    let q = db.selectFrom('timebank_exchanges').selectAll().where('id', '=', id);
    if (lock) q = q.forUpdate();
    return q.executeTakeFirst();
  },
  async updateExchange(db: Executor, id: string, patch: Partial<ExchangeRow>): Promise<void> {
    await db.updateTable('timebank_exchanges').set(patch).where('id', '=', id).execute();
  },
  async listExchanges(db: Executor, f: { path: string | null; residentId?: string; status?: string; limit: number; offset: number }) {
    let q = db.selectFrom('timebank_exchanges as e').innerJoin('timebank_posts as r', 'r.id', 'e.request_id');
    if (f.path) {
      const p = f.path;
      q = q.where((eb) => under(eb, 'e.node_path', p));
    }
    if (f.residentId) {
      const rid = f.residentId;
      q = q.where((eb) => eb.or([eb('e.volunteer_id', '=', rid), eb('e.recipient_id', '=', rid)]));
    }
    if (f.status) q = q.where('e.status', '=', f.status as ExchangeRow['status']);
    const [rows, total] = await Promise.all([
      q.selectAll('e').select(['r.title as request_title', 'r.category', 'r.resident_name as recipient_name']).orderBy('e.created_at', 'desc').orderBy('e.id', 'desc').limit(f.limit).offset(f.offset).execute(),
      q.select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow(),
    ]);
    return { rows, total: Number(total.n) };
  },
  /** Minutes each volunteer has served (confirmed), for ranking matches. */
  async servedMinutes(db: Executor, residentIds: string[]): Promise<Map<string, number>> {
    if (!residentIds.length) return new Map();
    const rows = await db
      .selectFrom('timebank_exchanges')
      .select(['volunteer_id', (eb) => eb.fn.sum<number>('minutes').as('m')])
      .where('volunteer_id', 'in', residentIds)
      .where('status', '=', 'confirmed')
      .groupBy('volunteer_id')
      .execute();
    return new Map(rows.map((r) => [r.volunteer_id, Number(r.m)]));
  },
};
