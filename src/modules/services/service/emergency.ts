import { sql } from 'kysely';
import type { AppContext } from '../../../platform/context.js';
import { withTx } from '../../../platform/context.js';
import type { Executor, Tx } from '../../../platform/db/database.js';
import type { Actor } from '../../../platform/auth/actor.js';
import { systemActor } from '../../../platform/auth/actor.js';
import { requirePermission } from '../../../platform/auth/permissions.js';
import { assertRowInScope } from '../../../platform/auth/scope.js';
import { audit } from '../../../platform/audit/audit.js';
import { conflict, invalid, notFound } from '../../../platform/errors.js';
import { newId } from '../../../platform/ids.js';
import { notifyUsers } from '../../../platform/notify/index.js';
import { getResident, nodeBriefs } from '../../org/index.js';
import { ancestorPaths, svcRepo, type EmergencyRow } from '../repository.js';
import { ageOn, iso, requireText, selfResident, shanghaiText, staffScope } from './common.js';

export const ESCALATE_JOB = 'services.emergency.escalate';
/** Unacknowledged for this long, an emergency is escalated to the street's command center. */
export const ESCALATE_AFTER_MS = 2 * 60_000;

const STATUS_NAMES = { raised: '待响应', escalated: '已升级（超时未响应）', acknowledged: '已响应', resolved: '已处置' } as const;
const DUTY_ROLES = ['grid_worker', 'grid_leader', 'community_admin'];
const ESCALATION_ROLES = ['street_admin', 'supervisor', 'dispatcher'];

export interface EmergencyView {
  id: string;
  residentId: string | null;
  residentName: string;
  nodePath: string;
  location: { lng: number; lat: number; accuracy: number | null } | null;
  profile: Record<string, unknown>;
  message: string | null;
  status: EmergencyRow['status'];
  statusName: string;
  raisedAt: string;
  escalatedAt: string | null;
  acknowledgedAt: string | null;
  acknowledgedBy: string | null;
  resolvedAt: string | null;
  resolution: string | null;
}
const view = (e: EmergencyRow): EmergencyView => ({
  id: e.id,
  residentId: e.resident_id,
  residentName: e.resident_name,
  nodePath: e.node_path,
  location: e.lng != null && e.lat != null ? { lng: e.lng, lat: e.lat, accuracy: e.accuracy } : null,
  profile: (e.profile ?? {}) as Record<string, unknown>,
  message: e.message,
  status: e.status,
  statusName: STATUS_NAMES[e.status],
  raisedAt: new Date(e.raised_at).toISOString(),
  escalatedAt: iso(e.escalated_at),
  acknowledgedAt: iso(e.acknowledged_at),
  acknowledgedBy: e.acknowledged_by,
  resolvedAt: iso(e.resolved_at),
  resolution: e.resolution,
});

/** Active accounts bound to one of these org paths and holding one of these roles. */
async function staffOn(db: Executor, paths: string[], roles: string[]): Promise<string[]> {
  if (!paths.length) return [];
  const rows = await db
    .selectFrom('users as u')
    .innerJoin('org_nodes as n', 'n.id', 'u.node_id')
    .select('u.id')
    .where('n.path', 'in', paths)
    .where('u.status', '=', 'active')
    .where(sql<boolean>`u.roles && ${sql.val(roles)}::text[]`)
    .execute();
  return rows.map((r) => r.id);
}

/** The community's duty staff for a home: grid workers/leaders of its grid and the community's admins (the levels from community down). */
export const dutyStaff = (db: Executor, path: string) => staffOn(db, ancestorPaths(path).slice(2), DUTY_ROLES);
/** The street's command center: street admins, supervisors and dispatchers bound above the community. */
export const escalationStaff = (db: Executor, path: string) => staffOn(db, ancestorPaths(path).slice(0, 2), ESCALATION_ROLES);

/**
 * The resident's emergency button: records the position and the resident's profile, tells the
 * community's duty staff (inbox) and the command center (live event) at once, and schedules the
 * escalation. Pressing again while one is open returns the open one.
 */
