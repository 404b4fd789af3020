import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApp, type TestApp } from '../../../test/helpers.js';
import booleanPointInPolygon from '@turf/boolean-point-in-polygon';
import type { MultiPolygon, Polygon } from 'geojson';
import { ROLES } from '../../platform/auth/actor.js';
import { BOUNDS } from './demo-geometry.js';
import { COMMUNITIES, PROPERTY_COMPANIES, STREET, specDepartments } from './seed.js';
import { locatePoint } from './index.js';

let t: TestApp;
beforeAll(async () => {
  t = await startTestApp();
});
afterAll(async () => t?.close());

describe('demo district', () => {
  it('has 5 communities, ≥15 estates, ≥30 grids with polygons and ≥300 residents', async () => {
    const admin = await t.login('admin');
    const nodes = (await t.req('GET', '/api/org/nodes?level=community&level=estate&level=grid', { cookie: admin })).json();
    const by = (l: string) => nodes.filter((n: { level: string }) => n.level === l);
    expect(by('community').map((n: { name: string }) => n.name).sort()).toEqual(['新天社区', '新开铺社区', '木莲社区', '桥头社区', '豹子岭社区'].sort());
    expect(by('estate').length).toBeGreaterThanOrEqual(15);
    expect(by('grid').length).toBeGreaterThanOrEqual(30);
    for (const g of by('grid')) expect(g.geometry.type).toBe('Polygon');
    const res = (await t.req('GET', '/api/org/residents?pageSize=1', { cookie: admin })).json();
    expect(res.total).toBeGreaterThanOrEqual(300);
  });

  it('resolves every point of the district rectangle to exactly one grid (no gaps)', async () => {
    const seen = new Set<string>();
    for (let i = 0; i <= 30; i++)
      for (let j = 0; j <= 30; j++) {
        const lng = BOUNDS.west + ((BOUNDS.east - BOUNDS.west) * i) / 30;
        const lat = BOUNDS.south + ((BOUNDS.north - BOUNDS.south) * j) / 30;
        const r = await t.req('GET', `/api/org/locate?lng=${lng}&lat=${lat}`);
        const body = r.json();
        expect(body.grid, `${lng},${lat}`).not.toBeNull();
        expect(body.estate).not.toBeNull();
        seen.add(body.grid.code);
      }
    expect(seen.size).toBeGreaterThanOrEqual(30);
    const outside = (await t.req('GET', '/api/org/locate?lng=113.1&lat=28.2')).json();
    expect(outside.grid).toBeNull();
  });
});

interface DeptView {
  code: string;
  kind: string;
  parentCode: string | null;
  serviceArea: Polygon | MultiPolygon | null;
}
interface NodeView {
  id: string;
  level: string;
  code: string;
  path: string;
  lng: number | null;
  lat: number | null;
  props: { propertyCompanyCode?: string | null };
}

