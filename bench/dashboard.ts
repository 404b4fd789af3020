/**
 * Dashboard benchmark (called by bench/run.ts; also `node --import tsx bench/dashboard.ts` to run
 * this phase alone): 1,000,000 cases (BENCH_DASHBOARD_CASES) in a fresh PostgreSQL database made by
 * seed:large's generator, then every command-center query over HTTP, one at a time, for `seconds`
 * each: p50/p95. The floor: the same aggregates computed by a plain SQL GROUP BY over the cases table.
 *
 * BENCH_DASHBOARD_DB_URL=postgres://…/onegrid_bench reuses a database that `npm run seed:large`
 * already filled (it is topped up to the count, never dropped) instead of seeding a fresh one.
 */
import { randomBytes } from 'node:crypto';
import { pathToFileURL } from 'node:url';
import type { AddressInfo } from 'node:net';
import pg from 'pg';
import { loadConfig } from '../src/config.js';
import { createOneGrid } from '../src/app.js';
import { seedLarge } from '../scripts/seed-large.js';

const pctl = (xs: number[], p: number) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length ? Math.round(s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))]! * 10) / 10 : null;
};

async function timed(seconds: number, fn: () => Promise<void>, minRuns = 20): Promise<number[]> {
  const out: number[] = [];
  const end = Date.now() + seconds * 1000;
  while (Date.now() < end || out.length < minRuns) {
    const t0 = performance.now();
    await fn();
    out.push(performance.now() - t0);
  }
  return out;
}

export async function benchDashboard(o: { pgServer: string; seconds: number }): Promise<Record<string, number | string | null>> {
  const n = Number(process.env.BENCH_DASHBOARD_CASES || 1_000_000);
  const tag = n === 1_000_000 ? '1m' : `${n}`;
  const reuse = process.env.BENCH_DASHBOARD_DB_URL || '';
  const name = `og_bench_dash_${Date.now().toString(36)}`;
  const u = new URL(reuse || o.pgServer);
  if (!reuse) {
    const admin = new pg.Client({ connectionString: o.pgServer });
    await admin.connect();
    await admin.query(`CREATE DATABASE ${name}`);
    await admin.end();
    u.pathname = '/' + name;
  }
  const f: Record<string, number | string | null> = {};
  const config = loadConfig({ ...process.env, DATABASE_URL: u.toString(), ONEGRID_DEMO_CASES: '0', ONEGRID_ENCRYPTION_KEY: randomBytes(32).toString('base64'), LOG_LEVEL: 'warn' });
  const og = await createOneGrid(config, { seed: true, startJobs: false, logger: false });
  try {
    const seeded = await seedLarge(og, n, () => undefined);
    f[`seed_large_s_${tag}`] = Math.round(seeded.seconds);
    f[`rollup_build_s_${tag}`] = Math.round(seeded.rollupSeconds * 10) / 10;
    await og.app.listen({ port: 0, host: '127.0.0.1' });
    const base = `http://127.0.0.1:${(og.app.server.address() as AddressInfo).port}`;
    const login = async (username: string) => {
      const r = await fetch(`${base}/api/auth/login`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ username, password: 'onegrid-demo' }) });
      return r.headers.getSetCookie().find((c) => c.startsWith('og_session='))!.split(';')[0]!;
    };
    const street = await login('street_admin');
    const community = await login('community_admin.qiaotou');
    const get = (cookie: string, path: string) => async () => {
      const r = await fetch(base + path, { headers: { cookie } });
      if (r.status !== 200) throw new Error(`${path}: ${r.status} ${await r.text()}`);
      await r.arrayBuffer();
    };
    const queries: Array<[string, string, string]> = [
      ['dashboard_street', street, '/api/analytics/dashboard'],
      ['dashboard_community', community, '/api/analytics/dashboard'],
      ['hotspots_7d', street, '/api/analytics/hotspots'],
      ['repeats_90d', street, '/api/analytics/repeats'],
      ['warnings', street, '/api/analytics/warnings'],
    ];
    const per = Math.max(2, o.seconds / 2);
    let worst = 0;
    for (const [key, cookie, path] of queries) {
      await get(cookie, path)(); // warm
      const xs = await timed(per, get(cookie, path));
      f[`${key}_p50_ms_${tag}`] = pctl(xs, 50);
      f[`${key}_p95_ms_${tag}`] = pctl(xs, 95);
      worst = Math.max(worst, pctl(xs, 95) ?? 0);
    }
    f[`dashboard_worst_p95_ms_${tag}`] = worst;

    // The floor: the dashboard's period aggregates as plain GROUP BYs over the cases table.
    const c = new pg.Client({ connectionString: u.toString() });
    await c.connect();
    try {
      const floor = async (sqlText: string) => pctl(await timed(per, async () => void (await c.query(sqlText)), 5), 50);
      f[`groupby_floor_ms_${tag}`] = await floor(`SELECT node_path, category_code, department_id, count(*) FROM cases WHERE reported_at >= now() - interval '30 days' GROUP BY 1, 2, 3`);
      f[`groupby_floor_alltime_ms_${tag}`] = await floor(`SELECT node_path, category_code, count(*), count(*) FILTER (WHERE closed_at IS NOT NULL), avg(rating) FROM cases GROUP BY 1, 2`);
      f[`groupby_floor_repeats_90d_ms_${tag}`] = await floor(`SELECT coalesce(reporter_phone_hash, reporter_user_id::text), count(*) FROM cases WHERE reported_at >= now() - interval '90 days' AND NOT anonymous AND channel <> 'iot' GROUP BY 1 HAVING count(*) >= 3`);
      f[`rollup_same_30d_ms_${tag}`] = await floor(`SELECT node_path, category_code, department_id, sum(reported) FROM analytics_daily WHERE day >= (now() AT TIME ZONE 'Asia/Shanghai')::date - 30 GROUP BY 1, 2, 3`);
      f[`rollup_same_alltime_ms_${tag}`] = await floor(`SELECT node_path, category_code, sum(reported), sum(closed), sum(rating_sum)::float / nullif(sum(rated), 0) FROM analytics_daily GROUP BY 1, 2`);
    } finally {
      await c.end();
    }
  } finally {
    await og.close();
    if (!reuse) {
      const d = new pg.Client({ connectionString: o.pgServer });
      await d.connect();
      await d.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      await d.end();
    }
  }
  // bench/run.ts expects these names (the street dashboard is dashboard_street_*: dashboard_p95 is the worst query)
  f.dashboard_p95_ms_1m = f[`dashboard_worst_p95_ms_${tag}`] ?? null;
  f.groupby_floor_ms_1m = f[`groupby_floor_ms_${tag}`] ?? null;
  return f;
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const r = await benchDashboard({ pgServer: process.env.BENCH_PG_URL || process.env.TEST_DATABASE_URL || 'postgres://postgres@127.0.0.1:5432/test', seconds: Number(process.env.BENCH_SECONDS || 10) });
  for (const [k, v] of Object.entries(r)) console.log(`  ${k.padEnd(36)} ${v}`);
}
