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

declare module '../../platform/db/schema.js' {
  interface DB {
    analytics_daily: AnalyticsDailyTable;
    analytics_rollup_state: { id: number; complete_from: string | null; complete_to: string | null; refreshed_at: Timestamp | null };
    analytics_warnings: AnalyticsWarningsTable;
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
    const r = await sql`
      INSERT INTO analytics_daily (day, node_path, category_code, department_id, ${sql.join(MEASURES.map((m) => sql.ref(m)))})
      SELECT day, node_path, category_code, department_id, ${sql.join(MEASURES.map((m) => sql`sum(${sql.ref(m)})`))}
        FROM (${liveFacts(dayStart(fromDay), dayStart(addDays(toDay, 1)), null)}) f
       GROUP BY day, node_path, category_code, department_id`.execute(db);
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

  /** The same address (trimmed, spaces removed) reported at least `min` times in the period. */
  async repeatedAddresses(db: Executor, from: Date, to: Date, path: PathFilter, min: number, limit: number): Promise<Array<{ address: string; count: number; categories: string[]; numbers: string[]; ids: string[]; node_path: string }>> {
    const r = await sql<{ address: string; count: number; categories: string[]; numbers: string[]; ids: string[]; node_path: string }>`
      SELECT min(address) AS address, count(*)::int AS count, array_agg(DISTINCT coalesce(category_code, '')) AS categories,
             (array_agg(number ORDER BY reported_at DESC))[1:20] AS numbers, (array_agg(id::text ORDER BY reported_at DESC))[1:20] AS ids, min(node_path) AS node_path
        FROM cases
       WHERE reported_at >= ${from} AND reported_at < ${to} AND address IS NOT NULL AND btrim(address) <> '' AND ${pathCond('node_path', path)}
       GROUP BY regexp_replace(lower(address), '\\s+', '', 'g')
      HAVING count(*) >= ${min}
       ORDER BY count(*) DESC, min(address) LIMIT ${limit}`.execute(db);
    return r.rows;
  },

  /** The same reporter (phone hash, else account) reporting at least `min` times in the period. */
  async repeatedReporters(db: Executor, from: Date, to: Date, path: PathFilter, min: number, limit: number): Promise<Array<{ key: string; count: number; categories: string[]; numbers: string[]; ids: string[]; addresses: string[] }>> {
    const r = await sql<{ key: string; count: number; categories: string[]; numbers: string[]; ids: string[]; addresses: string[] }>`
      SELECT k AS key, count(*)::int AS count, array_agg(DISTINCT coalesce(category_code, '')) AS categories,
             (array_agg(number ORDER BY reported_at DESC))[1:20] AS numbers, (array_agg(id::text ORDER BY reported_at DESC))[1:20] AS ids,
             (array_agg(DISTINCT coalesce(address, '')))[1:5] AS addresses
        FROM (SELECT coalesce(reporter_phone_hash, reporter_user_id::text) AS k, * FROM cases
               WHERE reported_at >= ${from} AND reported_at < ${to} AND NOT anonymous AND channel <> 'iot' AND ${pathCond('node_path', path)}) c
       WHERE k IS NOT NULL
       GROUP BY k HAVING count(*) >= ${min}
       ORDER BY count(*) DESC, k LIMIT ${limit}`.execute(db);
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
