import type { AppContext } from '../../../platform/context.js';
import { withTx } from '../../../platform/context.js';
import type { Actor } from '../../../platform/auth/actor.js';
import { can } from '../../../platform/auth/permissions.js';
import { audit } from '../../../platform/audit/audit.js';
import { conflict, forbidden, invalid, notFound } from '../../../platform/errors.js';
import { newId } from '../../../platform/ids.js';
import { attachFiles, fileViews, MAX_PHOTOS, type FileView } from '../../../platform/files/index.js';
import type { Executor } from '../../../platform/db/database.js';
import { nodeBriefs, residentBriefs, type NodeBrief } from '../../org/index.js';
import { ancestorPaths, assertManage, assertSees, canManage, residentCovered, viewerOf, type Viewer } from '../policy.js';
import { deliberationRepo as repo, type TopicRow, type TopicStatus } from '../repository.js';
import { iso, JOB_TOPIC_EXPIRE, nodeOrInvalid, SUPPORT_DAYS, TOPIC_STATUS_LABEL, uniqueOr409 } from './common.js';

export const TOPIC_CATEGORIES = ['公共设施', '环境卫生', '停车交通', '加装电梯', '物业服务', '邻里关系', '安全隐患', '文体活动', '其他'] as const;
export const TOPIC_LEVELS = ['community', 'estate', 'grid', 'building'];

export interface TopicView {
  id: string;
  title: string;
  body: string;
  category: string;
  nodeId: string;
  nodePath: string;
  nodeName: string;
  proposerName: string;
  mine: boolean;
  status: TopicStatus;
  statusLabel: string;
  supportThreshold: number;
  supportCount: number;
  supportDeadline: string;
  supportedByMe: boolean;
  reviewNote: string | null;
  reviewedAt: string | null;
  photoIds: string[];
  createdAt: string;
  updatedAt: string;
}

export function viewTopic(t: TopicRow, actor: Actor, supported = false): TopicView {
  return {
    id: t.id,
    title: t.title,
    body: t.body,
    category: t.category,
    nodeId: t.node_id,
    nodePath: t.node_path,
    nodeName: t.node_name,
    proposerName: t.proposer_name,
    mine: actor.userId !== null && t.proposer_user_id === actor.userId,
    status: t.status,
    statusLabel: TOPIC_STATUS_LABEL[t.status] ?? t.status,
    supportThreshold: t.support_threshold,
    supportCount: t.support_count,
    supportDeadline: iso(t.support_deadline)!,
    supportedByMe: supported,
    reviewNote: t.review_note,
    reviewedAt: iso(t.reviewed_at),
    photoIds: t.photos,
    createdAt: iso(t.created_at)!,
    updatedAt: iso(t.updated_at)!,
  };
}

/** Masks a resident's name for the public hall: 王建国 -> 王**. */
const maskName = (n: string) => (n.length <= 1 ? n : n[0] + '*'.repeat(Math.min(2, n.length - 1)));

/**
 * Supports needed: a tenth of the households under the node, at least 3 and at most 20, and never
 * more than the other adult residents there could give.
 */
export function supportThreshold(households: number, otherResidents: number): number {
  const t = Math.min(20, Math.max(3, Math.ceil(households / 10)));
  return Math.max(1, Math.min(t, otherResidents));
}

export const THRESHOLD_LEVELS = ['building', 'grid', 'estate', 'community'] as const;
export type ThresholdLevel = (typeof THRESHOLD_LEVELS)[number];

/**
 * The supports a topic at this node needs: the setting for the node's level at the node itself or at
 * the nearest node above it (an admin edits these), else the default formula.
 */
export async function effectiveThreshold(db: Executor, node: NodeBrief, residentId: string | null): Promise<{ threshold: number; source: 'setting' | 'default' }> {
  const rows = (await repo.thresholdsAt(db, ancestorPaths(node.path))).filter((r) => r.level === node.level);
  rows.sort((a, b) => b.node_path.length - a.node_path.length);
  const set = rows[0];
  if (set) return { threshold: set.threshold, source: 'setting' };
  const households = (await repo.rollUnder(db, node.path)).length;
  const others = (await residentBriefs(db, { under: node.path })).filter((r) => r.status === 'resident' && r.id !== residentId).length;
  return { threshold: supportThreshold(households, others), source: 'default' };
}

