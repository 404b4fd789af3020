import type { AppContext } from '../../platform/context.js';
import { withTx } from '../../platform/context.js';
import { systemActor, type Actor } from '../../platform/auth/actor.js';
import { can, requirePermission } from '../../platform/auth/permissions.js';
import { assertPathInScope, pathWithin, scopeCoversPath } from '../../platform/auth/scope.js';
import { audit } from '../../platform/audit/audit.js';
import { conflict, forbidden, invalid, notFound } from '../../platform/errors.js';
import { newId } from '../../platform/ids.js';
import { getResident } from '../org/index.js';
import { communityAccount, communityById, communityByPath, communityPathOf, openPartnerAccount, postTransfer, withRetry } from '../ledger/index.js';
import { partnersRepo, type EvaluatorKind, type NeedRow, type ProjectRow, type ProjectStatus, type Weights } from './repository.js';
import { DEFAULT_WEIGHTS, EVALUATOR_NAMES, pointsForScore, weightedScore } from './scoring.js';
import { myPartner, recordCredit, staffPath } from './service.js';

export const PROJECT_STATUS_NAMES: Record<ProjectStatus, string> = {
  draft: '草稿',
  published: '已发布',
  in_progress: '实施中',
  completed: '已完成待评价',
  evaluated: '已评价',
  cancelled: '已取消',
};
export const NEED_CATEGORIES = ['为老服务', '儿童青少年', '环境美化', '文体活动', '法律服务', '健康服务', '便民服务', '其他'] as const;

const today = (ctx: AppContext) => new Date(ctx.clock.now().getTime() + 8 * 3_600_000).toISOString().slice(0, 10);

async function residentPath(ctx: AppContext, actor: Actor): Promise<string | null> {
  if (!actor.residentId) return null;
  const r = await getResident(ctx, systemActor(), actor.residentId).catch(() => null);
  return r?.nodePath ?? null;
}

// ---------------------------------------------------------------- needs

export interface NeedView {
  id: string;
  source: string;
  title: string;
  description: string;
  category: string;
  nodePath: string;
  answers: Record<string, unknown>;
  status: string;
  projectId: string | null;
  createdAt: string;
}
const viewNeed = (n: NeedRow): NeedView => ({
  id: n.id,
  source: n.source,
  title: n.title,
  description: n.description,
  category: n.category,
  nodePath: n.node_path,
  answers: n.answers ?? {},
  status: n.status,
  projectId: n.project_id,
  createdAt: new Date(n.created_at).toISOString(),
});

/**
 * A need: residents answer the online questionnaire (recorded at their household), staff enter what
 * they heard on visits (at a node of their area).
 */
export async function submitNeed(
  ctx: AppContext,
  actor: Actor,
  input: { title: string; description?: string; category: string; answers?: Record<string, unknown>; nodeId?: string },
): Promise<NeedView> {
  let source: NeedRow['source'];
  let path: string;
  if (can(actor, 'needs.collect')) {
    source = 'visit';
    if (input.nodeId) {
      const c = await communityById(ctx, input.nodeId);
      assertPathInScope(actor, c.path);
      path = c.path;
    } else if (actor.nodePath && actor.nodePath.split('/').length >= 3) path = actor.nodePath;
    else throw invalid('请选择社区', [{ field: 'nodeId', message: '为必填项' }]);
  } else {
    const rp = await residentPath(ctx, actor);
    if (!rp) throw forbidden('只有居民可以填写需求问卷');
    source = 'questionnaire';
    path = rp;
  }
  const row: NeedRow = {
    id: newId(),
    source,
    title: input.title,
    description: input.description ?? '',
    category: input.category,
    node_path: path,
    answers: input.answers ?? {},
    submitted_by: actor.userId,
    resident_id: source === 'questionnaire' ? actor.residentId : null,
    status: 'new',
    project_id: null,
    created_at: ctx.clock.now(),
  };
  await withTx(ctx, async (trx) => {
    await partnersRepo.insertNeed(trx, row);
    await audit(trx, ctx.clock, actor, { action: 'need.submit', entity: 'partner_need', entityId: row.id, after: row });
  });
  return viewNeed(row);
}

