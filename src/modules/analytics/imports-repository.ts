import { sql, type Expression, type ExpressionBuilder, type Insertable, type Selectable, type SqlBool } from 'kysely';
import type { Executor } from '../../platform/db/database.js';
import type { DB, Json, Timestamp } from '../../platform/db/schema.js';
import { likePrefix } from '../../platform/auth/scope.js';

/** SQL of external-record imports (12345 hotline and petition records): tables of migration 0036. */

export type ExternalSource = '12345' | 'petition';
export type ExternalImportStatus = 'preview' | 'queued' | 'running' | 'done' | 'failed' | 'cancelled';
export interface RowError {
  row: number;
  externalNo?: string | null;
  reasons: string[];
}

export interface ExternalImportsTable {
  id: string;
  created_by: string | null;
  created_name: string | null;
  node_path: string;
  file_name: string | null;
  file_kind: 'csv' | 'xlsx';
  file_enc: string | null;
  prepared_enc: string | null;
  headers: Json<string[]>;
  mapping: Json<Record<string, number | null>>;
  default_source: ExternalSource | null;
  status: ExternalImportStatus;
  total_rows: number;
  valid_rows: number;
  processed: number;
  inserted: number;
  updated: number;
  errors: Json<RowError[]>;
  message: string | null;
  created_at: Timestamp;
  started_at: Timestamp | null;
  finished_at: Timestamp | null;
}

export interface ExternalRecordsTable {
  id: string;
  source: ExternalSource;
  external_no: string;
  received_at: Timestamp;
  content: string;
  address: string | null;
  reporter_phone_enc: string | null;
  reporter_phone_hash: string | null;
  category_code: string | null;
  category_raw: string | null;
  category_by: 'file' | 'classifier' | null;
  category_confidence: number | null;
  lng: number | null;
  lat: number | null;
  grid_id: string | null;
  node_path: string;
  located_by: 'point' | 'building' | 'estate' | 'community' | null;
  department_name: string | null;
  department_id: string | null;
  status: string | null;
  closed_at: Timestamp | null;
  satisfaction: string | null;
  satisfied: boolean | null;
  import_id: string | null;
  created_at: Timestamp;
  updated_at: Timestamp;
}

declare module '../../platform/db/schema.js' {
  interface DB {
    external_imports: ExternalImportsTable;
    external_records: ExternalRecordsTable;
  }
}

export type ExternalImportRow = Selectable<ExternalImportsTable>;
export type ExternalRecordRow = Selectable<ExternalRecordsTable>;

/** `null` = the whole tree; otherwise the subtree at that org path. */
export type PathFilter = string | null;

function under<TB extends keyof DB>(eb: ExpressionBuilder<DB, TB>, column: string, path: PathFilter): Expression<SqlBool> {
  if (path === null) return sql<SqlBool>`true`;
  const col = sql.ref(column);
  return eb.or([eb(col, '=', path), eb(col, 'like', likePrefix(path) + '/%')]);
}

export interface RecordFilter {
  /** the caller's scope (or a narrower node inside it) */
  path: PathFilter;
  source?: ExternalSource;
  from?: Date;
  to?: Date;
  categoryCode?: string;
  gridId?: string;
  /** only records with no grid */
  unassigned?: boolean;
  q?: string;
}

function filtered(db: Executor, f: RecordFilter) {
  let q = db.selectFrom('external_records').where((eb) => under(eb, 'external_records.node_path', f.path));
  if (f.source) q = q.where('source', '=', f.source);
  if (f.from) q = q.where('received_at', '>=', f.from);
  if (f.to) q = q.where('received_at', '<', f.to);
  if (f.categoryCode) q = q.where('category_code', '=', f.categoryCode);
  if (f.gridId) q = q.where('grid_id', '=', f.gridId);
  if (f.unassigned) q = q.where('grid_id', 'is', null);
  if (f.q) {
    const like = '%' + f.q.replace(/[\\%_]/g, (c) => '\\' + c) + '%';
    q = q.where((eb) => eb.or([eb('external_no', 'like', like), eb('content', 'like', like), eb('address', 'like', like)]));
  }
  return q;
}

