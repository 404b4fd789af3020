import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sql } from 'kysely';
import ExcelJS from 'exceljs';
import { startTestApp, type TestApp } from '../../../test/helpers.js';
import { newId } from '../../platform/ids.js';
import { pdfText } from '../../platform/pdf/extract.js';
import { refreshRollup } from './service.js';
import { isoWeek, periodBounds, reportPeriods } from './reports.js';

/**
 * Weekly and monthly reports on hand-made cases whose figures are worked out below. The test
 * clock stands at 2026-11-23 09:00 in Shanghai (a Monday): the last complete week is 11-16..11-22,
 * the one before 11-09..11-15.
 */
let t: TestApp;
let P1: string, P2: string, P3: string; // qiaotou G01, qiaotou G02, mulian G01
let gridIds: Record<string, string>;
let QIAOTOU: { id: string; name: string };
let MULIAN: { id: string; name: string };
let STREET: string; // the street's name (street_admin's node)
let A: string, B: string, C: string; // category codes
let catName: Record<string, string>;
let D1: { id: string; name: string }, D2: { id: string; name: string };
let seq = 0;

/** Shanghai local time 'MM-DD HH:mm' of 2026 → the UTC instant. */
const sh = (s: string) => new Date(Date.parse(`2026-${s.slice(0, 5)}T${s.slice(6)}:00+08:00`));

interface Fake {
  path: string;
  cat: string;
  dept?: string;
  at: string;
  filed?: boolean;
  closedAt?: string;
  overdueAt?: string;
  rating?: number;
}

async function insert(list: Fake[]): Promise<void> {
  const rows = list.map((f) => {
    seq++;
    return {
      id: newId(),
      number: `R${String(seq).padStart(8, '0')}`,
      track_code: `RC${seq}`,
      state: f.closedAt ? 'closed' : 'dispatched',
      channel: 'resident',
      description: '测试',
      category_code: f.cat,
      priority: 'normal',
      lng: 112.9 + seq * 0.001,
      lat: 28.0 + seq * 0.001,
      address: null,
      grid_id: gridIds[f.path] ?? null,
      node_path: f.path,
      department_id: f.dept ?? null,
      reported_at: sh(f.at),
      filed_at: f.filed === false ? null : sh(f.at),
      closed_at: f.closedAt ? sh(f.closedAt) : null,
      overdue_at: f.overdueAt ? sh(f.overdueAt) : null,
      rating: f.rating ?? null,
      rated_at: f.rating ? sh(f.closedAt!) : null,
      created_at: sh(f.at),
      updated_at: t.clock.now(),
    };
  });
  await t.og.ctx.db.insertInto('cases').values(rows as never).execute();
}

