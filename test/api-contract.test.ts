import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApp, type TestApp } from './helpers.js';

/**
 * Every endpoint, from the live route table: malformed and random bodies, params and query
 * strings must be answered with a 4xx in the documented error shape — never a 500 — and a
 * request with a body schema must refuse the obviously wrong bodies.
 */
let t: TestApp;
let admin: string;
beforeAll(async () => {
  t = await startTestApp();
  admin = await t.login('admin');
});
afterAll(async () => t?.close());

const fillParams = (url: string, value: string) => url.replace(/:[A-Za-z]+/g, encodeURIComponent(value));

/**
 * The error of a response: ours (`{error: {code, message}}`), or under /api/open311 the spec's shape —
 * an array of {code, description} in JSON, `<errors><error><code/><description/>` in XML.
 */
const errorOf = (url: string, res: { body: string; json(): unknown }): unknown => {
  if (!url.startsWith('/api/open311/')) return (res.json() as { error?: unknown }).error;
  if (url.endsWith('.xml')) {
    const m = /<errors>\s*<error>\s*<code>(\d+)<\/code>\s*<description>([^<]+)<\/description>/.exec(res.body);
    return m && { code: m[1], message: m[2] };
  }
  const body = res.json();
  const first = Array.isArray(body) ? (body[0] as { code?: unknown; description?: unknown } | undefined) : undefined;
  return first && { code: String(first.code), message: first.description };
};

describe('API contract', () => {
  it('declares access for every /api route and publishes OpenAPI at /api/docs', async () => {
    expect(t.og.app.routeTable.length).toBeGreaterThan(10);
    for (const r of t.og.app.routeTable) expect(r.auth !== null || r.permission !== null, `${r.method} ${r.url}`).toBe(true);
    const spec = await t.req('GET', '/api/docs/json');
    expect(spec.statusCode).toBe(200);
    expect(spec.json().openapi).toMatch(/^3\./);
    expect(Object.keys(spec.json().paths)).toContain('/api/auth/login');
  });

  it('refuses wrong bodies with a 400 naming the fields in Chinese', async () => {
    const r = await t.req('POST', '/api/org/residents', { cookie: admin, body: { name: 7, householdId: 'nope', phone: '123' } });
    expect(r.statusCode).toBe(400);
    const body = r.json();
    expect(body.error.code).toBe('invalid');
    const fields = body.error.details.map((d: { field: string }) => d.field);
    expect(fields).toEqual(expect.arrayContaining(['name', 'householdId', 'phone']));
    expect(body.error.details.every((d: { message: string }) => /[\u4e00-\u9fa5]/.test(d.message))).toBe(true);
  });

  it('answers every endpoint with < 500 for malformed bodies, params and queries', async () => {
    const routes = t.og.app.routeTable;
    const fixedBodies: Array<{ payload: string; type: string }> = [
      { payload: '{"unterminated', type: 'application/json' },
      { payload: '[]', type: 'application/json' },
      { payload: 'null', type: 'application/json' },
      { payload: '{}', type: 'application/json' },
      { payload: '"text"', type: 'application/json' },
      { payload: 'a=1&b=2', type: 'application/x-www-form-urlencoded' },
      { payload: '<xml/>', type: 'application/xml' },
      { payload: JSON.stringify({ id: "1' OR '1'='1", name: '<script>alert(1)</script>', page: -1, pageSize: 1e9 }), type: 'application/json' },
    ];
    const paramValues = ['not-a-uuid', '00000000-0000-0000-0000-000000000000', "1' OR 1=1--", '%00', '0190a1b2-0000-7000-8000-000000000000'];
    for (const r of routes) {
      for (const p of paramValues) {
        const url = fillParams(r.url, p);
        if (r.method === 'GET' || r.method === 'DELETE') {
          const res = await t.og.app.inject({ method: r.method as never, url: url + '?page=-3&pageSize=abc&lng=x&lat=999&level=planet', headers: { cookie: admin } });
          expect(res.statusCode, `${r.method} ${url}`).toBeLessThan(500);
        } else {
          for (const b of fixedBodies) {
            const res = await t.og.app.inject({ method: r.method as never, url, headers: { cookie: admin, 'content-type': b.type }, payload: b.payload });
            expect(res.statusCode, `${r.method} ${url} ${b.payload}`).toBeLessThan(500);
            if (res.statusCode >= 400) expect(errorOf(url, res), `${r.method} ${url}`).toMatchObject({ code: expect.any(String), message: expect.any(String) });
          }
          if (r.hasBody && !r.url.includes(':')) {
            const res = await t.og.app.inject({ method: r.method as never, url, headers: { cookie: admin, 'content-type': 'application/json' }, payload: '[]' });
            expect(res.statusCode, `${r.method} ${url} []`).toBeGreaterThanOrEqual(400);
          }
        }
      }
    }
  });

  it('random JSON bodies never produce a 500 (property test)', async () => {
    const writes = t.og.app.routeTable.filter((r) => r.method !== 'GET' && r.method !== 'DELETE' && r.url !== '/api/auth/login');
    await fc.assert(
      fc.asyncProperty(fc.constantFrom(...writes), fc.jsonValue({ maxDepth: 3 }), fc.constantFrom('not-a-uuid', '0190a1b2-0000-7000-8000-000000000000'), async (r, body, id) => {
        const res = await t.og.app.inject({ method: r.method as never, url: fillParams(r.url, id), headers: { cookie: admin, 'content-type': 'application/json' }, payload: JSON.stringify(body) });
        return res.statusCode < 500;
      }),
      { numRuns: 300 },
    );
  });

  it('unknown /api paths answer a JSON 404', async () => {
    const r = await t.req('GET', '/api/no/such/thing');
    expect(r.statusCode).toBe(404);
    expect(r.json().error.code).toBe('not_found');
  });
});
