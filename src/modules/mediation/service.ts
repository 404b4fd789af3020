import type { AppContext, AfterCommit } from '../../platform/context.js';
import { withTx } from '../../platform/context.js';
import type { Executor, Tx } from '../../platform/db/database.js';
import { hasRole, systemActor, type Actor } from '../../platform/auth/actor.js';
import { can, requirePermission } from '../../platform/auth/permissions.js';
import { assertPathInScope, pathWithin, scopeOf } from '../../platform/auth/scope.js';
import { audit, logDataAccess } from '../../platform/audit/audit.js';
import { conflict, forbidden, invalid, notFound } from '../../platform/errors.js';
import { newId } from '../../platform/ids.js';
import { maskAddress, maskName, maskPhone } from '../../platform/crypto.js';
import { notifyUsers } from '../../platform/notify/index.js';
import { departmentByCode, nodeBriefs, residentBriefs } from '../org/index.js';
import {
  mediationRepo as repo,
  type AgreementRow,
  type AssignmentRole,
  type Attendance,
  type DisputeRow,
  type DisputeScope,
  type DisputeState,
  type DisputeType,
  type ExpertKind,
  type ExpertRow,
  type FollowupOutcome,
  type FollowupRow,
  type JudicialStatus,
  type LegalAidRow,
  type MediationType,
  type PartyRow,
  type Referral,
  type RiskLevel,
  type SessionRow,
  type Source,
  type Tier,
  type WarningRow,
} from './repository.js';
import {
  CATEGORY_TYPES,
  CONTACT_WINDOW_DAYS,
  EXPERT_KIND_NAMES,
  FOLLOWUP_DAYS,
  FOLLOWUP_JOB,
  MEDIATION_TYPE_NAMES,
  REPEAT_WINDOW_DAYS,
  RISK_NAMES,
  STATE_NAMES,
  TIER_NAMES,
  TIER_RANK,
  TYPE_NAMES,
  canEscalate,
  followupJobKey,
  initialTier,
  nodeHandlesTier,
  streetPathOf,
  suggestExperts,
  warningFlags,
  type Flag,
  type Suggestion,
} from './rules.js';
import { agreementPdf, type AgreementDoc } from './document.js';

const DAY_MS = 86_400_000;
const iso = (d: Date | string | null | undefined) => (d ? new Date(d).toISOString() : null);
const TERMINAL: DisputeState[] = ['closed', 'rejected', 'referred'];
const OPEN_FOR_MEDIATION: DisputeState[] = ['pending', 'mediating', 'partial', 'failed'];

// ---------------------------------------------------------------- who sees and who handles

const tjCache = new WeakMap<AppContext, Promise<string | null>>();
/** The id of the department 矛盾纠纷调处中心 (TJ), whose handlers work for the district center. */
function tjDepartmentId(ctx: AppContext, db: Executor): Promise<string | null> {
  let p = tjCache.get(ctx);
  if (!p) {
    p = departmentByCode(ctx, 'TJ', db).then((d) => d?.id ?? null);
    tjCache.set(ctx, p);
  }
  return p;
}

async function isCenterHandler(ctx: AppContext, actor: Actor, db: Executor): Promise<boolean> {
  if (!actor.departmentId || !hasRole(actor, 'dept_handler')) return false;
  return actor.departmentId === (await tjDepartmentId(ctx, db));
}

/**
 * Data scope on disputes: staff see the disputes of the places under their node (a community
 * mediator the community, the street center the street); the TJ center's handlers and admins see
 * all; residents and enterprises see their own applications.
 */
export async function disputeScope(ctx: AppContext, actor: Actor, db: Executor = ctx.db): Promise<DisputeScope> {
  const s = scopeOf(actor);
  if (s.kind === 'all') return { kind: 'all' };
  if (s.kind === 'subtree') return { kind: 'subtree', path: s.path };
  if (s.kind === 'department') return (await isCenterHandler(ctx, actor, db)) ? { kind: 'all' } : { kind: 'none' };
  if (s.kind === 'self' && actor.userId) return { kind: 'own', userId: actor.userId };
  return { kind: 'none' };
}

function inScope(scope: DisputeScope, d: Pick<DisputeRow, 'node_path' | 'applicant_user_id'>): boolean {
  if (scope.kind === 'all') return true;
  if (scope.kind === 'subtree') return pathWithin(d.node_path, scope.path);
  if (scope.kind === 'own') return d.applicant_user_id === scope.userId;
  return false;
}

async function visibleDispute(ctx: AppContext, actor: Actor, id: string, db: Executor = ctx.db, forUpdate = false): Promise<DisputeRow> {
  const d = await repo.disputeById(db, id, forUpdate);
  if (!d || !inScope(await disputeScope(ctx, actor, db), d)) throw notFound('纠纷案件不存在或无权查看');
  return d;
}

/** Whether the actor may act on the dispute at its current tier (its center's staff, or an assigned expert). */
async function mayHandle(ctx: AppContext, db: Executor, actor: Actor, d: DisputeRow): Promise<boolean> {
  if (!can(actor, 'mediation.handle')) return false;
  const scope = await disputeScope(ctx, actor, db);
  if (scope.kind === 'own' || !inScope(scope, d)) return false;
  if (scope.kind === 'all') return true;
  if (nodeHandlesTier(actor.nodePath, d.tier)) return true;
  // an expert brought in at (or above) the dispute's tier works on it too
  if (actor.userId) {
    const tiers = await repo.assignedTiersOfUser(db, actor.userId, d.id);
    if (tiers.some((t) => TIER_RANK[t] >= TIER_RANK[d.tier])) return true;
  }
  return false;
}

async function handleable(ctx: AppContext, trx: Tx, actor: Actor, id: string): Promise<DisputeRow> {
  requirePermission(actor, 'mediation.handle');
  const d = await visibleDispute(ctx, actor, id, trx, true);
  if (!(await mayHandle(ctx, trx, actor, d))) throw forbidden(`该纠纷现由${TIER_NAMES[d.tier]}办理，您无权操作`);
  return d;
}

// ---------------------------------------------------------------- views

export interface PartyView {
  id: string;
  role: PartyRow['role'];
  kind: PartyRow['kind'];
  name: string;
  phone: string | null;
  address: string | null;
  residentId: string | null;
}

export interface MediatorView {
  expertId: string;
  name: string;
  kind: ExpertKind;
  kindName: string;
  mediationType: MediationType;
  mediationTypeName: string;
  tier: Tier;
  role: AssignmentRole;
  organization: string | null;
  assignedAt: string;
}

export interface DisputeListItem {
  id: string;
  number: string;
  source: Source;
  caseId: string | null;
  type: DisputeType;
  typeName: string;
  title: string;
  nodePath: string;
  placeName: string | null;
  tier: Tier;
  tierName: string;
  state: DisputeState;
  stateName: string;
  riskLevel: RiskLevel;
  riskName: string;
  enterpriseRelated: boolean;
  warned: boolean;
  partyNames: string[];
  createdAt: string;
  concludedAt: string | null;
}

export interface SessionView {
  id: string;
  scheduledAt: string;
  mode: 'in_person' | 'online';
  location: string | null;
  meetingUrl: string | null;
  status: SessionRow['status'];
  attendance: Attendance[];
  notes: string | null;
  outcome: SessionRow['outcome'];
  heldAt: string | null;
}

export interface AgreementView {
  id: string;
  number: string;
  kind: 'full' | 'partial';
  terms: string[];
  performance: string | null;
  mediatorNames: string[];
  signed: boolean;
  signedAt: string | null;
  judicialStatus: JudicialStatus;
  judicialCourt: string | null;
  judicialNote: string | null;
  judicialFiledAt: string | null;
  judicialDecidedAt: string | null;
  superseded: boolean;
  createdAt: string;
  pdfUrl: string;
}

export interface FollowupView {
  id: string;
  disputeId: string;
  agreementId: string;
  dayOffset: number;
  dueAt: string;
  status: FollowupRow['status'];
  outcome: FollowupOutcome | null;
  notes: string | null;
  counselling: boolean;
  counsellorExpertId: string | null;
  visitedAt: string | null;
}

export interface WarningView {
  id: string;
  disputeId: string;
  rule: WarningRow['rule'];
  detail: string;
  status: WarningRow['status'];
  createdAt: string;
  ackAt: string | null;
  ackNote: string | null;
}

export interface DisputeView extends DisputeListItem {
  description: string;
  claims: string | null;
  referral: Referral | null;
  rejectReason: string | null;
  reopenCount: number;
  contactCount: number;
  acceptedAt: string | null;
  closedAt: string | null;
  parties: PartyView[];
  masked: boolean;
  mediators: MediatorView[];
  escalations: Array<{ fromTier: Tier; toTier: Tier; reason: string; byName: string | null; at: string }>;
  sessions: SessionView[];
  agreements: AgreementView[];
  followups: FollowupView[];
  warnings: WarningView[];
  timeline: Array<{ id: string; type: string; actor: string | null; note: string | null; data: Record<string, unknown>; at: string }>;
  allowedActions: string[];
}

async function placeNames(db: Executor, paths: string[]): Promise<Map<string, string>> {
  const uniq = [...new Set(paths)];
  const nodes = await nodeBriefs(db, { paths: uniq });
  return new Map(nodes.map((n) => [n.path, n.name]));
}

function listItem(d: DisputeRow, places: Map<string, string>, parties: PartyRow[], maskNames: boolean): DisputeListItem {
  return {
    id: d.id,
    number: d.number,
    source: d.source,
    caseId: d.case_id,
    type: d.type,
    typeName: TYPE_NAMES[d.type],
    title: d.title,
    nodePath: d.node_path,
    placeName: places.get(d.node_path) ?? null,
    tier: d.tier,
    tierName: TIER_NAMES[d.tier],
    state: d.state,
    stateName: STATE_NAMES[d.state],
    riskLevel: d.risk_level,
    riskName: RISK_NAMES[d.risk_level],
    enterpriseRelated: d.enterprise_related,
    warned: d.warned,
    partyNames: parties.filter((p) => p.dispute_id === d.id).map((p) => (maskNames && p.kind === 'person' ? (maskName(p.name) ?? '') : p.name)),
    createdAt: iso(d.created_at)!,
    concludedAt: iso(d.concluded_at),
  };
}

const sessionView = (s: SessionRow): SessionView => ({
  id: s.id,
  scheduledAt: iso(s.scheduled_at)!,
  mode: s.mode,
  location: s.location,
  meetingUrl: s.meeting_url,
  status: s.status,
  attendance: (s.attendance ?? []) as Attendance[],
  notes: s.notes,
  outcome: s.outcome,
  heldAt: iso(s.held_at),
});

const agreementView = (a: AgreementRow): AgreementView => ({
  id: a.id,
  number: a.number,
  kind: a.kind,
  terms: a.terms as string[],
  performance: a.performance,
  mediatorNames: a.mediator_names,
  signed: a.signed,
  signedAt: iso(a.signed_at),
  judicialStatus: a.judicial_status,
  judicialCourt: a.judicial_court,
  judicialNote: a.judicial_note,
  judicialFiledAt: iso(a.judicial_filed_at),
  judicialDecidedAt: iso(a.judicial_decided_at),
  superseded: a.superseded,
  createdAt: iso(a.created_at)!,
  pdfUrl: `/api/mediation/agreements/${a.id}/pdf`,
});

