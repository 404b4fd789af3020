import type { AppContext } from '../../platform/context.js';
import type { DomainEvent } from '../../platform/events.js';
import { withTx } from '../../platform/context.js';
import type { Actor } from '../../platform/auth/actor.js';
import type { Executor, Tx } from '../../platform/db/database.js';
import { requirePermission } from '../../platform/auth/permissions.js';
import { assertPathInScope, pathWithin, scopeOf } from '../../platform/auth/scope.js';
import { audit } from '../../platform/audit/audit.js';
import { forbidden, invalid, notFound } from '../../platform/errors.js';
import { newId } from '../../platform/ids.js';
import { notifyUsers } from '../../platform/notify/index.js';
import { listCategories } from '../dispatch/index.js';
import { analyticsRepo, rolledRange, type PathFilter, type RepeatKind, type RollupState, type Totals } from './repository.js';
import { addDays, daysBetween, dayStart, dbscan, DEFAULT_RULE, judgeDay, judgeWeek, localDay } from './stats.js';
import { cachedRef } from '../../platform/refcache.js';

export const HOURLY_JOB = 'analytics.hourly';
export const WARNING_METHOD = 'poisson-upper-tail';

// ---------------------------------------------------------------- scope and period

/**
 * The org path an actor's analytics cover (null = everything), narrowed by an optional node the
 * request names (outside the caller's scope → 403). Department and resident scopes see no analytics.
 */
export async function analyticsPath(ctx: AppContext, actor: Actor, nodeId?: string): Promise<PathFilter> {
  requirePermission(actor, 'analytics.view');
  const s = scopeOf(actor);
  if (s.kind !== 'all' && s.kind !== 'subtree') throw forbidden('您的角色无权查看统计分析');
  let path: PathFilter = s.kind === 'all' ? null : s.path;
  if (nodeId) {
    const node = (await names(ctx)).byId.get(nodeId);
    if (!node) throw notFound('节点不存在');
    assertPathInScope(actor, node.path);
    path = node.path;
  }
  return path;
}

export interface PeriodQuery {
  from?: string;
  to?: string;
}

/** A period of whole Shanghai days; defaults to the `defaultDays` ending today. At most 400 days. */
export function periodOf(ctx: AppContext, q: PeriodQuery, defaultDays: number): { fromDay: string; toDay: string; today: string } {
  const today = localDay(ctx.clock.now());
  const toDay = q.to ?? today;
  const fromDay = q.from ?? addDays(toDay, -(defaultDays - 1));
  for (const d of [fromDay, toDay]) if (Number.isNaN(Date.parse(d + 'T00:00:00Z')) || localDay(dayStart(d)) !== d) throw invalid('日期无效', [{ field: 'from/to', message: `日期 ${d} 无效` }]);
  if (fromDay > toDay) throw invalid('开始日期不能晚于结束日期');
  if (daysBetween(fromDay, toDay) > 400) throw invalid('统计区间最长 400 天');
  return { fromDay, toDay, today };
}

// ---------------------------------------------------------------- names (org nodes, categories, departments)

interface Names {
  byPath: Map<string, { id: string; name: string; level: string; path: string }>;
  byId: Map<string, { id: string; name: string; level: string; path: string }>;
  categories: Map<string, string>;
  departments: Map<string, string>;
}

/**
 * Names for paths, categories and departments: reference data (platform/refcache), kept a minute
 * because it is large and only labels figures; an org write on this instance drops it at once.
 */
async function names(ctx: AppContext, db: Executor = ctx.db): Promise<Names> {
  return cachedRef(
    ctx,
    'analytics.names',
    async () => {
      // inside a job's transaction (PGlite has one connection) everything must go through `db`
      const [nodes, cats, depts] = await Promise.all([analyticsRepo.orgNames(db), listCategories(ctx, db), analyticsRepo.departmentNames(db)]);
      return {
        byPath: new Map(nodes.map((x) => [x.path, { id: x.id, name: x.name, level: x.level, path: x.path }])),
        byId: new Map(nodes.map((x) => [x.id, { id: x.id, name: x.name, level: x.level, path: x.path }])),
        categories: new Map(cats.map((c) => [c.code, c.name])),
        departments: new Map(depts.map((d) => [d.id, d.name])),
      };
    },
    60_000,
    { joinPending: !db.isTransaction },
  );
}

