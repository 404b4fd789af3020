import { randomInt } from 'node:crypto';
import type { AppContext } from '../../platform/context.js';
import { AfterCommit, withTx } from '../../platform/context.js';
import type { Executor, Tx } from '../../platform/db/database.js';
import type { Actor, Role } from '../../platform/auth/actor.js';
import { hasRole, systemActor, ROLE_NAMES } from '../../platform/auth/actor.js';
import { can, requirePermission } from '../../platform/auth/permissions.js';
import { assertPathInScope, pathWithin, scopeOf } from '../../platform/auth/scope.js';
import { audit, auditWrite, logDataAccess } from '../../platform/audit/audit.js';
import { writeTogether } from '../../platform/db/statement.js';
import { AppError, conflict, forbidden, invalid, notFound } from '../../platform/errors.js';
import { newId } from '../../platform/ids.js';
import { cachedRef } from '../../platform/refcache.js';
import { maskName, maskPhone } from '../../platform/crypto.js';
import { loadCalendar, localDate } from '../../platform/calendar/index.js';
import { notificationWrites, notifyUsers } from '../../platform/notify/index.js';
import { attachFiles, fileViews, MAX_PHOTOS, type FileView } from '../../platform/files/index.js';
import { adviseIntake, captureCaseCorrection, categoryByCode, listCategories, routeCase, type Category, type IntakeAdvice } from '../dispatch/index.js';
import { listDepartments, listNodes, locatePoint, nodeBriefs, nodePathOf, type DepartmentView, type NodeView } from '../org/index.js';
import { caseRepo, type CaseEventRow, type CaseFilter, type CaseRow, type CaseScope, type CaseState, type Channel, type NewCaseEvent, type Priority } from './repository.js';
import { ACTION_NAMES, ACTION_PERMISSION, actorMay, allowedActions, FINAL_STATES, HANDLING_STATES, QUEUE_STATES, STATE_NAMES, type Action, type CaseFacts } from './policy.js';
import { ESCALATION_ROLES, ESCALATION_RUNGS, escalationPath, escalationRung, MAX_ESCALATION, rungsAbove, type EscalationTarget } from './policy.js';
import { cancelDeadlineJobs, clockModeFor, computeDeadlines, deadlineJobs, scheduleDeadlineJobs, timeBetween } from './deadlines.js';

// ---------------------------------------------------------------- reference lookups (cached briefly)

interface RefData {
  nodes: Map<string, NodeView>;
  depts: Map<string, DepartmentView>;
  deptsByCode: Map<string, DepartmentView>;
}

/** Org nodes (community/estate/grid) and departments, for names in views (platform/refcache). Never call inside a transaction. */
export function refData(ctx: AppContext): Promise<RefData> {
  return cachedRef(ctx, 'cases.refData', async () => {
    const nodes = await listNodes(ctx, systemActor(), { levels: ['district', 'street', 'community', 'estate', 'grid'], withGeometry: false });
    const depts = await listDepartments(ctx);
    return { nodes: new Map(nodes.map((n) => [n.id, n])), depts: new Map(depts.map((d) => [d.id, d])), deptsByCode: new Map(depts.map((d) => [d.code, d])) };
  });
}

// ---------------------------------------------------------------- scope

/** The cases an actor may see, as a repository scope. */
export function caseScope(actor: Actor): CaseScope {
  const s = scopeOf(actor);
  if (s.kind === 'all' || s.kind === 'subtree' || s.kind === 'department') return s;
  if (s.kind === 'self') return { kind: 'self', userId: s.userId };
  return { kind: 'none' };
}

export async function canSeeCase(db: Executor, actor: Actor, c: Pick<CaseRow, 'id' | 'node_path' | 'department_id' | 'cc_department_ids' | 'reporter_user_id'>): Promise<boolean> {
  const s = caseScope(actor);
  switch (s.kind) {
    case 'all':
      return true;
    case 'subtree':
      return pathWithin(c.node_path, s.path);
    case 'department':
      return c.department_id === s.departmentId || c.cc_department_ids.includes(s.departmentId);
    case 'self':
      return c.reporter_user_id === s.userId || (await caseRepo.isFollower(db, c.id, s.userId));
    default:
      return false;
  }
}

const isResidentView = (actor: Actor) => caseScope(actor).kind === 'self';

// ---------------------------------------------------------------- numbers

const TRACK_ALPHABET = '23456789ABCDEFGHJKMNPQRSTUVWXYZ';
export const TRACK_CODE_LENGTH = 6;

/**
 * YYYYMMDD in Asia/Shanghai + five digits of that day's counter. Intake takes the number in its own
 * short statement before its transaction: holding the day's counter row locked for a whole intake
 * transaction would serialise every report. An intake that fails afterwards leaves a gap in the
 * day's numbers, as a sequence would.
 */
export async function nextCaseNumber(db: Executor, at: Date): Promise<string> {
  const day = localDate(at, 480).replace(/-/g, '');
  const n = await caseRepo.nextNumber(db, day);
  return day + String(n).padStart(5, '0');
}

export function randomTrackCode(): string {
  let s = '';
  for (let i = 0; i < TRACK_CODE_LENGTH; i++) s += TRACK_ALPHABET[randomInt(TRACK_ALPHABET.length)];
  return s;
}

// ---------------------------------------------------------------- views

export interface TimelineEntry {
  id: string;
  at: string;
  action: string;
  label: string;
  fromState: string | null;
  toState: string | null;
  actor: string | null;
  actorRole: string | null;
  department: { id: string; code: string; name: string } | null;
  note: string | null;
  data: Record<string, unknown>;
  photos: FileView[];
}

export interface CaseView {
  id: string;
  number: string;
  trackCode: string;
  state: CaseState;
  stateName: string;
  version: number;
  channel: Channel;
  description: string;
  category: { code: string; name: string; limitHours: number; priority: string } | null;
  priority: Priority;
  location: { lng: number; lat: number };
  address: string | null;
  grid: { id: string; code: string; name: string; path: string } | null;
  estate: { id: string; code: string; name: string } | null;
  community: { id: string; code: string; name: string } | null;
  department: { id: string; code: string; name: string } | null;
  cc: Array<{ id: string; code: string; name: string }>;
  reporter: { name: string | null; phone: string | null } | null;
  anonymous: boolean;
  source: { type: string; key: string } | null;
  mergedInto: { id: string; number: string } | null;
  duplicateOf: string | null;
  advice: Record<string, unknown> | null;
  photos: FileView[];
  reportedAt: string;
  filedAt: string | null;
  dispatchedAt: string | null;
  acceptedAt: string | null;
  resolvedAt: string | null;
  closedAt: string | null;
  clockMode: string | null;
  acceptDueAt: string | null;
  warnAt: string | null;
  deadlineAt: string | null;
  overdue: boolean;
  reworkCount: number;
  returnCount: number;
  reopenCount: number;
  urgeCount: number;
  escalationLevel: number;
  /** the level of the tree now supervising the case after escalation (提级), null when never escalated */
  escalation: { level: number; levelName: string; node: { id: string; name: string; path: string } | null } | null;
  rating: number | null;
  ratingComment: string | null;
  pendingExtension: { id: string; hours: number; reason: string; requestedAt: string } | null;
  allowedActions?: Action[];
  possibleDuplicates?: Array<{ id: string; number: string; distanceM: number; state: CaseState }>;
  timeline?: TimelineEntry[];
  /** false when an idempotent retry or a repeated source returned an existing case */
  created?: boolean;
}

const iso = (d: Date | string | null | undefined) => (d ? new Date(d).toISOString() : null);

function isOverdue(c: CaseRow, now: Date): boolean {
  if (c.overdue_at) return true;
  if (!c.deadline_at) return false;
  const end = c.resolved_at && !HANDLING_STATES.includes(c.state) ? new Date(c.resolved_at) : now;
  return HANDLING_STATES.includes(c.state) || c.state === 'resolved' || c.state === 'closed' ? end.getTime() > new Date(c.deadline_at).getTime() : false;
}

function reporterFor(ctx: AppContext, actor: Actor, c: CaseRow, reveal: boolean): CaseView['reporter'] {
  const name = ctx.cipher.decrypt(c.reporter_name_enc);
  const phone = ctx.cipher.decrypt(c.reporter_phone_enc);
  if (!name && !phone) return null;
  const own = !!actor.userId && actor.userId === c.reporter_user_id;
  if (own) return { name, phone: maskPhone(phone) };
  const s = caseScope(actor);
  if (s.kind === 'self' || s.kind === 'none') return null;
  if (s.kind === 'department' && c.anonymous) return null;
  if (c.anonymous && !hasRole(actor, 'admin', 'auditor', 'dispatcher', 'supervisor')) return null;
  return { name: s.kind === 'department' ? maskName(name) : name, phone: reveal ? phone : maskPhone(phone) };
}

async function toView(ctx: AppContext, actor: Actor, c: CaseRow, ref: RefData, opts: { reveal?: boolean; photos?: FileView[]; mergedNumber?: string | null; ext?: CaseView['pendingExtension'] } = {}): Promise<CaseView> {
  const cat = c.category_code ? await categoryByCode(ctx, c.category_code) : null;
  const grid = c.grid_id ? ref.nodes.get(c.grid_id) : undefined;
  const estate = c.estate_id ? ref.nodes.get(c.estate_id) : undefined;
  const community = c.community_id ? ref.nodes.get(c.community_id) : undefined;
  const dept = c.department_id ? ref.depts.get(c.department_id) : undefined;
  const resident = isResidentView(actor);
  return {
    id: c.id,
    number: c.number,
    trackCode: c.track_code,
    state: c.state,
    stateName: STATE_NAMES[c.state],
    version: c.version,
    channel: c.channel,
    description: c.description,
    category: cat ? { code: cat.code, name: cat.name, limitHours: cat.limitHours, priority: cat.priority } : c.category_code ? { code: c.category_code, name: c.category_code, limitHours: 0, priority: 'normal' } : null,
    priority: c.priority,
    location: { lng: c.lng, lat: c.lat },
    address: c.address,
    grid: grid ? { id: grid.id, code: grid.code, name: grid.name, path: grid.path } : null,
    estate: estate ? { id: estate.id, code: estate.code, name: estate.name } : null,
    community: community ? { id: community.id, code: community.code, name: community.name } : null,
    department: dept ? { id: dept.id, code: dept.code, name: dept.name } : null,
    cc: c.cc_department_ids.map((id) => ref.depts.get(id)).filter((d): d is DepartmentView => !!d).map((d) => ({ id: d.id, code: d.code, name: d.name })),
    reporter: reporterFor(ctx, actor, c, !!opts.reveal),
    anonymous: c.anonymous,
    source: c.source_type && !resident ? { type: c.source_type, key: c.source_key ?? '' } : null,
    mergedInto: c.merged_into ? { id: c.merged_into, number: opts.mergedNumber ?? '' } : null,
    duplicateOf: resident ? null : c.duplicate_of,
    advice: resident ? null : ((c.advice as Record<string, unknown> | null) ?? null),
    photos: opts.photos ?? [],
    reportedAt: iso(c.reported_at)!,
    filedAt: iso(c.filed_at),
    dispatchedAt: iso(c.dispatched_at),
    acceptedAt: iso(c.accepted_at),
    resolvedAt: iso(c.resolved_at),
    closedAt: iso(c.closed_at),
    clockMode: c.clock_mode,
    acceptDueAt: iso(c.accept_due_at),
    warnAt: iso(c.warn_at),
    deadlineAt: iso(c.deadline_at),
    overdue: isOverdue(c, ctx.clock.now()),
    reworkCount: c.rework_count,
    returnCount: c.return_count,
    reopenCount: c.reopen_count,
    urgeCount: c.urge_count,
    escalationLevel: c.escalation_level,
    escalation: escalationView(ref, c),
    rating: c.rating,
    ratingComment: c.rating_comment,
    pendingExtension: opts.ext ?? null,
  };
}

