import { randomBytes } from 'node:crypto';
import QRCode from 'qrcode';
import type { AppContext } from '../../../platform/context.js';
import { withTx } from '../../../platform/context.js';
import type { Tx } from '../../../platform/db/database.js';
import type { Actor } from '../../../platform/auth/actor.js';
import { systemActor } from '../../../platform/auth/actor.js';
import { can, requirePermission } from '../../../platform/auth/permissions.js';
import { assertPathInScope, assertRowInScope } from '../../../platform/auth/scope.js';
import { audit } from '../../../platform/audit/audit.js';
import { conflict, forbidden, invalid, notFound } from '../../../platform/errors.js';
import { newId } from '../../../platform/ids.js';
import { notifyUsers } from '../../../platform/notify/index.js';
import { getResident, nodeBriefs, residentsMatching, RESIDENT_TAGS, usersOfResidents, type ResidentMatch } from '../../org/index.js';
import { ancestorPaths, svcRepo, type ActivityRow, type BookingRow, type RoomRow, type SignupRow } from '../repository.js';
import { actingFor, ageOn, iso, parseTime, requireText, selfResident, shanghaiText, staffScope } from './common.js';

export const REMIND_JOB = 'services.activity.remind';

export const ACTIVITY_KINDS: Record<string, string> = {
  health_talk: '健康讲座',
  interest_class: '兴趣班',
  festival: '邻里节',
  after_school: '四点半课堂',
  digital_skills: '智能手机课堂',
  volunteer: '志愿服务',
  other: '其他活动',
};

export interface ActivityView {
  id: string;
  title: string;
  kind: string;
  kindName: string;
  description: string;
  node: { id: string; path: string; name: string };
  location: string;
  roomId: string | null;
  startsAt: string;
  endsAt: string;
  signupDeadline: string | null;
  capacity: number;
  confirmed: number;
  waiting: number;
  checkedIn: number;
  minAge: number | null;
  maxAge: number | null;
  requiredTags: string[];
  residentsOnly: boolean;
  status: 'open' | 'cancelled';
  eligibility: string;
  createdByName: string;
  mine?: SignupView | null;
  eligible?: { ok: boolean; reason: string | null };
}

export interface SignupView {
  id: string;
  activityId: string;
  residentId: string;
  residentName: string;
  status: SignupRow['status'];
  statusName: string;
  /** place in the waiting list (1 = next to be promoted), null when not waiting */
  position: number | null;
  signedAt: string;
  promotedAt: string | null;
  checkedInAt: string | null;
  proxyBy: string | null;
}

const SIGNUP_NAMES = { confirmed: '报名成功', waiting: '候补中', cancelled: '已取消' } as const;

function eligibilityText(a: Pick<ActivityRow, 'min_age' | 'max_age' | 'required_tags' | 'residents_only' | 'node_name'>): string {
  const parts: string[] = [];
  if (a.min_age != null && a.max_age != null) parts.push(`${a.min_age}–${a.max_age} 岁`);
  else if (a.min_age != null) parts.push(`${a.min_age} 岁及以上`);
  else if (a.max_age != null) parts.push(`${a.max_age} 岁及以下`);
  if (a.required_tags.length) parts.push(`限${a.required_tags.join('、')}`);
  if (a.residents_only) parts.push(`限${a.node_name}居民`);
  return parts.length ? parts.join('；') : '所有居民';
}

function viewActivity(a: ActivityRow, counts?: { confirmed: number; waiting: number; checkedIn: number }): ActivityView {
  return {
    id: a.id,
    title: a.title,
    kind: a.kind,
    kindName: ACTIVITY_KINDS[a.kind] ?? a.kind,
    description: a.description,
    node: { id: a.node_id, path: a.node_path, name: a.node_name },
    location: a.location,
    roomId: a.room_id,
    startsAt: new Date(a.starts_at).toISOString(),
    endsAt: new Date(a.ends_at).toISOString(),
    signupDeadline: iso(a.signup_deadline),
    capacity: a.capacity,
    confirmed: counts?.confirmed ?? 0,
    waiting: counts?.waiting ?? 0,
    checkedIn: counts?.checkedIn ?? 0,
    minAge: a.min_age,
    maxAge: a.max_age,
    requiredTags: a.required_tags,
    residentsOnly: a.residents_only,
    status: a.status,
    eligibility: eligibilityText(a),
    createdByName: a.created_by_name,
  };
}

function viewSignup(s: SignupRow, position: number | null): SignupView {
  return {
    id: s.id,
    activityId: s.activity_id,
    residentId: s.resident_id,
    residentName: s.resident_name,
    status: s.status,
    statusName: SIGNUP_NAMES[s.status],
    position,
    signedAt: new Date(s.signed_at).toISOString(),
    promotedAt: iso(s.promoted_at),
    checkedInAt: iso(s.checked_in_at),
    proxyBy: s.proxy_by,
  };
}

