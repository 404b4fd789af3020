import { createHmac, timingSafeEqual } from 'node:crypto';
import type { AppContext } from '../context.js';
import { withTx } from '../context.js';
import type { Executor, Tx } from '../db/database.js';
import type { Actor } from '../auth/actor.js';
import { audit } from '../audit/audit.js';
import { invalid, notFound } from '../errors.js';
import { newId } from '../ids.js';
import { outboxRepo, type DeliveryRow, type DeliveryState, type OutboxRow, type SubscriberRow } from './repository.js';

export const RELAY_JOB = 'outbox.relay';
export const DELIVER_JOB = 'webhook.deliver';
export const RELAY_INTERVAL_MS = 5_000;
export const MAX_ATTEMPTS = 8;
export const SIGNATURE_HEADER = 'x-onegrid-signature';

/** The webhook event types subscribers may choose, and the case timeline actions that raise them. */
export const WEBHOOK_EVENTS = ['case.created', 'case.dispatched', 'case.resolved', 'case.closed', 'case.reopened'] as const;
export type WebhookEvent = (typeof WEBHOOK_EVENTS)[number];
export const WEBHOOK_EVENT_NAMES: Record<WebhookEvent, string> = {
  'case.created': '案卷创建',
  'case.dispatched': '案卷派遣',
  'case.resolved': '处置完成',
  'case.closed': '案卷结案',
  'case.reopened': '案卷重新办理',
};

/** Maps an outbox row (a case timeline event) to the webhook event it raises, if any. */
export function webhookEventOf(row: Pick<OutboxRow, 'topic' | 'payload'>): WebhookEvent | null {
  const p = row.payload as { action?: string; toState?: string | null };
  if (row.topic === 'case.reported') return 'case.created';
  if (row.topic === 'case.dispatched') return 'case.dispatched';
  if (row.topic === 'case.resolved') return 'case.resolved';
  if (row.topic === 'case.reopened') return 'case.reopened';
  // a case ends as closed, rejected (not accepted) or merged (a duplicate): all of them close it
  if (p.toState === 'closed' || p.toState === 'rejected' || p.toState === 'merged') return 'case.closed';
  return null;
}

/** Backoff before retry n (1-based): 30 s, 1 min, 2 min, ... capped at 1 h. */
export function backoffMs(attempt: number): number {
  return Math.min(3_600_000, 30_000 * 2 ** Math.max(0, attempt - 1));
}

/** `t=<unix seconds>,v1=<hex HMAC-SHA256 of "<t>.<body>">` — the Stripe scheme, so receivers can reject replays by age. */
export function signBody(secret: string, body: string, at: Date): string {
  const t = Math.floor(at.getTime() / 1000);
  const mac = createHmac('sha256', secret).update(`${t}.${body}`).digest('hex');
  return `t=${t},v1=${mac}`;
}

/** Verifies a signature header (what a receiver does); exported for receivers written in TypeScript and for tests. */
export function verifySignature(secret: string, body: string, header: string | undefined): boolean {
  if (!header) return false;
  const parts = Object.fromEntries(header.split(',').map((p) => p.split('=', 2) as [string, string]));
  if (!parts.t || !parts.v1) return false;
  const expected = createHmac('sha256', secret).update(`${parts.t}.${body}`).digest('hex');
  const a = Buffer.from(expected, 'hex');
  const b = Buffer.from(parts.v1, 'hex');
  return a.length === b.length && timingSafeEqual(a, b);
}

// ---------------------------------------------------------------- relay

export type DepartmentCodeOf = (ctx: AppContext, db: Executor, id: string) => Promise<string | null>;
let departmentCodeOf: DepartmentCodeOf = async () => null;
/** The org module tells the relay how to name departments (the platform has no domain words). */
export function setDepartmentCodeResolver(fn: DepartmentCodeOf): void {
  departmentCodeOf = fn;
}

/**
 * Moves committed outbox rows to webhook deliveries, in the caller's transaction: each matching
 * subscriber gets one delivery row (unique per subscriber and event) and one delivery job. Rows of
 * a transaction that rolled back were never visible, so nothing is sent for them.
 */