/** Timeline rows as staff see them (every step, actor, note, photos) or as the public sees them. */
async function timelineOf(ctx: AppContext, events: CaseEventRow[], ref: RefData, publicOnly: boolean): Promise<TimelineEntry[]> {
  const rows = publicOnly ? events.filter((e) => e.public) : events;
  const photos = new Map((await fileViews(ctx.db, [...new Set(rows.flatMap((e) => e.photos))])).map((f) => [f.id, f]));
  return rows.map((e) => {
    const d = e.department_id ? ref.depts.get(e.department_id) : undefined;
    return {
      id: e.id,
      at: new Date(e.at).toISOString(),
      action: e.action,
      label: ACTION_NAMES[e.action] ?? e.action,
      fromState: e.from_state,
      toState: e.to_state,
      actor: publicOnly ? (e.actor_role ? (ROLE_NAMES[e.actor_role as Role] ?? null) : null) : e.actor_name,
      actorRole: e.actor_role,
      department: d ? { id: d.id, code: d.code, name: d.name } : null,
      note: publicOnly && !['rejected', 'resolved', 'closed', 'reopened'].includes(e.action) ? null : e.note,
      data: publicOnly ? {} : ((e.data ?? {}) as Record<string, unknown>),
      photos: publicOnly ? [] : e.photos.map((id) => photos.get(id)).filter((f): f is FileView => !!f),
    };
  });
}

/**
 * What the case's allowed actions depend on besides its row. `fresh`: the case was created in this
 * request, so it has no extension request and its only followers are its reporter and the residents
 * a proxy report was made for (never the staff member making it).
 */
async function facts(db: Executor, actor: Actor, c: CaseRow, now: Date, fresh = false): Promise<CaseFacts & { ext: CaseView['pendingExtension'] }> {
  const ext = fresh ? undefined : await caseRepo.pendingExtension(db, c.id);
  // where an escalation would go matters only to those who may escalate
  const nextEscalation = FINAL_STATES.includes(c.state) || !can(actor, ACTION_PERMISSION.escalate) ? null : await escalationTarget(db, c);
  const isReporter = !!actor.userId && (c.reporter_user_id === actor.userId || (!fresh && (await caseRepo.isFollower(db, c.id, actor.userId))));
  return {
    now,
    pendingExtension: !!ext,
    isReporter,
    nextEscalation,
    ext: ext ? { id: ext.id, hours: ext.hours, reason: ext.reason, requestedAt: new Date(ext.requested_at).toISOString() } : null,
  };
}

/** One case with its timeline (public version for residents), the actions open to the caller, and duplicates on offer. */
export async function getCase(ctx: AppContext, actor: Actor, id: string, opts: { reveal?: boolean } = {}): Promise<CaseView> {
  const c = await caseRepo.byId(ctx.db, id);
  if (!c || !(await canSeeCase(ctx.db, actor, c))) throw notFound('案卷不存在或无权查看');
  const reveal = !!opts.reveal;
  if (reveal) {
    // the hotline desk calls reporters back; every clear-text read is logged
    if (!hasRole(actor, 'dispatcher', 'admin')) throw forbidden('您的角色无权查看报告人完整联系方式');
    if (c.reporter_phone_enc) await logDataAccess(ctx.db, ctx.clock, actor, { entity: 'case', entityId: c.id, fields: ['reporter.phone'] });
  }
  return caseView(ctx, actor, c, { reveal });
}

/**
 * The view of a case the caller may see. A case just created passes what the request already holds
 * (its timeline rows and duplicates), so the answer to an intake costs no second read.
 */
async function caseView(ctx: AppContext, actor: Actor, c: CaseRow, opts: { reveal?: boolean; fresh?: { events: CaseEventRow[]; duplicates: CaseView['possibleDuplicates'] } } = {}): Promise<CaseView> {
  const ref = await refData(ctx);
  const f = await facts(ctx.db, actor, c, ctx.clock.now(), !!opts.fresh);
  const merged = c.merged_into ? await caseRepo.byId(ctx.db, c.merged_into) : undefined;
  const resident = isResidentView(actor);
  const view = await toView(ctx, actor, c, ref, { reveal: !!opts.reveal, photos: await fileViews(ctx.db, c.photos), mergedNumber: merged?.number ?? null, ext: resident ? null : f.ext });
  view.allowedActions = allowedActions(actor, c, f);
  view.timeline = await timelineOf(ctx, opts.fresh?.events ?? (await caseRepo.events(ctx.db, c.id)), ref, resident);
  if (opts.fresh) view.possibleDuplicates = opts.fresh.duplicates;
  else if (!resident && QUEUE_STATES.includes(c.state) && c.category_code) view.possibleDuplicates = await findDuplicates(ctx, ctx.db, c.category_code, c.lng, c.lat, c.id);
  return view;
}

// ---------------------------------------------------------------- duplicates

const R = 6_371_000;
export function distanceM(a: { lng: number; lat: number }, b: { lng: number; lat: number }): number {
  const toRad = (x: number) => (x * Math.PI) / 180;
  const dLat = toRad(b.lat - a.lat);
  const dLng = toRad(b.lng - a.lng);
  const h = Math.sin(dLat / 2) ** 2 + Math.cos(toRad(a.lat)) * Math.cos(toRad(b.lat)) * Math.sin(dLng / 2) ** 2;
  return 2 * R * Math.asin(Math.sqrt(h));
}

/** Open cases of the same category within duplicateRadiusM metres reported within duplicateWindowHours. */
export async function findDuplicates(ctx: AppContext, db: Executor, categoryCode: string, lng: number, lat: number, excludeId?: string): Promise<Array<{ id: string; number: string; distanceM: number; state: CaseState }>> {
  const r = ctx.config.duplicateRadiusM;
  const dLat = (r / R) * (180 / Math.PI);
  const dLng = dLat / Math.max(0.01, Math.cos((lat * Math.PI) / 180));
  const since = new Date(ctx.clock.now().getTime() - ctx.config.duplicateWindowHours * 3_600_000);
  const rows = await caseRepo.duplicateCandidates(db, { categoryCode, since, box: { w: lng - dLng, e: lng + dLng, s: lat - dLat, n: lat + dLat }, excludeId });
  return rows
    .map((c) => ({ id: c.id, number: c.number, state: c.state, distanceM: Math.round(distanceM({ lng, lat }, c)) }))
    .filter((c) => c.distanceM <= r)
    .sort((a, b) => a.distanceM - b.distanceM);
}

// ---------------------------------------------------------------- recipients and publishing

async function usersCovering(ctx: AppContext, trx: Tx, roles: Role[], path: string): Promise<string[]> {
  const users = await caseRepo.usersWithRoles(trx, roles);
  const out: string[] = [];
  const paths = new Map<string, string | null>();
  for (const u of users) {
    if (!u.node_id) continue;
    if (!paths.has(u.node_id)) paths.set(u.node_id, await nodePathOf(trx, u.node_id));
    const p = paths.get(u.node_id);
    if (p && pathWithin(path, p)) out.push(u.id);
  }
  return out;
}

async function followerIds(trx: Tx, c: CaseRow): Promise<string[]> {
  const f = (await caseRepo.followers(trx, c.id)).map((x) => x.user_id);
  if (c.reporter_user_id) f.push(c.reporter_user_id);
  return [...new Set(f)];
}

function publish(ctx: AppContext, after: AfterCommit, type: string, c: Pick<CaseRow, 'id' | 'number' | 'node_path' | 'department_id' | 'state' | 'category_code'>, data: Record<string, unknown> = {}, path?: string): void {
  const at = ctx.clock.now().toISOString();
  after.add(() =>
    ctx.events.publish({ type: `case.${type}`, path: path ?? c.node_path, departmentId: c.department_id, data: { caseId: c.id, number: c.number, state: c.state, categoryCode: c.category_code, ...data }, at }),
  );
}

const primaryRole = (a: Actor): string | null => (a.userId === null && a.username === 'system' ? 'system' : (a.roles[0] ?? null));

function eventRow(actor: Actor, caseId: string, at: Date, e: { action: string; from?: CaseState | null; to?: CaseState | null; note?: string | null; data?: Record<string, unknown>; photos?: string[]; departmentId?: string | null; public?: boolean }): NewCaseEvent {
  return {
    id: newId(),
    case_id: caseId,
    at,
    action: e.action,
    from_state: e.from ?? null,
    to_state: e.to ?? null,
    actor_id: actor.userId,
    actor_name: actor.displayName,
    actor_role: primaryRole(actor),
    department_id: e.departmentId ?? null,
    note: e.note ?? null,
    data: JSON.stringify(e.data ?? {}),
    photos: e.photos ?? [],
    public: e.public ?? false,
  };
}

const link = (c: Pick<CaseRow, 'id'>) => `/cases/${c.id}`;

// ---------------------------------------------------------------- intake

export interface ReportInput {
  description: string;
  location: { lng: number; lat: number };
  address?: string | null;
  categoryCode?: string | null;
  channel: Channel;
  anonymous?: boolean;
  idempotencyKey?: string | null;
  priority?: Priority | null;
  reporter?: { name?: string | null; phone?: string | null } | null;
  source?: { type: string; key: string } | null;
  photos?: string[];
}