/** Why a resident may not sign up (null: eligible). */
export function ineligibility(a: ActivityRow, r: ResidentMatch, now: Date): string | null {
  const age = ageOn(r.birthDate, now);
  if ((a.min_age != null || a.max_age != null) && age === null) return '登记信息中缺少出生日期，无法确认年龄';
  if (a.min_age != null && age! < a.min_age) return `本活动限 ${a.min_age} 岁及以上居民参加`;
  if (a.max_age != null && age! > a.max_age) return `本活动限 ${a.max_age} 岁及以下居民参加`;
  if (a.required_tags.length && !a.required_tags.some((t) => r.tags.includes(t))) return `本活动限${a.required_tags.join('、')}参加`;
  if (a.residents_only && !(r.nodePath === a.node_path || r.nodePath.startsWith(a.node_path + '/'))) return `本活动限${a.node_name}居民参加`;
  return null;
}

// ---------------------------------------------------------------- staff

export interface ActivityInput {
  title: string;
  kind: string;
  description?: string;
  nodeId: string;
  location?: string;
  roomId?: string | null;
  startsAt: string;
  endsAt: string;
  signupDeadline?: string | null;
  capacity: number;
  minAge?: number | null;
  maxAge?: number | null;
  requiredTags?: string[];
  residentsOnly?: boolean;
}

export async function createActivity(ctx: AppContext, actor: Actor, input: ActivityInput): Promise<ActivityView> {
  requirePermission(actor, 'services.activities.manage');
  const title = requireText(input.title, 'title', 100, '活动名称');
  if (!(input.kind in ACTIVITY_KINDS)) throw invalid('活动类型不正确', [{ field: 'kind', message: `须为 ${Object.keys(ACTIVITY_KINDS).join('/')} 之一` }]);
  const startsAt = parseTime(input.startsAt, 'startsAt')!;
  const endsAt = parseTime(input.endsAt, 'endsAt')!;
  const deadline = parseTime(input.signupDeadline, 'signupDeadline');
  const problems: Array<{ field: string; message: string }> = [];
  const now = ctx.clock.now();
  if (endsAt <= startsAt) problems.push({ field: 'endsAt', message: '结束时间须晚于开始时间' });
  if (startsAt <= now) problems.push({ field: 'startsAt', message: '开始时间须晚于现在' });
  if (deadline && deadline > startsAt) problems.push({ field: 'signupDeadline', message: '报名截止须不晚于开始时间' });
  if (!Number.isInteger(input.capacity) || input.capacity < 1 || input.capacity > 10000) problems.push({ field: 'capacity', message: '须为 1–10000 的整数' });
  if (input.minAge != null && input.maxAge != null && input.minAge > input.maxAge) problems.push({ field: 'maxAge', message: '不能小于最小年龄' });
  for (const t of input.requiredTags ?? []) if (!(RESIDENT_TAGS as readonly string[]).includes(t)) problems.push({ field: 'requiredTags', message: `未知标签 ${t}` });
  if (problems.length) throw invalid('提交的数据有误', problems);
  const [n] = await nodeBriefs(ctx.db, { ids: [input.nodeId] });
  if (!n || !['street', 'community', 'estate', 'grid', 'building'].includes(n.level)) throw invalid('举办范围不存在', [{ field: 'nodeId', message: '须为街道、社区、小区、网格或楼栋' }]);
  assertPathInScope(actor, n.path);
  const id = newId();
  await withTx(ctx, async (trx) => {
    let location = input.location?.trim() ?? '';
    if (input.roomId) {
      const room = await svcRepo.roomById(trx, input.roomId, true);
      if (!room || !room.active) throw invalid('场地不存在', [{ field: 'roomId', message: '场地不存在或已停用' }]);
      assertPathInScope(actor, room.node_path);
      location ||= room.name;
      await insertBooking(ctx, trx, actor, room, { startsAt, endsAt, purpose: title, residentId: null, activityId: id });
    }
    if (!location) throw invalid('请填写活动地点', [{ field: 'location', message: '为必填项' }]);
    const row = {
      id,
      title,
      kind: input.kind,
      description: input.description?.trim().slice(0, 5000) ?? '',
      node_id: n.id,
      node_path: n.path,
      node_name: n.name,
      location: location.slice(0, 200),
      room_id: input.roomId ?? null,
      starts_at: startsAt,
      ends_at: endsAt,
      signup_deadline: deadline,
      capacity: input.capacity,
      min_age: input.minAge ?? null,
      max_age: input.maxAge ?? null,
      required_tags: input.requiredTags ?? [],
      residents_only: input.residentsOnly ?? true,
      status: 'open' as const,
      checkin_token: randomBytes(12).toString('base64url'),
      created_by: actor.userId,
      created_by_name: actor.displayName,
      created_at: now,
      updated_at: now,
    };
    await trx.insertInto('svc_activities').values(row).execute();
    // a reminder a day before (or at once when it starts within a day)
    const remindAt = new Date(Math.max(now.getTime(), startsAt.getTime() - 24 * 3_600_000));
    await ctx.jobs.enqueue(trx, REMIND_JOB, { activityId: id }, { runAt: remindAt, uniqueKey: `svc-activity:${id}:remind` });
    await audit(trx, ctx.clock, actor, { action: 'services.activity.create', entity: 'svc_activity', entityId: id, after: { title, kind: row.kind, node: n.path, startsAt: startsAt.toISOString(), capacity: row.capacity, eligibility: eligibilityText(row) } });
  });
  return getActivityForStaff(ctx, actor, id);
}

