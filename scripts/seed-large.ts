/**
 * `npm run seed:large`: inserts many realistic cases (default 1,000,000) into a PostgreSQL database
 * and builds the analytics roll-up, for the dashboard benchmark (bench/dashboard.ts).
 *
 *   DATABASE_URL=postgres://postgres@127.0.0.1:5432/onegrid_large npm run seed:large [-- 1000000]
 *
 * The database is migrated and given the demo district first. Cases are generated in SQL
 * (generate_series, INSERT … SELECT, batches of 100,000) over the two years before now, in the order
 * they were reported (as a live table grows: a day's cases lie on adjacent pages): busier grids and
 * categories, a few hot corners, repeat reporters and addresses, old cases closed (some late, most
 * rated), recent ones still open.
 */
import { randomBytes } from 'node:crypto';
import { pathToFileURL } from 'node:url';
import { sql } from 'kysely';
import { loadConfig } from '../src/config.js';
import { createOneGrid, type OneGrid } from '../src/app.js';
import { refreshRollup } from '../src/modules/analytics/service.js';

export async function seedLarge(og: OneGrid, n: number, log: (msg: string) => void = console.log): Promise<{ seconds: number; rollupSeconds: number }> {
  const db = og.ctx.db;
  const grids = (await sql<{ id: string; path: string; lng: number; lat: number }>`SELECT id, path, lng, lat FROM org_nodes WHERE level = 'grid' AND lng IS NOT NULL ORDER BY path`.execute(db)).rows;
  const cats = (await sql<{ code: string; dept: string | null }>`SELECT c.code, d.id AS dept FROM categories c LEFT JOIN departments d ON d.code = c.department WHERE c.active ORDER BY c.code`.execute(db)).rows;
  if (!grids.length || !cats.length) throw new Error('no grids or categories: seed the demo district first');
  const start = Date.now();
  const already = Number((await sql<{ n: string }>`SELECT count(*) AS n FROM cases WHERE number LIKE 'L%'`.execute(db)).rows[0]!.n);
  const batch = 100_000;
  for (let from = already + 1; from <= n; from += batch) {
    const to = Math.min(n, from + batch - 1);
    await sql`
      INSERT INTO cases (id, number, track_code, state, channel, description, category_code, priority, lng, lat, address, grid_id, node_path, department_id,
                         reporter_phone_hash, anonymous, reported_at, filed_at, dispatched_at, resolved_at, closed_at, overdue_at, rating, rated_at, created_at, updated_at)
      SELECT gen_random_uuid(), 'L' || lpad(s::text, 10, '0'), 'LG' || s::text,
             CASE WHEN closed THEN 'closed' WHEN r3 < 0.3 THEN 'dispatched' WHEN r3 < 0.6 THEN 'accepted' WHEN r3 < 0.8 THEN 'resolved' ELSE 'reported' END,
             CASE WHEN r3 < 0.5 THEN 'resident' WHEN r3 < 0.8 THEN 'patrol' WHEN r3 < 0.95 THEN 'hotline' ELSE 'iot' END,
             '批量生成的测试事件', cat, 'normal',
             CASE WHEN hot THEN (${sql.val(grids.map((g) => g.lng))}::float8[])[gi] + 0.0002 ELSE (${sql.val(grids.map((g) => g.lng))}::float8[])[gi] + (random() - 0.5) * 0.004 END,
             CASE WHEN hot THEN (${sql.val(grids.map((g) => g.lat))}::float8[])[gi] + 0.0002 ELSE (${sql.val(grids.map((g) => g.lat))}::float8[])[gi] + (random() - 0.5) * 0.004 END,
             '新开铺路 ' || (floor(random() * 400))::int || ' 号',
             (${sql.val(grids.map((g) => g.id))}::uuid[])[gi], (${sql.val(grids.map((g) => g.path))}::text[])[gi], dept,
             'p' || floor(power(random(), 3) * 300000)::int, false,
             rep, rep + interval '20 minutes', rep + interval '30 minutes',
             CASE WHEN closed THEN rep + dur * 0.9 END,
             CASE WHEN closed THEN rep + dur END,
             CASE WHEN late AND rep + interval '3 days' < now() THEN rep + interval '3 days' END,
             CASE WHEN closed AND r3 < 0.7 THEN 5 - floor(power(random(), 2.5) * 5)::int END,
             CASE WHEN closed AND r3 < 0.7 THEN rep + dur + interval '1 hour' END,
             rep, now()
        FROM (
          SELECT s, gi, hot, rep, dur, r3, cat, dept,
                 (rep + dur < now() AND (rep < now() - interval '20 days' OR r3 < 0.5)) AS closed,
                 (dur > interval '3 days') AS late
            FROM (
              SELECT s, random() AS r3,
                     1 + floor(power(random(), 1.6) * ${grids.length})::int AS gi,
                     random() < 0.03 AS hot,
                     now() - (${n}::int - s + random()) * (interval '730 days' / ${n}::int) AS rep,
                     random() * interval '4 days' AS dur,
                     1 + floor(power(random(), 1.8) * ${cats.length})::int AS ci
                FROM generate_series(${from}::int, ${to}::int) AS s
            ) a, LATERAL (SELECT (${sql.val(cats.map((c) => c.code))}::text[])[a.ci] AS cat, (${sql.val(cats.map((c) => c.dept))}::uuid[])[a.ci] AS dept) c
        ) b`.execute(db);
    log(`cases ${to.toLocaleString('en')} / ${n.toLocaleString('en')} (${((Date.now() - start) / 1000).toFixed(0)} s)`);
  }
  const r0 = Date.now();
  if (already < n) {
    // bulk rows carry no events: rebuild the roll-up over every day they touched
    const first = (await sql<{ d: string | null }>`SELECT (min(reported_at) AT TIME ZONE 'Asia/Shanghai')::date::text AS d FROM cases`.execute(db)).rows[0]?.d;
    if (first) await refreshRollup(og.ctx, { from: first });
  } else await refreshRollup(og.ctx); // a database seeded before: bring it up to yesterday only
  // A bulk load leaves what autovacuum would do on a live server undone: statistics for the
  // planner and the visibility map that index-only scans need.
  for (const t of ['cases', 'analytics_daily', 'analytics_case_keys']) await sql`VACUUM (ANALYZE) ${sql.table(t)}`.execute(db);
  const rollupSeconds = (Date.now() - r0) / 1000;
  log(`roll-up rebuilt in ${rollupSeconds.toFixed(1)} s`);
  return { seconds: (Date.now() - start) / 1000, rollupSeconds };
}

async function main(): Promise<void> {
  const url = process.env.DATABASE_URL;
  if (!url) {
    console.error('DATABASE_URL must point at a PostgreSQL database (seed:large does not write to the embedded database)');
    process.exit(2);
  }
  const n = Number(process.argv[2] ?? process.env.SEED_CASES ?? 1_000_000);
  if (!Number.isInteger(n) || n <= 0) {
    console.error('the number of cases must be a positive integer');
    process.exit(2);
  }
  const config = loadConfig({ ...process.env, ONEGRID_DEMO_CASES: '0', ONEGRID_ENCRYPTION_KEY: process.env.ONEGRID_ENCRYPTION_KEY ?? randomBytes(32).toString('base64'), LOG_LEVEL: 'warn' });
  const og = await createOneGrid(config, { seed: true, startJobs: false, logger: false });
  try {
    const r = await seedLarge(og, n);
    console.log(`done: ${n.toLocaleString('en')} cases in ${r.seconds.toFixed(0)} s`);
  } finally {
    await og.close();
  }
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) await main();
