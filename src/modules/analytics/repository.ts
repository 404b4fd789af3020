import { sql, type Insertable, type RawBuilder, type Selectable } from 'kysely';
import type { Executor } from '../../platform/db/database.js';
import type { Timestamp } from '../../platform/db/schema.js';
import { likePrefix } from '../../platform/auth/scope.js';
import { addDays, dayStart } from './stats.js';

/**
 * SQL of the analytics module. Analytics is a read model over the cases tables (see
 * docs/decisions/0017-analytics-read-model.md): every query here over `cases` is a read-only
 * aggregate; the module writes only its own tables.
 */

export interface AnalyticsDailyTable {
  day: string;
  node_path: string;
  category_code: string;
  department_id: string | null;
  reported: number;
  filed: number;
  closed: number;
  closed_on_time: number;
  overdue: number;
  rated: number;
  rating_sum: number;
  satisfied: number;
}

export interface AnalyticsWarningsTable {
  id: string;
  node_path: string;
  grid_id: string | null;
  category_code: string;
  period: 'day' | 'week';
  day: string;
  observed: number;
  expected: number;
  p_value: number;
  method: string;
  created_at: Timestamp;
  acknowledged_at: Timestamp | null;
  acknowledged_by: string | null;
}

export type WarningRow = Selectable<AnalyticsWarningsTable>;

/** One row per case reported on a rolled-up day: the columns the repeated-problem view groups by. */
export interface AnalyticsCaseKeysTable {
  case_id: string;
  day: string;
  reported_at: Timestamp;
  number: string;
  node_path: string;
  category_code: string;
  address: string | null;
  address_key: string | null;
  reporter_key: string | null;
}

declare module '../../platform/db/schema.js' {
  interface DB {
    analytics_daily: AnalyticsDailyTable;
    analytics_rollup_state: { id: number; complete_from: string | null; complete_to: string | null; refreshed_at: Timestamp | null };
    analytics_warnings: AnalyticsWarningsTable;
    analytics_case_keys: AnalyticsCaseKeysTable;
  }
}

/** Measures summed by every aggregate. */
export const MEASURES = ['reported', 'filed', 'closed', 'closed_on_time', 'overdue', 'rated', 'rating_sum', 'satisfied'] as const;
export type Measure = (typeof MEASURES)[number];
export type Totals = Record<Measure, number>;

/** `null` = the whole tree; otherwise the subtree at that org path. */
export type PathFilter = string | null;

/** The days [completeFrom, completeTo] the roll-up holds, and when it was last brought up to date. */
export interface RollupState {
  completeFrom: string | null;
  completeTo: string | null;
  refreshedAt: Date | null;
}

function pathCond(col: string, path: PathFilter): RawBuilder<unknown> {
  if (path === null) return sql`true`;
  return sql`(${sql.ref(col)} = ${path} OR ${sql.ref(col)} LIKE ${likePrefix(path) + '/%'})`;
}

/**
 * One row per case step in [from, to): the same shape as analytics_daily. This is what a day of
 * the roll-up is made of, and what "today" is read from live.
 */