async function staffActivity(ctx: AppContext, actor: Actor, id: string): Promise<ActivityRow> {
  requirePermission(actor, 'services.activities.manage');
  const a = await svcRepo.activityById(ctx.db, id);
  if (!a) throw notFound('活动不存在');
  assertRowInScope(actor, a.node_path);
  return a;
}

export async function getActivityForStaff(ctx: AppContext, actor: Actor, id: string): Promise<ActivityView> {
  const a = await staffActivity(ctx, actor, id);
  const counts = await svcRepo.signupCounts(ctx.db, [id]);
  return viewActivity(a, counts.get(id));
}

export async function listActivitiesForStaff(ctx: AppContext, actor: Actor, q: { upcoming?: boolean; page: number; pageSize: number }) {
  requirePermission(actor, 'services.activities.manage');
  const { rows, total } = await svcRepo.listActivities(ctx.db, { scope: staffScope(actor), from: q.upcoming ? ctx.clock.now() : undefined, limit: q.pageSize, offset: (q.page - 1) * q.pageSize });
  const counts = await svcRepo.signupCounts(ctx.db, rows.map((r) => r.id));
  return { items: rows.map((r) => viewActivity(r, counts.get(r.id))), total, page: q.page, pageSize: q.pageSize };
}

/** The roster: confirmed in sign-up order, then the waiting list in order. */
export async function activityRoster(ctx: AppContext, actor: Actor, id: string) {
  const a = await staffActivity(ctx, actor, id);
  const rows = await svcRepo.signupsOf(ctx.db, id);
  let pos = 0;
  const items = rows.map((s) => viewSignup(s, s.status === 'waiting' ? ++pos : null));
  return { activity: viewActivity(a, (await svcRepo.signupCounts(ctx.db, [id])).get(id)), items };
}

/** The QR code shown at the venue: it opens the resident app's check-in for this activity. */
export async function checkinQr(ctx: AppContext, actor: Actor, id: string, base: string): Promise<{ url: string; svg: string }> {
  const a = await staffActivity(ctx, actor, id);
  const url = `${base}/h5/activities?checkin=${a.id}&t=${a.checkin_token}`;
  const svg = await QRCode.toString(url, { type: 'svg', errorCorrectionLevel: 'M', margin: 2, width: 320 });
  return { url, svg };
}

export async function cancelActivity(ctx: AppContext, actor: Actor, id: string, reason: string): Promise<ActivityView> {
  const text = requireText(reason, 'reason', 200, '取消原因');
  await staffActivity(ctx, actor, id);
  await withTx(ctx, async (trx) => {
    const a = (await svcRepo.activityById(trx, id, true))!;
    if (a.status === 'cancelled') throw conflict('活动已取消');
    const now = ctx.clock.now();
    await trx.updateTable('svc_activities').set({ status: 'cancelled', updated_at: now }).where('id', '=', id).execute();
    const active = await trx.selectFrom('svc_signups').select(['resident_id']).where('activity_id', '=', id).where('status', '<>', 'cancelled').execute();
    await trx.updateTable('svc_signups').set({ status: 'cancelled', cancelled_at: now }).where('activity_id', '=', id).where('status', '<>', 'cancelled').execute();
    await trx.updateTable('svc_room_bookings').set({ status: 'cancelled', updated_at: now }).where('activity_id', '=', id).where('status', '=', 'booked').execute();
    await ctx.jobs.cancel(trx, `svc-activity:${id}:`);
    const users = await usersOfResidents(trx, active.map((s) => s.resident_id));
    await notifyUsers(ctx, trx, users.map((u) => u.userId), { kind: 'services.activity', title: `活动取消：${a.title}`, body: `原定 ${shanghaiText(a.starts_at)} 的活动已取消。原因：${text}`, link: `/h5/activities?id=${id}`, data: { activityId: id } });
    await audit(trx, ctx.clock, actor, { action: 'services.activity.cancel', entity: 'svc_activity', entityId: id, before: { status: 'open' }, after: { status: 'cancelled', reason: text, signups: active.length } });
  });
  return getActivityForStaff(ctx, actor, id);
}