export async function listNeeds(ctx: AppContext, actor: Actor, f: { status?: string; source?: string; page: number; pageSize: number }) {
  const sp = can(actor, 'partners.read') ? staffPath(actor) : 'none';
  if (sp === 'none') {
    if (!actor.residentId) return { items: [], total: 0, page: f.page, pageSize: f.pageSize };
    const { rows, total } = await partnersRepo.listNeeds(ctx.db, { path: null, residentId: actor.residentId, status: f.status, source: f.source, limit: f.pageSize, offset: (f.page - 1) * f.pageSize });
    return { items: rows.map(viewNeed), total, page: f.page, pageSize: f.pageSize };
  }
  const { rows, total } = await partnersRepo.listNeeds(ctx.db, { path: sp, status: f.status, source: f.source, limit: f.pageSize, offset: (f.page - 1) * f.pageSize });
  return { items: rows.map(viewNeed), total, page: f.page, pageSize: f.pageSize, byCategory: (await partnersRepo.needStats(ctx.db, sp)).map((r) => ({ category: r.category, count: Number(r.n) })) };
}

export async function dismissNeed(ctx: AppContext, actor: Actor, id: string): Promise<NeedView> {
  requirePermission(actor, 'projects.manage');
  const [n] = await partnersRepo.needsByIds(ctx.db, [id]);
  if (!n || !scopeCoversPath(actor, n.node_path)) throw notFound('需求不存在');
  if (n.status !== 'new') throw conflict('该需求已处理');
  await withTx(ctx, async (trx) => {
    await partnersRepo.updateNeeds(trx, [id], { status: 'dismissed' });
    await audit(trx, ctx.clock, actor, { action: 'need.dismiss', entity: 'partner_need', entityId: id, before: { status: n.status }, after: { status: 'dismissed' } });
  });
  return viewNeed({ ...n, status: 'dismissed' });
}

// ---------------------------------------------------------------- projects

export interface ProjectView {
  id: string;
  title: string;
  description: string;
  category: string;
  nodePath: string;
  communityName: string | null;
  budget: number;
  resources: string;
  pointsOffered: number;
  dueOn: string | null;
  status: ProjectStatus;
  statusName: string;
  partnerId: string | null;
  partnerName: string | null;
  weights: Weights;
  finalScore: number | null;
  pointsPaid: number | null;
  transferId: string | null;
  publishedAt: string | null;
  completedAt: string | null;
  evaluatedAt: string | null;
  createdAt: string;
}

async function viewProject(ctx: AppContext, p: ProjectRow & { partner_name?: string | null }): Promise<ProjectView> {
  const iso = (d: Date | string | null) => (d ? new Date(d).toISOString() : null);
  const community = await communityByPath(ctx, p.node_path).catch(() => null);
  return {
    id: p.id,
    title: p.title,
    description: p.description,
    category: p.category,
    nodePath: p.node_path,
    communityName: community?.name ?? null,
    budget: p.budget,
    resources: p.resources,
    pointsOffered: p.points_offered,
    dueOn: p.due_on,
    status: p.status,
    statusName: PROJECT_STATUS_NAMES[p.status],
    partnerId: p.partner_id,
    partnerName: p.partner_name ?? null,
    weights: p.weights,
    finalScore: p.final_score === null ? null : Number(p.final_score),
    pointsPaid: p.points_paid,
    transferId: p.transfer_id,
    publishedAt: iso(p.published_at),
    completedAt: iso(p.completed_at),
    evaluatedAt: iso(p.evaluated_at),
    createdAt: new Date(p.created_at).toISOString(),
  };
}

const PUBLIC_STATUSES: ProjectStatus[] = ['published', 'in_progress', 'completed', 'evaluated'];

/** Who sees a project: staff of its area; partners see published ones and those they claimed; residents those of their community once published. */
async function access(ctx: AppContext, actor: Actor, p: ProjectRow): Promise<{ staff: boolean; partnerId: string | null; resident: boolean }> {
  const staff = can(actor, 'partners.read') && scopeCoversPath(actor, p.node_path);
  const mine = await myPartner(ctx, actor);
  const partnerId = mine?.id ?? null;
  let resident = false;
  if (!staff && actor.residentId && PUBLIC_STATUSES.includes(p.status)) {
    const rp = await residentPath(ctx, actor);
    resident = rp !== null && pathWithin(rp, communityPathOf(p.node_path));
  }
  return { staff, partnerId, resident };
}

