import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApp, type TestApp } from '../../../test/helpers.js';

describe('cases: demo data', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp({ env: { ONEGRID_DEMO_CASES: '2000' } });
  }, 300_000);
  afterAll(async () => t?.close());

  it('creates 2,000 cases over the last 90 days with timelines consistent with their states', async () => {
    const db = t.og.ctx.db;
    const cases = await db.selectFrom('cases').selectAll().execute();
    expect(cases).toHaveLength(2000);
    const now = t.clock.now().getTime();
    for (const c of cases) {
      const age = now - new Date(c.reported_at).getTime();
      expect(age).toBeGreaterThanOrEqual(0);
      expect(age).toBeLessThanOrEqual(91 * 86_400_000);
    }
    expect(new Set(cases.map((c) => c.number)).size).toBe(2000);
    expect(new Set(cases.map((c) => c.track_code)).size).toBe(2000);
    for (const c of cases) expect(c.number.slice(0, 8)).toBe(new Date(new Date(c.reported_at).getTime() + 8 * 3600_000).toISOString().slice(0, 10).replace(/-/g, ''));
    const byState = new Map<string, number>();
    for (const c of cases) byState.set(c.state, (byState.get(c.state) ?? 0) + 1);
    // realistic proportions: most closed, some of every stage
    expect(byState.get('closed')!).toBeGreaterThan(1400);
    for (const s of ['rejected', 'merged', 'dispatched', 'accepted', 'resolved']) expect(byState.get(s) ?? 0, s).toBeGreaterThan(0);
    expect(cases.filter((c) => c.overdue_at).length).toBeGreaterThan(100);
    expect(cases.filter((c) => c.rework_count > 0).length).toBeGreaterThan(50);
    expect(cases.filter((c) => c.reopen_count > 0).length).toBeGreaterThan(20);
    expect(cases.filter((c) => c.return_count > 0).length).toBeGreaterThan(50);
    const rated = cases.filter((c) => c.rating !== null);
    expect(rated.length).toBeGreaterThan(800);
    expect(rated.every((c) => c.state === 'closed')).toBe(true);

    // each case's last state-changing event leads to its state, and events are in order
    const events = await db.selectFrom('case_events').select(['case_id', 'action', 'to_state', 'at']).orderBy('case_id').orderBy('at').orderBy('id').execute();
    const last = new Map<string, string>();
    const count = new Map<string, Map<string, number>>();
    for (const e of events) {
      if (e.to_state) last.set(e.case_id, e.to_state);
      const m = count.get(e.case_id) ?? new Map<string, number>();
      m.set(e.action, (m.get(e.action) ?? 0) + 1);
      count.set(e.case_id, m);
      expect(new Date(e.at).getTime()).toBeLessThanOrEqual(now);
    }
    for (const c of cases) {
      expect(last.get(c.id), c.number).toBe(c.state);
      const m = count.get(c.id)!;
      expect(m.get('reported')).toBe(1);
      expect(m.get('rework') ?? 0).toBe(c.rework_count);
      expect(m.get('reopened') ?? 0).toBe(c.reopen_count);
      expect(m.get('returned') ?? 0).toBe(c.return_count);
      if (c.state === 'closed') expect(c.closed_at).not.toBeNull();
      if (c.overdue_at) expect(new Date(c.overdue_at).getTime()).toBe(new Date(c.deadline_at!).getTime());
    }
    // open cases in handling have their reminders queued
    const open = cases.filter((c) => ['dispatched', 'accepted', 'rework'].includes(c.state) && new Date(c.deadline_at!).getTime() > now);
    const jobs = await db.selectFrom('jobs').select('unique_key').where('kind', '=', 'cases.deadline.overdue').execute();
    expect(jobs.length).toBe(open.length);
  });

  it('gives the screens something true to show', async () => {
    const sup = await t.login('supervisor');
    const e = (await t.req('GET', '/api/cases/evaluation?groupBy=department&from=2026-08-01T00:00:00Z', { cookie: sup })).json();
    expect(e.rows.length).toBeGreaterThan(10);
    expect(e.rows.filter((r: { score: number | null }) => r.score !== null).length).toBeGreaterThan(5);
    const board = (await t.req('GET', '/api/cases/board?kind=overdue', { cookie: sup })).json();
    expect(board.total).toBeGreaterThan(0);
    const mine = (await t.req('GET', '/api/cases/mine', { cookie: await t.login('resident.qiaotou') })).json();
    expect(mine.total).toBeGreaterThan(0);
    // a new case today continues the day's numbering
    const today = (await t.og.ctx.db.selectFrom('case_counters').selectAll().where('day', '=', '20261123').executeTakeFirst())?.last ?? 0;
    const r = await t.req('POST', '/api/cases', { cookie: await t.login('dispatcher'), body: { description: '测试', location: { lng: 112.965, lat: 28.158 }, category: 'OT00' } });
    expect(r.statusCode).toBe(201);
    expect(r.json().number).toBe('20261123' + String(today + 1).padStart(5, '0'));
  });
});
