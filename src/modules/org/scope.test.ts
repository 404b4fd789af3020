import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApp, type TestApp } from '../../../test/helpers.js';

let t: TestApp;
const G1 = '430103007001G01';
const G2 = '430103007001G02';
let nodeIds: Record<string, string>;
let residentOf: Record<string, string>;

beforeAll(async () => {
  t = await startTestApp();
  const rows = await t.og.ctx.db.selectFrom('org_nodes').select(['id', 'code', 'path']).where('level', 'in', ['grid', 'community']).execute();
  nodeIds = Object.fromEntries(rows.map((r) => [r.code, r.id]));
  const paths = Object.fromEntries(rows.map((r) => [r.code, r.path]));
  residentOf = {};
  for (const code of [G1, G2, '430103007002G01']) {
    const r = await t.og.ctx.db.selectFrom('residents').select('id').where('node_path', 'like', paths[code] + '/%').limit(1).executeTakeFirstOrThrow();
    residentOf[code] = r.id;
  }
});
afterAll(async () => t?.close());

describe('data scope on residents', () => {
  it('a grid worker of grid A cannot read grid B (403 on the filter, 404 by id) and lists only grid A', async () => {
    const gw = await t.login('grid_worker.qiaotou'); // bound to G01
    const own = await t.req('GET', `/api/org/residents?nodeId=${nodeIds[G1]}&pageSize=200`, { cookie: gw });
    expect(own.statusCode).toBe(200);
    expect(own.json().total).toBeGreaterThan(0);
    const other = await t.req('GET', `/api/org/residents?nodeId=${nodeIds[G2]}`, { cookie: gw });
    expect(other.statusCode).toBe(403);
    expect(other.json().error.code).toBe('forbidden');
    const byId = await t.req('GET', `/api/org/residents/${residentOf[G2]}`, { cookie: gw });
    expect(byId.statusCode).toBe(404);
    const all = (await t.req('GET', '/api/org/residents?pageSize=200', { cookie: gw })).json();
    expect(all.total).toBe(own.json().total);
    expect(all.items.every((r: { nodePath: string }) => r.nodePath.includes(`/${G1}/`))).toBe(true);
  });

  it('a community admin sees the whole community and nothing of another', async () => {
    const ca = await t.login('community_admin.qiaotou');
    expect((await t.req('GET', `/api/org/residents/${residentOf[G2]}`, { cookie: ca })).statusCode).toBe(200);
    expect((await t.req('GET', `/api/org/residents/${residentOf['430103007002G01']}`, { cookie: ca })).statusCode).toBe(404);
    expect((await t.req('GET', `/api/org/residents?nodeId=${nodeIds['430103007002']}`, { cookie: ca })).statusCode).toBe(403);
    const list = (await t.req('GET', '/api/org/residents?pageSize=200', { cookie: ca })).json();
    expect(list.items.every((r: { nodePath: string }) => r.nodePath.includes('/430103007001/'))).toBe(true);
  });

  it('the street admin and the auditor see every community', async () => {
    for (const u of ['street_admin', 'auditor']) {
      const c = await t.login(u);
      const total = (await t.req('GET', '/api/org/residents?pageSize=1', { cookie: c })).json().total;
      const n = await t.og.ctx.db.selectFrom('residents').select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow();
      expect(total).toBe(Number(n.n));
    }
  });

  it('department handlers and partners have no access to the registry; a resident reads only their own record', async () => {
    for (const u of ['dept.sz', 'partner.qiaotou']) {
      const c = await t.login(u);
      expect((await t.req('GET', '/api/org/residents', { cookie: c })).statusCode).toBe(403);
      expect((await t.req('GET', `/api/org/residents/${residentOf[G1]}`, { cookie: c })).statusCode).toBe(403);
    }
    const res = await t.login('resident.qiaotou');
    const me = (await t.req('GET', '/api/auth/me', { cookie: res })).json();
    const mine = await t.req('GET', `/api/org/residents/${me.residentId}?reveal=phone`, { cookie: res });
    expect(mine.statusCode).toBe(200);
    expect(mine.json().phone).toMatch(/^1\d{10}$/);
    const someoneElse = residentOf[G2]!;
    expect((await t.req('GET', `/api/org/residents/${someoneElse}`, { cookie: res })).statusCode).toBe(403);
  });
});