const CHANNELS: Channel[] = ['resident', 'patrol', 'hotline', 'iot', 'api', 'proxy'];
const PRIORITIES: Priority[] = ['low', 'normal', 'high', 'urgent'];

function checkReportInput(actor: Actor, input: ReportInput): void {
  const problems: Array<{ field: string; message: string }> = [];
  const d = typeof input.description === 'string' ? input.description.trim() : '';
  if (!d) problems.push({ field: 'description', message: '为必填项' });
  if (d.length > 2000) problems.push({ field: 'description', message: '不能超过 2000 字' });
  const { lng, lat } = input.location ?? ({} as { lng: number; lat: number });
  if (!Number.isFinite(lng) || lng < -180 || lng > 180) problems.push({ field: 'location.lng', message: '经度不正确' });
  if (!Number.isFinite(lat) || lat < -90 || lat > 90) problems.push({ field: 'location.lat', message: '纬度不正确' });
  if (!CHANNELS.includes(input.channel)) problems.push({ field: 'channel', message: `须为 ${CHANNELS.join('/')} 之一` });
  if (input.priority && !PRIORITIES.includes(input.priority)) problems.push({ field: 'priority', message: `须为 ${PRIORITIES.join('/')} 之一` });
  if ((input.photos?.length ?? 0) > MAX_PHOTOS) problems.push({ field: 'photos', message: `最多 ${MAX_PHOTOS} 张` });
  if (input.source && (!input.source.type || !input.source.key)) problems.push({ field: 'source', message: 'type 与 key 均为必填' });
  if (input.reporter?.phone && !/^[0-9+\-\s]{5,20}$/.test(input.reporter.phone)) problems.push({ field: 'reporter.phone', message: '电话号码格式不正确' });
  if (problems.length) throw invalid('提交的数据有误', problems);
  const resident = caseScope(actor).kind === 'self';
  if (resident && input.channel !== 'resident') throw forbidden('居民只能通过居民渠道上报');
  if (input.channel === 'iot' && actor.userId !== null && !hasRole(actor, 'admin')) throw forbidden('物联网渠道只能由系统上报');
}

/** A department code the advice names, made concrete: property matters go to the estate's property company (or the community without one). */
function concreteDepartment(ref: RefData, code: string | null, estateId: string | null): DepartmentView | null {
  if (!code) return null;
  if (code === 'WY') {
    const estate = estateId ? ref.nodes.get(estateId) : undefined;
    const company = estate?.props?.propertyCompanyCode as string | null | undefined;
    return (company && ref.deptsByCode.get(company)) || ref.deptsByCode.get('SQ') || ref.deptsByCode.get('WY') || null;
  }
  return ref.deptsByCode.get(code) ?? null;
}

export interface DispatchPlan {
  category: Category;
  department: DepartmentView;
  cc: DepartmentView[];
}

/** The one intake entry point for every channel (resident H5, patrol, hotline, IoT, API, proxy). */
export async function reportCase(ctx: AppContext, actor: Actor, input: ReportInput): Promise<CaseView> {
  checkReportInput(actor, input);
  const idemKey = input.idempotencyKey ? `${actor.userId ?? actor.username}:${input.idempotencyKey}` : null;
  if (idemKey) {
    const existing = await caseRepo.byIdemKey(ctx.db, idemKey);
    if (existing) return { ...(await getCase(ctx, actor, existing.id)), created: false };
  }
  if (input.source) {
    const open = await caseRepo.openBySource(ctx.db, input.source.type, input.source.key);
    if (open) return { ...(await getCase(ctx, actor, open.id)), created: false };
  }
  const { lng, lat } = input.location;
  const located = await locatePoint(ctx, lng, lat);
  if (!located.grid) throw invalid('上报位置不在本辖区的网格范围内', [{ field: 'location', message: '不在辖区内' }]);
  if (input.categoryCode) {
    const c = await categoryByCode(ctx, input.categoryCode);
    if (!c || !c.active) throw invalid('事件分类不存在', [{ field: 'category', message: `分类 ${input.categoryCode} 不存在` }]);
  }
  let advice: IntakeAdvice;
  try {
    advice = await adviseIntake(ctx, { text: input.description, lng, lat, categoryCode: input.categoryCode ?? null, located });
  } catch (err) {
    // Intake never fails because the classifier is unavailable: the case waits for a person.
    ctx.log.warn({ err }, 'intake advice unavailable, case left for manual triage');
    const c = input.categoryCode ? await categoryByCode(ctx, input.categoryCode) : null;
    advice = { categoryCode: c?.code ?? null, confidence: c ? 1 : 0, departmentCode: c?.department ?? null, ccCodes: c?.cc ?? [], autoDispatch: false, explanation: { source: 'fallback', error: (err as Error).message } };
  }
  const category = advice.categoryCode ? await categoryByCode(ctx, advice.categoryCode) : null;
  const ref = await refData(ctx);
  const department = concreteDepartment(ref, advice.departmentCode, located.estate?.id ?? null);
  const cc = advice.ccCodes.map((code) => concreteDepartment(ref, code, located.estate?.id ?? null)).filter((d): d is DepartmentView => !!d && d.id !== department?.id);
  const duplicates = category ? await findDuplicates(ctx, ctx.db, category.code, lng, lat) : [];
  const priority: Priority = input.priority ?? category?.priority ?? 'normal';
  const cal = await loadCalendar(ctx);
  const now = ctx.clock.now();
  const selfReport = ['resident', 'patrol', 'api'].includes(input.channel) && !!actor.userId;
  const reporterName = input.reporter?.name ?? (selfReport ? actor.displayName : null);
  const reporterPhone = input.reporter?.phone ?? null;
  const auto = advice.autoDispatch && !!category && !!department && duplicates.length === 0;
  const sys = systemActor(actor.requestId);

  const number = await nextCaseNumber(ctx.db, now);
  // an auto-dispatched case is written dispatched, with its deadlines, in the same insert
  const dispatch = auto ? { mode: clockModeFor(category, priority), limitMinutes: category!.limitHours * 60 } : null;
  const d = dispatch ? computeDeadlines(cal, dispatch.mode, now, dispatch.limitMinutes) : null;
  // read before the write: who is told of an auto-dispatch, who follows a proxy report
  const handlers = dispatch ? await caseRepo.usersOfDepartment(ctx.db, department!.id) : [];
  const proxyUsers = actor.actingForResidentId ? await caseRepo.userIdsOfResident(ctx.db, actor.actingForResidentId) : [];
  // The case's first moment (row, followers, timeline, reminders, notices, audit) is one statement:
  // one round trip, atomic as a transaction would be (platform/db/statement.ts, ADR 0021).
  const intake = async (trackCode: string) => {
    const caseId = newId();
    const row = {
      id: caseId,
      number,
      track_code: trackCode,
      state: (dispatch ? 'dispatched' : 'reported') as CaseState,
      version: 1,
      channel: input.channel,
      description: input.description.trim(),
      category_code: category?.code ?? null,
      priority,
      lng,
      lat,
      address: input.address?.trim() || null,
      grid_id: located.grid!.id,
      estate_id: located.estate?.id ?? null,
      community_id: located.community?.id ?? null,
      node_path: located.grid!.path,
      department_id: dispatch ? department!.id : null,
      cc_department_ids: dispatch ? cc.map((x) => x.id) : [],
      reporter_user_id: selfReport ? actor.userId : null,
      reporter_name_enc: ctx.cipher.encrypt(reporterName),
      reporter_phone_enc: ctx.cipher.encrypt(reporterPhone),
      reporter_phone_hash: ctx.cipher.blindIndex(reporterPhone),
      anonymous: !!input.anonymous,
      idem_key: idemKey,
      source_type: input.source?.type ?? null,
      source_key: input.source?.key ?? null,
      merged_into: null,
      duplicate_of: duplicates[0]?.id ?? null,
      advice: JSON.stringify({ ...advice, suggestedDepartmentCode: department?.code ?? null, suggestedCcCodes: cc.map((x) => x.code) }),
      photos: input.photos ?? [],
      suspended_ms: 0,
      deadline_gen: d ? 1 : 0,
      rework_count: 0,
      return_count: 0,
      reopen_count: 0,
      urge_count: 0,
      escalation_level: 0,
      reported_at: now,
      created_at: now,
      updated_at: now,
      ...(dispatch && d
        ? { filed_at: now, dispatched_at: now, clock_mode: dispatch.mode, clock_start_at: now, limit_minutes: dispatch.limitMinutes, accept_due_at: d.acceptDueAt, warn_at: d.warnAt, deadline_at: d.deadlineAt }
        : {}),
    };
    const followers = [
      ...(row.reporter_user_id ? [{ case_id: caseId, user_id: row.reporter_user_id, reason: 'reporter' as const, at: now }] : []),
      // Proxy service: the resident it was done for follows the case from their own account.
      ...proxyUsers.filter((u) => u !== row.reporter_user_id).map((user_id) => ({ case_id: caseId, user_id, reason: 'proxy' as const, at: now })),
    ];
    const events: NewCaseEvent[] = [eventRow(actor, caseId, now, { action: 'reported', to: 'reported', note: null, data: { channel: input.channel, duplicates: duplicates.map((x) => x.number) }, photos: input.photos ?? [], public: true })];
    const published: Array<[string, Record<string, unknown>]> = [['reported', { channel: input.channel }]];
    if (dispatch && d) {
      events.push(eventRow(sys, caseId, now, { action: 'filed', from: 'reported', to: 'filed', note: '系统自动立案', data: { confidence: advice.confidence }, public: true }));
      events.push(
        eventRow(sys, caseId, now, { action: 'dispatched', from: 'filed', to: 'dispatched', note: '系统自动派遣', departmentId: department!.id, data: { cc: cc.map((x) => x.code), deadlineAt: d.deadlineAt.toISOString(), clockMode: dispatch.mode, auto: true }, public: true }),
      );
      published.push(['filed', { auto: true }], ['dispatched', { auto: true, departmentCode: department!.code }]);
    }
    const write = async (db: Executor): Promise<CaseRow> => {
      const notices = dispatch ? await notificationWrites(ctx, db, handlers, { kind: 'case.dispatched', title: `新派遣案卷 ${number}`, body: `${category!.name}：${row.description.slice(0, 60)}`, link: link(row), data: { caseId } }) : null;
      const [saved] = await writeTogether(db, caseRepo.insertWrite(db, row), [
        caseRepo.followersWrite(db, followers),
        caseRepo.eventsWrite(db, events),
        d ? ctx.jobs.enqueueManyWrite(db, deadlineJobs(caseId, 1, d)) : null,
        ...(notices?.writes ?? []),
        auditWrite(db, ctx.clock, actor, { action: 'case.report', entity: 'case', entityId: caseId, after: { number, channel: input.channel, category: category?.code ?? null, grid: located.grid!.code, autoDispatched: !!dispatch, anonymous: row.anonymous } }),
      ]);
      return saved!;
    };
    // photos are claimed in the same transaction as the case they are attached to
    const saved = input.photos?.length
      ? await withTx(ctx, async (trx) => {
          const c = await write(trx);
          await attachFiles(trx, actor, input.photos!, 'case', caseId);
          return c;
        })
      : await write(ctx.db);
    const after = new AfterCommit();
    for (const [type, data] of published) publish(ctx, after, type, saved, data);
    after.run(ctx);
    return { saved, timeline: caseRepo.asStored(events) };
  };
  let created: Awaited<ReturnType<typeof intake>>;
  for (let attempt = 1; ; attempt++) {
    try {
      // track codes are random: a clash (about one in 10^8 per case at a million cases) just draws again
      created = await intake(randomTrackCode());
      break;
    } catch (err) {
      const e = err as { code?: string; constraint?: string };
      if (e.code === '23505' && /track_code/.test(e.constraint ?? '') && attempt < 5) continue;
      // A concurrent retry with the same key, or a second alarm of the same source, won the race.
      if (e.code === '23505' && idemKey && /idem/.test(e.constraint ?? '')) {
        const existing = await caseRepo.byIdemKey(ctx.db, idemKey);
        if (existing) return { ...(await getCase(ctx, actor, existing.id)), created: false };
      }
      if (e.code === '23505' && input.source && /source/.test(e.constraint ?? '')) {
        const open = await caseRepo.openBySource(ctx.db, input.source.type, input.source.key);
        if (open) return { ...(await getCase(ctx, actor, open.id)), created: false };
      }
      throw err;
    }
  }
  // as getCase: a reporter outside the case's scope (staff reporting elsewhere) is not shown it
  if (!(await canSeeCase(ctx.db, actor, created.saved))) throw notFound('案卷不存在或无权查看');
  const view = await caseView(ctx, actor, created.saved, { fresh: { events: created.timeline, duplicates } });
  view.created = true;
  return view;
}