function liveFacts(from: Date, to: Date, path: PathFilter): RawBuilder<unknown> {
  const p = pathCond('node_path', path);
  const day = (col: string) => sql`(${sql.ref(col)} AT TIME ZONE 'Asia/Shanghai')::date`;
  const cat = sql`coalesce(category_code, '')`;
  return sql`
    SELECT ${day('reported_at')} AS day, node_path, ${cat} AS category_code, department_id, 1 AS reported, 0 AS filed, 0 AS closed, 0 AS closed_on_time, 0 AS overdue, 0 AS rated, 0 AS rating_sum, 0 AS satisfied
      FROM cases WHERE reported_at >= ${from} AND reported_at < ${to} AND ${p}
    UNION ALL
    SELECT ${day('filed_at')}, node_path, ${cat}, department_id, 0, 1, 0, 0, 0, 0, 0, 0
      FROM cases WHERE filed_at >= ${from} AND filed_at < ${to} AND ${p}
    UNION ALL
    SELECT ${day('closed_at')}, node_path, ${cat}, department_id, 0, 0, 1, CASE WHEN overdue_at IS NULL THEN 1 ELSE 0 END, 0, 0, 0, 0
      FROM cases WHERE closed_at >= ${from} AND closed_at < ${to} AND ${p}
    UNION ALL
    SELECT ${day('overdue_at')}, node_path, ${cat}, department_id, 0, 0, 0, 0, 1, 0, 0, 0
      FROM cases WHERE overdue_at >= ${from} AND overdue_at < ${to} AND ${p}
    UNION ALL
    SELECT ${day('rated_at')}, node_path, ${cat}, department_id, 0, 0, 0, 0, 0, 1, coalesce(rating, 0), CASE WHEN rating >= 4 THEN 1 ELSE 0 END
      FROM cases WHERE rated_at >= ${from} AND rated_at < ${to} AND rating IS NOT NULL AND ${p}`;
}

/**
 * Facts for the days [fromDay, toDay]: from the roll-up for the days it holds, live from cases for
 * the rest (today, days the roll-up job has not reached yet, days before it begins).
 */
function facts(fromDay: string, toDay: string, st: RollupState, path: PathFilter): RawBuilder<unknown> {
  const parts: RawBuilder<unknown>[] = [];
  const live = (a: string, b: string) => {
    if (a <= b) parts.push(liveFacts(dayStart(a), dayStart(addDays(b, 1)), path));
  };
  if (st.completeFrom && st.completeTo) {
    const a = fromDay > st.completeFrom ? fromDay : st.completeFrom;
    const b = toDay < st.completeTo ? toDay : st.completeTo;
    if (a <= b) {
      live(fromDay, addDays(a, -1));
      parts.push(sql`SELECT day, node_path, category_code, department_id, ${sql.join(MEASURES.map((m) => sql.ref(m)))}
        FROM analytics_daily WHERE day >= ${a}::date AND day <= ${b}::date AND ${pathCond('node_path', path)}`);
      live(addDays(b, 1), toDay);
    } else live(fromDay, toDay);
  } else live(fromDay, toDay);
  return sql.join(parts, sql` UNION ALL `);
}

const sums = sql.join(MEASURES.map((m) => sql`coalesce(sum(${sql.ref(m)}), 0)::int AS ${sql.ref(m)}`));

/** The address a repeat is recognised by (case and whitespace ignored); NULL when it is empty. Column `ak`. */
const addressKey = sql`CASE WHEN address IS NOT NULL AND btrim(address) <> '' THEN regexp_replace(lower(address), '\\s+', '', 'g') END AS ak`;
/** The reporter a repeat is recognised by (phone hash, else account); NULL for anonymous and device reports. */
const reporterKey = sql`CASE WHEN NOT anonymous AND channel <> 'iot' THEN coalesce(reporter_phone_hash, reporter_user_id::text) END`;

/**
 * The cases reported in [fromDay, toDay] with a repeat key (`k`) of the given kind: from
 * analytics_case_keys for the days the roll-up holds, except the cases changed since it was last
 * refreshed, which are read live together with the days it does not hold.
 */
export type RepeatKind = 'address' | 'reporter';

/**
 * With `changedOnly`, only the live parts are returned, and the changed cases are exactly those ids
 * (the caller counted the rolled-up rows of all others).
 */