/** The community a grid path lies in (the deepest ancestor of level community). */
function communityOf(n: Names, path: string): { id: string; name: string } | null {
  const parts = path.split('/');
  for (let i = parts.length; i > 0; i--) {
    const node = n.byPath.get(parts.slice(0, i).join('/'));
    if (node?.level === 'community') return { id: node.id, name: node.name };
  }
  return null;
}
const nodeName = (n: Names, path: string) => n.byPath.get(path)?.name ?? path.split('/').pop() ?? path;

// ---------------------------------------------------------------- figures

export interface Figures {
  reported: number;
  filed: number;
  closed: number;
  overdue: number;
  /** closed without ever passing the deadline / closed; null when nothing closed */
  onTimeRate: number | null;
  /** mean rating 1–5; null when nothing rated */
  satisfaction: number | null;
  /** share of ratings of 4 or 5 */
  satisfiedRate: number | null;
  rated: number;
}

export function figuresOf(t: Partial<Totals>): Figures {
  const v = (k: keyof Totals) => Number(t[k] ?? 0);
  const closed = v('closed');
  const rated = v('rated');
  return {
    reported: v('reported'),
    filed: v('filed'),
    closed,
    overdue: v('overdue'),
    onTimeRate: closed ? round(v('closed_on_time') / closed, 4) : null,
    satisfaction: rated ? round(v('rating_sum') / rated, 2) : null,
    satisfiedRate: rated ? round(v('satisfied') / rated, 4) : null,
    rated,
  };
}
const round = (x: number, d: number) => Math.round(x * 10 ** d) / 10 ** d;

/** The command center's figures: today, the period, trend, breakdowns, ranking, warnings. */
export async function getDashboard(ctx: AppContext, actor: Actor, q: PeriodQuery & { nodeId?: string }) {
  const path = await analyticsPath(ctx, actor, q.nodeId);
  const { fromDay, toDay, today } = periodOf(ctx, q, 30);
  const [n, state] = await Promise.all([names(ctx), analyticsRepo.rollupState(ctx.db)]);
  const period = { fromDay, toDay, path };
  // One pass over the period's facts for all five aggregates; "today" is the period's own day row
  // when the period includes today (the default), else one more small live aggregate.
  const todayInPeriod = fromDay <= today && today <= toDay;
  const [agg, todayRows, backlog, warnings] = await Promise.all([
    analyticsRepo.dashboardAggregates(ctx.db, period, state),
    todayInPeriod ? Promise.resolve(null) : analyticsRepo.aggregate(ctx.db, { fromDay: today, toDay: today, path }, state, []),
    analyticsRepo.backlog(ctx.db, path),
    analyticsRepo.listWarnings(ctx.db, addDays(today, -6), today, path, 50),
  ]);
  const { byDay: trend, byCategory, byDepartment, byGrid } = agg;
  const days: string[] = [];
  for (let d = fromDay; d <= toDay; d = addDays(d, 1)) days.push(d);
  const byDay = new Map(trend.map((r) => [String(r.day), r]));
  const todayTotals = todayRows ? todayRows[0] : byDay.get(today);
  return {
    scope: { path, name: path ? nodeName(n, path) : '全辖区' },
    period: { from: fromDay, to: toDay },
    today: { ...figuresOf(todayTotals ?? {}), open: backlog.open, overdueOpen: backlog.overdue },
    totals: figuresOf(agg.totals ?? {}),
    trend: days.map((d) => ({ day: d, reported: byDay.get(d)?.reported ?? 0, closed: byDay.get(d)?.closed ?? 0, overdue: byDay.get(d)?.overdue ?? 0 })),
    byCategory: byCategory
      .filter((r) => r.reported > 0)
      .map((r) => ({ code: r.category_code || null, name: r.category_code ? (n.categories.get(r.category_code) ?? r.category_code) : '未分类', reported: r.reported, closed: r.closed }))
      .sort((a, b) => b.reported - a.reported),
    byDepartment: byDepartment
      .filter((r) => r.department_id)
      .map((r) => ({ id: r.department_id!, name: n.departments.get(r.department_id!) ?? '—', ...figuresOf(r) }))
      .sort((a, b) => (b.onTimeRate ?? -1) - (a.onTimeRate ?? -1) || b.closed - a.closed),
    ranking: byGrid
      .map((r) => ({ path: r.node_path!, name: nodeName(n, r.node_path!), community: communityOf(n, r.node_path!)?.name ?? null, ...figuresOf(r) }))
      .sort((a, b) => b.reported - a.reported),
    warnings: warnings.map((w) => warningView(n, w)),
  };
}

