import ExcelJS from 'exceljs';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';

vi.mock('../dispatch/index.js', async (orig) => {
  const m = await orig<typeof import('../dispatch/index.js')>();
  return { ...m, adviseIntake: (await import('./testing.js')).stubAdviseIntake(m) };
});

import { startTestApp, type TestApp } from '../../../test/helpers.js';
import { MULIAN_G01, pointIn, QIAOTOU_G01, reportAs, step, Users } from './testing.js';

/**
 * A hand-built week whose figures are worked out by hand below (times are Asia/Shanghai, Monday
 * 2026-11-23; UF02 排水井盖 → SZ, 4 working hours, acceptance due within 1 h; EN01 暴露垃圾 → HW, 12
 * working hours → due Tuesday 16:00, acceptance within 2 h). Evaluated on Tuesday at 17:00.
 *
 *  S1 UF02: dispatched 09:00, accepted 09:30 (on time), resolved 11:00 (on time), closed, rated 5
 *  S2 UF02: dispatched 09:00, accepted 10:30 (late), resolved 16:00 (after 15:00: overdue), closed, rated 2
 *  S3 UF02: dispatched 09:00, accepted 09:10, resolved 10:00, verification failed (rework), resolved 11:00, closed
 *  S4 UF02: dispatched to SZ 09:00, returned by SZ 09:20, dispatched to HW 09:20 (due 15:20, accept by 10:20),
 *           accepted 09:40, resolved 10:20, closed, rated 4
 *  S5 UF02: dispatched 09:00, accepted 09:20, resolved 10:00, closed 10:30, rated 1 at 12:00; reopened by the
 *           resident at 14:00 (重新办理: back to SZ with a new clock — accept by 15:00, 4 working hours = 3.5 h to
 *           17:30 + 0.5 h from Tuesday 08:30 → due Tuesday 09:00 — and the old rating and dates cleared),
 *           accepted 14:30 (on time), resolved 15:30 (on time), closed 16:30, not rated again
 *  H1 EN01 → HW: accepted 09:30, still open on Tuesday 17:00 (past its deadline: overdue)
 *  H2 EN01 → HW (in 木莲): never accepted, overdue
 *  S0: last week (outside the period); R: rejected (not counted)
 *
 * SZ: received 5 (S1–S5), returned 1 (S4) → correct 4/5; handled 4 (S1–S3, S5); accepted on time 3 (S1, S3, S5);
 *     resolved on time 3 (S1, S3, S5); closed 4, on time 3, due 4 → on-time closure 3/4; overdue 1 (S2) → 1/4;
 *     rework 1 (S3) → 1/4; reopened 1 (S5); response (0.5 + 1.5 + 1/6 + 0.5)/4 = 0.67 h (S5 from its
 *     second dispatch at 14:00); handling (1.5 + 5.5 + 11/6 + 1)/4 = 2.46 h;
 *     ratings 5, 2 (S5's 1 was cleared by the reopening) → mean 3.5, share 4–5 = 0.5, satisfaction (3.5−1)/4 = 0.625;
 *     score = 100 × (60×3/4 + 20×0.625 − 10×1/4 − 10×1/4) / 80 = 100 × 52.5 / 80 = 65.625 → 65.6
 *     (reopening is reported as a figure; the default score formula does not weigh it)
 * HW: received 3 (S4, H1, H2), returned 0 → correct 1; handled 3; accepted on time 2 (S4, H1); resolved on time 1;
 *     closed 1 on time; due 3 (S4 closed, H1 and H2 past Tuesday 16:00) → 1/3; overdue 2 → 2/3; rework 0;
 *     response (1/3 + 0.5)/2 = 0.42 h; handling 2/3 = 0.67 h; rating 4 → satisfaction 0.75;
 *     score = 100 × (60×1/3 + 20×0.75 − 10×2/3) / 80 = 35.4; reopened 0
 * 桥头社区 (S1–S5, H1): received 6, returned 1 → 5/6; handled 6; accepted on time 5; resolved on time 4 (S1, S3, S4, S5);
 *     closed 5, on time 4; due 6 → 4/6; overdue 2 (S2, H1) → 2/6; rework 1 → 1/6; reopened 1 (S5);
 *     handling (1.5 + 5.5 + 11/6 + 2/3 + 1)/5 = 2.1 h; ratings 5, 2, 4 → mean 3.67, satisfaction 2/3;
 *     score = 100 × (60×4/6 + 20×2/3 − 10×1/6 − 10×2/6) / 80 = 100 × 48.33 / 80 = 60.4
 * 木莲社区 (H2): handled 1, due 1, on time 0, overdue 1, no ratings → 100 × (0 − 10) / 60 < 0 → 0
 */
