import { hostname } from 'node:os';
import { sql } from 'kysely';
import type { Db, Executor, Tx } from '../db/database.js';
import type { Clock } from '../clock.js';
import { newId } from '../ids.js';
import type { Logger } from '../context.js';

export interface Job<P = unknown> {
  id: string;
  kind: string;
  payload: P;
  attempts: number;
  runAt: Date;
}

/** A handler runs inside a transaction that also marks the job done: its writes and the job's completion commit together. */
export type JobHandler<P = unknown> = (trx: Tx, payload: P, job: Job<P>) => Promise<void>;

export interface EnqueueOptions {
  runAt?: Date;
  /** a second enqueue with the same key is ignored (one reminder per case and threshold) */
  uniqueKey?: string;
  maxAttempts?: number;
  /**
   * enqueue only if no job of this kind is waiting (pending, or running under a lease): a recurring
   * job that reschedules itself is started this way at boot, so a restart begins no second chain
   */
  unlessScheduled?: boolean;
}

/** One job of several enqueued together; `unlessScheduled` is not taken there. */
export interface JobSpec {
  kind: string;
  payload: unknown;
  opts?: Omit<EnqueueOptions, 'unlessScheduled'>;
}

/**
 * Durable jobs in the `jobs` table. Claiming uses FOR UPDATE SKIP LOCKED with a lease, so any number
 * of workers in any number of processes share the table and no job runs twice; a worker that dies
 * mid-job leaves the lease to expire and another worker takes the job again (its transaction never
 * committed, so nothing ran).
 */
export class JobQueue {
  private readonly handlers = new Map<string, JobHandler<never>>();
  private timer: NodeJS.Timeout | null = null;
  private running = false;
  private stopping = false;
  private inFlight: Promise<void> | null = null;
  readonly workerId: string;

  constructor(
    private readonly db: Db,
    private readonly clock: Clock,
    private readonly log: Logger,
    opts: { workerId?: string; leaseMs?: number; batch?: number } = {},
  ) {
    this.workerId = opts.workerId ?? `${hostname()}:${process.pid}:${newId().slice(-6)}`;
    this.leaseMs = opts.leaseMs ?? 60_000;
    this.batch = opts.batch ?? 10;
  }
  private readonly leaseMs: number;
  private readonly batch: number;

  register<P>(kind: string, handler: JobHandler<P>): void {
    if (this.handlers.has(kind)) throw new Error(`job kind ${kind} registered twice`);
    this.handlers.set(kind, handler as JobHandler<never>);
  }

  async enqueue(db: Executor, kind: string, payload: unknown, opts: EnqueueOptions = {}): Promise<void> {
    if (opts.unlessScheduled && (await db.selectFrom('jobs').select('id').where('kind', '=', kind).where('state', 'in', ['pending', 'running']).limit(1).executeTakeFirst())) return;
    await this.enqueueMany(db, [{ kind, payload, opts }]);
  }

  /** Several jobs in one statement (a case's reminders, a message's deliveries); `unlessScheduled` is not taken here. */
  async enqueueMany(db: Executor, jobs: JobSpec[]): Promise<void> {
    await this.enqueueManyWrite(db, jobs)?.execute();
  }

  /** enqueueMany's INSERT, not yet sent (null for no jobs): for a caller sending its writes as one statement. */
  enqueueManyWrite(db: Executor, jobs: JobSpec[]) {
    if (jobs.length === 0) return null;
    const now = this.clock.now();
    return db
      .insertInto('jobs')
      .values(
        jobs.map(({ kind, payload, opts = {} }) => ({
          id: newId(),
          kind,
          payload: JSON.stringify(payload ?? {}),
          run_at: opts.runAt ?? now,
          max_attempts: opts.maxAttempts ?? 5,
          unique_key: opts.uniqueKey ?? null,
          locked_by: null,
          locked_until: null,
          last_error: null,
          finished_at: null,
        })),
      )
      .onConflict((oc) => oc.column('unique_key').doNothing());
  }

