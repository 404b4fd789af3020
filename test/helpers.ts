import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import type { LightMyRequestResponse } from 'fastify';
import { loadConfig, type Config } from '../src/config.js';
import { createOneGrid, type OneGrid } from '../src/app.js';
import { ManualClock, type Clock } from '../src/platform/clock.js';
import { inject } from 'vitest';
import { TEMPLATE_SAFE_ENV, TEST_CLOCK_START } from './template.js';

/** The database the current Vitest project runs on. */
export const TEST_DB: 'pglite' | 'postgres' = process.env.OG_TEST_DB === 'postgres' ? 'postgres' : 'pglite';

/** Creates a fresh database on the test server (empty, or a copy of `template`) and returns its URL and a dropper. */
export async function freshPostgres(template?: string): Promise<{ url: string; drop: () => Promise<void> }> {
  const base = process.env.TEST_DATABASE_URL;
  if (!base) throw new Error('TEST_DATABASE_URL is not set');
  const name = `og_t_${Date.now().toString(36)}_${randomBytes(3).toString('hex')}`;
  const admin = new pg.Client({ connectionString: base });
  await admin.connect();
  await admin.query(template ? `CREATE DATABASE ${name} TEMPLATE ${template}` : `CREATE DATABASE ${name}`);
  await admin.end();
  const u = new URL(base);
  u.pathname = '/' + name;
  return {
    url: u.toString(),
    drop: async () => {
      const c = new pg.Client({ connectionString: base });
      await c.connect();
      await c.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      await c.end();
    },
  };
}

let pgliteTemplate: Buffer | undefined;

/** The run's template for this database, when the project made one. */
function templateFor(kind: 'pglite' | 'postgres') {
  let t;
  try {
    t = inject('ogTemplate');
  } catch {
    return undefined; // outside a test run (a script importing the helpers)
  }
  return t?.kind === kind ? t : undefined;
}

export interface TestApp {
  og: OneGrid;
  clock: ManualClock;
  config: Config;
  /** signs in and returns the session cookie header value */
  login(username: string, password?: string): Promise<string>;
  /** inject with an optional session cookie */
  req(method: string, url: string, opts?: { cookie?: string; body?: unknown; headers?: Record<string, string> }): Promise<LightMyRequestResponse>;
  close(): Promise<void>;
}

/**
 * A whole OneGrid on a fresh database (PGlite in memory, or a new database on the PostgreSQL
 * server), with a manual clock and the job worker stopped (tests run what is due with `og.ctx.jobs.runAllDue()`).
 */
export async function startTestApp(opts: { seed?: boolean; clock?: Clock; env?: Record<string, string> } = {}): Promise<TestApp> {
  const clock = (opts.clock as ManualClock) ?? new ManualClock(TEST_CLOCK_START);
  let dropper: (() => Promise<void>) | null = null;
  // The demo district, migrated and seeded once per run (test/template-setup.ts), is copied when
  // this app would write exactly the same: seeded, at the standard clock, no setting that seeds read.
  const template = opts.seed !== false && !opts.clock && Object.keys(opts.env ?? {}).every((k) => TEMPLATE_SAFE_ENV.test(k)) ? templateFor(TEST_DB) : undefined;
  // The 2,000 demo cases are skipped unless a test asks for them (env ONEGRID_DEMO_CASES); uploads go to a temporary directory.
  const env: Record<string, string> = {
    ONEGRID_ENCRYPTION_KEY: template?.key ?? randomBytes(32).toString('base64'),
    LOG_LEVEL: 'silent',
    ONEGRID_DEMO_CASES: '0',
    ...opts.env,
  };
  const tmpData = env.ONEGRID_DATA_DIR ? null : mkdtempSync(join(tmpdir(), 'onegrid-test-'));
  if (tmpData) env.ONEGRID_DATA_DIR = tmpData;
  if (TEST_DB === 'postgres') {
    const f = await freshPostgres(template?.kind === 'postgres' ? template.database : undefined);
    env.DATABASE_URL = f.url;
    dropper = f.drop;
  }
  const config = loadConfig(env);
  const loadDataDir = template?.kind === 'pglite' ? new Blob([new Uint8Array(pgliteTemplate ??= readFileSync(template.file))]) : undefined;
  const og = await createOneGrid(config, { clock, logger: false, seed: opts.seed ?? true, startJobs: false, dataDir: 'memory://', loadDataDir });
  const req: TestApp['req'] = (method, url, o = {}) =>
    og.app.inject({
      method: method as never,
      url,
      headers: { ...(o.cookie ? { cookie: o.cookie } : {}), ...o.headers },
      ...(o.body !== undefined ? { payload: o.body as never } : {}),
    });
  return {
    og,
    clock,
    config,
    req,
    async login(username, password = 'onegrid-demo') {
      const r = await req('POST', '/api/auth/login', { body: { username, password } });
      if (r.statusCode !== 200) throw new Error(`login ${username} failed: ${r.statusCode} ${r.body}`);
      const c = r.cookies.find((x) => x.name === 'og_session');
      return `og_session=${c!.value}`;
    },
    async close() {
      await og.close();
      if (dropper) await dropper();
      if (tmpData) rmSync(tmpData, { recursive: true, force: true });
    },
  };
}
