import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApp, type TestApp } from '../../../test/helpers.js';
import sharp from 'sharp';
import { systemActor } from '../../platform/auth/actor.js';
import { storePhotos } from '../../platform/files/index.js';
import { raiseAlert } from '../care/index.js';
import { pointInCell } from '../org/demo-geometry.js';

let t: TestApp;
const G1 = '430103007001G01';
const G2 = '430103007001G02';
const MULIAN_G1 = '430103007002G01';
let node: Record<string, { id: string; path: string }>;
/** signs in afresh: tests move the clock past session lifetimes */
const as = (u: string) => t.login(u);
const userId = async (u: string) => (await t.og.ctx.db.selectFrom('users').select('id').where('username', '=', u).executeTakeFirstOrThrow()).id;
const within = (path: string, root: string) => path === root || path.startsWith(root + '/');
/** qiaotou G01 is lattice cell (0,3), G02 is (0,4) */
const inG1 = (u = 0.5, v = 0.5) => {
  const [lng, lat] = pointInCell(0, 3, u, v);
  return { lng, lat };
};

async function residentIn(gridCode: string, filter: (r: { tags: string[]; id_card_hash: string | null }) => boolean = () => true): Promise<{ id: string; name: string; node_path: string; household_id: string | null; tags: string[] }> {
  const rows = await t.og.ctx.db.selectFrom('residents').select(['id', 'name', 'node_path', 'household_id', 'tags', 'id_card_hash']).where('node_path', 'like', `${node[gridCode]!.path}/%`).where('status', '=', 'resident').orderBy('node_path').execute();
  const r = rows.find(filter);
  if (!r) throw new Error(`no resident in ${gridCode}`);
  return r;
}

/** a document photo uploaded by a staff member (services attaches only files its uploader owns) */
async function photoBy(username: string): Promise<string> {
  const png = await sharp({ create: { width: 40, height: 30, channels: 3, background: { r: 200, g: 20, b: 20 } } }).png().toBuffer();
  const actor = { ...systemActor(), userId: await userId(username), roles: ['grid_worker' as const], username };
  return (await storePhotos(t.og.ctx, actor, [{ data: png, filename: 'doc.png' }]))[0]!.id;
}

async function newResident(cookie: string, householdCode: string, body: Record<string, unknown>): Promise<{ id: string }> {
  const r = await t.req('POST', '/api/org/residents', { cookie, body: { householdId: node[householdCode]!.id, ...body } });
  if (r.statusCode !== 201) throw new Error(`create resident: ${r.statusCode} ${r.body}`);
  return r.json();
}

beforeAll(async () => {
  t = await startTestApp();
  const rows = await t.og.ctx.db.selectFrom('org_nodes').select(['id', 'code', 'path']).execute();
  node = Object.fromEntries(rows.map((r) => [r.code, { id: r.id, path: r.path }]));
});
afterAll(async () => t?.close());

describe('data scope across grids', () => {
  it('a grid worker sees only their grid: team, patrols, visits, plan, desk; other grids are 403 on filters and 404 by id', async () => {
    const gw = await as('grid_worker.qiaotou');
    const own = await t.req('GET', `/api/grid-work/grids/${node[G1]!.id}/team`, { cookie: gw });
    expect(own.statusCode).toBe(200);
    const team = own.json();
    expect(team.workers.map((w: { name: string }) => w.name)).toContain('桥头网格员');
    expect(team.leaders.map((w: { name: string }) => w.name)).toContain('桥头网格长');
    expect(team.workers[0].households.length).toBe(team.households);
    expect(team.households).toBe(9);
    expect((await t.req('GET', `/api/grid-work/grids/${node[G2]!.id}/team`, { cookie: gw })).statusCode).toBe(404);

    const teams = (await t.req('GET', '/api/grid-work/teams', { cookie: gw })).json();
    expect(teams.map((x: { grid: { code: string } }) => x.grid.code)).toEqual([G1]);

    const patrols = (await t.req('GET', '/api/grid-work/patrols?pageSize=200', { cookie: gw })).json();
    const inDb = await t.og.ctx.db.selectFrom('patrols').select('node_path').execute();
    expect(inDb.filter((p) => !within(p.node_path, node[G1]!.path)).length).toBeGreaterThan(0); // others exist
    expect(patrols.total).toBe(inDb.filter((p) => within(p.node_path, node[G1]!.path)).length);
    expect(patrols.total).toBeGreaterThan(0);
    expect(patrols.items.every((p: { grid: { code: string } }) => p.grid.code === G1)).toBe(true);
    expect((await t.req('GET', `/api/grid-work/patrols?nodeId=${node[G2]!.id}`, { cookie: gw })).statusCode).toBe(403);
    expect((await t.req('GET', `/api/grid-work/visits?nodeId=${node[MULIAN_G1]!.id}`, { cookie: gw })).statusCode).toBe(403);

    const visits = (await t.req('GET', '/api/grid-work/visits?pageSize=200', { cookie: gw })).json();
    expect(visits.total).toBeGreaterThan(0);
    const plan = (await t.req('GET', '/api/grid-work/visits/plan?pageSize=200', { cookie: gw })).json();
    expect(plan.total).toBeGreaterThan(0);
    for (const v of plan.items) expect(within(v.nodePath, node[G1]!.path)).toBe(true);

    // another community's patrol by id: 404
    const mulianPatrol = await t.og.ctx.db.selectFrom('patrols').select('id').where('node_path', 'like', `${node[MULIAN_G1]!.path}%`).executeTakeFirstOrThrow();
    expect((await t.req('GET', `/api/grid-work/patrols/${mulianPatrol.id}`, { cookie: gw })).statusCode).toBe(404);

    // the desk finds nobody of grid 2, and a grid-2 resident's desk page is 404
    const r2 = await residentIn(G2);
    const found = (await t.req('GET', `/api/grid-work/desk/search?q=${encodeURIComponent(r2.name)}`, { cookie: gw })).json();
    expect(found.items.map((x: { id: string }) => x.id)).not.toContain(r2.id);
    expect((await t.req('GET', `/api/grid-work/desk/residents/${r2.id}`, { cookie: gw })).statusCode).toBe(404);
    // and a visit to them is refused as not found
    expect((await t.req('POST', '/api/grid-work/visits', { cookie: gw, body: { residentId: r2.id } })).statusCode).toBe(404);
  });

  it('a community admin sees every grid of their community and nothing of another; roles without the right are refused', async () => {
    const ca = await as('community_admin.qiaotou');
    const teams = (await t.req('GET', '/api/grid-work/teams', { cookie: ca })).json();
    expect(teams.length).toBeGreaterThanOrEqual(6);
    expect(teams.every((x: { grid: { path: string } }) => within(x.grid.path, node['430103007001']!.path))).toBe(true);
    expect((await t.req('GET', `/api/grid-work/grids/${node[MULIAN_G1]!.id}/team`, { cookie: ca })).statusCode).toBe(404);
    const patrols = (await t.req('GET', '/api/grid-work/patrols?pageSize=200', { cookie: ca })).json();
    expect(patrols.items.every((p: { grid: { code: string } }) => p.grid.code.startsWith('430103007001'))).toBe(true);
    // residents and department handlers have no access to grid work
    for (const u of ['resident.qiaotou', 'dept.sz']) {
      const c = await as(u);
      expect((await t.req('GET', '/api/grid-work/patrols', { cookie: c })).statusCode).toBe(403);
      expect((await t.req('GET', '/api/grid-work/desk/search?q=王', { cookie: c })).statusCode).toBe(403);
    }
  });
});

