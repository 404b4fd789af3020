import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';

vi.mock('../dispatch/index.js', async (orig) => {
  const m = await orig<typeof import('../dispatch/index.js')>();
  return { ...m, adviseIntake: (await import('./testing.js')).stubAdviseIntake(m) };
});
import { startTestApp, type TestApp } from '../../../test/helpers.js';
import { multipart, pointIn, post, QIAOTOU_G01, tinyJpeg, Users } from './testing.js';

describe('cases: one case from report to rating through HTTP, five users', () => {
  let t: TestApp;
  let u: Users;
  beforeAll(async () => {
    t = await startTestApp();
    u = new Users(t);
  });
  afterAll(async () => t?.close());

  it('resident reports → dispatcher dispatches → department accepts, asks for more time → supervisor approves → department resolves → grid worker verifies → resident rates', async () => {
    const events: string[] = [];
    const off = t.og.ctx.events.subscribe((e) => events.push(e.type));

    // 1. resident.qiaotou reports with a photo
    const resident = await u.as('resident.qiaotou');
    const up = multipart([{ name: 'well.jpg', data: await tinyJpeg() }]);
    const photos = await t.req('POST', '/api/files', { cookie: resident, body: up.body, headers: up.headers });
    expect(photos.statusCode).toBe(201);
    const photoId = photos.json()[0].id;
    const r = await post(t, resident, '/api/cases', {
      description: '桥头小区门口排水井盖破损，晚上很危险',
      location: pointIn(QIAOTOU_G01),
      address: '桥头小区北门',
      category: 'UF02',
      idempotencyKey: 'journey-0001',
      photos: [photoId],
    });
    expect(r.statusCode).toBe(201);
    const created = r.json();
    expect(created.number).toMatch(/^20261123\d{5}$/);
    expect(created.trackCode).toMatch(/^[2-9A-HJKMNP-Z]{6}$/);
    expect(created.state).toBe('reported');
    expect(created.grid.code).toBe('430103007001G01');
    expect(created.category.code).toBe('UF02');
    expect(created.department).toBeNull();
    expect(created.advice).toBeNull(); // residents do not see the routing advice
    const id = created.id;

    // 2. dispatcher sees it in the queue and dispatches (category's default department SZ)
    const dispatcher = await u.as('dispatcher');
    const queue = (await t.req('GET', '/api/cases/queue', { cookie: dispatcher })).json();
    expect(queue.items.map((x: { id: string }) => x.id)).toContain(id);
    const detail = (await t.req('GET', `/api/cases/${id}`, { cookie: dispatcher })).json();
    expect(detail.allowedActions).toEqual(expect.arrayContaining(['file', 'reject', 'dispatch', 'merge']));
    const dispatched = (await post(t, dispatcher, `/api/cases/${id}/dispatch`, { version: detail.version })).json();
    expect(dispatched.state).toBe('dispatched');
    expect(dispatched.department.code).toBe('SZ');
    expect(dispatched.deadlineAt).toBe('2026-11-23T07:00:00.000Z'); // 09:00 + 4 working hours: 3 h to 12:00, 1 h from 14:00 → 15:00 Shanghai

    // 3. dept.sz accepts
    const dept = await u.as('dept.sz');
    const work = (await t.req('GET', '/api/cases/worklist?bucket=to_accept', { cookie: dept })).json();
    expect(work.items.map((x: { id: string }) => x.id)).toContain(id);
    t.clock.advanceMinutes(20);
    const accepted = (await post(t, dept, `/api/cases/${id}/accept`, { version: dispatched.version })).json();
    expect(accepted.state).toBe('accepted');

    // 4. dept.sz needs a custom-made cover and asks for 2 more hours; the supervisor approves from the extensions board
    const asked = await post(t, dept, `/api/cases/${id}/extension`, { version: accepted.version, hours: 2, reason: '需定制非标井盖' });
    expect(asked.statusCode).toBe(200);
    expect(asked.json().deadlineAt).toBe(dispatched.deadlineAt); // nothing moves until a supervisor decides
    expect(asked.json().allowedActions).not.toContain('requestExtension'); // one request at a time
    const supervisor = await u.as('supervisor');
    const supInbox = (await t.req('GET', '/api/notifications', { cookie: supervisor })).json();
    expect(supInbox.items.map((n: { kind: string }) => n.kind)).toContain('case.extension');
    const board = (await t.req('GET', '/api/cases/board?kind=extensions', { cookie: supervisor })).json();
    const pending = board.items.find((x: { id: string }) => x.id === id);
    expect(pending.pendingExtension).toMatchObject({ hours: 2, reason: '需定制非标井盖' });
    const onBoard = (await t.req('GET', `/api/cases/${id}`, { cookie: supervisor })).json();
    expect(onBoard.allowedActions).toContain('decideExtension');
    t.clock.advanceMinutes(10);
    const approved = await post(t, supervisor, `/api/cases/${id}/extension/decision`, { version: onBoard.version, approve: true, note: '同意延期' });
    expect(approved.statusCode).toBe(200);
    // 4 + 2 working hours from Monday 09:00: 09:00–12:00 and 14:00–17:00 → 17:00 Shanghai
    expect(approved.json().deadlineAt).toBe('2026-11-23T09:00:00.000Z');
    expect(approved.json().state).toBe('accepted');
    expect((await t.req('GET', '/api/cases/board?kind=extensions', { cookie: supervisor })).json().items.map((x: { id: string }) => x.id)).not.toContain(id);
    const deptInbox = (await t.req('GET', '/api/notifications', { cookie: dept })).json();
    expect(deptInbox.items.find((n: { kind: string; title: string }) => n.kind === 'case.extension')?.title).toContain('已批准');

    // 5. dept.sz resolves with a photo
    const up2 = multipart([{ name: 'fixed.jpg', data: await tinyJpeg() }]);
    const after = (await t.req('POST', '/api/files', { cookie: dept, body: up2.body, headers: up2.headers })).json();
    t.clock.advanceHours(1);
    const resolved = await post(t, dept, `/api/cases/${id}/resolve`, { version: approved.json().version, note: '已更换新井盖', photos: [after[0].id] });
    expect(resolved.statusCode).toBe(200);
    expect(resolved.json().state).toBe('resolved');

    // 6. grid_worker.qiaotou verifies on site
    const gw = await u.as('grid_worker.qiaotou');
    const tasks = (await t.req('GET', '/api/cases/verification', { cookie: gw })).json();
    expect(tasks.items.map((x: { id: string }) => x.id)).toContain(id);
    const closed = (await post(t, gw, `/api/cases/${id}/verify`, { version: resolved.json().version, passed: true, note: '现场已修复' })).json();
    expect(closed.state).toBe('closed');
    // the grid worker can see the department's photo of the case
    expect((await t.req('GET', `/api/files/${after[0].id}/thumb`, { cookie: gw })).statusCode).toBe(200);

    // 7. back to the resident: inbox, public timeline, rating
    const inbox = (await t.req('GET', '/api/notifications', { cookie: resident })).json();
    expect(inbox.items.map((n: { kind: string }) => n.kind)).toEqual(expect.arrayContaining(['case.dispatched', 'case.resolved', 'case.closed']));
    const mine = (await t.req('GET', `/api/cases/${id}`, { cookie: resident })).json();
    expect(mine.allowedActions).toEqual(expect.arrayContaining(['rate', 'reopen']));
    expect(mine.timeline.map((e: { action: string }) => e.action)).toEqual(['reported', 'filed', 'dispatched', 'accepted', 'resolved', 'verified', 'closed']);
    // the public timeline names roles, not people
    expect(mine.timeline.map((e: { actor: string | null }) => e.actor)).toEqual(['居民', '受理派遣员', '受理派遣员', '部门处置人员', '部门处置人员', '网格员', '网格员']);
    const rated = (await post(t, resident, `/api/cases/${id}/rate`, { version: mine.version, rating: 5, comment: '修得很快' })).json();
    expect(rated.rating).toBe(5);
    expect(rated.allowedActions).not.toContain('rate');

    // the staff timeline has every step with actors
    const staff = (await t.req('GET', `/api/cases/${id}`, { cookie: dispatcher })).json();
    const names = staff.timeline.map((e: { actor: string }) => e.actor);
    expect(names).toEqual(expect.arrayContaining(['街道受理派遣员', '桥头网格员']));
    const extended = staff.timeline.find((e: { action: string }) => e.action === 'extended');
    expect(extended).toMatchObject({ note: '同意延期', data: { hours: 2, deadlineAt: '2026-11-23T09:00:00.000Z' } });
    expect(staff.timeline.map((e: { action: string }) => e.action)).toEqual(['reported', 'filed', 'dispatched', 'accepted', 'extension_requested', 'extended', 'resolved', 'verified', 'closed', 'rated']);
    expect(staff.timeline.find((e: { action: string }) => e.action === 'resolved').photos[0].id).toBe(after[0].id);

    // public tracking by number and by receipt code, without personal data
    const byNumber = await t.req('GET', `/api/cases/track/${created.number}`);
    const byCode = await t.req('GET', `/api/cases/track/${created.trackCode.toLowerCase()}`);
    expect(byNumber.statusCode).toBe(200);
    expect(byCode.json()).toEqual(byNumber.json());
    expect(byNumber.json().state).toBe('closed');
    expect(byNumber.body).not.toContain('桥头小区门口排水井盖破损');
    expect(byNumber.body).not.toContain(mine.reporter?.name ?? '@@none@@');
    expect((await t.req('GET', '/api/cases/track/ZZZZZZ')).statusCode).toBe(404);

    off();
    expect(events).toEqual(expect.arrayContaining(['case.reported', 'case.filed', 'case.dispatched', 'case.accepted', 'case.extended', 'case.resolved', 'case.verified', 'case.closed', 'case.rated']));
    // every step audited
    const audits = await t.og.ctx.db.selectFrom('audit_log').select('action').where('entity', '=', 'case').where('entity_id', '=', id).orderBy('seq').execute();
    expect(audits.map((a) => a.action)).toEqual(['case.report', 'case.dispatch', 'case.accept', 'case.requestExtension', 'case.decideExtension', 'case.resolve', 'case.verify', 'case.rate']);
    // five different accounts acted on the case
    const actors = await t.og.ctx.db
      .selectFrom('audit_log')
      .innerJoin('users', 'users.id', 'audit_log.actor_id')
      .select(['users.username', 'audit_log.action'])
      .where('audit_log.entity', '=', 'case')
      .where('audit_log.entity_id', '=', id)
      .orderBy('audit_log.seq')
      .execute();
    expect(actors.map((a) => [a.action, a.username])).toEqual([
      ['case.report', 'resident.qiaotou'],
      ['case.dispatch', 'dispatcher'],
      ['case.accept', 'dept.sz'],
      ['case.requestExtension', 'dept.sz'],
      ['case.decideExtension', 'supervisor'],
      ['case.resolve', 'dept.sz'],
      ['case.verify', 'grid_worker.qiaotou'],
      ['case.rate', 'resident.qiaotou'],
    ]);
    expect(new Set(actors.map((a) => a.username)).size).toBe(5);
  });
});
