import { sql } from 'kysely';
import type { AppContext } from '../../platform/context.js';
import { withTx } from '../../platform/context.js';
import type { Executor, Tx } from '../../platform/db/database.js';
import type { Actor } from '../../platform/auth/actor.js';
import { systemActor } from '../../platform/auth/actor.js';
import { can, requirePermission } from '../../platform/auth/permissions.js';
import { assertPathInScope, pathWithin, scopeCoversPath, scopeOf } from '../../platform/auth/scope.js';
import { audit, logDataAccess } from '../../platform/audit/audit.js';
import { conflict, forbidden, invalid, notFound } from '../../platform/errors.js';
import { newId } from '../../platform/ids.js';
import { maskPhone } from '../../platform/crypto.js';
import { channelsForKind, notifyUsers, sendToAddress } from '../../platform/notify/index.js';
import { nodeBriefs, residentsMatching } from '../org/index.js';
import { getDevice, iotIdle, type Reading } from '../iot/index.js';
import { belowPlanSql, remindBelowPlan, visitMonth, type VisitMonthView } from './visits.js';
import { careRepo, type AlertKind, type AlertRow, type CarerKind, type PersonRow, type Range, type Thresholds } from './repository.js';

export const CARE_CATEGORIES = ['独居老人', '高龄', '残疾人', '低保', '优抚对象', '重点关注'] as const;
export const METRICS = ['heart_rate', 'bp_systolic', 'bp_diastolic', 'spo2'] as const;
export type Metric = (typeof METRICS)[number];
export const METRIC_NAMES: Record<Metric, string> = { heart_rate: '心率', bp_systolic: '收缩压', bp_diastolic: '舒张压', spo2: '血氧' };
export const ALERT_NAMES: Record<AlertKind, string> = { fall: '疑似跌倒', sos: '紧急呼叫', out_of_range: '体征超出阈值', no_data: '手环长时间无数据', no_movement: '今日无活动' };
export const ESCALATE_JOB = 'care.escalate';
export const CONTACT_SEND_JOB = 'care.contact.send';
export const MONITOR_JOB = 'care.monitor';
export const MONITOR_EVERY_MS = 15 * 60_000;
const MAX_LEVEL = 2;

const iso = (d: Date | string | null | undefined) => (d ? new Date(d).toISOString() : null);

// ---------------------------------------------------------------------------------------------
// Access rules
// ---------------------------------------------------------------------------------------------

/** Staff with care.read in scope, or an assigned carer (grid worker, volunteer, family). */
async function canSeePerson(ctx: AppContext, actor: Actor, p: PersonRow, db: Executor = ctx.db): Promise<boolean> {
  if (can(actor, 'care.read') && scopeCoversPath(actor, p.node_path)) return true;
  return careRepo.isCarer(db, p.id, actor.userId);
}
/** Health readings: only the person's carers and authorised staff (care.health.read) in scope. */
async function canSeeHealth(ctx: AppContext, actor: Actor, p: PersonRow): Promise<boolean> {
  if (can(actor, 'care.health.read') && scopeCoversPath(actor, p.node_path)) return true;
  return careRepo.isCarer(ctx.db, p.id, actor.userId);
}
async function personFor(ctx: AppContext, actor: Actor, id: string): Promise<PersonRow> {
  const p = await careRepo.personById(ctx.db, id);
  if (!p || !(await canSeePerson(ctx, actor, p))) throw notFound('关爱对象不存在或无权查看');
  return p;
}
async function personToManage(ctx: AppContext, actor: Actor, id: string, permission = 'care.write'): Promise<PersonRow> {
  const p = await personFor(ctx, actor, id);
  requirePermission(actor, permission);
  if (!scopeCoversPath(actor, p.node_path)) throw forbidden('超出您的数据权限范围');
  return p;
}

// ---------------------------------------------------------------------------------------------
// Thresholds
// ---------------------------------------------------------------------------------------------

export function ageOf(birthDate: string | null, now: Date): number | null {
  if (!birthDate) return null;
  const local = new Date(now.getTime() + 8 * 3_600_000);
  const [y, m, d] = birthDate.split('-').map(Number) as [number, number, number];
  let a = local.getUTCFullYear() - y;
  if (local.getUTCMonth() + 1 < m || (local.getUTCMonth() + 1 === m && local.getUTCDate() < d)) a--;
  return a;
}

/** Defaults by age (adults under 60, 60–79, 80 and over). */
export function defaultThresholds(age: number | null): Required<{ [K in Metric]: Range }> {
  if (age !== null && age >= 80) return { heart_rate: { min: 50, max: 110 }, bp_systolic: { min: 90, max: 170 }, bp_diastolic: { min: 50, max: 100 }, spo2: { min: 90, max: null } };
  if (age !== null && age < 60) return { heart_rate: { min: 50, max: 130 }, bp_systolic: { min: 90, max: 140 }, bp_diastolic: { min: 60, max: 90 }, spo2: { min: 94, max: null } };
  return { heart_rate: { min: 50, max: 120 }, bp_systolic: { min: 90, max: 160 }, bp_diastolic: { min: 50, max: 100 }, spo2: { min: 92, max: null } };
}

export function effectiveThresholds(age: number | null, own: Thresholds): Record<Metric, { min: number | null; max: number | null; source: 'default' | 'person' }> {
  const def = defaultThresholds(age);
  const out = {} as Record<Metric, { min: number | null; max: number | null; source: 'default' | 'person' }>;
  for (const m of METRICS) {
    const o = own[m];
    const set = o && (o.min != null || o.max != null);
    out[m] = { min: o?.min ?? def[m].min ?? null, max: o?.max ?? def[m].max ?? null, source: set ? 'person' : 'default' };
  }
  return out;
}

