import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sql } from 'kysely';
import { startTestApp, type TestApp } from '../../../test/helpers.js';
import { newId } from '../../platform/ids.js';
import { pointInCell } from '../org/demo-geometry.js';
import { refreshRollup, runEarlyWarning } from './service.js';
import { HOURLY_JOB } from './service.js';

/**
 * Analytics on hand-made cases whose answers are worked out below. The test clock stands at
 * 2026-11-23 09:00 in Shanghai (01:00Z): "today" is 2026-11-23.
 */
let t: TestApp;
let P1: string, P2: string, P3: string; // qiaotou G01, qiaotou G02, mulian G01 (grid paths)
let ids: Record<string, string>;
let MULIAN: string;
let cats: string[];
let seq = 0;

/** a point east/north of a grid cell's corner in metres-ish units (u, v in 0..1 of the cell) */
const cellPoint = (cell: [number, number], u: number, v: number) => {
  const [lng, lat] = pointInCell(cell[0], cell[1], u, v);
  return { lng, lat };
};
const M_LAT = 111_320;
const offset = (p: { lng: number; lat: number }, dx: number, dy: number) => ({ lng: p.lng + dx / (M_LAT * Math.cos((p.lat * Math.PI) / 180)), lat: p.lat + dy / M_LAT });

interface Fake {
  path: string;
  cat: string;
  at: string;
  pt?: { lng: number; lat: number };
  closedAt?: string;
  overdueAt?: string;
  rating?: number;
  address?: string;
  phoneHash?: string;
}

async function insert(list: Fake[]): Promise<void> {
  const rows = list.map((f) => {
    seq++;
    const pt = f.pt ?? { lng: 112.9 + seq * 0.001, lat: 28.0 + seq * 0.001 }; // far apart, outside the clusters
    return {
      id: newId(),
      number: `T${String(seq).padStart(8, '0')}`,
      track_code: `TC${seq}`,
      state: f.closedAt ? 'closed' : 'dispatched',
      channel: 'resident',
      description: '测试',
      category_code: f.cat,
      priority: 'normal',
      lng: pt.lng,
      lat: pt.lat,
      address: f.address ?? null,
      grid_id: ids[f.path] ?? null,
      node_path: f.path,
      reporter_phone_hash: f.phoneHash ?? null,
      reported_at: new Date(f.at),
      filed_at: new Date(f.at),
      closed_at: f.closedAt ? new Date(f.closedAt) : null,
      overdue_at: f.overdueAt ? new Date(f.overdueAt) : null,
      rating: f.rating ?? null,
      rated_at: f.rating ? new Date(f.closedAt!) : null,
      created_at: new Date(f.at),
      updated_at: t.clock.now(), // inserted now, as an import of old records would be
    };
  });
  await t.og.ctx.db.insertInto('cases').values(rows as never).execute();
}

beforeAll(async () => {
  t = await startTestApp();
  const nodes = await sql<{ id: string; code: string; path: string }>`SELECT id, code, path FROM org_nodes WHERE code IN ('430103007001G01', '430103007001G02', '430103007002G01', '430103007002')`.execute(t.og.ctx.db);
  const by = new Map(nodes.rows.map((n) => [n.code, n]));
  P1 = by.get('430103007001G01')!.path;
  P2 = by.get('430103007001G02')!.path;
  P3 = by.get('430103007002G01')!.path;
  MULIAN = by.get('430103007002')!.id;
  ids = Object.fromEntries(nodes.rows.map((n) => [n.path, n.id]));
  cats = (await sql<{ code: string }>`SELECT code FROM categories WHERE active ORDER BY code LIMIT 4`.execute(t.og.ctx.db)).rows.map((r) => r.code);
  expect(cats.length).toBe(4);
}, 120_000);
afterAll(async () => t?.close());

const get = async (user: string, url: string) => t.req('GET', url, { cookie: await t.login(user) });