const followupView = (f: FollowupRow): FollowupView => ({
  id: f.id,
  disputeId: f.dispute_id,
  agreementId: f.agreement_id,
  dayOffset: f.day_offset,
  dueAt: iso(f.due_at)!,
  status: f.status,
  outcome: f.outcome,
  notes: f.notes,
  counselling: f.counselling,
  counsellorExpertId: f.counsellor_expert_id,
  visitedAt: iso(f.visited_at),
});

const warningView = (w: WarningRow): WarningView => ({
  id: w.id,
  disputeId: w.dispute_id,
  rule: w.rule,
  detail: w.detail,
  status: w.status,
  createdAt: iso(w.created_at)!,
  ackAt: iso(w.ack_at),
  ackNote: w.ack_note,
});

function allowedActions(d: DisputeRow, handle: boolean, hasDue: boolean): string[] {
  if (!handle) return [];
  const a: string[] = [];
  if (d.state === 'pending') a.push('accept', 'reject');
  if (OPEN_FOR_MEDIATION.includes(d.state) && d.tier !== 'district') a.push('escalate');
  if (['mediating', 'partial', 'failed'].includes(d.state)) a.push('schedule');
  if (['mediating', 'partial', 'failed'].includes(d.state)) a.push('refer');
  if (!TERMINAL.includes(d.state)) a.push('assign', 'risk', 'contact');
  if (hasDue) a.push('followup');
  return a;
}

/** A dispute with everything the detail page shows. `reveal` shows parties' contacts in clear (logged). */
export async function getDispute(ctx: AppContext, actor: Actor, id: string, opts: { reveal?: boolean } = {}): Promise<DisputeView> {
  requirePermissionAny(actor, ['mediation.read', 'mediation.apply']);
  const d = await visibleDispute(ctx, actor, id);
  const scope = await disputeScope(ctx, actor);
  const own = scope.kind === 'own';
  if (opts.reveal && !can(actor, 'pii.reveal')) throw forbidden('您的角色无权查看当事人完整联系方式');
  const [parties, mediators, escalations, sessions, agreements, followups, warnings, events, places, handle] = await Promise.all([
    repo.parties(ctx.db, [d.id]),
    repo.assignments(ctx.db, [d.id]),
    repo.escalations(ctx.db, d.id),
    repo.sessions(ctx.db, d.id),
    repo.agreements(ctx.db, d.id),
    repo.followups(ctx.db, [d.id]),
    own ? Promise.resolve([]) : repo.warnings(ctx.db, [d.id]),
    repo.events(ctx.db, d.id),
    placeNames(ctx.db, [d.node_path]),
    mayHandle(ctx, ctx.db, actor, d),
  ]);
  const reveal = !!opts.reveal;
  if (reveal && parties.some((p) => p.phone_enc || p.address_enc)) {
    await logDataAccess(ctx.db, ctx.clock, actor, { entity: 'mediation_dispute', entityId: d.id, fields: ['parties.phone', 'parties.address'] });
  }
  const pv = parties.map(
    (p): PartyView => ({
      id: p.id,
      role: p.role,
      kind: p.kind,
      name: p.name,
      phone: reveal ? ctx.cipher.decrypt(p.phone_enc) : maskPhone(ctx.cipher.decrypt(p.phone_enc)),
      address: reveal ? ctx.cipher.decrypt(p.address_enc) : maskAddress(ctx.cipher.decrypt(p.address_enc)),
      residentId: own ? null : p.resident_id,
    }),
  );
  return {
    ...listItem(d, places, parties, false),
    description: d.description,
    claims: d.claims,
    referral: (d.referral as Referral | null) ?? null,
    rejectReason: d.reject_reason,
    reopenCount: d.reopen_count,
    contactCount: d.contact_count,
    acceptedAt: iso(d.accepted_at),
    closedAt: iso(d.closed_at),
    parties: pv,
    masked: !reveal,
    mediators: mediators.map((m) => ({
      expertId: m.expert_id,
      name: m.name,
      kind: m.kind,
      kindName: EXPERT_KIND_NAMES[m.kind],
      mediationType: m.mediation_type,
      mediationTypeName: MEDIATION_TYPE_NAMES[m.mediation_type],
      tier: m.tier,
      role: m.role,
      organization: m.organization,
      assignedAt: iso(m.assigned_at)!,
    })),
    escalations: escalations.map((e) => ({ fromTier: e.from_tier, toTier: e.to_tier, reason: e.reason, byName: e.by_name, at: iso(e.at)! })),
    sessions: sessions.map(sessionView),
    agreements: agreements.map(agreementView),
    followups: followups.map(followupView),
    warnings: warnings.map(warningView),
    timeline: events
      .filter((e) => !own || !['warning', 'contact'].includes(e.type))
      .map((e) => ({ id: e.id, type: e.type, actor: e.actor_name, note: e.note, data: (e.data ?? {}) as Record<string, unknown>, at: iso(e.at)! })),
    allowedActions: allowedActions(d, handle, followups.some((f) => f.status === 'due' || f.status === 'scheduled')),
  };
}

function requirePermissionAny(actor: Actor, perms: string[]): void {
  if (!perms.some((p) => can(actor, p))) throw forbidden();
}

export interface DisputeQuery {
  state?: DisputeState[];
  tier?: Tier;
  type?: DisputeType;
  risk?: RiskLevel;
  enterprise?: boolean;
  warned?: boolean;
  q?: string;
  nodeId?: string;
  page?: number;
  pageSize?: number;
}

/** Disputes in the caller's scope, enterprise-related and high-risk first. Residents get their own applications. */
export async function listDisputes(ctx: AppContext, actor: Actor, q: DisputeQuery): Promise<{ items: DisputeListItem[]; total: number; page: number; pageSize: number }> {
  requirePermissionAny(actor, ['mediation.read', 'mediation.apply']);
  const scope = await disputeScope(ctx, actor);
  let under: string | undefined;
  if (q.nodeId) {
    const [n] = await nodeBriefs(ctx.db, { ids: [q.nodeId] });
    if (!n) throw notFound('节点不存在');
    if (scope.kind === 'subtree') assertPathInScope(actor, n.path);
    under = n.path;
  }
  const page = q.page ?? 1;
  const pageSize = q.pageSize ?? 20;
  const { rows, total } = await repo.listDisputes(ctx.db, { scope, under, state: q.state, tier: q.tier, type: q.type, risk: q.risk, enterprise: q.enterprise, warned: q.warned, q: q.q, limit: pageSize, offset: (page - 1) * pageSize });
  const [places, parties] = await Promise.all([placeNames(ctx.db, rows.map((r) => r.node_path)), repo.parties(ctx.db, rows.map((r) => r.id))]);
  return { items: rows.map((r) => listItem(r, places, parties, scope.kind === 'own')), total, page, pageSize };
}

// ---------------------------------------------------------------- creation

export interface PartyInput {
  role: 'applicant' | 'respondent' | 'third';
  kind?: 'person' | 'enterprise';
  name: string;
  phone?: string | null;
  address?: string | null;
  residentId?: string | null;
}

export interface DisputeInput {
  type: DisputeType;
  title: string;
  description: string;
  claims?: string | null;
  parties: PartyInput[];
  riskLevel?: RiskLevel;
  enterpriseRelated?: boolean;
  /** place: an org node (community, estate, grid...) */
  nodeId?: string;
  tier?: Tier;
}

export async function nextDisputeNumber(db: Executor, at: Date): Promise<string> {
  const day = new Intl.DateTimeFormat('en-CA', { timeZone: 'Asia/Shanghai', year: 'numeric', month: '2-digit', day: '2-digit' }).format(at).replace(/-/g, '');
  const n = await repo.nextNumber(db, day);
  return `TJ${day}${String(n).padStart(4, '0')}`;
}

function eventRow(actor: Actor, disputeId: string, at: Date, type: string, note: string | null = null, data: Record<string, unknown> = {}) {
  return { id: newId(), dispute_id: disputeId, type, actor_id: actor.userId, actor_name: actor.displayName, note, data: JSON.stringify(data), at };
}

function checkParties(parties: PartyInput[]): void {
  if (!parties.some((p) => p.role === 'applicant')) throw invalid('至少需要一名申请人', [{ field: 'parties', message: '须包含申请人' }]);
  if (parties.length < 2) throw invalid('纠纷至少涉及两方当事人', [{ field: 'parties', message: '至少两方' }]);
}

/** Grid path (区/街道/社区/小区/网格) of a resident's household: the place of an online application, without the exact address. */
async function residentPlace(db: Executor, residentId: string | null): Promise<string | null> {
  if (!residentId) return null;
  const [r] = await residentBriefs(db, { ids: [residentId] });
  return r ? r.nodePath.split('/').slice(0, 5).join('/') : null;
}

interface CreateOpts {
  source: Source;
  caseId?: string | null;
  nodePath: string;
  state: 'pending' | 'mediating';
  applicantUserId?: string | null;
  firstEvent: string;
  note?: string | null;
}

async function insertDispute(ctx: AppContext, trx: Tx, after: AfterCommit, actor: Actor, input: DisputeInput, o: CreateOpts): Promise<DisputeRow> {
  checkParties(input.parties);
  const now = ctx.clock.now();
  const risk = input.riskLevel ?? 'low';
  const enterprise = input.enterpriseRelated ?? input.parties.some((p) => p.kind === 'enterprise');
  const row: DisputeRow = {
    id: newId(),
    number: await nextDisputeNumber(trx, now),
    source: o.source,
    case_id: o.caseId ?? null,
    type: input.type,
    title: input.title,
    description: input.description,
    claims: input.claims ?? null,
    node_path: o.nodePath,
    tier: input.tier ?? initialTier(risk, enterprise),
    state: o.state,
    risk_level: risk,
    enterprise_related: enterprise,
    applicant_user_id: o.applicantUserId ?? null,
    created_by: actor.userId,
    referral: null,
    reject_reason: null,
    reopen_count: 0,
    contact_count: o.firstEvent === 'applied' ? 1 : 0,
    warned: false,
    accepted_at: o.state === 'mediating' ? now : null,
    concluded_at: null,
    closed_at: null,
    created_at: now,
    updated_at: now,
  };
  await repo.insertDispute(trx, row);
  await repo.insertParties(
    trx,
    input.parties.map((p, i) => ({
      id: newId(),
      dispute_id: row.id,
      role: p.role,
      kind: p.kind ?? 'person',
      name: p.name.trim(),
      name_hash: ctx.cipher.blindIndex(p.name.trim())!,
      phone_enc: ctx.cipher.encrypt(p.phone ?? null),
      phone_hash: ctx.cipher.blindIndex(p.phone ?? null),
      address_enc: ctx.cipher.encrypt(p.address ?? null),
      resident_id: p.residentId ?? null,
      sort: i,
    })),
  );
  await repo.insertEvent(trx, eventRow(actor, row.id, now, o.firstEvent, o.note ?? null, { source: o.source, tier: row.tier, caseId: o.caseId ?? null }));
  // a mediator who records a dispute leads it when they are in the expert pool
  if (o.state === 'mediating' && actor.userId) {
    const [me] = await repo.expertsByUser(trx, actor.userId);
    if (me) await repo.insertAssignment(trx, { id: newId(), dispute_id: row.id, expert_id: me.id, role: 'lead', assigned_at: now, released_at: null });
  }
  await raiseWarnings(ctx, trx, after, actor, row, null);
  const fresh = (await repo.disputeById(trx, row.id))!;
  publish(ctx, after, 'created', fresh);
  return fresh;
}

