/**
 * Care-plan visits: the plan's `visitsPerMonth` is counted against the visits recorded for the person
 * this month (Asia/Shanghai calendar month). Carers and staff record visits here; when the visitor may
 * record grid-work visits for the resident (grid workers and staff in scope), the visit goes into
 * grid-work's register too (its `recordVisit`), and care keeps the link.
 */
import { sql } from 'kysely';
import type { AppContext } from '../../platform/context.js';
import { withTx } from '../../platform/context.js';
import type { Executor, Tx } from '../../platform/db/database.js';
import type { Actor } from '../../platform/auth/actor.js';
import { systemActor } from '../../platform/auth/actor.js';
import { notifyUsers } from '../../platform/notify/index.js';
import { can } from '../../platform/auth/permissions.js';
import { scopeCoversPath } from '../../platform/auth/scope.js';
import { audit } from '../../platform/audit/audit.js';
import { forbidden, invalid, notFound } from '../../platform/errors.js';
import { newId } from '../../platform/ids.js';
import { recordVisit } from '../grid-work/index.js';
import { careRepo, type PersonRow } from './repository.js';

const HOUR = 3_600_000;
const DAY = 24 * HOUR;
export const CARE_VISIT_KINDS = ['home', 'phone', 'other'] as const;
const KIND_NAMES = { home: '入户探访', phone: '电话问候', other: '其他' } as const;

/** The Asia/Shanghai calendar month containing `d`: its label and [start, end) instants. */
export function monthOf(d: Date): { month: string; start: Date; end: Date } {
  const local = new Date(d.getTime() + 8 * HOUR);
  const y = local.getUTCFullYear();
  const m = local.getUTCMonth();
  return { month: `${y}-${String(m + 1).padStart(2, '0')}`, start: new Date(Date.UTC(y, m, 1) - 8 * HOUR), end: new Date(Date.UTC(y, m + 1, 1) - 8 * HOUR) };
}

export interface VisitMonthView {
  month: string;
  done: number;
  /** the care plan's visits per month; null when the plan sets none */
  planned: number | null;
  belowPlan: boolean;
}

export function plannedVisits(plan: unknown): number | null {
  const v = plan && typeof plan === 'object' ? (plan as Record<string, unknown>).visitsPerMonth : undefined;
  return typeof v === 'number' && Number.isInteger(v) && v > 0 ? v : null;
}

/** Visits this month vs the plan, for each of the given persons. */
export async function visitMonth(db: Executor, persons: PersonRow[], now: Date): Promise<Map<string, VisitMonthView>> {
  const { month, start, end } = monthOf(now);
  const counts = new Map<string, number>();
  if (persons.length) {
    const rows = await db
      .selectFrom('care_visits')
      .select(['person_id', (eb) => eb.fn.countAll<number>().as('n')])
      .where('person_id', 'in', persons.map((p) => p.id))
      .where('visited_at', '>=', start)
      .where('visited_at', '<', end)
      .groupBy('person_id')
      .execute();
    for (const r of rows) counts.set(r.person_id, Number(r.n));
  }
  return new Map(
    persons.map((p) => {
      const planned = plannedVisits(p.care_plan);
      const done = counts.get(p.id) ?? 0;
      return [p.id, { month, done, planned, belowPlan: planned !== null && done < planned }];
    }),
  );
}

/** SQL condition for the roster filter "below plan this month" (care_persons in the FROM clause). */
export function belowPlanSql(now: Date) {
  const { start, end } = monthOf(now);
  return sql<boolean>`coalesce((care_persons.care_plan->>'visitsPerMonth')::int, 0) > (select count(*) from care_visits v where v.person_id = care_persons.id and v.visited_at >= ${start} and v.visited_at < ${end})`;
}

async function personForVisits(ctx: AppContext, actor: Actor, id: string): Promise<{ p: PersonRow; carer: boolean; staff: boolean }> {
  const p = await careRepo.personById(ctx.db, id);
  const carer = p ? await careRepo.isCarer(ctx.db, p.id, actor.userId) : false;
  const staff = !!p && can(actor, 'care.read') && scopeCoversPath(actor, p.node_path);
  if (!p || (!carer && !staff)) throw notFound('关爱对象不存在或无权查看');
  return { p, carer, staff };
}

export interface CareVisitView {
  id: string;
  personId: string;
  visitId: string | null;
  visitorName: string;
  kind: (typeof CARE_VISIT_KINDS)[number];
  kindName: string;
  visitedAt: string;
  note: string | null;
}

/**
 * Records a visit to a person: by one of their carers or by staff with `care.write` in scope. When the
 * visitor may record grid-work visits for this resident, the visit is recorded there as well (one
 * register for the grid), idempotent per care visit.
 */