function warningView(n: Names, w: { id: string; node_path: string; category_code: string; period: 'day' | 'week'; day: string; observed: number; expected: number; p_value: number; method: string; created_at: unknown; acknowledged_at: unknown }) {
  return {
    id: w.id,
    path: w.node_path,
    grid: nodeName(n, w.node_path),
    community: communityOf(n, w.node_path)?.name ?? null,
    categoryCode: w.category_code,
    category: n.categories.get(w.category_code) ?? w.category_code,
    period: w.period,
    day: String(w.day),
    observed: w.observed,
    expected: round(Number(w.expected), 3),
    pValue: Number(w.p_value),
    method: w.method,
    acknowledged: !!w.acknowledged_at,
  };
}

// ---------------------------------------------------------------- hotspots

export async function getHotspots(ctx: AppContext, actor: Actor, q: PeriodQuery & { nodeId?: string; categoryCode?: string; eps?: number; minPts?: number; limit?: number }) {
  const path = await analyticsPath(ctx, actor, q.nodeId);
  const { fromDay, toDay } = periodOf(ctx, q, 7);
  const [n, state] = await Promise.all([names(ctx), analyticsRepo.rollupState(ctx.db)]);
  const limit = q.limit ?? 20_000;
  const [cells, points] = await Promise.all([
    analyticsRepo.aggregate(ctx.db, { fromDay, toDay, path }, state, ['node_path', 'category_code']),
    analyticsRepo.points(ctx.db, dayStart(fromDay), dayStart(addDays(toDay, 1)), path, limit, q.categoryCode),
  ]);
  const byGrid = new Map<string, number>();
  const byCategory = new Map<string, number>();
  const perGrid = new Map<string, Array<{ code: string; count: number }>>();
  for (const c of cells) {
    if (!c.reported) continue;
    if (q.categoryCode && c.category_code !== q.categoryCode) continue;
    byGrid.set(c.node_path!, (byGrid.get(c.node_path!) ?? 0) + c.reported);
    byCategory.set(c.category_code ?? '', (byCategory.get(c.category_code ?? '') ?? 0) + c.reported);
    const list = perGrid.get(c.node_path!) ?? [];
    list.push({ code: c.category_code ?? '', count: c.reported });
    perGrid.set(c.node_path!, list);
  }
  const eps = q.eps ?? 50;
  const minPts = q.minPts ?? 4;
  const { clusters, noise } = dbscan(points, eps, minPts);
  const catName = (code: string) => (code ? (n.categories.get(code) ?? code) : '未分类');
  return {
    period: { from: fromDay, to: toDay },
    byGrid: [...byGrid].map(([p, count]) => ({ path: p, name: nodeName(n, p), community: communityOf(n, p)?.name ?? null, count })).sort((a, b) => b.count - a.count || a.path.localeCompare(b.path)),
    byCategory: [...byCategory].map(([code, count]) => ({ code: code || null, name: catName(code), count })).sort((a, b) => b.count - a.count),
    topCategoriesPerGrid: [...perGrid].map(([p, list]) => ({
      path: p,
      name: nodeName(n, p),
      top: list.sort((a, b) => b.count - a.count || a.code.localeCompare(b.code)).slice(0, 3).map((x) => ({ code: x.code || null, name: catName(x.code), count: x.count })),
    })),
    heat: points.map((p) => [round(p.lng, 6), round(p.lat, 6)] as [number, number]),
    truncated: points.length >= limit,
    clusters: clusters.map((c) => {
      const members = c.members.map((i) => points[i]!);
      const cats = new Map<string, number>();
      for (const m of members) cats.set(m.category_code ?? '', (cats.get(m.category_code ?? '') ?? 0) + 1);
      const top = [...cats].sort((a, b) => b[1] - a[1])[0]!;
      return {
        count: members.length,
        lng: round(c.lng, 6),
        lat: round(c.lat, 6),
        radiusM: Math.round(c.radiusM),
        grid: nodeName(n, members[0]!.node_path),
        topCategory: catName(top[0]),
        cases: members.slice(0, 50).map((m) => ({ id: m.id, number: m.number, category: catName(m.category_code ?? ''), address: m.address, state: m.state })),
      };
    }),
    noise: noise.length,
    params: { eps, minPts },
  };
}