describe('patrols', () => {
  it('a grid worker starts a patrol, sends positions, reports a problem into cases, and ends with a summary; the leader sees the coverage', async () => {
    const gw = await as('grid_worker.qiaotou');
    const start = await t.req('POST', '/api/grid-work/patrols', { cookie: gw, body: { idempotencyKey: 'patrol-start-0001' } });
    expect(start.statusCode).toBe(201);
    const p = start.json();
    expect(p.grid.code).toBe(G1);
    expect(p.state).toBe('active');
    // the same start queued twice on the phone: the same patrol
    const again = await t.req('POST', '/api/grid-work/patrols', { cookie: gw, body: { idempotencyKey: 'patrol-start-0001' } });
    expect(again.statusCode).toBe(200);
    expect(again.json().id).toBe(p.id);

    const buildings = await t.og.ctx.db.selectFrom('org_nodes').select(['lng', 'lat']).where('level', '=', 'building').where('path', 'like', `${node[G1]!.path}/%`).orderBy('code').execute();
    const t0 = t.clock.now().getTime();
    const points = buildings.map((b, i) => ({ at: new Date(t0 + (i + 1) * 60_000).toISOString(), lng: b.lng!, lat: b.lat!, accuracy: 12 }));
    t.clock.advanceMinutes(5);
    const sent = await t.req('POST', `/api/grid-work/patrols/${p.id}/points`, { cookie: gw, body: { points } });
    expect(sent.statusCode).toBe(200);
    // the same batch resent after a lost response is stored once
    const resent = (await t.req('POST', `/api/grid-work/patrols/${p.id}/points`, { cookie: gw, body: { points } })).json();
    expect(resent.pointCount).toBe(points.length);
    expect(resent.distanceM).toBeGreaterThan(0);

    // another worker cannot write to this patrol
    const other = await t.req('POST', `/api/grid-work/patrols/${p.id}/points`, { cookie: await as('grid_worker.mulian'), body: { points } });
    expect(other.statusCode).toBe(404);

    // a problem seen on the way, queued offline and sent three times: one case
    const body = { description: '路灯不亮，人行道地砖松动', location: inG1(0.4, 0.6), idempotencyKey: 'offline-report-0001' };
    const r1 = await t.req('POST', `/api/grid-work/patrols/${p.id}/reports`, { cookie: gw, body });
    expect(r1.statusCode).toBe(201);
    const r2 = await t.req('POST', `/api/grid-work/patrols/${p.id}/reports`, { cookie: gw, body });
    const r3 = await t.req('POST', `/api/grid-work/patrols/${p.id}/reports`, { cookie: gw, body });
    expect(r2.statusCode).toBe(200);
    expect(r3.statusCode).toBe(200);
    expect(r2.json().case.id).toBe(r1.json().case.id);
    expect(r3.json().case.id).toBe(r1.json().case.id);
    const caseRow = await t.og.ctx.db.selectFrom('cases').select(['id', 'channel', 'reporter_user_id', 'node_path']).where('description', '=', body.description).execute();
    expect(caseRow).toHaveLength(1);
    expect(caseRow[0]!.channel).toBe('patrol');
    expect(caseRow[0]!.reporter_user_id).toBe(await userId('grid_worker.qiaotou'));
    expect(await t.og.ctx.db.selectFrom('patrol_cases').selectAll().where('patrol_id', '=', p.id).execute()).toHaveLength(1);

    t.clock.advanceMinutes(40);
    const end = await t.req('POST', `/api/grid-work/patrols/${p.id}/end`, { cookie: gw, body: { summary: '巡查桥头小区，发现路灯故障一处，已上报。' } });
    expect(end.statusCode).toBe(200);
    const ended = end.json();
    expect(ended.state).toBe('ended');
    expect(ended.stats).toMatchObject({ casesReported: 1, points: points.length, buildingsTotal: buildings.length, buildingsCovered: buildings.length });
    expect(ended.stats.durationMinutes).toBe(45);
    expect(ended.cases.map((c: { number: string }) => c.number)).toEqual([r1.json().case.number]);
    expect(ended.track).toHaveLength(points.length);
    // once ended, no more positions
    expect((await t.req('POST', `/api/grid-work/patrols/${p.id}/points`, { cookie: gw, body: { points } })).statusCode).toBe(409);

    // coverage: the grid leader sees their grid; the worker has no coverage view
    expect((await t.req('GET', '/api/grid-work/patrols/coverage', { cookie: gw })).statusCode).toBe(403);
    const cov = (await t.req('GET', '/api/grid-work/patrols/coverage', { cookie: await as('grid_leader.qiaotou') })).json();
    expect(cov.grids.map((g: { grid: { code: string } }) => g.grid.code)).toEqual([G1]);
    const g1 = cov.grids[0];
    const weekStart = new Date(cov.weekStart).getTime();
    const weekPatrols = await t.og.ctx.db.selectFrom('patrols').select('id').where('node_path', '=', node[G1]!.path).where('started_at', '>=', new Date(weekStart)).execute();
    expect(g1.patrols).toBe(weekPatrols.length);
    expect(g1.coverage).toBe(1);
    expect(g1.casesReported).toBe(1);
    const ca = (await t.req('GET', '/api/grid-work/patrols/coverage', { cookie: await as('community_admin.qiaotou') })).json();
    expect(ca.grids.length).toBeGreaterThanOrEqual(6);
    expect(ca.grids.find((g: { grid: { code: string } }) => g.grid.code === G2).patrols).toBe(0);
  });
});