beforeAll(async () => {
  t = await startTestApp();
  const db = t.og.ctx.db;
  const nodes = await sql<{ id: string; code: string; path: string; name: string }>`SELECT id, code, path, name FROM org_nodes WHERE code IN ('430103007001G01', '430103007001G02', '430103007002G01', '430103007001', '430103007002')`.execute(db);
  const by = new Map(nodes.rows.map((n) => [n.code, n]));
  P1 = by.get('430103007001G01')!.path;
  P2 = by.get('430103007001G02')!.path;
  P3 = by.get('430103007002G01')!.path;
  QIAOTOU = by.get('430103007001')!;
  MULIAN = by.get('430103007002')!;
  gridIds = Object.fromEntries(nodes.rows.map((n) => [n.path, n.id]));
  STREET = (await sql<{ name: string }>`SELECT n.name FROM users u JOIN org_nodes n ON n.id = u.node_id WHERE u.username = 'street_admin'`.execute(db)).rows[0]!.name;
  const cats = (await sql<{ code: string; name: string }>`SELECT code, name FROM categories WHERE active ORDER BY code LIMIT 3`.execute(db)).rows;
  [A, B, C] = cats.map((c) => c.code) as [string, string, string];
  catName = Object.fromEntries(cats.map((c) => [c.code, c.name]));
  [D1, D2] = (await sql<{ id: string; name: string }>`SELECT id, name FROM departments ORDER BY code LIMIT 2`.execute(db)).rows as [{ id: string; name: string }, { id: string; name: string }];

  await insert([
    // ---- the week 11-16..11-22
    { path: P1, cat: A, dept: D1.id, at: '11-16 10:00', closedAt: '11-18 10:00', rating: 5 }, // c1
    { path: P1, cat: A, dept: D1.id, at: '11-16 10:00', closedAt: '11-18 11:00', rating: 4 }, // c2
    { path: P1, cat: A, dept: D1.id, at: '11-16 10:00' }, // c3
    { path: P1, cat: B, dept: D2.id, at: '11-17 10:00', overdueAt: '11-19 10:00', closedAt: '11-20 10:00', rating: 2 }, // c4: closed late
    { path: P1, cat: B, dept: D2.id, at: '11-17 10:00', overdueAt: '11-21 10:00' }, // c5: overdue, open
    { path: P2, cat: A, at: '11-16 00:30', filed: false }, // c6: first half hour of the week, not filed
    { path: P2, cat: A, at: '11-22 23:30' }, // c7: last half hour of the week
    { path: P3, cat: C, dept: D1.id, at: '11-19 10:00', closedAt: '11-20 12:00', rating: 3 }, // c8
    { path: P3, cat: C, dept: D1.id, at: '11-19 10:00' }, // c9
    { path: P3, cat: C, dept: D1.id, at: '11-19 10:00' }, // c10
    { path: P3, cat: C, dept: D1.id, at: '11-19 10:00' }, // c11
    // ---- the week before, 11-09..11-15
    { path: P1, cat: A, dept: D1.id, at: '11-10 10:00', closedAt: '11-12 10:00', rating: 4 }, // p1
    { path: P1, cat: A, dept: D1.id, at: '11-10 10:00', closedAt: '11-12 10:00', rating: 4 }, // p2
    { path: P2, cat: A, at: '11-15 23:30' }, // p3: last half hour of the previous week
    { path: P3, cat: C, dept: D1.id, at: '11-11 10:00' }, // p4
    // ---- in November outside both weeks; and October
    { path: P1, cat: B, dept: D2.id, at: '11-02 10:00' }, // m1
    { path: P3, cat: C, at: '10-20 10:00' }, // o1
  ]);
  // an early warning raised on 11-20 in qiaotou G01 (and one on 11-23, outside the week)
  for (const [day, observed] of [
    ['2026-11-20', 5],
    ['2026-11-23', 6],
  ] as const)
    await t.og.ctx.db
      .insertInto('analytics_warnings')
      .values({ id: newId(), node_path: P1, grid_id: gridIds[P1]!, category_code: A, period: 'day', day, observed, expected: 0.5, p_value: 0.0001, method: 'poisson-upper-tail', created_at: t.clock.now() })
      .execute();
}, 120_000);
afterAll(async () => t?.close());

const get = async (user: string, url: string) => t.req('GET', url, { cookie: await t.login(user) });
const exportsAudited = async () => (await sql<{ n: number }>`SELECT count(*)::int AS n FROM audit_log WHERE action = 'analytics.report.export'`.execute(t.og.ctx.db)).rows[0]!.n;

describe('report periods', () => {
  it('weeks run Monday to Sunday, months are calendar months; the default is the last complete one', () => {
    expect(periodBounds('week', '2026-11-22')).toEqual({ from: '2026-11-16', to: '2026-11-22', label: '2026年第47周' });
    expect(periodBounds('week', '2026-11-16').from).toBe('2026-11-16');
    expect(periodBounds('month', '2026-02-14')).toEqual({ from: '2026-02-01', to: '2026-02-28', label: '2026年2月' });
    expect(periodBounds('month', '2028-02-01').to).toBe('2028-02-29');
    expect(isoWeek('2021-01-03')).toEqual({ year: 2020, week: 53 });
    expect(isoWeek('2026-01-01')).toEqual({ year: 2026, week: 1 });
    expect(reportPeriods('week', undefined, '2026-11-23')).toEqual({
      current: { from: '2026-11-16', to: '2026-11-22', label: '2026年第47周' },
      previous: { from: '2026-11-09', to: '2026-11-15', label: '2026年第46周' },
    });
    const m = reportPeriods('month', undefined, '2026-01-05');
    expect([m.current.from, m.current.to, m.previous.from, m.previous.to]).toEqual(['2025-12-01', '2025-12-31', '2025-11-01', '2025-11-30']);
  });
});