export async function raiseEmergency(ctx: AppContext, actor: Actor, input: { lng?: number | null; lat?: number | null; accuracy?: number | null; message?: string | null }): Promise<EmergencyView & { created: boolean }> {
  const me = await selfResident(ctx, actor);
  if ((input.lng == null) !== (input.lat == null)) throw invalid('位置不完整', [{ field: 'lat', message: '经纬度须同时提供' }]);
  const message = input.message?.trim().slice(0, 500) || null;
  const open = await ctx.db.selectFrom('svc_emergencies').selectAll().where('resident_id', '=', me.id).where('status', 'in', ['raised', 'escalated', 'acknowledged']).orderBy('raised_at', 'desc').executeTakeFirst();
  if (open) return { ...view(open), created: false };
  const now = ctx.clock.now();
  const r = await getResident(ctx, actor, me.id); // own record, masked
  const parts = me.nodePath.split('/');
  const homes = await nodeBriefs(ctx.db, { paths: parts.map((_, i) => parts.slice(0, i + 1).join('/')) });
  const home = homes.find((n) => n.path === me.nodePath) ?? null;
  const placed = [...homes].reverse().find((n) => n.lng != null && n.lat != null);
  const location = input.lng != null && input.lat != null ? { lng: input.lng, lat: input.lat, accuracy: input.accuracy ?? null } : placed ? { lng: placed.lng!, lat: placed.lat!, accuracy: null } : null;
  const profile = {
    name: me.name,
    gender: r.gender === 'M' ? '男' : r.gender === 'F' ? '女' : null,
    age: ageOn(me.birthDate, now),
    tags: me.tags,
    home: home?.name ?? null,
    community: homes.find((n) => n.level === 'community')?.name ?? null,
    grid: homes.find((n) => n.level === 'grid')?.name ?? null,
    phone: r.phone,
    locationSource: input.lng != null ? 'device' : 'home',
  };
  const id = newId();
  const row = {
    id,
    user_id: actor.userId,
    resident_id: me.id,
    resident_name: me.name,
    node_path: me.nodePath,
    lng: location?.lng ?? null,
    lat: location?.lat ?? null,
    accuracy: location?.accuracy ?? null,
    profile: JSON.stringify(profile),
    message,
    status: 'raised' as const,
    raised_at: now,
    escalated_at: null,
    acknowledged_at: null,
    acknowledged_by: null,
    resolved_at: null,
    resolution: null,
  };
  await withTx(ctx, async (trx, after) => {
    await trx.insertInto('svc_emergencies').values(row).execute();
    const duty = await dutyStaff(trx, me.nodePath);
    await notifyUsers(ctx, trx, duty, {
      kind: 'services.emergency',
      title: `【紧急求助】${me.name}${profile.age != null ? `（${profile.age}岁）` : ''}`,
      body: `${profile.home ?? ''} ${shanghaiText(now)} 按下一键报警${message ? `：${message}` : ''}。请立即联系并确认响应。`,
      link: `/services/emergencies?id=${id}`,
      data: { emergencyId: id },
    });
    await ctx.jobs.enqueue(trx, ESCALATE_JOB, { id }, { runAt: new Date(now.getTime() + ESCALATE_AFTER_MS), uniqueKey: `svc-emergency:${id}:escalate` });
    await audit(trx, ctx.clock, actor, { action: 'services.emergency.raise', entity: 'svc_emergency', entityId: id, after: { residentId: me.id, location, notified: duty.length } });
    after.add(() => ctx.events.publish({ type: 'emergency.raised', path: me.nodePath, data: { id, residentName: me.name, location, profile: { ...profile, phone: undefined } }, at: now.toISOString() }));
  });
  return { ...view({ ...row, profile }), created: true };
}

/** The escalation job: still unacknowledged after two minutes → escalated to the street's command center. */
export function escalateJob(ctx: AppContext) {
  return async (trx: Tx, payload: { id: string }) => {
    const e = await svcRepo.emergencyById(trx, payload.id, true);
    if (!e || e.status !== 'raised') return;
    const now = ctx.clock.now();
    await trx.updateTable('svc_emergencies').set({ status: 'escalated', escalated_at: now }).where('id', '=', e.id).execute();
    const to = await escalationStaff(trx, e.node_path);
    const p = (e.profile ?? {}) as Record<string, unknown>;
    await notifyUsers(ctx, trx, to, {
      kind: 'services.emergency.escalated',
      title: `【紧急求助·超时未响应】${e.resident_name}`,
      body: `${p.home ?? ''} 的求助已超过 2 分钟无人响应，请指挥中心立即调度。`,
      link: `/services/emergencies?id=${e.id}`,
      data: { emergencyId: e.id },
    });
    await audit(trx, ctx.clock, systemActor(), { action: 'services.emergency.escalate', entity: 'svc_emergency', entityId: e.id, before: { status: 'raised' }, after: { status: 'escalated', notified: to.length } });
    // the job's transaction commits right after this handler returns
    ctx.events.publish({ type: 'emergency.escalated', path: e.node_path, data: { id: e.id, residentName: e.resident_name }, at: now.toISOString() });
  };
}

async function staffEmergency(ctx: AppContext, actor: Actor, id: string, trx?: Tx): Promise<EmergencyRow> {
  requirePermission(actor, 'services.emergency.handle');
  const e = await svcRepo.emergencyById(trx ?? ctx.db, id, !!trx);
  if (!e) throw notFound('求助记录不存在');
  assertRowInScope(actor, e.node_path);
  return e;
}

