import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApp, type TestApp } from '../../../test/helpers.js';
import { systemActor } from '../../platform/auth/actor.js';
import { createUser } from '../../platform/auth/service.js';

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
});
