import type { Selectable } from 'kysely';
import type { AppContext } from '../context.js';
import { withTx } from '../context.js';
import type { Executor } from '../db/database.js';
import type { Json, Timestamp } from '../db/schema.js';
import type { Actor } from '../auth/actor.js';
import { requirePermission } from '../auth/permissions.js';
import { audit } from '../audit/audit.js';
import { invalid, notFound } from '../errors.js';
import { formatHm, parseHm, type CalendarSpec } from './calendar.js';

export interface CalendarSettingsTable {
  id: number;
  utc_offset_minutes: number;
  workdays: number[];
  periods: Json<string[][]>;
  updated_at: Timestamp;
  updated_by: string | null;
}
export interface CalendarDaysTable {
  day: string;
  kind: 'holiday' | 'workday';
  note: string;
  updated_at: Timestamp;
}

declare module '../db/schema.js' {
  interface DB {
    calendar_settings: CalendarSettingsTable;
    calendar_days: CalendarDaysTable;
  }
}

export interface CalendarView {
  timezone: string;
  utcOffsetMinutes: number;
  workdays: number[];
  periods: Array<{ start: string; end: string }>;
  days: Array<{ date: string; kind: 'holiday' | 'workday'; note: string }>;
}

/** Calendars change rarely: each instance keeps one for a few seconds (other instances catch up). */
const cache = new WeakMap<AppContext, { at: number; spec: CalendarSpec }>();
const CACHE_MS = 5000;

function toSpec(s: Selectable<CalendarSettingsTable>, days: Array<Selectable<CalendarDaysTable>>): CalendarSpec {
  return {
    utcOffsetMinutes: s.utc_offset_minutes,
    workdays: s.workdays.map(Number),
    periods: (s.periods as string[][]).map(([a, b]) => [parseHm(a!), parseHm(b!)] as [number, number]),
    days: new Map(days.map((d) => [d.day, d.kind])),
  };
}

/**
 * The working calendar. Pass the transaction when calling from inside one (job handlers): on the
 * embedded database a second connection is not available while a transaction is open.
 */
export async function loadCalendar(ctx: AppContext, db: Executor = ctx.db): Promise<CalendarSpec> {
  const c = cache.get(ctx);
  if (c && Date.now() - c.at < CACHE_MS) return c.spec;
  const s = await db.selectFrom('calendar_settings').selectAll().where('id', '=', 1).executeTakeFirstOrThrow();
  const days = await db.selectFrom('calendar_days').selectAll().execute();
  const spec = toSpec(s, days);
  cache.set(ctx, { at: Date.now(), spec });
  return spec;
}

export function invalidateCalendar(ctx: AppContext): void {
  cache.delete(ctx);
}

export async function getCalendar(ctx: AppContext, range?: { from?: string; to?: string }): Promise<CalendarView> {
  const s = await ctx.db.selectFrom('calendar_settings').selectAll().where('id', '=', 1).executeTakeFirstOrThrow();
  let q = ctx.db.selectFrom('calendar_days').selectAll().orderBy('day');
  if (range?.from) q = q.where('day', '>=', range.from);
  if (range?.to) q = q.where('day', '<=', range.to);
  const days = await q.execute();
  return {
    timezone: s.utc_offset_minutes === 480 ? 'Asia/Shanghai' : `UTC${s.utc_offset_minutes >= 0 ? '+' : '-'}${formatHm(Math.abs(s.utc_offset_minutes))}`,
    utcOffsetMinutes: s.utc_offset_minutes,
    workdays: s.workdays.map(Number),
    periods: (s.periods as string[][]).map(([a, b]) => ({ start: a!, end: b! })),
    days: days.map((d) => ({ date: d.day, kind: d.kind, note: d.note })),
  };
}