/** A mediator or grid worker enters a dispute they met (often settled on the spot). */
export async function createDispute(ctx: AppContext, actor: Actor, input: DisputeInput): Promise<DisputeView> {
  requirePermission(actor, 'mediation.report');
  if (!input.nodeId) throw invalid('请选择纠纷发生地', [{ field: 'nodeId', message: '为必填项' }]);
  const [node] = await nodeBriefs(ctx.db, { ids: [input.nodeId] });
  if (!node) throw invalid('纠纷发生地不存在', [{ field: 'nodeId', message: '节点不存在' }]);
  if (node.level === 'household' || node.level === 'building') throw invalid('发生地请选择到网格或小区，不要选择具体户', [{ field: 'nodeId', message: '层级过细' }]);
  const scope = await disputeScope(ctx, actor);
  if (scope.kind === 'subtree') assertPathInScope(actor, node.path);
  else if (scope.kind !== 'all') throw forbidden();
  const source: Source = hasRole(actor, 'grid_worker', 'grid_leader') && !hasRole(actor, 'mediator') ? 'grid' : 'mediator';
  const d = await withTx(ctx, async (trx, after) => {
    const row = await insertDispute(ctx, trx, after, actor, input, { source, nodePath: node.path, state: 'mediating', firstEvent: 'created' });
    await audit(trx, ctx.clock, actor, { action: 'mediation.dispute.create', entity: 'mediation_dispute', entityId: row.id, after: auditDispute(row, input) });
    return row;
  });
  return getDispute(ctx, actor, d.id);
}

const auditDispute = (d: DisputeRow, input?: DisputeInput) => ({
  number: d.number,
  source: d.source,
  type: d.type,
  tier: d.tier,
  state: d.state,
  riskLevel: d.risk_level,
  enterpriseRelated: d.enterprise_related,
  nodePath: d.node_path,
  caseId: d.case_id,
  parties: input?.parties.map((p) => ({ role: p.role, kind: p.kind ?? 'person', name: p.name, phone: maskPhone(p.phone ?? null) })),
});

/** A resident (or an enterprise's contact) applies online for mediation. */
export async function applyOnline(ctx: AppContext, actor: Actor, input: DisputeInput & { applicantPhone?: string | null }): Promise<DisputeView> {
  requirePermission(actor, 'mediation.apply');
  let nodePath = await residentPlace(ctx.db, actor.residentId);
  if (!nodePath && input.nodeId) nodePath = (await nodeBriefs(ctx.db, { ids: [input.nodeId] }))[0]?.path ?? null;
  if (!nodePath) throw invalid('无法确定纠纷发生地，请选择所在社区', [{ field: 'nodeId', message: '为必填项' }]);
  const parties = input.parties.map((p) => (p.role === 'applicant' && actor.residentId && !p.residentId ? { ...p, residentId: actor.residentId } : p));
  // online applications start at the community's people's mediation committee unless serious
  const body: DisputeInput = { ...input, parties, tier: undefined };
  const d = await withTx(ctx, async (trx, after) => {
    const row = await insertDispute(ctx, trx, after, actor, body, { source: 'online', nodePath, state: 'pending', applicantUserId: actor.userId, firstEvent: 'applied' });
    const staff = await staffFor(ctx, trx, row.node_path, row.tier);
    await notifyUsers(ctx, trx, staff, { kind: 'mediation.applied', title: `新的在线调解申请：${row.title}`, body: `${TYPE_NAMES[row.type]}，案号 ${row.number}`, link: `/mediation/disputes/${row.id}`, data: { disputeId: row.id } });
    await audit(trx, ctx.clock, actor, { action: 'mediation.dispute.apply', entity: 'mediation_dispute', entityId: row.id, after: auditDispute(row, body) });
    return row;
  });
  return getDispute(ctx, actor, d.id);
}

export interface CaseHandover {
  caseId: string;
  caseNumber: string;
  categoryCode: string | null;
  description: string;
  /** the case's grid path */
  nodePath: string;
  address?: string | null;
  reporter?: { name: string | null; phone: string | null } | null;
  reporterUserId?: string | null;
  respondentName?: string | null;
  riskLevel?: RiskLevel;
}

/**
 * A case of a 矛盾纠纷 category handed over from `cases` becomes a dispute keeping the link. Once per
 * case: a second handover returns the existing dispute.
 */
export async function createDisputeFromCase(ctx: AppContext, actor: Actor, h: CaseHandover): Promise<{ dispute: DisputeView | null; id: string; created: boolean }> {
  requirePermission(actor, 'mediation.report');
  const existing = await repo.disputeByCase(ctx.db, h.caseId);
  if (existing) return { dispute: null, id: existing.id, created: false };
  const scope = await disputeScope(ctx, actor);
  if (scope.kind === 'subtree') assertPathInScope(actor, h.nodePath);
  else if (scope.kind !== 'all') throw forbidden();
  const type = (h.categoryCode && CATEGORY_TYPES[h.categoryCode]) || 'other';
  const input: DisputeInput = {
    type,
    title: `${TYPE_NAMES[type]}（案卷 ${h.caseNumber}）`,
    description: h.description,
    claims: null,
    riskLevel: h.riskLevel ?? 'low',
    parties: [
      { role: 'applicant', kind: 'person', name: h.reporter?.name?.trim() || '匿名报告人', phone: h.reporter?.phone && /^1\d{10}$/.test(h.reporter.phone) ? h.reporter.phone : null, address: h.address ?? null },
      { role: 'respondent', kind: 'person', name: h.respondentName?.trim() || '待核实' },
    ],
  };
  try {
    const id = await withTx(ctx, async (trx, after) => {
      const row = await insertDispute(ctx, trx, after, actor, input, {
        source: 'case',
        caseId: h.caseId,
        nodePath: h.nodePath,
        state: 'pending',
        applicantUserId: h.reporterUserId ?? null,
        firstEvent: 'handover',
        note: `由案卷 ${h.caseNumber} 转入`,
      });
      const staff = await staffFor(ctx, trx, row.node_path, row.tier);
      await notifyUsers(ctx, trx, staff, { kind: 'mediation.handover', title: `案卷 ${h.caseNumber} 转为矛盾纠纷调解`, body: h.description.slice(0, 80), link: `/mediation/disputes/${row.id}`, data: { disputeId: row.id, caseId: h.caseId } });
      await audit(trx, ctx.clock, actor, { action: 'mediation.dispute.handover', entity: 'mediation_dispute', entityId: row.id, after: auditDispute(row, input) });
      return row.id;
    });
    return { dispute: await getDispute(ctx, actor, id).catch(() => null), id, created: true };
  } catch (err) {
    // a concurrent handover of the same case won the unique index
    if ((err as { code?: string }).code === '23505') {
      const again = await repo.disputeByCase(ctx.db, h.caseId);
      if (again) return { dispute: null, id: again.id, created: false };
    }
    throw err;
  }
}

/** Staff accounts that handle a tier at a place: the community's mediators, or the center's staff. */
async function staffFor(ctx: AppContext, db: Executor, nodePath: string, tier: Tier): Promise<string[]> {
  const parts = nodePath.split('/');
  const centerPath = tier === 'district' ? parts.slice(0, 1).join('/') : tier === 'street' ? parts.slice(0, 2).join('/') : parts.slice(0, 3).join('/');
  const nodes = await nodeBriefs(db, { paths: [centerPath] });
  const roles = tier === 'grid' ? ['mediator', 'community_admin'] : ['mediator', 'street_admin'];
  return repo.usersOnNodes(db, nodes.map((n) => n.id), roles);
}

// ---------------------------------------------------------------- early warning

async function raiseWarnings(ctx: AppContext, trx: Tx, after: AfterCommit, actor: Actor, d: DisputeRow, riskBefore: RiskLevel | null): Promise<Flag[]> {
  const now = ctx.clock.now();
  const parties = await repo.parties(trx, [d.id]);
  const phones = [...new Set(parties.map((p) => p.phone_hash).filter((x): x is string => !!x))];
  const names = [...new Set(parties.map((p) => p.name_hash))];
  const same = await repo.disputesWithSameParties(trx, d.id, phones, names, new Date(now.getTime() - REPEAT_WINDOW_DAYS * DAY_MS));
  const contacts = await repo.countEvents(trx, [d.id, ...same], ['applied', 'contact', 'handover'], new Date(now.getTime() - CONTACT_WINDOW_DAYS * DAY_MS));
  const flags = warningFlags({ sameParties: same.length, riskBefore, riskNow: d.risk_level, contacts });
  const fresh: Flag[] = [];
  const street = streetPathOf(d.node_path);
  for (const f of flags) {
    const isNew = await repo.insertWarning(trx, { id: newId(), dispute_id: d.id, rule: f.rule, detail: f.detail, street_path: street, status: 'open', created_at: now });
    if (isNew) fresh.push(f);
  }
  if (fresh.length) {
    await repo.updateDispute(trx, d.id, { warned: true, updated_at: now });
    for (const f of fresh) await repo.insertEvent(trx, eventRow(actor, d.id, now, 'warning', f.detail, { rule: f.rule, relatedDisputes: same }));
    // flagged to the street center
    const nodes = await nodeBriefs(trx, { paths: [street] });
    const users = await repo.usersOnNodes(trx, nodes.map((n) => n.id), ['street_admin', 'mediator']);
    await notifyUsers(ctx, trx, users, { kind: 'mediation.warning', title: `矛盾纠纷预警：${d.title}`, body: fresh.map((f) => f.detail).join('；'), link: `/mediation/disputes/${d.id}`, data: { disputeId: d.id, rules: fresh.map((f) => f.rule) } });
    after.add(() => ctx.events.publish({ type: 'mediation.warning', path: street, data: { disputeId: d.id, number: d.number, rules: fresh.map((f) => f.rule) }, at: now.toISOString() }));
  }
  return fresh;
}

function publish(ctx: AppContext, after: AfterCommit, type: string, d: Pick<DisputeRow, 'id' | 'number' | 'node_path' | 'state' | 'tier' | 'case_id'>, data: Record<string, unknown> = {}): void {
  const at = ctx.clock.now().toISOString();
  after.add(() => ctx.events.publish({ type: `mediation.${type}`, path: d.node_path, data: { disputeId: d.id, number: d.number, state: d.state, tier: d.tier, caseId: d.case_id, ...data }, at }));
}