/** The reminder job: tells everyone confirmed (with an account) the time and place. */
export function remindJob(ctx: AppContext) {
  return async (trx: Tx, payload: { activityId: string }) => {
    const a = await svcRepo.activityById(trx, payload.activityId);
    if (!a || a.status !== 'open' || new Date(a.ends_at) <= ctx.clock.now()) return;
    const rows = await trx.selectFrom('svc_signups').select(['resident_id']).where('activity_id', '=', a.id).where('status', '=', 'confirmed').execute();
    const users = await usersOfResidents(trx, rows.map((r) => r.resident_id));
    await notifyUsers(ctx, trx, users.map((u) => u.userId), {
      kind: 'services.activity.reminder',
      title: `活动提醒：${a.title}`,
      body: `${shanghaiText(a.starts_at)} 在${a.location}举行，请准时参加，到场后扫码签到。`,
      link: `/h5/activities?id=${a.id}`,
      data: { activityId: a.id },
    });
    await audit(trx, ctx.clock, systemActor(), { action: 'services.activity.remind', entity: 'svc_activity', entityId: a.id, after: { reminded: users.length } });
  };
}

// ---------------------------------------------------------------- residents (and staff acting for them)

/** Activities a resident can see: those held for a place that includes their home, and open ones elsewhere. */
export async function activitiesForResident(ctx: AppContext, actor: Actor) {
  const me = await selfResident(ctx, actor);
  const now = ctx.clock.now();
  const rows = await ctx.db
    .selectFrom('svc_activities')
    .selectAll()
    .where('status', '=', 'open')
    .where('ends_at', '>', now)
    .where((eb) => eb.or([eb('node_path', 'in', ancestorPaths(me.nodePath)), eb('residents_only', '=', false)]))
    .orderBy('starts_at')
    .limit(200)
    .execute();
  const counts = await svcRepo.signupCounts(ctx.db, rows.map((r) => r.id));
  const mine = rows.length ? await ctx.db.selectFrom('svc_signups').selectAll().where('resident_id', '=', me.id).where('activity_id', 'in', rows.map((r) => r.id)).where('status', '<>', 'cancelled').execute() : [];
  return Promise.all(
    rows.map(async (a) => {
      const s = mine.find((m) => m.activity_id === a.id) ?? null;
      const reason = ineligibility(a, me, now);
      return { ...viewActivity(a, counts.get(a.id)), mine: s ? viewSignup(s, s.status === 'waiting' ? await waitingPosition(ctx, s) : null) : null, eligible: { ok: !reason, reason } };
    }),
  );
}

async function waitingPosition(ctx: AppContext, s: SignupRow): Promise<number> {
  const r = await ctx.db.selectFrom('svc_signups').select((eb) => eb.fn.countAll<number>().as('n')).where('activity_id', '=', s.activity_id).where('status', '=', 'waiting').where('seq', '<=', s.seq).executeTakeFirstOrThrow();
  return Number(r.n);
}

export async function activityForResident(ctx: AppContext, actor: Actor, id: string) {
  const me = await selfResident(ctx, actor);
  const a = await svcRepo.activityById(ctx.db, id);
  if (!a || !(a.residents_only === false || ancestorPaths(me.nodePath).includes(a.node_path))) throw notFound('活动不存在');
  const counts = await svcRepo.signupCounts(ctx.db, [id]);
  const s = await ctx.db.selectFrom('svc_signups').selectAll().where('resident_id', '=', me.id).where('activity_id', '=', id).where('status', '<>', 'cancelled').executeTakeFirst();
  const reason = ineligibility(a, me, ctx.clock.now());
  return { ...viewActivity(a, counts.get(id)), mine: s ? viewSignup(s, s.status === 'waiting' ? await waitingPosition(ctx, s) : null) : null, eligible: { ok: !reason, reason } };
}

/** Who the sign-up is for: the signed-in resident, or (proxy service) a resident in the staff member's scope. */
async function signupSubject(ctx: AppContext, actor: Actor, residentId?: string | null): Promise<{ resident: ResidentMatch; as: Actor; proxy: boolean }> {
  if (!residentId || residentId === actor.residentId) return { resident: await selfResident(ctx, actor), as: actor, proxy: false };
  requirePermission(actor, 'services.proxy');
  await getResident(ctx, actor, residentId); // scope: 404 outside
  const [r] = await residentsMatching(ctx.db, { ids: [residentId], on: ctx.clock.now() });
  if (!r) throw conflict('该居民已不在册');
  return { resident: r, as: actingFor(actor, r.id), proxy: true };
}

/**
 * Signs a resident up. The activity row is locked for the whole transaction, so concurrent sign-ups
 * are serialised: each sees the confirmed count left by the one before, the capacity is never
 * exceeded, and `seq` (assigned under the lock) records the order for the waiting list.
 */