// ---------------------------------------------------------------- repeated problems

export async function getRepeats(ctx: AppContext, actor: Actor, q: PeriodQuery & { nodeId?: string; min?: number }) {
  const path = await analyticsPath(ctx, actor, q.nodeId);
  const { fromDay, toDay } = periodOf(ctx, q, 90);
  const [n, state] = await Promise.all([names(ctx), analyticsRepo.rollupState(ctx.db)]);
  const min = q.min ?? 3;
  const b = { fromDay, toDay, path };
  const [addressRows, reporterRows] = await Promise.all([topRepeats(ctx, 'address', b, state, min, 50), topRepeats(ctx, 'reporter', b, state, min, 50)]);
  const addresses = addressRows.map((r) => ({ ...r, address: r.address ?? '' }));
  const reporters = reporterRows.map((r) => ({ ...r, key: r.k }));
  const catNames = (codes: string[]) => codes.map((c) => (c ? (n.categories.get(c) ?? c) : '未分类'));
  return {
    period: { from: fromDay, to: toDay },
    min,
    addresses: addresses.map((a) => ({ address: a.address, count: a.count, grid: nodeName(n, a.node_path), categories: catNames(a.categories), cases: a.ids.map((id, i) => ({ id, number: a.numbers[i]! })) })),
    // reporters are shown by an opaque key (a hash prefix), never by name or phone
    reporters: reporters.map((r) => ({ key: r.key.replace(/-/g, '').slice(0, 10), count: r.count, categories: catNames(r.categories), addresses: r.addresses.filter(Boolean), cases: r.ids.map((id, i) => ({ id, number: r.numbers[i]! })), petitionRisk: r.count >= min * 2 })),
  };
}

/**
 * Counts per repeat key over the rolled-up days of a period, for one scope: computed once per
 * refresh of the roll-up (the grouping of ~120,000 rows is the expensive part of the repeats view)
 * and kept in memory. `except` are the cases changed since the refresh whose rows are not counted;
 * cases that change later are taken out of the counts when first seen, and every request adds its
 * live part afresh, so the counts are always those of the current data. Only the choice of the top
 * keys uses them: the figures shown are recomputed exactly for those keys.
 */
interface KeyCounts {
  counts: Map<string, number>;
  except: Set<string>;
  /** updates are applied one at a time */
  queue: Promise<void>;
}
const keyCountCache = new WeakMap<AppContext, Map<string, Promise<KeyCounts>>>();
const KEY_COUNT_ENTRIES = 8; // ~8 MB each at 75,000 keys