describe('departments', () => {
  it('every department from the spec and every property company has a polygonal service area', async () => {
    const admin = await t.login('admin');
    const depts = (await t.req('GET', '/api/org/departments', { cookie: admin })).json() as DeptView[];
    const codes = depts.map((d) => d.code);
    for (const d of specDepartments()) expect(codes).toContain(d.code);
    for (const p of PROPERTY_COMPANIES) expect(codes).toContain(p.code);
    for (const d of depts) {
      expect(d.serviceArea, d.code).not.toBeNull();
      expect(['Polygon', 'MultiPolygon'], d.code).toContain(d.serviceArea!.type);
    }
    // the street-wide departments (and SQ, over its communities) cover every building of the street
    const buildings = (await t.req('GET', '/api/org/nodes?level=building&geometry=false', { cookie: admin })).json() as NodeView[];
    const hw = depts.find((d) => d.code === 'HW')!;
    const sq = depts.find((d) => d.code === 'SQ')!;
    for (const b of buildings) {
      expect(booleanPointInPolygon([b.lng!, b.lat!], hw.serviceArea!), b.code).toBe(true);
      expect(booleanPointInPolygon([b.lng!, b.lat!], sq.serviceArea!), b.code).toBe(true);
    }
  });

  it("a point in an estate lies in its property company's area and in no other company's; old estates are in none", async () => {
    const admin = await t.login('admin');
    const depts = (await t.req('GET', '/api/org/departments', { cookie: admin })).json() as DeptView[];
    const companies = depts.filter((d) => d.parentCode === 'WY');
    expect(companies.map((d) => d.code).sort()).toEqual(PROPERTY_COMPANIES.map((p) => p.code).sort());
    const nodes = (await t.req('GET', '/api/org/nodes?level=estate&level=building&geometry=false', { cookie: admin })).json() as NodeView[];
    const estates = nodes.filter((n) => n.level === 'estate');
    const buildings = nodes.filter((n) => n.level === 'building');
    let managed = 0;
    let old = 0;
    for (const e of estates) {
      const company = e.props.propertyCompanyCode ?? null;
      const inside = buildings.filter((b) => b.path.startsWith(e.path + '/'));
      expect(inside.length, e.code).toBeGreaterThan(0);
      for (const b of inside) {
        // the building's point is in this estate (so the check is about the estate)
        expect((await locatePoint(t.og.ctx, b.lng!, b.lat!)).estate?.id, b.code).toBe(e.id);
        const holders = companies.filter((c) => booleanPointInPolygon([b.lng!, b.lat!], c.serviceArea!)).map((c) => c.code);
        expect(holders, `${b.code} in ${e.code} (${company ?? 'no company'})`).toEqual(company ? [company] : []);
      }
      if (company) managed++;
      else old++;
    }
    expect(managed).toBeGreaterThan(0);
    expect(old).toBeGreaterThan(0);
  });
});

describe('demo residents and accounts', () => {
  it('has residents with each of the tags 独居老人, 残疾人, 低保, 党员', async () => {
    const admin = await t.login('admin');
    for (const tag of ['独居老人', '残疾人', '低保', '党员']) {
      const r = (await t.req('GET', `/api/org/residents?tag=${encodeURIComponent(tag)}&pageSize=5`, { cookie: admin })).json() as { total: number; items: Array<{ tags: string[] }> };
      expect(r.total, tag).toBeGreaterThan(0);
      expect(r.items.length, tag).toBeGreaterThan(0);
      for (const x of r.items) expect(x.tags, tag).toContain(tag);
    }
  });

  it('every community has exactly one account per role, bound as the README says', async () => {
    const db = t.og.ctx.db;
    const users = await db.selectFrom('users').select(['username', 'roles', 'node_id', 'department_id', 'resident_id']).execute();
    const nodes = await db.selectFrom('org_nodes').select(['id', 'code', 'level', 'path']).where('level', 'in', ['street', 'community', 'grid']).execute();
    const residents = await db.selectFrom('residents').select(['id', 'node_path']).execute();
    const nodeById = new Map(nodes.map((n) => [n.id, n]));
    const residentById = new Map(residents.map((r) => [r.id, r]));
    const street = nodes.find((n) => n.code === STREET.code)!;
    for (const c of COMMUNITIES) {
      const community = nodes.find((n) => n.code === c.code)!;
      const mine = users.filter((u) => u.username.endsWith(`.${c.slug}`));
      expect(mine.map((u) => u.username.slice(0, -c.slug.length - 1)).sort(), c.slug).toEqual([...ROLES].sort());
      for (const role of ROLES) {
        const u = mine.find((x) => x.username === `${role}.${c.slug}`)!;
        expect(u.roles, u.username).toEqual([role]);
        const node = u.node_id ? nodeById.get(u.node_id) : undefined;
        switch (role) {
          case 'resident':
            expect(residentById.get(u.resident_id!)?.node_path.startsWith(community.path + '/'), u.username).toBe(true);
            break;
          case 'grid_worker':
          case 'grid_leader':
            expect(node?.level, u.username).toBe('grid');
            expect(node!.path.startsWith(community.path + '/'), u.username).toBe(true);
            break;
          case 'dispatcher':
          case 'supervisor':
          case 'community_admin':
          case 'mediator':
            expect(node?.id, u.username).toBe(community.id);
            break;
          case 'street_admin':
          case 'auditor':
          case 'admin':
            expect(node?.id, u.username).toBe(street.id);
            break;
          case 'dept_handler':
            expect(u.department_id, u.username).toBeTruthy();
            break;
          case 'partner':
            break;
        }
      }
    }
  });
});
