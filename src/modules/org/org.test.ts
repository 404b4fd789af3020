import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApp, type TestApp } from '../../../test/helpers.js';
import { BOUNDS } from './demo-geometry.js';

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