export async function signUp(ctx: AppContext, actor: Actor, activityId: string, residentId?: string | null): Promise<SignupView> {
  const { resident, as, proxy } = await signupSubject(ctx, actor, residentId);
  const now = ctx.clock.now();
  const id = newId();
  await withTx(ctx, async (trx) => {
    const a = await svcRepo.activityById(trx, activityId, true);
    // open to the resident, whoever signs them up: staff acting for a resident (already checked to be in
    // their scope) reach the activities that resident could join, community-wide ones included
    if (!a || !(a.residents_only === false || ancestorPaths(resident.nodePath).includes(a.node_path))) throw notFound('活动不存在');
    if (a.status !== 'open') throw conflict('活动已取消');
    if (new Date(a.starts_at) <= now) throw conflict('活动已开始，不能再报名');
    if (a.signup_deadline && new Date(a.signup_deadline) < now) throw conflict('报名已截止');
    const reason = ineligibility(a, resident, now);
    if (reason) throw forbidden(reason);
    const existing = await trx.selectFrom('svc_signups').select(['id', 'status']).where('activity_id', '=', a.id).where('resident_id', '=', resident.id).where('status', '<>', 'cancelled').executeTakeFirst();
    if (existing) throw conflict(existing.status === 'waiting' ? '您已在候补名单中' : '您已报名该活动');
    const confirmed = await trx.selectFrom('svc_signups').select((eb) => eb.fn.countAll<number>().as('n')).where('activity_id', '=', a.id).where('status', '=', 'confirmed').executeTakeFirstOrThrow();
    const status = Number(confirmed.n) < a.capacity ? ('confirmed' as const) : ('waiting' as const);
    const users = await usersOfResidents(trx, [resident.id]);
    await trx
      .insertInto('svc_signups')
      .values({ id, activity_id: a.id, resident_id: resident.id, resident_name: resident.name, node_path: resident.nodePath, user_id: users[0]?.userId ?? null, status, proxy_by: proxy ? actor.displayName : null, signed_at: now, promoted_at: null, cancelled_at: null, checked_in_at: null })
      .execute();
    await audit(trx, ctx.clock, as, { action: 'services.activity.signup', entity: 'svc_signup', entityId: id, after: { activityId: a.id, residentId: resident.id, status } });
  });
  const s = (await ctx.db.selectFrom('svc_signups').selectAll().where('id', '=', id).executeTakeFirst())!;
  return viewSignup(s, s.status === 'waiting' ? await waitingPosition(ctx, s) : null);
}

/**
 * Cancels a sign-up (the resident, staff acting for them, or activity staff). When a confirmed
 * place frees up, the first on the waiting list (lowest seq) is promoted in the same transaction
 * and told in the inbox.
 */
export async function cancelSignup(ctx: AppContext, actor: Actor, activityId: string, residentId?: string | null): Promise<{ cancelled: SignupView; promoted: SignupView | null }> {
  let subjectId: string;
  let as = actor;
  if (!residentId || residentId === actor.residentId) subjectId = (await selfResident(ctx, actor)).id;
  else {
    if (!can(actor, 'services.activities.manage')) requirePermission(actor, 'services.proxy');
    await getResident(ctx, actor, residentId);
    subjectId = residentId;
    as = actingFor(actor, residentId);
  }
  const now = ctx.clock.now();
  const out = await withTx(ctx, async (trx) => {
    const a = await svcRepo.activityById(trx, activityId, true);
    if (!a) throw notFound('活动不存在');
    const s = await trx.selectFrom('svc_signups').selectAll().where('activity_id', '=', a.id).where('resident_id', '=', subjectId).where('status', '<>', 'cancelled').executeTakeFirst();
    if (!s) throw notFound('没有找到报名记录');
    if (s.checked_in_at) throw conflict('已签到，不能取消报名');
    await trx.updateTable('svc_signups').set({ status: 'cancelled', cancelled_at: now }).where('id', '=', s.id).execute();
    let promoted: SignupRow | null = null;
    if (s.status === 'confirmed' && a.status === 'open') {
      const confirmed = await trx.selectFrom('svc_signups').select((eb) => eb.fn.countAll<number>().as('n')).where('activity_id', '=', a.id).where('status', '=', 'confirmed').executeTakeFirstOrThrow();
      if (Number(confirmed.n) < a.capacity) {
        const next = await trx.selectFrom('svc_signups').selectAll().where('activity_id', '=', a.id).where('status', '=', 'waiting').orderBy('seq').limit(1).executeTakeFirst();
        if (next) {
          await trx.updateTable('svc_signups').set({ status: 'confirmed', promoted_at: now }).where('id', '=', next.id).execute();
          promoted = { ...next, status: 'confirmed', promoted_at: now };
          const users = await usersOfResidents(trx, [next.resident_id]);
          await notifyUsers(ctx, trx, users.map((u) => u.userId), {
            kind: 'services.activity',
            title: `候补成功：${a.title}`,
            body: `有居民取消报名，您已从候补转为报名成功。活动时间 ${shanghaiText(a.starts_at)}，地点 ${a.location}。`,
            link: `/h5/activities?id=${a.id}`,
            data: { activityId: a.id },
          });
        }
      }
    }
    await audit(trx, ctx.clock, as, {
      action: 'services.activity.cancel_signup',
      entity: 'svc_signup',
      entityId: s.id,
      before: { status: s.status },
      after: { status: 'cancelled', promoted: promoted ? { signupId: promoted.id, residentId: promoted.resident_id } : null },
    });
    return { cancelled: viewSignup({ ...s, status: 'cancelled', cancelled_at: now }, null), promoted: promoted ? viewSignup(promoted, null) : null };
  });
  return out;
}

