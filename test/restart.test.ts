import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sql } from 'kysely';
import { afterAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../src/config.js';
import { createOneGrid, type OneGrid } from '../src/app.js';
import { ManualClock } from '../src/platform/clock.js';
import { freshPostgres, TEST_DB } from './helpers.js';

/** Row count of every table in the public schema. */
async function rowCounts(og: OneGrid): Promise<Record<string, number>> {
  const tables = await sql<{ name: string }>`SELECT tablename AS name FROM pg_tables WHERE schemaname = 'public' ORDER BY tablename`.execute(og.ctx.db);
  const out: Record<string, number> = {};
  for (const { name } of tables.rows) {
    const r = await sql<{ n: string }>`SELECT count(*) AS n FROM ${sql.table(name)}`.execute(og.ctx.db);
    out[name] = Number(r.rows[0]!.n);
  }
  return out;
}

// `npm start` seeds the demo district into an empty database and must start again on the same
// database: the second start applies no migration twice and seeds nothing twice.
describe('restart on the same database', () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'onegrid-restart-'));
  let drop: (() => Promise<void>) | null = null;
  afterAll(async () => {
    if (drop) await drop();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('starts a second time with the demo data and changes no table', async () => {
    const env: Record<string, string> = { ONEGRID_ENCRYPTION_KEY: randomBytes(32).toString('base64'), LOG_LEVEL: 'silent', ONEGRID_DEMO_CASES: '30', ONEGRID_DATA_DIR: dataDir };
    if (TEST_DB === 'postgres') {
      const f = await freshPostgres();
      env.DATABASE_URL = f.url;
      drop = f.drop;
    }
    const config = loadConfig(env);
    const clock = new ManualClock('2026-11-23T01:00:00Z');
    const first = await createOneGrid(config, { clock, logger: false, seed: true, startJobs: false });
    const before = await rowCounts(first);
    await first.close();
    expect(before.care_persons).toBeGreaterThan(0);
    expect(before.cases).toBe(30);

    // hours later, so jobs scheduled by time slot (hourly roll-ups, the outbox relay) would differ
    clock.advance(3 * 3_600_000);
    const second = await createOneGrid(config, { clock, logger: false, seed: true, startJobs: false });
    try {
      const after = await rowCounts(second);
      expect(after).toEqual(before);
      const health = await second.app.inject({ method: 'GET', url: '/healthz' });
      expect(health.statusCode).toBe(200);
    } finally {
      await second.close();
    }
  }, 180_000); // two full starts with the demo district on a disk-backed database
});
