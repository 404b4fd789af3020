import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApp, type TestApp } from '../../../test/helpers.js';
import { systemActor } from '../../platform/auth/actor.js';
import { createUser } from '../../platform/auth/service.js';
import { monthOf } from './visits.js';
import { runMonitor } from './service.js';

/** Door-to-door services with time-bank hours for volunteers, canteen shifts and donations, barrier-free reports into cases. */
let t: TestApp;
let gw: string;
let commAdmin: string;
const db = () => t.og.ctx.db;

beforeAll(async () => {
  t = await startTestApp();
  gw = await t.login('grid_worker.qiaotou');
  commAdmin = await t.login('community_admin.qiaotou');
});
afterAll(async () => t?.close());

describe('care services', () => {
  it('book → assign to a volunteer → complete (time bank credited) → rate', async () => {
    const person = (await t.req('GET', '/api/care/persons?pageSize=1', { cookie: gw })).json().items[0];
    expect(person).toBeTruthy();
    const volunteerResident = await db().selectFrom('residents').select('id').where('node_path', 'like', `${person.nodePath.split('/').slice(0, 4).join('/')}%`).where('id', '!=', person.residentId).where('status', '=', 'resident').executeTakeFirstOrThrow();
    const vol = await createUser(t.og.ctx, systemActor(), { username: 'vol.care', displayName: '志愿者小王', password: 'onegrid-demo-pass-1', roles: ['resident'], residentId: volunteerResident.id });
    const volCookie = await t.login('vol.care', 'onegrid-demo-pass-1');
    const at = new Date(t.clock.now().getTime() + 86_400_000).toISOString();
    const b = await t.req('POST', '/api/care/services', { cookie: gw, body: { personId: person.id, type: 'haircut', scheduledAt: at } });
    expect(b.statusCode).toBe(201);
    const id = b.json().id;
    expect((await t.req('POST', '/api/care/services', { cookie: gw, body: { personId: person.id, type: 'massage', scheduledAt: at } })).statusCode).toBe(400);
    expect((await t.req('POST', `/api/care/services/${id}/assign`, { cookie: gw, body: { providerKind: 'volunteer', providerName: '小王' } })).statusCode).toBe(400);
    expect((await t.req('POST', `/api/care/services/${id}/complete`, { cookie: volCookie, body: { minutes: 60 } })).statusCode).toBe(404);
    expect((await t.req('POST', `/api/care/services/${id}/assign`, { cookie: gw, body: { providerKind: 'volunteer', providerUserId: vol, providerName: '小王' } })).json().status).toBe('assigned');
    expect((await t.req('POST', `/api/care/services/${id}/rate`, { cookie: gw, body: { rating: 5 } })).statusCode).toBe(409);
    const done = await t.req('POST', `/api/care/services/${id}/complete`, { cookie: volCookie, body: { minutes: 45 } });
    expect(done.statusCode).toBe(200);
    expect(done.json()).toMatchObject({ status: 'completed', minutes: 45 });
    expect(done.json().timebankTransferId).toBeTruthy();
    const acc = await db().selectFrom('ledger_accounts').select(['balance', 'currency']).where('owner_kind', '=', 'resident').where('owner_id', '=', volunteerResident.id).where('currency', '=', 'time').executeTakeFirstOrThrow();
    expect(Number(acc.balance)).toBe(45);
    expect((await t.req('POST', `/api/care/services/${id}/complete`, { cookie: volCookie, body: { minutes: 45 } })).statusCode).toBe(409);
    expect((await t.req('POST', `/api/care/services/${id}/rate`, { cookie: gw, body: { rating: 6 } })).statusCode).toBe(400);
    expect((await t.req('POST', `/api/care/services/${id}/rate`, { cookie: gw, body: { rating: 5, comment: '手艺好，很耐心' } })).json().rating).toBe(5);
  });

  it('sign-language booking, cooking shifts, donations', async () => {
    const person = (await t.req('GET', '/api/care/persons?pageSize=1', { cookie: gw })).json().items[0];
    const sl = await t.req('POST', '/api/care/services', { cookie: gw, body: { personId: person.id, type: 'sign_language', scheduledAt: new Date(t.clock.now().getTime() + 3_600_000).toISOString(), note: '社区医院就诊陪同' } });
    expect(sl.json().typeName).toBe('手语翻译');
    const qiaotou = (await db().selectFrom('org_nodes').select('path').where('code', '=', '430103007001').executeTakeFirstOrThrow()).path;
    const start = new Date(t.clock.now().getTime() + 2 * 86_400_000);
    const s = await t.req('POST', '/api/care/shifts', { cookie: commAdmin, body: { nodePath: qiaotou, title: '帮厨', startsAt: start.toISOString(), endsAt: new Date(start.getTime() + 7_200_000).toISOString(), capacity: 1 } });
    expect(s.statusCode).toBe(201);
    const r1 = await t.login('resident.qiaotou');
    expect((await t.req('POST', `/api/care/shifts/${s.json().id}/signup`, { cookie: r1 })).json().signedUp).toBe(1);
    expect((await t.req('POST', `/api/care/shifts/${s.json().id}/signup`, { cookie: gw })).statusCode).toBe(409);
    expect((await t.req('POST', '/api/care/donations', { cookie: gw, body: { nodePath: qiaotou, donorName: 'x', items: 'y', quantity: 1 } })).statusCode).toBe(403);
    // A donor without a partner account: recorded, no points (and points cannot be promised to nobody).
    const anon = await t.req('POST', '/api/care/donations', { cookie: commAdmin, body: { nodePath: qiaotou, donorName: '热心居民张阿姨', items: '鸡蛋 60 个', quantity: 60 } });
    expect(anon.statusCode).toBe(201);
    expect(anon.json()).toMatchObject({ points: 0, pointsTransferId: null });
    expect((await t.req('POST', '/api/care/donations', { cookie: commAdmin, body: { nodePath: qiaotou, donorName: '热心居民张阿姨', items: '鸡蛋 60 个', quantity: 60, points: 50 } })).statusCode).toBe(400);
  });

  it('a partner’s donation credits the points to the partner’s ledger account (once per donation)', async () => {
    const qiaotou = (await db().selectFrom('org_nodes').select('path').where('code', '=', '430103007001').executeTakeFirstOrThrow()).path;
    const acc = await db().selectFrom('ledger_accounts').selectAll().where('owner_kind', 'in', ['partner', 'merchant']).where('currency', '=', 'points').where('status', '=', 'active').orderBy('id').executeTakeFirstOrThrow();
    const partnerId = acc.owner_id;
    const balance = async (id: string) => Number((await db().selectFrom('ledger_accounts').select('balance').where('id', '=', id).executeTakeFirstOrThrow()).balance);
    const before = await balance(acc.id);
    const pool = await db().selectFrom('ledger_accounts').selectAll().where('owner_kind', '=', 'community').where('node_path', '=', qiaotou).where('currency', '=', 'points').executeTakeFirst();
    const poolBefore = pool ? Number(pool.balance) : 0;

    // Validation: an unknown partner is refused and nothing is written.
    const count = async () => Number((await db().selectFrom('care_donations').select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow()).n);
    const n0 = await count();
    const bad = await t.req('POST', '/api/care/donations', { cookie: commAdmin, body: { nodePath: qiaotou, donorName: '不存在的商户', partnerId: '01900000-0000-7000-8000-000000000000', items: '面粉', quantity: 5, points: 30 } });
    expect(bad.statusCode).toBe(400);
    expect(await count()).toBe(n0);

    const r = await t.req('POST', '/api/care/donations', { cookie: commAdmin, body: { nodePath: qiaotou, donorName: acc.name, partnerId, items: '大米 50 斤、青菜 20 斤', quantity: 70, points: 120 } });
    expect(r.statusCode, r.body).toBe(201);
    const d = r.json();
    expect(d).toMatchObject({ partnerId, points: 120 });
    expect(d.pointsTransferId).toBeTruthy();
    expect(await balance(acc.id)).toBe(before + 120);
    const tr = await db().selectFrom('ledger_transfers').selectAll().where('id', '=', d.pointsTransferId).executeTakeFirstOrThrow();
    expect(tr).toMatchObject({ to_account: acc.id, currency: 'points', kind: 'grant', ref_kind: 'care_donation', ref_id: d.id, idempotency_key: `care.donation:${d.id}` });
    expect(Number(tr.amount)).toBe(120);
    const poolAfter = await db().selectFrom('ledger_accounts').selectAll().where('id', '=', tr.from_account).executeTakeFirstOrThrow();
    expect(poolAfter).toMatchObject({ owner_kind: 'community', node_path: qiaotou });
    expect(Number(poolAfter.balance)).toBe(poolBefore - 120);
    // Exactly one transfer for this donation; the partner's statement shows it.
    expect(await db().selectFrom('ledger_transfers').select('id').where('ref_kind', '=', 'care_donation').where('ref_id', '=', d.id).execute()).toHaveLength(1);
    expect((await db().selectFrom('ledger_movements').select('amount').where('transfer_id', '=', tr.id).where('account_id', '=', acc.id).execute()).map((m) => Number(m.amount))).toEqual([120]);

    // A second donation by the same partner is a second, separate credit.
    const r2 = await t.req('POST', '/api/care/donations', { cookie: commAdmin, body: { nodePath: qiaotou, donorName: acc.name, partnerId, items: '食用油 2 桶', quantity: 2, points: 30 } });
    expect(r2.json().pointsTransferId).not.toBe(d.pointsTransferId);
    expect(await balance(acc.id)).toBe(before + 150);
  });

  it('a broken barrier-free facility is reported into cases', async () => {
    const f = await t.req('POST', '/api/care/facilities', { cookie: await t.login('admin'), body: { kind: '无障碍坡道', name: '桥头社区服务中心坡道', lng: 112.9644, lat: 28.1489 } });
    expect(f.statusCode, f.body).toBe(201);
    const res = await t.login('resident.qiaotou');
    const r = await t.req('POST', `/api/care/facilities/${f.json().id}/report`, { cookie: res, body: { description: '坡道扶手断裂，轮椅无法通行' } });
    expect(r.statusCode, r.body).toBe(201);
    const c = await db().selectFrom('cases').selectAll().where('id', '=', r.json().caseId).executeTakeFirstOrThrow();
    expect(c.description).toContain('坡道扶手断裂');
    expect(c.source_type).toBe('care_facility');
    expect((await t.req('GET', '/api/care/facilities', { cookie: res })).json().find((x: { id: string }) => x.id === f.json().id).status).toBe('broken');
  });
  it('care-plan visits: recorded by carers and grid workers, counted per month against the plan, below-plan filter', async () => {
    const person = (await t.req('GET', '/api/care/persons?pageSize=1', { cookie: gw })).json().items[0];
    expect((await t.req('PATCH', `/api/care/persons/${person.id}`, { cookie: commAdmin, body: { carePlan: { visitsPerMonth: 2, services: ['上门探访'] } } })).statusCode).toBe(200);
    const view = async () => (await t.req('GET', `/api/care/persons/${person.id}`, { cookie: commAdmin })).json().visits;
    const belowIds = async (below: boolean) => (await t.req('GET', `/api/care/persons?pageSize=200&belowPlan=${below}`, { cookie: commAdmin })).json().items.map((x: { id: string }) => x.id) as string[];
    const { month, start } = monthOf(t.clock.now());
    expect(await view()).toEqual({ month, done: 0, planned: 2, belowPlan: true });
    expect(await belowIds(true)).toContain(person.id);

    // The grid worker (a carer, in scope): recorded in care and in grid-work's visit register.
    const v1 = await t.req('POST', `/api/care/persons/${person.id}/visits`, { cookie: gw, body: { kind: 'home', note: '精神状态好，冰箱有菜' } });
    expect(v1.statusCode, v1.body).toBe(201);
    expect(v1.json().month).toEqual({ month, done: 1, planned: 2, belowPlan: true });
    const gridVisit = await db().selectFrom('visits').selectAll().where('id', '=', v1.json().visitId).executeTakeFirstOrThrow();
    expect(gridVisit).toMatchObject({ resident_id: person.residentId, kind: 'home' });
    // A visit last month does not count for this month.
    const lastMonth = new Date(start.getTime() - 86_400_000).toISOString();
    expect((await t.req('POST', `/api/care/persons/${person.id}/visits`, { cookie: gw, body: { kind: 'phone', visitedAt: lastMonth } })).json().month.done).toBe(1);
    // Bad input and strangers.
    expect((await t.req('POST', `/api/care/persons/${person.id}/visits`, { cookie: gw, body: { visitedAt: new Date(t.clock.now().getTime() + 86_400_000).toISOString() } })).statusCode).toBe(400);
    expect((await t.req('POST', `/api/care/persons/${person.id}/visits`, { cookie: gw, body: { kind: 'chat' } })).statusCode).toBe(400);
    expect((await t.req('POST', `/api/care/persons/${person.id}/visits`, { cookie: await t.login('resident.mulian'), body: {} })).statusCode).toBe(404);
    expect((await t.req('POST', `/api/care/persons/${person.id}/visits`, { cookie: await t.login('community_admin.mulian'), body: {} })).statusCode).toBe(404);

    // A volunteer carer (no grid-work rights): recorded in care only; the plan is now met.
    const vol = await createUser(t.og.ctx, systemActor(), { username: 'vol.visits', displayName: '志愿者小李', password: 'onegrid-demo-pass-1', roles: ['resident'] });
    const volCookie = await t.login('vol.visits', 'onegrid-demo-pass-1');
    expect((await t.req('POST', `/api/care/persons/${person.id}/visits`, { cookie: volCookie, body: { kind: 'phone' } })).statusCode).toBe(404);
    expect((await t.req('POST', `/api/care/persons/${person.id}/carers`, { cookie: commAdmin, body: { userId: vol, kind: 'volunteer' } })).statusCode).toBe(200);
    const v2 = await t.req('POST', `/api/care/persons/${person.id}/visits`, { cookie: volCookie, body: { kind: 'phone', note: '电话问候' } });
    expect(v2.statusCode, v2.body).toBe(201);
    expect(v2.json()).toMatchObject({ visitId: null, visitorName: '志愿者小李', month: { done: 2, planned: 2, belowPlan: false } });
    expect(await view()).toEqual({ month, done: 2, planned: 2, belowPlan: false });
    expect(await belowIds(true)).not.toContain(person.id);
    expect(await belowIds(false)).toContain(person.id);
    const list = (await t.req('GET', `/api/care/persons/${person.id}/visits`, { cookie: volCookie })).json();
    expect(list.items).toHaveLength(3);
    expect(list.month.done).toBe(2);
    expect(await db().selectFrom('audit_log').select('id').where('action', '=', 'care.visit.record').where('entity_id', '=', person.id).execute()).toHaveLength(3);
  });

  it('canteen orders: placed → ready → delivered / picked_up, or cancelled, by whom may move them, audited', async () => {
    const qiaotou = (await db().selectFrom('org_nodes').select('path').where('code', '=', '430103007001').executeTakeFirstOrThrow()).path;
    const day = new Date(t.clock.now().getTime() + 8 * 3_600_000).toISOString().slice(0, 10);
    const item = await t.req('POST', '/api/care/menu', { cookie: commAdmin, body: { nodePath: qiaotou, day, name: '红烧肉套餐', priceCents: 1600, subsidies: [{ tag: '高龄', amountCents: 500 }], delivery: true } });
    expect(item.statusCode).toBe(201);
    const menuItemId = item.json().id;
    // a person in the grid worker's grid who is not resident.qiaotou herself
    const resId = (await db().selectFrom('users').select('resident_id').where('username', '=', 'resident.qiaotou').executeTakeFirstOrThrow()).resident_id;
    const person = (await t.req('GET', '/api/care/persons?pageSize=200', { cookie: gw })).json().items.find((x: { residentId: string }) => x.residentId !== resId);
    expect(person).toBeTruthy();
    const status = (id: string, cookie: string, body: Record<string, unknown>) => t.req('POST', `/api/care/orders/${id}/status`, { cookie, body });
    const res = await t.login('resident.qiaotou');

    // A delivery order placed by the grid worker for a person in the roster.
    const d = (await t.req('POST', '/api/care/orders', { cookie: gw, body: { menuItemId, residentId: person.residentId, qty: 1, mode: 'delivery' } })).json();
    expect(d.status).toBe('placed');
    expect((await status(d.id, gw, { status: 'ready' })).statusCode).toBe(403); // only the canteen
    expect((await status(d.id, commAdmin, { status: 'delivered' })).statusCode).toBe(409); // not ready yet
    expect((await status(d.id, commAdmin, { status: 'served' })).statusCode).toBe(400);
    expect((await status(d.id, res, { status: 'cancelled' })).statusCode).toBe(404); // not hers
    const ready = await status(d.id, commAdmin, { status: 'ready' });
    expect(ready.json()).toMatchObject({ status: 'ready', statusName: '已备好' });
    expect((await status(d.id, commAdmin, { status: 'picked_up' })).statusCode).toBe(409); // a delivery order is delivered
    expect((await status(d.id, gw, { status: 'cancelled' })).statusCode).toBe(403); // ready: the canteen cancels
    const delivered = await status(d.id, gw, { status: 'delivered' }); // whoever took the meal
    expect(delivered.statusCode, delivered.body).toBe(200);
    expect(delivered.json().status).toBe('delivered');
    expect((await status(d.id, commAdmin, { status: 'cancelled', reason: 'x' })).statusCode).toBe(409);

    // The resident's own pickup orders: she may cancel while placed; the canteen hands over the other.
    const p1 = (await t.req('POST', '/api/care/orders', { cookie: res, body: { menuItemId, qty: 1, mode: 'pickup' } })).json();
    const p2 = (await t.req('POST', '/api/care/orders', { cookie: res, body: { menuItemId, qty: 2, mode: 'pickup' } })).json();
    expect((await status(p1.id, res, { status: 'ready' })).statusCode).toBe(403);
    expect((await status(p1.id, res, { status: 'cancelled' })).json()).toMatchObject({ status: 'cancelled', statusName: '已取消' });
    expect((await status(p2.id, commAdmin, { status: 'cancelled' })).statusCode).toBe(400); // the canteen gives a reason
    expect((await status(p2.id, commAdmin, { status: 'ready' })).statusCode).toBe(200);
    expect((await status(p2.id, res, { status: 'cancelled' })).statusCode).toBe(403);
    expect((await status(p2.id, commAdmin, { status: 'delivered' })).statusCode).toBe(409);
    expect((await status(p2.id, commAdmin, { status: 'picked_up' })).json().status).toBe('picked_up');
    expect((await status(p2.id, commAdmin, { status: 'ready' })).statusCode).toBe(409);

    const mine = (await t.req('GET', `/api/care/orders?day=${day}&pageSize=100`, { cookie: res })).json().items;
    expect(mine.filter((o: { id: string }) => [p1.id, p2.id].includes(o.id)).map((o: { id: string; status: string }) => [o.id, o.status]).sort()).toEqual([[p1.id, 'cancelled'], [p2.id, 'picked_up']].sort());
    expect((await t.req('GET', `/api/care/orders?status=delivered&pageSize=100`, { cookie: commAdmin })).json().items.map((o: { id: string }) => o.id)).toContain(d.id);
    const trail = await db().selectFrom('audit_log').select(['entity_id', 'action', 'after']).where('action', '=', 'care.order.status').where('entity_id', 'in', [d.id, p1.id, p2.id]).orderBy('seq').execute();
    expect(trail.map((a) => [a.entity_id, (a.after as { status: string }).status])).toEqual([
      [d.id, 'ready'],
      [d.id, 'delivered'],
      [p1.id, 'cancelled'],
      [p2.id, 'ready'],
      [p2.id, 'picked_up'],
    ]);
  });
  it('the monthly reminder (when enabled) tells the carers of persons below plan, once a month', async () => {
    const ctx = t.og.ctx;
    const monitor = () => ctx.db.transaction().execute((trx) => runMonitor(ctx, trx));
    const gwId = (await db().selectFrom('users').select('id').where('username', '=', 'grid_worker.qiaotou').executeTakeFirstOrThrow()).id;
    const reminders = () => db().selectFrom('notifications').select(['data']).where('user_id', '=', gwId).where('kind', '=', 'care.visits.below_plan').execute();
    // the grid worker is a carer of persons in his grid: one below plan, one that meets it
    const mine = (await t.req('GET', '/api/care/persons?pageSize=200', { cookie: gw })).json().items as Array<{ id: string; visits: { belowPlan: boolean } }>;
    const below = mine.filter((p) => p.visits.belowPlan).map((p) => p.id);
    const met = mine.filter((p) => !p.visits.belowPlan).map((p) => p.id);
    expect(below.length).toBeGreaterThan(0);
    expect(met.length).toBeGreaterThan(0); // the person visited in the test above

    // Off by default: nothing.
    expect((await monitor()).visitReminders).toBe(0);
    expect(await reminders()).toHaveLength(0);
    expect((await t.req('PATCH', '/api/care/settings', { cookie: commAdmin, body: { visitRemindDay: 1 } })).statusCode).toBe(403);
    expect((await t.req('PATCH', '/api/care/settings', { cookie: await t.login('admin'), body: { visitRemindDay: 29 } })).statusCode).toBe(400);
    expect((await t.req('PATCH', '/api/care/settings', { cookie: await t.login('admin'), body: { visitRemindDay: 1 } })).json().visitRemindDay).toBe(1);
    expect((await monitor()).visitReminders).toBeGreaterThanOrEqual(below.length);
    const got = (await reminders()).map((n) => (n.data as { personId: string }).personId);
    expect([...got].sort()).toEqual([...below].sort());
    expect(got.some((id) => met.includes(id))).toBe(false);
    // Once a month.
    expect((await monitor()).visitReminders).toBe(0);
    expect(await reminders()).toHaveLength(below.length);
  });
});