export async function relayBatch(ctx: AppContext, trx: Tx, limit = 200): Promise<number> {
  const rows = await outboxRepo.claimPending(trx, limit);
  if (!rows.length) return 0;
  const subs = await outboxRepo.activeSubscribers(trx);
  const now = ctx.clock.now();
  for (const row of rows) {
    const type = webhookEventOf(row);
    if (!type) continue;
    const targets = subs.filter((s) => s.events.includes(type) || s.events.includes('*'));
    if (!targets.length) continue;
    const body = JSON.stringify(await webhookBody(ctx, trx, row, type));
    for (const s of targets) {
      const id = newId();
      const fresh = await outboxRepo.insertDelivery(trx, { id, subscriber_id: s.id, outbox_id: row.id, event_type: type, body, state: 'pending', attempts: 0, next_at: now, last_status: null, last_error: null, delivered_at: null, replays: 0, created_at: now });
      if (fresh) await ctx.jobs.enqueue(trx, DELIVER_JOB, { deliveryId: id }, { uniqueKey: `webhook:${id}:r0:0`, maxAttempts: 3 });
    }
  }
  await outboxRepo.markRelayed(
    trx,
    rows.map((r) => r.id),
    now,
  );
  return rows.length;
}

/** Relays everything pending now (tests and the console call this; the periodic job does the same). */
export async function relayOutbox(ctx: AppContext): Promise<number> {
  let total = 0;
  for (;;) {
    const n = await withTx(ctx, (trx) => relayBatch(ctx, trx));
    total += n;
    if (n === 0) return total;
  }
}

async function webhookBody(ctx: AppContext, db: Executor, row: OutboxRow, type: WebhookEvent) {
  const p = row.payload as Record<string, unknown>;
  const deptId = typeof p.departmentId === 'string' ? p.departmentId : null;
  return {
    id: row.event_id,
    type,
    occurredAt: new Date(row.occurred_at).toISOString(),
    data: {
      caseId: p.caseId,
      number: p.number,
      action: p.action,
      fromState: p.fromState ?? null,
      state: p.toState ?? null,
      categoryCode: p.categoryCode ?? null,
      channel: p.channel ?? null,
      departmentCode: deptId ? await departmentCodeOf(ctx, db, deptId) : null,
      note: p.note ?? null,
    },
  };
}

/** Schedules the next periodic relay; the key is the time slot, so several instances schedule one job. */
export async function scheduleRelay(ctx: AppContext, db: Executor, from: Date, opts: { unlessScheduled?: boolean } = {}): Promise<void> {
  const slot = Math.ceil((from.getTime() + 1) / RELAY_INTERVAL_MS) * RELAY_INTERVAL_MS;
  await ctx.jobs.enqueue(db, RELAY_JOB, {}, { runAt: new Date(slot), uniqueKey: `${RELAY_JOB}:${slot}`, ...opts });
}

export function relayJob(ctx: AppContext) {
  return async (trx: Tx): Promise<void> => {
    await relayBatch(ctx, trx, 500);
    await requeueStaleClaims(ctx, trx);
    await scheduleRelay(ctx, trx, ctx.clock.now());
  };
}

// ---------------------------------------------------------------- delivery

/** How long a claimed delivery stays reserved for the worker that claimed it (longer than the POST timeout). */
export const CLAIM_LEASE_MS = 60_000;
export const POST_TIMEOUT_MS = 10_000;

/** A claimed delivery: the worker that holds it may POST it and record the result. */
interface Claim {
  id: string;
  attempts: number;
  replays: number;
  leaseUntil: Date;
  url: string;
  secret: string;
  body: string;
  eventType: string;
}

/** Deliveries being sent right now by this process (POST and recording happen after the job's transaction). */
const inFlight = new Set<Promise<void>>();

/** Resolves when every delivery this process started has been sent and recorded (tests, shutdown). */
export async function settleDeliveries(): Promise<void> {
  while (inFlight.size) await Promise.allSettled([...inFlight]);
}

/**
 * Short transaction 1: claims a due, pending delivery by moving `next_at` to the end of a lease.
 * A delivery whose lease has not ended (another worker is sending it) or that is not due is left
 * alone, so at most one worker POSTs a given attempt.
 */