describe('weekly and monthly reports', () => {
  it('works out the week for the street: figures, comparison, trend, problems, rankings, warnings', async () => {
    const res = await get('street_admin', '/api/analytics/reports?period=week');
    expect(res.statusCode).toBe(200);
    const r = res.json();
    expect(r.title).toBe(`${STREET}基层治理周报`);
    expect(r.period).toMatchObject({ from: '2026-11-16', to: '2026-11-22', complete: true, days: 7 });
    expect(r.previous).toMatchObject({ from: '2026-11-09', to: '2026-11-15' });
    // c1..c11 reported; c6 not filed; closed c1, c2, c4, c8 of which c4 late; overdue c4 (11-19), c5 (11-21);
    // rated 5 + 4 + 2 + 3 = 14 over 4, two of them 4 or 5.
    expect(r.figures).toEqual({ reported: 11, filed: 10, closed: 4, overdue: 2, onTimeRate: 0.75, satisfaction: 3.5, satisfiedRate: 0.5, rated: 4 });
    // previous week: p1..p4 reported, p1 and p2 closed on time, rated 4 and 4
    expect(r.previousFigures).toEqual({ reported: 4, filed: 4, closed: 2, overdue: 0, onTimeRate: 1, satisfaction: 4, satisfiedRate: 1, rated: 2 });
    expect(r.change.reported).toEqual({ delta: 7, ratio: 1.75 });
    expect(r.change.overdue).toEqual({ delta: 2, ratio: null });
    expect(r.change.onTimeRate.delta).toBeCloseTo(-0.25, 6);
    expect(r.change.satisfaction.delta).toBeCloseTo(-0.5, 6);
    // the daily trend
    const trend = Object.fromEntries(r.trend.map((d: { day: string; reported: number; closed: number; overdue: number }) => [d.day, [d.reported, d.closed, d.overdue]]));
    expect(trend).toEqual({
      '2026-11-16': [4, 0, 0],
      '2026-11-17': [2, 0, 0],
      '2026-11-18': [0, 2, 0],
      '2026-11-19': [4, 0, 1],
      '2026-11-20': [0, 2, 0],
      '2026-11-21': [0, 0, 1],
      '2026-11-22': [1, 0, 0],
    });
    // top problems: A = c1, c2, c3, c6, c7; C = c8..c11; B = c4, c5
    expect(r.categories.map((c: { code: string; name: string; reported: number; closed: number; share: number }) => [c.code, c.name, c.reported, c.closed, c.share])).toEqual([
      [A, catName[A], 5, 2, 0.4545],
      [C, catName[C], 4, 1, 0.3636],
      [B, catName[B], 2, 1, 0.1818],
    ]);
    // departments: D1 = c1, c2, c3, c8..c11 (3 closed on time, rated 5, 4, 3); D2 = c4, c5 (1 closed late, rated 2)
    expect(r.departments.map((d: { rank: number; id: string; reported: number; closed: number; onTimeRate: number; overdue: number; satisfaction: number }) => [d.rank, d.id, d.reported, d.closed, d.onTimeRate, d.overdue, d.satisfaction])).toEqual([
      [1, D1.id, 7, 3, 1, 0, 4],
      [2, D2.id, 2, 1, 0, 2, 2],
    ]);
    // grids by reports: P1 (c1..c5), P3 (c8..c11), P2 (c6, c7)
    expect(r.grids.map((g: { rank: number; path: string; reported: number; closed: number; onTimeRate: number | null; community: string }) => [g.rank, g.path, g.reported, g.closed, g.onTimeRate, g.community])).toEqual([
      [1, P1, 5, 3, 0.6667, QIAOTOU.name],
      [2, P3, 4, 1, 1, MULIAN.name],
      [3, P2, 2, 0, null, QIAOTOU.name],
    ]);
    // the warning of 11-20 only (11-23 is outside the week)
    expect(r.warnings.map((w: { day: string; observed: number; category: string }) => [w.day, w.observed, w.category])).toEqual([['2026-11-20', 5, catName[A]]]);

    // the same answer once the roll-up holds these days
    expect((await refreshRollup(t.og.ctx))?.to).toBe('2026-11-22');
    const rolled = (await get('street_admin', '/api/analytics/reports?period=week')).json();
    expect({ ...rolled, generatedAt: null }).toEqual({ ...r, generatedAt: null });
  });

  it('a community sees its own; another community is 403; the street may pick a community', async () => {
    const own = (await get('community_admin.qiaotou', '/api/analytics/reports?period=week&date=2026-11-18')).json();
    expect(own.title).toBe(`${QIAOTOU.name}基层治理周报`);
    // c1..c7; closed c1, c2, c4 (c4 late); rated 5, 4, 2
    expect(own.figures).toEqual({ reported: 7, filed: 6, closed: 3, overdue: 2, onTimeRate: 0.6667, satisfaction: 3.67, satisfiedRate: 0.6667, rated: 3 });
    expect(own.previousFigures.reported).toBe(3); // p1, p2, p3
    expect(own.departments.map((d: { id: string; reported: number }) => [d.id, d.reported])).toEqual([
      [D1.id, 3],
      [D2.id, 2],
    ]);
    expect(own.grids.map((g: { path: string }) => g.path)).toEqual([P1, P2]);
    expect(own.warnings).toHaveLength(1);

    for (const f of ['json', 'pdf', 'xlsx']) expect((await get('community_admin.qiaotou', `/api/analytics/reports?period=week&nodeId=${MULIAN.id}&format=${f}`)).statusCode).toBe(403);
    const mulian = (await get('street_admin', `/api/analytics/reports?period=week&nodeId=${MULIAN.id}`)).json();
    expect(mulian.title).toBe(`${MULIAN.name}基层治理周报`);
    expect(mulian.figures.reported).toBe(4);
    expect(mulian.grids.map((g: { path: string }) => g.path)).toEqual([P3]);
    expect(mulian.warnings).toHaveLength(0);

    // the scopes the page offers: the street offers its communities, a community only itself
    const streetScopes = (await get('street_admin', '/api/analytics/reports/scopes')).json();
    expect(streetScopes[0]).toMatchObject({ id: null, name: STREET });
    expect(streetScopes.map((s: { id: string | null }) => s.id)).toEqual(expect.arrayContaining([QIAOTOU.id, MULIAN.id]));
    const qScopes = (await get('community_admin.qiaotou', '/api/analytics/reports/scopes')).json();
    expect(qScopes).toEqual([{ id: null, name: QIAOTOU.name, level: 'community', path: expect.any(String) }]);
  });

  it('works out the month and its previous month', async () => {
    const r = (await get('street_admin', '/api/analytics/reports?period=month&date=2026-11-05')).json();
    expect(r.title).toBe(`${STREET}基层治理月报`);
    expect(r.period).toMatchObject({ from: '2026-11-01', to: '2026-11-30', label: '2026年11月', complete: false, days: 30 });
    expect(r.previous).toMatchObject({ from: '2026-10-01', to: '2026-10-31', label: '2026年10月' });
    // November: c1..c11, p1..p4, m1 = 16; closed c1, c2, c4, c8, p1, p2 (c4 late); October: o1
    expect(r.figures).toMatchObject({ reported: 16, closed: 6, onTimeRate: 0.8333, overdue: 2, rated: 6 });
    expect(r.previousFigures).toMatchObject({ reported: 1, closed: 0, onTimeRate: null });
    expect(r.change.reported).toEqual({ delta: 15, ratio: 15 });
    expect(r.change.onTimeRate.delta).toBeNull();
    expect(r.warnings).toHaveLength(2);
  });

  it('rejects bad input with a 4xx and keeps residents and departments out', async () => {
    const bad = ['period=year', 'period=week&date=2026-02-30', 'period=week&date=20261101', 'period=week&date=2026-12-01', 'period=week&format=doc', 'period=week&nodeId=nope', 'date=2026-11-01'];
    for (const q of bad) {
      const r = await get('street_admin', `/api/analytics/reports?${q}`);
      expect(r.statusCode, q).toBe(400);
      expect(r.json().error.message, q).toMatch(/[\u4e00-\u9fa5]/);
    }
    expect((await get('street_admin', '/api/analytics/reports?period=week&date=2026-11-23')).statusCode).toBe(200); // the current week, so far
    expect((await get('street_admin', `/api/analytics/reports?period=week&nodeId=${newId()}`)).statusCode).toBe(404);
    expect((await get('resident.qiaotou', '/api/analytics/reports?period=week')).statusCode).toBe(403);
    expect((await get('dept.sz', '/api/analytics/reports?period=week&format=pdf')).statusCode).toBe(403);
    expect((await t.req('GET', '/api/analytics/reports?period=week')).statusCode).toBe(401);
  });
});

