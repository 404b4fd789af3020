import type { PGlite, Results } from '@electric-sql/pglite';

/**
 * A pg-Pool-shaped adapter over the one PGlite session, so Kysely's own PostgresDialect drives both
 * databases. PGlite is a single connection: the pool lends it to one borrower at a time (a Kysely
 * transaction holds it from BEGIN to COMMIT), and other borrowers queue in FIFO order.
 */
interface QueryResult {
  rows: unknown[];
  rowCount: number;
  command: string;
}

class PGliteClient {
  constructor(
    private readonly pg: PGlite,
    private readonly pool: PGlitePool,
  ) {}

  async query(text: string, params?: unknown[]): Promise<QueryResult> {
    if (!params || params.length === 0) {
      // The simple protocol allows several statements (migrations); the last result is returned.
      const results = await this.pg.exec(text);
      const last: Results | undefined = results[results.length - 1];
      return toResult(text, last);
    }
    return toResult(text, await this.pg.query(text, params));
  }

  release(): void {
    this.pool.release();
  }
}

function toResult(text: string, r: Results | undefined): QueryResult {
  const rows = (r?.rows ?? []) as unknown[];
  const command = text.trimStart().split(/\s/, 1)[0]?.toUpperCase() ?? '';
  return { rows, rowCount: r?.affectedRows ?? rows.length, command };
}

/** How long a borrower waits for the one session before the request is refused as busy (503). */
export const PGLITE_ACQUIRE_TIMEOUT_MS = 5000;

/** The error a borrower gets after waiting too long: code 53300 (too_many_connections) is answered 503 + Retry-After. */
function busyError(waitedMs: number): Error {
  return Object.assign(new Error(`database busy: no PGlite session within ${waitedMs} ms`), { code: '53300' });
}

interface Waiter {
  resolve: () => void;
  timer: NodeJS.Timeout;
}

export class PGlitePool {
  private busy = false;
  private readonly waiters: Waiter[] = [];
  private readonly client: PGliteClient;

  /**
   * Under more load than one session serves, borrowers would queue until their clients time out;
   * after `acquireTimeoutMs` a borrower is refused instead, and the request answered 503 with a
   * retry hint (as PostgreSQL's pool does in database.ts).
   */
  constructor(
    readonly pg: PGlite,
    private readonly acquireTimeoutMs = PGLITE_ACQUIRE_TIMEOUT_MS,
  ) {
    this.client = new PGliteClient(pg, this);
  }

  async connect(): Promise<PGliteClient> {
    if (!this.busy) {
      this.busy = true;
      return this.client;
    }
    // release() hands the session straight to the first waiter: `busy` stays true
    await new Promise<void>((resolve, reject) => {
      const w: Waiter = {
        resolve,
        timer: setTimeout(() => {
          this.waiters.splice(this.waiters.indexOf(w), 1);
          reject(busyError(this.acquireTimeoutMs));
        }, this.acquireTimeoutMs),
      };
      this.waiters.push(w);
    });
    return this.client;
  }

  release(): void {
    const next = this.waiters.shift();
    if (next) {
      clearTimeout(next.timer);
      next.resolve();
    } else this.busy = false;
  }

  async end(): Promise<void> {
    for (const w of this.waiters.splice(0)) clearTimeout(w.timer);
    await this.pg.close();
  }
}
