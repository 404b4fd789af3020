import type { Polygon } from 'geojson';

/**
 * The demo district's geometry: the rectangle lng 112.960–112.990, lat 28.140–28.170 (GCJ-02) cut
 * into a 6×6 lattice of cells whose vertices and edge midpoints are jittered. Neighbouring cells
 * share the same jittered points, so the cells tile the rectangle with no gaps or overlaps while
 * looking like real hand-drawn grids. Blocks of cells form estates and communities.
 */
export const BOUNDS = { west: 112.96, east: 112.99, south: 28.14, north: 28.17 };
export const COLS = 6;
export const ROWS = 6;
const DX = (BOUNDS.east - BOUNDS.west) / COLS;
const DY = (BOUNDS.north - BOUNDS.south) / ROWS;

/** Deterministic pseudo-random in [-1, 1) from integers. */
function noise(...k: number[]): number {
  let h = 2166136261;
  for (const n of k) {
    h ^= n + 0x9e3779b9;
    h = Math.imul(h, 16777619);
    h ^= h >>> 13;
  }
  return ((h >>> 0) / 2 ** 32) * 2 - 1;
}

const r6 = (x: number) => Math.round(x * 1e6) / 1e6;

/** Lattice vertex (i, j), i = column line 0..COLS, j = row line 0..ROWS. Outer edge stays on the rectangle. */
export function vertex(i: number, j: number): [number, number] {
  const onX = i === 0 || i === COLS;
  const onY = j === 0 || j === ROWS;
  const x = BOUNDS.west + i * DX + (onX ? 0 : noise(1, i, j) * DX * 0.22);
  const y = BOUNDS.south + j * DY + (onY ? 0 : noise(2, i, j) * DY * 0.22);
  return [r6(x), r6(y)];
}

/** Midpoint of the horizontal edge from vertex(i,j) to vertex(i+1,j), pushed up or down a little. */
function midH(i: number, j: number): [number, number] {
  const [x1, y1] = vertex(i, j);
  const [x2, y2] = vertex(i + 1, j);
  const onEdge = j === 0 || j === ROWS;
  return [r6((x1 + x2) / 2), r6((y1 + y2) / 2 + (onEdge ? 0 : noise(3, i, j) * DY * 0.12))];
}

/** Midpoint of the vertical edge from vertex(i,j) to vertex(i,j+1), pushed left or right a little. */
function midV(i: number, j: number): [number, number] {
  const [x1, y1] = vertex(i, j);
  const [x2, y2] = vertex(i, j + 1);
  const onEdge = i === 0 || i === COLS;
  return [r6((x1 + x2) / 2 + (onEdge ? 0 : noise(4, i, j) * DX * 0.12)), r6((y1 + y2) / 2)];
}

/** The polygon of the block of cells i0 ≤ i < i1, j0 ≤ j < j1 (counter-clockwise, closed). */
export function blockPolygon(i0: number, i1: number, j0: number, j1: number): Polygon {
  const ring: Array<[number, number]> = [];
  for (let i = i0; i < i1; i++) ring.push(vertex(i, j0), midH(i, j0));
  for (let j = j0; j < j1; j++) ring.push(vertex(i1, j), midV(i1, j));
  for (let i = i1; i > i0; i--) ring.push(vertex(i, j1), midH(i - 1, j1));
  for (let j = j1; j > j0; j--) ring.push(vertex(i0, j), midV(i0, j - 1));
  ring.push(ring[0]!);
  return { type: 'Polygon', coordinates: [ring] };
}

/** A point inside cell (i, j): bilinear interpolation of its corners, u and v in [0.25, 0.75] to stay clear of the jittered edges. */
export function pointInCell(i: number, j: number, u: number, v: number): [number, number] {
  const a = vertex(i, j),
    b = vertex(i + 1, j),
    c = vertex(i + 1, j + 1),
    d = vertex(i, j + 1);
  const uu = 0.25 + u * 0.5,
    vv = 0.25 + v * 0.5;
  const x = (1 - uu) * (1 - vv) * a[0] + uu * (1 - vv) * b[0] + uu * vv * c[0] + (1 - uu) * vv * d[0];
  const y = (1 - uu) * (1 - vv) * a[1] + uu * (1 - vv) * b[1] + uu * vv * c[1] + (1 - uu) * vv * d[1];
  return [r6(x), r6(y)];
}
