import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApp, type TestApp } from '../../../test/helpers.js';
import { systemActor } from '../../platform/auth/actor.js';
import { AppError } from '../../platform/errors.js';
import { listResidents } from '../org/index.js';
import { communityAccount, createTransfer, residentAccount, setAccountLimit } from './service.js';

/**
 * The ledger's promises under load: 1,000 concurrent transfers between 50 accounts, on whichever
 * database the project runs (PGlite serialises; PostgreSQL runs them on a pool of connections).
 */
let t: TestApp;
const sys = systemActor();
const accounts: string[] = [];
let limits = new Map<string, number>();

function rng(seed: number) {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let x = s;
    x = Math.imul(x ^ (x >>> 15), x | 1);
    x ^= x + Math.imul(x ^ (x >>> 7), x | 61);
    return ((x ^ (x >>> 14)) >>> 0) / 4294967296;
  };
}

beforeAll(async () => {
  t = await startTestApp();
  const ctx = t.og.ctx;
  const residents = (await listResidents(ctx, sys, { page: 1, pageSize: 50, status: 'resident' })).items;
  expect(residents.length).toBe(50);
  for (const r of residents) {
    const a = await residentAccount(ctx, r.id, 'points');
    accounts.push(a.id);
    // fund every account from the community pool so that the load starts from known balances;
    // first take away whatever the demo seed gave, so each starts at exactly 100
    const pool = await communityAccount(ctx, r.nodePath, 'points');
    if (Number(a.balance) > 0) await createTransfer(ctx, sys, { fromAccountId: a.id, toAccountId: pool.id, amount: Number(a.balance), memo: '清零' });
    await createTransfer(ctx, sys, { fromAccountId: pool.id, toAccountId: a.id, amount: 100, memo: '初始积分' });
  }
  // ten accounts may overdraw by 50
  for (const id of accounts.slice(0, 10)) await setAccountLimit(ctx, sys, id, -50);
  const rows = await ctx.db.selectFrom('ledger_accounts').select(['id', 'lower_limit']).where('id', 'in', accounts).execute();
  limits = new Map(rows.map((r) => [r.id, Number(r.lower_limit)]));
});
afterAll(async () => t?.close());