describe('downloads', () => {
  it('XLSX: the sheets parse back with the figures; the download is audited', async () => {
    const before = await exportsAudited();
    const res = await get('street_admin', '/api/analytics/reports?period=week&format=xlsx');
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toContain('spreadsheetml');
    expect(String(res.headers['content-disposition'])).toContain("filename*=UTF-8''" + encodeURIComponent(`${STREET}基层治理周报`));
    const wb = new ExcelJS.Workbook();
    await wb.xlsx.load(res.rawPayload as unknown as ArrayBuffer);
    expect(wb.worksheets.map((w) => w.name)).toEqual(['汇总', '每日趋势', '问题分类', '部门排名', '网格排名', '异常预警']);
    const rows = (name: string) => {
      const out: unknown[][] = [];
      wb.getWorksheet(name)!.eachRow((row) => out.push((row.values as unknown[]).slice(1)));
      return out;
    };
    const summary = rows('汇总');
    expect(summary[0]![0]).toBe(`${STREET}基层治理周报`);
    const line = (label: string) => summary.find((r) => r[0] === label)!;
    expect(line('上报事件（件）').slice(1, 3)).toEqual([11, 4]);
    expect(line('结案（件）').slice(1, 3)).toEqual([4, 2]);
    expect(line('按期结案率').slice(1, 3)).toEqual([0.75, 1]);
    expect(line('平均评分（1–5）').slice(1, 3)).toEqual([3.5, 4]);
    expect(line('上报事件（件）')[3]).toBe('+7（+175%）');
    const trend = rows('每日趋势');
    expect(trend[0]).toEqual(['日期', '上报', '结案', '超期']);
    expect(trend.find((r) => r[0] === '2026-11-16')).toEqual(['2026-11-16', 4, 0, 0]);
    expect(trend.at(-1)).toEqual(['合计', 11, 4, 2]);
    expect(rows('问题分类').slice(1).map((r) => [r[1], r[3]])).toEqual([
      [catName[A], 5],
      [catName[C], 4],
      [catName[B], 2],
    ]);
    // 排名, 处置部门, 上报, 立案, 结案, 按期结案率: D1 = c1..c3, c8..c11 (all filed), D2 = c4, c5
    expect(rows('部门排名').slice(1).map((r) => r.slice(0, 6))).toEqual([
      [1, D1.name, 7, 7, 3, 1],
      [2, D2.name, 2, 2, 1, 0],
    ]);
    expect(rows('网格排名').slice(1).map((r) => [r[0], r[3]])).toEqual([
      [1, 5],
      [2, 4],
      [3, 2],
    ]);
    expect(rows('异常预警').slice(1).map((r) => [r[0], r[5]])).toEqual([['2026-11-20', 5]]);

    expect(await exportsAudited()).toBe(before + 1);
    const a = (await sql<{ actor_name: string; after: { format: string; period: string; from: string; to: string; scope: string } }>`SELECT actor_name, after FROM audit_log WHERE action = 'analytics.report.export' ORDER BY seq DESC LIMIT 1`.execute(t.og.ctx.db)).rows[0]!;
    expect(a.after).toMatchObject({ format: 'xlsx', period: 'week', from: '2026-11-16', to: '2026-11-22', scope: STREET });
    // a preview is not a download: not audited
    await get('street_admin', '/api/analytics/reports?period=week');
    expect(await exportsAudited()).toBe(before + 1);
  });

  it('PDF: a PDF whose text (Chinese font with ToUnicode) holds the title and figures; audited', async () => {
    const before = await exportsAudited();
    const res = await get('community_admin.qiaotou', '/api/analytics/reports?period=month&date=2026-11-05&format=pdf');
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toBe('application/pdf');
    const buf = res.rawPayload;
    expect(buf.subarray(0, 5).toString()).toBe('%PDF-');
    expect(buf.toString('latin1')).toMatch(/\/FontFile3|\/FontFile2/); // the font is embedded
    const text = (await pdfText(buf)).join('\n');
    expect(text).toContain(`${QIAOTOU.name}基层治理月报`);
    expect(text).toContain('2026年11月');
    for (const s of ['一、主要指标', '二、每日趋势', '三、问题分类', '四、部门排名', '五、网格排名', '六、异常预警', D1.name, catName[A]!]) expect(text).toContain(s);
    // qiaotou in November: c1..c7, p1..p3, m1 = 11 reported; closed c1, c2, c4, p1, p2: on time 4 / 5 = 80%
    expect(text).toContain('按期结案率80%');
    expect(buf.length).toBeLessThan(600_000);
    expect(await exportsAudited()).toBe(before + 1);
    const a = (await sql<{ after: { format: string; scope: string } }>`SELECT after FROM audit_log WHERE action = 'analytics.report.export' ORDER BY seq DESC LIMIT 1`.execute(t.og.ctx.db)).rows[0]!;
    expect(a.after).toMatchObject({ format: 'pdf', scope: QIAOTOU.name });
  });
});