/** Thresholds set at a node and under it, and the value in force at the node for each level (the settings screen). */
export async function listThresholds(ctx: AppContext, actor: Actor, nodeId: string) {
  const node = await nodeOrInvalid(ctx.db, nodeId, ['district', 'street', ...TOPIC_LEVELS]);
  const v = await viewerOf(ctx, actor);
  if (v.kind !== 'staff') throw forbidden();
  assertSees(v, node.path);
  const own = await repo.thresholdsUnder(ctx.db, node.path);
  const above = (await repo.thresholdsAt(ctx.db, ancestorPaths(node.path))).filter((r) => r.node_path !== node.path);
  const names = new Map((await nodeBriefs(ctx.db, { ids: [...new Set([...own, ...above].map((r) => r.node_id))] })).map((n) => [n.id, n.name]));
  const effective = THRESHOLD_LEVELS.map((level) => {
    const hit = [...own.filter((r) => r.node_path === node.path), ...above].filter((r) => r.level === level).sort((a, b) => b.node_path.length - a.node_path.length)[0];
    return { level, threshold: hit?.threshold ?? null, fromNodeName: hit ? (names.get(hit.node_id) ?? null) : null };
  });
  return {
    nodeId: node.id,
    nodeName: node.name,
    canManage: canManage(actor, node.path),
    effective,
    items: own.map((r) => ({ nodeId: r.node_id, nodeName: names.get(r.node_id) ?? '', level: r.level, threshold: r.threshold, updatedAt: iso(r.updated_at)! })),
  };
}

/** Sets (or, with `threshold: null`, removes) the supports needed by topics of a level at and under a node. */
export async function setThreshold(ctx: AppContext, actor: Actor, input: { nodeId: string; level: ThresholdLevel; threshold: number | null }) {
  const node = await nodeOrInvalid(ctx.db, input.nodeId, ['district', 'street', ...TOPIC_LEVELS]);
  assertManage(actor, node.path);
  if (!THRESHOLD_LEVELS.includes(input.level)) throw invalid('议题范围层级不正确', [{ field: 'level', message: `须为 ${THRESHOLD_LEVELS.join('/')}` }]);
  await withTx(ctx, async (trx) => {
    const before = (await repo.thresholdsAt(trx, [node.path])).find((r) => r.level === input.level);
    if (input.threshold === null) await repo.deleteThreshold(trx, node.id, input.level);
    else await repo.upsertThreshold(trx, { node_id: node.id, node_path: node.path, level: input.level, threshold: input.threshold, updated_by: actor.userId, updated_at: ctx.clock.now() });
    await audit(trx, ctx.clock, actor, {
      action: 'deliberation.threshold.set',
      entity: 'deliberation_threshold',
      entityId: node.id,
      before: before ? { level: before.level, threshold: before.threshold } : null,
      after: { level: input.level, threshold: input.threshold },
    });
  });
  return listThresholds(ctx, actor, input.nodeId);
}

/**
 * A topic that reached its threshold goes onto the agenda of the next scheduled meeting of its node
 * or of a node above it (status "scheduled"); without one it waits ("supported") and is put on the
 * agenda when such a meeting is scheduled (see scheduleMeeting).
 */
export async function queueForMeeting(ctx: AppContext, trx: Executor, actor: Actor, t: TopicRow): Promise<{ status: TopicStatus; meetingId: string | null }> {
  const now = ctx.clock.now();
  const m = await repo.nextMeetingCovering(trx, ancestorPaths(t.node_path), now);
  if (!m) return { status: 'supported', meetingId: null };
  if (!(await repo.agenda(trx, m.id)).some((a) => a.topic_id === t.id)) {
    const seq = await repo.appendAgendaItem(trx, { id: newId(), meeting_id: m.id, topic_id: t.id, title: t.title, outcome: null, note: null });
    await audit(trx as never, ctx.clock, actor, { action: 'deliberation.meeting.agenda.auto', entity: 'deliberation_meeting', entityId: m.id, after: { topicId: t.id, title: t.title, seq, reason: 'support_threshold' } });
  }
  await repo.updateTopic(trx, t.id, { status: 'scheduled', updated_at: now });
  return { status: 'scheduled', meetingId: m.id };
}

export async function listTopics(
  ctx: AppContext,
  actor: Actor,
  f: { status?: TopicStatus[]; q?: string; mine?: boolean; page: number; pageSize: number },
): Promise<{ items: TopicView[]; total: number; page: number; pageSize: number }> {
  const v = await viewerOf(ctx, actor);
  const { rows, total } = await repo.listTopics(ctx.db, { path: v.filter, status: f.status, q: f.q, mine: f.mine ? actor.userId : null, limit: f.pageSize, offset: (f.page - 1) * f.pageSize });
  const supported = v.kind === 'resident' ? await repo.supportedTopicIds(ctx.db, v.resident.id, rows.map((r) => r.id)) : new Set<string>();
  return { items: rows.map((r) => viewTopic(r, actor, supported.has(r.id))), total, page: f.page, pageSize: f.pageSize };
}

