import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';

vi.mock('../dispatch/index.js', async (orig) => {
  const m = await orig<typeof import('../dispatch/index.js')>();
  return { ...m, adviseIntake: (await import('./testing.js')).stubAdviseIntake(m) };
});
import { startTestApp, type TestApp } from '../../../test/helpers.js';
import { systemActor } from '../../platform/auth/actor.js';
import { appendCaseNote, findOpenCaseBySource, reportCase, verifyCase } from './index.js';
import { MULIAN_G01, pointIn, post, QIAOTOU_G01, reportAs, step, Users } from './testing.js';

/** Each route, the permission it needs, and a body its schema accepts. */
const ROUTES: Record<string, { perm: string; body: (v: number, other: string) => Record<string, unknown> }> = {
  file: { perm: 'dispatch', body: (v) => ({ version: v }) },
  reject: { perm: 'dispatch', body: (v) => ({ version: v, reason: '测试' }) },
  dispatch: { perm: 'dispatch', body: (v) => ({ version: v }) },
  merge: { perm: 'dispatch', body: (v, other) => ({ version: v, intoId: other }) },
  accept: { perm: 'handle', body: (v) => ({ version: v }) },
  return: { perm: 'handle', body: (v) => ({ version: v, reason: '测试' }) },
  resolve: { perm: 'handle', body: (v) => ({ version: v, note: '测试' }) },
  extension: { perm: 'handle', body: (v) => ({ version: v, hours: 4, reason: '测试' }) },
  'extension/decision': { perm: 'supervise', body: (v) => ({ version: v, approve: true }) },
  verify: { perm: 'verify', body: (v) => ({ version: v, passed: true }) },
  reopen: { perm: 'report', body: (v) => ({ version: v, reason: '测试' }) },
  rate: { perm: 'report', body: (v) => ({ version: v, rating: 3 }) },
  suspend: { perm: 'supervise', body: (v) => ({ version: v, reason: '测试' }) },
  resume: { perm: 'supervise', body: (v) => ({ version: v }) },
  urge: { perm: 'supervise', body: (v) => ({ version: v, note: '测试' }) },
  escalate: { perm: 'supervise', body: (v) => ({ version: v, reason: '测试' }) },
};
const ROUTE_ACTION: Record<string, string> = { extension: 'requestExtension', 'extension/decision': 'decideExtension' };
const PERMS: Record<string, string[]> = {
  dispatcher: ['dispatch', 'report'],
  // reopen and rate belong to the reporter (and the hotline desk): others with cases.report get 403
  supervisor: ['supervise'],
  'dept.sz': ['handle'],
  'dept.gs': ['handle'],
  'grid_worker.qiaotou': ['verify'],
  'resident.qiaotou': ['report'],
};

