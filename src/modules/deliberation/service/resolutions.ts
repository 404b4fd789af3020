import type { AppContext } from '../../../platform/context.js';
import { withTx } from '../../../platform/context.js';
import type { Tx } from '../../../platform/db/database.js';
import type { Actor } from '../../../platform/auth/actor.js';
import { audit } from '../../../platform/audit/audit.js';
import { conflict, invalid, notFound } from '../../../platform/errors.js';
import { newId } from '../../../platform/ids.js';
import { attachFiles, fileViews, MAX_PHOTOS } from '../../../platform/files/index.js';
import { assertManage, assertSees, canManage, viewerOf, type Viewer } from '../policy.js';
import { deliberationRepo as repo, type ResolutionRow } from '../repository.js';
import { endOfLocalDate, iso, JOB_RESOLUTION_DUE, localDate, TOPIC_STATUS_LABEL } from './common.js';

const viewResolution = (r: ResolutionRow) => ({
  id: r.id,
  title: r.title,
  content: r.content,
  nodeId: r.node_id,
  nodePath: r.node_path,
  nodeName: r.node_name,
  topicId: r.topic_id,
  voteId: r.vote_id,
  meetingId: r.meeting_id,
  assignee: r.assignee,
  dueDate: r.due_date,
  status: r.status,
  statusLabel: r.status === 'completed' ? '已办结' : r.overdue ? '逾期未办结' : '落实中',
  progress: r.progress,
  overdue: r.overdue,
  createdAt: iso(r.created_at)!,
  completedAt: iso(r.completed_at),
});

export async function listResolutions(ctx: AppContext, actor: Actor, f: { status?: string; overdue?: boolean; page: number; pageSize: number }) {
  const v = await viewerOf(ctx, actor);
  const { rows, total } = await repo.listResolutions(ctx.db, { path: v.filter, status: f.status, overdue: f.overdue, limit: f.pageSize, offset: (f.page - 1) * f.pageSize });
  return { items: rows.map(viewResolution), total, page: f.page, pageSize: f.pageSize };
}

async function visibleResolution(v: Viewer, db: Tx | AppContext['db'], id: string, forUpdate = false): Promise<ResolutionRow> {
  const r = await repo.resolutionById(db, id, forUpdate);
  if (!r) throw notFound('决议不存在');
  assertSees(v, r.node_path);
  return r;
}

export async function getResolution(ctx: AppContext, actor: Actor, id: string) {
  const v = await viewerOf(ctx, actor);
  const r = await visibleResolution(v, ctx.db, id);
  const [updates, steps] = await Promise.all([repo.resolutionUpdates(ctx.db, id), repo.steps(ctx.db, id)]);
  const photos = new Map((await fileViews(ctx.db, updates.flatMap((u) => u.photos))).map((f) => [f.id, f]));
  return {
    ...viewResolution(r),
    steps: steps.map((s) => ({ id: s.id, seq: s.seq, title: s.title, done: s.done_at !== null, doneAt: iso(s.done_at) })),
    updates: updates.map((u) => ({
      id: u.id,
      note: u.note,
      progress: u.progress,
      byName: u.by_name,
      at: iso(u.at)!,
      stepId: u.step_id,
      stepTitle: steps.find((s) => s.id === u.step_id)?.title ?? null,
      photos: u.photos.map((p) => photos.get(p)).filter((p): p is NonNullable<typeof p> => p !== undefined),
    })),
    canManage: canManage(actor, r.node_path),
  };
}

/**
 * Records a resolution (决议) for implementation: from a passed vote, from a topic the meeting agreed
 * on (协商一致) or that passed its vote, or from a held meeting. The topic then moves to "resolved".
 */