describe('hotspot counts and dashboard figures', () => {
  it('counts by grid and category over a period, the same from the roll-up as live, within data scope', async () => {
    const [A, B] = cats as [string, string];
    // Period 2026-11-17..23 (Shanghai). Shanghai dates: 11-20 10:00 = 02:00Z.
    await insert([
      ...Array.from({ length: 3 }, () => ({ path: P1, cat: A, at: '2026-11-20T02:00:00Z' })),
      ...Array.from({ length: 2 }, () => ({ path: P1, cat: B, at: '2026-11-21T02:00:00Z' })),
      { path: P1, cat: A, at: '2026-11-01T02:00:00Z' }, // before the period
      { path: P1, cat: A, at: '2026-11-16T15:59:00Z' }, // 11-16 23:59 in Shanghai: before the period
      { path: P2, cat: A, at: '2026-11-22T02:00:00Z' },
      // two closed in P2: one on time rated 5, one overdue rated 2
      { path: P2, cat: B, at: '2026-11-20T02:00:00Z', closedAt: '2026-11-22T03:00:00Z', rating: 5 },
      { path: P2, cat: B, at: '2026-11-20T02:00:00Z', closedAt: '2026-11-22T04:00:00Z', overdueAt: '2026-11-21T02:00:00Z', rating: 2 },
      ...Array.from({ length: 4 }, () => ({ path: P3, cat: A, at: '2026-11-21T02:00:00Z' })),
      { path: P1, cat: A, at: '2026-11-22T16:30:00Z' }, // today 00:30 in Shanghai
    ]);
    const q = '?from=2026-11-17&to=2026-11-23';
    const live = (await get('dispatcher', '/api/analytics/hotspots' + q)).json();
    // Worked out: P1 = 3 A + 2 B + 1 A today = 6; P3 = 4; P2 = 1 A + 2 B = 3. A = 3 + 1 + 1 + 4 = 9, B = 2 + 2 = 4.
    const grids = (r: { byGrid: Array<{ path: string; count: number }> }) => Object.fromEntries(r.byGrid.map((g) => [g.path, g.count]));
    const catsOf = (r: { byCategory: Array<{ code: string; count: number }> }) => Object.fromEntries(r.byCategory.map((g) => [g.code, g.count]));
    expect(grids(live)).toEqual({ [P1]: 6, [P3]: 4, [P2]: 3 });
    expect(catsOf(live)).toEqual({ [A]: 9, [B]: 4 });
    expect(live.byGrid[0].path).toBe(P1);
    const top = live.topCategoriesPerGrid.find((g: { path: string }) => g.path === P1);
    expect(top.top.map((x: { code: string; count: number }) => [x.code, x.count])).toEqual([[A, 4], [B, 2]]);

    // The roll-up now holds every day before today; the answer must not change.
    const r = await refreshRollup(t.og.ctx);
    expect(r?.to).toBe('2026-11-22');
    const rolled = (await get('dispatcher', '/api/analytics/hotspots' + q)).json();
    expect(grids(rolled)).toEqual(grids(live));
    expect(catsOf(rolled)).toEqual(catsOf(live));

    // A community sees its own grids only; naming another community is 403.
    const own = (await get('community_admin.qiaotou', '/api/analytics/hotspots' + q)).json();
    expect(grids(own)).toEqual({ [P1]: 6, [P2]: 3 });
    expect(catsOf(own)).toEqual({ [A]: 5, [B]: 4 });
    expect((await get('community_admin.qiaotou', `/api/analytics/hotspots${q}&nodeId=${MULIAN}`)).statusCode).toBe(403);
    const mulian = (await get('street_admin', `/api/analytics/hotspots${q}&nodeId=${MULIAN}`)).json();
    expect(grids(mulian)).toEqual({ [P3]: 4 });

    // Dashboard: period totals, today, on-time rate and satisfaction, category and grid ranking.
    const d = (await get('dispatcher', '/api/analytics/dashboard' + q)).json();
    expect(d.totals.reported).toBe(13);
    expect(d.totals.closed).toBe(2);
    expect(d.totals.onTimeRate).toBe(0.5);
    expect(d.totals.satisfaction).toBe(3.5);
    expect(d.totals.satisfiedRate).toBe(0.5);
    expect(d.totals.overdue).toBe(1);
    expect(d.today.reported).toBe(1);
    expect(d.today.open).toBe(13); // every non-closed case inserted (15 - 2 closed), whatever its date
    expect(d.trend).toHaveLength(7);
    expect(d.trend.find((x: { day: string }) => x.day === '2026-11-20').reported).toBe(5);
    expect(d.trend.find((x: { day: string }) => x.day === '2026-11-22').closed).toBe(2);
    expect(d.ranking.map((x: { path: string; reported: number }) => [x.path, x.reported])).toEqual([[P1, 6], [P3, 4], [P2, 3]]);
    const dq = (await get('community_admin.qiaotou', '/api/analytics/dashboard' + q)).json();
    expect(dq.totals.reported).toBe(9);
    expect(dq.today.open).toBe(9);
  });

  it('rejects bad input with 4xx and keeps residents and departments out', async () => {
    expect((await get('dispatcher', '/api/analytics/dashboard?from=2026-13-40')).statusCode).toBe(400);
    expect((await get('dispatcher', '/api/analytics/dashboard?from=2026-11-20&to=2026-11-01')).statusCode).toBe(400);
    expect((await get('dispatcher', '/api/analytics/dashboard?from=2020-01-01&to=2026-11-01')).statusCode).toBe(400);
    expect((await get('dispatcher', '/api/analytics/hotspots?eps=0')).statusCode).toBe(400);
    expect((await get('dispatcher', '/api/analytics/hotspots?nodeId=not-a-uuid')).statusCode).toBe(400);
    expect((await get('dispatcher', `/api/analytics/hotspots?nodeId=${newId()}`)).statusCode).toBe(404);
    expect((await get('resident.qiaotou', '/api/analytics/dashboard')).statusCode).toBe(403);
    expect((await get('dept.sz', '/api/analytics/dashboard')).statusCode).toBe(403);
    expect((await t.req('GET', '/api/analytics/dashboard')).statusCode).toBe(401);
  });
});