describe('cases: performance evaluation on a hand-built set', () => {
  let t: TestApp;
  let u: Users;
  const at = (hhmm: string, day = '2026-11-23') => t.clock.set(new Date(`${day}T${hhmm}:00+08:00`));
  const period = 'from=2026-11-22T16:00:00.000Z&to=2026-11-24T16:00:00.000Z';

  beforeAll(async () => {
    t = await startTestApp();
    u = new Users(t);
    const d = () => u.as('dispatcher');
    const sz = () => u.as('dept.sz');
    const hw = () => u.as('dept.hw');
    const gw = () => u.as('grid_worker.qiaotou');
    const res = () => u.as('resident.qiaotou');
    // S0 last week, left open and overdue: must not count
    at('09:00', '2026-11-16');
    const s0 = await reportAs(t, await d(), { description: 'S0', category: 'UF02', location: pointIn(QIAOTOU_G01, 0.9, 0.9) });
    await step(t, await d(), s0.id, 'dispatch', { version: s0.version });
    at('08:50');
    u.reset();
    const mk = async (who: () => Promise<string>, category: string, cell: [number, number], uu: number) => reportAs(t, await who(), { description: category, category, location: pointIn(cell, uu, uu) });
    let S1 = await mk(res, 'UF02', QIAOTOU_G01, 0.1);
    let S2 = await mk(res, 'UF02', QIAOTOU_G01, 0.3);
    let S3 = await mk(d, 'UF02', QIAOTOU_G01, 0.5);
    let S4 = await mk(res, 'UF02', QIAOTOU_G01, 0.7);
    let S5 = await mk(res, 'UF02', QIAOTOU_G01, 0.4);
    let H1 = await mk(d, 'EN01', QIAOTOU_G01, 0.9);
    const H2 = await mk(d, 'EN01', MULIAN_G01, 0.5);
    const R = await mk(d, 'UF02', QIAOTOU_G01, 0.2);
    await step(t, await d(), R.id, 'reject', { version: R.version, reason: '重复' });
    at('09:00');
    S1 = await step(t, await d(), S1.id, 'dispatch', { version: S1.version });
    S2 = await step(t, await d(), S2.id, 'dispatch', { version: S2.version });
    S3 = await step(t, await d(), S3.id, 'dispatch', { version: S3.version });
    S4 = await step(t, await d(), S4.id, 'dispatch', { version: S4.version });
    S5 = await step(t, await d(), S5.id, 'dispatch', { version: S5.version });
    H1 = await step(t, await d(), H1.id, 'dispatch', { version: H1.version });
    await step(t, await d(), H2.id, 'dispatch', { version: H2.version });
    at('09:10');
    S3 = await step(t, await sz(), S3.id, 'accept', { version: S3.version });
    at('09:20');
    S4 = await step(t, await sz(), S4.id, 'return', { version: S4.version, reason: '应由环卫处理' });
    S4 = await step(t, await d(), S4.id, 'dispatch', { version: S4.version, departmentCode: 'HW' });
    S5 = await step(t, await sz(), S5.id, 'accept', { version: S5.version });
    at('09:30');
    S1 = await step(t, await sz(), S1.id, 'accept', { version: S1.version });
    await step(t, await hw(), H1.id, 'accept', { version: H1.version });
    at('09:40');
    S4 = await step(t, await hw(), S4.id, 'accept', { version: S4.version });
    at('10:00');
    S3 = await step(t, await sz(), S3.id, 'resolve', { version: S3.version, note: 'x' });
    S5 = await step(t, await sz(), S5.id, 'resolve', { version: S5.version, note: 'x' });
    at('10:20');
    S4 = await step(t, await hw(), S4.id, 'resolve', { version: S4.version, note: 'x' });
    at('10:30');
    S2 = await step(t, await sz(), S2.id, 'accept', { version: S2.version });
    S3 = await step(t, await gw(), S3.id, 'verify', { version: S3.version, passed: false, note: '未修好' });
    S5 = await step(t, await gw(), S5.id, 'verify', { version: S5.version, passed: true });
    at('11:00');
    S1 = await step(t, await sz(), S1.id, 'resolve', { version: S1.version, note: 'x' });
    S3 = await step(t, await sz(), S3.id, 'resolve', { version: S3.version, note: 'x' });
    at('11:30');
    S1 = await step(t, await gw(), S1.id, 'verify', { version: S1.version, passed: true });
    await step(t, await gw(), S3.id, 'verify', { version: S3.version, passed: true });
    S4 = await step(t, await gw(), S4.id, 'verify', { version: S4.version, passed: true });
    at('12:00');
    await step(t, await res(), S1.id, 'rate', { version: S1.version, rating: 5 });
    await step(t, await res(), S4.id, 'rate', { version: S4.version, rating: 4 });
    S5 = await step(t, await res(), S5.id, 'rate', { version: S5.version, rating: 1, comment: '井盖还是松的' });
    at('14:00');
    S5 = await step(t, await res(), S5.id, 'reopen', { version: S5.version, reason: '井盖还是松的，踩上去会响' });
    at('14:30');
    S5 = await step(t, await sz(), S5.id, 'accept', { version: S5.version });
    at('15:30');
    S5 = await step(t, await sz(), S5.id, 'resolve', { version: S5.version, note: '已重新固定井盖' });
    at('16:00');
    S2 = await step(t, await sz(), S2.id, 'resolve', { version: S2.version, note: 'x' });
    at('16:30');
    S2 = await step(t, await gw(), S2.id, 'verify', { version: S2.version, passed: true });
    await step(t, await gw(), S5.id, 'verify', { version: S5.version, passed: true });
    at('16:40');
    await step(t, await res(), S2.id, 'rate', { version: S2.version, rating: 2 });
    at('17:00', '2026-11-24');
    u.reset();
  });
  afterAll(async () => t?.close());

  it('by department', async () => {
    const e = (await t.req('GET', `/api/cases/evaluation?groupBy=department&${period}`, { cookie: await u.as('supervisor') })).json();
    expect(e.weights).toEqual({ onTime: 60, satisfaction: 20, rework: 10, overdue: 10 });
    expect(e.rows.map((r: { group: { code: string } }) => r.group.code)).toEqual(['SZ', 'HW']);
    const [sz, hw] = e.rows;
    expect(sz).toMatchObject({ received: 5, dispatched: 5, returned: 1, dispatchedCorrectly: 4, correctRate: 0.8, handled: 4, acceptedOnTime: 3, resolvedOnTime: 3, closed: 4, closedOnTime: 3, due: 4, overdue: 1, rework: 1, reopened: 1, rated: 2, ratingMean: 3.5, goodShare: 0.5, score: 65.6, rank: 1 });
    expect(sz.onTimeClosureRate).toBeCloseTo(3 / 4, 3);
    expect(sz.overdueRate).toBeCloseTo(1 / 4, 3);
    expect(sz.reworkRate).toBeCloseTo(1 / 4, 3);
    expect(sz.meanResponseHours).toBeCloseTo((0.5 + 1.5 + 1 / 6 + 0.5) / 4, 2);
    expect(sz.meanHandlingHours).toBeCloseTo((1.5 + 5.5 + 11 / 6 + 1) / 4, 2);
    expect(sz.satisfaction).toBeCloseTo(0.625, 4);
    expect(hw).toMatchObject({ received: 3, dispatched: 3, returned: 0, dispatchedCorrectly: 3, correctRate: 1, handled: 3, acceptedOnTime: 2, resolvedOnTime: 1, closed: 1, closedOnTime: 1, due: 3, overdue: 2, rework: 0, reopened: 0, rated: 1, ratingMean: 4, goodShare: 1, score: 35.4, rank: 2 });
    expect(hw.onTimeClosureRate).toBeCloseTo(1 / 3, 3);
    expect(hw.meanResponseHours).toBeCloseTo((1 / 3 + 0.5) / 2, 2);
    expect(hw.meanHandlingHours).toBeCloseTo(2 / 3, 2);
  });

  it('by community and by grid', async () => {
    const e = (await t.req('GET', `/api/cases/evaluation?groupBy=community&${period}`, { cookie: await u.as('street_admin') })).json();
    expect(e.rows.map((r: { group: { name: string } }) => r.group.name)).toEqual(['桥头社区', '木莲社区']);
    const [q, m] = e.rows;
    expect(q).toMatchObject({ received: 6, dispatched: 6, returned: 1, dispatchedCorrectly: 5, handled: 6, acceptedOnTime: 5, resolvedOnTime: 4, closed: 5, closedOnTime: 4, due: 6, overdue: 2, rework: 1, reopened: 1, rated: 3, score: 60.4, rank: 1 });
    expect(q.correctRate).toBeCloseTo(5 / 6, 3);
    expect(q.onTimeClosureRate).toBeCloseTo(4 / 6, 3);
    expect(q.overdueRate).toBeCloseTo(2 / 6, 3);
    expect(q.reworkRate).toBeCloseTo(1 / 6, 3);
    expect(q.ratingMean).toBeCloseTo(11 / 3, 2);
    expect(q.meanHandlingHours).toBeCloseTo((1.5 + 5.5 + 11 / 6 + 2 / 3 + 1) / 5, 2);
    expect(m).toMatchObject({ received: 1, handled: 1, acceptedOnTime: 0, due: 1, onTimeClosureRate: 0, overdue: 1, overdueRate: 1, reopened: 0, rated: 0, ratingMean: null, satisfaction: null, score: 0, rank: 2 });
    const g = (await t.req('GET', `/api/cases/evaluation?groupBy=grid&${period}`, { cookie: await u.as('street_admin') })).json();
    expect(g.rows.map((r: { group: { code: string }; received: number }) => [r.group.code, r.received])).toEqual([
      ['430103007001G01', 6],
      ['430103007002G01', 1],
    ]);
    // a community admin sees only their community
    const own = (await t.req('GET', `/api/cases/evaluation?groupBy=community&${period}`, { cookie: await u.as('community_admin.mulian') })).json();
    expect(own.rows.map((r: { group: { name: string } }) => r.group.name)).toEqual(['木莲社区']);
  });

  it('uses the weights the admin sets', async () => {
    const sup = await u.as('supervisor');
    expect((await t.req('PUT', '/api/cases/evaluation/weights', { cookie: sup, body: { onTime: 100, satisfaction: 0, rework: 0, overdue: 0 } })).statusCode).toBe(403);
    const admin = await u.as('admin');
    expect((await t.req('PUT', '/api/cases/evaluation/weights', { cookie: admin, body: { onTime: 0, satisfaction: 0, rework: 1, overdue: 1 } })).statusCode).toBe(400);
    expect((await t.req('PUT', '/api/cases/evaluation/weights', { cookie: admin, body: { onTime: 100, satisfaction: 0, rework: 0, overdue: 0 } })).statusCode).toBe(200);
    const e = (await t.req('GET', `/api/cases/evaluation?groupBy=department&${period}`, { cookie: sup })).json();
    expect(e.rows.map((r: { group: { code: string }; score: number }) => [r.group.code, r.score])).toEqual([
      ['SZ', 75],
      ['HW', 33.3],
    ]);
    await t.req('PUT', '/api/cases/evaluation/weights', { cookie: admin, body: { onTime: 60, satisfaction: 20, rework: 10, overdue: 10 } });
  });

  it('exports CSV and XLSX', async () => {
    const sup = await u.as('supervisor');
    const csv = await t.req('GET', `/api/cases/evaluation?groupBy=department&format=csv&${period}`, { cookie: sup });
    expect(csv.statusCode).toBe(200);
    const lines = csv.body.replace(/^\uFEFF/, '').trim().split('\r\n');
    expect(lines[0]!.split(',')).toEqual(expect.arrayContaining(['排名', '名称', '综合得分', '按时结案率']));
    expect(lines[1]).toMatch(/^1,SZ,市政设施维护中心,5,5,4,80%,4,/);
    expect(lines[1]!.endsWith(',65.6')).toBe(true);
    expect(lines[0]!.split(',')).toContain('重新办理数');
    expect(lines[1]!.split(',')[lines[0]!.split(',').indexOf('重新办理数')]).toBe('1');
    const x = await t.req('GET', `/api/cases/evaluation?groupBy=department&format=xlsx&${period}`, { cookie: sup });
    expect(x.headers['content-type']).toContain('spreadsheetml');
    const wb = new ExcelJS.Workbook();
    await wb.xlsx.load(x.rawPayload as unknown as ArrayBuffer);
    const ws = wb.getWorksheet('综合评价')!;
    const header = (ws.getRow(3).values as unknown[]).slice(1);
    const row = (ws.getRow(4).values as unknown[]).slice(1);
    expect(row[header.indexOf('编码')]).toBe('SZ');
    expect(row[header.indexOf('综合得分')]).toBe(65.6);
    expect(row[header.indexOf('重新办理数')]).toBe(1);
  });
});