export const externalRepo = {
  async importById(db: Executor, id: string) {
    return db.selectFrom('external_imports').selectAll().where('id', '=', id).executeTakeFirst();
  },
  async importForUpdate(db: Executor, id: string) {
    return db.selectFrom('external_imports').selectAll().where('id', '=', id).forUpdate().executeTakeFirst();
  },
  async insertImport(db: Executor, row: Insertable<ExternalImportsTable>) {
    await db.insertInto('external_imports').values(row).execute();
  },
  async updateImport(db: Executor, id: string, patch: Partial<Insertable<ExternalImportsTable>>, onlyStatus?: ExternalImportStatus[]) {
    let q = db.updateTable('external_imports').set(patch).where('id', '=', id);
    if (onlyStatus) q = q.where('status', 'in', onlyStatus);
    const r = await q.executeTakeFirst();
    return Number(r.numUpdatedRows);
  },
  async listImports(db: Executor, path: PathFilter, limit: number) {
    return db
      .selectFrom('external_imports')
      .select(['id', 'created_by', 'created_name', 'node_path', 'file_name', 'file_kind', 'default_source', 'status', 'total_rows', 'valid_rows', 'processed', 'inserted', 'updated', 'message', 'created_at', 'started_at', 'finished_at'])
      .where((eb) => under(eb, 'node_path', path))
      .orderBy('created_at', 'desc')
      .limit(limit)
      .execute();
  },
  /** Existing records by (source, number): id and path, to update them or to refuse out-of-scope ones. */
  async existingKeys(db: Executor, keys: Array<{ source: ExternalSource; externalNo: string }>) {
    const out = new Map<string, { id: string; node_path: string }>();
    for (const source of ['12345', 'petition'] as const) {
      const nos = [...new Set(keys.filter((k) => k.source === source).map((k) => k.externalNo))];
      for (let i = 0; i < nos.length; i += 1000) {
        const rows = await db.selectFrom('external_records').select(['id', 'node_path', 'external_no']).where('source', '=', source).where('external_no', 'in', nos.slice(i, i + 1000)).execute();
        for (const r of rows) out.set(`${source}\u0000${r.external_no}`, { id: r.id, node_path: r.node_path });
      }
    }
    return out;
  },
  /** Inserts new records and updates existing ones (same source and number); returns how many were new. */
  async upsertRecords(db: Executor, rows: Array<Insertable<ExternalRecordsTable>>): Promise<{ inserted: number; updated: number }> {
    let inserted = 0;
    for (let i = 0; i < rows.length; i += 250) {
      const chunk = rows.slice(i, i + 250);
      const r = await db
        .insertInto('external_records')
        .values(chunk)
        .onConflict((oc) =>
          oc.columns(['source', 'external_no']).doUpdateSet((eb) => ({
            received_at: eb.ref('excluded.received_at'),
            content: eb.ref('excluded.content'),
            address: eb.ref('excluded.address'),
            reporter_phone_enc: eb.ref('excluded.reporter_phone_enc'),
            reporter_phone_hash: eb.ref('excluded.reporter_phone_hash'),
            category_code: eb.ref('excluded.category_code'),
            category_raw: eb.ref('excluded.category_raw'),
            category_by: eb.ref('excluded.category_by'),
            category_confidence: eb.ref('excluded.category_confidence'),
            lng: eb.ref('excluded.lng'),
            lat: eb.ref('excluded.lat'),
            grid_id: eb.ref('excluded.grid_id'),
            node_path: eb.ref('excluded.node_path'),
            located_by: eb.ref('excluded.located_by'),
            department_name: eb.ref('excluded.department_name'),
            department_id: eb.ref('excluded.department_id'),
            status: eb.ref('excluded.status'),
            closed_at: eb.ref('excluded.closed_at'),
            satisfaction: eb.ref('excluded.satisfaction'),
            satisfied: eb.ref('excluded.satisfied'),
            import_id: eb.ref('excluded.import_id'),
            updated_at: eb.ref('excluded.updated_at'),
          })),
        )
        // xmax = 0 only on a freshly inserted row version
        .returning(sql<boolean>`(xmax = 0)`.as('fresh'))
        .execute();
      inserted += r.filter((x) => x.fresh).length;
    }
    return { inserted, updated: rows.length - inserted };
  },
  async listRecords(db: Executor, f: RecordFilter, limit: number, offset: number) {
    const q = filtered(db, f);
    const [rows, n] = await Promise.all([
      q.selectAll().orderBy('received_at', 'desc').orderBy('id').limit(limit).offset(offset).execute(),
      q.select((eb) => eb.fn.countAll<string>().as('n')).executeTakeFirstOrThrow(),
    ]);
    return { rows, total: Number(n.n) };
  },
  async recordById(db: Executor, id: string) {
    return db.selectFrom('external_records').selectAll().where('id', '=', id).executeTakeFirst();
  },
  async countBy(db: Executor, f: RecordFilter, by: 'category_code' | 'grid_id' | 'source') {
    const rows = await filtered(db, f)
      .select([sql<string | null>`${sql.ref(by)}::text`.as('k'), (eb) => eb.fn.countAll<string>().as('n'), sql<string>`count(*) FILTER (WHERE satisfied IS TRUE)`.as('satisfied'), sql<string>`count(*) FILTER (WHERE satisfied IS NOT NULL)`.as('rated')])
      .groupBy(sql.ref(by))
      .orderBy(sql`count(*)`, 'desc')
      .execute();
    return rows.map((r) => ({ key: r.k, n: Number(r.n), satisfied: Number(r.satisfied), rated: Number(r.rated) }));
  },
  /** Addresses or callers (phone blind index) that appear at least `min` times. */
  async repeats(db: Executor, f: RecordFilter, by: 'address' | 'reporter_phone_hash', min: number, limit: number) {
    const rows = await filtered(db, f)
      .where(sql.ref(by), 'is not', null)
      .select([sql<string>`${sql.ref(by)}`.as('k'), (eb) => eb.fn.countAll<string>().as('n'), sql<string>`max(reporter_phone_enc)`.as('phone_enc'), sql<Date>`max(received_at)`.as('last_at')])
      .groupBy(sql.ref(by))
      .having(sql`count(*)`, '>=', min)
      .orderBy(sql`count(*)`, 'desc')
      .limit(limit)
      .execute();
    return rows.map((r) => ({ key: r.k, n: Number(r.n), phoneEnc: r.phone_enc, lastAt: r.last_at }));
  },
};
