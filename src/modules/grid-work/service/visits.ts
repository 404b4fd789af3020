import type { AppContext } from '../../../platform/context.js';
import { withTx } from '../../../platform/context.js';
import type { Tx } from '../../../platform/db/database.js';
import type { Actor } from '../../../platform/auth/actor.js';
import { systemActor } from '../../../platform/auth/actor.js';
import { requirePermission } from '../../../platform/auth/permissions.js';
import { audit } from '../../../platform/audit/audit.js';
import { attachFiles, fileViews, MAX_PHOTOS, type FileView } from '../../../platform/files/index.js';
import { notifyUsers } from '../../../platform/notify/index.js';
import { invalid, notFound } from '../../../platform/errors.js';
import { newId } from '../../../platform/ids.js';
import { getResident, RESIDENT_TAGS } from '../../org/index.js';
import { assertRowInScope } from '../../../platform/auth/scope.js';
import { teamRepo, visitRepo, type PathScope } from '../repository.js';
import { filterNode, iso, pathScopeOf } from './common.js';

export const VISIT_KINDS = ['home', 'phone', 'other'] as const;
const KIND_NAMES = { home: '入户走访', phone: '电话回访', other: '其他' } as const;
export const VISIT_SCAN_JOB = 'grid-work.visits.scan';
const DAY = 86_400_000;

export interface VisitRuleView {
  id: string;
  tag: string;
  intervalDays: number;
  active: boolean;
  updatedAt: string;
}

export async function listVisitRules(ctx: AppContext, actor: Actor): Promise<VisitRuleView[]> {
  requirePermission(actor, 'gridwork.read');
  return (await visitRepo.rules(ctx.db)).map((r) => ({ id: r.id, tag: r.tag, intervalDays: r.interval_days, active: r.active, updatedAt: new Date(r.updated_at).toISOString() }));
}

/** Sets the rule for a tag: residents carrying it are visited at least every `intervalDays` days. */
export async function setVisitRule(ctx: AppContext, actor: Actor, tag: string, input: { intervalDays: number; active?: boolean }): Promise<VisitRuleView> {
  requirePermission(actor, 'gridwork.rules.write');
  if (!(RESIDENT_TAGS as readonly string[]).includes(tag)) throw invalid(`未知标签 ${tag}`, [{ field: 'tag', message: `须为 ${RESIDENT_TAGS.join('、')} 之一` }]);
  if (!Number.isInteger(input.intervalDays) || input.intervalDays < 1 || input.intervalDays > 366) throw invalid('提交的数据有误', [{ field: 'intervalDays', message: '须为 1–366 的整数' }]);
  const now = ctx.clock.now();
  return withTx(ctx, async (trx) => {
    const before = await trx.selectFrom('visit_rules').selectAll().where('tag', '=', tag).executeTakeFirst();
    const row = { id: before?.id ?? newId(), tag, interval_days: input.intervalDays, active: input.active ?? true, updated_by: actor.userId, updated_at: now };
    await trx
      .insertInto('visit_rules')
      .values(row)
      .onConflict((oc) => oc.column('tag').doUpdateSet({ interval_days: row.interval_days, active: row.active, updated_by: row.updated_by, updated_at: now }))
      .execute();
    await audit(trx, ctx.clock, actor, { action: 'visit.rule.set', entity: 'visit_rule', entityId: row.id, before: before ? { intervalDays: before.interval_days, active: before.active } : null, after: { tag, intervalDays: row.interval_days, active: row.active } });
    return { id: row.id, tag, intervalDays: row.interval_days, active: row.active, updatedAt: now.toISOString() };
  });
}

export interface VisitView {
  id: string;
  residentId: string;
  residentName?: string;
  residentTags?: string[];
  householdId: string | null;
  visitorId: string | null;
  visitorName: string;
  visitedAt: string;
  kind: string;
  kindName: string;
  notes: string | null;
  needs: string | null;
  photos: FileView[];
  patrolId: string | null;
  created?: boolean;
}