async function rolledKeyCounts(ctx: AppContext, kind: RepeatKind, a: string, b: string, path: PathFilter, st: RollupState): Promise<{ counts: Map<string, number>; except: string[] }> {
  const since = st.refreshedAt!;
  let byKey = keyCountCache.get(ctx);
  if (!byKey) keyCountCache.set(ctx, (byKey = new Map()));
  const key = `${kind}|${path ?? ''}|${a}|${b}|${since.toISOString()}`;
  let entry = byKey.get(key);
  if (!entry) {
    entry = (async () => {
      const except = await analyticsRepo.changedCaseIds(ctx.db, since);
      const rows = await analyticsRepo.rolledKeyCounts(ctx.db, kind, a, b, path, except);
      return { counts: new Map(rows.map((r) => [r.k, r.n])), except: new Set(except), queue: Promise.resolve() };
    })();
    entry.catch(() => byKey.delete(key));
    byKey.set(key, entry);
    while (byKey.size > KEY_COUNT_ENTRIES) byKey.delete(byKey.keys().next().value!);
  }
  const e = await entry;
  // take the cases changed since out of the counts (once each), then read them live
  const result = e.queue.then(async () => {
    const changed = await analyticsRepo.changedCaseIds(ctx.db, since);
    const fresh = changed.filter((id) => !e.except.has(id));
    for (const k of await analyticsRepo.rolledKeysOf(ctx.db, kind, fresh, a, b, path)) {
      const left = (e.counts.get(k) ?? 0) - 1;
      if (left > 0) e.counts.set(k, left);
      else e.counts.delete(k);
    }
    for (const id of fresh) e.except.add(id);
    return { counts: e.counts, except: [...e.except] };
  });
  e.queue = result.then(
    () => undefined,
    () => undefined,
  );
  return result;
}

/** The top `limit` keys reported at least `min` times in the period, by count, with their drill-down. */
async function topRepeats(ctx: AppContext, kind: RepeatKind, b: { fromDay: string; toDay: string; path: PathFilter }, st: RollupState, min: number, limit: number) {
  const range = rolledRange(b.fromDay, b.toDay, st);
  const totals = new Map<string, number>();
  let except: string[] = [];
  if (range) {
    const rolled = await rolledKeyCounts(ctx, kind, range.a, range.b, b.path, st);
    except = rolled.except;
    for (const [k, n] of rolled.counts) totals.set(k, n);
  }
  for (const r of await analyticsRepo.liveKeyCounts(ctx.db, kind, b, st, except)) totals.set(r.k, (totals.get(r.k) ?? 0) + r.n);
  // candidates: every key counted at least as often as the limit-th (ties included); then exact figures
  const ranked = [...totals].filter(([, n]) => n >= min).sort((x, y) => y[1] - x[1]);
  const bar = ranked.length > limit ? ranked[limit - 1]![1] : min;
  const keys = ranked.filter(([, n]) => n >= bar).map(([k]) => k);
  const rows = await analyticsRepo.repeatDetails(ctx.db, kind, b, st, keys);
  const tie = kind === 'address' ? (r: { address: string | null }) => r.address ?? '' : (r: { k: string }) => r.k;
  return rows
    .filter((r) => r.count >= min)
    .sort((x, y) => y.count - x.count || (tie(x) < tie(y) ? -1 : tie(x) > tie(y) ? 1 : 0))
    .slice(0, limit);
}

// ---------------------------------------------------------------- warnings

export async function listWarnings(ctx: AppContext, actor: Actor, q: PeriodQuery & { nodeId?: string }) {
  const path = await analyticsPath(ctx, actor, q.nodeId);
  const { fromDay, toDay } = periodOf(ctx, q, 7);
  const n = await names(ctx);
  return (await analyticsRepo.listWarnings(ctx.db, fromDay, toDay, path, 500)).map((w) => warningView(n, w));
}