export async function updateCalendar(ctx: AppContext, actor: Actor, input: { workdays: number[]; periods: Array<{ start: string; end: string }> }): Promise<CalendarView> {
  requirePermission(actor, 'calendar.write');
  const workdays = [...new Set(input.workdays)].sort();
  if (workdays.some((d) => !Number.isInteger(d) || d < 1 || d > 7)) throw invalid('工作日须为 1（周一）到 7（周日）', [{ field: 'workdays', message: '须为 1–7' }]);
  let mins: Array<[number, number]>;
  try {
    mins = input.periods.map((p) => [parseHm(p.start), parseHm(p.end)]);
  } catch {
    throw invalid('工作时段格式须为 HH:MM', [{ field: 'periods', message: '格式须为 HH:MM' }]);
  }
  mins.sort((a, b) => a[0] - b[0]);
  if (mins.length === 0) throw invalid('至少需要一个工作时段', [{ field: 'periods', message: '不能为空' }]);
  for (let i = 0; i < mins.length; i++) {
    if (mins[i]![1] <= mins[i]![0]) throw invalid('工作时段的结束须晚于开始', [{ field: `periods.${i}`, message: '结束须晚于开始' }]);
    if (i > 0 && mins[i]![0] < mins[i - 1]![1]) throw invalid('工作时段不能重叠', [{ field: `periods.${i}`, message: '与上一时段重叠' }]);
  }
  if (workdays.length === 0) throw invalid('至少需要一个工作日', [{ field: 'workdays', message: '不能为空' }]);
  await withTx(ctx, async (trx) => {
    const before = await trx.selectFrom('calendar_settings').selectAll().where('id', '=', 1).executeTakeFirstOrThrow();
    const periods = mins.map(([a, b]) => [formatHm(a), formatHm(b)]);
    await trx.updateTable('calendar_settings').set({ workdays, periods: JSON.stringify(periods), updated_at: ctx.clock.now(), updated_by: actor.userId }).where('id', '=', 1).execute();
    await audit(trx, ctx.clock, actor, { action: 'calendar.update', entity: 'calendar', entityId: '1', before: { workdays: before.workdays, periods: before.periods }, after: { workdays, periods } });
  });
  invalidateCalendar(ctx);
  return getCalendar(ctx);
}

export async function setCalendarDay(ctx: AppContext, actor: Actor, date: string, input: { kind: 'holiday' | 'workday'; note?: string }): Promise<CalendarView['days'][number]> {
  requirePermission(actor, 'calendar.write');
  if (!/^\d{4}-\d{2}-\d{2}$/.test(date) || Number.isNaN(Date.parse(date + 'T00:00:00Z'))) throw invalid('日期格式须为 YYYY-MM-DD', [{ field: 'date', message: '格式须为 YYYY-MM-DD' }]);
  const note = input.note ?? '';
  await withTx(ctx, async (trx) => {
    const before = await trx.selectFrom('calendar_days').selectAll().where('day', '=', date).executeTakeFirst();
    await trx
      .insertInto('calendar_days')
      .values({ day: date, kind: input.kind, note, updated_at: ctx.clock.now() })
      .onConflict((oc) => oc.column('day').doUpdateSet({ kind: input.kind, note, updated_at: ctx.clock.now() }))
      .execute();
    await audit(trx, ctx.clock, actor, { action: 'calendar.day.set', entity: 'calendar_day', entityId: date, before: before ? { kind: before.kind, note: before.note } : null, after: { kind: input.kind, note } });
  });
  invalidateCalendar(ctx);
  return { date, kind: input.kind, note };
}

export async function deleteCalendarDay(ctx: AppContext, actor: Actor, date: string): Promise<void> {
  requirePermission(actor, 'calendar.write');
  await withTx(ctx, async (trx) => {
    const before = await trx.selectFrom('calendar_days').selectAll().where('day', '=', date).executeTakeFirst();
    if (!before) throw notFound('该日期没有特别设置');
    await trx.deleteFrom('calendar_days').where('day', '=', date).execute();
    await audit(trx, ctx.clock, actor, { action: 'calendar.day.delete', entity: 'calendar_day', entityId: date, before: { kind: before.kind, note: before.note } });
  });
  invalidateCalendar(ctx);
}