async function visibleProject(ctx: AppContext, actor: Actor, id: string) {
  const p = await partnersRepo.projectById(ctx.db, id);
  if (!p) throw notFound('项目不存在');
  const a = await access(ctx, actor, p);
  let claimed = false;
  if (a.partnerId) claimed = p.partner_id === a.partnerId || Boolean(await partnersRepo.claimOfPartner(ctx.db, id, a.partnerId));
  if (!a.staff && !a.resident && !(a.partnerId && (p.status === 'published' || claimed))) throw notFound('项目不存在');
  return { p, ...a, claimed };
}

export interface ProjectInput {
  title: string;
  description?: string;
  category: string;
  communityId: string;
  budget?: number;
  resources?: string;
  pointsOffered: number;
  dueOn?: string;
  needIds?: string[];
  weights?: Weights;
}

function checkWeights(w: Weights): void {
  const sum = w.resident + w.staff + w.third_party;
  if (Math.abs(sum - 1) > 1e-6) throw invalid('评价权重之和须为 1', [{ field: 'weights', message: '三项之和须为 1' }]);
}

/** Turns collected needs into a project (draft): budget, resources, points on offer, evaluation weights. */
export async function createProject(ctx: AppContext, actor: Actor, input: ProjectInput): Promise<ProjectView> {
  requirePermission(actor, 'projects.manage');
  const c = await communityById(ctx, input.communityId);
  assertPathInScope(actor, c.path);
  const weights = input.weights ?? DEFAULT_WEIGHTS;
  checkWeights(weights);
  const needIds = [...new Set(input.needIds ?? [])];
  const needs = await partnersRepo.needsByIds(ctx.db, needIds);
  if (needs.length !== needIds.length || needs.some((n) => !pathWithin(n.node_path, c.path))) throw invalid('所选需求不存在或不属于该社区', [{ field: 'needIds', message: '须为本社区的需求' }]);
  if (needs.some((n) => n.status !== 'new')) throw conflict('所选需求已被采纳或已关闭');
  const now = ctx.clock.now();
  const row: ProjectRow = {
    id: newId(),
    title: input.title,
    description: input.description ?? '',
    category: input.category,
    node_path: c.path,
    budget: input.budget ?? 0,
    resources: input.resources ?? '',
    points_offered: input.pointsOffered,
    due_on: input.dueOn ?? null,
    status: 'draft',
    partner_id: null,
    weights,
    final_score: null,
    points_paid: null,
    transfer_id: null,
    created_by: actor.userId,
    published_at: null,
    started_at: null,
    completed_at: null,
    evaluated_at: null,
    created_at: now,
    updated_at: now,
  };
  await withTx(ctx, async (trx) => {
    await partnersRepo.insertProject(trx, row);
    await partnersRepo.updateNeeds(trx, needIds, { status: 'adopted', project_id: row.id });
    await audit(trx, ctx.clock, actor, { action: 'project.create', entity: 'partner_project', entityId: row.id, after: { ...row, needIds } });
  });
  return viewProject(ctx, row);
}

async function log(ctx: AppContext, trx: Parameters<Parameters<typeof withTx>[1]>[0], actor: Actor, projectId: string, kind: 'progress' | 'issue' | 'completion' | 'confirmation' | 'status', content: string) {
  await partnersRepo.insertLog(trx, { id: newId(), project_id: projectId, kind, content, author_id: actor.userId, author_name: actor.displayName, at: ctx.clock.now() });
}

/** One step of the project's life, with its log line and audit row, under a row lock. */
async function transition(
  ctx: AppContext,
  actor: Actor,
  id: string,
  from: ProjectStatus[],
  fn: (p: ProjectRow, trx: Parameters<Parameters<typeof withTx>[1]>[0]) => Promise<{ patch: Partial<ProjectRow>; log: string; action: string }>,
): Promise<ProjectView> {
  await withTx(ctx, async (trx) => {
    const p = (await partnersRepo.projectById(trx, id, true))!;
    if (!from.includes(p.status)) throw conflict(`项目当前状态为「${PROJECT_STATUS_NAMES[p.status]}」，不能执行此操作`);
    const r = await fn(p, trx);
    const patch = { ...r.patch, updated_at: ctx.clock.now() };
    await partnersRepo.updateProject(trx, id, patch);
    await log(ctx, trx, actor, id, r.action === 'project.confirm' ? 'confirmation' : 'status', r.log);
    await audit(trx, ctx.clock, actor, { action: r.action, entity: 'partner_project', entityId: id, before: { status: p.status }, after: patch });
  });
  return getProjectView(ctx, id);
}