export async function createResolution(
  ctx: AppContext,
  actor: Actor,
  input: { title: string; content: string; assignee: string; dueDate: string; topicId?: string; voteId?: string; meetingId?: string; steps?: string[] },
) {
  const steps = (input.steps ?? []).map((s) => s.trim());
  if (steps.some((s) => !s)) throw invalid('落实步骤不能为空', [{ field: 'steps', message: '步骤名称为必填项' }]);
  const now = ctx.clock.now();
  if (input.dueDate < localDate(now)) throw invalid('完成期限不能早于今天', [{ field: 'dueDate', message: '不能早于今天' }]);
  if (!input.voteId && !input.topicId && !input.meetingId) throw invalid('决议须来自表决、议题或会议', [{ field: 'voteId', message: '表决、议题、会议至少指定一项' }]);
  const id = newId();
  await withTx(ctx, async (trx) => {
    let node: { id: string; path: string; name: string } | null = null;
    let topicId = input.topicId ?? null;
    if (input.voteId) {
      const vote = await repo.voteById(trx, input.voteId);
      if (!vote) throw invalid('表决不存在', [{ field: 'voteId', message: '表决不存在' }]);
      assertManage(actor, vote.node_path);
      if (vote.status !== 'closed' || !vote.passed) throw conflict('只有表决通过的事项才能形成决议');
      if (topicId && vote.topic_id && topicId !== vote.topic_id) throw invalid('表决与议题不对应', [{ field: 'topicId', message: '与表决的议题不同' }]);
      topicId = vote.topic_id ?? topicId;
      node = { id: vote.node_id, path: vote.node_path, name: vote.node_name };
    }
    if (topicId) {
      const t = await repo.topicById(trx, topicId, true);
      if (!t) throw invalid('议题不存在', [{ field: 'topicId', message: '议题不存在' }]);
      assertManage(actor, t.node_path);
      if (!['agreed', 'passed'].includes(t.status)) throw conflict(`议题当前为「${TOPIC_STATUS_LABEL[t.status]}」，须经协商一致或表决通过后才能形成决议`);
      await repo.updateTopic(trx, t.id, { status: 'resolved', updated_at: now });
      node ??= { id: t.node_id, path: t.node_path, name: t.node_name };
    }
    if (input.meetingId) {
      const m = await repo.meetingById(trx, input.meetingId);
      if (!m) throw invalid('会议不存在', [{ field: 'meetingId', message: '会议不存在' }]);
      assertManage(actor, m.node_path);
      if (m.status !== 'held') throw conflict('会议尚未召开，不能形成决议');
      node ??= { id: m.node_id, path: m.node_path, name: m.node_name };
    }
    const n = node!;
    const row: ResolutionRow = {
      id,
      title: input.title.trim(),
      content: input.content.trim(),
      node_id: n.id,
      node_path: n.path,
      node_name: n.name,
      topic_id: topicId,
      vote_id: input.voteId ?? null,
      meeting_id: input.meetingId ?? null,
      assignee: input.assignee.trim(),
      due_date: input.dueDate,
      status: 'in_progress',
      progress: 0,
      overdue: false,
      created_by: actor.userId,
      created_at: now,
      updated_at: now,
      completed_at: null,
    };
    if (!row.title || !row.content || !row.assignee) throw invalid('决议名称、内容和责任方不能为空');
    await repo.insertResolution(trx, row);
    await repo.insertSteps(trx, steps.map((title, i) => ({ id: newId(), resolution_id: id, seq: i + 1, title, done_at: null })));
    await ctx.jobs.enqueue(trx, JOB_RESOLUTION_DUE, { resolutionId: id }, { runAt: endOfLocalDate(input.dueDate), uniqueKey: `${JOB_RESOLUTION_DUE}:${id}` });
    await audit(trx, ctx.clock, actor, { action: 'deliberation.resolution.create', entity: 'deliberation_resolution', entityId: id, after: { title: row.title, assignee: row.assignee, dueDate: row.due_date, steps, topicId, voteId: row.vote_id, meetingId: row.meeting_id } });
  });
  return getResolution(ctx, actor, id);
}

/**
 * A progress report (进展) with photos; it may complete one of the steps. `completed` closes the
 * resolution and its topic (all steps must be done by then).
 */