describe('household visits', () => {
  it('flags overdue visits by the rule an admin sets per tag, and a visit clears the flag', async () => {
    let admin = await as('admin');
    let gw = await as('grid_worker.qiaotou');
    expect((await t.req('PUT', '/api/grid-work/visit-rules/独居老人', { cookie: gw, body: { intervalDays: 7 } })).statusCode).toBe(403);
    const rule = await t.req('PUT', `/api/grid-work/visit-rules/${encodeURIComponent('独居老人')}`, { cookie: admin, body: { intervalDays: 7 } });
    expect(rule.statusCode).toBe(200);
    const created = t.clock.now();
    const a = await newResident(gw, `${G1}B1H1`, { name: '测试甲', tags: ['独居老人'] });
    const b = await newResident(gw, `${G1}B1H2`, { name: '测试乙', tags: ['独居老人'] });
    const c = await newResident(gw, `${G1}B1H3`, { name: '测试丙', tags: ['志愿者'] });

    t.clock.advance(3 * 86_400_000);
    gw = await as('grid_worker.qiaotou');
    const key = 'visit-offline-0001';
    const v1 = await t.req('POST', '/api/grid-work/visits', { cookie: gw, body: { residentId: a.id, notes: '身体健康', idempotencyKey: key } });
    expect(v1.statusCode).toBe(201);
    const v2 = await t.req('POST', '/api/grid-work/visits', { cookie: gw, body: { residentId: a.id, notes: '身体健康', idempotencyKey: key } });
    expect(v2.statusCode).toBe(200);
    expect(v2.json().id).toBe(v1.json().id);
    expect(await t.og.ctx.db.selectFrom('visits').select('id').where('resident_id', '=', a.id).execute()).toHaveLength(1);

    // eight days after registration: B (never visited) is overdue, A (visited five days ago) is not, C has no rule
    t.clock.set(new Date(created.getTime() + 8 * 86_400_000));
    gw = await as('grid_worker.qiaotou');
    admin = await as('admin');
    while ((await t.og.ctx.jobs.runDue()) > 0);
    const flagged = async () => new Set((await t.req('GET', '/api/grid-work/visits/flags', { cookie: gw })).json().map((f: { residentId: string }) => f.residentId));
    let flags = await flagged();
    expect(flags.has(b.id)).toBe(true);
    expect(flags.has(a.id)).toBe(false);
    expect(flags.has(c.id)).toBe(false);
    const plan = (await t.req('GET', '/api/grid-work/visits/plan?overdue=true&pageSize=200', { cookie: gw })).json();
    const ids = plan.items.map((p: { residentId: string }) => p.residentId);
    expect(ids).toContain(b.id);
    expect(ids).not.toContain(a.id);
    const pb = plan.items.find((p: { residentId: string }) => p.residentId === b.id);
    expect(pb).toMatchObject({ ruleTag: '独居老人', intervalDays: 7, overdue: true, flagged: true, daysOverdue: 1, responsible: '桥头网格员' });
    // the responsible grid worker is told
    const note = await t.og.ctx.db.selectFrom('notifications').select('title').where('user_id', '=', await userId('grid_worker.qiaotou')).where('kind', '=', 'visit.overdue').execute();
    expect(note.length).toBeGreaterThan(0);

    // a stricter rule: every 3 days; the next scan flags A too
    await t.req('PUT', `/api/grid-work/visit-rules/${encodeURIComponent('独居老人')}`, { cookie: admin, body: { intervalDays: 3 } });
    t.clock.advance(86_400_000);
    gw = await as('grid_worker.qiaotou');
    admin = await as('admin');
    while ((await t.og.ctx.jobs.runDue()) > 0);
    flags = await flagged();
    expect(flags.has(a.id)).toBe(true);
    expect(flags.has(b.id)).toBe(true);

    // visiting B clears B's flag at once
    expect((await t.req('POST', '/api/grid-work/visits', { cookie: gw, body: { residentId: b.id, kind: 'home', notes: '已入户', needs: '需要助餐' } })).statusCode).toBe(201);
    flags = await flagged();
    expect(flags.has(b.id)).toBe(false);
    expect(flags.has(a.id)).toBe(true);
    await t.req('PUT', `/api/grid-work/visit-rules/${encodeURIComponent('独居老人')}`, { cookie: admin, body: { intervalDays: 7 } });
  });

  it('records a visit with photos once per idempotency key (a retry, or two at once), and shows the photos only within scope', async () => {
    const gw = await as('grid_worker.qiaotou');
    const r = await residentIn(G1);
    const [p1, p2] = [await photoBy('grid_worker.qiaotou'), await photoBy('grid_worker.qiaotou')];
    const visitsOf = () => t.og.ctx.db.selectFrom('visits').select(['id', 'photos', 'notes']).where('resident_id', '=', r.id).where('notes', '=', '入户查看，屋顶漏水').execute();
    const body = { residentId: r.id, notes: '入户查看，屋顶漏水', kind: 'home', photos: [p1, p2], visitedAt: new Date(t.clock.now().getTime() - 3_600_000).toISOString(), idempotencyKey: 'visit-photo-0001' };

    // the phone's first try and its retry (the answer was lost) arrive together
    const [a, b] = await Promise.all([t.req('POST', '/api/grid-work/visits', { cookie: gw, body }), t.req('POST', '/api/grid-work/visits', { cookie: gw, body })]);
    expect([a.statusCode, b.statusCode].sort()).toEqual([200, 201]);
    expect(a.json().id).toBe(b.json().id);
    // … and a third, later
    const c = await t.req('POST', '/api/grid-work/visits', { cookie: gw, body });
    expect(c.statusCode).toBe(200);
    expect(c.json().id).toBe(a.json().id);
    const rows = await visitsOf();
    expect(rows).toHaveLength(1);
    expect(rows[0]!.photos).toEqual([p1, p2]);
    const v = c.json();
    expect(v.photos.map((p: { id: string }) => p.id)).toEqual([p1, p2]);
    expect(v.visitedAt).toBe(body.visitedAt);
    const files = await t.og.ctx.db.selectFrom('files').select(['id', 'ref_type', 'ref_id']).where('id', 'in', [p1, p2]).execute();
    expect(files.every((f) => f.ref_type === 'visit' && f.ref_id === v.id)).toBe(true);
    const audits = await t.og.ctx.db.selectFrom('audit_log').select('id').where('action', '=', 'visit.record').where('entity_id', '=', v.id).execute();
    expect(audits).toHaveLength(1);

    // the worker's own list and the record show the photos
    const mine = (await t.req('GET', '/api/grid-work/visits?mine=true&pageSize=50', { cookie: gw })).json();
    expect(mine.items.find((x: { id: string }) => x.id === v.id).photos).toHaveLength(2);
    // staff whose scope covers the visit see the photos; another community does not
    const ca = await as('community_admin.qiaotou');
    expect((await t.req('GET', `/api/grid-work/visits/${v.id}`, { cookie: ca })).json().photos).toHaveLength(2);
    expect((await t.req('GET', `/api/files/${p1}/thumb`, { cookie: ca })).statusCode).toBe(200);
    const other = await as('community_admin.mulian');
    expect((await t.req('GET', `/api/grid-work/visits/${v.id}`, { cookie: other })).statusCode).toBe(404);
    expect((await t.req('GET', `/api/files/${p1}`, { cookie: other })).statusCode).toBe(404);

    // a photo already on this visit cannot go on another, nor can someone else's photo: 400, nothing written
    const again = await t.req('POST', '/api/grid-work/visits', { cookie: gw, body: { ...body, idempotencyKey: 'visit-photo-0002' } });
    expect(again.statusCode).toBe(400);
    expect(again.json().error.message).toBe('照片已用于其他记录');
    const foreign = await photoBy('grid_worker.mulian');
    const theirs = await t.req('POST', '/api/grid-work/visits', { cookie: gw, body: { ...body, photos: [foreign], idempotencyKey: 'visit-photo-0003' } });
    expect(theirs.statusCode).toBe(400);
    expect(await visitsOf()).toHaveLength(1);
  });
});

