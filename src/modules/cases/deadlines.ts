import type { AppContext } from '../../platform/context.js';
import type { Tx } from '../../platform/db/database.js';
import type { JobSpec } from '../../platform/jobs/queue.js';
import { addTime, timeBetween, type CalendarSpec, type ClockMode } from '../../platform/calendar/index.js';
import type { Category } from '../dispatch/index.js';
import type { Priority } from './repository.js';

/**
 * Which clock a case's time limit runs on. Emergencies and limits of two hours or less (illegal
 * parking, street vending, night noise, public security, burst mains) cannot wait for office hours:
 * they run round the clock. Everything else runs on the working calendar.
 */
export function clockModeFor(cat: Pick<Category, 'priority' | 'limitHours'> | null, priority: Priority): ClockMode {
  if (priority === 'urgent') return '24h';
  if (cat && (cat.priority === 'urgent' || cat.limitHours <= 2)) return '24h';
  return 'working';
}

/** Warnings go out at this share of the time limit. */
export const WARN_SHARE = 0.8;
/** Acceptance (签收) is due within a quarter of the limit, at most two hours, on the same clock. */
export const ACCEPT_SHARE = 0.25;
export const ACCEPT_MAX_MS = 2 * 3_600_000;

export interface Deadlines {
  acceptDueAt: Date;
  warnAt: Date;
  deadlineAt: Date;
}

/** Due times from the clock start, the limit (with approved extensions) and the time spent suspended. */
export function computeDeadlines(cal: CalendarSpec, mode: ClockMode, start: Date, limitMinutes: number, suspendedMs = 0): Deadlines {
  const limitMs = limitMinutes * 60_000;
  return {
    acceptDueAt: addTime(cal, mode, start, Math.min(limitMs * ACCEPT_SHARE, ACCEPT_MAX_MS)),
    warnAt: addTime(cal, mode, start, Math.round(limitMs * WARN_SHARE) + suspendedMs),
    deadlineAt: addTime(cal, mode, start, limitMs + suspendedMs),
  };
}

export { timeBetween };

export const WARN_JOB = 'cases.deadline.warn';
export const OVERDUE_JOB = 'cases.deadline.overdue';

/** Job keys: `case:<id>:warn` and `case:<id>:overdue` for the first clock, suffixed by generation after a change. */
export function jobKeys(caseId: string, gen: number): { warn: string; overdue: string } {
  const sfx = gen <= 1 ? '' : `:${gen}`;
  return { warn: `case:${caseId}:warn${sfx}`, overdue: `case:${caseId}:overdue${sfx}` };
}

/** Enqueues the warning and overdue jobs of a (new) deadline generation. Old generations are ignored by the handlers. */
export async function scheduleDeadlineJobs(ctx: AppContext, trx: Tx, caseId: string, gen: number, d: Deadlines): Promise<void> {
  await ctx.jobs.enqueueMany(trx, deadlineJobs(caseId, gen, d));
}

/** A case's two reminders (the warning, the overdue mark) for one generation of its deadlines. */
export function deadlineJobs(caseId: string, gen: number, d: Deadlines): JobSpec[] {
  const k = jobKeys(caseId, gen);
  return [
    { kind: WARN_JOB, payload: { caseId, gen }, opts: { runAt: d.warnAt, uniqueKey: k.warn } },
    { kind: OVERDUE_JOB, payload: { caseId, gen }, opts: { runAt: d.deadlineAt, uniqueKey: k.overdue } },
  ];
}

/** Cancels a case's pending reminders (it was resolved, suspended or closed). */
export async function cancelDeadlineJobs(ctx: AppContext, trx: Tx, caseId: string): Promise<void> {
  await ctx.jobs.cancel(trx, `case:${caseId}:`);
}