async function claimDelivery(ctx: AppContext, trx: Tx, deliveryId: string): Promise<Claim | null> {
  const d = await outboxRepo.delivery(trx, deliveryId, true);
  if (!d || d.state !== 'pending') return null;
  const now = ctx.clock.now();
  if (d.next_at && new Date(d.next_at) > now) return null;
  const sub = await outboxRepo.subscriber(trx, d.subscriber_id);
  if (!sub) return null;
  const leaseUntil = new Date(now.getTime() + CLAIM_LEASE_MS);
  await outboxRepo.updateDelivery(trx, d.id, { next_at: leaseUntil });
  return { id: d.id, attempts: d.attempts, replays: d.replays, leaseUntil, url: sub.url, secret: ctx.cipher.decrypt(sub.secret_enc) ?? '', body: d.body, eventType: d.event_type };
}

/** The HTTP POST, outside any transaction. */
async function post(ctx: AppContext, c: Claim): Promise<{ status: number | null; error: string | null }> {
  const event = JSON.parse(c.body) as { id: string };
  let status: number | null = null;
  let error: string | null = null;
  try {
    const res = await fetch(c.url, {
      method: 'POST',
      headers: {
        'content-type': 'application/json; charset=utf-8',
        'user-agent': 'OneGrid-Webhooks/1',
        'x-onegrid-event': c.eventType,
        'x-onegrid-event-id': event.id,
        'x-onegrid-delivery': c.id,
        [SIGNATURE_HEADER]: signBody(c.secret, c.body, ctx.clock.now()),
      },
      body: c.body,
      redirect: 'manual',
      signal: AbortSignal.timeout(POST_TIMEOUT_MS),
    });
    status = res.status;
    await res.arrayBuffer().catch(() => undefined);
    if (status < 200 || status >= 300) error = `HTTP ${status}`;
  } catch (err) {
    error = String((err as Error).message ?? err).slice(0, 500);
  }
  return { status, error };
}

/** Whether the delivery row still carries this claim (committed, not replayed, not taken over after the lease ended). */
const holds = (d: DeliveryRow | undefined, c: Claim): d is DeliveryRow =>
  !!d && d.state === 'pending' && d.attempts === c.attempts && d.replays === c.replays && !!d.next_at && new Date(d.next_at).getTime() === c.leaseUntil.getTime();

/** Short transaction 2: records the attempt and its result, and schedules the retry with backoff. */
async function recordAttempt(ctx: AppContext, c: Claim, r: { status: number | null; error: string | null }): Promise<void> {
  await withTx(ctx, async (trx) => {
    const d = await outboxRepo.delivery(trx, c.id, true);
    if (!holds(d, c)) return;
    const now = ctx.clock.now();
    const attempts = c.attempts + 1;
    const ok = r.error === null;
    await outboxRepo.addAttempt(trx, { id: newId(), delivery_id: c.id, at: now, status: r.status, error: r.error, ok });
    if (ok) {
      await outboxRepo.updateDelivery(trx, c.id, { state: 'delivered', attempts, last_status: r.status, last_error: null, delivered_at: now, next_at: null });
      return;
    }
    if (attempts >= MAX_ATTEMPTS) {
      await outboxRepo.updateDelivery(trx, c.id, { state: 'failed', attempts, last_status: r.status, last_error: r.error, next_at: null });
      return;
    }
    const next = new Date(now.getTime() + backoffMs(attempts));
    await outboxRepo.updateDelivery(trx, c.id, { attempts, last_status: r.status, last_error: r.error, next_at: next });
    await ctx.jobs.enqueue(trx, DELIVER_JOB, { deliveryId: c.id }, { runAt: next, uniqueKey: `webhook:${c.id}:r${c.replays}:${attempts}`, maxAttempts: 3 });
  });
}

/** Sends a claimed delivery once its claim is committed: POST outside any transaction, then record the result. */
async function send(ctx: AppContext, c: Claim): Promise<void> {
  // Wait for the claim to be committed (the row lock is held until the claiming transaction ends);
  // a claim that rolled back or was replaced is not sent.
  const committed = await withTx(ctx, async (trx) => holds(await outboxRepo.delivery(trx, c.id, true), c));
  if (!committed) return;
  const result = await post(ctx, c);
  await recordAttempt(ctx, c, result);
}