export async function acknowledgeEmergency(ctx: AppContext, actor: Actor, id: string): Promise<EmergencyView> {
  const now = ctx.clock.now();
  const out = await withTx(ctx, async (trx, after) => {
    const e = await staffEmergency(ctx, actor, id, trx);
    if (e.status === 'acknowledged' || e.status === 'resolved') throw conflict(`已由${e.acknowledged_by ?? '工作人员'}响应`);
    await trx.updateTable('svc_emergencies').set({ status: 'acknowledged', acknowledged_at: now, acknowledged_by: actor.displayName }).where('id', '=', id).execute();
    await ctx.jobs.cancel(trx, `svc-emergency:${id}:`);
    if (e.user_id) await notifyUsers(ctx, trx, [e.user_id], { kind: 'services.emergency', title: '工作人员已收到您的求助', body: `${actor.displayName}已响应，正在与您联系，请保持电话畅通。`, link: '/h5/sos', data: { emergencyId: id } });
    await audit(trx, ctx.clock, actor, { action: 'services.emergency.acknowledge', entity: 'svc_emergency', entityId: id, before: { status: e.status }, after: { status: 'acknowledged', afterSeconds: Math.round((now.getTime() - new Date(e.raised_at).getTime()) / 1000) } });
    after.add(() => ctx.events.publish({ type: 'emergency.acknowledged', path: e.node_path, data: { id, by: actor.displayName }, at: now.toISOString() }));
    return { ...e, status: 'acknowledged' as const, acknowledged_at: now, acknowledged_by: actor.displayName };
  });
  return view(out);
}

export async function resolveEmergency(ctx: AppContext, actor: Actor, id: string, resolution: string): Promise<EmergencyView> {
  const text = requireText(resolution, 'resolution', 1000, '处置结果');
  const now = ctx.clock.now();
  const out = await withTx(ctx, async (trx, after) => {
    const e = await staffEmergency(ctx, actor, id, trx);
    if (e.status === 'resolved') throw conflict('该求助已处置');
    await trx.updateTable('svc_emergencies').set({ status: 'resolved', resolved_at: now, resolution: text, acknowledged_at: e.acknowledged_at ?? now, acknowledged_by: e.acknowledged_by ?? actor.displayName }).where('id', '=', id).execute();
    await ctx.jobs.cancel(trx, `svc-emergency:${id}:`);
    await audit(trx, ctx.clock, actor, { action: 'services.emergency.resolve', entity: 'svc_emergency', entityId: id, before: { status: e.status }, after: { status: 'resolved', resolution: text } });
    after.add(() => ctx.events.publish({ type: 'emergency.resolved', path: e.node_path, data: { id }, at: now.toISOString() }));
    return { ...e, status: 'resolved' as const, resolved_at: now, resolution: text, acknowledged_at: e.acknowledged_at ?? now, acknowledged_by: e.acknowledged_by ?? actor.displayName };
  });
  return view(out);
}

export async function listEmergencies(ctx: AppContext, actor: Actor, q: { open?: boolean; page: number; pageSize: number }) {
  requirePermission(actor, 'services.emergency.handle');
  const scope = staffScope(actor);
  if (scope.kind === 'none') return { items: [], total: 0, page: q.page, pageSize: q.pageSize };
  let b = ctx.db.selectFrom('svc_emergencies');
  if (scope.kind === 'subtree') {
    const p = scope.path;
    b = b.where((eb) => eb.or([eb('node_path', '=', p), eb('node_path', 'like', p.replace(/[\\%_]/g, '\\$&') + '/%')]));
  }
  if (q.open) b = b.where('status', 'in', ['raised', 'escalated', 'acknowledged']);
  const rows = await b.selectAll().orderBy('raised_at', 'desc').limit(q.pageSize).offset((q.page - 1) * q.pageSize).execute();
  const total = await b.select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow();
  return { items: rows.map(view), total: Number(total.n), page: q.page, pageSize: q.pageSize };
}

export async function getEmergency(ctx: AppContext, actor: Actor, id: string): Promise<EmergencyView> {
  return view(await staffEmergency(ctx, actor, id));
}

/** The resident's latest emergency (to follow its acknowledgement on the H5 page). */
export async function myEmergency(ctx: AppContext, actor: Actor): Promise<EmergencyView | null> {
  const me = await selfResident(ctx, actor);
  const e = await ctx.db.selectFrom('svc_emergencies').selectAll().where('resident_id', '=', me.id).orderBy('raised_at', 'desc').limit(1).executeTakeFirst();
  return e ? view(e) : null;
}