function keyedCases(kind: RepeatKind, fromDay: string, toDay: string, st: RollupState, path: PathFilter, only?: RawBuilder<unknown>, changedOnly?: string[]): RawBuilder<unknown> {
  const parts: RawBuilder<unknown>[] = [];
  const p = pathCond('node_path', path);
  const liveKey = kind === 'address' ? sql`regexp_replace(lower(address), '\\s+', '', 'g')` : sql`coalesce(reporter_phone_hash, reporter_user_id::text)`;
  const liveWhere = kind === 'address' ? sql`address IS NOT NULL AND btrim(address) <> ''` : sql`NOT anonymous AND channel <> 'iot' AND coalesce(reporter_phone_hash, reporter_user_id::text) IS NOT NULL`;
  // `only`: an array of keys to keep (the drill-down of the top keys reads them by index)
  const keep = (k: RawBuilder<unknown>) => (only ? sql`AND ${k} = ANY(${only})` : sql``);
  const live = (cond: RawBuilder<unknown>) =>
    parts.push(sql`SELECT id AS case_id, reported_at, number, node_path, coalesce(category_code, '') AS category_code, address, ${liveKey} AS k FROM cases WHERE ${cond} AND ${liveWhere} AND ${p} ${keep(liveKey)}`);
  const liveDays = (a: string, b: string) => {
    if (a <= b) live(sql`reported_at >= ${dayStart(a)} AND reported_at < ${dayStart(addDays(b, 1))}`);
  };
  const a = st.completeFrom && st.completeTo && st.refreshedAt ? (fromDay > st.completeFrom ? fromDay : st.completeFrom) : null;
  const b = a && st.completeTo ? (toDay < st.completeTo ? toDay : st.completeTo) : null;
  if (a && b && a <= b && st.refreshedAt) {
    liveDays(fromDay, addDays(a, -1));
    const col = kind === 'address' ? sql.ref('address_key') : sql.ref('reporter_key');
    const changed = sql`case_id NOT IN (SELECT id FROM cases WHERE updated_at >= ${st.refreshedAt})`;
    if (changedOnly) {
      if (changedOnly.length) live(sql`id = ANY(${changedOnly}::uuid[]) AND reported_at >= ${dayStart(a)} AND reported_at < ${dayStart(addDays(b, 1))}`);
    } else if (only)
      // key by key through the (key, day) index
      parts.push(sql`SELECT x.* FROM unnest(${only}) AS o(k) CROSS JOIN LATERAL (
          SELECT case_id, reported_at, number, node_path, category_code, address, ${col} AS k FROM analytics_case_keys
           WHERE ${col} = o.k AND day >= ${a}::date AND day <= ${b}::date AND ${p} AND ${changed}) x`);
    else
      parts.push(sql`SELECT case_id, reported_at, number, node_path, category_code, address, ${col} AS k FROM analytics_case_keys
         WHERE day >= ${a}::date AND day <= ${b}::date AND ${col} IS NOT NULL AND ${p} AND ${changed}`);
    if (!changedOnly) live(sql`updated_at >= ${st.refreshedAt} AND reported_at >= ${dayStart(a)} AND reported_at < ${dayStart(addDays(b, 1))}`);
    liveDays(addDays(b, 1), toDay);
  } else liveDays(fromDay, toDay);
  if (!parts.length) return sql`SELECT NULL::uuid AS case_id, NULL::timestamptz AS reported_at, NULL::text AS number, NULL::text AS node_path, NULL::text AS category_code, NULL::text AS address, NULL::text AS k WHERE false`;
  return sql.join(parts, sql` UNION ALL `);
}

/**
 * Runs `fn` in a transaction whose hash tables may use `mb` of memory: grouping a period's cases by
 * reporter makes tens of thousands of groups, which the default 4 MB would spill to disk.
 */
async function withWorkMem<T>(db: Executor, mb: number, fn: (db: Executor) => Promise<T>): Promise<T> {
  const run = async (trx: Executor) => {
    await sql`SELECT set_config('work_mem', ${`${mb}MB`}, true)`.execute(trx);
    return fn(trx);
  };
  return db.isTransaction ? run(db) : db.transaction().execute(run);
}

/** The days of [fromDay, toDay] that the roll-up holds (and that were refreshed), or null. */
export function rolledRange(fromDay: string, toDay: string, st: RollupState): { a: string; b: string } | null {
  if (!st.completeFrom || !st.completeTo || !st.refreshedAt) return null;
  const a = fromDay > st.completeFrom ? fromDay : st.completeFrom;
  const b = toDay < st.completeTo ? toDay : st.completeTo;
  return a <= b ? { a, b } : null;
}