async function getProjectView(ctx: AppContext, id: string): Promise<ProjectView> {
  const p = (await partnersRepo.projectById(ctx.db, id))!;
  const partner = p.partner_id ? await partnersRepo.byId(ctx.db, p.partner_id) : undefined;
  return viewProject(ctx, { ...p, partner_name: partner?.name ?? null });
}

async function managed(ctx: AppContext, actor: Actor, id: string): Promise<ProjectRow> {
  requirePermission(actor, 'projects.manage');
  const p = await partnersRepo.projectById(ctx.db, id);
  if (!p || !scopeCoversPath(actor, p.node_path)) throw notFound('项目不存在');
  return p;
}

export async function updateProject(ctx: AppContext, actor: Actor, id: string, patch: Partial<Omit<ProjectInput, 'communityId' | 'needIds'>>): Promise<ProjectView> {
  await managed(ctx, actor, id);
  if (patch.weights) checkWeights(patch.weights);
  return transition(ctx, actor, id, ['draft', 'published'], async (p) => {
    const set: Partial<ProjectRow> = {};
    if (patch.title !== undefined) set.title = patch.title;
    if (patch.description !== undefined) set.description = patch.description;
    if (patch.category !== undefined) set.category = patch.category;
    if (patch.budget !== undefined) set.budget = patch.budget;
    if (patch.resources !== undefined) set.resources = patch.resources;
    if (patch.pointsOffered !== undefined) set.points_offered = patch.pointsOffered;
    if (patch.dueOn !== undefined) set.due_on = patch.dueOn;
    if (patch.weights !== undefined) set.weights = patch.weights;
    void p;
    return { patch: set, log: '修改项目信息', action: 'project.update' };
  });
}

export async function publishProject(ctx: AppContext, actor: Actor, id: string): Promise<ProjectView> {
  await managed(ctx, actor, id);
  return transition(ctx, actor, id, ['draft'], async (p) => {
    if (p.points_offered <= 0 && p.budget <= 0) throw invalid('发布前请设置预算或积分');
    return { patch: { status: 'published', published_at: ctx.clock.now() }, log: '项目已发布，接受合伙人认领', action: 'project.publish' };
  });
}

export async function cancelProject(ctx: AppContext, actor: Actor, id: string, reason: string): Promise<ProjectView> {
  await managed(ctx, actor, id);
  return transition(ctx, actor, id, ['draft', 'published', 'in_progress'], async () => ({ patch: { status: 'cancelled' }, log: `项目已取消：${reason}`, action: 'project.cancel' }));
}

/** A partner asks to run a published project, with its plan; staff approve one claim. */
export async function claimProject(ctx: AppContext, actor: Actor, id: string, input: { plan: string }) {
  requirePermission(actor, 'projects.claim');
  const partner = await myPartner(ctx, actor);
  if (!partner) throw forbidden('您的账号未关联合伙人');
  if (partner.status !== 'active') throw forbidden('合伙人已暂停，不能认领项目');
  const p = await partnersRepo.projectById(ctx.db, id);
  if (!p || (p.status !== 'published' && p.partner_id !== partner.id && !(await partnersRepo.claimOfPartner(ctx.db, id, partner.id)))) throw notFound('项目不存在');
  if (p.status !== 'published') throw conflict('项目已不接受认领');
  if (await partnersRepo.claimOfPartner(ctx.db, id, partner.id)) throw conflict('您已认领过该项目');
  const row = { id: newId(), project_id: id, partner_id: partner.id, plan: input.plan, status: 'pending' as const, reviewed_by: null, reviewed_at: null, created_at: ctx.clock.now() };
  await withTx(ctx, async (trx) => {
    const locked = (await partnersRepo.projectById(trx, id, true))!;
    if (locked.status !== 'published') throw conflict('项目已不接受认领');
    await partnersRepo.insertClaim(trx, row);
    await log(ctx, trx, actor, id, 'status', `${partner.name} 申请认领`);
    await audit(trx, ctx.clock, actor, { action: 'project.claim', entity: 'partner_project', entityId: id, after: row });
  });
  return { id: row.id, projectId: id, partnerId: partner.id, partnerName: partner.name, plan: row.plan, status: row.status, createdAt: row.created_at.toISOString() };
}

