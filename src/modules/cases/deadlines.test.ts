import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';

vi.mock('../dispatch/index.js', async (orig) => {
  const m = await orig<typeof import('../dispatch/index.js')>();
  return { ...m, adviseIntake: (await import('./testing.js')).stubAdviseIntake(m) };
});

import { startTestApp, type TestApp } from '../../../test/helpers.js';
import { advisorStub, pointIn, post, QIAOTOU_G01, reportAs, step, Users } from './testing.js';

const events = async (t: TestApp, id: string) =>
  (await t.og.ctx.db.selectFrom('case_events').select(['action', 'actor_name']).where('case_id', '=', id).orderBy('at').orderBy('id').execute()).map((e) => e.action);

describe('cases: deadlines on the working calendar', () => {
  let t: TestApp;
  let u: Users;
  beforeAll(async () => {
    t = await startTestApp();
    u = new Users(t);
  });
  afterAll(async () => t?.close());

  it('warns at 80 % and marks overdue at 100 % of working time, then urges through the supervisor', async () => {
    // Monday 2026-11-23 09:00 Shanghai; UF02 has 4 working hours
    t.clock.set('2026-11-23T01:00:00Z');
    u.reset();
    const dispatcher = await u.as('dispatcher');
    let c = await reportAs(t, dispatcher, { description: '排水井盖破损', category: 'UF02' });
    c = await step(t, dispatcher, c.id, 'dispatch', { version: c.version });
    expect(c.clockMode).toBe('working');
    expect(c.acceptDueAt).toBe('2026-11-23T02:00:00.000Z'); // 1 h (a quarter of 4 h) → 10:00
    expect(c.warnAt).toBe('2026-11-23T06:12:00.000Z'); // 3 h 12 min: 09:00–12:00 + 14:00–14:12
    expect(c.deadlineAt).toBe('2026-11-23T07:00:00.000Z'); // 15:00
    const jobs = await t.og.ctx.db.selectFrom('jobs').select(['unique_key', 'run_at']).where('unique_key', 'like', `case:${c.id}:%`).orderBy('run_at').execute();
    expect(jobs.map((j) => j.unique_key)).toEqual([`case:${c.id}:warn`, `case:${c.id}:overdue`]);

    const seen: string[] = [];
    const off = t.og.ctx.events.subscribe((e) => seen.push(e.type));
    // lunch break does not count: at 13:59 only 3 h have passed
    t.clock.set('2026-11-23T05:59:00Z');
    await t.og.ctx.jobs.runAllDue();
    t.clock.set('2026-11-23T06:11:00Z');
    await t.og.ctx.jobs.runAllDue();
    expect(await events(t, c.id)).not.toContain('warning');
    t.clock.set('2026-11-23T06:12:00Z');
    await t.og.ctx.jobs.runAllDue();
    expect(await events(t, c.id)).toContain('warning');
    expect(seen).toContain('case.warning');
    u.reset();
    const dept = await u.as('dept.sz');
    const near = (await t.req('GET', '/api/cases/worklist?bucket=near_deadline', { cookie: dept })).json();
    expect(near.items.map((x: { id: string }) => x.id)).toContain(c.id);
    const inbox = (await t.req('GET', '/api/notifications', { cookie: dept })).json();
    expect(inbox.items.map((n: { kind: string }) => n.kind)).toContain('case.warning');

    t.clock.set('2026-11-23T06:59:00Z');
    await t.og.ctx.jobs.runAllDue();
    expect(await events(t, c.id)).not.toContain('overdue');
    t.clock.set('2026-11-23T07:00:00Z');
    await t.og.ctx.jobs.runAllDue();
    expect((await events(t, c.id)).slice(-2)).toEqual(['overdue', 'urged']);
    expect(seen).toEqual(expect.arrayContaining(['case.overdue', 'case.urged']));
    off();
    const sup = await u.as('supervisor');
    const board = (await t.req('GET', '/api/cases/board?kind=overdue', { cookie: sup })).json();
    expect(board.items.find((x: { id: string }) => x.id === c.id)).toMatchObject({ overdue: true, urgeCount: 1 });
    expect((await t.req('GET', '/api/notifications', { cookie: sup })).json().items.map((n: { kind: string }) => n.kind)).toContain('case.overdue');
    const od = (await t.req('GET', '/api/cases/worklist?bucket=overdue', { cookie: dept })).json();
    expect(od.items.map((x: { id: string }) => x.id)).toContain(c.id);
    // running again changes nothing
    await t.og.ctx.jobs.runAllDue();
    expect((await events(t, c.id)).filter((a) => a === 'overdue')).toHaveLength(1);
  });

  it('skips weekends and holidays, counts extra working days, all editable by the admin', async () => {
    t.clock.set('2026-11-27T08:00:00Z'); // Friday 16:00
    u.reset();
    const admin = await u.as('admin');
    const dispatcher = await u.as('dispatcher');
    // a non-admin cannot edit the calendar
    expect((await t.req('PUT', '/api/calendar/days/2026-11-30', { cookie: dispatcher, body: { kind: 'holiday' } })).statusCode).toBe(403);
    expect((await t.req('PUT', '/api/calendar/days/2026-11-30', { cookie: admin, body: { kind: 'holiday', note: '测试假日' } })).statusCode).toBe(200);
    let c = await reportAs(t, dispatcher, { description: '井盖', category: 'UF02', location: pointIn(QIAOTOU_G01, 0.2, 0.8) });
    c = await step(t, dispatcher, c.id, 'dispatch', { version: c.version });
    // Fri 16:00–17:30 (1.5 h), Sat/Sun off, Mon holiday, Tue 08:30 + 2.5 h = 11:00
    expect(c.deadlineAt).toBe('2026-12-01T03:00:00.000Z');
    // Saturday as an extra working day (调休)
    expect((await t.req('PUT', '/api/calendar/days/2026-11-28', { cookie: admin, body: { kind: 'workday' } })).statusCode).toBe(200);
    let d = await reportAs(t, dispatcher, { description: '井盖', category: 'UF02', location: pointIn(QIAOTOU_G01, 0.8, 0.2) });
    d = await step(t, dispatcher, d.id, 'dispatch', { version: d.version });
    expect(d.deadlineAt).toBe('2026-11-28T03:00:00.000Z'); // Saturday 11:00
    const cal = (await t.req('GET', '/api/calendar', { cookie: dispatcher })).json();
    expect(cal.days).toEqual([
      { date: '2026-11-28', kind: 'workday', note: '' },
      { date: '2026-11-30', kind: 'holiday', note: '测试假日' },
    ]);
    // shorter afternoon hours change later deadlines
    const bad = await t.req('PUT', '/api/calendar', { cookie: admin, body: { workdays: [1, 2, 3, 4, 5], periods: [{ start: '14:00', end: '12:00' }] } });
    expect(bad.statusCode).toBe(400);
    expect((await t.req('PUT', '/api/calendar', { cookie: admin, body: { workdays: [1, 2, 3, 4, 5], periods: [{ start: '09:00', end: '17:00' }] } })).statusCode).toBe(200);
    let e = await reportAs(t, dispatcher, { description: '井盖', category: 'UF02', location: pointIn(QIAOTOU_G01, 0.5, 0.2) });
    e = await step(t, dispatcher, e.id, 'dispatch', { version: e.version });
    expect(e.deadlineAt).toBe('2026-11-28T04:00:00.000Z'); // Fri 16–17 (1 h), Sat 09:00 + 3 h = 12:00
    await t.req('PUT', '/api/calendar', { cookie: admin, body: { workdays: [1, 2, 3, 4, 5], periods: [{ start: '08:30', end: '12:00' }, { start: '14:00', end: '17:30' }] } });
    await t.req('DELETE', '/api/calendar/days/2026-11-28', { cookie: admin });
    await t.req('DELETE', '/api/calendar/days/2026-11-30', { cookie: admin });
  });

  it('runs emergencies and short limits round the clock', async () => {
    t.clock.set('2026-11-27T10:00:00Z'); // Friday 18:00, after hours
    u.reset();
    const dispatcher = await u.as('dispatcher');
    let c = await reportAs(t, dispatcher, { description: '供水管爆裂', category: 'EM02', location: pointIn(QIAOTOU_G01, 0.6, 0.3) });
    c = await step(t, dispatcher, c.id, 'dispatch', { version: c.version });
    expect(c.clockMode).toBe('24h');
    expect(c.deadlineAt).toBe('2026-11-27T12:00:00.000Z'); // 20:00 the same evening
    expect(c.acceptDueAt).toBe('2026-11-27T10:30:00.000Z'); // a quarter of 2 h
  });

  it('ignores reminders once the case has moved on, and reschedules after an extension', async () => {
    t.clock.set('2026-12-07T01:00:00Z'); // Monday 09:00
    u.reset();
    const dispatcher = await u.as('dispatcher');
    const dept = await u.as('dept.sz');
    let c = await reportAs(t, dispatcher, { description: '井盖', category: 'UF02', location: pointIn(QIAOTOU_G01, 0.3, 0.6) });
    c = await step(t, dispatcher, c.id, 'dispatch', { version: c.version });
    c = await step(t, dept, c.id, 'accept', { version: c.version });
    c = await step(t, dept, c.id, 'resolve', { version: c.version, note: '已处理' });
    t.clock.set('2026-12-07T09:00:00Z');
    await t.og.ctx.jobs.runAllDue();
    expect(await events(t, c.id)).not.toContain('warning');
    expect(await events(t, c.id)).not.toContain('overdue');

    let x = await reportAs(t, dispatcher, { description: '井盖', category: 'UF02', location: pointIn(QIAOTOU_G01, 0.7, 0.4) });
    t.clock.set('2026-12-08T01:00:00Z'); // Tuesday 09:00
    u.reset();
    x = await step(t, await u.as('dispatcher'), x.id, 'dispatch', { version: x.version });
    x = await step(t, await u.as('dept.sz'), x.id, 'accept', { version: x.version });
    x = await step(t, await u.as('dept.sz'), x.id, 'extension', { version: x.version, hours: 2, reason: '等待配件' });
    x = await step(t, await u.as('supervisor'), x.id, 'extension/decision', { version: x.version, approve: true });
    expect(x.deadlineAt).toBe('2026-12-08T09:00:00.000Z'); // 15:00 + 2 working hours = 17:00
    t.clock.set('2026-12-08T07:00:00Z'); // the old deadline passes quietly
    await t.og.ctx.jobs.runAllDue();
    expect(await events(t, x.id)).not.toContain('overdue');
    t.clock.set('2026-12-08T09:00:00Z');
    await t.og.ctx.jobs.runAllDue();
    expect(await events(t, x.id)).toContain('overdue');
    const keys = (await t.og.ctx.db.selectFrom('jobs').select('unique_key').where('unique_key', 'like', `case:${x.id}:%`).execute()).map((j) => j.unique_key).sort();
    expect(keys).toEqual([`case:${x.id}:overdue`, `case:${x.id}:overdue:2`, `case:${x.id}:warn`, `case:${x.id}:warn:2`]);
  });

  it('files and dispatches automatically when the advisor says so, recorded as done by the system', async () => {
    advisorStub.auto = true;
    try {
      t.clock.set('2026-12-09T01:00:00Z');
      u.reset();
      const r = await post(t, await u.as('resident.qiaotou'), '/api/cases', { description: '路灯不亮', category: 'UF06', location: pointIn(QIAOTOU_G01, 0.45, 0.45) });
      expect(r.statusCode).toBe(201);
      expect(r.json().state).toBe('dispatched');
      expect(r.json().department.code).toBe('LD');
      const tl = (await t.req('GET', `/api/cases/${r.json().id}`, { cookie: await u.as('dispatcher') })).json().timeline;
      expect(tl.map((e: { action: string; actor: string }) => [e.action, e.actor])).toEqual([
        ['reported', (await t.req('GET', '/api/auth/me', { cookie: await u.as('resident.qiaotou') })).json().displayName],
        ['filed', '系统'],
        ['dispatched', '系统'],
      ]);
      expect(await t.og.ctx.db.selectFrom('jobs').select('unique_key').where('unique_key', '=', `case:${r.json().id}:overdue`).executeTakeFirst()).toBeTruthy();
    } finally {
      advisorStub.auto = false;
    }
  });
});