async function visibleTopic(ctx: AppContext, v: Viewer, id: string, forUpdate = false, db: Parameters<typeof repo.topicById>[0] = ctx.db): Promise<TopicRow> {
  const t = await repo.topicById(db, id, forUpdate);
  if (!t) throw notFound('议题不存在');
  assertSees(v, t.node_path);
  return t;
}

export async function getTopic(ctx: AppContext, actor: Actor, id: string) {
  const v = await viewerOf(ctx, actor);
  const t = await visibleTopic(ctx, v, id);
  const [supported, comments, meetings, votes, resolutions] = await Promise.all([
    v.kind === 'resident' ? repo.supportOf(ctx.db, id, v.resident.id) : Promise.resolve(undefined),
    repo.comments(ctx.db, id),
    repo.meetingsOfTopic(ctx.db, id),
    repo.votesOfTopic(ctx.db, id),
    repo.resolutionsOfTopic(ctx.db, id),
  ]);
  const covered = residentCovered(v, t.node_path);
  const staff = v.kind === 'staff';
  const shown = staff ? comments : comments.filter((c) => c.hidden_at === null);
  return {
    ...viewTopic(t, actor, Boolean(supported)),
    photos: await fileViews(ctx.db, t.photos),
    canSupport: covered && !supported && t.proposer_resident_id !== (v.kind === 'resident' ? v.resident.id : null) && ['proposed', 'supported', 'scheduled'].includes(t.status) && ctx.clock.now() < new Date(t.support_deadline),
    canManage: canManage(actor, t.node_path),
    // Hidden comments are left out for residents; staff see them with the reason and the reports.
    comments: shown.map((c) => ({
      id: c.id,
      authorName: c.is_staff || staff ? c.author_name : maskName(c.author_name),
      isStaff: c.is_staff,
      body: c.body,
      createdAt: iso(c.created_at)!,
      mine: actor.userId !== null && c.user_id === actor.userId,
      ...(staff ? { hidden: c.hidden_at !== null, hiddenReason: c.hidden_reason, hiddenAt: iso(c.hidden_at), reportCount: c.report_count } : {}),
    })),
    meetings: meetings.map((m) => ({ id: m.id, title: m.title, startsAt: iso(m.starts_at)!, status: m.status, outcome: m.outcome, note: m.note })),
    votes: votes.map((x) => ({ id: x.id, title: x.title, status: x.status, passed: x.passed, closesAt: iso(x.closes_at)! })),
    resolutions: resolutions.map((r) => ({ id: r.id, title: r.title, status: r.status, progress: r.progress, dueDate: r.due_date })),
  };
}

export interface TopicInput {
  title: string;
  body: string;
  category: string;
  nodeId?: string;
  photos?: string[];
}

/**
 * A resident proposes a topic for their building, grid, estate (default) or community; it then
 * gathers supports. Staff who manage the node put a topic straight on the list (status accepted).
 */