  /** Cancels pending jobs by unique key prefix (e.g. a case's reminders once it is resolved). */
  async cancel(db: Executor, uniqueKeyPrefix: string): Promise<number> {
    const r = await db
      .updateTable('jobs')
      .set({ state: 'cancelled', finished_at: this.clock.now() })
      .where('state', '=', 'pending')
      .where('unique_key', 'like', uniqueKeyPrefix.replace(/[\\%_]/g, '\\$&') + '%')
      .executeTakeFirst();
    return Number(r.numUpdatedRows);
  }

  /** Claims due jobs and runs them; returns how many ran. Tests call this directly with a manual clock. */
  async runDue(): Promise<number> {
    const now = this.clock.now();
    const leaseUntil = new Date(now.getTime() + this.leaseMs);
    const kinds = [...this.handlers.keys()];
    if (kinds.length === 0) return 0;
    const claimed = await sql<{ id: string; kind: string; payload: unknown; attempts: number; run_at: Date; max_attempts: number }>`
      UPDATE jobs SET state = 'running', locked_by = ${this.workerId}, locked_until = ${leaseUntil}, attempts = attempts + 1
      WHERE id IN (
        SELECT id FROM jobs
        WHERE kind = ANY(${kinds}::text[])
          AND ((state = 'pending' AND run_at <= ${now}) OR (state = 'running' AND locked_until < ${now}))
        ORDER BY run_at
        LIMIT ${this.batch}
        FOR UPDATE SKIP LOCKED
      )
      RETURNING id, kind, payload, attempts, run_at, max_attempts`.execute(this.db);
    let ran = 0;
    for (const j of claimed.rows) {
      const handler = this.handlers.get(j.kind)!;
      try {
        await this.db.transaction().execute(async (trx) => {
          // Only the holder of the lease may finish the job.
          const held = await trx
            .selectFrom('jobs')
            .select('id')
            .where('id', '=', j.id)
            .where('locked_by', '=', this.workerId)
            .where('state', '=', 'running')
            .forUpdate()
            .executeTakeFirst();
          if (!held) return;
          await handler(trx, j.payload as never, { id: j.id, kind: j.kind, payload: j.payload as never, attempts: j.attempts, runAt: j.run_at });
          await trx.updateTable('jobs').set({ state: 'done', finished_at: this.clock.now(), locked_by: null, locked_until: null }).where('id', '=', j.id).execute();
        });
        ran++;
      } catch (err) {
        const failed = j.attempts >= j.max_attempts;
        const backoffMs = Math.min(3_600_000, 2 ** j.attempts * 1000);
        this.log.warn({ err, job: j.id, kind: j.kind, attempts: j.attempts }, failed ? 'job failed permanently' : 'job failed, will retry');
        await this.db
          .updateTable('jobs')
          .set({
            state: failed ? 'failed' : 'pending',
            run_at: new Date(this.clock.now().getTime() + backoffMs),
            last_error: String((err as Error)?.message ?? err).slice(0, 2000),
            locked_by: null,
            locked_until: null,
            finished_at: failed ? this.clock.now() : null,
          })
          .where('id', '=', j.id)
          .where('locked_by', '=', this.workerId)
          .execute();
      }
    }
    return ran;
  }

  /**
   * Runs due jobs batch after batch until none is left (tests: "advance the clock, run what is due").
   * Bounded, so a job that keeps scheduling itself for now cannot loop forever. Returns how many ran.
   */
  async runAllDue(maxBatches = 200): Promise<number> {
    let total = 0;
    for (let i = 0; i < maxBatches; i++) {
      const n = await this.runDue();
      if (n === 0) break;
      total += n;
    }
    return total;
  }

  /** Polls every `pollMs` until stopped. */
  start(pollMs: number): void {
    if (this.running) return;
    this.running = true;
    this.stopping = false;
    const tick = async () => {
      if (this.stopping) return;
      this.inFlight = (async () => {
        try {
          let n: number;
          do n = await this.runDue();
          while (n > 0 && !this.stopping);
        } catch (err) {
          this.log.warn({ err }, 'job poll failed');
        }
      })();
      await this.inFlight;
      this.inFlight = null;
      if (!this.stopping) this.timer = setTimeout(tick, pollMs);
    };
    this.timer = setTimeout(tick, 0);
  }

  async stop(): Promise<void> {
    this.stopping = true;
    this.running = false;
    if (this.timer) clearTimeout(this.timer);
    if (this.inFlight) await this.inFlight;
  }
}
