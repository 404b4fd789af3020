import { describe, expect, it } from 'vitest';
import { addDays, baselineRate, dayStart, dbscan, judgeDay, judgeWeek, localDay, poissonUpperTail } from './stats.js';

const M_LAT = 111_320;
/** a point `dx`, `dy` metres east/north of (112.97, 28.15) */
const at = (dx: number, dy: number) => ({ lng: 112.97 + dx / (M_LAT * Math.cos((28.15 * Math.PI) / 180)), lat: 28.15 + dy / M_LAT });

describe('Poisson upper tail', () => {
  it('matches the closed forms', () => {
    expect(poissonUpperTail(0, 2)).toBe(1);
    expect(poissonUpperTail(1, 2)).toBeCloseTo(1 - Math.exp(-2), 12);
    // P(X >= 3 | 1) = 1 - e^-1 (1 + 1 + 1/2)
    expect(poissonUpperTail(3, 1)).toBeCloseTo(1 - 2.5 / Math.E, 12);
    expect(poissonUpperTail(5, 0)).toBe(0);
  });
});

describe('early-warning rule', () => {
  it('warns when today is far above the grid x category history, not otherwise', () => {
    // 13 cases in the 28 days before: rate (13 + 0.5) / 28 = 0.482 a day.
    const lam = 13.5 / 28;
    expect(baselineRate(13, 28)).toBeCloseTo(lam, 12);
    const tail = (x: number, l: number) => 1 - Array.from({ length: x }, (_, k) => (Math.exp(-l) * l ** k) / [1, 1, 2, 6, 24, 120][k]!).reduce((a, b) => a + b, 0);
    const four = judgeDay(4, 13);
    expect(four.pValue).toBeCloseTo(tail(4, lam), 10); // ≈ 0.0015 < 0.01
    expect(four.pValue).toBeLessThan(0.01);
    expect(four.warn).toBe(true);
    // two cases: unusual but under the minimum of 3
    expect(judgeDay(2, 13).warn).toBe(false);
    // a grid that usually has 2 a day: 4 today is ordinary (p ≈ 0.14)
    const busy = judgeDay(4, 56);
    expect(busy.pValue).toBeCloseTo(tail(4, 56.5 / 28), 10);
    expect(busy.warn).toBe(false);
  });
  it('weekly window: 7 x the daily baseline', () => {
    const w = judgeWeek(9, 13); // expected 3.375
    expect(w.expected).toBeCloseTo(7 * (13.5 / 28), 12);
    expect(w.warn).toBe(w.pValue < 0.01);
    expect(w.pValue).toBeCloseTo(poissonUpperTail(9, 3.375), 12);
    expect(w.warn).toBe(true); // P(X >= 9 | 3.375) ≈ 0.0076
    expect(judgeWeek(7, 13).warn).toBe(false); // ≈ 0.06
  });
});

describe('DBSCAN', () => {
  it('finds two corners and leaves isolated points as noise', () => {
    const pts = [
      // corner A: 5 points within 15 m
      at(0, 0), at(10, 0), at(0, 10), at(-10, 5), at(5, -10),
      // corner B, 500 m east: 4 points
      at(500, 0), at(510, 5), at(505, -8), at(495, 10),
      // isolated reports, hundreds of metres apart
      at(-400, 300), at(200, -600), at(900, 900),
    ];
    const r = dbscan(pts, 50, 4);
    expect(r.clusters.map((c) => c.members.length)).toEqual([5, 4]);
    expect(r.clusters[0]!.members.sort((a, b) => a - b)).toEqual([0, 1, 2, 3, 4]);
    expect(r.clusters[1]!.members.sort((a, b) => a - b)).toEqual([5, 6, 7, 8]);
    expect(r.noise.sort((a, b) => a - b)).toEqual([9, 10, 11]);
    expect(r.clusters[0]!.radiusM).toBeLessThan(20);
  });
  it('chains density-reachable points and respects eps', () => {
    const line = Array.from({ length: 6 }, (_, i) => at(i * 40, 0));
    expect(dbscan(line, 45, 3).clusters.map((c) => c.members.length)).toEqual([6]);
    const none = dbscan(line, 30, 3);
    expect(none.clusters).toEqual([]);
    expect(none.noise.length).toBe(6);
    expect(dbscan([], 50, 3)).toEqual({ clusters: [], noise: [] });
  });
});

describe('Shanghai days', () => {
  it('converts instants and day boundaries', () => {
    expect(localDay(new Date('2026-11-22T16:00:00Z'))).toBe('2026-11-23');
    expect(localDay(new Date('2026-11-22T15:59:59Z'))).toBe('2026-11-22');
    expect(dayStart('2026-11-23').toISOString()).toBe('2026-11-22T16:00:00.000Z');
    expect(addDays('2026-11-30', 1)).toBe('2026-12-01');
  });
});