export async function reviewProjectClaim(ctx: AppContext, actor: Actor, projectId: string, claimId: string, input: { approve: boolean; note?: string }): Promise<ProjectView> {
  await managed(ctx, actor, projectId);
  const claim = await partnersRepo.claimById(ctx.db, claimId);
  if (!claim || claim.project_id !== projectId) throw notFound('认领申请不存在');
  if (claim.status !== 'pending') throw conflict('该认领申请已审核');
  const partner = (await partnersRepo.byId(ctx.db, claim.partner_id))!;
  if (!input.approve) {
    await withTx(ctx, async (trx) => {
      await partnersRepo.setClaim(trx, claimId, { status: 'rejected', reviewed_by: actor.userId, reviewed_at: ctx.clock.now() });
      await log(ctx, trx, actor, projectId, 'status', `未同意 ${partner.name} 的认领${input.note ? '：' + input.note : ''}`);
      await audit(trx, ctx.clock, actor, { action: 'project.claim.reject', entity: 'partner_project', entityId: projectId, after: { claimId, partnerId: partner.id } });
    });
    return getProjectView(ctx, projectId);
  }
  return transition(ctx, actor, projectId, ['published'], async (_p, trx) => {
    const now = ctx.clock.now();
    await partnersRepo.setClaim(trx, claimId, { status: 'approved', reviewed_by: actor.userId, reviewed_at: now });
    await partnersRepo.rejectOtherClaims(trx, projectId, claimId, actor.userId, now);
    return { patch: { status: 'in_progress', partner_id: partner.id, started_at: now }, log: `同意由 ${partner.name} 实施${input.note ? '：' + input.note : ''}`, action: 'project.claim.approve' };
  });
}

/** The partner running the project (or staff) keeps its log; a 'completion' entry reports it done. */
export async function addProjectLog(ctx: AppContext, actor: Actor, id: string, input: { kind: 'progress' | 'issue' | 'completion'; content: string }) {
  const v = await visibleProject(ctx, actor, id);
  const runner = v.partnerId !== null && v.p.partner_id === v.partnerId;
  if (!runner && !(v.staff && can(actor, 'projects.manage'))) throw forbidden('只有实施该项目的合伙人或社区工作人员可以记录');
  if (v.p.status !== 'in_progress') throw conflict('只有实施中的项目可以记录进展');
  const row = { id: newId(), project_id: id, kind: input.kind, content: input.content, author_id: actor.userId, author_name: actor.displayName, at: ctx.clock.now() };
  await withTx(ctx, async (trx) => {
    await partnersRepo.insertLog(trx, row);
    await audit(trx, ctx.clock, actor, { action: 'project.log', entity: 'partner_project', entityId: id, after: row });
  });
  return { id: row.id, kind: row.kind, content: row.content, authorName: row.author_name, at: row.at.toISOString() };
}

/** Staff confirm that the project was delivered; on time or late goes on the partner's credit record. */
export async function confirmCompletion(ctx: AppContext, actor: Actor, id: string, input: { note?: string }): Promise<ProjectView> {
  await managed(ctx, actor, id);
  return transition(ctx, actor, id, ['in_progress'], async (p, trx) => {
    const onTime = !p.due_on || today(ctx) <= p.due_on;
    await recordCredit(ctx, trx, p.partner_id!, onTime ? 'on_time' : 'late', 0, `${p.title}${onTime ? '按期完成' : '逾期完成'}`, p.id);
    return { patch: { status: 'completed', completed_at: ctx.clock.now() }, log: `确认完成（${onTime ? '按期' : '逾期'}）${input.note ? '：' + input.note : ''}，请居民、工作人员和第三方评价`, action: 'project.confirm' };
  });
}

/**
 * An evaluation of a completed project: residents of its community, staff of its area, and a third
 * party (entered by staff with the assessor's name). One per signed-in evaluator.
 */