describe('proxy service (帮代办)', () => {
  it('a report made for a resident appears in the resident\'s cases and receipts, and the audit log shows both people', async () => {
    const gw = await as('grid_worker.qiaotou');
    const res = await as('resident.qiaotou');
    const me = (await t.req('GET', '/api/auth/me', { cookie: res })).json();
    const residentId: string = me.residentId;
    const body = { residentId, description: '楼道堆放杂物，老人出行不便', location: inG1(0.3, 0.3), idempotencyKey: 'proxy-report-0001' };
    const r = await t.req('POST', '/api/grid-work/proxy/cases', { cookie: gw, body });
    expect(r.statusCode, r.body).toBe(201);
    const receipt = r.json();
    expect(receipt).toMatchObject({ kind: 'case', residentId, staffName: '桥头网格员' });
    expect(receipt.trackCode).toMatch(/^[A-Z0-9]{6}$/);
    expect(receipt.refNumber).toMatch(/^\d{13}$/);
    // sent again (queued on the phone): the same receipt, one case
    const again = await t.req('POST', '/api/grid-work/proxy/cases', { cookie: gw, body });
    expect(again.statusCode).toBe(200);
    expect(again.json().id).toBe(receipt.id);
    const cases = await t.og.ctx.db.selectFrom('cases').select(['id', 'channel', 'number']).where('description', '=', body.description).execute();
    expect(cases).toHaveLength(1);
    expect(cases[0]!.channel).toBe('proxy');

    // the one-stop desk shows it among the resident's open cases
    const desk = (await t.req('GET', `/api/grid-work/desk/residents/${residentId}`, { cookie: gw })).json();
    expect(desk.open.cases.map((c: { number: string }) => c.number)).toContain(receipt.refNumber);
    expect(desk.resident.phone).toContain('****');

    // and in the resident's own case list, as a follower of the proxy report
    const myCases = (await t.req('GET', '/api/cases/mine?pageSize=50', { cookie: res })).json();
    expect(myCases.items.map((c: { number: string }) => c.number)).toContain(receipt.refNumber);

    // the resident sees the receipt, prints it, and tracks it by code
    const mine = (await t.req('GET', '/api/grid-work/proxy/mine', { cookie: res })).json();
    expect(mine.map((p: { trackCode: string }) => p.trackCode)).toContain(receipt.trackCode);
    const pdf = await t.req('GET', `/api/grid-work/proxy/${receipt.id}/receipt.pdf`, { cookie: res });
    expect(pdf.statusCode).toBe(200);
    expect(pdf.headers['content-type']).toContain('application/pdf');
    expect(pdf.rawPayload.subarray(0, 4).toString()).toBe('%PDF');
    const track = (await t.req('GET', `/api/grid-work/proxy/track/${receipt.trackCode}`)).json();
    expect(track.refNumber).toBe(receipt.refNumber);
    expect(track.resident).toContain('*');
    // the cases module's public tracking knows the same code
    const caseTrack = await t.req('GET', `/api/cases/track/${receipt.trackCode}`);
    expect(caseTrack.statusCode).toBe(200);
    expect(caseTrack.json().number).toBe(receipt.refNumber);
    // another resident cannot open it
    const other = await t.og.ctx.db.selectFrom('users').select('username').where('username', '=', 'resident.mulian').executeTakeFirstOrThrow();
    expect((await t.req('GET', `/api/grid-work/proxy/${receipt.id}`, { cookie: await as(other.username) })).statusCode).toBe(403);

    // the audit log: the case report and the proxy record, each by the staff member acting for the resident
    const staff = await userId('grid_worker.qiaotou');
    const caseAudit = await t.og.ctx.db.selectFrom('audit_log').selectAll().where('entity', '=', 'case').where('entity_id', '=', cases[0]!.id).where('action', '=', 'case.report').execute();
    expect(caseAudit).toHaveLength(1);
    expect(caseAudit[0]).toMatchObject({ actor_id: staff, acting_for_id: residentId });
    const proxyAudit = await t.og.ctx.db.selectFrom('audit_log').selectAll().where('entity', '=', 'proxy_service').where('entity_id', '=', receipt.id).execute();
    expect(proxyAudit).toHaveLength(1);
    expect(proxyAudit[0]).toMatchObject({ actor_id: staff, acting_for_id: residentId, action: 'proxy.case' });

    // staff of another community cannot act for this resident
    expect((await t.req('POST', '/api/grid-work/proxy/cases', { cookie: await as('grid_worker.mulian'), body: { ...body, idempotencyKey: 'proxy-report-0002' } })).statusCode).toBe(404);
  });

  it('a grid worker applies for a matter for a resident through services: the resident sees the application, the proxy record links it, the audit shows both', async () => {
    const gw = await as('grid_worker.qiaotou');
    const res = await as('resident.qiaotou');
    const residentId: string = (await t.req('GET', '/api/auth/me', { cookie: res })).json().residentId;
    const staff = await userId('grid_worker.qiaotou');
    const m = (await t.req('GET', '/api/services/matters')).json().find((x: { code: string }) => x.code === 'ZM01');
    expect(m.online).toBe(true);
    const proxyRows = () => t.og.ctx.db.selectFrom('proxy_services').select('id').where('resident_id', '=', residentId).where('kind', '=', 'service').execute();
    // services' rules apply: the required documents are missing → refused, nothing written here
    const missing = await t.req('POST', '/api/grid-work/proxy/services', { cookie: gw, body: { residentId, matterId: m.id, details: '代开居住证明' } });
    expect(missing.statusCode).toBe(400);
    expect(await proxyRows()).toHaveLength(0);
    // an unknown field (the old free-standing item) is refused by the schema
    expect((await t.req('POST', '/api/grid-work/proxy/services', { cookie: gw, body: { residentId, item: '高龄津贴申领' } })).statusCode).toBe(400);

    const f = await photoBy('grid_worker.qiaotou');
    const body = { residentId, matterId: m.id, details: '老人行动不便，网格员代为申请居住证明', files: [f], idempotencyKey: 'proxy-apply-0001' };
    const r = await t.req('POST', '/api/grid-work/proxy/services', { cookie: gw, body });
    expect(r.statusCode, r.body).toBe(201);
    const receipt = r.json();
    expect(receipt).toMatchObject({ kind: 'service', residentId, staffName: '桥头网格员', item: m.name, refType: 'svc_application', state: 'open' });
    expect(receipt.trackCode).toMatch(/^D[A-Z0-9]{7}$/);
    // the same request again (a retry): the same receipt, one application
    const again = await t.req('POST', '/api/grid-work/proxy/services', { cookie: gw, body });
    expect(again.statusCode).toBe(200);
    expect(again.json().id).toBe(receipt.id);
    const apps = await t.og.ctx.db.selectFrom('svc_applications').select(['id', 'number', 'proxy_staff_id']).where('resident_id', '=', residentId).where('matter_id', '=', m.id).execute();
    expect(apps).toHaveLength(1);
    expect(apps[0]).toMatchObject({ id: receipt.refId, number: receipt.refNumber, proxy_staff_id: staff });

    // the resident sees it among their own applications in services, made for them by the grid worker
    const mine = (await t.req('GET', '/api/services/my/applications', { cookie: res })).json();
    const app = mine.find((a: { id: string }) => a.id === receipt.refId);
    expect(app).toMatchObject({ number: receipt.refNumber, proxyStaffName: '桥头网格员', status: 'submitted' });
    expect(receipt.stateName).toBe(app.statusName);
    // and the receipt among their proxy receipts, printable, trackable by code
    expect((await t.req('GET', '/api/grid-work/proxy/mine', { cookie: res })).json().map((p: { id: string }) => p.id)).toContain(receipt.id);
    const pdf = await t.req('GET', `/api/grid-work/proxy/${receipt.id}/receipt.pdf`, { cookie: res });
    expect(pdf.statusCode).toBe(200);
    expect(pdf.headers['content-type']).toContain('application/pdf');
    expect((await t.req('GET', `/api/grid-work/proxy/track/${receipt.trackCode}`)).json()).toMatchObject({ refNumber: receipt.refNumber, item: m.name });

    // the desk: open as a proxy record and as an application in services
    let desk = (await t.req('GET', `/api/grid-work/desk/residents/${residentId}`, { cookie: gw })).json();
    expect(desk.open.proxy.map((x: { id: string }) => x.id)).toContain(receipt.id);
    expect(desk.open.other).toContainEqual(expect.objectContaining({ module: 'services', kind: 'application', id: receipt.refId }));

    // progress follows services: approved there → done here; it cannot be closed here
    const ca = await as('community_admin.qiaotou');
    expect((await t.req('POST', `/api/grid-work/proxy/${receipt.id}/close`, { cookie: ca, body: { state: 'done', result: '已办' } })).statusCode).toBe(409);
    expect((await t.req('POST', `/api/services/applications/${receipt.refId}/approve`, { cookie: ca, body: { note: '证明已开具，请到窗口领取' } })).statusCode).toBe(200);
    const done = (await t.req('GET', `/api/grid-work/proxy/${receipt.id}`, { cookie: res })).json();
    expect(done).toMatchObject({ state: 'done', result: '证明已开具，请到窗口领取' });
    desk = (await t.req('GET', `/api/grid-work/desk/residents/${residentId}`, { cookie: gw })).json();
    expect(desk.open.proxy.map((x: { id: string }) => x.id)).not.toContain(receipt.id);
    expect(desk.history.proxy.map((x: { id: string }) => x.id)).toContain(receipt.id);

    // the audit log: the application (services) and the proxy record, each by the grid worker acting for the resident
    const appAudit = await t.og.ctx.db.selectFrom('audit_log').selectAll().where('entity', '=', 'svc_application').where('entity_id', '=', receipt.refId).where('action', '=', 'services.application.submit').execute();
    expect(appAudit).toHaveLength(1);
    expect(appAudit[0]).toMatchObject({ actor_id: staff, acting_for_id: residentId });
    const proxyAudit = await t.og.ctx.db.selectFrom('audit_log').selectAll().where('entity', '=', 'proxy_service').where('entity_id', '=', receipt.id).execute();
    expect(proxyAudit).toHaveLength(1);
    expect(proxyAudit[0]).toMatchObject({ actor_id: staff, acting_for_id: residentId, action: 'proxy.service' });

    // staff of another community cannot act for this resident
    expect((await t.req('POST', '/api/grid-work/proxy/services', { cookie: await as('grid_worker.mulian'), body: { ...body, idempotencyKey: 'proxy-apply-0002' } })).statusCode).toBe(404);
  });

  it('a grid worker signs a resident up for an activity through services: the resident sees the sign-up, the proxy record links it, the audit shows both', async () => {
    const gw = await as('grid_worker.qiaotou');
    const res = await as('resident.qiaotou');
    const residentId: string = (await t.req('GET', '/api/auth/me', { cookie: res })).json().residentId;
    const staff = await userId('grid_worker.qiaotou');
    const start = new Date(t.og.ctx.clock.now().getTime() + 3 * 86_400_000);
    // held for the worker's grid (services lets staff sign residents up for activities in their own area)
    const created = await t.req('POST', '/api/services/activities', { cookie: await as('community_admin.qiaotou'), body: { nodeId: node[G1]!.id, title: '防诈骗讲座', kind: 'health_talk', location: '社区活动室', startsAt: start.toISOString(), endsAt: new Date(start.getTime() + 3_600_000).toISOString(), capacity: 1 } });
    expect(created.statusCode, created.body).toBe(201);
    const activity = created.json();

    const body = { residentId, activityId: activity.id, idempotencyKey: 'proxy-signup-0001' };
    const r = await t.req('POST', '/api/grid-work/proxy/activities', { cookie: gw, body });
    expect(r.statusCode, r.body).toBe(201);
    const receipt = r.json();
    expect(receipt).toMatchObject({ kind: 'activity', residentId, staffName: '桥头网格员', item: '防诈骗讲座', refType: 'svc_signup', result: '报名成功' });
    expect(receipt.trackCode).toMatch(/^D[A-Z0-9]{7}$/);
    expect((await t.req('POST', '/api/grid-work/proxy/activities', { cookie: gw, body })).json().id).toBe(receipt.id);
    // services' rules: the same resident again is refused, and no second record is made
    expect((await t.req('POST', '/api/grid-work/proxy/activities', { cookie: gw, body: { ...body, idempotencyKey: 'proxy-signup-0002' } })).statusCode).toBe(409);
    expect(await t.og.ctx.db.selectFrom('proxy_services').select('id').where('resident_id', '=', residentId).where('kind', '=', 'activity').execute()).toHaveLength(1);

    // the resident sees the sign-up in services, made for them by the grid worker
    const signups = (await t.req('GET', '/api/services/my/signups', { cookie: res })).json();
    expect(signups.find((x: { id: string }) => x.id === receipt.refId)).toMatchObject({ activityId: activity.id, status: 'confirmed', proxyBy: '桥头网格员' });
    expect((await t.req('GET', `/api/grid-work/proxy/${receipt.id}/receipt.pdf`, { cookie: res })).statusCode).toBe(200);
    const desk = (await t.req('GET', `/api/grid-work/desk/residents/${residentId}`, { cookie: gw })).json();
    expect(desk.open.other).toContainEqual(expect.objectContaining({ module: 'services', kind: 'activity', id: receipt.refId }));
    expect(desk.history.proxy.map((x: { id: string }) => x.id)).toContain(receipt.id);

    // the one place is taken: the next resident goes onto the waiting list, and the receipt says so
    const second = (await t.og.ctx.db.selectFrom('residents').select('id').where('node_path', 'like', `${node[G1]!.path}/%`).where('status', '=', 'resident').where('id', '<>', residentId).orderBy('id', 'desc').executeTakeFirstOrThrow()).id;
    const w = await t.req('POST', '/api/grid-work/proxy/activities', { cookie: gw, body: { residentId: second, activityId: activity.id, idempotencyKey: 'proxy-signup-0003' } });
    expect(w.statusCode, w.body).toBe(201);
    expect(w.json().result).toBe('候补中（第 1 位）');

    const signupAudit = await t.og.ctx.db.selectFrom('audit_log').selectAll().where('entity', '=', 'svc_signup').where('entity_id', '=', receipt.refId).where('action', '=', 'services.activity.signup').execute();
    expect(signupAudit).toHaveLength(1);
    expect(signupAudit[0]).toMatchObject({ actor_id: staff, acting_for_id: residentId });
    const proxyAudit = await t.og.ctx.db.selectFrom('audit_log').selectAll().where('entity', '=', 'proxy_service').where('entity_id', '=', receipt.id).execute();
    expect(proxyAudit).toHaveLength(1);
    expect(proxyAudit[0]).toMatchObject({ actor_id: staff, acting_for_id: residentId, action: 'proxy.activity' });
  });
});

