import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApp, type TestApp } from '../../../test/helpers.js';

const B = '/api/open311/v2';
const DAY = 86_400_000;
const CLOSED = ['closed', 'rejected', 'merged'];

// More matching cases than one page of cases (200) and than the answer's cap (1000): demo cases are bulk-inserted.
describe('Open311 GET requests: pages through cases up to 1000 rows', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp({ env: { ONEGRID_DEMO_CASES: '1100' } });
  }, 120_000);
  afterAll(async () => t?.close());

  it('answers the newest 1000 of the default 90-day window, and every row of a smaller filtered set', async () => {
    const now = t.clock.now();
    const rows = await t.og.ctx.db
      .selectFrom('cases')
      .select(['number', 'state', 'category_code', 'reported_at'])
      .where('reported_at', '>=', new Date(now.getTime() - 90 * DAY))
      .where('reported_at', '<=', now)
      .orderBy('reported_at', 'desc')
      .execute();
    expect(rows.length).toBeGreaterThan(1000);

    const all = await t.req('GET', `${B}/requests.json`);
    expect(all.statusCode).toBe(200);
    const got = (all.json() as Array<{ service_request_id: string }>).map((r) => r.service_request_id);
    expect(got).toHaveLength(1000);
    expect(new Set(got).size).toBe(1000);
    expect(got).toEqual(rows.slice(0, 1000).map((r) => r.number));

    // a filter matching between 200 and 1000 cases answers all of them (more than one page of cases)
    const closed = rows.filter((r) => CLOSED.includes(r.state));
    expect(closed.length).toBeGreaterThan(200);
    expect(closed.length).toBeLessThan(1000);
    const c = await t.req('GET', `${B}/requests.json?status=closed`);
    expect(c.statusCode).toBe(200);
    const gotClosed = c.json() as Array<{ service_request_id: string; status: string }>;
    expect(gotClosed.map((r) => r.service_request_id).sort()).toEqual(closed.map((r) => r.number).sort());
    expect(gotClosed.every((r) => r.status === 'closed')).toBe(true);

    // several service codes: each read in pages, merged newest first
    const counts = new Map<string, number>();
    for (const r of rows) if (r.category_code) counts.set(r.category_code, (counts.get(r.category_code) ?? 0) + 1);
    const top = [...counts.entries()].sort((a, b) => b[1] - a[1]).slice(0, 3).map(([code]) => code);
    const expected = rows.filter((r) => top.includes(r.category_code ?? '')).map((r) => r.number);
    const s = await t.req('GET', `${B}/requests.xml?service_code=${top.join(',')}`);
    expect(s.statusCode).toBe(200);
    const ids = [...s.body.matchAll(/<service_request_id>(\d{13})<\/service_request_id>/g)].map((m) => m[1]);
    expect(ids).toEqual(expected.slice(0, 1000));
  }, 120_000);
});
