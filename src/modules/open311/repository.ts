import type { Insertable, Selectable } from 'kysely';
import type { Executor } from '../../platform/db/database.js';
import type { Json, Timestamp } from '../../platform/db/schema.js';

export interface Open311TokensTable {
  token: string;
  case_id: string;
  created_at: Timestamp;
}

export interface ExchangeLinksTable {
  system: string;
  external_id: string;
  kind: 'case_in' | 'case_out' | 'decision';
  case_id: string;
  result: Json<Record<string, unknown>>;
  created_at: Timestamp;
}

declare module '../../platform/db/schema.js' {
  interface DB {
    open311_tokens: Open311TokensTable;
    exchange_links: ExchangeLinksTable;
  }
}

export type ExchangeLinkRow = Selectable<ExchangeLinksTable>;

export const open311Repo = {
  async insertToken(db: Executor, row: Insertable<Open311TokensTable>): Promise<void> {
    await db.insertInto('open311_tokens').values(row).execute();
  },
  async token(db: Executor, token: string) {
    return db.selectFrom('open311_tokens').selectAll().where('token', '=', token).executeTakeFirst();
  },
  async link(db: Executor, system: string, externalId: string): Promise<ExchangeLinkRow | undefined> {
    return db.selectFrom('exchange_links').selectAll().where('system', '=', system).where('external_id', '=', externalId).executeTakeFirst();
  },
  async linksOfCase(db: Executor, caseId: string): Promise<ExchangeLinkRow[]> {
    return db.selectFrom('exchange_links').selectAll().where('case_id', '=', caseId).execute();
  },
  /** Returns false when the external id was already recorded (a concurrent import won). */
  async insertLink(db: Executor, row: Insertable<ExchangeLinksTable>): Promise<boolean> {
    const r = await db.insertInto('exchange_links').values(row).onConflict((oc) => oc.columns(['system', 'external_id']).doNothing()).returning('external_id').executeTakeFirst();
    return !!r;
  },
};