describe('one-stop desk across modules', () => {
  it('shows a resident\'s own cases, their open disputes, and their care roster status and open alerts', async () => {
    const gw = await as('grid_worker.qiaotou');
    const res = await as('resident.qiaotou');
    const residentId: string = (await t.req('GET', '/api/auth/me', { cookie: res })).json().residentId;
    const deskOf = async (id: string) => {
      const d = await t.req('GET', `/api/grid-work/desk/residents/${id}`, { cookie: gw });
      expect(d.statusCode, d.body).toBe(200);
      return d.json();
    };
    const neighbour = (await t.og.ctx.db.selectFrom('residents').select('id').where('node_path', 'like', `${node[G1]!.path}/%`).where('status', '=', 'resident').where('id', '<>', residentId).executeTakeFirstOrThrow()).id;

    // a case the resident reported through their own account
    const own = await t.req('POST', '/api/cases', { cookie: res, body: { description: '小区门口路灯不亮，晚上看不清路', location: inG1(0.6, 0.6), idempotencyKey: 'desk-own-case-0001' } });
    expect(own.statusCode, own.body).toBe(201);
    let desk = await deskOf(residentId);
    expect(desk.open.cases).toContainEqual(expect.objectContaining({ id: own.json().id, number: own.json().number, viaProxy: false }));
    expect((await deskOf(neighbour)).open.cases.map((c: { id: string }) => c.id)).not.toContain(own.json().id);

    // a dispute in which the resident is a party
    const me = (await t.req('GET', `/api/org/residents/${residentId}`, { cookie: gw })).json();
    const dispute = await t.req('POST', '/api/mediation/disputes', {
      cookie: gw,
      body: { type: 'neighbour', title: '楼上漏水纠纷', description: '楼上住户卫生间漏水，多次协商未果', nodeId: node[G1]!.id, parties: [{ role: 'applicant', kind: 'person', name: me.name, residentId }, { role: 'respondent', kind: 'person', name: '楼上住户' }] },
    });
    expect(dispute.statusCode, dispute.body).toBe(201);
    desk = await deskOf(residentId);
    expect(desk.open.other).toContainEqual(expect.objectContaining({ module: 'mediation', kind: 'dispute', id: dispute.json().id, number: dispute.json().number }));
    expect((await deskOf(neighbour)).open.other.map((o: { id: string }) => o.id)).not.toContain(dispute.json().id);
    // staff of another community do not get it through the desk either (the resident is out of their scope)
    expect((await t.req('GET', `/api/grid-work/desk/residents/${residentId}`, { cookie: await as('grid_worker.mulian') })).statusCode).toBe(404);

    // the care roster and an open alert, for a resident of the grid not yet on the roster
    const careIds = (await t.og.ctx.db.selectFrom('care_persons').select('resident_id').execute()).map((x) => x.resident_id);
    const elder = (await t.og.ctx.db.selectFrom('residents').select('id').where('node_path', 'like', `${node[G1]!.path}/%`).where('status', '=', 'resident').where('id', 'not in', careIds.length ? careIds : ['00000000-0000-0000-0000-000000000000']).orderBy('id').executeTakeFirstOrThrow()).id;
    desk = await deskOf(elder);
    expect(desk.open.other.filter((o: { module: string }) => o.module === 'care')).toEqual([]);
    const enrol = await t.req('POST', '/api/care/persons', { cookie: gw, body: { residentId: elder, consent: { given: true, by: '本人' } } });
    expect(enrol.statusCode, enrol.body).toBe(201);
    const person = await t.og.ctx.db.selectFrom('care_persons').selectAll().where('resident_id', '=', elder).executeTakeFirstOrThrow();
    const alertId = await t.og.ctx.db.transaction().execute((trx) => raiseAlert(t.og.ctx, trx, person, { kind: 'sos', metric: null, severity: 'critical', detail: {} }, t.og.ctx.clock.now()));
    expect(alertId).toBeTruthy();
    desk = await deskOf(elder);
    const care = desk.open.other.filter((o: { module: string }) => o.module === 'care');
    expect(care).toContainEqual(expect.objectContaining({ kind: 'roster', id: person.id, state: '在册关爱' }));
    expect(care).toContainEqual(expect.objectContaining({ kind: 'alert', id: alertId, state: '待确认' }));
    expect((await t.req('POST', `/api/care/alerts/${alertId}/close`, { cookie: gw, body: { note: '已电话联系，本人误触' } })).statusCode).toBe(200);
    desk = await deskOf(elder);
    expect(desk.open.other.map((o: { id: string }) => o.id)).not.toContain(alertId);
    expect(desk.open.other.map((o: { id: string }) => o.id)).toContain(person.id);
  });
});

