import ExcelJS from 'exceljs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApp, type TestApp } from '../../../test/helpers.js';
import { systemActor } from '../../platform/auth/actor.js';
import { createResident } from '../org/index.js';

let t: TestApp;
let admin: string;
let caQ: string; // community_admin.qiaotou
let caM: string; // community_admin.mulian
let resQ: string; // resident.qiaotou
let resX: string; // resident.xintian
let community: Record<string, { id: string; path: string }>;
let residentQ: { id: string; householdId: string | null; nodePath: string };

type Json = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

const ok = async (p: Promise<{ statusCode: number; json(): Json; body: string }>, status = 200) => {
  const r = await p;
  expect(r.statusCode, r.body).toBe(status);
  return r.json();
};
const balanceOf = async (id: string) => Number((await t.og.ctx.db.selectFrom('ledger_accounts').select('balance').where('id', '=', id).executeTakeFirstOrThrow()).balance);

/** Signs everyone in again (sessions expire when the test moves the clock a day on). */
const signIn = async () => {
  const c = await Promise.all(['admin', 'community_admin.qiaotou', 'community_admin.mulian', 'resident.qiaotou', 'resident.xintian'].map((u) => t.login(u)));
  [admin, caQ, caM, resQ, resX] = c as [string, string, string, string, string];
};

beforeAll(async () => {
  t = await startTestApp();
  await signIn();
  const nodes = await ok(t.req('GET', '/api/org/nodes?level=community&geometry=false', { cookie: admin }));
  community = Object.fromEntries(nodes.map((n: Json) => [n.code, { id: n.id, path: n.path }]));
  const u = await t.og.ctx.db.selectFrom('users').select('resident_id').where('username', '=', 'resident.qiaotou').executeTakeFirstOrThrow();
  const r = await t.og.ctx.db.selectFrom('residents').select(['id', 'household_id', 'node_path']).where('id', '=', u.resident_id!).executeTakeFirstOrThrow();
  residentQ = { id: r.id, householdId: r.household_id, nodePath: r.node_path };
});
afterAll(async () => t?.close());

describe('earning rules and approvals', () => {
  it('grants points only when staff confirm, within the cap per period', async () => {
    const rules = await ok(t.req('GET', '/api/ledger/rules', { cookie: resQ }));
    const garbage = rules.find((r: Json) => r.code === 'garbage_sorting');
    expect(garbage).toMatchObject({ points: 3, period: 'day', periodCap: 6 });
    const [acc] = (await ok(t.req('GET', '/api/ledger/accounts/me', { cookie: resQ }))).filter((a: Json) => a.currency === 'points');
    const start = acc.balance;

    const submit = () => ok(t.req('POST', '/api/ledger/claims', { cookie: resQ, body: { ruleId: garbage.id, note: '投放点值守' } }), 201);
    const c1 = await submit();
    const c2 = await submit();
    const c3 = await submit();
    expect(c1.status).toBe('pending');
    expect(await balanceOf(acc.id)).toBe(start); // nothing before approval

    // a resident cannot approve; staff of another community do not even see the claim
    expect((await t.req('POST', `/api/ledger/claims/${c1.id}/review`, { cookie: resQ, body: { approve: true } })).statusCode).toBe(403);
    expect((await t.req('POST', `/api/ledger/claims/${c1.id}/review`, { cookie: caM, body: { approve: true } })).statusCode).toBe(404);

    await ok(t.req('POST', `/api/ledger/claims/${c1.id}/review`, { cookie: caQ, body: { approve: true } }));
    await ok(t.req('POST', `/api/ledger/claims/${c2.id}/review`, { cookie: caQ, body: { approve: true } }));
    const capped = await t.req('POST', `/api/ledger/claims/${c3.id}/review`, { cookie: caQ, body: { approve: true } });
    expect(capped.statusCode).toBe(409);
    expect(capped.json().error.message).toContain('上限');
    expect(await balanceOf(acc.id)).toBe(start + 6);
    // the same claim cannot be approved twice
    expect((await t.req('POST', `/api/ledger/claims/${c1.id}/review`, { cookie: caQ, body: { approve: true } })).statusCode).toBe(409);

    // the next day (Asia/Shanghai) the cap starts again
    t.clock.advanceHours(24);
    await signIn();
    const r3 = await ok(t.req('POST', `/api/ledger/claims/${c3.id}/review`, { cookie: caQ, body: { approve: true } }));
    expect(r3).toMatchObject({ status: 'approved', points: 3 });
    expect(await balanceOf(acc.id)).toBe(start + 9);
    const tr = await ok(t.req('GET', `/api/ledger/transfers/${r3.transferId}`, { cookie: resQ }));
    expect(tr).toMatchObject({ kind: 'grant', amount: 3, toAccountId: acc.id });

    // a rule for partners is refused for a resident
    const legal = rules.find((r: Json) => r.code === 'legal_consult');
    expect((await t.req('POST', '/api/ledger/claims', { cookie: resQ, body: { ruleId: legal.id, note: 'x' } })).statusCode).toBe(400);
  });
});