// ---------------------------------------------------------------- handling

export async function acceptDispute(ctx: AppContext, actor: Actor, id: string, input: { leadExpertId?: string; note?: string }): Promise<DisputeView> {
  await withTx(ctx, async (trx, after) => {
    const d = await handleable(ctx, trx, actor, id);
    if (d.state !== 'pending') throw conflict(`当前状态为“${STATE_NAMES[d.state]}”，不能受理`);
    const now = ctx.clock.now();
    await repo.updateDispute(trx, d.id, { state: 'mediating', accepted_at: now, updated_at: now });
    let lead: ExpertRow | undefined;
    if (input.leadExpertId) {
      lead = await repo.expertById(trx, input.leadExpertId);
      if (!lead) throw invalid('调解员不存在', [{ field: 'leadExpertId', message: '不在专家库中' }]);
    } else if (actor.userId) [lead] = await repo.expertsByUser(trx, actor.userId);
    if (lead) await repo.insertAssignment(trx, { id: newId(), dispute_id: d.id, expert_id: lead.id, role: 'lead', assigned_at: now, released_at: null });
    await repo.insertEvent(trx, eventRow(actor, d.id, now, 'accepted', input.note ?? null, { lead: lead?.name ?? null }));
    if (d.applicant_user_id) await notifyUsers(ctx, trx, [d.applicant_user_id], { kind: 'mediation.accepted', title: `您的调解申请已受理（${d.number}）`, body: lead ? `调解员：${lead.name}` : '', link: `/h5/mediation/${d.id}`, data: { disputeId: d.id } });
    publish(ctx, after, 'accepted', { ...d, state: 'mediating' });
    await audit(trx, ctx.clock, actor, { action: 'mediation.dispute.accept', entity: 'mediation_dispute', entityId: d.id, before: { state: d.state }, after: { state: 'mediating', lead: lead?.id ?? null } });
  });
  return getDispute(ctx, actor, id);
}

export async function rejectDispute(ctx: AppContext, actor: Actor, id: string, input: { reason: string }): Promise<DisputeView> {
  await withTx(ctx, async (trx, after) => {
    const d = await handleable(ctx, trx, actor, id);
    if (d.state !== 'pending') throw conflict(`当前状态为“${STATE_NAMES[d.state]}”，不能作不予受理处理`);
    const now = ctx.clock.now();
    await repo.updateDispute(trx, d.id, { state: 'rejected', reject_reason: input.reason, closed_at: now, updated_at: now });
    await repo.insertEvent(trx, eventRow(actor, d.id, now, 'rejected', input.reason));
    if (d.applicant_user_id) await notifyUsers(ctx, trx, [d.applicant_user_id], { kind: 'mediation.rejected', title: `您的调解申请未予受理（${d.number}）`, body: input.reason, link: `/h5/mediation/${d.id}`, data: { disputeId: d.id } });
    publish(ctx, after, 'rejected', { ...d, state: 'rejected' }, { reason: input.reason });
    await audit(trx, ctx.clock, actor, { action: 'mediation.dispute.reject', entity: 'mediation_dispute', entityId: d.id, before: { state: d.state }, after: { state: 'rejected', reason: input.reason } });
  });
  return getDispute(ctx, actor, id);
}

/** Moves a dispute up: grid → street center → district center, with the reason. */
export async function escalateDispute(ctx: AppContext, actor: Actor, id: string, input: { toTier: Tier; reason: string }): Promise<DisputeView> {
  await withTx(ctx, async (trx, after) => {
    const d = await handleable(ctx, trx, actor, id);
    if (!OPEN_FOR_MEDIATION.includes(d.state)) throw conflict(`当前状态为“${STATE_NAMES[d.state]}”，不能上交`);
    if (!canEscalate(d.tier, input.toTier)) throw invalid(`只能向更高层级上交（当前：${TIER_NAMES[d.tier]}）`, [{ field: 'toTier', message: '须高于当前层级' }]);
    if (input.reason.trim().length < 2) throw invalid('请填写上交理由', [{ field: 'reason', message: '为必填项' }]);
    const now = ctx.clock.now();
    const state: DisputeState = d.state === 'pending' ? 'pending' : 'mediating';
    await repo.updateDispute(trx, d.id, { tier: input.toTier, state, updated_at: now });
    // the higher center names its own lead; the others stay on the case as participants
    await repo.releaseLead(trx, d.id, now);
    await repo.insertEscalation(trx, { id: newId(), dispute_id: d.id, from_tier: d.tier, to_tier: input.toTier, reason: input.reason.trim(), by_user_id: actor.userId, by_name: actor.displayName, at: now });
    await repo.insertEvent(trx, eventRow(actor, d.id, now, 'escalated', input.reason.trim(), { from: d.tier, to: input.toTier }));
    const staff = await staffFor(ctx, trx, d.node_path, input.toTier);
    await notifyUsers(ctx, trx, staff, { kind: 'mediation.escalated', title: `纠纷上交至${TIER_NAMES[input.toTier]}：${d.title}`, body: input.reason, link: `/mediation/disputes/${d.id}`, data: { disputeId: d.id } });
    publish(ctx, after, 'escalated', { ...d, tier: input.toTier, state }, { from: d.tier });
    await audit(trx, ctx.clock, actor, { action: 'mediation.dispute.escalate', entity: 'mediation_dispute', entityId: d.id, before: { tier: d.tier, state: d.state }, after: { tier: input.toTier, state, reason: input.reason.trim() } });
  });
  return getDispute(ctx, actor, id);
}

/** Changes risk level, type or the enterprise flag; a rise to high or critical raises an early warning. */
export async function updateDispute(ctx: AppContext, actor: Actor, id: string, patch: { riskLevel?: RiskLevel; enterpriseRelated?: boolean; type?: DisputeType; reason?: string }): Promise<DisputeView> {
  await withTx(ctx, async (trx, after) => {
    const d = await handleable(ctx, trx, actor, id);
    if (TERMINAL.includes(d.state)) throw conflict(`当前状态为“${STATE_NAMES[d.state]}”，不能修改`);
    const now = ctx.clock.now();
    const next = { risk_level: patch.riskLevel ?? d.risk_level, enterprise_related: patch.enterpriseRelated ?? d.enterprise_related, type: patch.type ?? d.type };
    await repo.updateDispute(trx, d.id, { ...next, updated_at: now });
    if (next.risk_level !== d.risk_level) await repo.insertEvent(trx, eventRow(actor, d.id, now, 'risk', patch.reason ?? null, { from: d.risk_level, to: next.risk_level }));
    if (next.enterprise_related !== d.enterprise_related || next.type !== d.type) await repo.insertEvent(trx, eventRow(actor, d.id, now, 'updated', patch.reason ?? null, { enterpriseRelated: next.enterprise_related, type: next.type }));
    await raiseWarnings(ctx, trx, after, actor, { ...d, ...next }, d.risk_level);
    await audit(trx, ctx.clock, actor, { action: 'mediation.dispute.update', entity: 'mediation_dispute', entityId: d.id, before: { riskLevel: d.risk_level, enterpriseRelated: d.enterprise_related, type: d.type }, after: { riskLevel: next.risk_level, enterpriseRelated: next.enterprise_related, type: next.type, reason: patch.reason ?? null } });
  });
  return getDispute(ctx, actor, id);
}

/** Records a contact from the parties (visit, call, petition); many contacts raise an early warning. */
export async function recordContact(ctx: AppContext, actor: Actor, id: string, input: { channel: 'visit' | 'phone' | 'petition' | 'online'; note: string }): Promise<DisputeView> {
  await withTx(ctx, async (trx, after) => {
    requirePermission(actor, 'mediation.handle');
    const d = await visibleDispute(ctx, actor, id, trx, true);
    if (d.state === 'rejected') throw conflict('不予受理的纠纷不能登记来访');
    if ((await disputeScope(ctx, actor, trx)).kind === 'own') throw forbidden();
    const now = ctx.clock.now();
    await repo.updateDispute(trx, d.id, { contact_count: d.contact_count + 1, updated_at: now });
    await repo.insertEvent(trx, eventRow(actor, d.id, now, 'contact', input.note, { channel: input.channel }));
    await raiseWarnings(ctx, trx, after, actor, d, null);
    await audit(trx, ctx.clock, actor, { action: 'mediation.dispute.contact', entity: 'mediation_dispute', entityId: d.id, after: { channel: input.channel, note: input.note } });
  });
  return getDispute(ctx, actor, id);
}

/** Brings an expert in (三调联动: people's, administrative and judicial mediators together). */
export async function assignExpert(ctx: AppContext, actor: Actor, id: string, input: { expertId: string; role: AssignmentRole }): Promise<DisputeView> {
  await withTx(ctx, async (trx) => {
    const d = await handleable(ctx, trx, actor, id);
    if (TERMINAL.includes(d.state)) throw conflict(`当前状态为“${STATE_NAMES[d.state]}”，不能指派调解员`);
    const e = await repo.expertById(trx, input.expertId);
    if (!e) throw invalid('专家不存在', [{ field: 'expertId', message: '不在专家库中' }]);
    if (!e.available) throw conflict(`${e.name} 当前不可接案`);
    const active = await repo.assignments(trx, [d.id]);
    if (active.some((a) => a.expert_id === e.id)) throw conflict(`${e.name} 已参与本案调解`);
    const now = ctx.clock.now();
    if (input.role === 'lead') for (const a of active.filter((x) => x.role === 'lead')) await repo.releaseAssignment(trx, d.id, a.expert_id, now);
    await repo.insertAssignment(trx, { id: newId(), dispute_id: d.id, expert_id: e.id, role: input.role, assigned_at: now, released_at: null });
    await repo.insertEvent(trx, eventRow(actor, d.id, now, 'assigned', null, { expertId: e.id, name: e.name, role: input.role, mediationType: e.mediation_type }));
    if (e.user_id) await notifyUsers(ctx, trx, [e.user_id], { kind: 'mediation.assigned', title: `您被邀请参与调解：${d.title}`, body: `案号 ${d.number}`, link: `/mediation/disputes/${d.id}`, data: { disputeId: d.id } });
    await audit(trx, ctx.clock, actor, { action: 'mediation.dispute.assign', entity: 'mediation_dispute', entityId: d.id, after: { expertId: e.id, role: input.role } });
  });
  return getDispute(ctx, actor, id);
}

export async function releaseExpert(ctx: AppContext, actor: Actor, id: string, expertId: string): Promise<DisputeView> {
  await withTx(ctx, async (trx) => {
    const d = await handleable(ctx, trx, actor, id);
    const n = await repo.releaseAssignment(trx, d.id, expertId, ctx.clock.now());
    if (n === 0) throw notFound('该专家未参与本案');
    await repo.insertEvent(trx, eventRow(actor, d.id, ctx.clock.now(), 'released', null, { expertId }));
    await audit(trx, ctx.clock, actor, { action: 'mediation.dispute.release', entity: 'mediation_dispute', entityId: d.id, after: { expertId } });
  });
  return getDispute(ctx, actor, id);
}