describe('cases: the state machine', () => {
  let t: TestApp;
  let u: Users;
  let other: string;
  beforeAll(async () => {
    t = await startTestApp();
    u = new Users(t);
    other = (await reportAs(t, await u.as('dispatcher'), { description: '另一案卷', category: 'EN01', location: pointIn(MULIAN_G01) })).id;
  });
  afterAll(async () => t?.close());

  /**
   * In the current state, each actor may take exactly `expected` actions (hand-written); every other
   * route the actor's role holds is refused with 409 and the same allowed list (or 404 when the
   * actor cannot see the case, 403 when the route is not for the role).
   */
  async function expectOnly(id: string, expected: Record<string, string[] | 404>): Promise<void> {
    for (const [who, allowed] of Object.entries(expected)) {
      const cookie = await u.as(who);
      const view = await t.req('GET', `/api/cases/${id}`, { cookie });
      if (allowed === 404) {
        expect(view.statusCode, who).toBe(404);
        continue;
      }
      const v = view.json();
      expect([...v.allowedActions].sort(), `${who} in ${v.state}`).toEqual([...allowed].sort());
      for (const [route, def] of Object.entries(ROUTES)) {
        const action = ROUTE_ACTION[route] ?? route;
        if (allowed.includes(action)) continue;
        const r = await post(t, cookie, `/api/cases/${id}/${route}`, def.body(v.version, other));
        if (!PERMS[who]!.includes(def.perm)) {
          expect(r.statusCode, `${who} ${route}`).toBe(403);
          continue;
        }
        expect(r.statusCode, `${who} ${route} in ${v.state}: ${r.body}`).toBe(409);
        expect([...r.json().error.details.allowed].sort(), `${who} ${route}`).toEqual([...allowed].sort());
      }
      // nothing was changed by the refusals
      expect((await t.req('GET', `/api/cases/${id}`, { cookie })).json().version).toBe(v.version);
    }
  }

  it('walks reported → filed → dispatched → accepted → resolved → rework → resolved → closed → rated → reopened, refusing every other step on the way', async () => {
    const resident = await u.as('resident.qiaotou');
    const dispatcher = await u.as('dispatcher');
    const dept = await u.as('dept.sz');
    const gw = await u.as('grid_worker.qiaotou');
    const sup = await u.as('supervisor');
    let c = await reportAs(t, resident, { description: '路面破损坑洼', category: 'RT01' });
    const id = c.id;
    await expectOnly(id, {
      dispatcher: ['file', 'reject', 'dispatch', 'merge', 'note'],
      supervisor: ['escalate', 'note'],
      'grid_worker.qiaotou': ['note'],
      'resident.qiaotou': [],
      'dept.sz': 404,
    });
    c = await step(t, dispatcher, id, 'file', { version: c.version, note: '情况属实' });
    expect(c.state).toBe('filed');
    await expectOnly(id, { dispatcher: ['reject', 'dispatch', 'merge', 'note'], supervisor: ['escalate', 'note'], 'resident.qiaotou': [], 'dept.sz': 404 });
    c = await step(t, dispatcher, id, 'dispatch', { version: c.version });
    expect(c.state).toBe('dispatched');
    await expectOnly(id, {
      dispatcher: ['note'],
      supervisor: ['suspend', 'urge', 'escalate', 'note'],
      'dept.sz': ['accept', 'return', 'note'],
      'grid_worker.qiaotou': ['note'],
      'resident.qiaotou': [],
    });
    c = await step(t, dept, id, 'accept', { version: c.version });
    await expectOnly(id, { 'dept.sz': ['return', 'resolve', 'requestExtension', 'note'], supervisor: ['suspend', 'urge', 'escalate', 'note'], dispatcher: ['note'] });
    c = await step(t, dept, id, 'extension', { version: c.version, hours: 8, reason: '需要采购材料' });
    const before = c.deadlineAt as string;
    await expectOnly(id, { 'dept.sz': ['return', 'resolve', 'note'], supervisor: ['decideExtension', 'suspend', 'urge', 'escalate', 'note'] });
    c = await step(t, sup, id, 'extension/decision', { version: c.version, approve: true, note: '同意' });
    // 8 more working hours: RT01 48 h from Mon 09:00 → +8 working hours later
    expect(new Date(c.deadlineAt as string).getTime()).toBeGreaterThan(new Date(before).getTime() + 8 * 3600_000);
    c = await step(t, sup, id, 'urge', { version: c.version, note: '请加快进度' });
    expect(c.urgeCount).toBe(1);
    c = await step(t, dept, id, 'resolve', { version: c.version, note: '已修补路面' });
    expect(c.state).toBe('resolved');
    await expectOnly(id, { 'grid_worker.qiaotou': ['verify', 'note'], 'dept.sz': ['note'], supervisor: ['escalate', 'note'], dispatcher: ['note'], 'resident.qiaotou': [] });
    // failing verification needs a reason
    expect((await post(t, gw, `/api/cases/${id}/verify`, { version: c.version, passed: false })).statusCode).toBe(400);
    c = await step(t, gw, id, 'verify', { version: c.version, passed: false, note: '修补处又塌陷了' });
    expect(c.state).toBe('rework');
    expect(c.reworkCount).toBe(1);
    await expectOnly(id, { 'dept.sz': ['resolve', 'requestExtension', 'note'], supervisor: ['suspend', 'urge', 'escalate', 'note'], 'grid_worker.qiaotou': ['note'] });
    c = await step(t, dept, id, 'resolve', { version: c.version, note: '重新铺设' });
    c = await step(t, gw, id, 'verify', { version: c.version, passed: true });
    expect(c.state).toBe('closed');
    await expectOnly(id, {
      'resident.qiaotou': ['reopen', 'rate'],
      dispatcher: ['reopen', 'rate', 'note'],
      supervisor: ['note'],
      'dept.sz': ['note'],
      'grid_worker.qiaotou': ['note'],
    });
    c = await step(t, resident, id, 'rate', { version: c.version, rating: 2, comment: '又坏了' });
    await expectOnly(id, { 'resident.qiaotou': ['reopen'] });
    t.clock.advanceHours(24 * 6);
    u.reset();
    c = await step(t, await u.as('resident.qiaotou'), id, 'reopen', { version: c.version, reason: '路面又坏了' });
    expect(c.state).toBe('dispatched');
    expect(c.reopenCount).toBe(1);
    expect(c.rating).toBeNull();
    const tl = (await t.req('GET', `/api/cases/${id}`, { cookie: await u.as('dispatcher') })).json().timeline.map((e: { action: string }) => e.action);
    expect(tl).toEqual(['reported', 'filed', 'dispatched', 'accepted', 'extension_requested', 'extended', 'urged', 'resolved', 'verified', 'rework', 'resolved', 'verified', 'closed', 'rated', 'reopened']);
  });

  it('refuses reopening more than 7 days after closure', async () => {
    const resident = await u.as('resident.qiaotou');
    const dispatcher = await u.as('dispatcher');
    let c = await reportAs(t, resident, { description: '绿地被破坏', category: 'GR02', location: pointIn(QIAOTOU_G01, 0.3, 0.3) });
    c = await step(t, dispatcher, c.id, 'dispatch', { version: c.version });
    c = await step(t, await u.as('dept.yl'), c.id, 'accept', { version: c.version });
    c = await step(t, await u.as('dept.yl'), c.id, 'resolve', { version: c.version, note: '已补种' });
    c = await step(t, await u.as('grid_worker.qiaotou'), c.id, 'verify', { version: c.version, passed: true });
    t.clock.advanceHours(24 * 7 + 1);
    u.reset();
    const r = await post(t, await u.as('resident.qiaotou'), `/api/cases/${c.id}/reopen`, { version: c.version, reason: '又被踩坏' });
    expect(r.statusCode).toBe(409);
    expect(r.json().error.details.allowed).toEqual(['rate']);
  });

  it('returns, suspends and resumes, rejects, and escalates', async () => {
    t.clock.set('2026-12-14T01:30:00Z'); // a Monday, 09:30: suspension below spans working time
    u.reset();
    const dispatcher = await u.as('dispatcher');
    const sup = await u.as('supervisor');
    const dept = await u.as('dept.sz');
    let c = await reportAs(t, dispatcher, { description: '热线：排水井盖缺失', category: 'UF02', reporter: { name: '王先生', phone: '13800001111' } });
    expect(c.channel).toBe('hotline');
    c = await step(t, dispatcher, c.id, 'dispatch', { version: c.version });
    expect(c.department).toMatchObject({ code: 'SZ' });
    c = await step(t, dept, c.id, 'return', { version: c.version, reason: '属供水井盖，非排水' });
    expect(c.state).toBe('returned');
    expect(c.department).toBeNull();
    const board = (await t.req('GET', '/api/cases/board?kind=returned', { cookie: sup })).json();
    expect(board.items.map((x: { id: string }) => x.id)).toContain(c.id);
    expect((await t.req('GET', `/api/cases/${c.id}`, { cookie: dept })).statusCode).toBe(404);
    await expectOnly(c.id, { dispatcher: ['reject', 'dispatch', 'merge', 'note'], supervisor: ['urge', 'escalate', 'note'], 'dept.sz': 404 });
    c = await step(t, dispatcher, c.id, 'dispatch', { version: c.version, categoryCode: 'UF01' });
    expect((c.department as { code: string }).code).toBe('GS');
    const deadline = new Date(c.deadlineAt as string).getTime();
    c = await step(t, sup, c.id, 'suspend', { version: c.version, reason: '等待燃气公司配合' });
    expect(c.state).toBe('suspended');
    await expectOnly(c.id, { supervisor: ['resume', 'escalate', 'note'], 'dept.gs': ['note'] });
    t.clock.advanceHours(1); // one working hour (Mon 09:xx → 10:xx) passes while suspended
    c = await step(t, sup, c.id, 'resume', { version: c.version });
    expect(c.state).toBe('dispatched');
    expect(new Date(c.deadlineAt as string).getTime()).toBeGreaterThan(deadline);
    c = await step(t, sup, c.id, 'escalate', { version: c.version, reason: '跨部门协调' });
    c = await step(t, sup, c.id, 'escalate', { version: c.version, reason: '街道协调' });
    expect(c.escalationLevel).toBe(2);
    const r = await post(t, sup, `/api/cases/${c.id}/escalate`, { version: c.version, reason: '再提级' });
    expect(r.statusCode).toBe(409);
    expect(r.json().error.details.allowed).not.toContain('escalate');

    let x = await reportAs(t, dispatcher, { description: '咨询社保政策', category: 'LV02' });
    expect((await post(t, dispatcher, `/api/cases/${x.id}/reject`, { version: x.version })).statusCode).toBe(400);
    x = await step(t, dispatcher, x.id, 'reject', { version: x.version, reason: '已转 12333 热线' });
    expect(x.state).toBe('rejected');
    await expectOnly(x.id, { dispatcher: ['note'], supervisor: ['note'] });
  });

  it('catches stale versions: a step sent with a version someone else has moved past gets 409 and changes nothing', async () => {
    const dispatcher = await u.as('dispatcher');
    const hw = await u.as('dept.hw');
    const sup = await u.as('supervisor');
    const c = await reportAs(t, dispatcher, { description: '暴露垃圾', category: 'EN01' });
    const d = await step(t, dispatcher, c.id, 'dispatch', { version: c.version });
    // two people read the case at the same version; the supervisor urges first, so the handler's copy is stale
    const seenByHandler = (await t.req('GET', `/api/cases/${c.id}`, { cookie: hw })).json();
    expect(seenByHandler.version).toBe(d.version);
    const urged = await step(t, sup, c.id, 'urge', { version: d.version, note: '请尽快处理' });
    expect(urged.version).toBe(d.version + 1);
    const stale = await post(t, hw, `/api/cases/${c.id}/accept`, { version: seenByHandler.version });
    expect(stale.statusCode).toBe(409);
    expect(stale.json().error.details.currentVersion).toBe(urged.version);
    expect(stale.json().error.details.allowed).toContain('accept'); // the step itself is legal: only the version is old
    // the supervisor's own copy is now stale too: a second urge on the old version is refused the same way
    const again = await post(t, sup, `/api/cases/${c.id}/urge`, { version: d.version, note: '再次督办' });
    expect(again.statusCode).toBe(409);
    expect(again.json().error.details.currentVersion).toBe(urged.version);
    // nothing was changed by the refusals
    let now = (await t.req('GET', `/api/cases/${c.id}`, { cookie: dispatcher })).json();
    expect(now).toMatchObject({ state: 'dispatched', version: urged.version, urgeCount: 1 });
    expect(now.timeline.filter((e: { action: string }) => e.action === 'accepted')).toHaveLength(0);
    // with the current version the same step goes through, and the old version is stale again
    const accepted = await step(t, hw, c.id, 'accept', { version: now.version });
    expect(accepted.state).toBe('accepted');
    const late = await post(t, hw, `/api/cases/${c.id}/resolve`, { version: now.version, note: '已清运' });
    expect(late.statusCode).toBe(409);
    expect(late.json().error.details.currentVersion).toBe(accepted.version);
    now = (await t.req('GET', `/api/cases/${c.id}`, { cookie: hw })).json();
    expect(now).toMatchObject({ state: 'accepted', version: accepted.version });
  });

  it('of two legal steps sent at once on the same version, one is applied and the other gets 409', async () => {
    const dispatcher = await u.as('dispatcher');
    const hw = await u.as('dept.hw');
    const sup = await u.as('supervisor');
    const c = await reportAs(t, dispatcher, { description: '暴露垃圾', category: 'EN01', location: pointIn(QIAOTOU_G01, 0.2, 0.8) });
    const d = await step(t, dispatcher, c.id, 'dispatch', { version: c.version });
    // accepting and urging are both legal before and after each other, so whichever comes second fails only on its version
    const [a, b] = await Promise.all([post(t, hw, `/api/cases/${c.id}/accept`, { version: d.version }), post(t, sup, `/api/cases/${c.id}/urge`, { version: d.version, note: '请尽快处理' })]);
    expect([a.statusCode, b.statusCode].sort()).toEqual([200, 409]);
    const loser = [a, b].find((r) => r.statusCode === 409)!;
    expect(loser.json().error.details.currentVersion).toBe(d.version + 1);
    const now = (await t.req('GET', `/api/cases/${c.id}`, { cookie: dispatcher })).json();
    expect(now.version).toBe(d.version + 1);
    expect(now.timeline.filter((e: { action: string }) => e.action === 'accepted' || e.action === 'urged')).toHaveLength(1);
  });

  it('validates intake: description, location in the district, known category', async () => {
    const resident = await u.as('resident.qiaotou');
    expect((await post(t, resident, '/api/cases', { location: pointIn(QIAOTOU_G01) })).statusCode).toBe(400);
    expect((await post(t, resident, '/api/cases', { description: 'x', location: { lng: 113.2, lat: 28.3 } })).statusCode).toBe(400);
    expect((await post(t, resident, '/api/cases', { description: 'x', location: pointIn(QIAOTOU_G01), category: 'ZZ99' })).statusCode).toBe(400);
    expect((await post(t, resident, '/api/cases', { description: 'x', location: { lng: 'a', lat: 1 } })).statusCode).toBe(400);
    expect((await post(t, resident, '/api/cases', { description: 'x', location: pointIn(QIAOTOU_G01), channel: 'hotline' })).statusCode).toBe(403);
    expect((await post(t, await u.as('dept.sz'), '/api/cases', { description: 'x', location: pointIn(QIAOTOU_G01) })).statusCode).toBe(403);
    expect((await post(t, undefined, '/api/cases', { description: 'x', location: pointIn(QIAOTOU_G01) })).statusCode).toBe(401);
  });

  it('is idempotent: the same idempotency key gives the same case and one row', async () => {
    const resident = await u.as('resident.qiaotou');
    const body = { description: '路灯不亮', category: 'UF06', location: pointIn(QIAOTOU_G01, 0.7, 0.7), idempotencyKey: 'resident-retry-42' };
    const [a, b] = await Promise.all([post(t, resident, '/api/cases', body), post(t, resident, '/api/cases', body)]);
    const c = await post(t, resident, '/api/cases', body);
    expect(new Set([a.json().id, b.json().id, c.json().id]).size).toBe(1);
    expect([a.statusCode, b.statusCode].sort()).toEqual([200, 201]);
    expect(c.statusCode).toBe(200);
    const rows = await t.og.ctx.db.selectFrom('cases').select('id').where('idem_key', 'like', '%:resident-retry-42').execute();
    expect(rows).toHaveLength(1);
    // another person's key is another case
    const d = await post(t, await u.as('resident.mulian'), '/api/cases', body);
    expect(d.statusCode).toBe(201);
    expect(d.json().id).not.toBe(a.json().id);
  });

  it('offers duplicates on intake; the dispatcher merges and merged reporters follow the survivor', async () => {
    const p = pointIn(QIAOTOU_G01, 0.1, 0.9);
    const first = await reportAs(t, await u.as('resident.qiaotou'), { description: '垃圾堆放', category: 'EN04', location: p });
    expect(first.possibleDuplicates).toEqual([]);
    const near = { lng: p.lng + 0.0002, lat: p.lat + 0.0001 }; // about 22 m
    const mulian = await u.as('resident.mulian');
    const second = await reportAs(t, mulian, { description: '同一处占道经营', category: 'EN04', location: near });
    expect(second.possibleDuplicates).toEqual([expect.objectContaining({ id: first.id })]);
    const d = (second.possibleDuplicates as Array<{ distanceM: number }>)[0]!.distanceM;
    expect(d).toBeGreaterThan(10);
    expect(d).toBeLessThanOrEqual(t.config.duplicateRadiusM);
    // farther than the radius, or another category: not offered
    const far = await reportAs(t, mulian, { description: '远处占道', category: 'EN04', location: { lng: p.lng + 0.002, lat: p.lat } });
    expect((far.possibleDuplicates as Array<{ id: string }>).map((x) => x.id)).not.toContain(first.id);
    const otherCat = await reportAs(t, mulian, { description: '同处垃圾', category: 'EN01', location: near });
    expect((otherCat.possibleDuplicates as Array<{ id: string }>).map((x) => x.id)).not.toContain(first.id);

    const dispatcher = await u.as('dispatcher');
    const queue = (await t.req('GET', '/api/cases/queue?category=EN04', { cookie: dispatcher })).json();
    expect(queue.items.find((x: { id: string }) => x.id === second.id).possibleDuplicates.map((x: { id: string }) => x.id)).toContain(first.id);
    const merged = await step(t, dispatcher, second.id, 'merge', { version: second.version, intoId: first.id });
    expect(merged.state).toBe('merged');
    expect((merged.mergedInto as { number: string }).number).toBe(first.number);
    // the merged reporter follows the survivor: sees it, finds it in "my cases", is told of its progress
    expect((await t.req('GET', `/api/cases/${first.id}`, { cookie: mulian })).statusCode).toBe(200);
    const mine = (await t.req('GET', '/api/cases/mine', { cookie: mulian })).json();
    expect(mine.items.map((x: { id: string }) => x.id)).toEqual(expect.arrayContaining([first.id, second.id]));
    const f = (await t.req('GET', `/api/cases/${first.id}`, { cookie: dispatcher })).json();
    await step(t, dispatcher, first.id, 'dispatch', { version: f.version });
    const inbox = (await t.req('GET', '/api/notifications', { cookie: mulian })).json();
    expect(inbox.items.map((n: { kind: string }) => n.kind)).toEqual(expect.arrayContaining(['case.merged', 'case.dispatched']));
    expect(inbox.items.find((n: { kind: string }) => n.kind === 'case.dispatched').data.caseId).toBe(first.id);
    // the survivor does not show the other reporter to the merged reporter
    expect((await t.req('GET', `/api/cases/${first.id}`, { cookie: mulian })).json().reporter).toBeNull();
    // outside the time window nothing is offered
    t.clock.advanceHours(t.config.duplicateWindowHours + 1);
    u.reset();
    const late = await reportAs(t, await u.as('resident.mulian'), { description: '又有占道', category: 'EN04', location: near });
    expect((late.possibleDuplicates as Array<{ id: string }>).map((x) => x.id)).not.toContain(first.id);
  });

  it('serves the IoT contract: one open case per source, notes, sensor verification', async () => {
    const ctx = t.og.ctx;
    const sys = systemActor();
    const input = { description: '井盖位移传感器告警', location: pointIn(QIAOTOU_G01, 0.4, 0.6), categoryCode: 'UF02', channel: 'iot' as const, source: { type: 'device', key: 'DEV-001:tilt' } };
    const a = await reportCase(ctx, sys, input);
    const b = await reportCase(ctx, sys, input);
    expect(b.id).toBe(a.id);
    expect(b.created).toBe(false);
    expect((await findOpenCaseBySource(ctx, 'device', 'DEV-001:tilt'))?.id).toBe(a.id);
    expect(await findOpenCaseBySource(ctx, 'device', 'DEV-404:tilt')).toBeNull();
    await appendCaseNote(ctx, sys, a.id, '倾角 12°', { tilt: 12 });
    const dispatcher = await u.as('dispatcher');
    let c = (await t.req('GET', `/api/cases/${a.id}`, { cookie: dispatcher })).json();
    expect(c.timeline.at(-1)).toMatchObject({ action: 'note', note: '倾角 12°', data: { tilt: 12 } });
    expect(c.version).toBe(a.version); // a note is not a state change
    c = await step(t, dispatcher, a.id, 'dispatch', { version: c.version });
    c = await step(t, await u.as('dept.sz'), a.id, 'accept', { version: c.version });
    c = await step(t, await u.as('dept.sz'), a.id, 'resolve', { version: c.version, note: '已复位' });
    const failed = await verifyCase(ctx, sys, a.id, { passed: false, note: '传感器仍报倾斜', by: 'sensor' });
    expect(failed.state).toBe('rework');
    c = await step(t, await u.as('dept.sz'), a.id, 'resolve', { version: failed.version, note: '更换井盖' });
    const closed = await verifyCase(ctx, sys, a.id, { passed: true, by: 'sensor' });
    expect(closed.state).toBe('closed');
    const tl = (await t.req('GET', `/api/cases/${a.id}`, { cookie: dispatcher })).json().timeline;
    expect(tl.filter((e: { action: string }) => e.action === 'verified').map((e: { data: { by: string; passed: boolean } }) => [e.data.by, e.data.passed])).toEqual([
      ['sensor', false],
      ['sensor', true],
    ]);
    expect(tl.find((e: { action: string }) => e.action === 'closed').actor).toBe('系统');
    // once closed, the same source opens a new case
    const again = await reportCase(ctx, sys, input);
    expect(again.id).not.toBe(a.id);
    expect(again.created).toBe(true);
  });

  it('an extension refused by the supervisor: the deadline stays where it was and the case goes overdue on it', async () => {
    t.clock.set(new Date('2026-11-30T09:00:00+08:00')); // a Monday, later than anything the tests above reach
    u.reset();
    const dispatcher = await u.as('dispatcher');
    const dept = await u.as('dept.sz');
    const sup = await u.as('supervisor');
    let c = await reportAs(t, dispatcher, { description: '人行道井盖缺失', category: 'UF02', location: pointIn(QIAOTOU_G01, 0.3, 0.6) });
    c = await step(t, dispatcher, c.id, 'dispatch', { version: c.version });
    // UF02: 4 working hours from Monday 09:00 = 3 h to 12:00 + 1 h from 14:00 → 15:00 Shanghai
    const deadline = '2026-11-30T07:00:00.000Z';
    expect(c.deadlineAt).toBe(deadline);
    c = await step(t, dept, c.id, 'accept', { version: c.version });
    c = await step(t, dept, c.id, 'extension', { version: c.version, hours: 8, reason: '需要定制井盖' });
    expect(c.pendingExtension).toMatchObject({ hours: 8, reason: '需要定制井盖' });
    expect(c.deadlineAt).toBe(deadline);
    await expectOnly(c.id, { 'dept.sz': ['return', 'resolve', 'note'], supervisor: ['decideExtension', 'suspend', 'urge', 'escalate', 'note'] });

    c = await step(t, sup, c.id, 'extension/decision', { version: c.version, approve: false, note: '理由不充分，请按期完成' });
    expect(c.state).toBe('accepted');
    expect(c.deadlineAt).toBe(deadline);
    expect(c.pendingExtension).toBeNull();
    const row = await t.og.ctx.db.selectFrom('cases').select(['limit_minutes', 'deadline_at', 'deadline_gen']).where('id', '=', c.id).executeTakeFirstOrThrow();
    expect(row.limit_minutes).toBe(4 * 60);
    expect(new Date(row.deadline_at!).toISOString()).toBe(deadline);
    const ext = await t.og.ctx.db.selectFrom('case_extensions').innerJoin('users', 'users.id', 'case_extensions.decided_by').select(['case_extensions.state', 'users.username', 'case_extensions.decision_note']).where('case_id', '=', c.id).execute();
    expect(ext).toEqual([{ state: 'refused', username: 'supervisor', decision_note: '理由不充分，请按期完成' }]);
    const staff = (await t.req('GET', `/api/cases/${c.id}`, { cookie: dispatcher })).json();
    expect(staff.timeline.at(-1)).toMatchObject({ action: 'extension_refused', note: '理由不充分，请按期完成', data: { hours: 8 } });
    expect(staff.timeline.map((e: { action: string }) => e.action)).not.toContain('extended');
    const inbox = (await t.req('GET', '/api/notifications', { cookie: dept })).json();
    expect(inbox.items.find((n: { kind: string; data: { caseId: string } }) => n.kind === 'case.extension' && n.data.caseId === c.id)?.title).toContain('未批准');
    // the request is decided: no second decision, and the handler may ask again
    await expectOnly(c.id, { 'dept.sz': ['return', 'resolve', 'requestExtension', 'note'], supervisor: ['suspend', 'urge', 'escalate', 'note'] });

    // the original deadline still holds: at 15:00 the case is overdue
    t.clock.set(new Date(deadline));
    await t.og.ctx.jobs.runAllDue();
    const after = await t.og.ctx.db.selectFrom('cases').select(['overdue_at', 'state']).where('id', '=', c.id).executeTakeFirstOrThrow();
    expect(after.state).toBe('accepted');
    expect(new Date(after.overdue_at!).toISOString()).toBe(deadline);
  });
});