type VisitRow = NonNullable<Awaited<ReturnType<typeof visitRepo.byId>>> & { resident_name?: string; resident_tags?: string[] };
async function viewVisit(ctx: AppContext, v: VisitRow): Promise<VisitView> {
  return {
    id: v.id,
    residentId: v.resident_id,
    ...(v.resident_name !== undefined ? { residentName: v.resident_name, residentTags: v.resident_tags } : {}),
    householdId: v.household_id,
    visitorId: v.visitor_id,
    visitorName: v.visitor_name,
    visitedAt: new Date(v.visited_at).toISOString(),
    kind: v.kind,
    kindName: KIND_NAMES[v.kind],
    notes: v.notes,
    needs: v.needs,
    photos: await fileViews(ctx.db, v.photos),
    patrolId: v.patrol_id,
  };
}

/**
 * Records a visit. Idempotent by the client's key: a visit queued offline and sent twice is kept
 * once. The resident's open overdue flag is cleared.
 */
export async function recordVisit(
  ctx: AppContext,
  actor: Actor,
  input: { residentId: string; visitedAt?: string | null; kind?: (typeof VISIT_KINDS)[number]; notes?: string | null; needs?: string | null; photos?: string[]; patrolId?: string | null; idempotencyKey?: string | null },
): Promise<VisitView> {
  requirePermission(actor, 'gridwork.visit');
  const key = input.idempotencyKey ? `${actor.userId ?? actor.username}:${input.idempotencyKey}` : null;
  if (key) {
    const v = await visitRepo.byIdemKey(ctx.db, key);
    if (v) return { ...(await viewVisit(ctx, v)), created: false };
  }
  const r = await getResident(ctx, actor, input.residentId); // 404 outside scope
  const now = ctx.clock.now();
  let at = now;
  if (input.visitedAt) {
    at = new Date(input.visitedAt);
    if (Number.isNaN(at.getTime())) throw invalid('提交的数据有误', [{ field: 'visitedAt', message: '须为 ISO 时间' }]);
    // queued offline: the visit's own time, but never in the future
    if (at.getTime() > now.getTime() + 5 * 60_000) throw invalid('走访时间不能晚于当前时间', [{ field: 'visitedAt', message: '不能晚于当前时间' }]);
    if (at.getTime() < now.getTime() - 90 * DAY) throw invalid('走访时间过早', [{ field: 'visitedAt', message: '只能补录 90 天内的走访' }]);
  }
  if ((input.photos?.length ?? 0) > MAX_PHOTOS) throw invalid('提交的数据有误', [{ field: 'photos', message: `最多 ${MAX_PHOTOS} 张` }]);
  if (input.patrolId) {
    const p = await ctx.db.selectFrom('patrols').select(['id', 'user_id']).where('id', '=', input.patrolId).executeTakeFirst();
    if (!p || p.user_id !== actor.userId) throw invalid('巡查记录不存在', [{ field: 'patrolId', message: '须为本人的巡查' }]);
  }
  const row = {
    id: newId(),
    resident_id: r.id,
    household_id: r.householdId,
    node_path: r.nodePath,
    visitor_id: actor.userId,
    visitor_name: actor.displayName,
    visited_at: at,
    kind: input.kind ?? 'home',
    notes: input.notes?.trim() || null,
    needs: input.needs?.trim() || null,
    photos: [...new Set(input.photos ?? [])],
    patrol_id: input.patrolId ?? null,
    idem_key: key,
    created_at: now,
  };
  try {
    await withTx(ctx, async (trx) => {
      await trx.insertInto('visits').values(row).execute();
      if (row.photos.length) await attachFiles(trx, actor, row.photos, 'visit', row.id);
      const cleared = await trx.updateTable('visit_flags').set({ cleared_at: now, cleared_by_visit: row.id }).where('resident_id', '=', r.id).where('cleared_at', 'is', null).returning('id').execute();
      await audit(trx, ctx.clock, actor, { action: 'visit.record', entity: 'visit', entityId: row.id, after: { residentId: r.id, kind: row.kind, visitedAt: at.toISOString(), photos: row.photos.length, clearedFlags: cleared.length } });
    });
  } catch (err) {
    if ((err as { code?: string }).code === '23505' && key) {
      const v = await visitRepo.byIdemKey(ctx.db, key);
      if (v) return { ...(await viewVisit(ctx, v)), created: false };
    }
    throw err;
  }
  return { ...(await viewVisit(ctx, row)), created: true };
}