export async function evaluateProject(ctx: AppContext, actor: Actor, id: string, input: { score: number; comment?: string; thirdParty?: string }) {
  const v = await visibleProject(ctx, actor, id);
  if (v.p.status !== 'completed') throw conflict('只有已完成、尚未结项的项目可以评价');
  if (v.partnerId && v.p.partner_id === v.partnerId) throw forbidden('实施方不能评价自己的项目');
  let kind: EvaluatorKind;
  let name = actor.displayName;
  if (input.thirdParty) {
    if (!(v.staff && can(actor, 'projects.manage'))) throw forbidden('第三方评价须由社区工作人员录入');
    kind = 'third_party';
    name = input.thirdParty;
  } else if (v.staff) kind = 'staff';
  else if (v.resident) kind = 'resident';
  else throw forbidden('只有本社区居民和工作人员可以评价');
  const row = { id: newId(), project_id: id, evaluator_kind: kind, evaluator_id: actor.userId, evaluator_name: name, score: input.score, comment: input.comment ?? '', at: ctx.clock.now() };
  await withTx(ctx, async (trx) => {
    const locked = (await partnersRepo.projectById(trx, id, true))!;
    if (locked.status !== 'completed') throw conflict('只有已完成、尚未结项的项目可以评价');
    if (kind !== 'third_party' && actor.userId) {
      const prior = await trx.selectFrom('partner_project_evaluations').select('id').where('project_id', '=', id).where('evaluator_id', '=', actor.userId).where('evaluator_kind', '=', kind).executeTakeFirst();
      if (prior) throw conflict('您已评价过该项目');
    }
    await partnersRepo.insertEvaluation(trx, row);
    await audit(trx, ctx.clock, actor, { action: 'project.evaluate', entity: 'partner_project', entityId: id, after: row });
  });
  return { id: row.id, kind, kindName: EVALUATOR_NAMES[kind], evaluatorName: name, score: row.score, comment: row.comment, at: row.at.toISOString() };
}

/**
 * Closes the evaluation: the weighted score of residents, staff and third party; the partner is paid
 * the project's points in proportion to the score (nothing under 60) from the community's pool, and
 * the score and points go on its credit record.
 */
export async function settleProject(ctx: AppContext, actor: Actor, id: string): Promise<ProjectView & { breakdown: ReturnType<typeof weightedScore> }> {
  const p0 = await managed(ctx, actor, id);
  if (p0.status !== 'completed') throw conflict(`项目当前状态为「${PROJECT_STATUS_NAMES[p0.status]}」，不能结项`);
  const evals = await partnersRepo.evaluationsOf(ctx.db, id);
  if (!evals.some((e) => e.evaluator_kind === 'resident')) throw conflict('尚无居民评价，不能结项');
  const breakdown = weightedScore(evals.map((e) => ({ kind: e.evaluator_kind, score: e.score })), p0.weights);
  const score = breakdown.score!;
  const points = pointsForScore(p0.points_offered, score);
  const partner = (await partnersRepo.byId(ctx.db, p0.partner_id!))!;
  const pool = points > 0 ? await communityAccount(ctx, p0.node_path, 'points') : null;
  await withRetry(() =>
    withTx(ctx, async (trx) => {
      const p = (await partnersRepo.projectById(trx, id, true))!;
      if (p.status !== 'completed') throw conflict('项目已结项');
      const count = await trx.selectFrom('partner_project_evaluations').select((eb) => eb.fn.countAll<number>().as('n')).where('project_id', '=', id).executeTakeFirstOrThrow();
      if (Number(count.n) !== evals.length) throw conflict('评价有更新，请重新结项');
      let transferId: string | null = null;
      if (pool && points > 0) {
        const acc = await openPartnerAccount(ctx, trx, { partnerId: partner.id, name: partner.name, nodePath: partner.node_path, merchant: partner.merchant, holderUserId: partner.user_id });
        const { transfer } = await postTransfer(ctx, trx, actor, { from: pool.id, to: acc.id, amount: points, currency: 'points', kind: 'project', memo: `项目积分：${p.title}（得分 ${score}）`, idempotencyKey: `project:${id}`, refKind: 'project', refId: id });
        transferId = transfer.id;
      }
      await recordCredit(ctx, trx, partner.id, 'evaluation', score, `${p.title} 综合评价`, id);
      if (points > 0) await recordCredit(ctx, trx, partner.id, 'points', points, `${p.title} 项目积分`, id);
      const now = ctx.clock.now();
      const patch = { status: 'evaluated' as const, final_score: score, points_paid: points, transfer_id: transferId, evaluated_at: now, updated_at: now };
      await partnersRepo.updateProject(trx, id, patch);
      const parts = breakdown.groups.filter((g) => g.count > 0).map((g) => `${EVALUATOR_NAMES[g.kind]} ${g.average}×${g.effectiveWeight}`);
      await log(ctx, trx, actor, id, 'status', `结项评价 ${score} 分（${parts.join(' + ')}），发放 ${points} 积分`);
      await audit(trx, ctx.clock, actor, { action: 'project.settle', entity: 'partner_project', entityId: id, before: { status: p.status }, after: { ...patch, breakdown } });
    }),
  );
  return { ...(await getProjectView(ctx, id)), breakdown };
}