describe('redemption', () => {
  it('issues a code that the merchant verifies once; repeated requests are applied once', async () => {
    const partnerX = await t.login('partner.xintian'); // the supermarket (a merchant)
    const partnerQ = await t.login('partner.qiaotou'); // a law firm, not the merchant
    const rewards = await ok(t.req('GET', '/api/ledger/rewards', { cookie: resX }));
    const coupon = rewards.find((w: Json) => w.name === '步步高 10 元代金券');
    expect(coupon).toMatchObject({ kind: 'coupon', pointsCost: 20, payeeKind: 'merchant' });
    // residents of another community do not see it
    expect((await ok(t.req('GET', '/api/ledger/rewards', { cookie: resQ }))).some((w: Json) => w.id === coupon.id)).toBe(false);

    const [acc] = (await ok(t.req('GET', '/api/ledger/accounts/me', { cookie: resX }))).filter((a: Json) => a.currency === 'points');
    // top up from the community's pool so the resident can redeem twice
    const pool = (await ok(t.req('GET', `/api/ledger/accounts?ownerKind=community&currency=points&communityId=${community['430103007003']!.id}`, { cookie: admin }))).items[0];
    // bring the balance to exactly two coupons' worth
    expect(acc.balance).toBeLessThan(40);
    await ok(t.req('POST', '/api/ledger/transfers', { cookie: admin, body: { fromAccountId: pool.id, toAccountId: acc.id, amount: 40 - acc.balance, memo: '测试补充积分', idempotencyKey: 'topup-xintian-1' } }), 201);
    const before = await balanceOf(acc.id);
    const stockBefore = coupon.stock;

    const first = await ok(t.req('POST', `/api/ledger/rewards/${coupon.id}/redeem`, { cookie: resX, body: { idempotencyKey: 'redeem-once-001' } }), 201);
    const again = await ok(t.req('POST', `/api/ledger/rewards/${coupon.id}/redeem`, { cookie: resX, body: { idempotencyKey: 'redeem-once-001' } }), 200);
    expect(again.id).toBe(first.id);
    expect(again.replayed).toBe(true);
    expect(first.code).toMatch(/^[A-Z2-9]{4}-[A-Z2-9]{4}-[A-Z2-9]{4}$/);
    expect(await balanceOf(acc.id)).toBe(before - 20);
    const after = (await ok(t.req('GET', '/api/ledger/rewards', { cookie: resX }))).find((w: Json) => w.id === coupon.id);
    expect(after.stock).toBe(stockBefore - 1);

    // the merchant sees the redemption masked; another partner cannot verify it
    const merchantList = await ok(t.req('GET', '/api/ledger/redemptions', { cookie: partnerX }));
    expect(merchantList.items.find((d: Json) => d.id === first.id).code).toMatch(/\*{4}/);
    expect((await t.req('POST', '/api/ledger/redemptions/verify', { cookie: partnerQ, body: { code: first.code } })).statusCode).toBe(404);
    const v1 = await ok(t.req('POST', '/api/ledger/redemptions/verify', { cookie: partnerX, body: { code: first.code.toLowerCase().replace(/-/g, ' ') } }));
    expect(v1.status).toBe('used');
    const v2 = await t.req('POST', '/api/ledger/redemptions/verify', { cookie: partnerX, body: { code: first.code } });
    expect(v2.statusCode).toBe(409);
    expect(v2.json().error.message).toContain('已核销');

    // two verifications racing for one code: exactly one wins
    const second = await ok(t.req('POST', `/api/ledger/rewards/${coupon.id}/redeem`, { cookie: resX, body: {} }), 201);
    const race = await Promise.all([1, 2, 3].map(() => t.req('POST', '/api/ledger/redemptions/verify', { cookie: partnerX, body: { code: second.code } })));
    expect(race.map((r) => r.statusCode).sort()).toEqual([200, 409, 409]);

    // the merchant received the points
    const merchantAcc = (await ok(t.req('GET', '/api/ledger/accounts/me', { cookie: partnerX })))[0];
    expect(merchantAcc.ownerKind).toBe('merchant');
    const stmt = await ok(t.req('GET', `/api/ledger/accounts/${merchantAcc.id}/statement`, { cookie: partnerX }));
    expect(stmt.items.filter((l: Json) => l.kind === 'redeem').length).toBeGreaterThanOrEqual(2);

    // not enough points left: refused, nothing taken from stock
    const poor = await t.req('POST', `/api/ledger/rewards/${coupon.id}/redeem`, { cookie: resX, body: {} });
    expect(poor.statusCode).toBe(409);
    expect((await ok(t.req('GET', '/api/ledger/rewards', { cookie: resX }))).find((w: Json) => w.id === coupon.id).stock).toBe(stockBefore - 2);
  });

  it('the last item in stock goes to one redeemer; a cancelled code returns points and stock and is void', async () => {
    const created = await ok(t.req('POST', '/api/ledger/rewards', { cookie: caQ, body: { kind: 'goods', name: '限量纪念徽章', pointsCost: 1, stock: 1 } }), 201);
    const [acc] = (await ok(t.req('GET', '/api/ledger/accounts/me', { cookie: resQ }))).filter((a: Json) => a.currency === 'points');
    const before = await balanceOf(acc.id);
    const tries = await Promise.all([1, 2].map(() => t.req('POST', `/api/ledger/rewards/${created.id}/redeem`, { cookie: resQ, body: {} })));
    expect(tries.map((r) => r.statusCode).sort()).toEqual([201, 409]);
    const won = tries.find((r) => r.statusCode === 201)!.json();
    expect(await balanceOf(acc.id)).toBe(before - 1);

    const cancelled = await ok(t.req('POST', `/api/ledger/redemptions/${won.id}/cancel`, { cookie: resQ }));
    expect(cancelled.status).toBe('cancelled');
    expect(await balanceOf(acc.id)).toBe(before);
    expect((await t.req('POST', `/api/ledger/redemptions/${won.id}/cancel`, { cookie: resQ })).statusCode).toBe(409);
    expect((await t.req('POST', '/api/ledger/redemptions/verify', { cookie: caQ, body: { code: won.code } })).statusCode).toBe(409);
    const w = (await ok(t.req('GET', '/api/ledger/rewards', { cookie: resQ }))).find((x: Json) => x.id === created.id);
    expect(w.stock).toBe(1);
    // the points came back by a compensating transfer, not by editing
    const stmt = await ok(t.req('GET', `/api/ledger/accounts/${acc.id}/statement`, { cookie: resQ }));
    const rev = stmt.items.find((l: Json) => l.kind === 'reversal');
    expect(rev.amount).toBe(1);
    expect(stmt.items.some((l: Json) => l.transferId === rev.reversesId && l.amount === -1)).toBe(true);
  });
});

