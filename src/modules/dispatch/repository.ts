import { sql, type Selectable } from 'kysely';
import type { Executor } from '../../platform/db/database.js';
import type { DefaultTimestamp, Json, Timestamp } from '../../platform/db/schema.js';

export const RULE_KINDS = ['estate_property', 'service_area', 'cover_type'] as const;
export type RuleKind = (typeof RULE_KINDS)[number];

export interface DispatchRulesTable {
  id: string;
  name: string;
  kind: RuleKind;
  priority: number;
  category_codes: string[];
  category_groups: string[];
  params: Json<Record<string, unknown>>;
  active: boolean;
  created_at: DefaultTimestamp;
  updated_at: DefaultTimestamp;
}

export interface DispatchCorrectionsTable {
  id: string;
  case_id: string | null;
  text: string;
  predicted_code: string | null;
  corrected_code: string;
  actor_id: string | null;
  actor_name: string | null;
  created_at: Timestamp;
}

declare module '../../platform/db/schema.js' {
  interface DB {
    dispatch_rules: DispatchRulesTable;
    dispatch_corrections: DispatchCorrectionsTable;
  }
}

export type RuleRow = Selectable<DispatchRulesTable>;
export type CorrectionRow = Selectable<DispatchCorrectionsTable>;

export const dispatchRepo = {
  async rules(db: Executor, activeOnly = false): Promise<RuleRow[]> {
    let q = db.selectFrom('dispatch_rules').selectAll();
    if (activeOnly) q = q.where('active', '=', true);
    return q.orderBy('priority').orderBy('created_at').execute();
  },
  async ruleById(db: Executor, id: string): Promise<RuleRow | undefined> {
    return db.selectFrom('dispatch_rules').selectAll().where('id', '=', id).executeTakeFirst();
  },
  async insertRule(db: Executor, r: Omit<RuleRow, 'params'> & { params: Record<string, unknown> }): Promise<void> {
    await db
      .insertInto('dispatch_rules')
      .values({ ...r, params: JSON.stringify(r.params) })
      .execute();
  },
  async updateRule(db: Executor, id: string, patch: Partial<Omit<RuleRow, 'id' | 'created_at' | 'params'>> & { params?: Record<string, unknown> }): Promise<void> {
    const { params, ...rest } = patch;
    await db
      .updateTable('dispatch_rules')
      .set({ ...rest, ...(params !== undefined ? { params: JSON.stringify(params) } : {}) })
      .where('id', '=', id)
      .execute();
  },
  async deleteRule(db: Executor, id: string): Promise<void> {
    await db.deleteFrom('dispatch_rules').where('id', '=', id).execute();
  },

  async insertCorrection(db: Executor, c: CorrectionRow): Promise<void> {
    await db.insertInto('dispatch_corrections').values(c).execute();
  },
  async corrections(db: Executor, opts: { limit?: number; offset?: number } = {}): Promise<CorrectionRow[]> {
    let q = db.selectFrom('dispatch_corrections').selectAll().orderBy('created_at', 'desc').orderBy('id', 'desc');
    if (opts.limit !== undefined) q = q.limit(opts.limit).offset(opts.offset ?? 0);
    return q.execute();
  },
  async correctionCount(db: Executor): Promise<number> {
    const r = await db.selectFrom('dispatch_corrections').select(sql<string>`count(*)`.as('n')).executeTakeFirstOrThrow();
    return Number(r.n);
  },
  /** (predicted, corrected) pairs with their counts */
  async correctionPairs(db: Executor): Promise<Array<{ predicted: string | null; corrected: string; count: number }>> {
    const rows = await db
      .selectFrom('dispatch_corrections')
      .select(['predicted_code', 'corrected_code', sql<string>`count(*)`.as('n')])
      .groupBy(['predicted_code', 'corrected_code'])
      .execute();
    return rows.map((r) => ({ predicted: r.predicted_code, corrected: r.corrected_code, count: Number(r.n) }));
  },
  /** Whether the corrections table exists (the training script may meet an older database). */
  async hasCorrectionsTable(db: Executor): Promise<boolean> {
    const r = await sql<{ t: string | null }>`SELECT to_regclass('dispatch_corrections')::text AS t`.execute(db);
    return !!r.rows[0]?.t;
  },
};
