import type { Insertable, Selectable } from 'kysely';
import type { Executor } from '../../platform/db/database.js';
import type { Json, Timestamp } from '../../platform/db/schema.js';

export interface ConsentsTable {
  id: string;
  resident_id: string;
  purpose: string;
  granted: boolean;
  at: Timestamp;
  recorded_by: string | null;
  channel: 'self' | 'staff';
  note: string | null;
}

export interface DeletionRequestsTable {
  id: string;
  resident_id: string;
  requested_by: string | null;
  requested_at: Timestamp;
  note: string | null;
  state: 'pending' | 'deferred' | 'completed';
  exceptions: Json<Array<{ kind: string; message: string; refs: string[] }>>;
  decided_by: string | null;
  decided_at: Timestamp | null;
}

declare module '../../platform/db/schema.js' {
  interface DB {
    consents: ConsentsTable;
    deletion_requests: DeletionRequestsTable;
  }
}

export type DeletionRequestRow = Selectable<DeletionRequestsTable>;

export const privacyRepo = {
  async consents(db: Executor, residentId: string) {
    return db.selectFrom('consents').selectAll().where('resident_id', '=', residentId).orderBy('at').execute();
  },
  async addConsent(db: Executor, row: Insertable<ConsentsTable>) {
    await db.insertInto('consents').values(row).execute();
  },
  async accessLogAbout(db: Executor, residentId: string) {
    return db.selectFrom('data_access_log').select(['at', 'actor_name', 'fields', 'reason']).where('entity', '=', 'resident').where('entity_id', '=', residentId).orderBy('at').execute();
  },
  async openRequest(db: Executor, residentId: string): Promise<DeletionRequestRow | undefined> {
    return db.selectFrom('deletion_requests').selectAll().where('resident_id', '=', residentId).where('state', 'in', ['pending', 'deferred']).executeTakeFirst();
  },
  async requestById(db: Executor, id: string): Promise<DeletionRequestRow | undefined> {
    return db.selectFrom('deletion_requests').selectAll().where('id', '=', id).forUpdate().executeTakeFirst();
  },
  async insertRequest(db: Executor, row: Insertable<DeletionRequestsTable>) {
    await db.insertInto('deletion_requests').values(row).execute();
  },
  async updateRequest(db: Executor, id: string, patch: Partial<Pick<DeletionRequestRow, 'state' | 'decided_by' | 'decided_at'>> & { exceptions?: string }) {
    await db.updateTable('deletion_requests').set(patch).where('id', '=', id).execute();
  },
  async listRequests(db: Executor, residentIds: string[] | 'all') {
    let q = db.selectFrom('deletion_requests').selectAll().orderBy('requested_at', 'desc').limit(500);
    if (residentIds !== 'all') q = q.where('resident_id', 'in', residentIds.length ? residentIds : ['00000000-0000-0000-0000-000000000000']);
    return q.execute();
  },
  /** Clears a resident's personal fields, keeping the row (other records refer to it). */
  async anonymiseResident(db: Executor, residentId: string, at: Date) {
    await db
      .updateTable('residents')
      .set({ name: '已注销居民', gender: null, birth_date: null, id_card_enc: null, id_card_hash: null, phone_enc: null, phone_hash: null, address_enc: null, relation: null, tags: [], status: 'moved_out', updated_at: at })
      .where('id', '=', residentId)
      .execute();
  },
  async disableAccountsOf(db: Executor, residentId: string, at: Date): Promise<string[]> {
    const users = await db.selectFrom('users').select('id').where('resident_id', '=', residentId).execute();
    const ids = users.map((u) => u.id);
    if (ids.length) {
      await db.updateTable('users').set({ status: 'disabled', phone_enc: null, phone_hash: null, display_name: '已注销用户', updated_at: at }).where('id', 'in', ids).execute();
      await db.deleteFrom('sessions').where('user_id', 'in', ids).execute();
    }
    return ids;
  },
};
