import { PGlite, types } from '@electric-sql/pglite';
import { pg_trgm } from '@electric-sql/pglite/contrib/pg_trgm';
import { Kysely, PostgresDialect, type Transaction } from 'kysely';
import pg from 'pg';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { DB } from './schema.js';
import { PGlitePool } from './pglite-pool.js';

export type Db = Kysely<DB>;
export type Tx = Transaction<DB>;
/** Either the database or a transaction: repositories accept both. */
export type Executor = Kysely<DB> | Transaction<DB>;

export interface Database {
  db: Db;
  kind: 'pglite' | 'postgres';
  close(): Promise<void>;
  /** PGlite only: the whole data directory as a tarball (a test template, a backup of an embedded install) */
  dumpDataDir?: () => Promise<Blob>;
}

// One set of type parsers for both databases, so results have the same shapes:
// bigint and numeric as JS numbers (counts, sums), dates as 'YYYY-MM-DD' strings.
const INT8 = 20;
const NUMERIC = 1700;
const DATE = 1082;
pg.types.setTypeParser(INT8, (v) => Number(v));
pg.types.setTypeParser(NUMERIC, (v) => Number(v));
pg.types.setTypeParser(DATE, (v) => v);

/**
 * Opens the database: a real PostgreSQL when `url` is given, else embedded PGlite persisted in
 * `dataDir` (or in memory when dataDir is 'memory://').
 */
export async function openDatabase(opts: { url?: string; dataDir?: string; poolSize?: number; loadDataDir?: Blob }): Promise<Database> {
  if (opts.url) {
    // a request that waits 5 s for a connection is answered 503 + Retry-After (http/app.ts), not left to time out
    const pool = new pg.Pool({ connectionString: opts.url, max: opts.poolSize ?? 20, idleTimeoutMillis: 30_000, connectionTimeoutMillis: 5000 });
    // A broken connection must not crash the process: an idle one is dropped by the pool, and one
    // that is checked out (between the statements of a transaction) fails its next query, which
    // the HTTP layer answers with 503; pg-pool then discards it on release as not queryable.
    pool.on('error', () => {});
    pool.on('connect', (client) => client.on('error', () => {}));
    const db = new Kysely<DB>({ dialect: new PostgresDialect({ pool }) });
    return { db, kind: 'postgres', close: () => db.destroy() };
  }
  let dir: string | undefined;
  if (opts.dataDir && opts.dataDir !== 'memory://') {
    dir = join(opts.dataDir, 'pglite');
    mkdirSync(dir, { recursive: true });
  }
  const pgl = await PGlite.create({
    dataDir: dir,
    ...(opts.loadDataDir ? { loadDataDir: opts.loadDataDir } : {}),
    extensions: { pg_trgm },
    parsers: {
      [types.INT8]: (v: string) => Number(v),
      [types.NUMERIC]: (v: string) => Number(v),
      [types.DATE]: (v: string) => v,
    },
  });
  const pool = new PGlitePool(pgl);
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  const db = new Kysely<DB>({ dialect: new PostgresDialect({ pool: pool as any }) });
  return { db, kind: 'pglite', close: () => db.destroy(), dumpDataDir: async () => (await pgl.dumpDataDir('none')) as Blob };
}
