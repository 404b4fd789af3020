import { sql, type Insertable, type Selectable } from 'kysely';
import type { Executor } from '../db/database.js';
import type { Json, Timestamp } from '../db/schema.js';

export interface OutboxTable {
  id: import('kysely').Generated<string>;
  event_id: string;
  topic: string;
  aggregate_type: string;
  aggregate_id: string;
  payload: Json<Record<string, unknown>>;
  occurred_at: Timestamp;
  relayed_at: Timestamp | null;
}

export interface WebhookSubscribersTable {
  id: string;
  name: string;
  url: string;
  events: string[];
  secret_enc: string;
  active: boolean;
  created_by: string | null;
  created_at: Timestamp;
  updated_at: Timestamp;
}

export type DeliveryState = 'pending' | 'delivered' | 'failed';

export interface WebhookDeliveriesTable {
  id: string;
  subscriber_id: string;
  outbox_id: string;
  event_type: string;
  body: string;
  state: DeliveryState;
  attempts: number;
  next_at: Timestamp | null;
  last_status: number | null;
  last_error: string | null;
  delivered_at: Timestamp | null;
  replays: number;
  created_at: Timestamp;
}

export interface WebhookAttemptsTable {
  id: string;
  delivery_id: string;
  at: Timestamp;
  status: number | null;
  error: string | null;
  ok: boolean;
}

declare module '../db/schema.js' {
  interface DB {
    outbox: OutboxTable;
    webhook_subscribers: WebhookSubscribersTable;
    webhook_deliveries: WebhookDeliveriesTable;
    webhook_attempts: WebhookAttemptsTable;
  }
}

export type OutboxRow = Selectable<OutboxTable>;
export type SubscriberRow = Selectable<WebhookSubscribersTable>;
export type DeliveryRow = Selectable<WebhookDeliveriesTable>;
export type AttemptRow = Selectable<WebhookAttemptsTable>;

export const outboxRepo = {
  /** Claims unrelayed rows in commit-independent order; SKIP LOCKED lets several relays share the table. */
  async claimPending(db: Executor, limit: number): Promise<OutboxRow[]> {
    return db.selectFrom('outbox').selectAll().where('relayed_at', 'is', null).orderBy('id').limit(limit).forUpdate().skipLocked().execute();
  },
  async markRelayed(db: Executor, ids: string[], at: Date): Promise<void> {
    if (ids.length) await db.updateTable('outbox').set({ relayed_at: at }).where('id', 'in', ids).execute();
  },
  async byAggregate(db: Executor, aggregateId: string): Promise<OutboxRow[]> {
    return db.selectFrom('outbox').selectAll().where('aggregate_id', '=', aggregateId).orderBy('id').execute();
  },
  async count(db: Executor): Promise<number> {
    const r = await sql<{ n: string }>`SELECT count(*)::text AS n FROM outbox`.execute(db);
    return Number(r.rows[0]!.n);
  },
  async activeSubscribers(db: Executor): Promise<SubscriberRow[]> {
    return db.selectFrom('webhook_subscribers').selectAll().where('active', '=', true).execute();
  },
  async subscribers(db: Executor): Promise<SubscriberRow[]> {
    return db.selectFrom('webhook_subscribers').selectAll().orderBy('created_at').execute();
  },
  async subscriber(db: Executor, id: string): Promise<SubscriberRow | undefined> {
    return db.selectFrom('webhook_subscribers').selectAll().where('id', '=', id).executeTakeFirst();
  },
  async insertSubscriber(db: Executor, row: Insertable<WebhookSubscribersTable>): Promise<void> {
    await db.insertInto('webhook_subscribers').values(row).execute();
  },
  async updateSubscriber(db: Executor, id: string, patch: Partial<Insertable<WebhookSubscribersTable>>): Promise<void> {
    await db.updateTable('webhook_subscribers').set(patch).where('id', '=', id).execute();
  },
  /** Returns whether the delivery was new (a second fan-out of the same event is a no-op). */
  async insertDelivery(db: Executor, row: Insertable<WebhookDeliveriesTable>): Promise<boolean> {
    const r = await db.insertInto('webhook_deliveries').values(row).onConflict((oc) => oc.columns(['subscriber_id', 'outbox_id']).doNothing()).returning('id').executeTakeFirst();
    return !!r;
  },
  async delivery(db: Executor, id: string, forUpdate = false): Promise<DeliveryRow | undefined> {
    let q = db.selectFrom('webhook_deliveries').selectAll().where('id', '=', id);
    if (forUpdate) q = q.forUpdate();
    return q.executeTakeFirst();
  },
  async updateDelivery(db: Executor, id: string, patch: Partial<Insertable<WebhookDeliveriesTable>>): Promise<void> {
    await db.updateTable('webhook_deliveries').set(patch).where('id', '=', id).execute();
  },
  async deliveries(db: Executor, f: { subscriberId?: string; state?: DeliveryState; limit: number; offset: number }): Promise<{ rows: DeliveryRow[]; total: number }> {
    let q = db.selectFrom('webhook_deliveries');
    if (f.subscriberId) q = q.where('subscriber_id', '=', f.subscriberId);
    if (f.state) q = q.where('state', '=', f.state);
    const rows = await q.selectAll().orderBy('created_at', 'desc').orderBy('id', 'desc').limit(f.limit).offset(f.offset).execute();
    const total = await q.select((eb) => eb.fn.countAll<string>().as('n')).executeTakeFirst();
    return { rows, total: Number(total?.n ?? 0) };
  },
  /** Pending deliveries whose claim lease ended before `before` (their sender never recorded a result). */
  async staleClaims(db: Executor, before: Date, limit = 100): Promise<DeliveryRow[]> {
    return db.selectFrom('webhook_deliveries').selectAll().where('state', '=', 'pending').where('next_at', '<', before).orderBy('next_at').limit(limit).forUpdate().skipLocked().execute();
  },
  async addAttempt(db: Executor, row: Insertable<WebhookAttemptsTable>): Promise<void> {
    await db.insertInto('webhook_attempts').values(row).execute();
  },
  async attempts(db: Executor, deliveryId: string): Promise<AttemptRow[]> {
    return db.selectFrom('webhook_attempts').selectAll().where('delivery_id', '=', deliveryId).orderBy('at').orderBy('id').execute();
  },
};