export async function proposeTopic(ctx: AppContext, actor: Actor, input: TopicInput): Promise<TopicView> {
  if (!(TOPIC_CATEGORIES as readonly string[]).includes(input.category)) throw invalid('议题类别不正确', [{ field: 'category', message: `须为 ${TOPIC_CATEGORIES.join('、')} 之一` }]);
  const v = await viewerOf(ctx, actor);
  const now = ctx.clock.now();
  let node;
  let staff = false;
  let proposerName = actor.displayName;
  let residentId: string | null = null;
  if (v.kind === 'staff') {
    if (!input.nodeId) throw invalid('请选择议题所属的社区、小区、网格或楼栋', [{ field: 'nodeId', message: '为必填项' }]);
    node = await nodeOrInvalid(ctx.db, input.nodeId, TOPIC_LEVELS);
    assertManage(actor, node.path);
    staff = true;
  } else {
    const ancestors = (await nodeBriefs(ctx.db, { paths: ancestorPaths(v.resident.nodePath) })).filter((n) => TOPIC_LEVELS.includes(n.level));
    if (input.nodeId) {
      node = ancestors.find((n) => n.id === input.nodeId);
      if (!node) throw forbidden('只能就本人所在的楼栋、网格、小区或社区提出议题');
    } else {
      node = ancestors.find((n) => n.level === 'estate') ?? ancestors.find((n) => n.level === 'community');
      if (!node) throw invalid('未找到您所在的小区或社区');
    }
    proposerName = v.resident.name;
    residentId = v.resident.id;
  }
  if ((input.photos?.length ?? 0) > MAX_PHOTOS) throw invalid(`最多上传 ${MAX_PHOTOS} 张照片`, [{ field: 'photos', message: `最多 ${MAX_PHOTOS} 张` }]);
  const threshold = staff ? 1 : (await effectiveThreshold(ctx.db, node, residentId)).threshold;
  const deadline = new Date(now.getTime() + SUPPORT_DAYS * 86400_000);
  const row: TopicRow = {
    id: newId(),
    title: input.title.trim(),
    body: input.body.trim(),
    category: input.category,
    node_id: node.id,
    node_path: node.path,
    node_name: node.name,
    proposer_user_id: actor.userId,
    proposer_resident_id: residentId,
    proposer_name: proposerName,
    status: staff ? 'accepted' : 'proposed',
    support_threshold: threshold,
    support_count: 0,
    support_deadline: deadline,
    review_note: null,
    reviewed_by: staff ? actor.userId : null,
    reviewed_at: staff ? now : null,
    photos: [...new Set(input.photos ?? [])],
    created_at: now,
    updated_at: now,
  };
  if (!row.title || !row.body) throw invalid('标题和内容不能为空');
  await withTx(ctx, async (trx, after) => {
    await repo.insertTopic(trx, row);
    if (row.photos.length) await attachFiles(trx, actor, row.photos, 'deliberation_topic', row.id);
    if (!staff) await ctx.jobs.enqueue(trx, JOB_TOPIC_EXPIRE, { topicId: row.id }, { runAt: deadline, uniqueKey: `${JOB_TOPIC_EXPIRE}:${row.id}` });
    await audit(trx, ctx.clock, actor, { action: 'deliberation.topic.propose', entity: 'deliberation_topic', entityId: row.id, after: { title: row.title, node: node.path, status: row.status, threshold, photos: row.photos.length } });
    after.add(() => ctx.events.publish({ type: 'deliberation.topic.proposed', path: row.node_path, data: { id: row.id, title: row.title }, at: now.toISOString() }));
  });
  return viewTopic(row, actor);
}

/** 附议: one per resident; reaching the threshold puts the topic on the next meeting's agenda (or queues it for one). */
export async function supportTopic(ctx: AppContext, actor: Actor, id: string): Promise<TopicView> {
  const v = await viewerOf(ctx, actor);
  if (v.kind !== 'resident') throw forbidden('附议仅限居民本人');
  return uniqueOr409(
    () =>
      withTx(ctx, async (trx) => {
        // The row lock serialises supports of one topic, so the count that crosses the threshold is exact.
        const t = await visibleTopic(ctx, v, id, true, trx);
        if (!residentCovered(v, t.node_path)) throw forbidden('只有议题所涉范围内的居民可以附议');
        if ((t.proposer_user_id !== null && t.proposer_user_id === actor.userId) || t.proposer_resident_id === v.resident.id) throw conflict('不能附议自己提出的议题');
        // Supports are taken while the topic gathers them and until its meeting discusses it.
        if (!['proposed', 'supported', 'scheduled'].includes(t.status)) throw conflict(`议题当前为「${TOPIC_STATUS_LABEL[t.status]}」，不能附议`);
        const now = ctx.clock.now();
        if (now >= new Date(t.support_deadline)) throw conflict('附议期已结束');
        if (await repo.supportOf(trx, id, v.resident.id)) throw conflict('您已附议过该议题');
        await repo.insertSupport(trx, { topic_id: id, resident_id: v.resident.id, user_id: actor.userId, created_at: now });
        const count = await repo.countSupports(trx, id);
        let status: TopicStatus = t.status === 'proposed' && count >= t.support_threshold ? 'supported' : t.status;
        await repo.updateTopic(trx, id, { support_count: count, status, updated_at: now });
        await audit(trx, ctx.clock, actor, { action: 'deliberation.topic.support', entity: 'deliberation_topic', entityId: id, before: { supportCount: t.support_count, status: t.status }, after: { supportCount: count, status } });
        if (status === 'supported' && t.status === 'proposed') {
          await ctx.jobs.cancel(trx, `${JOB_TOPIC_EXPIRE}:${id}`);
          status = (await queueForMeeting(ctx, trx, actor, { ...t, support_count: count, status })).status;
        }
        return viewTopic({ ...t, support_count: count, status, updated_at: now }, actor, true);
      }),
    '您已附议过该议题',
  );
}