describe('time bank', () => {
  it('matches a request with a volunteer, the person served confirms the hours, and hours pass to family', async () => {
    const ctx = t.og.ctx;
    // a volunteer of the same community (no sign-in: staff post for them)
    const v = await ctx.db
      .selectFrom('residents')
      .select(['id', 'household_id'])
      .where('node_path', 'like', community['430103007001']!.path + '/%')
      .where('id', '<>', residentQ.id)
      .where('household_id', '<>', residentQ.householdId!)
      .where('status', '=', 'resident')
      .limit(1)
      .executeTakeFirstOrThrow();
    const offer = await ok(t.req('POST', '/api/timebank/posts', { cookie: caQ, body: { kind: 'offer', category: '代买', title: '帮忙买菜买药', minutes: 60, residentId: v.id } }), 201);
    const request = await ok(t.req('POST', '/api/timebank/posts', { cookie: resQ, body: { kind: 'request', category: '代买', title: '帮我买一周的菜', minutes: 60 } }), 201);
    const matches = await ok(t.req('GET', `/api/timebank/posts/${request.id}/matches`, { cookie: caQ }));
    expect(matches.map((m: Json) => m.id)).toContain(offer.id);
    // staff of another community cannot see the request
    expect((await t.req('GET', `/api/timebank/posts/${request.id}/matches`, { cookie: caM })).statusCode).toBe(404);

    const ex = await ok(t.req('POST', '/api/timebank/exchanges', { cookie: caQ, body: { requestId: request.id, offerId: offer.id } }), 201);
    expect((await t.req('POST', '/api/timebank/exchanges', { cookie: caQ, body: { requestId: request.id, offerId: offer.id } })).statusCode).toBe(409);

    const pool = (await ok(t.req('GET', `/api/ledger/accounts?ownerKind=community&currency=time&communityId=${community['430103007001']!.id}`, { cookie: caQ }))).items[0];
    const poolBefore = await balanceOf(pool.id);
    // someone else (a resident of another community) cannot confirm
    expect((await t.req('POST', `/api/timebank/exchanges/${ex.id}/confirm`, { cookie: resX, body: { minutes: 45 } })).statusCode).toBe(404);
    const done = await ok(t.req('POST', `/api/timebank/exchanges/${ex.id}/confirm`, { cookie: resQ, body: { minutes: 45 } }));
    expect(done).toMatchObject({ status: 'confirmed', minutes: 45 });
    expect(done.transfer).toMatchObject({ currency: 'time', amount: 45, kind: 'timebank' });
    expect((await t.req('POST', `/api/timebank/exchanges/${ex.id}/confirm`, { cookie: resQ, body: { minutes: 45 } })).statusCode).toBe(409);
    const vAcc = await ctx.db.selectFrom('ledger_accounts').select(['id', 'balance']).where('owner_id', '=', v.id).where('currency', '=', 'time').executeTakeFirstOrThrow();
    expect(Number(vAcc.balance)).toBe(45);
    expect(await balanceOf(pool.id)).toBe(poolBefore - 45);

    // the volunteer draws on stored hours: a request paid from their own time; the resident serves
    const own = await ok(t.req('POST', '/api/timebank/posts', { cookie: caQ, body: { kind: 'request', category: '维修', title: '修水龙头', minutes: 30, useOwnHours: true, residentId: v.id } }), 201);
    const ex2 = await ok(t.req('POST', '/api/timebank/exchanges', { cookie: resQ, body: { requestId: own.id } }), 201);
    expect(ex2.volunteerId).toBe(residentQ.id);
    // the volunteer may not confirm their own hours
    expect((await t.req('POST', `/api/timebank/exchanges/${ex2.id}/confirm`, { cookie: resQ, body: { minutes: 30 } })).statusCode).toBe(403);
    // more than the requester has stored is refused
    expect((await t.req('POST', `/api/timebank/exchanges/${ex2.id}/confirm`, { cookie: caQ, body: { minutes: 50 } })).statusCode).toBe(409);
    await ok(t.req('POST', `/api/timebank/exchanges/${ex2.id}/confirm`, { cookie: caQ, body: { minutes: 30 } }));
    expect(await balanceOf(vAcc.id)).toBe(15);
    const myTime = (await ok(t.req('GET', '/api/ledger/accounts/me', { cookie: resQ }))).find((a: Json) => a.currency === 'time');
    expect(myTime.balance).toBe(30);

    // hours to a family member: inside the household freely, across households only through staff.
    // Precondition: resident.qiaotou's household has another member; register one when the seed gave none.
    expect(residentQ.householdId).toBeTruthy();
    const kin =
      (await ctx.db.selectFrom('residents').select('id').where('household_id', '=', residentQ.householdId!).where('id', '<>', residentQ.id).executeTakeFirst()) ??
      (await createResident(ctx, systemActor(), { name: '桥头家属', gender: 'F', birthDate: '1958-03-02', householdId: residentQ.householdId!, relation: '母亲' }));
    expect(kin.id).not.toBe(residentQ.id);
    const kinTimeOf = () => ctx.db.selectFrom('ledger_accounts').select(['id', 'balance']).where('owner_kind', '=', 'resident').where('owner_id', '=', kin.id).where('currency', '=', 'time').executeTakeFirst();
    const kinBefore = Number((await kinTimeOf())?.balance ?? 0);
    const g = await ok(t.req('POST', '/api/timebank/family-transfers', { cookie: resQ, body: { toResidentId: kin.id, minutes: 10, relation: '父母', idempotencyKey: 'family-gift-1' } }), 201);
    expect(g.transfer).toMatchObject({ kind: 'family', amount: 10, fromAccountId: myTime.id });
    const replay = await ok(t.req('POST', '/api/timebank/family-transfers', { cookie: resQ, body: { toResidentId: kin.id, minutes: 10, relation: '父母', idempotencyKey: 'family-gift-1' } }), 200);
    expect(replay.transfer.id).toBe(g.transfer.id);
    expect(await balanceOf(myTime.id)).toBe(20);
    expect(Number((await kinTimeOf())?.balance)).toBe(kinBefore + 10);
    const refused = await t.req('POST', '/api/timebank/family-transfers', { cookie: resQ, body: { toResidentId: v.id, minutes: 5, relation: '父母' } });
    expect(refused.statusCode).toBe(403);
    const byStaff = await ok(t.req('POST', '/api/timebank/family-transfers', { cookie: caQ, body: { fromResidentId: residentQ.id, toResidentId: v.id, minutes: 5, relation: '父母（已核实户口簿）' } }), 201);
    expect(byStaff.transfer.currency).toBe('time');
    // points and time never mix
    const [pts] = (await ok(t.req('GET', '/api/ledger/accounts/me', { cookie: resQ }))).filter((a: Json) => a.currency === 'points');
    expect((await t.req('POST', '/api/ledger/transfers', { cookie: admin, body: { fromAccountId: myTime.id, toAccountId: pts.id, amount: 1, memo: '混币' } })).statusCode).toBe(400);
  });
});