export async function listVisits(ctx: AppContext, actor: Actor, q: { nodeId?: string; residentId?: string; mine?: boolean; from?: string; to?: string; page: number; pageSize: number }) {
  requirePermission(actor, 'gridwork.read');
  const n = await filterNode(ctx.db, actor, q.nodeId);
  const { rows, total } = await visitRepo.list(ctx.db, pathScopeOf(actor), {
    under: n?.path,
    residentId: q.residentId,
    visitorId: q.mine ? (actor.userId ?? '00000000-0000-0000-0000-000000000000') : undefined,
    from: q.from ? new Date(q.from) : undefined,
    to: q.to ? new Date(q.to) : undefined,
    limit: q.pageSize,
    offset: (q.page - 1) * q.pageSize,
  });
  return { items: await Promise.all(rows.map((r) => viewVisit(ctx, r))), total, page: q.page, pageSize: q.pageSize };
}

export async function getVisit(ctx: AppContext, actor: Actor, id: string): Promise<VisitView> {
  requirePermission(actor, 'gridwork.read');
  const v = await visitRepo.byId(ctx.db, id);
  if (!v) throw notFound('走访记录不存在');
  assertRowInScope(actor, v.node_path);
  return viewVisit(ctx, v);
}

export interface PlannedVisit {
  residentId: string;
  name: string;
  nodePath: string;
  householdId: string | null;
  tags: string[];
  /** the tag whose rule sets the shortest interval */
  ruleTag: string;
  intervalDays: number;
  lastVisitAt: string | null;
  dueAt: string;
  overdue: boolean;
  daysOverdue: number;
  /** an open flag written by the daily scan */
  flagged: boolean;
  responsible: string | null;
}

/** Whom the rules say to visit, when each is due, and who is overdue (computed now from the rules and the visits). */
export async function computePlan(ctx: AppContext, db: AppContext['db'] | Tx, s: PathScope, under?: string): Promise<Array<Omit<PlannedVisit, 'flagged' | 'responsible'>>> {
  const rules = (await visitRepo.rules(db)).filter((r) => r.active);
  if (!rules.length) return [];
  const byTag = new Map(rules.map((r) => [r.tag, r.interval_days]));
  const rows = await visitRepo.dueCandidates(db, s, [...byTag.keys()], under);
  const now = ctx.clock.now().getTime();
  return rows.map((r) => {
    let ruleTag = '';
    let interval = Infinity;
    for (const t of r.tags) {
      const d = byTag.get(t);
      if (d !== undefined && d < interval) {
        interval = d;
        ruleTag = t;
      }
    }
    // never visited: the interval counts from registration
    const base = r.last_at ? new Date(r.last_at).getTime() : new Date(r.created_at).getTime();
    const due = base + interval * DAY;
    return {
      residentId: r.id,
      name: r.name,
      nodePath: r.node_path,
      householdId: r.household_id,
      tags: r.tags,
      ruleTag,
      intervalDays: interval,
      lastVisitAt: iso(r.last_at),
      dueAt: new Date(due).toISOString(),
      overdue: due < now,
      daysOverdue: due < now ? Math.floor((now - due) / DAY) : 0,
    };
  });
}

export async function visitPlan(ctx: AppContext, actor: Actor, q: { nodeId?: string; overdue?: boolean; page: number; pageSize: number }) {
  requirePermission(actor, 'gridwork.read');
  const n = await filterNode(ctx.db, actor, q.nodeId);
  const s = pathScopeOf(actor);
  let plan = await computePlan(ctx, ctx.db, s, n?.path);
  if (q.overdue) plan = plan.filter((p) => p.overdue);
  plan.sort((a, b) => a.dueAt.localeCompare(b.dueAt));
  const flags = new Set((await visitRepo.openFlags(ctx.db, s, n?.path)).map((f) => f.resident_id));
  const pageRows = plan.slice((q.page - 1) * q.pageSize, q.page * q.pageSize);
  const hh = [...new Set(pageRows.map((p) => p.householdId).filter((x): x is string => !!x))];
  const assigns = new Map((await teamRepo.assignmentsOfHouseholds(ctx.db, hh)).map((a) => [a.household_id, a.name]));
  return {
    items: pageRows.map((p) => ({ ...p, flagged: flags.has(p.residentId), responsible: p.householdId ? (assigns.get(p.householdId) ?? null) : null })),
    total: plan.length,
    overdueTotal: plan.filter((p) => p.overdue).length,
    page: q.page,
    pageSize: q.pageSize,
  };
}