/**
 * The delivery job. The job queue runs it in a transaction (its lease and SKIP LOCKED give one worker
 * per job); the handler only claims the delivery there, which is short. The POST and the recording of
 * its result run after that transaction, so no transaction or row lock is held while waiting on a
 * receiver. If the process dies between claim and record, the relay re-enqueues the delivery once its
 * lease has ended (see `requeueStaleClaims`).
 */
export function deliverJob(ctx: AppContext) {
  return async (trx: Tx, payload: { deliveryId: string }): Promise<void> => {
    const claim = await claimDelivery(ctx, trx, payload.deliveryId);
    if (!claim) return;
    const p = (async () => {
      // let the job's transaction finish before anything else touches the database
      await new Promise((r) => setImmediate(r));
      await send(ctx, claim);
    })()
      .catch((err) => ctx.log.error({ err, delivery: claim.id }, 'webhook delivery failed'))
      .finally(() => inFlight.delete(p));
    inFlight.add(p);
  };
}

/** Re-enqueues deliveries whose claim lease ended without a recorded result (the sending process died). */
export async function requeueStaleClaims(ctx: AppContext, trx: Tx): Promise<number> {
  const stale = await outboxRepo.staleClaims(trx, new Date(ctx.clock.now().getTime() - CLAIM_LEASE_MS));
  for (const d of stale) {
    await ctx.jobs.enqueue(trx, DELIVER_JOB, { deliveryId: d.id }, { uniqueKey: `webhook:${d.id}:r${d.replays}:${d.attempts}:stale:${new Date(d.next_at!).getTime()}`, maxAttempts: 3 });
  }
  return stale.length;
}

// ---------------------------------------------------------------- console

export interface SubscriberView {
  id: string;
  name: string;
  url: string;
  events: string[];
  active: boolean;
  createdAt: string;
}

const subView = (s: SubscriberRow): SubscriberView => ({ id: s.id, name: s.name, url: s.url, events: s.events, active: s.active, createdAt: new Date(s.created_at).toISOString() });

function checkSubscriber(input: { name?: string; url?: string; events?: string[]; secret?: string }): void {
  const problems: Array<{ field: string; message: string }> = [];
  if (input.name !== undefined && !input.name.trim()) problems.push({ field: 'name', message: '为必填项' });
  if (input.url !== undefined) {
    let u: URL | null = null;
    try {
      u = new URL(input.url);
    } catch {
      u = null;
    }
    if (!u || !['http:', 'https:'].includes(u.protocol)) problems.push({ field: 'url', message: '须为 http(s) 地址' });
  }
  if (input.events !== undefined) {
    if (!input.events.length) problems.push({ field: 'events', message: '至少选择一种事件' });
    for (const e of input.events) if (e !== '*' && !(WEBHOOK_EVENTS as readonly string[]).includes(e)) problems.push({ field: 'events', message: `未知事件 ${e}` });
  }
  if (input.secret !== undefined && input.secret.length < 16) problems.push({ field: 'secret', message: '密钥至少 16 个字符' });
  if (problems.length) throw invalid('提交的数据有误', problems);
}

export async function createSubscriber(ctx: AppContext, actor: Actor, input: { name: string; url: string; events: string[]; secret: string }): Promise<SubscriberView> {
  checkSubscriber(input);
  const now = ctx.clock.now();
  const id = newId();
  await withTx(ctx, async (trx) => {
    await outboxRepo.insertSubscriber(trx, { id, name: input.name.trim(), url: input.url, events: [...new Set(input.events)], secret_enc: ctx.cipher.encrypt(input.secret), active: true, created_by: actor.userId, created_at: now, updated_at: now });
    await audit(trx, ctx.clock, actor, { action: 'webhook.subscriber.create', entity: 'webhook_subscriber', entityId: id, after: { name: input.name, url: input.url, events: input.events } });
  });
  return subView((await outboxRepo.subscriber(ctx.db, id))!);
}