export async function findOpenCaseBySource(ctx: AppContext, type: string, key: string): Promise<CaseView | null> {
  const c = await caseRepo.openBySource(ctx.db, type, key);
  return c ? getCase(ctx, systemActor(), c.id) : null;
}

// ---------------------------------------------------------------- transitions

/** What a step does to the case: a patch, timeline rows, notifications, events after commit. */
class Step {
  patch: Record<string, unknown> = {};
  events: NewCaseEvent[] = [];
  published: Array<{ type: string; data: Record<string, unknown>; path?: string }> = [];
  notes: Array<{ users: string[] | Promise<string[]>; kind: string; title: string; body?: string }> = [];
  constructor(
    readonly ctx: AppContext,
    readonly trx: Tx,
    readonly actor: Actor,
    readonly c: CaseRow,
    readonly now: Date,
  ) {}
  set(p: Record<string, unknown>): void {
    Object.assign(this.patch, p);
  }
  event(e: Parameters<typeof eventRow>[3], actor: Actor = this.actor): void {
    this.events.push(eventRow(actor, this.c.id, this.now, e));
  }
  publish(type: string, data: Record<string, unknown> = {}, path?: string): void {
    this.published.push({ type, data, path });
  }
  notify(users: string[] | Promise<string[]>, kind: string, title: string, body?: string): void {
    this.notes.push({ users, kind, title, body });
  }
  get state(): CaseState {
    return (this.patch.state as CaseState | undefined) ?? this.c.state;
  }
}

/**
 * A caller's open transaction (and its after-commit hooks): a step given one runs inside it instead of
 * its own, so the caller can commit its own rows atomically with the step (e.g. an exchange link).
 */
export interface CaseTx {
  trx: Tx;
  after: AfterCommit;
}

/**
 * Runs one step in one transaction (its own, or the caller's `tx`): loads and locks the case, checks that the caller may see it
 * (404), may take the action at all (403), that the case admits it now (409 with the allowed
 * actions) and that the caller saw the current version (409), applies the step, writes the timeline,
 * notifications and the audit row, and publishes events after commit.
 */
async function runStep(ctx: AppContext, actor: Actor, id: string, action: Action, version: number | undefined, fn: (s: Step) => Promise<void>, tx?: CaseTx): Promise<void> {
  const body = async (trx: Tx, after: AfterCommit): Promise<void> => {
    const c = await caseRepo.byId(trx, id, true);
    if (!c || !(await canSeeCase(trx, actor, c))) throw notFound('案卷不存在或无权查看');
    const now = ctx.clock.now();
    const f = await facts(trx, actor, c, now);
    const allowed = allowedActions(actor, c, f);
    if (!allowed.includes(action)) {
      if (!actorMay(actor, c, action, f)) throw forbidden('您无权对该案卷执行此操作', { allowed });
      throw conflict(`案卷当前状态为「${STATE_NAMES[c.state]}」，不能执行此操作`, { state: c.state, allowed });
    }
    if (version !== undefined && version !== c.version) throw conflict('案卷已被他人修改，请刷新后重试', { currentVersion: c.version, allowed });
    const step = new Step(ctx, trx, actor, c, now);
    await fn(step);
    if (Object.keys(step.patch).length > 0) {
      const ok = await caseRepo.update(trx, id, c.version, { ...step.patch, updated_at: now } as never);
      if (!ok) throw conflict('案卷已被他人修改，请刷新后重试', { currentVersion: c.version + 1 });
    }
    await caseRepo.addEvents(trx, step.events);
    const after2 = { ...c, ...step.patch } as CaseRow;
    for (const n of step.notes) {
      const users = (await n.users).filter((u) => u !== actor.userId);
      await notifyUsers(ctx, trx, users, { kind: n.kind, title: n.title, body: n.body ?? '', link: link(c), data: { caseId: c.id, number: c.number } });
    }
    await audit(trx, ctx.clock, actor, {
      action: `case.${action}`,
      entity: 'case',
      entityId: id,
      before: { state: c.state, version: c.version },
      after: { state: after2.state, version: Object.keys(step.patch).length ? c.version + 1 : c.version, events: step.events.map((e) => e.action), note: step.events[0]?.note ?? null },
    });
    for (const p of step.published) publish(ctx, after, p.type, after2, p.data, p.path);
  };
  if (tx) await body(tx.trx, tx.after);
  else await withTx(ctx, body);
}

/**
 * The case as the actor sees it after a step; a step that takes the case out of the actor's sight
 * (a department returning it) answers with the essentials instead of a 404 for a change that was made.
 */
async function viewAfterStep(ctx: AppContext, actor: Actor, id: string): Promise<CaseView> {
  try {
    return await getCase(ctx, actor, id);
  } catch (err) {
    if (!(err instanceof AppError) || err.kind !== 'not_found') throw err;
    const c = (await caseRepo.byId(ctx.db, id))!;
    const v = await toView(ctx, systemActor(), c, await refData(ctx));
    return { ...v, reporter: null, advice: null, source: null, allowedActions: [], timeline: [] };
  }
}

const requireText = (s: string | undefined | null, field: string, what: string): string => {
  const t = (s ?? '').trim();
  if (!t) throw invalid(`请填写${what}`, [{ field, message: '为必填项' }]);
  if (t.length > 2000) throw invalid(`${what}不能超过 2000 字`, [{ field, message: '过长' }]);
  return t;
};

async function deptRecipients(s: Step, deptId: string | null): Promise<string[]> {
  return deptId ? caseRepo.usersOfDepartment(s.trx, deptId) : [];
}

export async function fileCase(ctx: AppContext, actor: Actor, id: string, input: { version: number; note?: string; categoryCode?: string }): Promise<CaseView> {
  const cat = input.categoryCode ? await requireCategory(ctx, input.categoryCode) : null;
  await runStep(ctx, actor, id, 'file', input.version, async (s) => {
    // A person choosing another category than the case had (or the classifier suggested) teaches the classifier.
    if (cat) await captureCaseCorrection(ctx, actor, { caseId: s.c.id, text: s.c.description, previousCode: s.c.category_code, advice: s.c.advice, chosenCode: cat.code }, s.trx);
    s.set({ state: 'filed', filed_at: s.now, ...(cat ? { category_code: cat.code } : {}) });
    s.event({ action: 'filed', from: s.c.state, to: 'filed', note: input.note ?? null, data: cat ? { categoryCode: cat.code } : {}, public: true });
    s.publish('filed');
  });
  return viewAfterStep(ctx, actor, id);
}

export async function rejectCase(ctx: AppContext, actor: Actor, id: string, input: { version: number; reason: string }): Promise<CaseView> {
  const reason = requireText(input.reason, 'reason', '不予立案的理由');
  await runStep(ctx, actor, id, 'reject', input.version, async (s) => {
    s.set({ state: 'rejected', closed_at: s.now });
    s.event({ action: 'rejected', from: s.c.state, to: 'rejected', note: reason, public: true });
    s.notify(followerIds(s.trx, s.c), 'case.rejected', `您反映的问题（${s.c.number}）不予立案`, reason);
    s.publish('rejected', { reason });
  });
  return viewAfterStep(ctx, actor, id);
}

async function requireCategory(ctx: AppContext, code: string): Promise<Category> {
  const c = await categoryByCode(ctx, code);
  if (!c || !c.active) throw invalid('事件分类不存在', [{ field: 'categoryCode', message: `分类 ${code} 不存在` }]);
  return c;
}

/**
 * Dispatch (派遣) to a handling department with cc departments; files the case first when it was not yet filed.
 * Without an explicit department the dispatch module's routing rules pick it at the case's location, as at
 * automatic intake (`coverType`: a manhole's cover type, for the IoT channel; text keywords only when the
 * category is not being changed in this step). A category other than the
 * case's (or the classifier's suggestion) is stored as a correction in the same transaction.
 */
