import Flatbush from 'flatbush';

/** Pure statistics of the analytics module (no I/O): the early-warning rule and DBSCAN. */

// ---------------------------------------------------------------- days (Asia/Shanghai, UTC+8, no DST)

const TZ_MS = 8 * 3_600_000;
const DAY_MS = 86_400_000;

/** The Asia/Shanghai calendar day of an instant, as YYYY-MM-DD. */
export function localDay(d: Date): string {
  return new Date(d.getTime() + TZ_MS).toISOString().slice(0, 10);
}
/** The UTC instant at which a Shanghai day begins. */
export function dayStart(day: string): Date {
  return new Date(Date.parse(day + 'T00:00:00Z') - TZ_MS);
}
export function addDays(day: string, n: number): string {
  return new Date(Date.parse(day + 'T00:00:00Z') + n * DAY_MS).toISOString().slice(0, 10);
}
export function daysBetween(a: string, b: string): number {
  return Math.round((Date.parse(b + 'T00:00:00Z') - Date.parse(a + 'T00:00:00Z')) / DAY_MS);
}

// ---------------------------------------------------------------- early warning (Poisson upper tail)

/** P(X >= x) for X ~ Poisson(lambda), summed exactly (x is a count of cases: small). */
export function poissonUpperTail(x: number, lambda: number): number {
  if (x <= 0) return 1;
  if (lambda <= 0) return 0;
  let term = Math.exp(-lambda);
  let cdf = term;
  for (let k = 1; k < x; k++) {
    term *= lambda / k;
    cdf += term;
  }
  return Math.max(0, 1 - cdf);
}

export interface WarningRule {
  /** days of history before the window that form the baseline */
  historyDays: number;
  /** significance level: warn when P(X >= observed) < alpha */
  alpha: number;
  /** and only when at least this many cases were observed (a rise from 0 to 1 is never a warning) */
  minDay: number;
  minWeek: number;
}

export const DEFAULT_RULE: WarningRule = { historyDays: 28, alpha: 0.01, minDay: 3, minWeek: 5 };

export interface WarningVerdict {
  period: 'day' | 'week';
  observed: number;
  expected: number;
  pValue: number;
  warn: boolean;
}

/**
 * The baseline rate: (history sum + 0.5) / history days per day — the 0.5 (a Jeffreys-style
 * prior) keeps a grid x category with no history from having rate 0, where any single case
 * would be "infinitely unusual".
 */
export function baselineRate(historySum: number, historyDays: number): number {
  return (historySum + 0.5) / historyDays;
}

/** Today's count against the daily baseline. */
export function judgeDay(observed: number, historySum: number, rule: WarningRule = DEFAULT_RULE): WarningVerdict {
  const expected = baselineRate(historySum, rule.historyDays);
  const pValue = poissonUpperTail(observed, expected);
  return { period: 'day', observed, expected, pValue, warn: observed >= rule.minDay && pValue < rule.alpha };
}

/** The last 7 days' count (today included) against 7 x the daily baseline. */
export function judgeWeek(observed: number, historySum: number, rule: WarningRule = DEFAULT_RULE): WarningVerdict {
  const expected = 7 * baselineRate(historySum, rule.historyDays);
  const pValue = poissonUpperTail(observed, expected);
  return { period: 'week', observed, expected, pValue, warn: observed >= rule.minWeek && pValue < rule.alpha };
}

// ---------------------------------------------------------------- DBSCAN

export interface GeoPoint {
  lng: number;
  lat: number;
}

export interface Cluster {
  /** indices into the input */
  members: number[];
  lng: number;
  lat: number;
  /** largest distance of a member from the centroid, in metres */
  radiusM: number;
}

const M_PER_DEG_LAT = 111_320;

/**
 * DBSCAN (Ester et al. 1996) over lng/lat points with a radius in metres. Points are projected to
 * a local equirectangular plane (exact enough at street scale) and neighbours come from a
 * Flatbush R-tree, so the cost is about n log n for sparse data. A point with at least `minPts`
 * points within `epsM` (itself included) is a core point; clusters are the core points reachable
 * from one another plus their border points; the rest is noise.
 */
export function dbscan(points: GeoPoint[], epsM: number, minPts: number): { clusters: Cluster[]; noise: number[] } {
  const n = points.length;
  if (n === 0) return { clusters: [], noise: [] };
  const lat0 = points.reduce((s, p) => s + p.lat, 0) / n;
  const kx = M_PER_DEG_LAT * Math.cos((lat0 * Math.PI) / 180);
  const xs = new Float64Array(n);
  const ys = new Float64Array(n);
  const index = new Flatbush(n);
  for (let i = 0; i < n; i++) {
    xs[i] = points[i]!.lng * kx;
    ys[i] = points[i]!.lat * M_PER_DEG_LAT;
    index.add(xs[i]!, ys[i]!, xs[i]!, ys[i]!);
  }
  index.finish();
  const eps2 = epsM * epsM;
  const neighbours = (i: number): number[] =>
    index.search(xs[i]! - epsM, ys[i]! - epsM, xs[i]! + epsM, ys[i]! + epsM, (j) => {
      const dx = xs[j]! - xs[i]!;
      const dy = ys[j]! - ys[i]!;
      return dx * dx + dy * dy <= eps2;
    });
  const UNSEEN = -2;
  const NOISE = -1;
  const label = new Int32Array(n).fill(UNSEEN);
  let c = 0;
  for (let i = 0; i < n; i++) {
    if (label[i] !== UNSEEN) continue;
    const nb = neighbours(i);
    if (nb.length < minPts) {
      label[i] = NOISE;
      continue;
    }
    label[i] = c;
    const queue = nb.filter((j) => j !== i);
    for (let q = 0; q < queue.length; q++) {
      const j = queue[q]!;
      if (label[j] === NOISE) label[j] = c; // border point
      if (label[j] !== UNSEEN) continue;
      label[j] = c;
      const nbj = neighbours(j);
      if (nbj.length >= minPts) for (const k of nbj) if (label[k] === UNSEEN || label[k] === NOISE) queue.push(k);
    }
    c++;
  }
  const groups: number[][] = Array.from({ length: c }, () => []);
  const noise: number[] = [];
  for (let i = 0; i < n; i++) (label[i]! >= 0 ? groups[label[i]!]! : noise).push(i);
  const clusters = groups.map((members) => {
    const lng = members.reduce((s, i) => s + points[i]!.lng, 0) / members.length;
    const lat = members.reduce((s, i) => s + points[i]!.lat, 0) / members.length;
    const cx = lng * kx;
    const cy = lat * M_PER_DEG_LAT;
    const radiusM = Math.max(...members.map((i) => Math.hypot(xs[i]! - cx, ys[i]! - cy)));
    return { members, lng, lat, radiusM };
  });
  clusters.sort((a, b) => b.members.length - a.members.length);
  return { clusters, noise };
}
