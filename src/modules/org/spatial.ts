import Flatbush from 'flatbush';
import booleanPointInPolygon from '@turf/boolean-point-in-polygon';
import type { Feature, MultiPolygon, Polygon } from 'geojson';

/**
 * Point → polygon lookup: an R-tree (flatbush) over the polygons' bounding boxes narrows the
 * candidates, then an exact point-in-polygon test (turf) decides. Coordinates are GCJ-02 lng/lat,
 * the datum Chinese web maps (AMap, Tencent) and phone location APIs in China give.
 */
export interface IndexedArea {
  id: string;
  code: string;
  name: string;
  path: string;
  geometry: Polygon | MultiPolygon;
}

export class PolygonIndex {
  private readonly index: Flatbush | null;
  constructor(private readonly areas: IndexedArea[]) {
    if (areas.length === 0) {
      this.index = null;
      return;
    }
    const idx = new Flatbush(areas.length);
    for (const a of areas) {
      const [minX, minY, maxX, maxY] = bbox(a.geometry);
      idx.add(minX, minY, maxX, maxY);
    }
    idx.finish();
    this.index = idx;
  }

  get size(): number {
    return this.areas.length;
  }

  /** The first area containing the point (boundaries count as inside), or null. */
  locate(lng: number, lat: number): IndexedArea | null {
    if (!this.index) return null;
    const hits = this.index.search(lng, lat, lng, lat);
    // Smallest id first keeps the answer stable on a shared boundary.
    hits.sort((a, b) => a - b);
    for (const i of hits) {
      const a = this.areas[i]!;
      const f: Feature<Polygon | MultiPolygon> = { type: 'Feature', properties: {}, geometry: a.geometry };
      if (booleanPointInPolygon([lng, lat], f)) return a;
    }
    return null;
  }
}

export function bbox(g: Polygon | MultiPolygon): [number, number, number, number] {
  let minX = Infinity,
    minY = Infinity,
    maxX = -Infinity,
    maxY = -Infinity;
  const rings = g.type === 'Polygon' ? g.coordinates : g.coordinates.flat();
  for (const ring of rings)
    for (const [x, y] of ring) {
      if (x! < minX) minX = x!;
      if (y! < minY) minY = y!;
      if (x! > maxX) maxX = x!;
      if (y! > maxY) maxY = y!;
    }
  return [minX, minY, maxX, maxY];
}

/** Centroid of the outer ring's vertices (good enough for a label or a map pin). */
export function roughCenter(g: Polygon | MultiPolygon): [number, number] {
  const ring = g.type === 'Polygon' ? g.coordinates[0]! : g.coordinates[0]![0]!;
  const pts = ring.slice(0, -1);
  const x = pts.reduce((s, p) => s + p[0]!, 0) / pts.length;
  const y = pts.reduce((s, p) => s + p[1]!, 0) / pts.length;
  return [x, y];
}

export function isPolygonal(g: unknown): g is Polygon | MultiPolygon {
  if (!g || typeof g !== 'object') return false;
  const t = (g as { type?: string; coordinates?: unknown }).type;
  const c = (g as { coordinates?: unknown }).coordinates;
  if (t === 'Polygon') return validPolygon(c);
  if (t === 'MultiPolygon') return Array.isArray(c) && c.length > 0 && c.every(validPolygon);
  return false;
}

function validPolygon(c: unknown): boolean {
  return (
    Array.isArray(c) &&
    c.length > 0 &&
    c.every(
      (ring) =>
        Array.isArray(ring) &&
        ring.length >= 4 &&
        ring.every((p) => Array.isArray(p) && p.length >= 2 && p.every((n) => typeof n === 'number' && Number.isFinite(n))) &&
        ring[0][0] === ring[ring.length - 1][0] &&
        ring[0][1] === ring[ring.length - 1][1],
    )
  );
}