export async function dispatchCase(ctx: AppContext, actor: Actor, id: string, input: { version: number; categoryCode?: string; departmentCode?: string; ccCodes?: string[]; note?: string; coverType?: string | null }): Promise<CaseView> {
  const current = await caseRepo.byId(ctx.db, id);
  if (!current || !(await canSeeCase(ctx.db, actor, current))) throw notFound('案卷不存在或无权查看');
  const code = input.categoryCode ?? current.category_code;
  if (!code) throw invalid('派遣前请先选择事件分类', [{ field: 'categoryCode', message: '为必填项' }]);
  const cat = await requireCategory(ctx, code);
  const ref = await refData(ctx);
  // A category the dispatcher changes here is a person's judgement: the description's keywords (a cover type
  // named in the text) must not override it; location rules and a cover-type attribute still apply.
  const recategorised = !!input.categoryCode && input.categoryCode !== current.category_code;
  const route = input.departmentCode ? null : await routeCase(ctx, { categoryCode: cat.code, text: recategorised ? null : current.description, coverType: input.coverType ?? null, lng: current.lng, lat: current.lat });
  const deptCode = input.departmentCode ?? route!.departmentCode;
  const dept = concreteDepartment(ref, deptCode, current.estate_id);
  if (!dept || !dept.active) throw invalid('处置部门不存在或已停用', [{ field: 'departmentCode', message: `部门 ${deptCode} 不可用` }]);
  const ccCodes = input.ccCodes ?? route?.ccCodes ?? cat.cc;
  const cc: DepartmentView[] = [];
  for (const c of ccCodes) {
    const d = concreteDepartment(ref, c, current.estate_id);
    if (!d) throw invalid(`抄送部门 ${c} 不存在`, [{ field: 'ccCodes', message: `部门 ${c} 不存在` }]);
    if (d.id !== dept.id && !cc.some((x) => x.id === d.id)) cc.push(d);
  }
  const cal = await loadCalendar(ctx);
  await runStep(ctx, actor, id, 'dispatch', input.version, async (s) => {
    const mode = clockModeFor(cat, s.c.priority);
    const limitMinutes = cat.limitHours * 60;
    const d = computeDeadlines(cal, mode, s.now, limitMinutes);
    const gen = s.c.deadline_gen + 1;
    await captureCaseCorrection(ctx, actor, { caseId: s.c.id, text: s.c.description, previousCode: s.c.category_code, advice: s.c.advice, chosenCode: cat.code }, s.trx);
    if (s.c.state === 'reported') s.event({ action: 'filed', from: 'reported', to: 'filed', public: true });
    s.set({
      state: 'dispatched',
      category_code: cat.code,
      filed_at: s.c.filed_at ?? s.now,
      dispatched_at: s.now,
      accepted_at: null,
      department_id: dept.id,
      cc_department_ids: cc.map((x) => x.id),
      clock_mode: mode,
      clock_start_at: s.now,
      limit_minutes: limitMinutes,
      suspended_ms: 0,
      accept_due_at: d.acceptDueAt,
      warn_at: d.warnAt,
      deadline_at: d.deadlineAt,
      deadline_gen: gen,
      warned_at: null,
      overdue_at: null,
    });
    await cancelDeadlineJobs(ctx, s.trx, s.c.id);
    await scheduleDeadlineJobs(ctx, s.trx, s.c.id, gen, d);
    s.event({ action: 'dispatched', from: 'filed', to: 'dispatched', note: input.note ?? null, departmentId: dept.id, data: { categoryCode: cat.code, cc: cc.map((x) => x.code), deadlineAt: d.deadlineAt.toISOString(), clockMode: mode, ...(route?.rule ? { rule: route.rule.name } : {}) }, public: true });
    s.notify(caseRepo.usersOfDepartment(s.trx, dept.id), 'case.dispatched', `新派遣案卷 ${s.c.number}`, `${cat.name}，处置时限 ${cat.limitHours} 小时`);
    for (const x of cc) s.notify(caseRepo.usersOfDepartment(s.trx, x.id), 'case.cc', `抄送案卷 ${s.c.number}`, cat.name);
    s.notify(followerIds(s.trx, s.c), 'case.dispatched', `您反映的问题（${s.c.number}）已派遣至${dept.name}`);
    if (s.c.state === 'reported') s.publish('filed');
    s.publish('dispatched', { departmentCode: dept.code, cc: cc.map((x) => x.code), deadlineAt: d.deadlineAt.toISOString() });
  });
  return viewAfterStep(ctx, actor, id);
}

export async function acceptCase(ctx: AppContext, actor: Actor, id: string, input: { version: number; note?: string }): Promise<CaseView> {
  await runStep(ctx, actor, id, 'accept', input.version, async (s) => {
    s.set({ state: 'accepted', accepted_at: s.now });
    s.event({ action: 'accepted', from: 'dispatched', to: 'accepted', note: input.note ?? null, departmentId: s.c.department_id, public: true });
    s.publish('accepted');
  });
  return viewAfterStep(ctx, actor, id);
}

/** Return (退回): wrong department; the case goes back to the dispatcher's queue. */
export async function returnCase(ctx: AppContext, actor: Actor, id: string, input: { version: number; reason: string }): Promise<CaseView> {
  const reason = requireText(input.reason, 'reason', '退回理由');
  await runStep(ctx, actor, id, 'return', input.version, async (s) => {
    s.set({ state: 'returned', department_id: null, cc_department_ids: [], accepted_at: null, return_count: s.c.return_count + 1, accept_due_at: null, warn_at: null, deadline_at: null, deadline_gen: s.c.deadline_gen + 1 });
    await cancelDeadlineJobs(ctx, s.trx, s.c.id);
    s.event({ action: 'returned', from: s.c.state, to: 'returned', note: reason, departmentId: s.c.department_id });
    s.notify(usersCovering(ctx, s.trx, ['dispatcher', 'supervisor'], s.c.node_path), 'case.returned', `案卷 ${s.c.number} 被退回`, reason);
    s.publish('returned', { reason, departmentId: s.c.department_id });
  });
  return viewAfterStep(ctx, actor, id);
}

export async function resolveCase(ctx: AppContext, actor: Actor, id: string, input: { version: number; note: string; photos?: string[] }): Promise<CaseView> {
  const note = requireText(input.note, 'note', '处置情况');
  await runStep(ctx, actor, id, 'resolve', input.version, async (s) => {
    if (input.photos?.length) await attachFiles(s.trx, actor, input.photos, 'case', s.c.id);
    const late = !!s.c.deadline_at && s.now.getTime() > new Date(s.c.deadline_at).getTime();
    s.set({ state: 'resolved', resolved_at: s.now, ...(late && !s.c.overdue_at ? { overdue_at: new Date(s.c.deadline_at!) } : {}) });
    await cancelDeadlineJobs(ctx, s.trx, s.c.id);
    s.event({ action: 'resolved', from: s.c.state, to: 'resolved', note, photos: input.photos ?? [], departmentId: s.c.department_id, data: { late }, public: true });
    s.notify(usersCovering(ctx, s.trx, ['grid_worker', 'grid_leader'], s.c.node_path), 'case.verify', `案卷 ${s.c.number} 待核查`, note.slice(0, 80));
    s.notify(followerIds(s.trx, s.c), 'case.resolved', `您反映的问题（${s.c.number}）已处置，待核查`);
    s.publish('resolved', { late });
  });
  return viewAfterStep(ctx, actor, id);
}

/**
 * Verification (核查) on site by a grid worker, or by a sensor (the system): passed → closed;
 * failed → rework, back to the department, counted.
 */
export async function verifyCase(ctx: AppContext, actor: Actor, caseId: string, input: { passed: boolean; note?: string; photos?: string[]; by?: 'person' | 'sensor'; version?: number }): Promise<CaseView> {
  const by = input.by ?? 'person';
  if (!input.passed) requireText(input.note, 'note', '核查不通过的原因');
  await runStep(ctx, actor, caseId, 'verify', input.version, async (s) => {
    if (input.photos?.length) await attachFiles(s.trx, actor, input.photos, 'case', s.c.id);
    if (input.passed) {
      s.set({ state: 'closed', closed_at: s.now });
      s.event({ action: 'verified', from: 'resolved', to: 'resolved', note: input.note ?? null, photos: input.photos ?? [], data: { passed: true, by }, public: true });
      s.event({ action: 'closed', from: 'resolved', to: 'closed', data: { by }, public: true });
      s.notify(followerIds(s.trx, s.c), 'case.closed', `您反映的问题（${s.c.number}）已办结，欢迎评价`, '如不满意，可在 7 天内申请重新办理');
      s.notify(deptRecipients(s, s.c.department_id), 'case.closed', `案卷 ${s.c.number} 核查通过，已结案`);
      s.publish('verified', { passed: true, by });
      s.publish('closed', { by });
    } else {
      const gen = s.c.deadline_gen + 1;
      const patch: Record<string, unknown> = { state: 'rework', resolved_at: null, rework_count: s.c.rework_count + 1, deadline_gen: gen };
      // The clock goes on from where it stood: reminders again if the deadline is still ahead.
      if (s.c.deadline_at && new Date(s.c.deadline_at).getTime() > s.now.getTime() && s.c.warn_at) {
        await scheduleDeadlineJobs(ctx, s.trx, s.c.id, gen, { acceptDueAt: new Date(s.c.accept_due_at ?? s.now), warnAt: new Date(Math.max(new Date(s.c.warn_at).getTime(), s.now.getTime())), deadlineAt: new Date(s.c.deadline_at) });
      }
      s.set(patch);
      s.event({ action: 'verified', from: 'resolved', to: 'resolved', note: input.note ?? null, photos: input.photos ?? [], data: { passed: false, by } });
      s.event({ action: 'rework', from: 'resolved', to: 'rework', note: input.note ?? null, departmentId: s.c.department_id, data: { by, reworkCount: s.c.rework_count + 1 }, public: true });
      s.notify(deptRecipients(s, s.c.department_id), 'case.rework', `案卷 ${s.c.number} 核查不通过，请返工`, input.note ?? '');
      s.publish('verified', { passed: false, by });
      s.publish('rework', { by, reworkCount: s.c.rework_count + 1 });
    }
  });
  return viewAfterStep(ctx, actor, caseId);
}

