import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { sql } from 'kysely';
import type { Db } from './database.js';

export const MIGRATIONS_DIR = join(dirname(fileURLToPath(import.meta.url)), '../../../db/migrations');

export function migrationFiles(dir = MIGRATIONS_DIR): Array<{ version: string; file: string }> {
  return readdirSync(dir)
    .filter((f) => /^\d{4}_.+\.sql$/.test(f))
    .sort()
    .map((f) => ({ version: f.replace(/\.sql$/, ''), file: join(dir, f) }));
}

/**
 * Applies the numbered SQL files not yet applied, each in its own transaction together with its
 * row in schema_migrations. An advisory lock keeps two starting instances from migrating at once.
 * Returns the versions applied.
 */
export async function migrate(db: Db, dir = MIGRATIONS_DIR): Promise<string[]> {
  await sql`CREATE TABLE IF NOT EXISTS schema_migrations (version text PRIMARY KEY, applied_at timestamptz NOT NULL DEFAULT now())`.execute(db);
  const applied: string[] = [];
  for (const m of migrationFiles(dir)) {
    const done = await db.transaction().execute(async (trx) => {
      await sql`SELECT pg_advisory_xact_lock(7426001)`.execute(trx);
      const row = await trx.selectFrom('schema_migrations').select('version').where('version', '=', m.version).executeTakeFirst();
      if (row) return false;
      await sql.raw(readFileSync(m.file, 'utf8')).execute(trx);
      await trx.insertInto('schema_migrations').values({ version: m.version }).execute();
      return true;
    });
    if (done) applied.push(m.version);
  }
  return applied;
}

/** Versions on disk that the database has not applied (used by /readyz). */
export async function pendingMigrations(db: Db, dir = MIGRATIONS_DIR): Promise<string[]> {
  const rows = await db.selectFrom('schema_migrations').select('version').execute();
  const have = new Set(rows.map((r) => r.version));
  return migrationFiles(dir)
    .map((m) => m.version)
    .filter((v) => !have.has(v));
}