export async function acknowledgeWarning(ctx: AppContext, actor: Actor, id: string) {
  requirePermission(actor, 'analytics.warnings.ack');
  const n = await names(ctx);
  return withTx(ctx, async (trx) => {
    const w = await analyticsRepo.warningById(trx, id);
    if (!w || scopeOf(actor).kind === 'none' || !(scopeOf(actor).kind === 'all' || pathWithin(w.node_path, (scopeOf(actor) as { path: string }).path ?? ''))) throw notFound('预警不存在');
    if (!w.acknowledged_at) {
      const now = ctx.clock.now();
      await analyticsRepo.acknowledge(trx, id, actor.userId, now);
      await audit(trx, ctx.clock, actor, { action: 'analytics.warning.acknowledge', entity: 'analytics_warning', entityId: id, before: { acknowledged: false }, after: { acknowledged: true } });
    }
    const after = (await analyticsRepo.warningById(trx, id))!;
    return warningView(n, { ...after, day: String(after.day) });
  });
}

/**
 * The early-warning rule (docs/analytics.md): for every grid x category with at least the minimum
 * count today (or in the last 7 days), compare with a Poisson baseline from its own previous 28
 * days; an upper-tail probability below alpha raises a warning (once per grid x category x period x
 * day) and notifies the community's staff covering that grid.
 */
export type RaisedWarning = { id: string; path: string; category: string; period: 'day' | 'week'; observed: number; expected: number; pValue: number };

/** Runs the rule inside a transaction; returns the new warnings and the live events to publish after commit. */
export async function runEarlyWarningIn(ctx: AppContext, trx: Tx): Promise<{ raised: RaisedWarning[]; events: DomainEvent[] }> {
  const rule = DEFAULT_RULE;
  const now = ctx.clock.now();
  const today = localDay(now);
  const completeTo = await analyticsRepo.rollupState(trx);
  const key = (p: string, c: string) => `${p}\u0000${c}`;
  const dayObs = await analyticsRepo.reportedCounts(trx, today, today, completeTo, rule.minDay);
  const weekFrom = addDays(today, -6);
  const weekObs = await analyticsRepo.reportedCounts(trx, weekFrom, today, completeTo, rule.minWeek);
  const dayHist = new Map((await analyticsRepo.reportedCounts(trx, addDays(today, -rule.historyDays), addDays(today, -1), completeTo, 1)).map((r) => [key(r.node_path, r.category_code), r.n]));
  const weekHist = new Map((await analyticsRepo.reportedCounts(trx, addDays(weekFrom, -rule.historyDays), addDays(weekFrom, -1), completeTo, 1)).map((r) => [key(r.node_path, r.category_code), r.n]));
  const raised: RaisedWarning[] = [];
  const events: DomainEvent[] = [];
  const candidates = [
    ...dayObs.map((o) => ({ o, v: judgeDay(o.n, dayHist.get(key(o.node_path, o.category_code)) ?? 0, rule) })),
    ...weekObs.map((o) => ({ o, v: judgeWeek(o.n, weekHist.get(key(o.node_path, o.category_code)) ?? 0, rule) })),
  ].filter((x) => x.v.warn);
  if (candidates.length === 0) return { raised, events };
  const n = await names(ctx, trx);
  for (const { o, v } of candidates) {
    const id = newId();
    const fresh = await analyticsRepo.insertWarning(trx, {
      id,
      node_path: o.node_path,
      grid_id: n.byPath.get(o.node_path)?.id ?? null,
      category_code: o.category_code,
      period: v.period,
      day: today,
      observed: v.observed,
      expected: v.expected,
      p_value: v.pValue,
      method: WARNING_METHOD,
      created_at: now,
    });
    if (!fresh) continue;
    raised.push({ id, path: o.node_path, category: o.category_code, period: v.period, observed: v.observed, expected: v.expected, pValue: v.pValue });
    const grid = nodeName(n, o.node_path);
    const cat = n.categories.get(o.category_code) ?? o.category_code;
    const when = v.period === 'day' ? '今日' : '近 7 日';
    const users = await analyticsRepo.staffCovering(trx, ['community_admin', 'grid_leader', 'grid_worker'], o.node_path);
    await notifyUsers(ctx, trx, users, {
      kind: 'analytics.warning',
      title: `异常预警：${grid}「${cat}」${when}上报 ${v.observed} 件`,
      body: `${grid}的「${cat}」${when}上报 ${v.observed} 件，明显高于该网格以往水平（期望约 ${v.expected.toFixed(1)} 件，P=${v.pValue.toExponential(1)}），请关注并排查原因。`,
      link: '/analytics/command-center',
      data: { warningId: id, path: o.node_path, categoryCode: o.category_code, period: v.period },
    });
    events.push({ type: 'analytics.warning', path: o.node_path, data: { id, path: o.node_path, grid, category: cat, period: v.period, observed: v.observed, expected: v.expected }, at: now.toISOString() });
  }
  return { raised, events };
}