/** The health values of a bracelet reading, normalised (blood pressure may come nested). */
export function healthValues(values: Record<string, unknown>): Record<string, number> {
  const out: Record<string, number> = {};
  const num = (v: unknown) => (typeof v === 'number' && Number.isFinite(v) ? v : typeof v === 'boolean' ? (v ? 1 : 0) : null);
  for (const k of ['heart_rate', 'bp_systolic', 'bp_diastolic', 'spo2', 'steps', 'fall', 'sos']) {
    const v = num(values[k]);
    if (v !== null) out[k] = v;
  }
  const bp = values.blood_pressure;
  if (bp && typeof bp === 'object') {
    const s = num((bp as Record<string, unknown>).systolic);
    const d = num((bp as Record<string, unknown>).diastolic);
    if (s !== null) out.bp_systolic = s;
    if (d !== null) out.bp_diastolic = d;
  }
  for (const [k, alias] of [['systolic', 'bp_systolic'], ['diastolic', 'bp_diastolic']] as const) {
    const v = num(values[k]);
    if (v !== null) out[alias] = v;
  }
  return out;
}

export interface Finding {
  kind: AlertKind;
  metric: Metric | null;
  severity: 'critical' | 'major' | 'minor';
  detail: Record<string, unknown>;
}

/** Evaluates one reading against the person's effective thresholds. */
export function evaluateReading(v: Record<string, number>, limits: ReturnType<typeof effectiveThresholds>): Finding[] {
  const out: Finding[] = [];
  if ((v.fall ?? 0) >= 1) out.push({ kind: 'fall', metric: null, severity: 'critical', detail: {} });
  if ((v.sos ?? 0) >= 1) out.push({ kind: 'sos', metric: null, severity: 'critical', detail: {} });
  for (const m of METRICS) {
    const x = v[m];
    if (x === undefined) continue;
    const l = limits[m];
    if ((l.min !== null && x < l.min) || (l.max !== null && x > l.max)) out.push({ kind: 'out_of_range', metric: m, severity: 'major', detail: { value: x, min: l.min, max: l.max } });
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// Alerts: raise, notify, escalate, acknowledge
// ---------------------------------------------------------------------------------------------

async function staffCovering(db: Executor, path: string, roles: string[]): Promise<string[]> {
  const users = await careRepo.usersWithRoles(db, roles);
  if (!users.length) return [];
  const nodes = new Map((await nodeBriefs(db, { ids: [...new Set(users.map((u) => u.node_id!))] })).map((n) => [n.id, n.path]));
  return users.filter((u) => pathWithin(path, nodes.get(u.node_id!) ?? '\u0000')).map((u) => u.id);
}

/** Carers and family with accounts (first line), community duty staff (community_admin) alongside. */
async function recipients(db: Executor, p: PersonRow, level: number): Promise<string[]> {
  const carers = (await careRepo.carersOf(db, p.id)).map((c) => c.user_id);
  const family = (await careRepo.contactsOf(db, p.id)).map((c) => c.user_id).filter((x): x is string => !!x);
  const duty = await staffCovering(db, p.node_path, level === 0 ? ['community_admin'] : level === 1 ? ['community_admin', 'grid_leader'] : ['community_admin', 'grid_leader', 'street_admin']);
  return [...new Set([...carers, ...family, ...duty])];
}

function localDate(d: Date): string {
  return new Date(d.getTime() + 8 * 3_600_000).toISOString().slice(0, 10);
}

/**
 * Raises an alert inside `trx` unless one with the same dedupe key is open; notifies the carers,
 * the family and the community duty staff, and schedules the escalation. Returns the new alert id.
 */
export async function raiseAlert(ctx: AppContext, trx: Tx, p: PersonRow, f: Finding, at: Date): Promise<string | null> {
  const dedupe = f.kind === 'out_of_range' ? `${p.id}:out_of_range:${f.metric}` : f.kind === 'no_movement' ? `${p.id}:no_movement:${localDate(at)}` : `${p.id}:${f.kind}`;
  if (await careRepo.openAlert(trx, dedupe)) return null;
  if (f.kind === 'no_movement' && (await trx.selectFrom('care_alerts').select('id').where('dedupe_key', '=', dedupe).executeTakeFirst())) return null;
  const id = newId();
  const settings = await careRepo.settings(trx);
  await trx
    .insertInto('care_alerts')
    .values({
      id,
      person_id: p.id,
      kind: f.kind,
      metric: f.metric,
      severity: f.severity,
      status: 'open',
      detail_enc: ctx.cipher.encrypt(JSON.stringify(f.detail)),
      dedupe_key: dedupe,
      level: 0,
      raised_at: at,
      acked_at: null,
      acked_by: null,
      acked_by_name: null,
      closed_at: null,
      node_path: p.node_path,
    })
    .execute();
  const what = f.metric ? `${ALERT_NAMES[f.kind]}（${METRIC_NAMES[f.metric as Metric]}）` : ALERT_NAMES[f.kind];
  const title = `【关爱告警】${p.name}：${what}`;
  await notifyUsers(ctx, trx, await recipients(trx, p, 0), {
    kind: 'care.alert',
    title,
    body: `请尽快联系或上门查看，并在系统中确认告警；${settings.escalate_minutes} 分钟内无人确认将逐级上报。`,
    link: `/care/alerts/${id}`,
    data: { alertId: id, personId: p.id, kind: f.kind, metric: f.metric, severity: f.severity },
  });
  await queueContactMessages(ctx, trx, p, id, title, `发生时间：${new Date(at.getTime() + 8 * 3_600_000).toISOString().slice(0, 16).replace('T', ' ')}（北京时间）。请尽快联系老人；社区值班人员已同时收到告警。`);
  await ctx.jobs.enqueue(trx, ESCALATE_JOB, { alertId: id, level: 1 }, { runAt: new Date(at.getTime() + settings.escalate_minutes * 60_000), uniqueKey: `care.escalate:${id}:1` });
  await audit(trx, ctx.clock, systemActor(), { action: 'care.alert.raise', entity: 'care_alert', entityId: id, after: { person: p.id, kind: f.kind, metric: f.metric, severity: f.severity } });
  return id;
}

/**
 * Family contacts without an account cannot get an inbox message: for each of them with a phone, one
 * message per enabled external channel taking `care.alert` (an SMS adapter, or a webhook forwarding
 * to an SMS gateway), sent by the durable job `care.contact.send` after commit. Each is recorded in
 * `care_contact_messages` (status pending → sent; `no_channel` when no channel is configured), which
 * staff see with the alert. The phone is decrypted only inside the sending job.
 */
async function queueContactMessages(ctx: AppContext, trx: Tx, p: PersonRow, alertId: string, title: string, body: string): Promise<void> {
  const contacts = (await careRepo.contactsOf(trx, p.id)).filter((c) => !c.user_id && c.phone_enc);
  if (!contacts.length) return;
  const channels = await channelsForKind(trx, 'care.alert');
  const now = ctx.clock.now();
  for (const c of contacts) {
    if (!channels.length) {
      await trx.insertInto('care_contact_messages').values({ id: newId(), alert_id: alertId, person_id: p.id, contact_id: c.id, channel_id: null, channel_name: null, title, body, status: 'no_channel', sent_at: null, created_at: now }).execute();
      continue;
    }
    for (const ch of channels) {
      const id = newId();
      await trx.insertInto('care_contact_messages').values({ id, alert_id: alertId, person_id: p.id, contact_id: c.id, channel_id: ch.id, channel_name: ch.name, title, body, status: 'pending', sent_at: null, created_at: now }).execute();
      await ctx.jobs.enqueue(trx, CONTACT_SEND_JOB, { messageId: id }, { uniqueKey: `${CONTACT_SEND_JOB}:${id}` });
    }
  }
}

/** Sends one recorded contact message through its channel (a driver's throw has the job retried). */
export function contactSendJob(ctx: AppContext) {
  return async (trx: Tx, payload: { messageId: string }) => {
    const m = await trx.selectFrom('care_contact_messages').selectAll().where('id', '=', payload.messageId).executeTakeFirst();
    if (!m || m.status !== 'pending' || !m.channel_id) return;
    const c = await trx.selectFrom('care_contacts').selectAll().where('id', '=', m.contact_id).executeTakeFirst();
    const phone = c ? ctx.cipher.decrypt(c.phone_enc) : null;
    const sent =
      !!phone &&
      (await sendToAddress(ctx, trx, m.channel_id, {
        id: m.id,
        kind: 'care.alert',
        title: m.title,
        body: m.body,
        link: null,
        data: { alertId: m.alert_id, personId: m.person_id, contactId: m.contact_id },
        createdAt: new Date(m.created_at).toISOString(),
        to: { phone, name: c!.name },
      }));
    const status = sent ? ('sent' as const) : ('skipped' as const);
    await trx.updateTable('care_contact_messages').set({ status, sent_at: sent ? ctx.clock.now() : null }).where('id', '=', m.id).execute();
    await audit(trx, ctx.clock, systemActor(), { action: 'care.alert.contact_notify', entity: 'care_alert', entityId: m.alert_id, after: { contactId: m.contact_id, channel: m.channel_name, status, phone: maskPhone(phone) } });
  };
}

export interface ContactMessageView {
  contactId: string;
  contactName: string;
  relation: string;
  phone: string | null;
  channel: string | null;
  status: 'pending' | 'sent' | 'skipped' | 'no_channel';
  sentAt: string | null;
}

/** What was sent to the family contacts without an account for this alert (phones masked). */
async function contactMessagesOf(ctx: AppContext, alertId: string): Promise<ContactMessageView[]> {
  const rows = await ctx.db
    .selectFrom('care_contact_messages')
    .innerJoin('care_contacts', 'care_contacts.id', 'care_contact_messages.contact_id')
    .select(['care_contact_messages.contact_id', 'care_contacts.name', 'care_contacts.relation', 'care_contacts.phone_enc', 'care_contact_messages.channel_name', 'care_contact_messages.status', 'care_contact_messages.sent_at'])
    .where('care_contact_messages.alert_id', '=', alertId)
    .orderBy('care_contact_messages.created_at')
    .orderBy('care_contact_messages.id')
    .execute();
  return rows.map((r) => ({ contactId: r.contact_id, contactName: r.name, relation: r.relation, phone: maskPhone(ctx.cipher.decrypt(r.phone_enc)), channel: r.channel_name, status: r.status, sentAt: iso(r.sent_at) }));
}

/** The escalation job: an alert nobody acknowledged goes one level up (community → grid leader → street). */
export function escalateJob(ctx: AppContext) {
  return async (trx: Tx, payload: { alertId: string; level: number }) => {
    const a = await careRepo.alertById(trx, payload.alertId);
    if (!a || a.status !== 'open' || a.level >= payload.level) return;
    const p = await careRepo.personById(trx, a.person_id);
    if (!p) return;
    const settings = await careRepo.settings(trx);
    await trx.updateTable('care_alerts').set({ level: payload.level }).where('id', '=', a.id).execute();
    const minutes = Math.round((ctx.clock.now().getTime() - new Date(a.raised_at).getTime()) / 60_000);
    await notifyUsers(ctx, trx, await recipients(trx, p, payload.level), {
      kind: 'care.alert.escalated',
      title: `【关爱告警·${payload.level === 1 ? '升级' : '再次升级'}】${p.name}：${ALERT_NAMES[a.kind]} 已 ${minutes} 分钟无人确认`,
      body: '请立即联系关爱对象或其家属，必要时上门或拨打 120。',
      link: `/care/alerts/${a.id}`,
      data: { alertId: a.id, personId: p.id, kind: a.kind, level: payload.level },
    });
    if (payload.level < MAX_LEVEL) {
      await ctx.jobs.enqueue(trx, ESCALATE_JOB, { alertId: a.id, level: payload.level + 1 }, { runAt: new Date(ctx.clock.now().getTime() + settings.escalate_minutes * 60_000), uniqueKey: `care.escalate:${a.id}:${payload.level + 1}` });
    }
    await audit(trx, ctx.clock, systemActor(), { action: 'care.alert.escalate', entity: 'care_alert', entityId: a.id, before: { level: a.level }, after: { level: payload.level } });
  };
}

export interface AlertView {
  id: string;
  personId: string;
  personName: string;
  kind: AlertKind;
  kindName: string;
  metric: string | null;
  severity: string;
  status: string;
  level: number;
  raisedAt: string;
  ackedAt: string | null;
  ackedBy: string | null;
  detail?: Record<string, unknown> | null;
  /** on the detail view: messages to family contacts without an account (phones masked) */
  contactMessages?: ContactMessageView[];
}

const alertView = (a: AlertRow & { person_name: string }, detail?: Record<string, unknown> | null): AlertView => ({
  id: a.id,
  personId: a.person_id,
  personName: a.person_name,
  kind: a.kind,
  kindName: ALERT_NAMES[a.kind],
  metric: a.metric,
  severity: a.severity,
  status: a.status,
  level: a.level,
  raisedAt: iso(a.raised_at)!,
  ackedAt: iso(a.acked_at),
  ackedBy: a.acked_by_name,
  ...(detail !== undefined ? { detail } : {}),
});

export async function listAlerts(ctx: AppContext, actor: Actor, f: { status?: string; personId?: string; page: number; pageSize: number }) {
  let q = ctx.db.selectFrom('care_alerts').innerJoin('care_persons', 'care_persons.id', 'care_alerts.person_id');
  const staff = can(actor, 'care.read');
  const s = scopeOf(actor);
  const mine = actor.userId ? await careRepo.personIdsOfCarer(ctx.db, actor.userId) : [];
  q = q.where((eb) => {
    const ors = [];
    if (staff && s.kind === 'all') ors.push(eb.val(true));
    else if (staff && s.kind === 'subtree') ors.push(eb.or([eb('care_alerts.node_path', '=', s.path), eb('care_alerts.node_path', 'like', s.path.replace(/[\\%_]/g, '\\$&') + '/%')]));
    if (mine.length) ors.push(eb('care_alerts.person_id', 'in', mine));
    return ors.length ? eb.or(ors) : eb.val(false);
  });
  if (f.status) q = q.where('care_alerts.status', '=', f.status as AlertRow['status']);
  if (f.personId) q = q.where('care_alerts.person_id', '=', f.personId);
  const rows = await q.selectAll('care_alerts').select('care_persons.name as person_name').orderBy('care_alerts.raised_at', 'desc').orderBy('care_alerts.id', 'desc').limit(f.pageSize).offset((f.page - 1) * f.pageSize).execute();
  const total = await q.select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow();
  return { items: rows.map((r) => alertView(r)), total: Number(total.n), page: f.page, pageSize: f.pageSize };
}

/** One alert with its (decrypted) detail: a view of health data, so only for those who may see it, and logged. */
export async function getAlert(ctx: AppContext, actor: Actor, id: string): Promise<AlertView> {
  const a = await careRepo.alertById(ctx.db, id);
  if (!a) throw notFound('告警不存在或无权查看');
  const p = await personFor(ctx, actor, a.person_id);
  let detail: Record<string, unknown> | null = null;
  if (await canSeeHealth(ctx, actor, p)) {
    const plain = ctx.cipher.decrypt(a.detail_enc);
    detail = plain ? (JSON.parse(plain) as Record<string, unknown>) : null;
    await logDataAccess(ctx.db, ctx.clock, actor, { entity: 'care_alert', entityId: a.id, fields: ['health_detail'], reason: 'care.alert.view' });
  }
  return { ...alertView({ ...a, person_name: p.name }, detail), contactMessages: await contactMessagesOf(ctx, a.id) };
}

async function alertToHandle(ctx: AppContext, actor: Actor, id: string): Promise<{ a: AlertRow; p: PersonRow }> {
  const a = await careRepo.alertById(ctx.db, id);
  if (!a) throw notFound('告警不存在或无权查看');
  const p = await personFor(ctx, actor, a.person_id);
  const carer = await careRepo.isCarer(ctx.db, p.id, actor.userId);
  if (!carer && !(can(actor, 'care.alerts.ack') && scopeCoversPath(actor, p.node_path))) throw forbidden('只有关爱对象的照护人或值班人员可以处理告警');
  return { a, p };
}

export async function ackAlert(ctx: AppContext, actor: Actor, id: string, note?: string): Promise<AlertView> {
  const { a, p } = await alertToHandle(ctx, actor, id);
  if (a.status !== 'open') throw conflict('告警已被确认或关闭');
  return withTx(ctx, async (trx) => {
    const r = await trx.updateTable('care_alerts').set({ status: 'acked', acked_at: ctx.clock.now(), acked_by: actor.userId, acked_by_name: actor.displayName }).where('id', '=', id).where('status', '=', 'open').returningAll().executeTakeFirst();
    if (!r) throw conflict('告警已被确认或关闭');
    await ctx.jobs.cancel(trx, `care.escalate:${id}:`);
    await audit(trx, ctx.clock, actor, { action: 'care.alert.ack', entity: 'care_alert', entityId: id, before: { status: a.status }, after: { status: 'acked', note: note ?? null } });
    return alertView({ ...r, person_name: p.name });
  });
}

export async function closeAlert(ctx: AppContext, actor: Actor, id: string, note?: string): Promise<AlertView> {
  const { a, p } = await alertToHandle(ctx, actor, id);
  if (a.status === 'closed') throw conflict('告警已关闭');
  return withTx(ctx, async (trx) => {
    const r = await trx
      .updateTable('care_alerts')
      .set({ status: 'closed', closed_at: ctx.clock.now(), acked_at: a.acked_at ?? ctx.clock.now(), acked_by: a.acked_by ?? actor.userId, acked_by_name: a.acked_by_name ?? actor.displayName })
      .where('id', '=', id)
      .returningAll()
      .executeTakeFirstOrThrow();
    await ctx.jobs.cancel(trx, `care.escalate:${id}:`);
    await audit(trx, ctx.clock, actor, { action: 'care.alert.close', entity: 'care_alert', entityId: id, before: { status: a.status }, after: { status: 'closed', note: note ?? null } });
    return alertView({ ...r, person_name: p.name });
  });
}

// ---------------------------------------------------------------------------------------------
// Bracelet readings (from iot, inside its ingest transaction)
// ---------------------------------------------------------------------------------------------

/**
 * Waits until telemetry submitted so far is stored: bracelet readings are evaluated and stored by care
 * inside iot's ingest transaction (tests, simulate).
 */
export async function careIdle(ctx: AppContext): Promise<void> {
  await iotIdle(ctx);
}

/**
 * The handler of bracelet readings, called by iot inside its ingest transaction (`onHealthReadings`)
 * with the full readings — the only copy of the health values: iot keeps only battery and last-seen.
 * Readings of bracelets linked to a person (with consent) are stored encrypted and evaluated against
 * the person's thresholds; others are not kept anywhere. A throw rolls the whole batch back.
 */
export async function processReadings(ctx: AppContext, trx: Tx, readings: Reading[]): Promise<void> {
  const persons = await careRepo.personsOfDevices(trx, [...new Set(readings.map((r) => r.deviceId))]);
  if (!persons.length) return;
  const byDevice = new Map(persons.map((p) => [p.device_id, p]));
  const births = new Map((await residentsMatching(trx, { ids: persons.map((p) => p.resident_id), on: ctx.clock.now() })).map((r) => [r.id, r.birthDate]));
  const mine = readings.filter((r) => byDevice.has(r.deviceId)).sort((a, b) => a.ts - b.ts);
  const now = ctx.clock.now();
  for (const r of mine) {
    const p = byDevice.get(r.deviceId)!;
    const v = healthValues(r.values);
    if (!Object.keys(v).length) continue;
    const at = new Date(r.ts);
    const limits = effectiveThresholds(ageOf(births.get(p.resident_id) ?? null, at), (p.thresholds ?? {}) as Thresholds);
    const findings = evaluateReading(v, limits);
    await trx.insertInto('care_readings').values({ id: newId(), person_id: p.id, device_id: r.deviceId, at, abnormal: findings.length > 0, data_enc: ctx.cipher.encrypt(JSON.stringify(v))!, created_at: now }).execute();
    const moved = (v.steps ?? 0) > 0;
    await trx
      .updateTable('care_persons')
      .set((eb) => ({
        last_reading_at: eb.fn('greatest', [eb.fn.coalesce('last_reading_at', eb.val(at)), eb.val(at)]),
        ...(moved ? { last_moved_at: eb.fn('greatest', [eb.fn.coalesce('last_moved_at', eb.val(at)), eb.val(at)]) } : {}),
      }))
      .where('id', '=', p.id)
      .execute();
    // Data is flowing again: a "no data" alert ends by itself.
    const nd = await careRepo.openAlert(trx, `${p.id}:no_data`);
    if (nd) {
      await trx.updateTable('care_alerts').set({ status: 'closed', closed_at: now }).where('id', '=', nd.id).execute();
      await ctx.jobs.cancel(trx, `care.escalate:${nd.id}:`);
      await audit(trx, ctx.clock, systemActor(), { action: 'care.alert.close', entity: 'care_alert', entityId: nd.id, after: { status: 'closed', by: 'device' } });
    }
    for (const f of findings) await raiseAlert(ctx, trx, p, f, at);
  }
}

/** Readings of one person: carers and authorised staff only; every view is logged. */
export async function listReadings(ctx: AppContext, actor: Actor, personId: string, f: { from?: string; to?: string; abnormal?: boolean; limit: number }) {
  const p = await careRepo.personById(ctx.db, personId);
  if (!p || !(await canSeeHealth(ctx, actor, p))) throw notFound('关爱对象不存在或无权查看其健康数据');
  let q = ctx.db.selectFrom('care_readings').selectAll().where('person_id', '=', p.id);
  if (f.from) q = q.where('at', '>=', new Date(f.from));
  if (f.to) q = q.where('at', '<', new Date(f.to));
  if (f.abnormal !== undefined) q = q.where('abnormal', '=', f.abnormal);
  const rows = await q.orderBy('at', 'desc').limit(f.limit).execute();
  await logDataAccess(ctx.db, ctx.clock, actor, { entity: 'care_person', entityId: p.id, fields: ['health_readings'], reason: `care.readings.view:${rows.length}` });
  return {
    personId: p.id,
    name: p.name,
    items: rows.map((r) => ({ at: iso(r.at)!, deviceId: r.device_id, abnormal: r.abnormal, values: JSON.parse(ctx.cipher.decrypt(r.data_enc) ?? '{}') as Record<string, number> })),
  };
}

// ---------------------------------------------------------------------------------------------
// Periodic checks: no data, no movement, retention
// ---------------------------------------------------------------------------------------------

export function nextMonitorAt(now: Date): Date {
  return new Date(Math.floor(now.getTime() / MONITOR_EVERY_MS) * MONITOR_EVERY_MS + MONITOR_EVERY_MS);
}

export async function runMonitor(ctx: AppContext, trx: Tx): Promise<{ noData: number; noMovement: number; deletedReadings: number; visitReminders: number }> {
  const now = ctx.clock.now();
  const s = await careRepo.settings(trx);
  let noData = 0;
  let noMovement = 0;
  const local = new Date(now.getTime() + 8 * 3_600_000);
  const midnight = new Date(Date.UTC(local.getUTCFullYear(), local.getUTCMonth(), local.getUTCDate()) - 8 * 3_600_000);
  for (const p of await careRepo.monitored(trx)) {
    const ref = p.last_reading_at ?? p.linked_at;
    if (ref && now.getTime() - new Date(ref).getTime() > p.no_data_hours * 3_600_000) {
      if (await raiseAlert(ctx, trx, p, { kind: 'no_data', metric: null, severity: 'major', detail: { lastReadingAt: iso(p.last_reading_at), hours: p.no_data_hours } }, now)) noData++;
    }
    // No movement: the bracelet reported today but counted no steps by the evening hour.
    const reportedToday = p.last_reading_at && new Date(p.last_reading_at) >= midnight;
    const movedToday = p.last_moved_at && new Date(p.last_moved_at) >= midnight;
    if (local.getUTCHours() >= s.no_movement_hour && reportedToday && !movedToday) {
      if (await raiseAlert(ctx, trx, p, { kind: 'no_movement', metric: 'steps' as never, severity: 'major', detail: { since: midnight.toISOString() } }, now)) noMovement++;
    }
  }
  const cutoff = new Date(now.getTime() - s.reading_retention_days * 86_400_000);
  const del = await trx.deleteFrom('care_readings').where('at', '<', cutoff).executeTakeFirst();
  await trx.deleteFrom('care_alerts').where('raised_at', '<', new Date(now.getTime() - s.alert_retention_days * 86_400_000)).where('status', '!=', 'open').execute();
  // From the configured day of the month: carers of persons below their care plan's visits are reminded (once a month).
  const visitReminders = await remindBelowPlan(ctx, trx, now, s.visit_remind_day);
  return { noData, noMovement, deletedReadings: Number(del.numDeletedRows), visitReminders };
}

export async function getSettings(ctx: AppContext, actor: Actor) {
  requirePermission(actor, 'care.read');
  const s = await careRepo.settings(ctx.db);
  return { readingRetentionDays: s.reading_retention_days, alertRetentionDays: s.alert_retention_days, escalateMinutes: s.escalate_minutes, noMovementHour: s.no_movement_hour, visitRemindDay: s.visit_remind_day };
}

export async function updateSettings(ctx: AppContext, actor: Actor, patch: { readingRetentionDays?: number; alertRetentionDays?: number; escalateMinutes?: number; noMovementHour?: number; visitRemindDay?: number | null }) {
  requirePermission(actor, 'care.settings');
  await withTx(ctx, async (trx) => {
    const before = await careRepo.settings(trx);
    const set = {
      ...(patch.readingRetentionDays !== undefined ? { reading_retention_days: patch.readingRetentionDays } : {}),
      ...(patch.alertRetentionDays !== undefined ? { alert_retention_days: patch.alertRetentionDays } : {}),
      ...(patch.escalateMinutes !== undefined ? { escalate_minutes: patch.escalateMinutes } : {}),
      ...(patch.noMovementHour !== undefined ? { no_movement_hour: patch.noMovementHour } : {}),
      ...(patch.visitRemindDay !== undefined ? { visit_remind_day: patch.visitRemindDay } : {}),
      updated_at: ctx.clock.now(),
    };
    await trx.updateTable('care_settings').set(set).where('id', '=', 1).execute();
    await audit(trx, ctx.clock, actor, { action: 'care.settings.update', entity: 'care_settings', entityId: null, before, after: set });
  });
  return getSettings(ctx, actor);
}

// ---------------------------------------------------------------------------------------------
// Roster
// ---------------------------------------------------------------------------------------------

export interface PersonInput {
  residentId: string;
  consent?: { given: boolean; by: string; note?: string | null } | null;
  carePlan?: Record<string, unknown>;
  noDataHours?: number;
}

export interface PersonView {
  id: string;
  residentId: string;
  name: string;
  nodePath: string;
  age: number | null;
  categories: string[];
  consent: { given: boolean; at: string | null; by: string | null; note: string | null };
  carePlan: Record<string, unknown>;
  noDataHours: number;
  lastReadingAt: string | null;
  active: boolean;
  /** visits this month against the care plan's visitsPerMonth */
  visits: VisitMonthView;
  carers?: Array<{ userId: string; name: string; kind: CarerKind }>;
  contacts?: Array<{ id: string; name: string; relation: string; phone: string | null; userId: string | null }>;
  devices?: Array<{ deviceId: string; linkedAt: string }>;
  thresholds?: ReturnType<typeof effectiveThresholds> & { note: string | null; by: string | null; at: string | null };
}

async function viewPerson(ctx: AppContext, p: PersonRow, full: boolean, month?: VisitMonthView): Promise<PersonView> {
  const [r] = await residentsMatching(ctx.db, { ids: [p.resident_id], on: ctx.clock.now() });
  const visits = month ?? (await visitMonth(ctx.db, [p], ctx.clock.now())).get(p.id)!;
  const age = ageOf(r?.birthDate ?? null, ctx.clock.now());
  const v: PersonView = {
    id: p.id,
    residentId: p.resident_id,
    name: p.name,
    nodePath: p.node_path,
    age,
    categories: p.categories,
    consent: { given: p.consent_given, at: iso(p.consent_at), by: p.consent_by, note: p.consent_note },
    carePlan: (p.care_plan ?? {}) as Record<string, unknown>,
    noDataHours: p.no_data_hours,
    lastReadingAt: iso(p.last_reading_at),
    active: p.active,
    visits,
  };
  if (full) {
    const carers = await careRepo.carersOf(ctx.db, p.id);
    const names = new Map(carers.length ? (await ctx.db.selectFrom('users').select(['id', 'display_name']).where('id', 'in', carers.map((c) => c.user_id)).execute()).map((u) => [u.id, u.display_name]) : []);
    v.carers = carers.map((c) => ({ userId: c.user_id, name: names.get(c.user_id) ?? '', kind: c.kind }));
    v.contacts = (await careRepo.contactsOf(ctx.db, p.id)).map((c) => ({ id: c.id, name: c.name, relation: c.relation, phone: maskPhone(ctx.cipher.decrypt(c.phone_enc)), userId: c.user_id }));
    v.devices = (await careRepo.devicesOf(ctx.db, p.id)).map((d) => ({ deviceId: d.device_id, linkedAt: iso(d.linked_at)! }));
    v.thresholds = { ...effectiveThresholds(age, (p.thresholds ?? {}) as Thresholds), note: p.threshold_note, by: p.threshold_by, at: iso(p.threshold_at) };
  }
  return v;
}

export async function enrolPerson(ctx: AppContext, actor: Actor, input: PersonInput, db?: Tx): Promise<PersonView> {
  requirePermission(actor, 'care.write');
  const exec = db ?? ctx.db;
  const [r] = await residentsMatching(exec, { ids: [input.residentId], on: ctx.clock.now() });
  if (!r) throw notFound('居民不存在或已迁出');
  assertPathInScope(actor, r.nodePath);
  const run = async (trx: Tx) => {
    if (await careRepo.personByResident(trx, r.id)) throw conflict('该居民已在关爱名册中');
    const now = ctx.clock.now();
    const row = {
      id: newId(),
      resident_id: r.id,
      name: r.name,
      node_path: r.nodePath,
      categories: r.tags.filter((t) => (CARE_CATEGORIES as readonly string[]).includes(t)),
      consent_given: input.consent?.given ?? false,
      consent_at: input.consent ? now : null,
      consent_by: input.consent?.by ?? null,
      consent_note: input.consent?.note ?? null,
      care_plan: JSON.stringify(input.carePlan ?? {}),
      thresholds: JSON.stringify({}),
      threshold_note: null,
      threshold_by: null,
      threshold_at: null,
      no_data_hours: input.noDataHours ?? 6,
      last_reading_at: null,
      last_moved_at: null,
      active: true,
      created_at: now,
      updated_at: now,
    };
    await trx.insertInto('care_persons').values(row).execute();
    await audit(trx, ctx.clock, actor, { action: 'care.person.enrol', entity: 'care_person', entityId: row.id, after: { ...row, care_plan: input.carePlan ?? {} } });
    return row.id;
  };
  const id = db ? await run(db) : await withTx(ctx, run);
  if (db) return { id } as PersonView;
  return viewPerson(ctx, (await careRepo.personById(ctx.db, id))!, true);
}

export async function listPersons(ctx: AppContext, actor: Actor, f: { category?: string; q?: string; belowPlan?: boolean; page: number; pageSize: number }) {
  const s = scopeOf(actor);
  const staff = can(actor, 'care.read');
  const mine = actor.userId ? await careRepo.personIdsOfCarer(ctx.db, actor.userId) : [];
  let q = ctx.db.selectFrom('care_persons').where((eb) => {
    const ors = [];
    if (staff && s.kind === 'all') ors.push(eb.val(true));
    else if (staff && s.kind === 'subtree') ors.push(eb.or([eb('node_path', '=', s.path), eb('node_path', 'like', s.path.replace(/[\\%_]/g, '\\$&') + '/%')]));
    if (mine.length) ors.push(eb('id', 'in', mine));
    return ors.length ? eb.or(ors) : eb.val(false);
  });
  if (f.category) q = q.where((eb) => eb(eb.val(f.category!), '=', eb.fn.any('categories')));
  if (f.q) q = q.where('name', 'like', `%${f.q.replace(/[\\%_]/g, '\\$&')}%`);
  // below the care plan's visits this month (active persons only)
  if (f.belowPlan !== undefined) q = q.where('active', '=', true).where(f.belowPlan ? belowPlanSql(ctx.clock.now()) : sql<boolean>`not (${belowPlanSql(ctx.clock.now())})`);
  const rows = await q.selectAll().orderBy('name').orderBy('id').limit(f.pageSize).offset((f.page - 1) * f.pageSize).execute();
  const total = await q.select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow();
  const months = await visitMonth(ctx.db, rows, ctx.clock.now());
  const items = [];
  for (const r of rows) items.push(await viewPerson(ctx, r, false, months.get(r.id)));
  return { items, total: Number(total.n), page: f.page, pageSize: f.pageSize };
}

export async function getPerson(ctx: AppContext, actor: Actor, id: string): Promise<PersonView> {
  return viewPerson(ctx, await personFor(ctx, actor, id), true);
}

export async function updatePerson(ctx: AppContext, actor: Actor, id: string, patch: { consent?: { given: boolean; by: string; note?: string | null }; carePlan?: Record<string, unknown>; noDataHours?: number; active?: boolean }): Promise<PersonView> {
  const p = await personToManage(ctx, actor, id);
  await withTx(ctx, async (trx) => {
    const now = ctx.clock.now();
    const set = {
      ...(patch.consent ? { consent_given: patch.consent.given, consent_by: patch.consent.by, consent_note: patch.consent.note ?? null, consent_at: now } : {}),
      ...(patch.carePlan ? { care_plan: JSON.stringify(patch.carePlan) } : {}),
      ...(patch.noDataHours !== undefined ? { no_data_hours: patch.noDataHours } : {}),
      ...(patch.active !== undefined ? { active: patch.active } : {}),
      updated_at: now,
    };
    await trx.updateTable('care_persons').set(set).where('id', '=', id).execute();
    // Consent withdrawn: bracelets are unlinked (no further readings are kept).
    if (patch.consent && !patch.consent.given) await trx.deleteFrom('care_devices').where('person_id', '=', id).execute();
    await audit(trx, ctx.clock, actor, { action: 'care.person.update', entity: 'care_person', entityId: id, before: { consent_given: p.consent_given, care_plan: p.care_plan, no_data_hours: p.no_data_hours, active: p.active }, after: { ...set, care_plan: patch.carePlan } });
  });
  return getPerson(ctx, actor, id);
}

export async function setThresholds(ctx: AppContext, actor: Actor, id: string, input: { thresholds: Thresholds; doctorNote: string }): Promise<PersonView> {
  const p = await personToManage(ctx, actor, id, 'care.thresholds.write');
  const problems: Array<{ field: string; message: string }> = [];
  for (const [m, r] of Object.entries(input.thresholds)) {
    if (!(METRICS as readonly string[]).includes(m)) problems.push({ field: `thresholds.${m}`, message: '未知指标' });
    else if (r && r.min != null && r.max != null && r.min >= r.max) problems.push({ field: `thresholds.${m}`, message: '下限须小于上限' });
  }
  if (!input.doctorNote.trim()) problems.push({ field: 'doctorNote', message: '须注明医生建议' });
  if (problems.length) throw invalid('阈值设置有误', problems);
  await withTx(ctx, async (trx) => {
    const now = ctx.clock.now();
    await trx.updateTable('care_persons').set({ thresholds: JSON.stringify(input.thresholds), threshold_note: input.doctorNote.trim(), threshold_by: actor.displayName, threshold_at: now, updated_at: now }).where('id', '=', id).execute();
    await audit(trx, ctx.clock, actor, { action: 'care.thresholds.set', entity: 'care_person', entityId: id, before: { thresholds: p.thresholds, note: p.threshold_note }, after: { thresholds: input.thresholds, note: input.doctorNote } });
  });
  return getPerson(ctx, actor, id);
}

export async function addCarer(ctx: AppContext, actor: Actor, id: string, input: { userId: string; kind: CarerKind }): Promise<PersonView> {
  await personToManage(ctx, actor, id);
  const u = await ctx.db.selectFrom('users').select(['id', 'status']).where('id', '=', input.userId).executeTakeFirst();
  if (!u || u.status !== 'active') throw invalid('用户不存在或已停用', [{ field: 'userId', message: '用户不存在' }]);
  await withTx(ctx, async (trx) => {
    const r = await trx.insertInto('care_carers').values({ person_id: id, user_id: input.userId, kind: input.kind, created_at: ctx.clock.now() }).onConflict((oc) => oc.columns(['person_id', 'user_id']).doNothing()).executeTakeFirst();
    if (!Number(r.numInsertedOrUpdatedRows ?? 0)) throw conflict('该用户已是照护人');
    await audit(trx, ctx.clock, actor, { action: 'care.carer.add', entity: 'care_person', entityId: id, after: input });
  });
  return getPerson(ctx, actor, id);
}

export async function removeCarer(ctx: AppContext, actor: Actor, id: string, userId: string): Promise<PersonView> {
  await personToManage(ctx, actor, id);
  await withTx(ctx, async (trx) => {
    const r = await trx.deleteFrom('care_carers').where('person_id', '=', id).where('user_id', '=', userId).executeTakeFirst();
    if (!Number(r.numDeletedRows)) throw notFound('该用户不是照护人');
    await audit(trx, ctx.clock, actor, { action: 'care.carer.remove', entity: 'care_person', entityId: id, before: { userId } });
  });
  return getPerson(ctx, actor, id);
}

export async function addContact(ctx: AppContext, actor: Actor, id: string, input: { name: string; relation: string; phone?: string | null; userId?: string | null }): Promise<PersonView> {
  await personToManage(ctx, actor, id);
  if (input.phone && !/^[0-9+\-\s]{5,20}$/.test(input.phone)) throw invalid('电话号码格式不正确', [{ field: 'phone', message: '格式不正确' }]);
  if (input.userId && !(await ctx.db.selectFrom('users').select('id').where('id', '=', input.userId).executeTakeFirst())) throw invalid('用户不存在', [{ field: 'userId', message: '用户不存在' }]);
  await withTx(ctx, async (trx) => {
    const cid = newId();
    await trx.insertInto('care_contacts').values({ id: cid, person_id: id, name: input.name, relation: input.relation, phone_enc: ctx.cipher.encrypt(input.phone ?? null), user_id: input.userId ?? null, created_at: ctx.clock.now() }).execute();
    // A family member with an account is also a carer (alerts, and the readings of this person only).
    if (input.userId) await trx.insertInto('care_carers').values({ person_id: id, user_id: input.userId, kind: 'family', created_at: ctx.clock.now() }).onConflict((oc) => oc.columns(['person_id', 'user_id']).doNothing()).execute();
    await audit(trx, ctx.clock, actor, { action: 'care.contact.add', entity: 'care_person', entityId: id, after: { id: cid, name: input.name, relation: input.relation, userId: input.userId ?? null } });
  });
  return getPerson(ctx, actor, id);
}

export async function linkDevice(ctx: AppContext, actor: Actor, id: string, deviceId: string): Promise<PersonView> {
  const p = await personToManage(ctx, actor, id);
  if (!p.consent_given) throw conflict('尚未登记本人（或监护人）对健康监测的知情同意，不能绑定手环');
  const d = await getDevice(ctx, systemActor(), deviceId).catch(() => null);
  if (!d) throw invalid('设备不存在', [{ field: 'deviceId', message: '设备不存在' }]);
  if (d.type.code !== 'bracelet') throw invalid('只能绑定智能手环', [{ field: 'deviceId', message: '不是手环' }]);
  await withTx(ctx, async (trx) => {
    const cur = await trx.selectFrom('care_devices').selectAll().where('device_id', '=', deviceId).executeTakeFirst();
    if (cur && cur.person_id !== id) throw conflict('该手环已绑定给其他关爱对象');
    if (cur) return;
    await trx.insertInto('care_devices').values({ device_id: deviceId, person_id: id, linked_at: ctx.clock.now() }).execute();
    await audit(trx, ctx.clock, actor, { action: 'care.device.link', entity: 'care_person', entityId: id, after: { deviceId, device: d.name } });
  });
  return getPerson(ctx, actor, id);
}

export async function unlinkDevice(ctx: AppContext, actor: Actor, id: string, deviceId: string): Promise<PersonView> {
  await personToManage(ctx, actor, id);
  await withTx(ctx, async (trx) => {
    const r = await trx.deleteFrom('care_devices').where('device_id', '=', deviceId).where('person_id', '=', id).executeTakeFirst();
    if (!Number(r.numDeletedRows)) throw notFound('该手环未绑定给此关爱对象');
    await audit(trx, ctx.clock, actor, { action: 'care.device.unlink', entity: 'care_person', entityId: id, before: { deviceId } });
  });
  return getPerson(ctx, actor, id);
}

export { careRepo };