describe('clusters and repeats', () => {
  it('finds the corner where the same problem keeps being reported (DBSCAN)', async () => {
    const C = cats[2]!;
    const corner = cellPoint([3, 3], 0.5, 0.5);
    // five reports within 15 m of one corner, three far from it and from each other
    await insert([
      ...[[0, 0], [10, 0], [0, 10], [-10, 5], [5, -10]].map(([dx, dy]) => ({ path: P3, cat: C, at: '2026-11-11T02:00:00Z', pt: offset(corner, dx!, dy!) })),
      { path: P3, cat: C, at: '2026-11-11T03:00:00Z', pt: offset(corner, 400, 0) },
      { path: P1, cat: C, at: '2026-11-11T03:00:00Z', pt: cellPoint([0, 3], 0.2, 0.2) },
      { path: P1, cat: C, at: '2026-11-12T03:00:00Z', pt: cellPoint([0, 3], 0.8, 0.8) },
    ]);
    const r = (await get('dispatcher', `/api/analytics/hotspots?from=2026-11-10&to=2026-11-12&categoryCode=${C}&eps=50&minPts=4`)).json();
    expect(r.clusters).toHaveLength(1);
    expect(r.clusters[0].count).toBe(5);
    expect(r.clusters[0].radiusM).toBeLessThan(20);
    expect(r.clusters[0].lng).toBeCloseTo(corner.lng, 3);
    expect(r.noise).toBe(3);
    expect(r.heat).toHaveLength(8);
    // qiaotou cannot see the mulian corner
    const q = (await get('community_admin.qiaotou', `/api/analytics/hotspots?from=2026-11-10&to=2026-11-12&categoryCode=${C}&eps=50&minPts=4`)).json();
    expect(q.clusters).toHaveLength(0);
    expect(q.heat).toHaveLength(2);
  });

  it('finds the same address and the same reporter reported again and again', async () => {
    const B = cats[1]!;
    await insert([
      { path: P1, cat: B, at: '2026-11-05T02:00:00Z', address: '新开铺路 12 号', phoneHash: 'hash-a' },
      { path: P1, cat: B, at: '2026-11-05T03:00:00Z', address: '新开铺路12号', phoneHash: 'hash-a' },
      { path: P1, cat: B, at: '2026-11-06T02:00:00Z', address: ' 新开铺路 12号', phoneHash: 'hash-a' },
      { path: P1, cat: B, at: '2026-11-06T02:00:00Z', address: '白沙路 3 号', phoneHash: 'hash-b' },
      { path: P3, cat: B, at: '2026-11-06T02:00:00Z', address: '白沙路 3 号', phoneHash: 'hash-b' },
    ]);
    const r = (await get('dispatcher', '/api/analytics/repeats?from=2026-11-05&to=2026-11-06&min=3')).json();
    expect(r.addresses).toHaveLength(1);
    expect(r.addresses[0].count).toBe(3);
    expect(r.addresses[0].cases).toHaveLength(3);
    expect(r.reporters).toHaveLength(1);
    expect(r.reporters[0].count).toBe(3);
    const two = (await get('dispatcher', '/api/analytics/repeats?from=2026-11-05&to=2026-11-06&min=2')).json();
    expect(two.addresses.map((a: { count: number }) => a.count)).toEqual([3, 2]);
    // qiaotou sees only one of the two 白沙路 reports: below 2
    const q = (await get('community_admin.qiaotou', '/api/analytics/repeats?from=2026-11-05&to=2026-11-06&min=2')).json();
    expect(q.addresses.map((a: { count: number }) => a.count)).toEqual([3]);
  });
});

