import type { Selectable } from 'kysely';
import type { AppContext } from '../context.js';
import { withTx } from '../context.js';
import type { Executor, Tx } from '../db/database.js';
import type { Json, Timestamp, DefaultTimestamp } from '../db/schema.js';
import type { Actor } from '../auth/actor.js';
import { requirePermission } from '../auth/permissions.js';
import { audit } from '../audit/audit.js';
import { conflict, invalid, notFound } from '../errors.js';
import { newId } from '../ids.js';
import { driverByName, type OutboundMessage } from './drivers.js';
import { cachedRef, dropRef, REF_TTL_MS } from '../refcache.js';

export interface NotificationsTable {
  id: string;
  user_id: string;
  kind: string;
  title: string;
  body: string;
  link: string | null;
  data: Json<Record<string, unknown>>;
  created_at: Timestamp;
  read_at: Timestamp | null;
}
export interface NotifyChannelsTable {
  id: string;
  name: string;
  driver: string;
  config: Json<Record<string, unknown>>;
  kinds: string[];
  enabled: boolean;
  created_at: DefaultTimestamp;
  updated_at: DefaultTimestamp;
}
declare module '../db/schema.js' {
  interface DB {
    notifications: NotificationsTable;
    notify_channels: NotifyChannelsTable;
  }
}

export const DELIVER_JOB = 'notify.deliver';

export interface NotificationInput {
  kind: string;
  title: string;
  body?: string;
  link?: string | null;
  data?: Record<string, unknown>;
}

export interface NotificationView {
  id: string;
  kind: string;
  title: string;
  body: string;
  link: string | null;
  data: Record<string, unknown>;
  createdAt: string;
  read: boolean;
}

const view = (n: Selectable<NotificationsTable>): NotificationView => ({
  id: n.id,
  kind: n.kind,
  title: n.title,
  body: n.body,
  link: n.link,
  data: (n.data ?? {}) as Record<string, unknown>,
  createdAt: new Date(n.created_at).toISOString(),
  read: n.read_at !== null,
});

/**
 * Puts a message in each user's inbox, inside the caller's transaction, and enqueues one delivery
 * job per enabled external channel that takes this kind. Returns the notification ids.
 */
export async function notifyUsers(ctx: AppContext, trx: Tx, userIds: Iterable<string>, msg: NotificationInput): Promise<string[]> {
  const w = await notificationWrites(ctx, trx, userIds, msg);
  for (const q of w.writes) await q.execute();
  return w.ids;
}

/**
 * notifyUsers' INSERTs (the inbox rows, the delivery jobs), not yet sent: for a caller that sends its
 * writes as one statement (db/statement.ts).
 */
export async function notificationWrites(ctx: AppContext, db: Executor, userIds: Iterable<string>, msg: NotificationInput) {
  const ids = [...new Set(userIds)].filter(Boolean);
  if (ids.length === 0) return { ids: [], writes: [] };
  const now = ctx.clock.now();
  const rows = ids.map((user_id) => ({ id: newId(), user_id, kind: msg.kind, title: msg.title, body: msg.body ?? '', link: msg.link ?? null, data: JSON.stringify(msg.data ?? {}), created_at: now, read_at: null }));
  // reference data: cached briefly, dropped by upsertChannel here (platform/refcache); read through the
  // caller's executor, which may be a transaction holding PGlite's one connection
  const channels = await cachedRef(ctx, 'notify.channels', () => db.selectFrom('notify_channels').select(['id', 'kinds']).where('enabled', '=', true).execute(), REF_TTL_MS, {
    joinPending: !db.isTransaction,
  });
  const takers = channels.filter((ch) => !ch.kinds.length || ch.kinds.includes(msg.kind));
  const deliveries = ctx.jobs.enqueueManyWrite(
    db,
    takers.flatMap((ch) => rows.map((r) => ({ kind: DELIVER_JOB, payload: { notificationId: r.id, channelId: ch.id }, opts: { uniqueKey: `notify:${r.id}:${ch.id}` } }))),
  );
  const inbox = db.insertInto('notifications').values(rows);
  return { ids: rows.map((r) => r.id), writes: deliveries ? [inbox, deliveries] : [inbox] };
}

/** The delivery job: loads the message and the channel, and hands them to the driver. */
export function deliveryJob(ctx: AppContext) {
  return async (trx: Tx, payload: { notificationId: string; channelId: string }) => {
    const n = await trx.selectFrom('notifications').selectAll().where('id', '=', payload.notificationId).executeTakeFirst();
    const ch = await trx.selectFrom('notify_channels').selectAll().where('id', '=', payload.channelId).executeTakeFirst();
    if (!n || !ch || !ch.enabled) return;
    const driver = driverByName(ch.driver);
    if (!driver) throw new Error(`no driver ${ch.driver}`);
    const user = await trx.selectFrom('users').select('username').where('id', '=', n.user_id).executeTakeFirst();
    const msg: OutboundMessage = {
      id: n.id,
      userId: n.user_id,
      username: user?.username ?? null,
      kind: n.kind,
      title: n.title,
      body: n.body,
      link: n.link,
      data: (n.data ?? {}) as Record<string, unknown>,
      createdAt: new Date(n.created_at).toISOString(),
    };
    await driver.send(msg, (ch.config ?? {}) as Record<string, unknown>, { log: ctx.log });
  };
}

export interface ChannelRef {
  id: string;
  name: string;
  driver: string;
}