export async function recordCareVisit(
  ctx: AppContext,
  actor: Actor,
  personId: string,
  input: { kind?: (typeof CARE_VISIT_KINDS)[number]; visitedAt?: string | null; note?: string | null },
): Promise<CareVisitView & { month: VisitMonthView }> {
  const { p, carer } = await personForVisits(ctx, actor, personId);
  const staffWrite = can(actor, 'care.write') && scopeCoversPath(actor, p.node_path);
  if (!carer && !staffWrite) throw forbidden('只有照护人或辖区工作人员可以登记探访');
  if (!p.active) throw invalid('该关爱对象已停用', [{ field: 'personId', message: '已停用' }]);
  const now = ctx.clock.now();
  let at = now;
  if (input.visitedAt) {
    at = new Date(input.visitedAt);
    if (Number.isNaN(at.getTime())) throw invalid('提交的数据有误', [{ field: 'visitedAt', message: '须为 ISO 时间' }]);
    if (at.getTime() > now.getTime() + 5 * 60_000) throw invalid('探访时间不能晚于当前时间', [{ field: 'visitedAt', message: '不能晚于当前时间' }]);
    if (at.getTime() < now.getTime() - 90 * DAY) throw invalid('探访时间过早', [{ field: 'visitedAt', message: '只能补录 90 天内的探访' }]);
  }
  const kind = input.kind ?? 'home';
  const note = input.note?.trim() || null;
  const id = newId();
  let visitId: string | null = null;
  if (can(actor, 'gridwork.visit') && scopeCoversPath(actor, p.node_path)) {
    // in grid-work's register too (its own transaction), keyed by this care visit
    const v = await recordVisit(ctx, actor, { residentId: p.resident_id, visitedAt: at.toISOString(), kind, notes: note ? `关爱探访：${note}` : '关爱探访', idempotencyKey: `care.visit:${id}` });
    visitId = v.id;
  }
  const row = { id, person_id: p.id, visit_id: visitId, visitor_id: actor.userId, visitor_name: actor.displayName, kind, visited_at: at, note, created_at: now };
  await withTx(ctx, async (trx) => {
    await trx.insertInto('care_visits').values(row).execute();
    await audit(trx, ctx.clock, actor, { action: 'care.visit.record', entity: 'care_person', entityId: p.id, after: { visitId: id, gridWorkVisitId: visitId, kind, visitedAt: at.toISOString() } });
  });
  const month = (await visitMonth(ctx.db, [p], now)).get(p.id)!;
  return { id, personId: p.id, visitId, visitorName: row.visitor_name, kind, kindName: KIND_NAMES[kind], visitedAt: at.toISOString(), note, month };
}

/** A person's visits (newest first) and this month against the plan: carers and staff in scope. */
export async function listCareVisits(ctx: AppContext, actor: Actor, personId: string, f: { limit: number }): Promise<{ month: VisitMonthView; items: CareVisitView[] }> {
  const { p } = await personForVisits(ctx, actor, personId);
  const rows = await ctx.db.selectFrom('care_visits').selectAll().where('person_id', '=', p.id).orderBy('visited_at', 'desc').orderBy('id', 'desc').limit(f.limit).execute();
  return {
    month: (await visitMonth(ctx.db, [p], ctx.clock.now())).get(p.id)!,
    items: rows.map((r) => ({ id: r.id, personId: r.person_id, visitId: r.visit_id, visitorName: r.visitor_name, kind: r.kind, kindName: KIND_NAMES[r.kind], visitedAt: new Date(r.visited_at).toISOString(), note: r.note })),
  };
}

/**
 * The monthly reminder (run by the monitor job): from `day` of the month (care settings
 * `visitRemindDay`; null = off), the carers of each active person below their plan's visits this
 * month get one inbox message (and configured channels), once per person and month.
 */
export async function remindBelowPlan(ctx: AppContext, trx: Tx, now: Date, day: number | null): Promise<number> {
  if (!day || new Date(now.getTime() + 8 * HOUR).getUTCDate() < day) return 0;
  const { month } = monthOf(now);
  const persons = await trx
    .selectFrom('care_persons')
    .selectAll()
    .where('active', '=', true)
    .where(belowPlanSql(now))
    .where((eb) => eb.or([eb('visit_reminded_month', 'is', null), eb('visit_reminded_month', '!=', month)]))
    .execute();
  if (!persons.length) return 0;
  const counts = await visitMonth(trx, persons, now);
  for (const p of persons) {
    const v = counts.get(p.id)!;
    const carers = (await careRepo.carersOf(trx, p.id)).map((c) => c.user_id);
    await notifyUsers(ctx, trx, carers, {
      kind: 'care.visits.below_plan',
      title: `【探访提醒】${p.name}：本月已探访 ${v.done} 次，照护计划 ${v.planned} 次`,
      body: '本月探访次数低于照护计划，请尽快安排上门或电话探访，并在系统中登记。',
      link: `/care/persons/${p.id}`,
      data: { personId: p.id, month, done: v.done, planned: v.planned },
    });
    await trx.updateTable('care_persons').set({ visit_reminded_month: month }).where('id', '=', p.id).execute();
  }
  await audit(trx, ctx.clock, systemActor(), { action: 'care.visits.remind', entity: 'care_person', entityId: null, after: { month, persons: persons.map((p) => p.id) } });
  return persons.length;
}