describe('repeats from the roll-up', () => {
  it('answers the same before and after the hourly job, and counts a case changed after it at once', async () => {
    const [A, B] = cats as [string, string];
    // 2026-10-10..12 (Shanghai): 新华路 8 号 four times (three in qiaotou P1, one in mulian P3), the
    // same phone three times; 东塘路 1 号 twice from another phone.
    await insert([
      { path: P1, cat: A, at: '2026-10-10T02:00:00Z', address: '新华路 8 号', phoneHash: 'hash-c' },
      { path: P1, cat: B, at: '2026-10-11T02:00:00Z', address: '新华路8号', phoneHash: 'hash-c' },
      { path: P1, cat: A, at: '2026-10-12T02:00:00Z', address: '新华路 8号 ', phoneHash: 'hash-c' },
      { path: P3, cat: A, at: '2026-10-12T03:00:00Z', address: '新华路 8 号' },
      { path: P3, cat: A, at: '2026-10-12T04:00:00Z', address: '东塘路 1 号', phoneHash: 'hash-d' },
      { path: P3, cat: A, at: '2026-10-12T05:00:00Z', address: '东塘路 1 号', phoneHash: 'hash-d' },
    ]);
    const moved = (await sql<{ id: string; number: string }>`SELECT id, number FROM cases WHERE address = '新华路 8 号' AND node_path = ${P3}`.execute(t.og.ctx.db)).rows[0]!;
    const q = '/api/analytics/repeats?from=2026-10-10&to=2026-10-12&min=2';
    const view = async (user: string) => {
      const r = (await get(user, q)).json();
      return {
        addresses: r.addresses.map((a: { address: string; count: number; categories: string[]; cases: Array<{ id: string }> }) => [a.address.replace(/\s+/g, ''), a.count, a.categories.length, a.cases.map((c) => c.id)]),
        reporters: r.reporters.map((x: { count: number; cases: Array<{ id: string }> }) => [x.count, x.cases.length]),
      };
    };
    const live = await view('street_admin');
    // worked out: 新华路 4 (categories A and B), 东塘路 2; reporters 3 and 2
    expect(live.addresses.map((a: unknown[]) => a.slice(0, 3))).toEqual([['新华路8号', 4, 2], ['东塘路1号', 2, 1]]);
    expect(live.addresses[0][3][0]).toBe(moved.id); // newest first
    expect(live.reporters).toEqual([[3, 3], [2, 2]]);
    const liveQ = await view('community_admin.qiaotou');
    expect(liveQ.addresses.map((a: unknown[]) => a.slice(0, 2))).toEqual([['新华路8号', 3]]);

    // The hourly job rolls these days up; the answers must not change.
    t.clock.advance(60_000);
    await refreshRollup(t.og.ctx);
    const held = await sql<{ n: number }>`SELECT count(*)::int AS n FROM analytics_case_keys WHERE day BETWEEN '2026-10-10' AND '2026-10-12'`.execute(t.og.ctx.db);
    expect(held.rows[0]!.n).toBe(6);
    expect(await view('street_admin')).toEqual(live);
    expect(await view('community_admin.qiaotou')).toEqual(liveQ);

    // A case rewritten after the roll-up (its address corrected) counts where it now belongs, at once.
    t.clock.advance(60_000);
    await sql`UPDATE cases SET address = '东塘路 1 号', updated_at = ${t.clock.now()} WHERE id = ${moved.id}`.execute(t.og.ctx.db);
    const after = await view('street_admin');
    expect(after.addresses.map((a: unknown[]) => a.slice(0, 2))).toEqual([['东塘路1号', 3], ['新华路8号', 3]]);
    expect(after.addresses[0][3]).toContain(moved.id);
    expect(after.addresses[1][3]).not.toContain(moved.id);
    expect(after.reporters).toEqual(live.reporters);
    // and the next run of the job agrees
    t.clock.advance(60_000);
    await refreshRollup(t.og.ctx);
    expect(await view('street_admin')).toEqual(after);
  });
});