/** Check-in by the QR code at the venue: the code carries the activity's token; from an hour before the start to the end. */
export async function checkIn(ctx: AppContext, actor: Actor, activityId: string, token: string): Promise<SignupView & { already: boolean; activityTitle: string }> {
  const me = await selfResident(ctx, actor);
  const now = ctx.clock.now();
  return withTx(ctx, async (trx) => {
    const a = await svcRepo.activityById(trx, activityId);
    if (!a || a.checkin_token !== token) throw notFound('签到码无效，请重新扫描现场的二维码');
    if (a.status !== 'open') throw conflict('活动已取消');
    if (now.getTime() < new Date(a.starts_at).getTime() - 3_600_000) throw conflict('签到将在活动开始前 1 小时开放');
    if (now >= new Date(a.ends_at)) throw conflict('活动已结束，签到已关闭');
    const s = await trx.selectFrom('svc_signups').selectAll().where('activity_id', '=', a.id).where('resident_id', '=', me.id).where('status', '<>', 'cancelled').forUpdate().executeTakeFirst();
    if (!s) throw forbidden('您没有报名本活动');
    if (s.status !== 'confirmed') throw forbidden('您在候补名单中，候补成功后才能签到');
    if (s.checked_in_at) return { ...viewSignup(s, null), already: true, activityTitle: a.title };
    await trx.updateTable('svc_signups').set({ checked_in_at: now }).where('id', '=', s.id).execute();
    await audit(trx, ctx.clock, actor, { action: 'services.activity.checkin', entity: 'svc_signup', entityId: s.id, after: { activityId: a.id, at: now.toISOString() } });
    return { ...viewSignup({ ...s, checked_in_at: now }, null), already: false, activityTitle: a.title };
  });
}

export async function mySignups(ctx: AppContext, actor: Actor) {
  const me = await selfResident(ctx, actor);
  const rows = await ctx.db
    .selectFrom('svc_signups as s')
    .innerJoin('svc_activities as a', 'a.id', 's.activity_id')
    .selectAll('s')
    .select(['a.title', 'a.starts_at', 'a.location'])
    .where('s.resident_id', '=', me.id)
    .orderBy('a.starts_at', 'desc')
    .limit(100)
    .execute();
  return Promise.all(rows.map(async (r) => ({ ...viewSignup(r, r.status === 'waiting' ? await waitingPosition(ctx, r) : null), activityTitle: r.title, startsAt: new Date(r.starts_at).toISOString(), location: r.location })));
}

// ---------------------------------------------------------------- rooms

export interface RoomView {
  id: string;
  name: string;
  node: { id: string; path: string };
  capacity: number;
  facilities: string | null;
  openFrom: string;
  openTo: string;
  active: boolean;
}
const hm = (m: number) => `${String(Math.floor(m / 60)).padStart(2, '0')}:${String(m % 60).padStart(2, '0')}`;
const viewRoom = (r: RoomRow): RoomView => ({ id: r.id, name: r.name, node: { id: r.node_id, path: r.node_path }, capacity: r.capacity, facilities: r.facilities, openFrom: hm(r.open_from), openTo: hm(r.open_to), active: r.active });

export interface BookingView {
  id: string;
  roomId: string;
  purpose: string;
  startsAt: string;
  endsAt: string;
  status: 'booked' | 'cancelled';
  userName: string;
  mine: boolean;
  activityId: string | null;
}
const viewBooking = (b: BookingRow, actor: Actor, showNames: boolean): BookingView => ({
  id: b.id,
  roomId: b.room_id,
  purpose: b.purpose,
  startsAt: new Date(b.starts_at).toISOString(),
  endsAt: new Date(b.ends_at).toISOString(),
  status: b.status,
  userName: showNames || b.user_id === actor.userId ? b.user_name : b.activity_id ? '社区活动' : '已预约',
  mine: !!actor.userId && b.user_id === actor.userId,
  activityId: b.activity_id,
});