describe('data scope, statements, reversal and the monthly report', () => {
  it('community staff see their community; residents and partners see their own', async () => {
    const list = await ok(t.req('GET', '/api/ledger/accounts?pageSize=200', { cookie: caM }));
    expect(list.total).toBeGreaterThan(0);
    expect(list.items.every((a: Json) => a.nodePath.startsWith(community['430103007002']!.path))).toBe(true);
    const qAcc = (await ok(t.req('GET', '/api/ledger/accounts/me', { cookie: resQ })))[0];
    expect((await t.req('GET', `/api/ledger/accounts/${qAcc.id}`, { cookie: caM })).statusCode).toBe(404);
    expect((await t.req('GET', `/api/ledger/accounts/${qAcc.id}/statement`, { cookie: resX })).statusCode).toBe(404);
    expect((await t.req('GET', `/api/ledger/accounts?communityId=${community['430103007001']!.id}`, { cookie: caM })).statusCode).toBe(403);
    const mine = await ok(t.req('GET', '/api/ledger/accounts?pageSize=200', { cookie: resQ }));
    expect(mine.items.every((a: Json) => a.ownerId === residentQ.id)).toBe(true);
    const partner = await t.login('partner.mulian');
    const pl = await ok(t.req('GET', '/api/ledger/accounts', { cookie: partner }));
    expect(pl.items.map((a: Json) => a.ownerKind)).toEqual(['partner']);
  });

  it('a statement runs from opening to closing balance; a reversal compensates once', async () => {
    const [acc] = (await ok(t.req('GET', '/api/ledger/accounts/me', { cookie: resQ }))).filter((a: Json) => a.currency === 'points');
    const pool = (await ok(t.req('GET', `/api/ledger/accounts?ownerKind=community&currency=points&communityId=${community['430103007001']!.id}`, { cookie: caQ }))).items[0];
    const tr = await ok(t.req('POST', '/api/ledger/transfers', { cookie: caQ, body: { fromAccountId: pool.id, toAccountId: acc.id, amount: 7, memo: '手工补录' } }), 201);
    const rev = await ok(t.req('POST', `/api/ledger/transfers/${tr.transfer.id}/reverse`, { cookie: caQ, body: { memo: '补录有误' } }), 201);
    expect(rev).toMatchObject({ kind: 'reversal', amount: 7, fromAccountId: acc.id, toAccountId: pool.id, reversesId: tr.transfer.id });
    expect((await t.req('POST', `/api/ledger/transfers/${tr.transfer.id}/reverse`, { cookie: caQ, body: { memo: '再来' } })).statusCode).toBe(409);
    expect((await t.req('POST', `/api/ledger/transfers/${rev.id}/reverse`, { cookie: caQ, body: { memo: '再来' } })).statusCode).toBe(409);

    const stmt = await ok(t.req('GET', `/api/ledger/accounts/${acc.id}/statement?pageSize=200`, { cookie: resQ }));
    expect(stmt.openingBalance).toBe(0);
    expect(stmt.closingBalance).toBe(await balanceOf(acc.id));
    expect(stmt.credit - stmt.debit).toBe(stmt.closingBalance);
    expect(stmt.items.reduce((s: number, l: Json) => s + l.amount, 0)).toBe(stmt.closingBalance);
    // each line's running balance follows from the previous (lines are newest first)
    for (let i = 0; i < stmt.items.length - 1; i++) expect(stmt.items[i].balanceAfter - stmt.items[i].amount).toBe(stmt.items[i + 1].balanceAfter);
    // a window: opening balance is what came before it
    const day = new Date(t.clock.now().getTime() + 8 * 3_600_000).toISOString().slice(0, 10);
    const win = await ok(t.req('GET', `/api/ledger/accounts/${acc.id}/statement?from=${day}&to=${day}`, { cookie: resQ }));
    expect(win.openingBalance + win.credit - win.debit).toBe(win.closingBalance);
    expect(win.closingBalance).toBe(await balanceOf(acc.id));
    expect(win.openingBalance).toBe(stmt.closingBalance - win.credit + win.debit);
  });

  it('exports the community monthly points report as XLSX that matches the ledger', async () => {
    const month = new Date(t.clock.now().getTime() + 8 * 3_600_000).toISOString().slice(0, 7);
    const cq = community['430103007001']!;
    expect((await t.req('GET', `/api/ledger/reports/monthly?month=${month}&communityId=${cq.id}`, { cookie: caM })).statusCode).toBe(403);
    expect((await t.req('GET', `/api/ledger/reports/monthly?month=${month}&communityId=${cq.id}`, { cookie: resQ })).statusCode).toBe(403);
    const r = await t.req('GET', `/api/ledger/reports/monthly?month=${month}&communityId=${cq.id}`, { cookie: caQ });
    expect(r.statusCode).toBe(200);
    expect(r.headers['content-type']).toContain('spreadsheetml');
    const wb = new ExcelJS.Workbook();
    await wb.xlsx.load(r.rawPayload as unknown as ArrayBuffer);
    const sheet = wb.getWorksheet('账户汇总')!;
    const rows: Array<{ name: string; credit: number; debit: number; balance: number }> = [];
    sheet.eachRow((row, n) => {
      if (n <= 2) return;
      const v = row.values as unknown[];
      if (v[1] === '合计') return;
      rows.push({ name: String(v[1]), credit: Number(v[3]), debit: Number(v[4]), balance: Number(v[6]) });
    });
    const accounts = await t.og.ctx.db.selectFrom('ledger_accounts').selectAll().where('node_path', 'like', cq.path + '%').where('currency', '=', 'points').execute();
    expect(rows.length).toBe(accounts.length);
    // all this month's movements are in the report: the accounts' credits less debits equal their balances' change
    const resident = accounts.find((a) => a.owner_id === residentQ.id)!;
    const line = rows.find((x) => x.name === resident.name && x.balance === Number(resident.balance))!;
    expect(line).toBeDefined();
    expect(line.credit - line.debit).toBe(Number(resident.balance));
    // inside one community every point that leaves an account arrives at another
    expect(rows.reduce((s, x) => s + x.credit, 0)).toBe(rows.reduce((s, x) => s + x.debit, 0));
    const total = (sheet.getRow(sheet.rowCount).values as unknown[]).slice(1);
    expect(total[0]).toBe('合计');
    expect(total[2]).toBe(rows.reduce((s, x) => s + x.credit, 0));
    expect(wb.getWorksheet('转账明细')!.rowCount).toBeGreaterThan(1);
  });

  it('audits every transfer in the hash chain', async () => {
    const ctx = t.og.ctx;
    const transfers = await ctx.db.selectFrom('ledger_transfers').select('id').execute();
    const audited = await ctx.db.selectFrom('audit_log').select('entity_id').where('entity', '=', 'ledger_transfer').execute();
    const ids = new Set(audited.map((a) => a.entity_id));
    expect(transfers.every((x) => ids.has(x.id))).toBe(true);
    const { verifyAuditChain } = await import('../../platform/audit/audit.js');
    expect((await verifyAuditChain(ctx.db)).ok).toBe(true);
  });
});