describe('early warning', () => {
  it('raises a warning for an unusual rise against the grid x category history, tells the community staff, once', async () => {
    const D = cats[3]!;
    const day = (d: number, h = 2) => `2026-${d <= 0 ? '10' : '11'}-${String(d <= 0 ? 31 + d : d).padStart(2, '0')}T0${h}:00:00Z`; // d <= 0: October
    // P1 x D: 13 cases on 11-01..11-13 (one a day), 4 today. Daily baseline (13 + 0.5) / 28 = 0.482:
    //   P(X >= 4) ≈ 0.0015 < 0.01 → day warning. The week (11-17..23) has 4 < 5 → no week warning.
    // P2 x D: 2 a day on 10-26..11-22 (56 in the 28 days), 4 today: baseline 2.02, P(X >= 4) ≈ 0.14 → none.
    //   Its week: 12 + 4 = 16 against 7 x (44 + 0.5) / 28 = 11.1 → P ≈ 0.09 → none.
    const hist: Fake[] = [];
    for (let d = 1; d <= 13; d++) hist.push({ path: P1, cat: D, at: day(d) });
    // 10-26..11-22: 28 days
    for (let d = -5; d <= 22; d++) hist.push({ path: P2, cat: D, at: day(d) }, { path: P2, cat: D, at: day(d, 3) });
    await insert(hist);
    await insert(Array.from({ length: 4 }, (_, i) => ({ path: P1, cat: D, at: `2026-11-22T2${i}:00:00Z` })));
    await insert(Array.from({ length: 4 }, (_, i) => ({ path: P2, cat: D, at: `2026-11-22T2${i}:00:00Z` })));
    // no notifications before
    const inbox = async (u: string) => (await get(u, '/api/notifications?pageSize=50')).json().items.filter((n: { kind: string }) => n.kind === 'analytics.warning');
    expect(await inbox('community_admin.qiaotou')).toHaveLength(0);

    // The hourly job (in its own transaction) refreshes the roll-up and runs the rule.
    t.clock.advance(2 * 3_600_000 + 5 * 60_000);
    expect(await t.og.ctx.jobs.runDue()).toBeGreaterThan(0);
    const w = (await get('dispatcher', '/api/analytics/warnings')).json();
    const mine = w.filter((x: { categoryCode: string }) => x.categoryCode === D);
    expect(mine.map((x: { path: string; period: string; observed: number }) => [x.path, x.period, x.observed])).toEqual([[P1, 'day', 4]]);
    expect(mine[0].expected).toBeCloseTo(13.5 / 28, 3);
    expect(mine[0].pValue).toBeLessThan(0.01);
    expect(mine[0].pValue).toBeGreaterThan(0.001);

    // community staff covering the grid are told; the other community is not
    const n = await inbox('community_admin.qiaotou');
    expect(n).toHaveLength(1);
    expect(n[0].title).toContain('异常预警');
    expect(await inbox('grid_worker.qiaotou')).toHaveLength(1);
    expect(await inbox('community_admin.mulian')).toHaveLength(0);

    // running again the same day raises nothing new
    expect(await runEarlyWarning(t.og.ctx)).toEqual([]);
    expect(await inbox('community_admin.qiaotou')).toHaveLength(1);

    // on the dashboard of qiaotou, not of mulian; a job for the next hour is queued
    expect((await get('community_admin.qiaotou', '/api/analytics/dashboard')).json().warnings.some((x: { categoryCode: string }) => x.categoryCode === D)).toBe(true);
    expect((await get('community_admin.mulian', '/api/analytics/dashboard')).json().warnings).toHaveLength(0);
    const next = await t.og.ctx.db.selectFrom('jobs').select('id').where('kind', '=', HOURLY_JOB).where('state', '=', 'pending').execute();
    expect(next.length).toBeGreaterThan(0);

    // acknowledging: in scope only
    expect((await t.req('POST', `/api/analytics/warnings/${mine[0].id}/ack`, { cookie: await t.login('community_admin.mulian') })).statusCode).toBe(404);
    const ack = await t.req('POST', `/api/analytics/warnings/${mine[0].id}/ack`, { cookie: await t.login('community_admin.qiaotou') });
    expect(ack.statusCode).toBe(200);
    expect(ack.json().acknowledged).toBe(true);
  });
});