describe('one-stop desk and registry', () => {
  it('finds a resident by phone, ID number or name (masked) and records move in / move out history', async () => {
    const gw = await as('grid_worker.qiaotou');
    const r = await residentIn(G1, (x) => !!x.id_card_hash);
    const full = (await t.req('GET', `/api/org/residents/${r.id}?reveal=phone&reveal=idCard`, { cookie: gw })).json();
    for (const q of [full.phone, full.idCard, r.name]) {
      const found = (await t.req('GET', `/api/grid-work/desk/search?q=${encodeURIComponent(q)}`, { cookie: gw })).json();
      expect(found.items.map((x: { id: string }) => x.id), q).toContain(r.id);
      const hit = found.items.find((x: { id: string }) => x.id === r.id);
      expect(hit.phone).toMatch(/^1\d{2}\*{4}\d{4}$/);
      expect(hit.idCard).toContain('*');
    }
    // transfer to another household of the grid, then move out
    const target = `${G1}B2H3`;
    const mv = await t.req('POST', `/api/grid-work/residents/${r.id}/moves`, { cookie: gw, body: { kind: 'transfer', householdId: node[target]!.id, movedOn: '2026-11-20', reason: '购房搬迁' } });
    expect(mv.statusCode).toBe(201);
    expect((await t.req('GET', `/api/org/residents/${r.id}`, { cookie: gw })).json().householdId).toBe(node[target]!.id);
    // a household outside the worker's grid is refused
    expect((await t.req('POST', `/api/grid-work/residents/${r.id}/moves`, { cookie: gw, body: { kind: 'transfer', householdId: node[`${G2}B1H1`]!.id } })).statusCode).toBe(403);
    const out = await t.req('POST', `/api/grid-work/residents/${r.id}/moves`, { cookie: gw, body: { kind: 'move_out', reason: '迁往外地' } });
    expect(out.statusCode).toBe(201);
    expect((await t.req('GET', `/api/org/residents/${r.id}`, { cookie: gw })).json().status).toBe('moved_out');
    expect((await t.req('POST', `/api/grid-work/residents/${r.id}/moves`, { cookie: gw, body: { kind: 'move_out' } })).statusCode).toBe(409);
    const hist = (await t.req('GET', `/api/grid-work/residents/${r.id}/moves`, { cookie: gw })).json();
    expect(hist.map((m: { kind: string }) => m.kind)).toEqual(['transfer', 'move_out']);
    expect(hist[0]).toMatchObject({ movedOn: '2026-11-20', toPath: node[target]!.path, byName: '桥头网格员' });
    const desk = (await t.req('GET', `/api/grid-work/desk/residents/${r.id}`, { cookie: gw })).json();
    expect(desk.moves).toHaveLength(2);
  });
});