export interface ExpertView {
  id: string;
  name: string;
  kind: ExpertKind;
  kindName: string;
  mediationType: MediationType;
  mediationTypeName: string;
  tier: Tier;
  tierName: string;
  nodePath: string;
  placeName: string | null;
  organization: string | null;
  expertise: string[];
  expertiseNames: string[];
  phone: string | null;
  bio: string | null;
  available: boolean;
  maxLoad: number;
  load: number;
  userId: string | null;
}

function expertView(e: ExpertRow, load: number, places: Map<string, string>, ctx: AppContext): ExpertView {
  return {
    id: e.id,
    name: e.name,
    kind: e.kind,
    kindName: EXPERT_KIND_NAMES[e.kind],
    mediationType: e.mediation_type,
    mediationTypeName: MEDIATION_TYPE_NAMES[e.mediation_type],
    tier: e.tier,
    tierName: TIER_NAMES[e.tier],
    nodePath: e.node_path,
    placeName: places.get(e.node_path) ?? null,
    organization: e.organization,
    expertise: e.expertise,
    expertiseNames: e.expertise.map((x) => TYPE_NAMES[x as DisputeType] ?? x),
    phone: maskPhone(ctx.cipher.decrypt(e.phone_enc)),
    bio: e.bio,
    available: e.available,
    maxLoad: e.max_load,
    load,
    userId: e.user_id,
  };
}

/** Suitable people for a dispute from the pool (type, place, load), optionally of given kinds. */
export async function suggestForDispute(ctx: AppContext, actor: Actor, id: string, kinds?: ExpertKind[]): Promise<Array<ExpertView & { score: number; reasons: string[] }>> {
  requirePermission(actor, 'mediation.read');
  const d = await visibleDispute(ctx, actor, id);
  const [pool, loads, active] = await Promise.all([repo.listExperts(ctx.db, {}), repo.loads(ctx.db), repo.assignments(ctx.db, [d.id])]);
  const taken = new Set(active.map((a) => a.expert_id));
  const sug = suggestExperts(
    { type: d.type, nodePath: d.node_path, tier: d.tier },
    pool.filter((e) => !taken.has(e.id)).map((e) => ({ id: e.id, kind: e.kind, mediationType: e.mediation_type, tier: e.tier, nodePath: e.node_path, expertise: e.expertise, available: e.available, maxLoad: e.max_load, load: loads.get(e.id) ?? 0 })),
    8,
    kinds,
  );
  return withExperts(ctx, pool, loads, sug);
}

async function withExperts(ctx: AppContext, pool: ExpertRow[], loads: Map<string, number>, sug: Suggestion[]) {
  const byId = new Map(pool.map((e) => [e.id, e]));
  const places = await placeNames(ctx.db, pool.map((e) => e.node_path));
  return sug.map((s) => ({ ...expertView(byId.get(s.expertId)!, loads.get(s.expertId) ?? 0, places, ctx), score: s.score, reasons: s.reasons }));
}

// ---------------------------------------------------------------- sessions and outcomes

export async function scheduleSession(ctx: AppContext, actor: Actor, id: string, input: { scheduledAt: string; mode: 'in_person' | 'online'; location?: string | null; meetingUrl?: string | null }): Promise<DisputeView> {
  const at = new Date(input.scheduledAt);
  if (Number.isNaN(at.getTime())) throw invalid('时间格式不正确', [{ field: 'scheduledAt', message: '须为 ISO 时间' }]);
  if (input.mode === 'in_person' && !input.location?.trim()) throw invalid('现场调解请填写地点', [{ field: 'location', message: '为必填项' }]);
  if (input.mode === 'online' && !input.meetingUrl?.trim()) throw invalid('线上调解请填写会议链接或会议号', [{ field: 'meetingUrl', message: '为必填项' }]);
  await withTx(ctx, async (trx, after) => {
    const d = await handleable(ctx, trx, actor, id);
    if (!['mediating', 'partial', 'failed'].includes(d.state)) throw conflict(`当前状态为“${STATE_NAMES[d.state]}”，不能安排调解`);
    const now = ctx.clock.now();
    const sid = newId();
    await repo.insertSession(trx, { id: sid, dispute_id: d.id, scheduled_at: at, mode: input.mode, location: input.location?.trim() || null, meeting_url: input.meetingUrl?.trim() || null, status: 'scheduled', attendance: JSON.stringify([]), notes: null, outcome: null, held_at: null, created_by: actor.userId, created_at: now });
    if (d.state !== 'mediating') await repo.updateDispute(trx, d.id, { state: 'mediating', updated_at: now });
    await repo.insertEvent(trx, eventRow(actor, d.id, now, 'session.scheduled', null, { sessionId: sid, scheduledAt: at.toISOString(), mode: input.mode }));
    if (d.applicant_user_id)
      await notifyUsers(ctx, trx, [d.applicant_user_id], { kind: 'mediation.session', title: `调解已安排（${d.number}）`, body: `${input.mode === 'online' ? '线上' : '现场'}调解，时间 ${at.toISOString()}`, link: `/h5/mediation/${d.id}`, data: { disputeId: d.id, sessionId: sid } });
    publish(ctx, after, 'session', d, { sessionId: sid });
    await audit(trx, ctx.clock, actor, { action: 'mediation.session.schedule', entity: 'mediation_session', entityId: sid, after: { disputeId: d.id, scheduledAt: at.toISOString(), mode: input.mode, location: input.location ?? null } });
  });
  return getDispute(ctx, actor, id);
}

export async function cancelSession(ctx: AppContext, actor: Actor, id: string, sessionId: string, reason: string): Promise<DisputeView> {
  await withTx(ctx, async (trx) => {
    const d = await handleable(ctx, trx, actor, id);
    const s = await repo.sessionById(trx, sessionId);
    if (!s || s.dispute_id !== d.id) throw notFound('调解场次不存在');
    if (s.status !== 'scheduled') throw conflict('只能取消尚未进行的场次');
    await repo.updateSession(trx, s.id, { status: 'cancelled', notes: reason });
    await repo.insertEvent(trx, eventRow(actor, d.id, ctx.clock.now(), 'session.cancelled', reason, { sessionId }));
    await audit(trx, ctx.clock, actor, { action: 'mediation.session.cancel', entity: 'mediation_session', entityId: s.id, before: { status: s.status }, after: { status: 'cancelled', reason } });
  });
  return getDispute(ctx, actor, id);
}

export interface OutcomeInput {
  attendance: Attendance[];
  notes: string;
  outcome: 'agreement' | 'partial' | 'failed';
  terms?: string[];
  performance?: string | null;
  referral?: { to: Referral['to']; institution: string; reason: string } | null;
}

/**
 * Records what happened at a session. An agreement (or a partial one) produces the agreement
 * document and schedules the 7- and 30-day follow-up visits as durable jobs in the same transaction;
 * a failure may be referred to court or arbitration at once.
 */
export async function recordOutcome(ctx: AppContext, actor: Actor, id: string, sessionId: string, input: OutcomeInput): Promise<DisputeView> {
  const terms = (input.terms ?? []).map((t) => t.trim()).filter(Boolean);
  if (input.outcome !== 'failed' && terms.length === 0) throw invalid('达成协议须填写协议条款', [{ field: 'terms', message: '至少一条' }]);
  if (input.outcome !== 'failed' && input.referral) throw invalid('达成协议时不能同时引导诉讼', [{ field: 'referral', message: '仅调解不成时填写' }]);
  await withTx(ctx, async (trx, after) => {
    const d = await handleable(ctx, trx, actor, id);
    const s = await repo.sessionById(trx, sessionId);
    if (!s || s.dispute_id !== d.id) throw notFound('调解场次不存在');
    if (s.status !== 'scheduled') throw conflict('该场次已记录结果或已取消');
    if (!['mediating', 'partial', 'failed'].includes(d.state)) throw conflict(`当前状态为“${STATE_NAMES[d.state]}”，不能记录调解结果`);
    const now = ctx.clock.now();
    await repo.updateSession(trx, s.id, { status: 'held', held_at: now, attendance: JSON.stringify(input.attendance), notes: input.notes, outcome: input.outcome });
    let state: DisputeState = input.outcome === 'agreement' ? 'agreed' : input.outcome === 'partial' ? 'partial' : 'failed';
    let agreementId: string | null = null;
    if (input.outcome !== 'failed') {
      agreementId = await createAgreement(ctx, trx, actor, d, s.id, input.outcome === 'agreement' ? 'full' : 'partial', terms, input.performance ?? null);
    }
    let referral: Referral | null = null;
    if (input.outcome === 'failed' && input.referral) {
      referral = { ...input.referral, at: now.toISOString(), byName: actor.displayName };
      state = 'referred';
    }
    await repo.updateDispute(trx, d.id, { state, concluded_at: now, ...(referral ? { referral: JSON.stringify(referral), closed_at: now } : {}), updated_at: now });
    await repo.insertEvent(trx, eventRow(actor, d.id, now, 'session.held', input.notes, { sessionId, outcome: input.outcome, agreementId }));
    if (referral) await repo.insertEvent(trx, eventRow(actor, d.id, now, 'referred', referral.reason, { to: referral.to, institution: referral.institution }));
    if (d.applicant_user_id) await notifyUsers(ctx, trx, [d.applicant_user_id], { kind: 'mediation.outcome', title: `调解结果：${STATE_NAMES[state]}（${d.number}）`, link: `/h5/mediation/${d.id}`, data: { disputeId: d.id } });
    publish(ctx, after, 'outcome', { ...d, state }, { outcome: input.outcome, agreementId, referral });
    await audit(trx, ctx.clock, actor, { action: 'mediation.session.outcome', entity: 'mediation_dispute', entityId: d.id, before: { state: d.state }, after: { state, sessionId, outcome: input.outcome, agreementId, terms, referral } });
  });
  return getDispute(ctx, actor, id);
}

async function createAgreement(ctx: AppContext, trx: Tx, actor: Actor, d: DisputeRow, sessionId: string, kind: 'full' | 'partial', terms: string[], performance: string | null): Promise<string> {
  const now = ctx.clock.now();
  const existing = await repo.agreements(trx, d.id);
  const mediators = (await repo.assignments(trx, [d.id])).filter((a) => a.role !== 'counsellor').map((a) => a.name);
  if (mediators.length === 0) mediators.push(actor.displayName);
  await repo.supersedeAgreements(trx, d.id);
  const id = newId();
  await repo.insertAgreement(trx, {
    id,
    dispute_id: d.id,
    session_id: sessionId,
    number: `${d.number}-${existing.length + 1}`,
    kind,
    terms: JSON.stringify(terms),
    performance,
    mediator_names: mediators,
    signed: false,
    signed_at: null,
    judicial_status: 'none',
    judicial_court: null,
    judicial_note: null,
    judicial_filed_at: null,
    judicial_decided_at: null,
    superseded: false,
    created_at: now,
  });
  // follow-up visits at 7 and 30 days: rows now, made due by durable jobs that survive restarts
  const rows = FOLLOWUP_DAYS.map((days) => ({
    id: newId(),
    dispute_id: d.id,
    agreement_id: id,
    day_offset: days,
    due_at: new Date(now.getTime() + days * DAY_MS),
    status: 'scheduled' as const,
    outcome: null,
    notes: null,
    counselling: false,
    counsellor_expert_id: null,
    visited_at: null,
    visited_by: null,
  }));
  await repo.insertFollowups(trx, rows);
  for (const r of rows) await ctx.jobs.enqueue(trx, FOLLOWUP_JOB, { followupId: r.id }, { runAt: r.due_at, uniqueKey: followupJobKey(r.id) });
  return id;
}