describe('1,000 concurrent transfers between 50 accounts', () => {
  it('leave every balance equal to its movements, the total at zero and no balance under its limit', async () => {
    const ctx = t.og.ctx;
    const rand = rng(909);
    const jobs = Array.from({ length: 1000 }, (_, i) => {
      const a = accounts[Math.floor(rand() * accounts.length)]!;
      let b = accounts[Math.floor(rand() * accounts.length)]!;
      if (b === a) b = accounts[(accounts.indexOf(a) + 1) % accounts.length]!;
      const amount = 1 + Math.floor(rand() * 70);
      return { a, b, amount, key: `load-${i}` };
    });
    const results = await Promise.allSettled(jobs.map((j) => createTransfer(ctx, sys, { fromAccountId: j.a, toAccountId: j.b, amount: j.amount, memo: '压力测试', idempotencyKey: j.key })));
    const ok = results.filter((r) => r.status === 'fulfilled');
    const failed = results.filter((r): r is PromiseRejectedResult => r.status === 'rejected');
    // every refusal is the limit (a 409 conflict), never a database error
    for (const f of failed) {
      expect(f.reason).toBeInstanceOf(AppError);
      expect((f.reason as AppError).kind).toBe('conflict');
    }
    expect(ok.length + failed.length).toBe(1000);
    expect(ok.length).toBeGreaterThan(100);
    expect(failed.length).toBeGreaterThan(0);

    // transfers written = successes; each wrote exactly two movements that cancel out
    const written = await ctx.db.selectFrom('ledger_transfers').select((eb) => eb.fn.countAll<number>().as('n')).where('idempotency_key', 'like', 'manual:load-%').executeTakeFirstOrThrow();
    expect(Number(written.n)).toBe(ok.length);
    const perTransfer = await sql<{ n: number; s: number }>`SELECT count(*)::int AS n, coalesce(sum(amount), 0)::bigint AS s FROM ledger_movements GROUP BY transfer_id HAVING count(*) <> 2 OR sum(amount) <> 0`.execute(ctx.db);
    expect(perTransfer.rows).toEqual([]);

    // every balance equals the sum of its movements; no balance under its limit
    const check = await sql<{ id: string; balance: number; lower_limit: number; moved: number }>`
      SELECT a.id, a.balance, a.lower_limit, coalesce((SELECT sum(m.amount) FROM ledger_movements m WHERE m.account_id = a.id), 0)::bigint AS moved
      FROM ledger_accounts a`.execute(ctx.db);
    for (const r of check.rows) {
      expect(Number(r.balance), r.id).toBe(Number(r.moved));
      expect(Number(r.balance)).toBeGreaterThanOrEqual(Number(r.lower_limit));
    }
    for (const id of accounts) {
      const r = check.rows.find((x) => x.id === id)!;
      expect(Number(r.balance)).toBeGreaterThanOrEqual(limits.get(id)!);
    }
    // the whole system sums to zero in each currency
    const totals = await sql<{ currency: string; s: number }>`SELECT currency, sum(balance)::bigint AS s FROM ledger_accounts GROUP BY currency`.execute(ctx.db);
    for (const r of totals.rows) expect(Number(r.s), r.currency).toBe(0);
    // the 50 accounts together hold what they were given (transfers among them move, never create)
    const held = check.rows.filter((r) => accounts.includes(r.id)).reduce((s, r) => s + Number(r.balance), 0);
    expect(held).toBe(accounts.length * 100);
    // an overdraft account that went below zero stayed within its limit
    expect(check.rows.filter((r) => accounts.slice(0, 10).includes(r.id)).every((r) => Number(r.balance) >= -50)).toBe(true);
  });

  it('a request repeated concurrently with one idempotency key is applied once', async () => {
    const ctx = t.og.ctx;
    const [a, b] = [accounts[20]!, accounts[21]!];
    const before = await ctx.db.selectFrom('ledger_accounts').select(['id', 'balance']).where('id', 'in', [a, b]).execute();
    const bal = (rows: typeof before, id: string) => Number(rows.find((r) => r.id === id)!.balance);
    const amount = Math.min(5, bal(before, a) - (limits.get(a) ?? 0));
    expect(amount).toBeGreaterThan(0);
    const runs = await Promise.all(Array.from({ length: 25 }, () => createTransfer(ctx, sys, { fromAccountId: a, toAccountId: b, amount, memo: '重复提交', idempotencyKey: 'same-key-0001' })));
    expect(new Set(runs.map((r) => r.transfer.id)).size).toBe(1);
    expect(runs.filter((r) => !r.replayed).length).toBe(1);
    const after = await ctx.db.selectFrom('ledger_accounts').select(['id', 'balance']).where('id', 'in', [a, b]).execute();
    expect(bal(after, a)).toBe(bal(before, a) - amount);
    expect(bal(after, b)).toBe(bal(before, b) + amount);
    // the same key for a different transfer is refused
    await expect(createTransfer(ctx, sys, { fromAccountId: a, toAccountId: b, amount: amount + 1, memo: '重复提交', idempotencyKey: 'same-key-0001' })).rejects.toMatchObject({ kind: 'conflict' });
  });

  it('the database itself refuses a balance under the limit and any edit of a movement', async () => {
    const ctx = t.og.ctx;
    const a = accounts[30]!;
    await expect(sql`UPDATE ledger_accounts SET balance = lower_limit - 1 WHERE id = ${a}`.execute(ctx.db)).rejects.toMatchObject({ code: '23514' });
    const m = await ctx.db.selectFrom('ledger_movements').select('id').limit(1).executeTakeFirstOrThrow();
    await expect(sql`UPDATE ledger_movements SET amount = amount + 1 WHERE id = ${m.id}`.execute(ctx.db)).rejects.toThrow(/append-only/);
    await expect(sql`DELETE FROM ledger_transfers WHERE id = (SELECT transfer_id FROM ledger_movements WHERE id = ${m.id})`.execute(ctx.db)).rejects.toThrow(/append-only/);
  });
});