describe('grid teams', () => {
  it('a community admin adds a worker to a grid and assigns households; households of another grid are refused', async () => {
    const ca = await as('community_admin.qiaotou');
    const add = await t.req('POST', `/api/grid-work/grids/${node[G2]!.id}/team`, { cookie: ca, body: { role: 'worker', name: '新网格员', phone: '13912345678' } });
    expect(add.statusCode).toBe(201);
    const m = add.json();
    expect(m.phone).toBe('139****5678');
    const hh = [`${G2}B1H1`, `${G2}B1H2`].map((c) => node[c]!.id);
    const assigned = await t.req('PUT', `/api/grid-work/team-members/${m.id}/households`, { cookie: ca, body: { householdIds: hh } });
    expect(assigned.statusCode).toBe(200);
    expect(assigned.json().households.map((h: { id: string }) => h.id).sort()).toEqual([...hh].sort());
    expect((await t.req('PUT', `/api/grid-work/team-members/${m.id}/households`, { cookie: ca, body: { householdIds: [node[`${G1}B1H1`]!.id] } })).statusCode).toBe(400);
    // the existing G01 worker account cannot be added twice
    const dup = await t.req('POST', `/api/grid-work/grids/${node[G1]!.id}/team`, { cookie: ca, body: { role: 'worker', userId: await userId('grid_worker.qiaotou') } });
    expect(dup.statusCode).toBe(409);
    // grid workers cannot change teams; another community's admin cannot either
    expect((await t.req('POST', `/api/grid-work/grids/${node[G2]!.id}/team`, { cookie: await as('grid_worker.qiaotou'), body: { role: 'worker', name: '某人' } })).statusCode).toBe(403);
    expect((await t.req('POST', `/api/grid-work/grids/${node[G2]!.id}/team`, { cookie: await as('community_admin.mulian'), body: { role: 'worker', name: '某人' } })).statusCode).toBe(403);
  });
});