/** Rooms a user may book: staff see the rooms in their scope; residents the rooms of the places that include their home. */
export async function listRooms(ctx: AppContext, actor: Actor): Promise<RoomView[]> {
  let q = ctx.db.selectFrom('svc_rooms').selectAll().where('active', '=', true);
  if (can(actor, 'services.rooms.manage')) {
    const s = staffScope(actor);
    if (s.kind === 'none') return [];
    if (s.kind === 'subtree') {
      const p = s.path;
      q = q.where((eb) => eb.or([eb('node_path', 'in', ancestorPaths(p)), eb('node_path', 'like', p.replace(/[\\%_]/g, '\\$&') + '/%')]));
    }
  } else {
    const me = await selfResident(ctx, actor);
    q = q.where('node_path', 'in', ancestorPaths(me.nodePath));
  }
  return (await q.orderBy('node_path').orderBy('name').execute()).map(viewRoom);
}

/** A room the actor may use; `homePath` is the resident's home (read before any transaction: PGlite has one connection). */
async function visibleRoom(ctx: AppContext, actor: Actor, id: string, lockTrx?: Tx, homePath?: string): Promise<RoomRow> {
  const room = await svcRepo.roomById(lockTrx ?? ctx.db, id, !!lockTrx);
  if (!room || !room.active) throw notFound('场地不存在');
  if (can(actor, 'services.rooms.manage')) {
    const s = staffScope(actor);
    if (s.kind === 'none' || (s.kind === 'subtree' && !ancestorPaths(s.path).includes(room.node_path) && !room.node_path.startsWith(s.path + '/'))) throw notFound('场地不存在');
  } else {
    const home = homePath ?? (await selfResident(ctx, actor)).nodePath;
    if (!ancestorPaths(home).includes(room.node_path)) throw notFound('场地不存在');
  }
  return room;
}

export async function createRoom(ctx: AppContext, actor: Actor, input: { name: string; nodeId: string; capacity: number; facilities?: string | null; openFrom?: string; openTo?: string }): Promise<RoomView> {
  requirePermission(actor, 'services.rooms.manage');
  const name = requireText(input.name, 'name', 60, '场地名称');
  const [n] = await nodeBriefs(ctx.db, { ids: [input.nodeId] });
  if (!n || !['street', 'community', 'estate'].includes(n.level)) throw invalid('所属单位须为街道、社区或小区', [{ field: 'nodeId', message: '层级不正确' }]);
  assertPathInScope(actor, n.path);
  const parseHm = (s: string | undefined, def: number, field: string) => {
    if (!s) return def;
    const m = /^([01]\d|2[0-3]):([0-5]\d)$/.exec(s);
    if (!m) throw invalid('开放时间格式不正确', [{ field, message: '须为 HH:MM' }]);
    return Number(m[1]) * 60 + Number(m[2]);
  };
  const from = parseHm(input.openFrom, 480, 'openFrom');
  const to = parseHm(input.openTo, 1260, 'openTo');
  if (to <= from) throw invalid('开放时间不正确', [{ field: 'openTo', message: '须晚于开始时间' }]);
  const now = ctx.clock.now();
  const row = { id: newId(), name, node_id: n.id, node_path: n.path, capacity: input.capacity, facilities: input.facilities?.trim() || null, open_from: from, open_to: to, active: true, created_at: now, updated_at: now };
  await withTx(ctx, async (trx) => {
    await trx.insertInto('svc_rooms').values(row).execute();
    await audit(trx, ctx.clock, actor, { action: 'services.room.create', entity: 'svc_room', entityId: row.id, after: { name, node: n.path, capacity: row.capacity } });
  });
  return viewRoom(row);
}

export async function roomBookings(ctx: AppContext, actor: Actor, roomId: string, q: { from?: string; to?: string }) {
  const room = await visibleRoom(ctx, actor, roomId);
  const from = parseTime(q.from, 'from') ?? ctx.clock.now();
  const to = parseTime(q.to, 'to') ?? new Date(from.getTime() + 14 * 86_400_000);
  const rows = await ctx.db.selectFrom('svc_room_bookings').selectAll().where('room_id', '=', room.id).where('status', '=', 'booked').where('ends_at', '>', from).where('starts_at', '<', to).orderBy('starts_at').limit(500).execute();
  const staff = can(actor, 'services.rooms.manage');
  return { room: viewRoom(room), items: rows.map((b) => viewBooking(b, actor, staff)) };
}