export async function withdrawTopic(ctx: AppContext, actor: Actor, id: string): Promise<TopicView> {
  const v = await viewerOf(ctx, actor);
  return withTx(ctx, async (trx) => {
    const t = await visibleTopic(ctx, v, id, true, trx);
    if (t.proposer_user_id === null || t.proposer_user_id !== actor.userId) throw forbidden('只有提议人可以撤回议题');
    if (!['proposed', 'supported'].includes(t.status)) throw conflict('议题已进入审核或议事程序，不能撤回');
    const now = ctx.clock.now();
    await repo.updateTopic(trx, id, { status: 'withdrawn', updated_at: now });
    await ctx.jobs.cancel(trx, `${JOB_TOPIC_EXPIRE}:${id}`);
    await audit(trx, ctx.clock, actor, { action: 'deliberation.topic.withdraw', entity: 'deliberation_topic', entityId: id, before: { status: t.status }, after: { status: 'withdrawn' } });
    return viewTopic({ ...t, status: 'withdrawn', updated_at: now }, actor);
  });
}

/** Staff review: accept a topic whose supports reached the threshold, or reject with a reason. */
export async function reviewTopic(ctx: AppContext, actor: Actor, id: string, input: { decision: 'accept' | 'reject'; note?: string }): Promise<TopicView> {
  const v = await viewerOf(ctx, actor);
  return withTx(ctx, async (trx) => {
    const t = await visibleTopic(ctx, v, id, true, trx);
    assertManage(actor, t.node_path);
    if (input.decision === 'accept' && t.status !== 'supported') throw conflict(t.status === 'proposed' ? `附议人数未达到 ${t.support_threshold} 人，暂不能立项` : `议题当前为「${TOPIC_STATUS_LABEL[t.status]}」，不能立项`);
    if (input.decision === 'reject' && !['proposed', 'supported', 'accepted'].includes(t.status)) throw conflict(`议题当前为「${TOPIC_STATUS_LABEL[t.status]}」，不能驳回`);
    if (input.decision === 'reject' && !input.note?.trim()) throw invalid('不予立项须说明理由', [{ field: 'note', message: '为必填项' }]);
    const now = ctx.clock.now();
    const status: TopicStatus = input.decision === 'accept' ? 'accepted' : 'rejected';
    await repo.updateTopic(trx, id, { status, review_note: input.note?.trim() || null, reviewed_by: actor.userId, reviewed_at: now, updated_at: now });
    await ctx.jobs.cancel(trx, `${JOB_TOPIC_EXPIRE}:${id}`);
    await audit(trx, ctx.clock, actor, { action: `deliberation.topic.${input.decision}`, entity: 'deliberation_topic', entityId: id, before: { status: t.status }, after: { status, note: input.note ?? null } });
    return viewTopic({ ...t, status, review_note: input.note?.trim() || null, reviewed_at: now, updated_at: now }, actor);
  });
}

export async function commentTopic(ctx: AppContext, actor: Actor, id: string, body: string) {
  const v = await viewerOf(ctx, actor);
  const text = body.trim();
  if (!text) throw invalid('评论内容不能为空', [{ field: 'body', message: '为必填项' }]);
  return withTx(ctx, async (trx) => {
    const t = await visibleTopic(ctx, v, id, false, trx);
    if (['withdrawn', 'expired', 'rejected', 'completed'].includes(t.status)) throw conflict('该议题已结束讨论');
    const now = ctx.clock.now();
    const row = { id: newId(), topic_id: id, user_id: actor.userId, author_name: v.kind === 'resident' ? v.resident.name : actor.displayName, is_staff: v.kind === 'staff', body: text, created_at: now, report_count: 0 };
    await repo.insertComment(trx, row);
    await audit(trx, ctx.clock, actor, { action: 'deliberation.topic.comment', entity: 'deliberation_topic', entityId: id, after: { commentId: row.id } });
    return { id: row.id, authorName: row.author_name, isStaff: row.is_staff, body: row.body, createdAt: now.toISOString(), mine: true };
  });
}