describe('party structure', () => {
  it('shows the four levels linked to residents, 党员中心户 with households, cross posts and the three levels of service sites', async () => {
    const ca = await as('community_admin.qiaotou');
    const ps = (await t.req('GET', '/api/grid-work/party', { cookie: ca })).json();
    expect(ps.orgs).toHaveLength(1);
    const committee = ps.orgs[0];
    expect(committee.levelName).toBe('社区党委');
    expect(committee.children.length).toBe(3);
    expect(committee.children[0].levelName).toBe('小区党支部');
    expect(committee.children[0].children[0].levelName).toBe('楼栋党小组');
    expect(ps.totals.members).toBeGreaterThan(0);
    expect(ps.totals.householdContacts).toBeGreaterThan(0);
    expect(ps.crossPosts.some((c: { bodyKind: string }) => c.bodyKind === 'owners_committee')).toBe(true);
    // every member is a resident tagged 党员
    const members = await t.og.ctx.db.selectFrom('party_members').innerJoin('residents', 'residents.id', 'party_members.resident_id').select('residents.tags').execute();
    expect(members.every((m) => m.tags.includes('党员'))).toBe(true);

    // a resident not tagged 党员 cannot be added; a tagged one can, and becomes a household contact
    const group = committee.children[0].children[0];
    const plain = await residentIn(G1, (r) => !r.tags.includes('党员'));
    expect((await t.req('POST', '/api/grid-work/party/members', { cookie: ca, body: { orgId: group.id, residentId: plain.id } })).statusCode).toBe(400);
    await t.req('PUT', `/api/org/residents/${plain.id}/tags`, { cookie: ca, body: { tags: [...plain.tags, '党员'] } });
    const added = await t.req('POST', '/api/grid-work/party/members', { cookie: ca, body: { orgId: group.id, residentId: plain.id, post: '党员' } });
    expect(added.statusCode).toBe(201);
    const link = await t.req('PUT', `/api/grid-work/party/members/${added.json().id}/households`, { cookie: ca, body: { householdIds: [node[`${G1}B3H1`]!.id, node[`${G1}B3H2`]!.id] } });
    expect(link.statusCode).toBe(200);
    const team = (await t.req('GET', `/api/grid-work/grids/${node[G1]!.id}/team`, { cookie: await as('grid_worker.qiaotou') })).json();
    const pc = team.partyContacts.find((x: { residentId: string }) => x.residentId === plain.id);
    expect(pc.households.map((h: { code: string }) => h.code).sort()).toEqual([`${G1}B3H1`, `${G1}B3H2`]);
    const cross = await t.req('POST', `/api/grid-work/party/members/${added.json().id}/cross-posts`, { cookie: ca, body: { partyPost: '党小组长', bodyKind: 'property_company', bodyName: '长沙绿城物业服务有限公司', bodyCode: 'WY01', post: '楼栋管家' } });
    expect(cross.statusCode).toBe(201);

    // another community's view does not include qiaotou
    const other = (await t.req('GET', '/api/grid-work/party', { cookie: await as('community_admin.mulian') })).json();
    expect(other.orgs.map((o: { name: string }) => o.name)).not.toContain(committee.name);

    const sites = (await t.req('GET', '/api/grid-work/service-sites')).json();
    const count = (l: string) => sites.filter((s: { level: string }) => s.level === l).length;
    expect([count('street'), count('community'), count('estate')]).toEqual([1, 5, 15]);
    expect(sites.every((s: { openingHours: string; services: string[] }) => s.openingHours && s.services.length > 0)).toBe(true);
  });
});