/** Reopen (重新办理) by the reporter within 7 days of closure if not satisfied; counts against the department. */
export async function reopenCase(ctx: AppContext, actor: Actor, id: string, input: { version: number; reason: string }): Promise<CaseView>;
/** Within the caller's transaction (no view is read: the caller reads it after commit). */
export async function reopenCase(ctx: AppContext, actor: Actor, id: string, input: { version: number; reason: string }, tx: CaseTx): Promise<void>;
export async function reopenCase(ctx: AppContext, actor: Actor, id: string, input: { version: number; reason: string }, tx?: CaseTx): Promise<CaseView | void> {
  const reason = requireText(input.reason, 'reason', '重新办理的理由');
  const db = tx?.trx ?? ctx.db;
  const pre = await caseRepo.byId(db, id);
  const cat = pre?.category_code ? (tx ? ((await listCategories(ctx, db)).find((x) => x.code === pre.category_code) ?? null) : await categoryByCode(ctx, pre.category_code)) : null;
  const cal = await loadCalendar(ctx, db);
  await runStep(ctx, actor, id, 'reopen', input.version, async (s) => {
    const mode = clockModeFor(cat, s.c.priority);
    const limitMinutes = (cat?.limitHours ?? (s.c.limit_minutes ?? 4320) / 60) * 60;
    const d = computeDeadlines(cal, mode, s.now, limitMinutes);
    const gen = s.c.deadline_gen + 1;
    s.set({
      state: 'dispatched',
      reopen_count: s.c.reopen_count + 1,
      closed_at: null,
      resolved_at: null,
      accepted_at: null,
      dispatched_at: s.now,
      clock_mode: mode,
      clock_start_at: s.now,
      limit_minutes: limitMinutes,
      suspended_ms: 0,
      accept_due_at: d.acceptDueAt,
      warn_at: d.warnAt,
      deadline_at: d.deadlineAt,
      deadline_gen: gen,
      warned_at: null,
      overdue_at: null,
      rating: null,
      rating_comment: null,
      rated_at: null,
    });
    await scheduleDeadlineJobs(ctx, s.trx, s.c.id, gen, d);
    s.event({ action: 'reopened', from: 'closed', to: 'dispatched', note: reason, departmentId: s.c.department_id, data: { reopenCount: s.c.reopen_count + 1, deadlineAt: d.deadlineAt.toISOString() }, public: true });
    s.notify(deptRecipients(s, s.c.department_id), 'case.reopened', `案卷 ${s.c.number} 被申请重新办理`, reason);
    s.notify(usersCovering(ctx, s.trx, ['supervisor'], s.c.node_path), 'case.reopened', `案卷 ${s.c.number} 重新办理`, reason);
    s.publish('reopened', { reason });
  }, tx);
  if (tx) return;
  return viewAfterStep(ctx, actor, id);
}

export async function rateCase(ctx: AppContext, actor: Actor, id: string, input: { version: number; rating: number; comment?: string }): Promise<CaseView> {
  if (!Number.isInteger(input.rating) || input.rating < 1 || input.rating > 5) throw invalid('评分须为 1 到 5', [{ field: 'rating', message: '须为 1–5 的整数' }]);
  await runStep(ctx, actor, id, 'rate', input.version, async (s) => {
    s.set({ rating: input.rating, rating_comment: input.comment?.trim() || null, rated_at: s.now });
    s.event({ action: 'rated', note: input.comment?.trim() || null, data: { rating: input.rating }, public: true });
    s.notify(deptRecipients(s, s.c.department_id), 'case.rated', `案卷 ${s.c.number} 获评 ${input.rating} 分`, input.comment ?? '');
    s.publish('rated', { rating: input.rating });
  });
  return viewAfterStep(ctx, actor, id);
}

export async function requestExtension(ctx: AppContext, actor: Actor, id: string, input: { version: number; hours: number; reason: string }): Promise<CaseView> {
  const reason = requireText(input.reason, 'reason', '延期理由');
  if (!Number.isInteger(input.hours) || input.hours < 1 || input.hours > 720) throw invalid('延期时长须为 1–720 小时', [{ field: 'hours', message: '须为 1–720 的整数' }]);
  await runStep(ctx, actor, id, 'requestExtension', input.version, async (s) => {
    await caseRepo.insertExtension(s.trx, { id: newId(), case_id: s.c.id, hours: input.hours, reason, state: 'pending', requested_by: actor.userId, requested_at: s.now, decided_by: null, decided_at: null, decision_note: null });
    s.set({ state: s.c.state });
    s.event({ action: 'extension_requested', note: reason, departmentId: s.c.department_id, data: { hours: input.hours } });
    s.notify(usersCovering(ctx, s.trx, ['supervisor'], s.c.node_path), 'case.extension', `案卷 ${s.c.number} 申请延期 ${input.hours} 小时`, reason);
    s.publish('extended', { stage: 'requested', hours: input.hours });
  });
  return viewAfterStep(ctx, actor, id);
}

/** The supervisor approves (the deadline moves by the hours on the case's clock) or refuses an extension. */
export async function decideExtension(ctx: AppContext, actor: Actor, id: string, input: { version: number; approve: boolean; note?: string }): Promise<CaseView> {
  const cal = await loadCalendar(ctx);
  await runStep(ctx, actor, id, 'decideExtension', input.version, async (s) => {
    const ext = (await caseRepo.pendingExtension(s.trx, s.c.id))!;
    await caseRepo.decideExtension(s.trx, ext.id, { state: input.approve ? 'approved' : 'refused', decided_by: actor.userId, decided_at: s.now, decision_note: input.note ?? null });
    if (input.approve && s.c.clock_start_at && s.c.limit_minutes !== null && s.c.clock_mode) {
      const limit = s.c.limit_minutes + ext.hours * 60;
      const d = computeDeadlines(cal, s.c.clock_mode, new Date(s.c.clock_start_at), limit, Number(s.c.suspended_ms));
      const gen = s.c.deadline_gen + 1;
      s.set({ limit_minutes: limit, warn_at: d.warnAt, deadline_at: d.deadlineAt, deadline_gen: gen, warned_at: d.warnAt.getTime() > s.now.getTime() ? null : s.c.warned_at });
      await cancelDeadlineJobs(ctx, s.trx, s.c.id);
      if (d.deadlineAt.getTime() > s.now.getTime()) await scheduleDeadlineJobs(ctx, s.trx, s.c.id, gen, d);
      s.event({ action: 'extended', note: input.note ?? null, departmentId: s.c.department_id, data: { hours: ext.hours, deadlineAt: d.deadlineAt.toISOString() } });
      s.publish('extended', { stage: 'approved', hours: ext.hours, deadlineAt: d.deadlineAt.toISOString() });
    } else {
      s.set({ state: s.c.state });
      s.event({ action: 'extension_refused', note: input.note ?? null, departmentId: s.c.department_id, data: { hours: ext.hours } });
      s.publish('extended', { stage: 'refused', hours: ext.hours });
    }
    s.notify(deptRecipients(s, s.c.department_id), 'case.extension', `案卷 ${s.c.number} 延期申请${input.approve ? '已批准' : '未批准'}`, input.note ?? '');
  });
  return viewAfterStep(ctx, actor, id);
}

/** Suspension (挂账): the clock stops until resumed; the time suspended is added to the deadline. */
export async function suspendCase(ctx: AppContext, actor: Actor, id: string, input: { version: number; reason: string }): Promise<CaseView> {
  const reason = requireText(input.reason, 'reason', '挂账理由');
  await runStep(ctx, actor, id, 'suspend', input.version, async (s) => {
    s.set({ state: 'suspended', suspended_at: s.now, suspended_from: s.c.state, deadline_gen: s.c.deadline_gen + 1 });
    await cancelDeadlineJobs(ctx, s.trx, s.c.id);
    s.event({ action: 'suspended', from: s.c.state, to: 'suspended', note: reason, departmentId: s.c.department_id });
    s.notify(deptRecipients(s, s.c.department_id), 'case.suspended', `案卷 ${s.c.number} 已挂账`, reason);
    s.publish('suspended', { reason });
  });
  return viewAfterStep(ctx, actor, id);
}

export async function resumeCase(ctx: AppContext, actor: Actor, id: string, input: { version: number; note?: string }): Promise<CaseView> {
  const cal = await loadCalendar(ctx);
  await runStep(ctx, actor, id, 'resume', input.version, async (s) => {
    const back = s.c.suspended_from ?? 'dispatched';
    const patch: Record<string, unknown> = { state: back, suspended_at: null, suspended_from: null };
    if (s.c.clock_start_at && s.c.limit_minutes !== null && s.c.clock_mode && s.c.suspended_at) {
      const spent = timeBetween(cal, s.c.clock_mode, new Date(s.c.suspended_at), s.now);
      const total = Number(s.c.suspended_ms) + spent;
      const d = computeDeadlines(cal, s.c.clock_mode, new Date(s.c.clock_start_at), s.c.limit_minutes, total);
      const gen = s.c.deadline_gen + 1;
      Object.assign(patch, { suspended_ms: total, warn_at: d.warnAt, deadline_at: d.deadlineAt, deadline_gen: gen });
      if (d.deadlineAt.getTime() > s.now.getTime()) await scheduleDeadlineJobs(ctx, s.trx, s.c.id, gen, d);
    }
    s.set(patch);
    s.event({ action: 'resumed', from: 'suspended', to: back, note: input.note ?? null, departmentId: s.c.department_id });
    s.notify(deptRecipients(s, s.c.department_id), 'case.resumed', `案卷 ${s.c.number} 恢复办理`);
    s.publish('suspended', { resumed: true, state: back });
  });
  return viewAfterStep(ctx, actor, id);
}

export async function urgeCase(ctx: AppContext, actor: Actor, id: string, input: { version?: number; note: string }): Promise<CaseView>;
/** Within the caller's transaction (no view is read: the caller reads it after commit). */
export async function urgeCase(ctx: AppContext, actor: Actor, id: string, input: { version?: number; note: string }, tx: CaseTx): Promise<void>;
export async function urgeCase(ctx: AppContext, actor: Actor, id: string, input: { version?: number; note: string }, tx?: CaseTx): Promise<CaseView | void> {
  const note = requireText(input.note, 'note', '督办意见');
  await runStep(ctx, actor, id, 'urge', input.version, async (s) => {
    s.set({ urge_count: s.c.urge_count + 1 });
    s.event({ action: 'urged', note, departmentId: s.c.department_id });
    s.notify(deptRecipients(s, s.c.department_id), 'case.urged', `案卷 ${s.c.number} 被督办`, note);
    s.publish('urged', { note });
  }, tx);
  if (tx) return;
  return viewAfterStep(ctx, actor, id);
}

/**
 * Where an escalation would take the case now: the next rung of the tree above its current level
 * (community, then street, then district) that has supervisors or administrators bound to its node.
 * A rung nobody supervises is passed over; null when no rung above has anyone (the top is reached).
 */
