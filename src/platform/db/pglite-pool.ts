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

export class PGlitePool {
  private busy = false;
  private readonly waiters: Array<() => void> = [];
  private readonly client: PGliteClient;

  constructor(readonly pg: PGlite) {
    this.client = new PGliteClient(pg, this);
  }

  async connect(): Promise<PGliteClient> {
    if (this.busy) await new Promise<void>((res) => this.waiters.push(res));
    this.busy = true;
    return this.client;
  }

  release(): void {
    const next = this.waiters.shift();
    if (next) next();
    else this.busy = false;
  }

  async end(): Promise<void> {
    await this.pg.close();
  }
}