/** The job at 7 or 30 days: the visit becomes due and the dispute's mediators are told. */
export function followupDueJob(ctx: AppContext) {
  return async (trx: Tx, payload: { followupId: string }): Promise<void> => {
    const f = await repo.followupById(trx, payload.followupId, true);
    if (!f || f.status !== 'scheduled') return;
    const d = await repo.disputeById(trx, f.dispute_id);
    if (!d) return;
    const now = ctx.clock.now();
    await repo.updateFollowup(trx, f.id, { status: 'due' });
    const sys = systemActor();
    await repo.insertEvent(trx, eventRow(sys, d.id, now, 'followup.due', null, { followupId: f.id, dayOffset: f.day_offset }));
    const experts = (await repo.assignments(trx, [d.id])).map((a) => a.user_id).filter((x): x is string => !!x);
    const staff = experts.length ? experts : await staffFor(ctx, trx, d.node_path, d.tier);
    await notifyUsers(ctx, trx, staff, { kind: 'mediation.followup', title: `第${f.day_offset}天回访到期：${d.title}`, body: `案号 ${d.number}，请回访协议履行情况`, link: `/mediation/disputes/${d.id}`, data: { disputeId: d.id, followupId: f.id } });
    await audit(trx, ctx.clock, sys, { action: 'mediation.followup.due', entity: 'mediation_followup', entityId: f.id, before: { status: 'scheduled' }, after: { status: 'due', dayOffset: f.day_offset } });
  };
}

/** Fails a dispute's mediation and refers it to court or arbitration. */
export async function referDispute(ctx: AppContext, actor: Actor, id: string, input: { to: Referral['to']; institution: string; reason: string }): Promise<DisputeView> {
  await withTx(ctx, async (trx, after) => {
    const d = await handleable(ctx, trx, actor, id);
    if (!['mediating', 'partial', 'failed'].includes(d.state)) throw conflict(`当前状态为“${STATE_NAMES[d.state]}”，不能引导诉讼或仲裁`);
    const now = ctx.clock.now();
    const referral: Referral = { ...input, at: now.toISOString(), byName: actor.displayName };
    await repo.updateDispute(trx, d.id, { state: 'referred', referral: JSON.stringify(referral), concluded_at: d.concluded_at ?? now, closed_at: now, updated_at: now });
    await repo.insertEvent(trx, eventRow(actor, d.id, now, 'referred', input.reason, { to: input.to, institution: input.institution }));
    publish(ctx, after, 'referred', { ...d, state: 'referred' }, { referral });
    await audit(trx, ctx.clock, actor, { action: 'mediation.dispute.refer', entity: 'mediation_dispute', entityId: d.id, before: { state: d.state }, after: { state: 'referred', referral } });
  });
  return getDispute(ctx, actor, id);
}

// ---------------------------------------------------------------- agreements

async function agreementOf(ctx: AppContext, actor: Actor, agreementId: string, trx?: Tx): Promise<{ a: AgreementRow; d: DisputeRow }> {
  const db = trx ?? ctx.db;
  const a = await repo.agreementById(db, agreementId, !!trx);
  if (!a) throw notFound('协议不存在或无权查看');
  const d = await repo.disputeById(db, a.dispute_id, !!trx);
  if (!d || !inScope(await disputeScope(ctx, actor, db), d)) throw notFound('协议不存在或无权查看');
  return { a, d };
}

export async function signAgreement(ctx: AppContext, actor: Actor, agreementId: string): Promise<AgreementView> {
  return withTx(ctx, async (trx) => {
    const { a, d } = await agreementOf(ctx, actor, agreementId, trx);
    if (!(await mayHandle(ctx, trx, actor, d))) throw forbidden();
    if (a.superseded) throw conflict('该协议已被新的协议取代');
    if (a.signed) throw conflict('协议已签署');
    const now = ctx.clock.now();
    await repo.updateAgreement(trx, a.id, { signed: true, signed_at: now });
    await repo.insertEvent(trx, eventRow(actor, d.id, now, 'agreement.signed', null, { agreementId: a.id }));
    await audit(trx, ctx.clock, actor, { action: 'mediation.agreement.sign', entity: 'mediation_agreement', entityId: a.id, before: { signed: false }, after: { signed: true } });
    return agreementView({ ...a, signed: true, signed_at: now });
  });
}

const JUDICIAL_NEXT: Record<JudicialStatus, JudicialStatus[]> = { none: ['filed'], filed: ['confirmed', 'refused'], confirmed: [], refused: ['filed'] };
const JUDICIAL_NAMES: Record<JudicialStatus, string> = { none: '未申请', filed: '已申请司法确认', confirmed: '法院已确认', refused: '法院不予确认' };

/** Tracks the judicial confirmation request: filed with a court, then confirmed or refused. */
export async function updateJudicial(ctx: AppContext, actor: Actor, agreementId: string, input: { status: 'filed' | 'confirmed' | 'refused'; court?: string | null; note?: string | null }): Promise<AgreementView> {
  return withTx(ctx, async (trx) => {
    const { a, d } = await agreementOf(ctx, actor, agreementId, trx);
    if (!(await mayHandle(ctx, trx, actor, d))) throw forbidden();
    if (a.superseded) throw conflict('该协议已被新的协议取代');
    if (!a.signed) throw conflict('协议尚未签署，不能申请司法确认');
    if (!JUDICIAL_NEXT[a.judicial_status].includes(input.status)) throw conflict(`当前为“${JUDICIAL_NAMES[a.judicial_status]}”，不能改为“${JUDICIAL_NAMES[input.status]}”`);
    const court = input.court?.trim() || a.judicial_court;
    if (input.status === 'filed' && !court) throw invalid('请填写受理法院', [{ field: 'court', message: '为必填项' }]);
    const now = ctx.clock.now();
    const patch = input.status === 'filed' ? { judicial_status: input.status, judicial_court: court, judicial_note: input.note ?? null, judicial_filed_at: now, judicial_decided_at: null } : { judicial_status: input.status, judicial_note: input.note ?? null, judicial_decided_at: now };
    await repo.updateAgreement(trx, a.id, patch);
    await repo.insertEvent(trx, eventRow(actor, d.id, now, 'judicial', input.note ?? null, { agreementId: a.id, status: input.status, court }));
    await audit(trx, ctx.clock, actor, { action: 'mediation.agreement.judicial', entity: 'mediation_agreement', entityId: a.id, before: { judicialStatus: a.judicial_status }, after: { judicialStatus: input.status, court, note: input.note ?? null } });
    return agreementView({ ...a, ...patch } as AgreementRow);
  });
}

/** The agreement as a PDF from the 人民调解协议书 template; contacts are masked. */
export async function agreementDocument(ctx: AppContext, actor: Actor, agreementId: string): Promise<{ filename: string; pdf: Buffer }> {
  requirePermissionAny(actor, ['mediation.read', 'mediation.apply']);
  const { a, d } = await agreementOf(ctx, actor, agreementId);
  const [parties, places] = await Promise.all([repo.parties(ctx.db, [d.id]), placeNames(ctx.db, [d.node_path])]);
  const doc: AgreementDoc = {
    number: a.number,
    disputeNumber: d.number,
    kind: a.kind,
    type: d.type,
    tier: d.tier,
    place: places.get(d.node_path) ?? '',
    parties: parties.map((p) => ({ role: p.role, kind: p.kind, name: p.name, phone: maskPhone(ctx.cipher.decrypt(p.phone_enc)) })),
    facts: d.description,
    claims: d.claims,
    terms: a.terms as string[],
    performance: a.performance,
    mediators: a.mediator_names,
    signed: a.signed,
    date: new Date(a.created_at),
  };
  return { filename: `mediation-agreement-${a.number}.pdf`, pdf: await agreementPdf(doc) };
}

// ---------------------------------------------------------------- follow-ups

export async function listFollowups(ctx: AppContext, actor: Actor, q: { status?: FollowupRow['status'][]; page?: number; pageSize?: number }) {
  requirePermission(actor, 'mediation.read');
  const scope = await disputeScope(ctx, actor);
  const page = q.page ?? 1;
  const pageSize = q.pageSize ?? 20;
  const { rows, total } = await repo.listFollowups(ctx.db, { scope, status: q.status, limit: pageSize, offset: (page - 1) * pageSize });
  return { items: rows.map((r) => ({ ...followupView(r), disputeNumber: r.number, disputeTitle: r.title })), total, page, pageSize };
}

/**
 * Records a follow-up visit: kept, partly kept, or broken (the dispute reopens and the remaining
 * visits are cancelled). A counselling referral brings in a psychologist from the pool.
 */