async function escalationTarget(db: Executor, c: Pick<CaseRow, 'node_path' | 'escalation_level'>): Promise<EscalationTarget | null> {
  const rungs = rungsAbove(c);
  if (rungs.length === 0) return null;
  const nodes = new Map((await nodeBriefs(db, { paths: rungs.map((r) => escalationPath(c.node_path, r.level)) })).map((n) => [n.path, n]));
  const staff = await caseRepo.usersOnNodes(db, ESCALATION_ROLES, [...nodes.values()].map((n) => n.id));
  for (const r of rungs) {
    const n = nodes.get(escalationPath(c.node_path, r.level));
    if (!n || n.level !== r.nodeLevel) continue;
    const userIds = staff.filter((u) => u.node_id === n.id).map((u) => u.id);
    if (userIds.length > 0) return { level: r.level, levelName: r.name, node: { id: n.id, name: n.name, path: n.path }, userIds };
  }
  return null;
}

function escalationView(ref: RefData, c: Pick<CaseRow, 'node_path' | 'escalation_level'>): CaseView['escalation'] {
  if (c.escalation_level <= 0) return null;
  const rung = escalationRung(c.escalation_level);
  const path = escalationPath(c.node_path, c.escalation_level);
  let node: { id: string; name: string; path: string } | null = null;
  for (const n of ref.nodes.values()) if (n.path === path) node = { id: n.id, name: n.name, path: n.path };
  return { level: c.escalation_level, levelName: rung?.name ?? `${c.escalation_level} 级`, node };
}

function escalationTopMessage(ref: RefData, c: CaseRow): string {
  const here = escalationView(ref, c);
  const where = here ? `已提级至${here.node?.name ?? here.levelName}` : '由网格督办';
  return c.escalation_level >= MAX_ESCALATION
    ? `案卷${where}，已是最高层级，不能再提级`
    : `案卷${where}，上级（${rungsAbove(c).map((r) => r.name).join('、')}）未配置督办人员，已是最高督办层级，不能再提级`;
}

/**
 * Escalation (提级): the case's supervision moves one rung up the tree (grid → community → street →
 * district). The level reached and the reason go on the timeline, and the supervisors and
 * administrators bound to that rung's node are notified; beyond the top the step is refused with 409.
 */
export async function escalateCase(ctx: AppContext, actor: Actor, id: string, input: { version: number; reason: string }): Promise<CaseView> {
  const reason = requireText(input.reason, 'reason', '提级理由');
  const cur = await caseRepo.byId(ctx.db, id);
  if (cur && !FINAL_STATES.includes(cur.state) && (await canSeeCase(ctx.db, actor, cur))) {
    const f = await facts(ctx.db, actor, cur, ctx.clock.now());
    if (!f.nextEscalation && actorMay(actor, cur, 'escalate', f)) {
      throw conflict(escalationTopMessage(await refData(ctx), cur), { state: cur.state, escalationLevel: cur.escalation_level, allowed: allowedActions(actor, cur, f) });
    }
  }
  await runStep(ctx, actor, id, 'escalate', input.version, async (s) => {
    const target = (await escalationTarget(s.trx, s.c))!; // runStep admitted the step, so a rung above exists
    const data = { fromLevel: s.c.escalation_level, level: target.level, levelName: target.levelName, nodeId: target.node.id, nodeName: target.node.name, path: target.node.path };
    s.set({ escalation_level: target.level });
    s.event({ action: 'escalated', note: reason, data: { ...data, notified: target.userIds.length } });
    s.notify(target.userIds, 'case.escalated', `案卷 ${s.c.number} 已提级至${target.node.name}督办`, reason);
    s.publish('escalated', { ...data, reason }, target.node.path);
  });
  return viewAfterStep(ctx, actor, id);
}

/**
 * Merge (合并) a duplicate into the surviving case: the duplicate ends as 'merged'; its reporter and
 * followers follow the survivor and are told so.
 */
export async function mergeCase(ctx: AppContext, actor: Actor, id: string, input: { version: number; intoId: string; note?: string }): Promise<CaseView> {
  if (id === input.intoId) throw invalid('不能与自身合并', [{ field: 'intoId', message: '须为另一案卷' }]);
  const target = await caseRepo.byId(ctx.db, input.intoId);
  if (!target || !(await canSeeCase(ctx.db, actor, target))) throw notFound('要合并到的案卷不存在或无权查看');
  await runStep(ctx, actor, id, 'merge', input.version, async (s) => {
    const t = (await caseRepo.byId(s.trx, input.intoId, true))!;
    if (FINAL_STATES.includes(t.state)) throw conflict(`目标案卷已${STATE_NAMES[t.state]}，不能合并`, { allowed: allowedActions(actor, s.c, await facts(s.trx, actor, s.c, s.now)) });
    const movers = await followerIds(s.trx, s.c);
    await caseRepo.addFollowers(s.trx, movers.map((u) => ({ case_id: t.id, user_id: u, reason: 'merged' as const, at: s.now })));
    s.set({ state: 'merged', merged_into: t.id, closed_at: s.now });
    s.event({ action: 'merged', from: s.c.state, to: 'merged', note: input.note ?? null, data: { into: t.number, intoId: t.id }, public: true });
    await caseRepo.addEvents(s.trx, [eventRow(actor, t.id, s.now, { action: 'merged', note: input.note ?? null, data: { from: s.c.number, fromId: s.c.id, followers: movers.length } })]);
    s.notify(movers, 'case.merged', `您反映的问题（${s.c.number}）已与案卷 ${t.number} 合并办理`, '后续进展将在该案卷中通知您');
    s.publish('merged', { intoId: t.id, intoNumber: t.number });
  });
  return viewAfterStep(ctx, actor, id);
}

/** A timeline entry without a state change (e.g. further sensor readings). */
export async function appendCaseNote(ctx: AppContext, actor: Actor, caseId: string, note: string, data?: Record<string, unknown>): Promise<CaseView>;
/** Within the caller's transaction (no view is read: the caller reads it after commit). */
export async function appendCaseNote(ctx: AppContext, actor: Actor, caseId: string, note: string, data: Record<string, unknown> | undefined, tx: CaseTx): Promise<void>;
export async function appendCaseNote(ctx: AppContext, actor: Actor, caseId: string, note: string, data?: Record<string, unknown>, tx?: CaseTx): Promise<CaseView | void> {
  const text = requireText(note, 'note', '备注');
  await runStep(
    ctx,
    actor,
    caseId,
    'note',
    undefined,
    async (s) => {
      s.event({ action: 'note', note: text, data: data ?? {} });
    },
    tx,
  );
  if (tx) return;
  return viewAfterStep(ctx, actor, caseId);
}

// ---------------------------------------------------------------- deadline jobs

const HANDLING = new Set<CaseState>(HANDLING_STATES);

export function warnJob(ctx: AppContext) {
  return async (trx: Tx, p: { caseId: string; gen: number }) => {
    const c = await caseRepo.byId(trx, p.caseId, true);
    if (!c || c.deadline_gen !== p.gen || !HANDLING.has(c.state) || c.warned_at) return;
    const now = ctx.clock.now();
    const sys = systemActor();
    await trx.updateTable('cases').set({ warned_at: now }).where('id', '=', c.id).execute();
    await caseRepo.addEvents(trx, [eventRow(sys, c.id, now, { action: 'warning', note: '处置时限已过 80%', departmentId: c.department_id, data: { deadlineAt: iso(c.deadline_at) } })]);
    if (c.department_id) await notifyUsers(ctx, trx, await caseRepo.usersOfDepartment(trx, c.department_id), { kind: 'case.warning', title: `案卷 ${c.number} 即将超时`, body: `处置期限 ${iso(c.deadline_at)}`, link: link(c), data: { caseId: c.id } });
    await audit(trx, ctx.clock, sys, { action: 'case.warning', entity: 'case', entityId: c.id, after: { deadlineAt: iso(c.deadline_at) } });
    ctx.events.publish({ type: 'case.warning', path: c.node_path, departmentId: c.department_id, data: { caseId: c.id, number: c.number, state: c.state, deadlineAt: iso(c.deadline_at) }, at: now.toISOString() });
  };
}

/** At the deadline: marks the case overdue and urges it automatically through the supervisors. */
export function overdueJob(ctx: AppContext) {
  return async (trx: Tx, p: { caseId: string; gen: number }) => {
    const c = await caseRepo.byId(trx, p.caseId, true);
    if (!c || c.deadline_gen !== p.gen || !HANDLING.has(c.state) || c.overdue_at) return;
    const now = ctx.clock.now();
    const sys = systemActor();
    await trx.updateTable('cases').set({ overdue_at: now, urge_count: c.urge_count + 1 }).where('id', '=', c.id).execute();
    await caseRepo.addEvents(trx, [
      eventRow(sys, c.id, now, { action: 'overdue', note: '已超过处置时限', departmentId: c.department_id, data: { deadlineAt: iso(c.deadline_at) } }),
      eventRow(sys, c.id, now, { action: 'urged', note: '超时自动督办', departmentId: c.department_id, data: { auto: true } }),
    ]);
    const supervisors = await usersCovering(ctx, trx, ['supervisor'], c.node_path);
    await notifyUsers(ctx, trx, supervisors, { kind: 'case.overdue', title: `案卷 ${c.number} 已超时，已自动督办`, body: `处置期限 ${iso(c.deadline_at)}`, link: link(c), data: { caseId: c.id } });
    if (c.department_id) await notifyUsers(ctx, trx, await caseRepo.usersOfDepartment(trx, c.department_id), { kind: 'case.urged', title: `案卷 ${c.number} 已超时，请尽快处置`, body: '系统自动督办', link: link(c), data: { caseId: c.id } });
    await audit(trx, ctx.clock, sys, { action: 'case.overdue', entity: 'case', entityId: c.id, after: { deadlineAt: iso(c.deadline_at), autoUrged: true } });
    const base = { caseId: c.id, number: c.number, state: c.state, deadlineAt: iso(c.deadline_at) };
    ctx.events.publish({ type: 'case.overdue', path: c.node_path, departmentId: c.department_id, data: base, at: now.toISOString() });
    ctx.events.publish({ type: 'case.urged', path: c.node_path, departmentId: c.department_id, data: { ...base, auto: true }, at: now.toISOString() });
  };
}

// ---------------------------------------------------------------- lists

export interface ListQuery {
  state?: CaseState[];
  category?: string;
  departmentId?: string;
  nodeId?: string;
  channel?: Channel;
  priority?: Priority;
  q?: string;
  from?: string;
  to?: string;
  overdue?: boolean;
  page: number;
  pageSize: number;
}

export interface CasePage {
  items: CaseView[];
  total: number;
  page: number;
  pageSize: number;
}