/** Staff hide a comment (the reason goes to the audit log) or restore it. Hidden comments are not shown to residents. */
export async function moderateComment(ctx: AppContext, actor: Actor, topicId: string, commentId: string, input: { action: 'hide' | 'restore'; reason: string }) {
  const v = await viewerOf(ctx, actor);
  const reason = input.reason.trim();
  if (!reason) throw invalid('请填写理由', [{ field: 'reason', message: '为必填项' }]);
  await withTx(ctx, async (trx) => {
    const t = await visibleTopic(ctx, v, topicId, false, trx);
    assertManage(actor, t.node_path);
    const c = await repo.commentById(trx, commentId, true);
    if (!c || c.topic_id !== topicId) throw notFound('评论不存在');
    const now = ctx.clock.now();
    if (input.action === 'hide') {
      if (c.hidden_at) throw conflict('该评论已隐藏');
      await repo.updateComment(trx, commentId, { hidden_at: now, hidden_by: actor.userId, hidden_reason: reason });
    } else {
      if (!c.hidden_at) throw conflict('该评论未被隐藏');
      await repo.updateComment(trx, commentId, { hidden_at: null, hidden_by: null, hidden_reason: null });
    }
    await audit(trx, ctx.clock, actor, {
      action: `deliberation.comment.${input.action}`,
      entity: 'deliberation_topic',
      entityId: topicId,
      before: { commentId, hidden: c.hidden_at !== null, reason: c.hidden_reason },
      after: { commentId, hidden: input.action === 'hide', reason },
    });
  });
  return getTopic(ctx, actor, topicId);
}

/** Anyone who sees a comment may report it as inappropriate, once; staff see the count. */
export async function reportComment(ctx: AppContext, actor: Actor, topicId: string, commentId: string, reason: string) {
  const v = await viewerOf(ctx, actor);
  const userId = actor.userId;
  if (!userId) throw forbidden();
  const text = reason.trim();
  if (!text) throw invalid('请说明举报理由', [{ field: 'reason', message: '为必填项' }]);
  await uniqueOr409(
    () =>
      withTx(ctx, async (trx) => {
        await visibleTopic(ctx, v, topicId, false, trx);
        const c = await repo.commentById(trx, commentId, true);
        if (!c || c.topic_id !== topicId || (c.hidden_at && v.kind !== 'staff')) throw notFound('评论不存在');
        if (c.user_id === userId) throw conflict('不能举报自己的评论');
        await repo.insertCommentReport(trx, { comment_id: commentId, user_id: userId, reason: text, created_at: ctx.clock.now() });
        await repo.updateComment(trx, commentId, { report_count: c.report_count + 1 });
        await audit(trx, ctx.clock, actor, { action: 'deliberation.comment.report', entity: 'deliberation_topic', entityId: topicId, after: { commentId, reason: text } });
      }),
    '您已举报过该评论',
  );
  return { reported: true };
}

/** Who may see a topic's photos: whoever sees the topic. */
export async function canSeeTopic(ctx: AppContext, actor: Actor, id: string): Promise<boolean> {
  const t = await repo.topicById(ctx.db, id);
  if (!t) return false;
  try {
    assertSees(await viewerOf(ctx, actor), t.node_path);
    return true;
  } catch {
    return false;
  }
}

export type { FileView };


/** Job: a topic still gathering supports at its deadline expires. */
export async function expireTopic(ctx: AppContext, trx: Parameters<typeof repo.topicById>[0], topicId: string, actor: Actor): Promise<void> {
  const t = await repo.topicById(trx, topicId, true);
  if (!t || t.status !== 'proposed') return;
  await repo.updateTopic(trx, topicId, { status: 'expired', updated_at: ctx.clock.now() });
  await audit(trx as never, ctx.clock, actor, { action: 'deliberation.topic.expire', entity: 'deliberation_topic', entityId: topicId, before: { status: t.status, supportCount: t.support_count }, after: { status: 'expired' } });
}

/** Used by meetings and votes: a topic the actor manages, in one of the given states. */
export async function manageableTopic(ctx: AppContext, actor: Actor, trx: Parameters<typeof repo.topicById>[0], id: string, states: TopicStatus[], what: string): Promise<TopicRow> {
  const t = await repo.topicById(trx, id, true);
  if (!t) throw invalid('议题不存在', [{ field: 'topicId', message: '议题不存在' }]);
  if (!can(actor, 'deliberation.manage')) throw forbidden();
  assertManage(actor, t.node_path);
  if (!states.includes(t.status)) throw conflict(`议题「${t.title}」当前为「${TOPIC_STATUS_LABEL[t.status]}」，不能${what}`);
  return t;
}