export async function recordFollowup(ctx: AppContext, actor: Actor, followupId: string, input: { outcome: FollowupOutcome; notes: string; counselling?: boolean; counsellorExpertId?: string | null }): Promise<DisputeView> {
  const disputeId = await withTx(ctx, async (trx, after) => {
    const f = await repo.followupById(trx, followupId, true);
    if (!f) throw notFound('回访记录不存在');
    const d = await handleable(ctx, trx, actor, f.dispute_id);
    if (f.status !== 'due' && f.status !== 'scheduled') throw conflict(f.status === 'done' ? '该回访已记录' : '该回访已取消');
    const now = ctx.clock.now();
    let counsellor: ExpertRow | undefined;
    if (input.counselling) {
      if (input.counsellorExpertId) {
        counsellor = await repo.expertById(trx, input.counsellorExpertId);
        if (!counsellor) throw invalid('心理咨询师不存在', [{ field: 'counsellorExpertId', message: '不在专家库中' }]);
      } else {
        const [pool, loads] = await Promise.all([repo.listExperts(trx, { kind: 'psychologist', available: true }), repo.loads(trx)]);
        const [best] = suggestExperts({ type: d.type, nodePath: d.node_path, tier: d.tier }, pool.map((e) => ({ id: e.id, kind: e.kind, mediationType: e.mediation_type, tier: e.tier, nodePath: e.node_path, expertise: e.expertise, available: e.available, maxLoad: e.max_load, load: loads.get(e.id) ?? 0 })), 1);
        counsellor = best ? pool.find((e) => e.id === best.expertId) : undefined;
      }
      if (counsellor) {
        const active = await repo.assignments(trx, [d.id]);
        if (!active.some((a) => a.expert_id === counsellor!.id)) await repo.insertAssignment(trx, { id: newId(), dispute_id: d.id, expert_id: counsellor.id, role: 'counsellor', assigned_at: now, released_at: null });
        if (counsellor.user_id) await notifyUsers(ctx, trx, [counsellor.user_id], { kind: 'mediation.counselling', title: `心理疏导转介：${d.title}`, body: `案号 ${d.number}`, link: `/mediation/disputes/${d.id}`, data: { disputeId: d.id } });
      }
    }
    await repo.updateFollowup(trx, f.id, { status: 'done', outcome: input.outcome, notes: input.notes, counselling: !!input.counselling, counsellor_expert_id: counsellor?.id ?? null, visited_at: now, visited_by: actor.userId });
    await repo.insertEvent(trx, eventRow(actor, d.id, now, 'followup.done', input.notes, { followupId: f.id, dayOffset: f.day_offset, outcome: input.outcome, counselling: !!input.counselling, counsellor: counsellor?.name ?? null }));
    let state = d.state;
    if (input.outcome === 'broken') {
      // the agreement was broken: reopen the mediation and stop the remaining visits
      const cancelled = await repo.cancelScheduledFollowups(trx, d.id);
      for (const id of cancelled) await ctx.jobs.cancel(trx, followupJobKey(id));
      state = 'mediating';
      await repo.updateDispute(trx, d.id, { state, reopen_count: d.reopen_count + 1, concluded_at: null, closed_at: null, updated_at: now });
      await repo.insertEvent(trx, eventRow(actor, d.id, now, 'reopened', '回访发现协议未履行，重新调解', { followupId: f.id }));
      await raiseWarnings(ctx, trx, after, actor, { ...d, state }, null);
    } else {
      const all = (await repo.followups(trx, [d.id])).filter((x) => x.agreement_id === f.agreement_id);
      const open = all.filter((x) => x.id !== f.id && (x.status === 'scheduled' || x.status === 'due'));
      if (open.length === 0 && d.state === 'agreed') {
        state = 'closed';
        await repo.updateDispute(trx, d.id, { state, closed_at: now, updated_at: now });
        await repo.insertEvent(trx, eventRow(actor, d.id, now, 'closed', '回访确认协议已履行，结案'));
      }
    }
    publish(ctx, after, 'followup', { ...d, state }, { followupId: f.id, outcome: input.outcome });
    await audit(trx, ctx.clock, actor, { action: 'mediation.followup.record', entity: 'mediation_followup', entityId: f.id, before: { status: f.status, disputeState: d.state }, after: { status: 'done', outcome: input.outcome, counselling: !!input.counselling, counsellor: counsellor?.id ?? null, disputeState: state } });
    return d.id;
  });
  return getDispute(ctx, actor, disputeId);
}

// ---------------------------------------------------------------- warnings

export async function listWarnings(ctx: AppContext, actor: Actor, q: { status?: 'open' | 'acknowledged'; page?: number; pageSize?: number }) {
  requirePermission(actor, 'mediation.read');
  const scope = await disputeScope(ctx, actor);
  const page = q.page ?? 1;
  const pageSize = q.pageSize ?? 20;
  const { rows, total } = await repo.listWarnings(ctx.db, { scope, status: q.status, limit: pageSize, offset: (page - 1) * pageSize });
  const places = await placeNames(ctx.db, rows.map((r) => r.node_path));
  return {
    items: rows.map((r) => ({ ...warningView(r), disputeNumber: r.number, disputeTitle: r.title, riskLevel: r.risk_level, riskName: RISK_NAMES[r.risk_level], tier: r.tier, placeName: places.get(r.node_path) ?? null })),
    total,
    page,
    pageSize,
  };
}

/** The street center acknowledges a warning with what it will do. */
export async function acknowledgeWarning(ctx: AppContext, actor: Actor, id: string, input: { note: string }): Promise<WarningView> {
  requirePermission(actor, 'mediation.handle');
  return withTx(ctx, async (trx) => {
    const w = await repo.warningById(trx, id);
    if (!w) throw notFound('预警不存在');
    await visibleDispute(ctx, actor, w.dispute_id, trx);
    const scope = await disputeScope(ctx, actor, trx);
    if (scope.kind !== 'all' && !nodeHandlesTier(actor.nodePath, 'street')) throw forbidden('预警由街道矛盾纠纷调处中心处置');
    if (w.status !== 'open') throw conflict('预警已处置');
    const now = ctx.clock.now();
    await repo.updateWarning(trx, w.id, { status: 'acknowledged', ack_by: actor.userId, ack_note: input.note, ack_at: now });
    await repo.insertEvent(trx, eventRow(actor, w.dispute_id, now, 'warning.ack', input.note, { warningId: w.id, rule: w.rule }));
    await audit(trx, ctx.clock, actor, { action: 'mediation.warning.ack', entity: 'mediation_warning', entityId: w.id, before: { status: 'open' }, after: { status: 'acknowledged', note: input.note } });
    return warningView({ ...w, status: 'acknowledged', ack_by: actor.userId, ack_note: input.note, ack_at: now });
  });
}

// ---------------------------------------------------------------- statistics

export interface Statistics {
  total: number;
  byType: Array<{ type: DisputeType; name: string; count: number }>;
  byTier: Array<{ tier: Tier; name: string; count: number }>;
  byState: Array<{ state: DisputeState; name: string; count: number }>;
  concluded: number;
  succeeded: number;
  partial: number;
  successRate: number | null;
  averageDays: number | null;
  enterpriseRelated: number;
  escalated: number;
  followups: { done: number; kept: number; partlyKept: number; broken: number; keptRate: number | null; due: number };
  judicial: { filed: number; confirmed: number; refused: number };
  openWarnings: number;
}

/** Cases by type and tier, success rate, average time to conclusion, follow-ups kept — in the caller's scope. */
export async function statistics(ctx: AppContext, actor: Actor, q: { from?: string; to?: string }): Promise<Statistics> {
  requirePermission(actor, 'mediation.read');
  const scope = await disputeScope(ctx, actor);
  const from = q.from ? new Date(q.from) : null;
  const to = q.to ? new Date(q.to) : null;
  if ((from && Number.isNaN(from.getTime())) || (to && Number.isNaN(to.getTime()))) throw invalid('日期格式不正确');
  const rows = (await repo.scopedDisputes(ctx.db, scope, from ?? undefined)).filter((d) => !to || new Date(d.created_at) < to);
  const ids = rows.map((r) => r.id);
  const [agreements, followups, warnings, escalations] = await Promise.all([
    repo.allAgreements(ctx.db, ids),
    repo.followups(ctx.db, ids),
    repo.warnings(ctx.db, ids),
    repo.escalatedDisputes(ctx.db, ids),
  ]);
  const count = <K extends string>(keys: readonly K[], f: (d: DisputeRow) => K) => keys.map((k) => ({ key: k, count: rows.filter((d) => f(d) === k).length }));
  const concludedRows = rows.filter((d) => ['agreed', 'partial', 'failed', 'referred', 'closed'].includes(d.state));
  const fullAgreement = new Set(agreements.filter((a) => a.kind === 'full' && !a.superseded).map((a) => a.dispute_id));
  const partialAgreement = new Set(agreements.filter((a) => a.kind === 'partial' && !a.superseded).map((a) => a.dispute_id));
  const succeeded = concludedRows.filter((d) => fullAgreement.has(d.id)).length;
  const partial = concludedRows.filter((d) => !fullAgreement.has(d.id) && partialAgreement.has(d.id)).length;
  const durations = concludedRows.filter((d) => d.concluded_at).map((d) => (new Date(d.concluded_at!).getTime() - new Date(d.created_at).getTime()) / DAY_MS);
  const done = followups.filter((f) => f.status === 'done');
  const kept = done.filter((f) => f.outcome === 'kept').length;
  const live = agreements.filter((a) => !a.superseded);
  return {
    total: rows.length,
    byType: count(Object.keys(TYPE_NAMES) as DisputeType[], (d) => d.type).map((x) => ({ type: x.key, name: TYPE_NAMES[x.key], count: x.count })),
    byTier: count(Object.keys(TIER_NAMES) as Tier[], (d) => d.tier).map((x) => ({ tier: x.key, name: TIER_NAMES[x.key], count: x.count })),
    byState: count(Object.keys(STATE_NAMES) as DisputeState[], (d) => d.state).map((x) => ({ state: x.key, name: STATE_NAMES[x.key], count: x.count })),
    concluded: concludedRows.length,
    succeeded,
    partial,
    successRate: concludedRows.length ? Math.round((succeeded / concludedRows.length) * 1000) / 1000 : null,
    averageDays: durations.length ? Math.round((durations.reduce((a, b) => a + b, 0) / durations.length) * 10) / 10 : null,
    enterpriseRelated: rows.filter((d) => d.enterprise_related).length,
    escalated: escalations,
    followups: {
      done: done.length,
      kept,
      partlyKept: done.filter((f) => f.outcome === 'partly_kept').length,
      broken: done.filter((f) => f.outcome === 'broken').length,
      keptRate: done.length ? Math.round((kept / done.length) * 1000) / 1000 : null,
      due: followups.filter((f) => f.status === 'due').length,
    },
    judicial: {
      filed: live.filter((a) => a.judicial_status === 'filed').length,
      confirmed: live.filter((a) => a.judicial_status === 'confirmed').length,
      refused: live.filter((a) => a.judicial_status === 'refused').length,
    },
    openWarnings: warnings.filter((w) => w.status === 'open').length,
  };
}

// ---------------------------------------------------------------- expert pool

export async function listExperts(ctx: AppContext, actor: Actor, q: { kind?: ExpertKind; tier?: Tier; available?: boolean; expertise?: DisputeType; q?: string }): Promise<ExpertView[]> {
  requirePermission(actor, 'mediation.read');
  const [rows, loads] = await Promise.all([repo.listExperts(ctx.db, q), repo.loads(ctx.db)]);
  const places = await placeNames(ctx.db, rows.map((e) => e.node_path));
  return rows.map((e) => expertView(e, loads.get(e.id) ?? 0, places, ctx));
}

export interface ExpertInput {
  name: string;
  kind: ExpertKind;
  mediationType: MediationType;
  tier: Tier;
  nodeId: string;
  organization?: string | null;
  expertise: DisputeType[];
  phone?: string | null;
  bio?: string | null;
  available?: boolean;
  maxLoad?: number;
  userId?: string | null;
}

