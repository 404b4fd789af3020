import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';

vi.mock('../dispatch/index.js', async (orig) => {
  const m = await orig<typeof import('../dispatch/index.js')>();
  return { ...m, adviseIntake: (await import('./testing.js')).stubAdviseIntake(m) };
});

import { startTestApp, type TestApp } from '../../../test/helpers.js';
import { MULIAN_G01, pointIn, QIAOTOU_G01, QIAOTOU_G02, reportAs, step, Users } from './testing.js';

describe('cases: data scope per role', () => {
  let t: TestApp;
  let u: Users;
  const ids: Record<string, string> = {};
  const ids2node: Record<string, string> = {};
  beforeAll(async () => {
    t = await startTestApp();
    u = new Users(t);
    const dispatcher = await u.as('dispatcher');
    // q1: resident.qiaotou, qiaotou G01, HW; q2: anonymous resident.qiaotou, qiaotou G02, CG with cc ZJ (违法建设); m1: resident.mulian, mulian G01, SZ
    let q1 = await reportAs(t, await u.as('resident.qiaotou'), { description: '垃圾', category: 'EN01', location: pointIn(QIAOTOU_G01), reporter: { phone: '13900001234' } });
    q1 = await step(t, dispatcher, q1.id, 'dispatch', { version: q1.version });
    let q2 = await reportAs(t, await u.as('resident.qiaotou'), { description: '违建', category: 'EN06', location: pointIn(QIAOTOU_G02), anonymous: true });
    q2 = await step(t, dispatcher, q2.id, 'dispatch', { version: q2.version });
    let m1 = await reportAs(t, await u.as('resident.mulian'), { description: '路面', category: 'RT01', location: pointIn(MULIAN_G01) });
    m1 = await step(t, dispatcher, m1.id, 'dispatch', { version: m1.version });
    Object.assign(ids, { q1: q1.id, q2: q2.id, m1: m1.id });
    const nodes = (await t.req('GET', '/api/org/nodes?level=community', { cookie: dispatcher })).json();
    for (const n of nodes) ids2node[n.code] = n.id;
  });
  afterAll(async () => t?.close());

  const visible = async (who: string) => {
    const cookie = await u.as(who);
    const list = (await t.req('GET', '/api/cases?pageSize=100', { cookie })).json();
    const seen = list.items.map((x: { id: string }) => x.id);
    const out: Record<string, boolean> = {};
    for (const [k, id] of Object.entries(ids)) {
      const r = await t.req('GET', `/api/cases/${id}`, { cookie });
      expect([200, 404], `${who} ${k}`).toContain(r.statusCode);
      // the list and the detail agree
      expect(seen.includes(id), `${who} list/detail ${k}`).toBe(r.statusCode === 200);
      out[k] = r.statusCode === 200;
    }
    return out;
  };

  it('each role sees exactly its cases; an id outside scope is 404', async () => {
    expect(await visible('admin')).toEqual({ q1: true, q2: true, m1: true });
    expect(await visible('auditor')).toEqual({ q1: true, q2: true, m1: true });
    expect(await visible('dispatcher')).toEqual({ q1: true, q2: true, m1: true }); // street level
    expect(await visible('supervisor')).toEqual({ q1: true, q2: true, m1: true });
    expect(await visible('community_admin.qiaotou')).toEqual({ q1: true, q2: true, m1: false });
    expect(await visible('community_admin.mulian')).toEqual({ q1: false, q2: false, m1: true });
    expect(await visible('grid_worker.qiaotou')).toEqual({ q1: true, q2: false, m1: false }); // bound to G01 only
    expect(await visible('dept.hw')).toEqual({ q1: true, q2: false, m1: false });
    expect(await visible('dept.cg')).toEqual({ q1: false, q2: true, m1: false });
    expect(await visible('dept.zj')).toEqual({ q1: false, q2: true, m1: false }); // copied (抄送)
    expect(await visible('dept.sz')).toEqual({ q1: false, q2: false, m1: true });
    expect(await visible('resident.qiaotou')).toEqual({ q1: true, q2: true, m1: false });
    expect(await visible('resident.mulian')).toEqual({ q1: false, q2: false, m1: true });
  });

  it('a filter outside the caller\'s scope is 403, not an empty list', async () => {
    const qiaotou = ids2node['430103007001']!;
    const mulian = ids2node['430103007002']!;
    const ca = await u.as('community_admin.mulian');
    expect((await t.req('GET', `/api/cases?nodeId=${qiaotou}`, { cookie: ca })).statusCode).toBe(403);
    const own = (await t.req('GET', `/api/cases?nodeId=${mulian}`, { cookie: ca })).json();
    expect(own.items.map((x: { id: string }) => x.id)).toEqual([ids.m1]);
    const hw = await u.as('dept.hw');
    const depts = (await t.req('GET', '/api/org/departments', { cookie: hw })).json();
    const sz = depts.find((d: { code: string }) => d.code === 'SZ').id;
    expect((await t.req('GET', `/api/cases?departmentId=${sz}`, { cookie: hw })).statusCode).toBe(403);
    expect((await t.req('GET', `/api/cases?departmentId=${sz}`, { cookie: await u.as('resident.qiaotou') })).statusCode).toBe(403);
    expect((await t.req('GET', `/api/cases?departmentId=${sz}`, { cookie: await u.as('dispatcher') })).json().items.map((x: { id: string }) => x.id)).toEqual([ids.m1]);
    expect((await t.req('GET', '/api/cases/queue', { cookie: await u.as('resident.qiaotou') })).statusCode).toBe(403);
    expect((await t.req('GET', '/api/cases/evaluation', { cookie: hw })).statusCode).toBe(403);
  });

  it('hides an anonymous reporter from departments and masks contact details', async () => {
    const cg = (await t.req('GET', `/api/cases/${ids.q2}`, { cookie: await u.as('dept.cg') })).json();
    expect(cg.reporter).toBeNull();
    expect(cg.anonymous).toBe(true);
    const disp = (await t.req('GET', `/api/cases/${ids.q2}`, { cookie: await u.as('dispatcher') })).json();
    expect(disp.reporter.name).toBeTruthy();
    const hw = (await t.req('GET', `/api/cases/${ids.q1}`, { cookie: await u.as('dept.hw') })).json();
    expect(hw.reporter.phone).toBe('139****1234');
    // only the hotline desk may reveal a phone number, and the read is logged
    expect((await t.req('GET', `/api/cases/${ids.q1}?reveal=phone`, { cookie: await u.as('dept.hw') })).statusCode).toBe(403);
    const revealed = (await t.req('GET', `/api/cases/${ids.q1}?reveal=phone`, { cookie: await u.as('dispatcher') })).json();
    expect(revealed.reporter.phone).toBe('13900001234');
    const log = await t.og.ctx.db.selectFrom('data_access_log').selectAll().where('entity', '=', 'case').where('entity_id', '=', ids.q1!).execute();
    expect(log).toHaveLength(1);
    expect(log[0]!.fields).toEqual(['reporter.phone']);
    // the stored row holds no clear-text phone
    const row = await t.og.ctx.db.selectFrom('cases').select(['reporter_phone_enc']).where('id', '=', ids.q1!).executeTakeFirstOrThrow();
    expect(row.reporter_phone_enc).not.toContain('13900001234');
  });

  it('lists per role: handler worklist, grid verification tasks, resident cases, CSV export', async () => {
    const hw = await u.as('dept.hw');
    expect((await t.req('GET', '/api/cases/worklist?bucket=to_accept', { cookie: hw })).json().items.map((x: { id: string }) => x.id)).toEqual([ids.q1]);
    expect((await t.req('GET', '/api/cases/worklist?bucket=cc', { cookie: await u.as('dept.zj') })).json().items.map((x: { id: string }) => x.id)).toEqual([ids.q2]);
    const mine = (await t.req('GET', '/api/cases/mine', { cookie: await u.as('resident.mulian') })).json();
    expect(mine.items.map((x: { id: string }) => x.id)).toEqual([ids.m1]);
    const csv = await t.req('GET', '/api/cases?format=csv', { cookie: await u.as('community_admin.qiaotou') });
    expect(csv.headers['content-type']).toContain('text/csv');
    const lines = csv.body.trim().split('\r\n');
    expect(lines[0]).toContain('案卷编号');
    expect(lines).toHaveLength(3); // header + q1 + q2
    const paged = (await t.req('GET', '/api/cases?pageSize=1&page=2', { cookie: await u.as('admin') })).json();
    expect(paged.items).toHaveLength(1);
    expect(paged.total).toBe(3);
  });
});