describe('personal data', () => {
  it('stores no phone or ID-card number in clear text anywhere in the database', async () => {
    const tables = await sql<{ table_name: string }>`SELECT table_name FROM information_schema.tables WHERE table_schema = 'public' AND table_type = 'BASE TABLE'`.execute(t.og.ctx.db);
    const PHONE = /(?<![0-9A-Za-z+/-])1[3-9]\d{9}(?![0-9A-Za-z])/;
    expect('{"phone":"13812345678"}').toMatch(PHONE); // the scan can see a clear-text phone
    let scanned = 0;
    for (const { table_name } of tables.rows) {
      const rows = await sql<{ j: string }>`SELECT row_to_json(x)::text AS j FROM ${sql.table(table_name)} x`.execute(t.og.ctx.db);
      for (const r of rows.rows) {
        scanned++;
        expect(r.j, table_name).not.toMatch(PHONE);
        expect(r.j, table_name).not.toMatch(/(?<![0-9A-Za-z+/-])430103(19|20)\d{9}[\dX](?![0-9A-Za-z])/);
      }
    }
    expect(scanned).toBeGreaterThan(1000);
    // and the ciphertext does decrypt to real numbers
    const one = await t.og.ctx.db.selectFrom('residents').select('phone_enc').limit(1).executeTakeFirstOrThrow();
    expect(t.og.ctx.cipher.decrypt(one.phone_enc)).toMatch(/^1[3-9]\d{9}$/);
  });

  it('masks personal fields in lists; a reveal shows them in clear and is logged; roles without the right are refused', async () => {
    const gw = await t.login('grid_worker.qiaotou');
    const list = (await t.req('GET', '/api/org/residents?pageSize=5', { cookie: gw })).json();
    for (const r of list.items) {
      expect(r.phone).toMatch(/^1\d{2}\*{4}\d{4}$/);
      expect(r.idCard).toMatch(/^\d{4}\*{10}[\dX]{4}$/);
      expect(r.masked).toBe(true);
    }
    const id = list.items[0].id;
    const shown = (await t.req('GET', `/api/org/residents/${id}?reveal=phone&reveal=idCard`, { cookie: gw })).json();
    expect(shown.phone).toMatch(/^1\d{10}$/);
    expect(shown.idCard).toMatch(/^\d{17}[\dX]$/);
    const log = await t.og.ctx.db.selectFrom('data_access_log').selectAll().where('entity_id', '=', id).where('actor_name', 'like', '%网格员%').execute();
    expect(log).toHaveLength(1);
    expect(log[0]!.fields.sort()).toEqual(['idCard', 'phone']);
    expect(log[0]!.actor_name).toContain('网格员');
    const auditor = await t.login('auditor');
    expect((await t.req('GET', `/api/org/residents/${id}?reveal=phone`, { cookie: auditor })).statusCode).toBe(403);
    expect((await t.req('GET', `/api/org/residents/${id}`, { cookie: auditor })).json().phone).toContain('****');
  });

  it('finds a resident by phone through the blind index without storing the phone', async () => {
    const gw = await t.login('grid_worker.qiaotou');
    const id = (await t.req('GET', '/api/org/residents?pageSize=1', { cookie: gw })).json().items[0].id;
    const phone = (await t.req('GET', `/api/org/residents/${id}?reveal=phone`, { cookie: gw })).json().phone;
    const found = (await t.req('GET', `/api/org/residents?phone=${phone}`, { cookie: gw })).json();
    expect(found.items.map((r: { id: string }) => r.id)).toEqual([id]);
  });
});

describe('GeoJSON import and export', () => {
  it('round-trips the tree, imports a new grid that the point lookup then finds, and rejects bad polygons', async () => {
    const admin = await t.login('admin');
    const exp = await t.req('GET', '/api/org/geojson?level=community&level=estate&level=grid', { cookie: admin });
    const fc = exp.json();
    expect(fc.features.filter((f: { properties: { level: string } }) => f.properties.level === 'grid').length).toBeGreaterThanOrEqual(30);
    // re-import of our own export updates, creates nothing
    const again = await t.req('POST', '/api/org/geojson', { cookie: admin, body: fc });
    expect(again.json()).toMatchObject({ created: 0 });
    const square = { type: 'Polygon', coordinates: [[[113.0, 28.0], [113.01, 28.0], [113.01, 28.01], [113.0, 28.01], [113.0, 28.0]]] };
    const add = await t.req('POST', '/api/org/geojson', {
      cookie: admin,
      body: { type: 'FeatureCollection', features: [{ type: 'Feature', properties: { code: 'TESTGRID1', name: '测试网格', level: 'grid', parentCode: '430103007001E1' }, geometry: square }] },
    });
    expect(add.json()).toEqual({ created: 1, updated: 0 });
    const loc = (await t.req('GET', '/api/org/locate?lng=113.005&lat=28.005')).json();
    expect(loc.grid.code).toBe('TESTGRID1');
    const bad = await t.req('POST', '/api/org/geojson', {
      cookie: admin,
      body: { type: 'FeatureCollection', features: [{ type: 'Feature', properties: { code: 'BAD1', name: '坏网格', level: 'grid', parentCode: '430103007001E1' }, geometry: { type: 'Polygon', coordinates: [[[1, 2], [3, 4]]] } }] },
    });
    expect(bad.statusCode).toBe(400);
    expect(await t.og.ctx.db.selectFrom('org_nodes').select('id').where('code', '=', 'BAD1').executeTakeFirst()).toBeUndefined();
    const community = await t.login('community_admin.qiaotou');
    const outside = await t.req('POST', '/api/org/nodes', { cookie: community, body: { code: 'X1', name: '越权', level: 'estate', parentCode: '430103007002', geometry: square } });
    expect(outside.statusCode).toBe(403);
  });
});