/** Open overdue flags in scope (what the daily scan raised and no visit has cleared yet). */
export async function overdueFlags(ctx: AppContext, actor: Actor, q: { nodeId?: string }) {
  requirePermission(actor, 'gridwork.read');
  const n = await filterNode(ctx.db, actor, q.nodeId);
  const rows = await visitRepo.openFlags(ctx.db, pathScopeOf(actor), n?.path);
  return rows.map((f) => ({ id: f.id, residentId: f.resident_id, tag: f.tag, nodePath: f.node_path, dueAt: new Date(f.due_at).toISOString(), flaggedAt: new Date(f.flagged_at).toISOString() }));
}

/** Next 00:30 Asia/Shanghai after `d`. */
export function nextScanAt(d: Date): Date {
  const local = new Date(d.getTime() + 8 * 3_600_000);
  const t = Date.UTC(local.getUTCFullYear(), local.getUTCMonth(), local.getUTCDate() + 1, 0, 30) - 8 * 3_600_000;
  return new Date(t);
}

export async function scheduleVisitScan(ctx: AppContext, db: AppContext['db'] | Tx, after: Date): Promise<void> {
  const at = nextScanAt(after);
  await ctx.jobs.enqueue(db, VISIT_SCAN_JOB, {}, { runAt: at, uniqueKey: `${VISIT_SCAN_JOB}:${at.toISOString()}` });
}

/**
 * The daily scan: flags every resident whose rule says a visit is overdue, clears flags that no
 * longer apply (rule changed, tag removed, moved out), tells the responsible team member, and
 * schedules the next scan.
 */
export async function runVisitScan(ctx: AppContext, trx: Tx): Promise<{ flagged: number; cleared: number }> {
  const now = ctx.clock.now();
  const plan = await computePlan(ctx, trx, { kind: 'all' });
  const overdue = plan.filter((p) => p.overdue);
  const open = await visitRepo.openFlags(trx, { kind: 'all' });
  const openBy = new Set(open.map((f) => f.resident_id));
  const overdueIds = new Set(overdue.map((p) => p.residentId));
  const fresh = overdue.filter((p) => !openBy.has(p.residentId));
  const stale = open.filter((f) => !overdueIds.has(f.resident_id));
  if (fresh.length) {
    for (let i = 0; i < fresh.length; i += 500)
      await trx
        .insertInto('visit_flags')
        .values(fresh.slice(i, i + 500).map((p) => ({ id: newId(), resident_id: p.residentId, node_path: p.nodePath, tag: p.ruleTag, due_at: new Date(p.dueAt), flagged_at: now, cleared_at: null, cleared_by_visit: null })))
        .execute();
  }
  if (stale.length)
    await trx
      .updateTable('visit_flags')
      .set({ cleared_at: now })
      .where(
        'id',
        'in',
        stale.map((f) => f.id),
      )
      .execute();
  // tell each responsible team member how many of their households are overdue
  const hh = [...new Set(fresh.map((p) => p.householdId).filter((x): x is string => !!x))];
  const assigns = await teamRepo.assignmentsOfHouseholds(trx, hh);
  const perUser = new Map<string, number>();
  for (const p of fresh) {
    const a = assigns.find((x) => x.household_id === p.householdId);
    if (a?.user_id) perUser.set(a.user_id, (perUser.get(a.user_id) ?? 0) + 1);
  }
  for (const [userId, n] of perUser) await notifyUsers(ctx, trx, [userId], { kind: 'visit.overdue', title: `${n} 位居民走访已逾期`, body: '请尽快安排入户走访', link: '/grid-work/visits?overdue=1', data: { count: n } });
  if (fresh.length || stale.length) await audit(trx, ctx.clock, systemActor(), { action: 'visit.scan', entity: 'visit_flag', after: { flagged: fresh.length, cleared: stale.length } });
  await scheduleVisitScan(ctx, trx, now);
  return { flagged: fresh.length, cleared: stale.length };
}
