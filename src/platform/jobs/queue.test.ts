import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sql } from 'kysely';
import { ManualClock } from '../clock.js';
import { openDatabase, type Database } from '../db/database.js';
import { migrate } from '../db/migrate.js';
import { JobQueue } from './queue.js';
import { freshPostgres, TEST_DB } from '../../../test/helpers.js';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const quiet = { info() {}, warn() {}, error() {}, debug() {} };

/** Opens the project's database kind: a fresh PostgreSQL database, or PGlite in a directory. */
async function open(dir: string, url?: string): Promise<Database> {
  return url ? openDatabase({ url, poolSize: 10 }) : openDatabase({ dataDir: dir });
}

describe('durable jobs', () => {
  let pgUrl: string | undefined;
  let drop: (() => Promise<void>) | undefined;
  let dir: string;
  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'og-jobs-'));
    if (TEST_DB === 'postgres') ({ url: pgUrl, drop } = await freshPostgres());
  });
  afterAll(async () => {
    await drop?.();
    rmSync(dir, { recursive: true, force: true });
  });

  it('a job enqueued before a restart runs after it, once', async () => {
    const clock = new ManualClock('2026-11-23T01:00:00Z');
    let db = await open(dir, pgUrl);
    await migrate(db.db);
    await sql`CREATE TABLE IF NOT EXISTS job_effects (job text, n int)`.execute(db.db);
    const q1 = new JobQueue(db.db, clock, quiet);
    q1.register('remind', async () => {});
    await q1.enqueue(db.db, 'remind', { caseId: 'c1' }, { runAt: new Date('2026-11-23T02:00:00Z'), uniqueKey: 'restart-test' });
    expect(await q1.runDue()).toBe(0); // not due yet
    await db.close(); // "server stops"

    db = await open(dir, pgUrl);
    clock.advanceHours(2);
    const q2 = new JobQueue(db.db, clock, quiet);
    q2.register('remind', async (trx, p: { caseId: string }) => {
      await sql`INSERT INTO job_effects VALUES (${p.caseId}, 1)`.execute(trx);
    });
    expect(await q2.runDue()).toBe(1);
    expect(await q2.runDue()).toBe(0);
    const effects = await sql<{ n: number }>`SELECT count(*)::int AS n FROM job_effects WHERE job = 'c1'`.execute(db.db);
    expect(effects.rows[0]!.n).toBe(1);
    await db.close();
  });

  it('a failing job is retried with backoff and fails for good after max attempts', async () => {
    const clock = new ManualClock('2026-11-23T01:00:00Z');
    const db = await open(join(dir, 'b'), pgUrl && pgUrl);
    await migrate(db.db);
    const q = new JobQueue(db.db, clock, quiet);
    let calls = 0;
    q.register('flaky', async () => {
      calls++;
      throw new Error('boom');
    });
    await q.enqueue(db.db, 'flaky', {}, { maxAttempts: 2, uniqueKey: 'flaky-1' });
    expect(await q.runDue()).toBe(0);
    expect(calls).toBe(1);
    expect(await q.runDue()).toBe(0); // backing off
    clock.advance(2_100);
    await q.runDue();
    expect(calls).toBe(2);
    const row = await db.db.selectFrom('jobs').selectAll().where('unique_key', '=', 'flaky-1').executeTakeFirstOrThrow();
    expect(row.state).toBe('failed');
    expect(row.last_error).toBe('boom');
    await db.close();
  });

  // Two workers with their own connection pools (as two server instances would have) race for the
  // same 200 jobs; each must run exactly once. Needs a real server: PGlite is one connection.
  it.runIf(TEST_DB === 'postgres')('two workers on separate pools run each of 200 jobs exactly once', async () => {
    const clock = new ManualClock('2026-11-23T01:00:00Z');
    const a = await open('', pgUrl);
    const b = await open('', pgUrl);
    await migrate(a.db);
    await sql`CREATE TABLE IF NOT EXISTS job_runs (job_id text, worker text)`.execute(a.db);
    const mk = (d: Database, name: string) => {
      const q = new JobQueue(d.db, clock, quiet, { workerId: name, batch: 7 });
      q.register('count', async (trx, _p, job) => {
        await sql`INSERT INTO job_runs VALUES (${job.id}, ${name})`.execute(trx);
        // hold the transaction a moment so the workers really overlap
        await new Promise((r) => setTimeout(r, 2));
      });
      return q;
    };
    const qa = mk(a, 'A');
    const qb = mk(b, 'B');
    for (let i = 0; i < 200; i++) await qa.enqueue(a.db, 'count', { i }, { uniqueKey: `count-${i}-${randomBytes(2).toString('hex')}` });
    const drain = async (q: JobQueue) => {
      let total = 0;
      for (;;) {
        const n = await q.runDue();
        if (n === 0) {
          const left = await sql<{ n: number }>`SELECT count(*)::int AS n FROM jobs WHERE kind = 'count' AND state <> 'done'`.execute(a.db);
          if (left.rows[0]!.n === 0) return total;
        }
        total += n;
      }
    };
    const [ra, rb] = await Promise.all([drain(qa), drain(qb)]);
    expect(ra + rb).toBe(200);
    expect(ra).toBeGreaterThan(0);
    expect(rb).toBeGreaterThan(0);
    const dup = await sql<{ n: number }>`SELECT count(*)::int AS n FROM (SELECT job_id FROM job_runs GROUP BY job_id HAVING count(*) > 1) d`.execute(a.db);
    expect(dup.rows[0]!.n).toBe(0);
    const runs = await sql<{ n: number }>`SELECT count(*)::int AS n FROM job_runs`.execute(a.db);
    expect(runs.rows[0]!.n).toBe(200);
    await a.close();
    await b.close();
  });

  it('a job whose worker died mid-run (lease expired) is taken over and completes once', async () => {
    const clock = new ManualClock('2026-11-23T01:00:00Z');
    const db = await open(join(dir, 'c'), pgUrl);
    await migrate(db.db);
    await sql`CREATE TABLE IF NOT EXISTS lease_runs (worker text)`.execute(db.db);
    const dead = new JobQueue(db.db, clock, quiet, { workerId: 'dead', leaseMs: 60_000 });
    dead.register('lease', async () => {
      throw new Error('unreachable');
    });
    await dead.enqueue(db.db, 'lease', {}, { uniqueKey: 'lease-1' });
    // Simulate a crash right after claiming: the job is 'running' with dead's lease, nothing committed.
    await sql`UPDATE jobs SET state = 'running', locked_by = 'dead', locked_until = ${new Date(clock.now().getTime() + 60_000)}, attempts = 1 WHERE unique_key = 'lease-1'`.execute(db.db);
    const alive = new JobQueue(db.db, clock, quiet, { workerId: 'alive' });
    alive.register('lease', async (trx) => {
      await sql`INSERT INTO lease_runs VALUES ('alive')`.execute(trx);
    });
    expect(await alive.runDue()).toBe(0); // lease still held
    clock.advance(61_000);
    expect(await alive.runDue()).toBe(1);
    const n = await sql<{ n: number }>`SELECT count(*)::int AS n FROM lease_runs`.execute(db.db);
    expect(n.rows[0]!.n).toBe(1);
    await db.close();
  });
});