export async function updateSubscriber(ctx: AppContext, actor: Actor, id: string, patch: { name?: string; url?: string; events?: string[]; secret?: string; active?: boolean }): Promise<SubscriberView> {
  checkSubscriber(patch);
  await withTx(ctx, async (trx) => {
    const before = await outboxRepo.subscriber(trx, id);
    if (!before) throw notFound('订阅不存在');
    await outboxRepo.updateSubscriber(trx, id, {
      ...(patch.name !== undefined ? { name: patch.name.trim() } : {}),
      ...(patch.url !== undefined ? { url: patch.url } : {}),
      ...(patch.events !== undefined ? { events: [...new Set(patch.events)] } : {}),
      ...(patch.secret !== undefined ? { secret_enc: ctx.cipher.encrypt(patch.secret) } : {}),
      ...(patch.active !== undefined ? { active: patch.active } : {}),
      updated_at: ctx.clock.now(),
    });
    await audit(trx, ctx.clock, actor, { action: 'webhook.subscriber.update', entity: 'webhook_subscriber', entityId: id, before: subView(before), after: { ...patch, secret: patch.secret ? '***' : undefined } });
  });
  return subView((await outboxRepo.subscriber(ctx.db, id))!);
}

export async function listSubscribers(ctx: AppContext): Promise<SubscriberView[]> {
  return (await outboxRepo.subscribers(ctx.db)).map(subView);
}

export interface DeliveryView {
  id: string;
  subscriberId: string;
  eventType: string;
  eventId: string;
  state: DeliveryState;
  attempts: number;
  nextAt: string | null;
  lastStatus: number | null;
  lastError: string | null;
  deliveredAt: string | null;
  replays: number;
  createdAt: string;
  body: unknown;
}

const iso = (d: Date | string | null) => (d ? new Date(d).toISOString() : null);
function deliveryView(d: DeliveryRow): DeliveryView {
  const body = JSON.parse(d.body) as { id: string };
  return { id: d.id, subscriberId: d.subscriber_id, eventType: d.event_type, eventId: body.id, state: d.state, attempts: d.attempts, nextAt: iso(d.next_at), lastStatus: d.last_status, lastError: d.last_error, deliveredAt: iso(d.delivered_at), replays: d.replays, createdAt: iso(d.created_at)!, body };
}

export async function listDeliveries(ctx: AppContext, f: { subscriberId?: string; state?: DeliveryState; page: number; pageSize: number }) {
  const { rows, total } = await outboxRepo.deliveries(ctx.db, { subscriberId: f.subscriberId, state: f.state, limit: f.pageSize, offset: (f.page - 1) * f.pageSize });
  return { items: rows.map(deliveryView), total, page: f.page, pageSize: f.pageSize };
}

export async function getDelivery(ctx: AppContext, id: string) {
  const d = await outboxRepo.delivery(ctx.db, id);
  if (!d) throw notFound('投递记录不存在');
  const attempts = await outboxRepo.attempts(ctx.db, id);
  return { ...deliveryView(d), log: attempts.map((a) => ({ at: iso(a.at)!, status: a.status, error: a.error, ok: a.ok })) };
}

/** Sends a delivery again (after a receiver fixed its side, or on request): a new series of attempts. */
export async function replayDelivery(ctx: AppContext, actor: Actor, id: string): Promise<DeliveryView> {
  await withTx(ctx, async (trx) => {
    const d = await outboxRepo.delivery(trx, id, true);
    if (!d) throw notFound('投递记录不存在');
    const replays = d.replays + 1;
    const now = ctx.clock.now();
    await outboxRepo.updateDelivery(trx, id, { state: 'pending', attempts: 0, next_at: now, replays });
    await ctx.jobs.enqueue(trx, DELIVER_JOB, { deliveryId: id }, { runAt: now, uniqueKey: `webhook:${id}:r${replays}:0`, maxAttempts: 3 });
    await audit(trx, ctx.clock, actor, { action: 'webhook.delivery.replay', entity: 'webhook_delivery', entityId: id, before: { state: d.state, attempts: d.attempts }, after: { replays } });
  });
  return deliveryView((await outboxRepo.delivery(ctx.db, id))!);
}