export async function createExpert(ctx: AppContext, actor: Actor, input: ExpertInput, db?: Tx): Promise<ExpertView> {
  requirePermission(actor, 'mediation.experts');
  const [node] = await nodeBriefs(db ?? ctx.db, { ids: [input.nodeId] });
  if (!node) throw invalid('服务区域不存在', [{ field: 'nodeId', message: '节点不存在' }]);
  if (!['district', 'street', 'community'].includes(node.level)) throw invalid('服务区域须为区、街道或社区', [{ field: 'nodeId', message: '层级不正确' }]);
  const now = ctx.clock.now();
  const row: ExpertRow = {
    id: newId(),
    name: input.name.trim(),
    kind: input.kind,
    mediation_type: input.mediationType,
    tier: input.tier,
    node_path: node.path,
    organization: input.organization ?? null,
    expertise: [...new Set(input.expertise)],
    phone_enc: ctx.cipher.encrypt(input.phone ?? null),
    bio: input.bio ?? null,
    available: input.available ?? true,
    max_load: input.maxLoad ?? 5,
    user_id: input.userId ?? null,
    created_at: now,
    updated_at: now,
  };
  const write = async (trx: Tx) => {
    await repo.insertExpert(trx, row);
    await audit(trx, ctx.clock, actor, { action: 'mediation.expert.create', entity: 'mediation_expert', entityId: row.id, after: { ...row, phone_enc: undefined, phone: maskPhone(input.phone ?? null) } });
  };
  if (db) await write(db);
  else await withTx(ctx, write);
  return expertView(row, 0, new Map([[node.path, node.name]]), ctx);
}

export async function updateExpert(ctx: AppContext, actor: Actor, id: string, patch: { available?: boolean; maxLoad?: number; expertise?: DisputeType[]; organization?: string | null; bio?: string | null; phone?: string | null }): Promise<ExpertView> {
  requirePermission(actor, 'mediation.experts');
  await withTx(ctx, async (trx) => {
    const e = await repo.expertById(trx, id);
    if (!e) throw notFound('专家不存在');
    const set = {
      available: patch.available ?? e.available,
      max_load: patch.maxLoad ?? e.max_load,
      expertise: patch.expertise ? [...new Set(patch.expertise)] : e.expertise,
      organization: patch.organization === undefined ? e.organization : patch.organization,
      bio: patch.bio === undefined ? e.bio : patch.bio,
      phone_enc: patch.phone === undefined ? e.phone_enc : ctx.cipher.encrypt(patch.phone),
      updated_at: ctx.clock.now(),
    };
    await repo.updateExpert(trx, id, set);
    await audit(trx, ctx.clock, actor, { action: 'mediation.expert.update', entity: 'mediation_expert', entityId: id, before: { available: e.available, maxLoad: e.max_load, expertise: e.expertise }, after: { available: set.available, maxLoad: set.max_load, expertise: set.expertise, phoneChanged: patch.phone !== undefined } });
  });
  const e = (await repo.expertById(ctx.db, id))!;
  const loads = await repo.loads(ctx.db);
  return expertView(e, loads.get(id) ?? 0, await placeNames(ctx.db, [e.node_path]), ctx);
}

// ---------------------------------------------------------------- legal aid

export interface LegalAidView {
  id: string;
  requesterKind: LegalAidRow['requester_kind'];
  enterpriseName: string | null;
  name: string;
  phone: string | null;
  topic: DisputeType;
  topicName: string;
  question: string;
  nodePath: string;
  placeName: string | null;
  status: LegalAidRow['status'];
  expert: { id: string; name: string; kindName: string; organization: string | null } | null;
  answer: string | null;
  matchedAt: string | null;
  answeredAt: string | null;
  createdAt: string;
}

const LEGAL_STATUS_ORDER = ['open', 'matched', 'answered', 'closed'];

async function legalAidViews(ctx: AppContext, rows: LegalAidRow[]): Promise<LegalAidView[]> {
  const experts = new Map((await repo.expertsByIds(ctx.db, [...new Set(rows.map((r) => r.expert_id).filter((x): x is string => !!x))])).map((e) => [e.id, e]));
  const places = await placeNames(ctx.db, rows.map((r) => r.node_path));
  return rows.map((r) => {
    const e = r.expert_id ? experts.get(r.expert_id) : undefined;
    return {
      id: r.id,
      requesterKind: r.requester_kind,
      enterpriseName: r.enterprise_name,
      name: r.name,
      phone: maskPhone(ctx.cipher.decrypt(r.phone_enc)),
      topic: r.topic,
      topicName: TYPE_NAMES[r.topic],
      question: r.question,
      nodePath: r.node_path,
      placeName: places.get(r.node_path) ?? null,
      status: r.status,
      expert: e ? { id: e.id, name: e.name, kindName: EXPERT_KIND_NAMES[e.kind], organization: e.organization } : null,
      answer: r.answer,
      matchedAt: iso(r.matched_at),
      answeredAt: iso(r.answered_at),
      createdAt: iso(r.created_at)!,
    };
  });
}

/** A resident or an enterprise asks for legal advice; the request is matched to a lawyer in the pool at once. */
export async function requestLegalAid(
  ctx: AppContext,
  actor: Actor,
  input: { requesterKind: 'resident' | 'enterprise'; enterpriseName?: string | null; name: string; phone?: string | null; topic: DisputeType; question: string; nodeId?: string },
): Promise<LegalAidView> {
  requirePermission(actor, 'mediation.apply');
  if (input.requesterKind === 'enterprise' && !input.enterpriseName?.trim()) throw invalid('请填写企业名称', [{ field: 'enterpriseName', message: '为必填项' }]);
  let nodePath = await residentPlace(ctx.db, actor.residentId);
  if (!nodePath && input.nodeId) nodePath = (await nodeBriefs(ctx.db, { ids: [input.nodeId] }))[0]?.path ?? null;
  if (!nodePath && actor.nodePath) nodePath = actor.nodePath;
  if (!nodePath) throw invalid('请选择所在社区', [{ field: 'nodeId', message: '为必填项' }]);
  const id = await withTx(ctx, async (trx) => {
    const now = ctx.clock.now();
    const [pool, loads] = await Promise.all([repo.listExperts(trx, { available: true }), repo.loads(trx)]);
    const facts = pool.map((e) => ({ id: e.id, kind: e.kind, mediationType: e.mediation_type, tier: e.tier, nodePath: e.node_path, expertise: e.expertise, available: e.available, maxLoad: e.max_load, load: loads.get(e.id) ?? 0 }));
    const [best] = suggestExperts({ type: input.topic, nodePath: nodePath!, tier: 'street' }, facts, 1, ['lawyer']);
    const expert = best ? pool.find((e) => e.id === best.expertId) : undefined;
    const row: LegalAidRow = {
      id: newId(),
      requester_user_id: actor.userId,
      requester_kind: input.requesterKind,
      enterprise_name: input.enterpriseName?.trim() || null,
      name: input.name.trim(),
      phone_enc: ctx.cipher.encrypt(input.phone ?? null),
      topic: input.topic,
      question: input.question,
      node_path: nodePath!,
      status: expert ? 'matched' : 'open',
      expert_id: expert?.id ?? null,
      answer: null,
      matched_at: expert ? now : null,
      answered_at: null,
      created_at: now,
      updated_at: now,
    };
    await repo.insertLegalAid(trx, row);
    if (expert?.user_id) await notifyUsers(ctx, trx, [expert.user_id], { kind: 'mediation.legal_aid', title: `法律咨询：${TYPE_NAMES[input.topic]}`, body: input.question.slice(0, 80), link: `/mediation/legal-aid`, data: { legalAidId: row.id } });
    await audit(trx, ctx.clock, actor, { action: 'mediation.legal_aid.request', entity: 'mediation_legal_aid', entityId: row.id, after: { requesterKind: row.requester_kind, enterpriseName: row.enterprise_name, topic: row.topic, status: row.status, expertId: row.expert_id } });
    return row.id;
  });
  return (await legalAidViews(ctx, [(await repo.legalAidById(ctx.db, id))!]))[0]!;
}

async function legalAidScope(ctx: AppContext, actor: Actor, db: Executor = ctx.db): Promise<{ scope: DisputeScope; expertIds: string[] }> {
  const scope = await disputeScope(ctx, actor, db);
  const expertIds = actor.userId ? (await repo.expertsByUser(db, actor.userId)).map((e) => e.id) : [];
  return { scope, expertIds };
}

function legalAidVisible(s: { scope: DisputeScope; expertIds: string[] }, r: LegalAidRow): boolean {
  if (r.expert_id && s.expertIds.includes(r.expert_id)) return true;
  if (s.scope.kind === 'all') return true;
  if (s.scope.kind === 'subtree') return pathWithin(r.node_path, s.scope.path);
  if (s.scope.kind === 'own') return r.requester_user_id === s.scope.userId;
  return false;
}

export async function listLegalAid(ctx: AppContext, actor: Actor, q: { status?: LegalAidRow['status']; page?: number; pageSize?: number }) {
  requirePermissionAny(actor, ['mediation.read', 'mediation.apply']);
  const s = await legalAidScope(ctx, actor);
  const page = q.page ?? 1;
  const pageSize = q.pageSize ?? 20;
  const { rows, total } = await repo.listLegalAid(ctx.db, { scope: s.scope, expertIds: s.expertIds, status: q.status, limit: pageSize, offset: (page - 1) * pageSize });
  return { items: await legalAidViews(ctx, rows), total, page, pageSize };
}

/** Staff (or the matched expert) re-match a request to another expert, or record the answer. */
export async function handleLegalAid(ctx: AppContext, actor: Actor, id: string, input: { expertId?: string; answer?: string }): Promise<LegalAidView> {
  requirePermission(actor, 'mediation.handle');
  if (!input.expertId && !input.answer) throw invalid('请指定专家或填写解答', [{ field: 'answer', message: '为必填项' }]);
  await withTx(ctx, async (trx) => {
    const r = await repo.legalAidById(trx, id, true);
    const s = await legalAidScope(ctx, actor, trx);
    if (!r || !legalAidVisible(s, r) || s.scope.kind === 'own') throw notFound('咨询不存在或无权查看');
    if (r.status === 'closed' || (r.status === 'answered' && input.answer)) throw conflict('该咨询已解答');
    const now = ctx.clock.now();
    const patch: Partial<LegalAidRow> = { updated_at: now };
    if (input.expertId) {
      const e = await repo.expertById(trx, input.expertId);
      if (!e) throw invalid('专家不存在', [{ field: 'expertId', message: '不在专家库中' }]);
      Object.assign(patch, { expert_id: e.id, matched_at: now, status: LEGAL_STATUS_ORDER.indexOf(r.status) < 1 ? 'matched' : r.status });
    }
    if (input.answer) Object.assign(patch, { answer: input.answer, answered_at: now, status: 'answered' });
    await repo.updateLegalAid(trx, r.id, patch);
    if (input.answer && r.requester_user_id) await notifyUsers(ctx, trx, [r.requester_user_id], { kind: 'mediation.legal_aid.answered', title: '您的法律咨询已答复', body: input.answer.slice(0, 80), link: '/h5/mediation/legal-aid', data: { legalAidId: r.id } });
    await audit(trx, ctx.clock, actor, { action: 'mediation.legal_aid.handle', entity: 'mediation_legal_aid', entityId: r.id, before: { status: r.status, expertId: r.expert_id }, after: { status: patch.status ?? r.status, expertId: patch.expert_id ?? r.expert_id, answered: !!input.answer } });
  });
  return (await legalAidViews(ctx, [(await repo.legalAidById(ctx.db, id))!]))[0]!;
}

export { TIER_RANK };
