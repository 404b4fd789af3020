/**
 * `npm run bench`: performance figures for OneGrid on this machine. Never part of `npm test`.
 * Writes bench/results/latest.json (a flat object of named figures) and prints a table.
 *
 * Env: BENCH_SECONDS (per load phase, default 10), BENCH_PG_URL (a PostgreSQL server; default
 * TEST_DATABASE_URL or postgres://postgres@127.0.0.1:5432/test — a fresh database is created on it).
 */
import { execSync } from 'node:child_process';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { cpus, totalmem } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { startServer, type BenchServer } from './server.js';
import { intakeBody, load } from './load.js';
import { pgbenchInsertTps } from './pgbench.js';
import { benchNodeFloor } from './floor.js';

const SECONDS = Number(process.env.BENCH_SECONDS || 10);
const PG_SERVER = process.env.BENCH_PG_URL || process.env.TEST_DATABASE_URL || 'postgres://postgres@127.0.0.1:5432/test';
const figures: Record<string, number | string | null> = {};
const notes: string[] = [];
let rssMax = 0;

function rss(s: BenchServer, phase: string) {
  const mb = s.rssMb();
  figures[`rss_mb_${phase}`] = mb;
  rssMax = Math.max(rssMax, mb);
}

async function freshDb(): Promise<{ url: string; drop: () => Promise<void> }> {
  const name = `og_bench_${Date.now().toString(36)}`;
  const c = new pg.Client({ connectionString: PG_SERVER });
  await c.connect();
  await c.query(`CREATE DATABASE ${name}`);
  await c.end();
  const u = new URL(PG_SERVER);
  u.pathname = '/' + name;
  return {
    url: u.toString(),
    drop: async () => {
      const d = new pg.Client({ connectionString: PG_SERVER });
      await d.connect();
      await d.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      await d.end();
    },
  };
}


async function intakePhase(label: 'pglite' | 'pg', s: BenchServer) {
  const cookie = await s.login('resident.qiaotou');
  for (const c of [1, 16, 64]) {
    const r = await load({ url: s.url + '/api/cases', method: 'POST', cookie, connections: c, seconds: SECONDS, body: intakeBody });
    figures[`intake_${label}_rps_${c}`] = r.rps;
    figures[`intake_${label}_p50_ms_${c}`] = r.p50;
    figures[`intake_${label}_p99_ms_${c}`] = r.p99;
    figures[`intake_${label}_errors_${c}`] = r.errors + r.non2xx;
  }
  rss(s, `intake_${label}`);
}

async function readsPhase(s: BenchServer) {
  const cookie = await s.login('dispatcher');
  const list = await fetch(s.url + '/api/cases?pageSize=20', { headers: { cookie } });
  const body = (await list.json()) as { items?: Array<{ id: string }> };
  const r1 = await load({ url: s.url + '/api/cases?pageSize=20', cookie, connections: 16, seconds: SECONDS });
  figures.worklist_pg_rps_16 = r1.rps;
  figures.worklist_pg_p99_ms_16 = r1.p99;
  const id = body.items?.[0]?.id;
  if (id) {
    const r2 = await load({ url: `${s.url}/api/cases/${id}`, cookie, connections: 16, seconds: SECONDS });
    figures.timeline_pg_rps_16 = r2.rps;
    figures.timeline_pg_p99_ms_16 = r2.p99;
  }
  rss(s, 'reads_pg');
}

/** Pieces written by the modules: bench/<name>.ts exporting a function that returns figures. */
async function piece(name: string, fn: string) {
  const file = join(import.meta.dirname, `${name}.ts`);
  if (!existsSync(file)) {
    notes.push(`${name}: bench/${name}.ts not present — not measured`);
    return;
  }
  const mod = (await import(file)) as Record<string, (o: { pgServer: string; seconds: number }) => Promise<object>>;
  Object.assign(figures, await mod[fn]!({ pgServer: PG_SERVER, seconds: SECONDS }));
}

async function main() {
  // The module benches read these to find the PostgreSQL server.
  process.env.BENCH_PG_URL ||= PG_SERVER;
  process.env.BENCH_DATABASE_URL ||= PG_SERVER;
  figures.commit = execSync('git rev-parse --short HEAD', { encoding: 'utf8' }).trim();
  figures.machine = `${cpus().length} cores, ${Math.round(totalmem() / 2 ** 30)} GiB, ${cpus()[0]?.model ?? ''}`.trim();
  figures.bench_seconds_per_phase = SECONDS;

  // Intake on PGlite (embedded default)
  const s1 = await startServer({ ONEGRID_DEMO_CASES: '0' });
  try {
    await intakePhase('pglite', s1);
  } finally {
    await s1.stop();
  }

  // Intake and reads on PostgreSQL, with the pgbench floor on the same server
  const db = await freshDb();
  try {
    const s2 = await startServer({ DATABASE_URL: db.url });
    try {
      await intakePhase('pg', s2);
      await readsPhase(s2);
    } finally {
      await s2.stop();
    }
    for (const c of [1, 16, 64]) figures[`pgbench_insert_tps_${c}`] = await pgbenchInsertTps(db.url, c, SECONDS);
    // what any Node.js HTTP service keeps of pgbench's rate here, before doing work of its own
    const floor = await benchNodeFloor(db.url, 16, SECONDS);
    figures.node_floor_rps_16 = floor.rps;
    figures.node_floor_p99_ms_16 = floor.p99;
  } finally {
    await db.drop();
  }
  const ratio = (a: unknown, b: unknown) => (typeof a === 'number' && typeof b === 'number' && b ? Math.round((a / b) * 1000) / 1000 : null);
  for (const c of [1, 16, 64]) {
    const a = figures[`intake_pg_rps_${c}`] as number;
    const b = figures[`pgbench_insert_tps_${c}`] as number;
    figures[`intake_ratio_${c}`] = ratio(a, b);
  }
  figures.node_floor_ratio_16 = ratio(figures.node_floor_rps_16, figures.pgbench_insert_tps_16);
  figures.intake_vs_node_floor_16 = ratio(figures.intake_pg_rps_16, figures.node_floor_rps_16);

  await piece('classify', 'benchClassify');
  await piece('mqtt', 'benchMqtt');
  await piece('dashboard', 'benchDashboard');
  figures.rss_mb_max = Math.max(rssMax, ...Object.entries(figures).filter(([k, v]) => k.startsWith('rss_mb_') && typeof v === 'number').map(([, v]) => v as number));

  mkdirSync(join(import.meta.dirname, 'results'), { recursive: true });
  writeFileSync(join(import.meta.dirname, 'results/latest.json'), JSON.stringify(figures, null, 2) + '\n');
  const width = Math.max(...Object.keys(figures).map((k) => k.length));
  console.log('\nOneGrid bench — ' + figures.machine);
  for (const [k, v] of Object.entries(figures)) console.log(`  ${k.padEnd(width)}  ${v}`);
  for (const n of notes) console.log('  note: ' + n);
  console.log('\nwritten to bench/results/latest.json');
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
