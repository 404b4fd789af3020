import { sql } from 'kysely';
import type { Db } from '../db/database.js';
import type { FieldCipher } from '../crypto.js';
import { audit } from '../audit/audit.js';
import type { Clock } from '../clock.js';
import { systemActor } from '../auth/actor.js';

export interface RotationReport {
  columns: string[];
  reencrypted: number;
  alreadyCurrent: number;
}

/**
 * Re-encrypts every personal-data column with the current key. Columns are found by convention:
 * any `<x>_enc` text column in the public schema; a sibling `<x>_hash` column (the blind index)
 * is recomputed from the clear text. Rows are processed in batches, each in its own transaction;
 * values already sealed with the current key are skipped, so the command can be re-run after an
 * interruption. The cipher must know the old keys (ONEGRID_ENCRYPTION_KEY_PREVIOUS).
 */
export async function rotateEncryptedColumns(db: Db, cipher: FieldCipher, clock: Clock, batch = 500): Promise<RotationReport> {
  const cols = await sql<{ table_name: string; column_name: string }>`
    SELECT table_name, column_name FROM information_schema.columns
    WHERE table_schema = 'public' AND column_name LIKE '%\\_enc' AND data_type = 'text'
    ORDER BY table_name, column_name`.execute(db);
  const hashCols = new Set(
    (await sql<{ c: string }>`SELECT table_name || '.' || column_name AS c FROM information_schema.columns WHERE table_schema = 'public' AND column_name LIKE '%\\_hash'`.execute(db)).rows.map((r) => r.c),
  );
  const report: RotationReport = { columns: [], reencrypted: 0, alreadyCurrent: 0 };
  for (const { table_name: table, column_name: col } of cols.rows) {
    const hasId = await sql<{ n: number }>`SELECT count(*)::int AS n FROM information_schema.columns WHERE table_schema = 'public' AND table_name = ${table} AND column_name = 'id'`.execute(db);
    if (hasId.rows[0]!.n === 0) continue;
    report.columns.push(`${table}.${col}`);
    const hashCol = col.replace(/_enc$/, '_hash');
    const withHash = hashCols.has(`${table}.${hashCol}`);
    let after = '00000000-0000-0000-0000-000000000000';
    for (;;) {
      const rows = await sql<{ id: string; v: string }>`
        SELECT id::text AS id, ${sql.ref(col)} AS v FROM ${sql.table(table)}
        WHERE ${sql.ref(col)} IS NOT NULL AND id::text > ${after} ORDER BY id::text LIMIT ${batch}`.execute(db);
      if (rows.rows.length === 0) break;
      await db.transaction().execute(async (trx) => {
        for (const r of rows.rows) {
          if (cipher.isCurrent(r.v)) {
            report.alreadyCurrent++;
            continue;
          }
          const clear = cipher.decrypt(r.v);
          const sealed = cipher.encrypt(clear);
          if (withHash) {
            await sql`UPDATE ${sql.table(table)} SET ${sql.ref(col)} = ${sealed}, ${sql.ref(hashCol)} = ${cipher.blindIndex(clear)} WHERE id::text = ${r.id}`.execute(trx);
          } else {
            await sql`UPDATE ${sql.table(table)} SET ${sql.ref(col)} = ${sealed} WHERE id::text = ${r.id}`.execute(trx);
          }
          report.reencrypted++;
        }
      });
      after = rows.rows[rows.rows.length - 1]!.id;
    }
  }
  await db.transaction().execute((trx) => audit(trx, clock, systemActor(), { action: 'keys.rotate', entity: 'encryption_key', after: report }));
  return report;
}