/** The enabled external channels that take messages of this kind (for messages to addresses, `sendToAddress`). */
export async function channelsForKind(db: Executor, kind: string): Promise<ChannelRef[]> {
  const rows = await db.selectFrom('notify_channels').select(['id', 'name', 'driver', 'kinds']).where('enabled', '=', true).orderBy('name').execute();
  return rows.filter((c) => !c.kinds.length || c.kinds.includes(kind)).map((c) => ({ id: c.id, name: c.name, driver: c.driver }));
}

/**
 * Sends one message addressed by `msg.to` (someone without an account) through one channel, now.
 * Meant to be called from the caller's own durable job (a throw has the job retried). Returns false
 * when the channel no longer exists or is disabled (nothing sent).
 */
export async function sendToAddress(ctx: AppContext, db: Executor, channelId: string, msg: Omit<OutboundMessage, 'userId' | 'username'> & { to: NonNullable<OutboundMessage['to']> }): Promise<boolean> {
  const ch = await db.selectFrom('notify_channels').selectAll().where('id', '=', channelId).executeTakeFirst();
  if (!ch || !ch.enabled) return false;
  const driver = driverByName(ch.driver);
  if (!driver) throw new Error(`no driver ${ch.driver}`);
  await driver.send({ ...msg, userId: '', username: null }, (ch.config ?? {}) as Record<string, unknown>, { log: ctx.log });
  return true;
}

export async function listInbox(ctx: AppContext, actor: Actor, f: { unread?: boolean; page: number; pageSize: number }): Promise<{ items: NotificationView[]; total: number; unread: number; page: number; pageSize: number }> {
  if (!actor.userId) return { items: [], total: 0, unread: 0, page: f.page, pageSize: f.pageSize };
  let q = ctx.db.selectFrom('notifications').where('user_id', '=', actor.userId);
  if (f.unread) q = q.where('read_at', 'is', null);
  const rows = await q.selectAll().orderBy('created_at', 'desc').orderBy('id', 'desc').limit(f.pageSize).offset((f.page - 1) * f.pageSize).execute();
  const total = await q.select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow();
  const unread = await ctx.db.selectFrom('notifications').select((eb) => eb.fn.countAll<number>().as('n')).where('user_id', '=', actor.userId).where('read_at', 'is', null).executeTakeFirstOrThrow();
  return { items: rows.map(view), total: Number(total.n), unread: Number(unread.n), page: f.page, pageSize: f.pageSize };
}

/** Marking one's own message read is not a business write; it is not audited. */
export async function markRead(ctx: AppContext, actor: Actor, id: string | 'all'): Promise<{ updated: number }> {
  if (!actor.userId) return { updated: 0 };
  let q = ctx.db.updateTable('notifications').set({ read_at: ctx.clock.now() }).where('user_id', '=', actor.userId).where('read_at', 'is', null);
  if (id !== 'all') {
    const own = await ctx.db.selectFrom('notifications').select('id').where('id', '=', id).where('user_id', '=', actor.userId).executeTakeFirst();
    if (!own) throw notFound('消息不存在');
    q = q.where('id', '=', id);
  }
  const r = await q.executeTakeFirst();
  return { updated: Number(r.numUpdatedRows) };
}

export interface ChannelView {
  id: string;
  name: string;
  driver: string;
  config: Record<string, unknown>;
  kinds: string[];
  enabled: boolean;
}
const channelView = (c: Selectable<NotifyChannelsTable>): ChannelView => {
  const config = { ...((c.config ?? {}) as Record<string, unknown>) };
  if (typeof config.secret === 'string') config.secret = '******';
  return { id: c.id, name: c.name, driver: c.driver, config, kinds: c.kinds, enabled: c.enabled };
};

export async function listChannels(ctx: AppContext, actor: Actor): Promise<ChannelView[]> {
  requirePermission(actor, 'notify.channels');
  return (await ctx.db.selectFrom('notify_channels').selectAll().orderBy('name').execute()).map(channelView);
}

export async function upsertChannel(ctx: AppContext, actor: Actor, input: { name: string; driver: string; config: Record<string, unknown>; kinds?: string[]; enabled?: boolean }, db?: Executor): Promise<ChannelView> {
  requirePermission(actor, 'notify.channels');
  const driver = driverByName(input.driver);
  if (!driver) throw invalid(`没有名为 ${input.driver} 的通知渠道驱动`, [{ field: 'driver', message: '未知驱动' }]);
  const problem = driver.validate(input.config ?? {});
  if (problem) throw invalid(`渠道设置有误：${problem}`, [{ field: 'config', message: problem }]);
  const run = async (trx: Tx) => {
    const before = await trx.selectFrom('notify_channels').selectAll().where('name', '=', input.name).executeTakeFirst();
    if (before && before.driver !== input.driver) throw conflict('同名渠道已使用其他驱动');
    const now = ctx.clock.now();
    const row = { name: input.name, driver: input.driver, config: JSON.stringify(input.config ?? {}), kinds: input.kinds ?? [], enabled: input.enabled ?? true, updated_at: now };
    if (before) await trx.updateTable('notify_channels').set(row).where('id', '=', before.id).execute();
    else await trx.insertInto('notify_channels').values({ ...row, id: newId(), created_at: now }).execute();
    const after = (await trx.selectFrom('notify_channels').selectAll().where('name', '=', input.name).executeTakeFirstOrThrow());
    await audit(trx, ctx.clock, actor, { action: before ? 'notify.channel.update' : 'notify.channel.create', entity: 'notify_channel', entityId: after.id, before: before ? channelView(before) : undefined, after: channelView(after) });
    return channelView(after);
  };
  const view = await (db ? run(db as Tx) : withTx(ctx, run));
  dropRef(ctx, 'notify.channels');
  return view;
}