export async function listProjects(ctx: AppContext, actor: Actor, f: { status?: ProjectStatus; category?: string; mine?: boolean; page: number; pageSize: number }) {
  const sp = can(actor, 'partners.read') ? staffPath(actor) : 'none';
  const partner = await myPartner(ctx, actor);
  let res;
  const paging = { limit: f.pageSize, offset: (f.page - 1) * f.pageSize };
  if (sp !== 'none') res = await partnersRepo.listProjects(ctx.db, { path: sp, statuses: f.status ? [f.status] : undefined, category: f.category, ...paging });
  else if (partner) {
    res = await partnersRepo.listProjects(ctx.db, { path: null, statuses: f.status ? [f.status] : undefined, partner: { id: partner.id, includePublished: !f.mine }, category: f.category, ...paging });
  } else if (actor.residentId) {
    const rp = await residentPath(ctx, actor);
    if (!rp) return { items: [], total: 0, page: f.page, pageSize: f.pageSize };
    const statuses = f.status ? PUBLIC_STATUSES.filter((s) => s === f.status) : PUBLIC_STATUSES;
    res = await partnersRepo.listProjects(ctx.db, { path: communityPathOf(rp), statuses, category: f.category, ...paging });
  } else return { items: [], total: 0, page: f.page, pageSize: f.pageSize };
  return { items: await Promise.all(res.rows.map((r) => viewProject(ctx, r))), total: res.total, page: f.page, pageSize: f.pageSize };
}

export async function getProject(ctx: AppContext, actor: Actor, id: string) {
  const v = await visibleProject(ctx, actor, id);
  const [view, claims, logs, evals] = await Promise.all([getProjectView(ctx, id), partnersRepo.claimsOf(ctx.db, id), partnersRepo.logsOf(ctx.db, id), partnersRepo.evaluationsOf(ctx.db, id)]);
  const shownClaims = v.staff ? claims : claims.filter((c) => c.partner_id === v.partnerId);
  const myEvaluation = evals.find((e) => e.evaluator_id !== null && e.evaluator_id === actor.userId && e.evaluator_kind !== 'third_party');
  return {
    ...view,
    claims: shownClaims.map((c) => ({ id: c.id, partnerId: c.partner_id, partnerName: c.partner_name, creditLevel: c.credit_level, creditScore: Number(c.credit_score), plan: c.plan, status: c.status, createdAt: new Date(c.created_at).toISOString() })),
    logs: logs.map((l) => ({ id: l.id, kind: l.kind, content: l.content, authorName: l.author_name, at: new Date(l.at).toISOString() })),
    evaluations: v.staff ? evals.map((e) => ({ id: e.id, kind: e.evaluator_kind, evaluatorName: e.evaluator_name, score: e.score, comment: e.comment, at: new Date(e.at).toISOString() })) : [],
    evaluationSummary: weightedScore(evals.map((e) => ({ kind: e.evaluator_kind, score: e.score })), view.weights),
    myEvaluation: myEvaluation ? { score: myEvaluation.score, comment: myEvaluation.comment } : null,
    canClaim: Boolean(v.partnerId) && view.status === 'published' && !claims.some((c) => c.partner_id === v.partnerId),
    canEvaluate: view.status === 'completed' && !myEvaluation && (v.staff || v.resident) && !(v.partnerId && view.partnerId === v.partnerId),
    isRunner: Boolean(v.partnerId) && view.partnerId === v.partnerId,
  };
}