async function baseFilter(ctx: AppContext, actor: Actor, q: ListQuery): Promise<CaseFilter> {
  const scope = caseScope(actor);
  const f: CaseFilter = { scope, limit: q.pageSize, offset: (q.page - 1) * q.pageSize };
  if (q.state?.length) f.states = q.state;
  if (q.category) f.categoryCode = q.category;
  if (q.channel) f.channel = q.channel;
  if (q.priority) f.priority = q.priority;
  if (q.q) f.q = q.q.trim();
  if (q.from) f.from = new Date(q.from);
  if (q.to) f.to = new Date(q.to);
  if ((f.from && Number.isNaN(f.from.getTime())) || (f.to && Number.isNaN(f.to.getTime()))) throw invalid('日期格式不正确', [{ field: 'from', message: '须为 ISO 日期' }]);
  if (q.overdue) f.overdueAt = ctx.clock.now();
  if (q.nodeId) {
    const ref = await refData(ctx);
    const n = ref.nodes.get(q.nodeId);
    const path = n?.path ?? (await nodePathOf(ctx.db, q.nodeId));
    if (!path) throw notFound('节点不存在');
    // a node filter outside the caller's area is refused, not silently empty
    if (scope.kind !== 'all') assertPathInScope(actor, path);
    f.under = path;
  }
  if (q.departmentId) {
    if (scope.kind === 'department' && scope.departmentId !== q.departmentId) throw forbidden('超出您的数据权限范围');
    if (scope.kind === 'self') throw forbidden('超出您的数据权限范围');
    f.departmentId = q.departmentId;
  }
  return f;
}

async function page(ctx: AppContext, actor: Actor, f: CaseFilter, q: { page: number; pageSize: number }): Promise<CasePage> {
  const { rows, total } = await caseRepo.list(ctx.db, f);
  const ref = await refData(ctx);
  const items = await Promise.all(rows.map((r) => toView(ctx, actor, r, ref)));
  return { items, total, page: q.page, pageSize: q.pageSize };
}

/** All cases the caller may see, with filters. */
export async function listCases(ctx: AppContext, actor: Actor, q: ListQuery): Promise<CasePage> {
  return page(ctx, actor, await baseFilter(ctx, actor, q), q);
}

/** The dispatcher's queue: new, filed and returned reports in the caller's area, oldest first. */
export async function dispatcherQueue(ctx: AppContext, actor: Actor, q: ListQuery): Promise<CasePage> {
  requirePermission(actor, 'cases.dispatch');
  const f = await baseFilter(ctx, actor, q);
  f.states = q.state?.length ? q.state.filter((s) => QUEUE_STATES.includes(s)) : QUEUE_STATES;
  if (f.states.length === 0) f.states = ['reported'];
  f.order = 'reported_asc';
  const p = await page(ctx, actor, f, q);
  for (const v of p.items) if (v.category) v.possibleDuplicates = await findDuplicates(ctx, ctx.db, v.category.code, v.location.lng, v.location.lat, v.id);
  return p;
}

export type WorkBucket = 'to_accept' | 'in_progress' | 'near_deadline' | 'overdue' | 'cc';

/** A department handler's worklist. */
export async function handlerWorklist(ctx: AppContext, actor: Actor, bucket: WorkBucket, q: ListQuery): Promise<CasePage> {
  requirePermission(actor, 'cases.handle');
  const f = await baseFilter(ctx, actor, q);
  const dept = actor.departmentId;
  if (!dept && !hasRole(actor, 'admin')) throw forbidden('您未绑定处置部门');
  const now = ctx.clock.now();
  if (bucket === 'cc') {
    if (dept) f.scope = { kind: 'department', departmentId: dept };
    f.states = [...HANDLING_STATES, 'resolved'];
    const p = await page(ctx, actor, { ...f, departmentOrCc: dept ?? undefined }, q);
    p.items = p.items.filter((v) => v.department?.id !== dept);
    return p;
  }
  if (dept) f.departmentId = dept;
  f.order = 'deadline_asc';
  if (bucket === 'to_accept') f.states = ['dispatched'];
  else if (bucket === 'in_progress') f.states = ['accepted', 'rework'];
  else if (bucket === 'near_deadline') {
    f.states = [...HANDLING_STATES];
    f.nearDeadlineAt = now;
  } else {
    f.states = [...HANDLING_STATES];
    f.overdueAt = now;
  }
  return page(ctx, actor, f, q);
}

/** Verification tasks (核查) for a grid worker: resolved cases in the caller's grid(s). */
export async function verificationTasks(ctx: AppContext, actor: Actor, q: ListQuery): Promise<CasePage> {
  requirePermission(actor, 'cases.verify');
  const f = await baseFilter(ctx, actor, q);
  f.states = ['resolved'];
  f.order = 'reported_asc';
  return page(ctx, actor, f, q);
}

export type Board = 'overdue' | 'returned' | 'extensions' | 'suspended' | 'escalated';

/**
 * The lowest escalation level a supervisor's board shows as escalated to them: the rung of the tree
 * the supervisor sits at (a community's staff see cases escalated to the community or higher, the
 * street's staff cases escalated to the street or higher).
 */
function boardEscalationLevel(actor: Actor): number {
  const s = scopeOf(actor);
  if (s.kind !== 'subtree') return 1;
  const depth = s.path.split('/').length;
  const rung = ESCALATION_RUNGS.find((r) => r.depth <= depth) ?? ESCALATION_RUNGS[ESCALATION_RUNGS.length - 1]!;
  return rung.level;
}

/** The supervisor's boards: overdue cases, returned cases, pending extension requests, suspended cases. */
export async function supervisorBoard(ctx: AppContext, actor: Actor, board: Board, q: ListQuery): Promise<CasePage> {
  requirePermission(actor, 'cases.supervise');
  const f = await baseFilter(ctx, actor, q);
  if (board === 'overdue') {
    f.states = [...HANDLING_STATES];
    f.overdueAt = ctx.clock.now();
    f.order = 'deadline_asc';
  } else if (board === 'returned') f.states = ['returned'];
  else if (board === 'suspended') f.states = ['suspended'];
  else if (board === 'escalated') {
    f.states = (Object.keys(STATE_NAMES) as CaseState[]).filter((x) => !FINAL_STATES.includes(x));
    f.minEscalation = boardEscalationLevel(actor);
    f.order = 'deadline_asc';
  } else {
    f.states = [...HANDLING_STATES];
    f.pendingExtension = true;
  }
  const p = await page(ctx, actor, f, q);
  if (board === 'extensions') {
    for (const v of p.items) {
      const e = await caseRepo.pendingExtension(ctx.db, v.id);
      v.pendingExtension = e ? { id: e.id, hours: e.hours, reason: e.reason, requestedAt: new Date(e.requested_at).toISOString() } : null;
    }
  }
  return p;
}

/** A resident's cases: reported by them, or followed after a merge. */
export async function myCases(ctx: AppContext, actor: Actor, q: ListQuery): Promise<CasePage> {
  if (!actor.userId) return { items: [], total: 0, page: q.page, pageSize: q.pageSize };
  const f = await baseFilter(ctx, actor, { ...q, departmentId: undefined, nodeId: undefined });
  f.followerOrReporter = actor.userId;
  return page(ctx, actor, f, q);
}

// ---------------------------------------------------------------- public tracking

export interface PublicCase {
  number: string;
  state: CaseState;
  stateName: string;
  category: string | null;
  community: string | null;
  department: string | null;
  reportedAt: string;
  deadlineAt: string | null;
  closedAt: string | null;
  mergedInto: string | null;
  timeline: Array<{ at: string; action: string; label: string; actor: string | null; department: string | null; note: string | null }>;
}

/** The public tracking page by case number or receipt code: no personal data. */
export async function trackCase(ctx: AppContext, numberOrCode: string): Promise<PublicCase> {
  const s = numberOrCode.trim();
  if (!/^(\d{13}|[A-Za-z0-9]{6})$/.test(s)) throw notFound('未找到该案卷，请核对编号或查询码');
  const c = await caseRepo.byNumberOrCode(ctx.db, s);
  if (!c) throw notFound('未找到该案卷，请核对编号或查询码');
  const ref = await refData(ctx);
  const cat = c.category_code ? await categoryByCode(ctx, c.category_code) : null;
  const merged = c.merged_into ? await caseRepo.byId(ctx.db, c.merged_into) : undefined;
  const tl = await timelineOf(ctx, await caseRepo.events(ctx.db, c.id), ref, true);
  return {
    number: c.number,
    state: c.state,
    stateName: STATE_NAMES[c.state],
    category: cat?.name ?? null,
    community: c.community_id ? (ref.nodes.get(c.community_id)?.name ?? null) : null,
    department: c.department_id ? (ref.depts.get(c.department_id)?.name ?? null) : null,
    reportedAt: new Date(c.reported_at).toISOString(),
    deadlineAt: iso(c.deadline_at),
    closedAt: iso(c.closed_at),
    mergedInto: merged?.number ?? null,
    timeline: tl.map((e) => ({ at: e.at, action: e.action, label: e.label, actor: e.actor, department: e.department?.name ?? null, note: e.note })),
  };
}

// ---------------------------------------------------------------- CSV

export function toCsv(header: string[], rows: Array<Array<string | number | null | undefined>>): string {
  const cell = (v: string | number | null | undefined) => {
    if (v === null || v === undefined) return '';
    let s = String(v);
    // a cell starting with = + - @ is a formula in spreadsheets: neutralise it
    if (/^[=+\-@]/.test(s) && typeof v === 'string') s = "'" + s;
    return /[",\n\r]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
  };
  return '\uFEFF' + [header, ...rows].map((r) => r.map(cell).join(',')).join('\r\n') + '\r\n';
}

const shanghai = (s: string | null) => (s ? new Date(new Date(s).getTime() + 8 * 3_600_000).toISOString().slice(0, 16).replace('T', ' ') : '');

export function casesCsv(items: CaseView[]): string {
  return toCsv(
    ['案卷编号', '状态', '渠道', '分类', '优先级', '社区', '网格', '地址', '处置部门', '上报时间', '派遣时间', '处置期限', '结案时间', '是否超时', '返工次数', '评分', '描述'],
    items.map((v) => [v.number, v.stateName, v.channel, v.category?.name ?? '', v.priority, v.community?.name ?? '', v.grid?.name ?? '', v.address ?? '', v.department?.name ?? '', shanghai(v.reportedAt), shanghai(v.dispatchedAt), shanghai(v.deadlineAt), shanghai(v.closedAt), v.overdue ? '是' : '否', v.reworkCount, v.rating ?? '', v.description]),
  );
}

export { AppError };
