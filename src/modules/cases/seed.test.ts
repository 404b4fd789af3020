import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApp, type TestApp } from '../../../test/helpers.js';
import { listCategories } from '../dispatch/index.js';

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

  it('places each case in its grid, the estate and the community above it', async () => {
    // org paths are district/street/community/estate/grid (no leading slash)
    const db = t.og.ctx.db;
    const nodes = await db.selectFrom('org_nodes').select(['id', 'level', 'code', 'name', 'path', 'props']).where('level', 'in', ['community', 'estate', 'grid']).execute();
    const byId = new Map(nodes.map((n) => [n.id, n]));
    // the demo cases (the test above adds one of its own through the API)
    const all = await db.selectFrom('cases').select(['id', 'number', 'grid_id', 'estate_id', 'community_id', 'node_path', 'state', 'category_code', 'department_id', 'channel', 'reporter_user_id', 'advice']).execute();
    const cases = all.filter((c) => (typeof c.advice === 'string' ? JSON.parse(c.advice) : c.advice)?.source === 'demo');
    expect(cases).toHaveLength(2000);
    for (const c of cases) {
      const grid = byId.get(c.grid_id!);
      const estate = byId.get(c.estate_id!);
      const community = byId.get(c.community_id!);
      expect(grid?.level, c.number).toBe('grid');
      expect(estate?.level, c.number).toBe('estate');
      expect(community?.level, c.number).toBe('community');
      expect(c.node_path).toBe(grid!.path);
      expect(grid!.path.startsWith(estate!.path + '/'), `${c.number}: ${grid!.path} under ${estate!.path}`).toBe(true);
      expect(estate!.path.startsWith(community!.path + '/'), `${c.number}: ${estate!.path} under ${community!.path}`).toBe(true);
    }
    // every demo community has cases
    const communities = nodes.filter((n) => n.level === 'community');
    expect(communities).toHaveLength(5);
    for (const k of communities) expect(cases.filter((c) => c.community_id === k.id).length, k.name).toBeGreaterThan(100);

    // the people acting on a case belong to its community: a patrol report comes from a grid worker bound inside it
    const users = await db.selectFrom('users').select(['id', 'username', 'node_id']).execute();
    const nodePath = new Map((await db.selectFrom('org_nodes').select(['id', 'path']).execute()).map((n) => [n.id, n.path]));
    const patrol = cases.filter((c) => c.channel === 'patrol');
    expect(patrol.length).toBeGreaterThan(100);
    for (const c of patrol) {
      const u = users.find((x) => x.id === c.reporter_user_id);
      expect(u?.username, c.number).toMatch(/^grid_worker\./);
      const at = nodePath.get(u!.node_id!)!;
      expect(at.startsWith(byId.get(c.community_id!)!.path + '/'), `${c.number}: ${u!.username} at ${at}`).toBe(true);
    }

    // property categories (department WY) go to the estate's own property company, or the community (SQ) when it has none
    const cats = new Map((await listCategories(t.og.ctx)).map((x) => [x.code, x]));
    const depts = new Map((await db.selectFrom('departments').select(['id', 'code']).execute()).map((d) => [d.id, d.code]));
    const property = cases.filter((c) => c.state === 'closed' && cats.get(c.category_code!)?.department === 'WY');
    expect(property.length).toBeGreaterThan(20);
    let byCompany = 0;
    for (const c of property) {
      const company = (byId.get(c.estate_id!)!.props as { propertyCompanyCode?: string | null }).propertyCompanyCode ?? null;
      expect(depts.get(c.department_id!), c.number).toBe(company ?? 'SQ');
      if (company) byCompany++;
    }
    expect(byCompany).toBeGreaterThan(0);

    // the community ranking names communities
    const sup = await t.login('supervisor');
    const e = (await t.req('GET', '/api/cases/evaluation?groupBy=community&from=2026-08-01T00:00:00Z', { cookie: sup })).json();
    expect(e.rows.map((r: { group: { name: string } }) => r.group.name).sort()).toEqual(communities.map((k) => k.name).sort());
    expect(e.rows.map((r: { group: { code: string } }) => r.group.code).sort()).toEqual(communities.map((k) => k.code).sort());
  });
});