/** Inserts a booking under the room's row lock: an overlap with a booked slot is refused. */
async function insertBooking(ctx: AppContext, trx: Tx, actor: Actor, room: RoomRow, b: { startsAt: Date; endsAt: Date; purpose: string; residentId: string | null; activityId: string | null }): Promise<BookingRow> {
  const clash = await svcRepo.overlapping(trx, room.id, b.startsAt, b.endsAt);
  if (clash.length) {
    throw conflict(`该时段已被预约（${shanghaiText(clash[0]!.starts_at).slice(11)}–${shanghaiText(clash[0]!.ends_at).slice(11)}），请选择其他时间`, { conflicts: clash.map((c) => ({ id: c.id, startsAt: iso(c.starts_at), endsAt: iso(c.ends_at) })) });
  }
  const now = ctx.clock.now();
  const row = { id: newId(), room_id: room.id, node_path: room.node_path, purpose: b.purpose, starts_at: b.startsAt, ends_at: b.endsAt, status: 'booked' as const, user_id: actor.userId, user_name: actor.displayName, resident_id: b.residentId, activity_id: b.activityId, created_at: now, updated_at: now };
  await trx.insertInto('svc_room_bookings').values(row).execute();
  await audit(trx, ctx.clock, actor, { action: 'services.room.book', entity: 'svc_room_booking', entityId: row.id, after: { roomId: room.id, startsAt: b.startsAt.toISOString(), endsAt: b.endsAt.toISOString(), purpose: b.purpose } });
  return row;
}

export async function bookRoom(ctx: AppContext, actor: Actor, roomId: string, input: { startsAt: string; endsAt: string; purpose: string }): Promise<BookingView> {
  const purpose = requireText(input.purpose, 'purpose', 200, '用途');
  const startsAt = parseTime(input.startsAt, 'startsAt')!;
  const endsAt = parseTime(input.endsAt, 'endsAt')!;
  const now = ctx.clock.now();
  if (endsAt <= startsAt) throw invalid('结束时间须晚于开始时间', [{ field: 'endsAt', message: '须晚于开始时间' }]);
  if (startsAt <= now) throw invalid('不能预约过去的时间', [{ field: 'startsAt', message: '须晚于现在' }]);
  if (endsAt.getTime() - startsAt.getTime() > 8 * 3_600_000) throw invalid('单次预约不能超过 8 小时', [{ field: 'endsAt', message: '不能超过 8 小时' }]);
  const staff = can(actor, 'services.rooms.manage');
  const me = staff ? null : await selfResident(ctx, actor);
  const residentId = me?.id ?? null;
  return withTx(ctx, async (trx) => {
    const room = await visibleRoom(ctx, actor, roomId, trx, me?.nodePath);
    const local = (d: Date) => {
      const l = new Date(d.getTime() + 8 * 3_600_000);
      return { day: l.toISOString().slice(0, 10), min: l.getUTCHours() * 60 + l.getUTCMinutes() };
    };
    const s = local(startsAt);
    const e = local(endsAt);
    if (s.day !== e.day || s.min < room.open_from || e.min > room.open_to) throw invalid(`请在开放时间 ${hm(room.open_from)}–${hm(room.open_to)} 内预约`, [{ field: 'startsAt', message: '超出开放时间' }]);
    const row = await insertBooking(ctx, trx, actor, room, { startsAt, endsAt, purpose, residentId, activityId: null });
    return viewBooking(row, actor, true);
  });
}

export async function cancelBooking(ctx: AppContext, actor: Actor, bookingId: string): Promise<BookingView> {
  return withTx(ctx, async (trx) => {
    const b = await trx.selectFrom('svc_room_bookings').selectAll().where('id', '=', bookingId).forUpdate().executeTakeFirst();
    if (!b) throw notFound('预约不存在');
    const own = !!actor.userId && b.user_id === actor.userId;
    if (!own) {
      requirePermission(actor, 'services.rooms.manage');
      assertRowInScope(actor, b.node_path);
    }
    if (b.activity_id) throw conflict('活动占用的场地请通过取消活动释放');
    if (b.status === 'cancelled') throw conflict('预约已取消');
    const now = ctx.clock.now();
    await trx.updateTable('svc_room_bookings').set({ status: 'cancelled', updated_at: now }).where('id', '=', b.id).execute();
    await audit(trx, ctx.clock, actor, { action: 'services.room.cancel', entity: 'svc_room_booking', entityId: b.id, before: { status: 'booked' }, after: { status: 'cancelled' } });
    return viewBooking({ ...b, status: 'cancelled' }, actor, true);
  });
}

export async function myBookings(ctx: AppContext, actor: Actor): Promise<Array<BookingView & { roomName: string }>> {
  if (!actor.userId) return [];
  const rows = await ctx.db
    .selectFrom('svc_room_bookings as b')
    .innerJoin('svc_rooms as r', 'r.id', 'b.room_id')
    .selectAll('b')
    .select('r.name as room_name')
    .where('b.user_id', '=', actor.userId)
    .where('b.ends_at', '>', ctx.clock.now())
    .orderBy('b.starts_at')
    .limit(100)
    .execute();
  return rows.map((r) => ({ ...viewBooking(r, actor, true), roomName: r.room_name }));
}