export async function reportProgress(ctx: AppContext, actor: Actor, id: string, input: { note: string; progress: number; completed?: boolean; stepId?: string; photos?: string[] }) {
  const v = await viewerOf(ctx, actor);
  if (!input.note.trim()) throw invalid('请填写进展说明', [{ field: 'note', message: '为必填项' }]);
  const photos = [...new Set(input.photos ?? [])];
  if (photos.length > MAX_PHOTOS) throw invalid(`最多上传 ${MAX_PHOTOS} 张照片`, [{ field: 'photos', message: `最多 ${MAX_PHOTOS} 张` }]);
  await withTx(ctx, async (trx) => {
    const r = await visibleResolution(v, trx, id, true);
    assertManage(actor, r.node_path);
    if (r.status === 'completed') throw conflict('决议已办结');
    const now = ctx.clock.now();
    const done = Boolean(input.completed);
    const progress = done ? 100 : input.progress;
    if (!done && progress >= 100) throw invalid('进度 100% 请选择「办结」', [{ field: 'progress', message: '须小于 100，或标记办结' }]);
    const steps = await repo.steps(trx, id);
    const step = input.stepId ? steps.find((s) => s.id === input.stepId) : undefined;
    if (input.stepId && !step) throw invalid('落实步骤不存在', [{ field: 'stepId', message: '不是本决议的步骤' }]);
    if (step?.done_at) throw conflict(`步骤「${step.title}」已完成`);
    if (step) await repo.markStepDone(trx, step.id, now);
    const open = steps.filter((s) => !s.done_at && s.id !== step?.id);
    if (done && open.length) throw conflict(`还有步骤未完成：${open.map((s) => s.title).join('、')}`);
    const updateId = newId();
    await repo.insertResolutionUpdate(trx, { id: updateId, resolution_id: id, note: input.note.trim(), progress, by_user_id: actor.userId, by_name: actor.displayName, at: now, photos, step_id: step?.id ?? null });
    if (photos.length) await attachFiles(trx, actor, photos, 'deliberation_resolution', id);
    await repo.updateResolution(trx, id, { progress, updated_at: now, ...(done ? { status: 'completed', completed_at: now } : {}) });
    if (done) {
      await ctx.jobs.cancel(trx, `${JOB_RESOLUTION_DUE}:${id}`);
      if (r.topic_id) {
        const t = await repo.topicById(trx, r.topic_id, true);
        if (t?.status === 'resolved') await repo.updateTopic(trx, t.id, { status: 'completed', updated_at: now });
      }
    }
    await audit(trx, ctx.clock, actor, { action: done ? 'deliberation.resolution.complete' : 'deliberation.resolution.progress', entity: 'deliberation_resolution', entityId: id, before: { progress: r.progress, status: r.status }, after: { progress, status: done ? 'completed' : r.status, step: step?.title ?? null, photos: photos.length } });
  });
  return getResolution(ctx, actor, id);
}

/** Who may see a resolution's photos: whoever sees the resolution. */
export async function canSeeResolution(ctx: AppContext, actor: Actor, id: string): Promise<boolean> {
  const r = await repo.resolutionById(ctx.db, id);
  if (!r) return false;
  try {
    assertSees(await viewerOf(ctx, actor), r.node_path);
    return true;
  } catch {
    return false;
  }
}

/** Job: at the end of the due date a resolution not yet completed is marked overdue. */
export async function markOverdue(ctx: AppContext, trx: Tx, id: string, actor: Actor): Promise<void> {
  const r = await repo.resolutionById(trx, id, true);
  if (!r || r.status !== 'in_progress' || r.overdue) return;
  await repo.updateResolution(trx, id, { overdue: true, updated_at: ctx.clock.now() });
  await audit(trx, ctx.clock, actor, { action: 'deliberation.resolution.overdue', entity: 'deliberation_resolution', entityId: id, before: { overdue: false }, after: { overdue: true, dueDate: r.due_date } });
}