export type GroupKey = 'day' | 'node_path' | 'category_code' | 'department_id';

export interface Bounds {
  fromDay: string;
  toDay: string;
  path: PathFilter;
}

export const analyticsRepo = {
  async rollupState(db: Executor): Promise<RollupState> {
    const r = await sql<{ f: string | null; t: string | null; at: Date | null }>`SELECT complete_from::text AS f, complete_to::text AS t, refreshed_at AS at FROM analytics_rollup_state WHERE id = 1`.execute(db);
    const row = r.rows[0];
    return { completeFrom: row?.f ?? null, completeTo: row?.t ?? null, refreshedAt: row?.at ? new Date(row.at) : null };
  },

  /** The days touched by cases changed since `since` (their report, filing, closure, overdue and rating days). */
  async dirtyDays(db: Executor, since: Date): Promise<string[]> {
    const r = await sql<{ d: string }>`
      SELECT DISTINCT (v.ts AT TIME ZONE 'Asia/Shanghai')::date::text AS d
        FROM cases c CROSS JOIN LATERAL (VALUES (c.reported_at), (c.filed_at), (c.closed_at), (c.overdue_at), (c.rated_at)) AS v(ts)
       WHERE c.updated_at >= ${since} AND v.ts IS NOT NULL ORDER BY 1`.execute(db);
    return r.rows.map((x) => x.d);
  },

  async firstCaseDay(db: Executor): Promise<string | null> {
    const r = await sql<{ d: string | null }>`SELECT (min(reported_at) AT TIME ZONE 'Asia/Shanghai')::date::text AS d FROM cases`.execute(db);
    return r.rows[0]?.d ?? null;
  },

  /** Rebuilds the roll-up for the days [fromDay, toDay] and records what it holds. */
  async rebuildDays(db: Executor, fromDay: string, toDay: string, now: Date): Promise<number> {
    await sql`DELETE FROM analytics_daily WHERE day >= ${fromDay}::date AND day <= ${toDay}::date`.execute(db);
    // written in day order, so that a period's rows lie on adjacent pages
    const r = await sql`
      INSERT INTO analytics_daily (day, node_path, category_code, department_id, ${sql.join(MEASURES.map((m) => sql.ref(m)))})
      SELECT day, node_path, category_code, department_id, ${sql.join(MEASURES.map((m) => sql`sum(${sql.ref(m)})`))}
        FROM (${liveFacts(dayStart(fromDay), dayStart(addDays(toDay, 1)), null)}) f
       GROUP BY day, node_path, category_code, department_id
       ORDER BY day, node_path`.execute(db);
    const from = dayStart(fromDay);
    const to = dayStart(addDays(toDay, 1));
    await sql`DELETE FROM analytics_case_keys WHERE day >= ${fromDay}::date AND day <= ${toDay}::date`.execute(db);
    // a case whose report moved to another day keeps its one row (ON CONFLICT moves it)
    await sql`
      INSERT INTO analytics_case_keys (case_id, day, reported_at, number, node_path, category_code, address, address_key, reporter_key)
      SELECT * FROM (SELECT id, (reported_at AT TIME ZONE 'Asia/Shanghai')::date AS day, reported_at, number, node_path, coalesce(category_code, ''), address, ${addressKey}, ${reporterKey} AS rk
                       FROM cases WHERE reported_at >= ${from} AND reported_at < ${to}) c
       WHERE ak IS NOT NULL OR rk IS NOT NULL
       ORDER BY reported_at
      ON CONFLICT (case_id) DO UPDATE SET day = excluded.day, reported_at = excluded.reported_at, number = excluded.number, node_path = excluded.node_path,
        category_code = excluded.category_code, address = excluded.address, address_key = excluded.address_key, reporter_key = excluded.reporter_key`.execute(db);
    await sql`UPDATE analytics_rollup_state SET
        complete_from = CASE WHEN complete_from IS NULL OR complete_from > ${fromDay}::date THEN ${fromDay}::date ELSE complete_from END,
        complete_to = CASE WHEN complete_to IS NULL OR complete_to < ${toDay}::date THEN ${toDay}::date ELSE complete_to END,
        refreshed_at = ${now} WHERE id = 1`.execute(db);
    return Number(r.numAffectedRows ?? 0);
  },

  async markRefreshed(db: Executor, now: Date): Promise<void> {
    await sql`UPDATE analytics_rollup_state SET refreshed_at = ${now} WHERE id = 1`.execute(db);
  },

  /** Sums of the measures over the period, grouped by the given keys. */
  async aggregate(db: Executor, b: Bounds, st: RollupState, by: GroupKey[]): Promise<Array<Totals & Partial<Record<GroupKey, string | null>>>> {
    const keys = by.map((k) => (k === 'day' ? sql`day::text AS day` : sql.ref(k)));
    const group = by.length ? sql`GROUP BY ${sql.join(by.map((k) => sql.ref(k)))}` : sql``;
    const r = await sql<Totals & Partial<Record<GroupKey, string | null>>>`
      SELECT ${by.length ? sql`${sql.join(keys)},` : sql``} ${sums}
        FROM (${facts(b.fromDay, b.toDay, st, b.path)}) f ${group}`.execute(db);
    return r.rows;
  },

  /**
   * The dashboard's five aggregates of one period in one pass (GROUPING SETS): the totals, and the
   * sums by day, by category, by department and by grid.
   */
  async dashboardAggregates(db: Executor, b: Bounds, st: RollupState): Promise<{ totals: Totals | undefined; byDay: Array<Totals & { day: string }>; byCategory: Array<Totals & { category_code: string }>; byDepartment: Array<Totals & { department_id: string | null }>; byGrid: Array<Totals & { node_path: string }> }> {
    const r = await sql<Totals & { g: number; day: string | null; category_code: string | null; department_id: string | null; node_path: string | null }>`
      SELECT GROUPING(day, category_code, department_id, node_path)::int AS g, day::text AS day, category_code, department_id, node_path, ${sums}
        FROM (${facts(b.fromDay, b.toDay, st, b.path)}) f
       GROUP BY GROUPING SETS ((), (day), (category_code), (department_id), (node_path))`.execute(db);
    const out = { totals: undefined as Totals | undefined, byDay: [] as Array<Totals & { day: string }>, byCategory: [] as Array<Totals & { category_code: string }>, byDepartment: [] as Array<Totals & { department_id: string | null }>, byGrid: [] as Array<Totals & { node_path: string }> };
    for (const row of r.rows) {
      const { g, day, category_code, department_id, node_path, ...t } = row;
      // GROUPING(): bit 3 = day, 2 = category, 1 = department, 0 = grid; a set bit = not grouped by it
      if (g === 15) out.totals = t;
      else if (g === 7) out.byDay.push({ ...t, day: day! });
      else if (g === 11) out.byCategory.push({ ...t, category_code: category_code ?? '' });
      else if (g === 13) out.byDepartment.push({ ...t, department_id });
      else if (g === 14) out.byGrid.push({ ...t, node_path: node_path! });
    }
    return out;
  },

  /** Open cases now, and how many of them are past their deadline. */
  async backlog(db: Executor, path: PathFilter): Promise<{ open: number; overdue: number }> {
    const r = await sql<{ open: number; overdue: number }>`
      SELECT count(*)::int AS open, count(*) FILTER (WHERE overdue_at IS NOT NULL)::int AS overdue
        FROM cases WHERE state IN ('reported', 'filed', 'dispatched', 'accepted', 'returned', 'resolved', 'rework', 'suspended') AND ${pathCond('node_path', path)}`.execute(db);
    return r.rows[0] ?? { open: 0, overdue: 0 };
  },

  async points(db: Executor, from: Date, to: Date, path: PathFilter, limit: number, categoryCode?: string): Promise<Array<{ id: string; number: string; lng: number; lat: number; category_code: string | null; node_path: string; address: string | null; state: string; reported_at: Date }>> {
    const r = await sql<{ id: string; number: string; lng: number; lat: number; category_code: string | null; node_path: string; address: string | null; state: string; reported_at: Date }>`
      SELECT id, number, lng, lat, category_code, node_path, address, state, reported_at FROM cases
       WHERE reported_at >= ${from} AND reported_at < ${to} AND ${pathCond('node_path', path)}
         ${categoryCode ? sql`AND category_code = ${categoryCode}` : sql``}
       ORDER BY reported_at DESC LIMIT ${limit}`.execute(db);
    return r.rows;
  },

  /** The cases changed since `since` (their roll-up rows are stale until the next refresh). */
  async changedCaseIds(db: Executor, since: Date): Promise<string[]> {
    const r = await sql<{ id: string }>`SELECT id FROM cases WHERE updated_at >= ${since}`.execute(db);
    return r.rows.map((x) => x.id);
  },

  /**
   * Reports per repeat key on the rolled-up days [a, b] from analytics_case_keys, leaving out the
   * cases `except` (changed since the roll-up; they are counted live).
   */
  async rolledKeyCounts(db: Executor, kind: RepeatKind, a: string, b: string, path: PathFilter, except: string[]): Promise<Array<{ k: string; n: number }>> {
    const col = sql.ref(kind === 'address' ? 'address_key' : 'reporter_key');
    return withWorkMem(db, 64, async (db) => {
      const r = await sql<{ k: string; n: number }>`
        SELECT ${col} AS k, count(*)::int AS n FROM analytics_case_keys
         WHERE day >= ${a}::date AND day <= ${b}::date AND ${col} IS NOT NULL AND ${pathCond('node_path', path)}
           ${except.length ? sql`AND case_id <> ALL(${except}::uuid[])` : sql``}
         GROUP BY 1`.execute(db);
      return r.rows;
    });
  },

  /** The rolled-up keys of the given cases on the days [a, b] (what rolledKeyCounts counted for them). */
  async rolledKeysOf(db: Executor, kind: RepeatKind, ids: string[], a: string, b: string, path: PathFilter): Promise<string[]> {
    if (!ids.length) return [];
    const col = sql.ref(kind === 'address' ? 'address_key' : 'reporter_key');
    const r = await sql<{ k: string }>`
      SELECT ${col} AS k FROM analytics_case_keys
       WHERE case_id = ANY(${ids}::uuid[]) AND day >= ${a}::date AND day <= ${b}::date AND ${col} IS NOT NULL AND ${pathCond('node_path', path)}`.execute(db);
    return r.rows.map((x) => x.k);
  },

  /** Reports per repeat key read live: the days the roll-up does not hold, and the cases `changed` on the days it holds. */
  async liveKeyCounts(db: Executor, kind: RepeatKind, b: Bounds, st: RollupState, changed: string[]): Promise<Array<{ k: string; n: number }>> {
    const r = await sql<{ k: string; n: number }>`SELECT k, count(*)::int AS n FROM (${keyedCases(kind, b.fromDay, b.toDay, st, b.path, undefined, changed)}) s GROUP BY k`.execute(db);
    return r.rows;
  },

  /**
   * The exact figures and drill-down of the given repeat keys in the period (their count, first
   * address, categories, latest 20 cases; for reporters the first 5 addresses).
   */
  async repeatDetails(db: Executor, kind: RepeatKind, b: Bounds, st: RollupState, keys: string[]): Promise<Array<{ k: string; count: number; address: string | null; node_path: string; categories: string[]; numbers: string[]; ids: string[]; addresses: string[] }>> {
    if (!keys.length) return [];
    const r = await sql<{ k: string; count: number; address: string | null; node_path: string; categories: string[]; numbers: string[]; ids: string[]; addresses: string[] }>`
      SELECT k, count(*)::int AS count, min(address) AS address, min(node_path) AS node_path, array_agg(DISTINCT category_code) AS categories,
             (array_agg(number ORDER BY reported_at DESC))[1:20] AS numbers, (array_agg(case_id::text ORDER BY reported_at DESC))[1:20] AS ids,
             (array_agg(DISTINCT coalesce(address, '')))[1:5] AS addresses
        FROM (${keyedCases(kind, b.fromDay, b.toDay, st, b.path, sql`${keys}::text[]`)}) s GROUP BY k`.execute(db);
    return r.rows;
  },

  /** Counts of reports per grid x category in [from, to) with at least `min` (the early-warning candidates). */
  async reportedCounts(db: Executor, fromDay: string, toDay: string, st: RollupState, min: number): Promise<Array<{ node_path: string; category_code: string; n: number }>> {
    const r = await sql<{ node_path: string; category_code: string; n: number }>`
      SELECT node_path, category_code, sum(reported)::int AS n FROM (${facts(fromDay, toDay, st, null)}) f
       WHERE category_code <> '' GROUP BY node_path, category_code HAVING sum(reported) >= ${min}`.execute(db);
    return r.rows;
  },

  async insertWarning(db: Executor, w: Insertable<AnalyticsWarningsTable>): Promise<boolean> {
    const r = await db
      .insertInto('analytics_warnings')
      .values({ ...w, acknowledged_at: null, acknowledged_by: null })
      .onConflict((oc) => oc.columns(['node_path', 'category_code', 'period', 'day']).doNothing())
      .returning('id')
      .executeTakeFirst();
    return !!r;
  },

  async listWarnings(db: Executor, fromDay: string, toDay: string, path: PathFilter, limit: number): Promise<WarningRow[]> {
    const r = await sql<WarningRow>`
      SELECT id, node_path, grid_id, category_code, period, day::text AS day, observed, expected, p_value, method, created_at, acknowledged_at, acknowledged_by
        FROM analytics_warnings WHERE day >= ${fromDay}::date AND day <= ${toDay}::date AND ${pathCond('node_path', path)}
       ORDER BY day DESC, p_value ASC LIMIT ${limit}`.execute(db);
    return r.rows;
  },

  async warningById(db: Executor, id: string): Promise<WarningRow | undefined> {
    return db.selectFrom('analytics_warnings').selectAll().where('id', '=', id).executeTakeFirst();
  },

  async acknowledge(db: Executor, id: string, userId: string | null, at: Date): Promise<void> {
    await db.updateTable('analytics_warnings').set({ acknowledged_at: at, acknowledged_by: userId }).where('id', '=', id).execute();
  },

  async caseBrief(db: Executor, id: string): Promise<{ number: string; lng: number; lat: number; state: string; channel: string; priority: string; category_code: string | null; node_path: string; address: string | null; description: string } | undefined> {
    return db.selectFrom('cases').select(['number', 'lng', 'lat', 'state', 'channel', 'priority', 'category_code', 'node_path', 'address', 'description']).where('id', '=', id).executeTakeFirst();
  },

  /** Names of org nodes down to grids (read-only; names for labels and the job's messages). */
  async orgNames(db: Executor): Promise<Array<{ id: string; name: string; level: string; path: string }>> {
    const r = await sql<{ id: string; name: string; level: string; path: string }>`SELECT id, name, level, path FROM org_nodes WHERE level IN ('district', 'street', 'community', 'estate', 'grid')`.execute(db);
    return r.rows;
  },
  async departmentNames(db: Executor): Promise<Array<{ id: string; name: string }>> {
    const r = await sql<{ id: string; name: string }>`SELECT id, name FROM departments`.execute(db);
    return r.rows;
  },

  /** Active staff with one of `roles` bound to an org node whose subtree covers `path`. */
  async staffCovering(db: Executor, roles: string[], path: string): Promise<string[]> {
    const r = await sql<{ id: string }>`
      SELECT u.id FROM users u JOIN org_nodes n ON n.id = u.node_id
       WHERE u.status = 'active' AND u.roles && ${sql.val(roles)}::text[]
         AND (${path} = n.path OR ${path} LIKE replace(replace(replace(n.path, '\\', '\\\\'), '%', '\\%'), '_', '\\_') || '/%')`.execute(db);
    return r.rows.map((x) => x.id);
  },
};