/**
 * The early-warning rule (docs/analytics.md): for every grid x category with at least the minimum
 * count today (or in the last 7 days), compare with a Poisson baseline from its own previous 28
 * days; an upper-tail probability below alpha raises a warning (once per grid x category x period x
 * day) and notifies the community's staff covering that grid.
 */
export async function runEarlyWarning(ctx: AppContext): Promise<RaisedWarning[]> {
  return withTx(ctx, async (trx, after) => {
    const { raised, events } = await runEarlyWarningIn(ctx, trx);
    for (const e of events) after.add(() => ctx.events.publish(e));
    return raised;
  });
}

// ---------------------------------------------------------------- roll-up

/**
 * Brings the roll-up up to yesterday. A fresh roll-up is built from the first case; afterwards only
 * the new days and the days touched by cases changed since the last refresh (a late closure, a
 * rating, an import of old records) are rebuilt. `from` forces a rebuild from that day.
 */
export async function refreshRollup(ctx: AppContext, opts: { from?: string; db?: Executor } = {}): Promise<{ days: number; rows: number; to: string } | null> {
  const run = async (db: Executor) => {
    const now = ctx.clock.now();
    const yesterday = addDays(localDay(now), -1);
    const st = await analyticsRepo.rollupState(db);
    const days = new Set<string>();
    const span = (a: string, b: string) => {
      for (let d = a; d <= b; d = addDays(d, 1)) days.add(d);
    };
    if (opts.from) span(opts.from, yesterday);
    else if (!st.completeTo || !st.refreshedAt) {
      const first = await analyticsRepo.firstCaseDay(db);
      if (first) span(first, yesterday);
    } else {
      span(addDays(st.completeTo, 1), yesterday);
      for (const d of await analyticsRepo.dirtyDays(db, st.refreshedAt)) if (d <= yesterday) days.add(d);
    }
    const sorted = [...days].sort();
    let rows = 0;
    // rebuild contiguous runs of days
    for (let i = 0; i < sorted.length; ) {
      let j = i;
      while (j + 1 < sorted.length && sorted[j + 1] === addDays(sorted[j]!, 1)) j++;
      rows += await analyticsRepo.rebuildDays(db, sorted[i]!, sorted[j]!, now);
      i = j + 1;
    }
    await analyticsRepo.markRefreshed(db, now);
    return { days: sorted.length, rows, to: yesterday };
  };
  return opts.db ? run(opts.db) : withTx(ctx, run);
}

export const nextHour = (d: Date) => new Date(Math.floor(d.getTime() / 3_600_000) * 3_600_000 + 3_600_000 + 120_000);

/** What the live screen shows of a case: its point, category, grid (no personal data). */
export async function caseSummary(ctx: AppContext, caseId: string) {
  const c = await analyticsRepo.caseBrief(ctx.db, caseId);
  if (!c) return null;
  const n = await names(ctx);
  return {
    number: c.number,
    lng: c.lng,
    lat: c.lat,
    state: c.state,
    channel: c.channel,
    priority: c.priority,
    category: c.category_code ? (n.categories.get(c.category_code) ?? c.category_code) : '未分类',
    grid: nodeName(n, c.node_path),
    community: communityOf(n, c.node_path)?.name ?? null,
    address: c.address,
    summary: c.description.length > 40 ? c.description.slice(0, 40) + '…' : c.description,
  };
}
