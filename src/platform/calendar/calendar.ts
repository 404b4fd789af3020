/**
 * Working-calendar arithmetic (pure, no I/O). A calendar is a fixed UTC offset (Asia/Shanghai has
 * no daylight saving), the ISO weekdays that are working days, the working periods of a working
 * day in local time, and dated exceptions: holidays (a weekday off) and extra working days (调休).
 */
export interface CalendarSpec {
  utcOffsetMinutes: number;
  /** ISO weekdays 1 = Monday … 7 = Sunday */
  workdays: number[];
  /** local periods [start, end) as minutes after midnight, sorted, non-overlapping */
  periods: Array<[number, number]>;
  /** 'YYYY-MM-DD' → kind */
  days: Map<string, 'holiday' | 'workday'>;
}

export const DEFAULT_CALENDAR: CalendarSpec = {
  utcOffsetMinutes: 480,
  workdays: [1, 2, 3, 4, 5],
  periods: [
    [8 * 60 + 30, 12 * 60],
    [14 * 60, 17 * 60 + 30],
  ],
  days: new Map(),
};

const DAY_MS = 86_400_000;
const MIN_MS = 60_000;

/** 'HH:MM' → minutes after midnight; throws on a bad value. */
export function parseHm(s: string): number {
  const m = /^([01]\d|2[0-3]):([0-5]\d)$/.exec(s) ?? (s === '24:00' ? [s, '24', '00'] : null);
  if (!m) throw new Error(`bad time ${s}`);
  return Number(m[1]) * 60 + Number(m[2]);
}

export const formatHm = (m: number) => `${String(Math.floor(m / 60)).padStart(2, '0')}:${String(m % 60).padStart(2, '0')}`;

/** Local calendar date of an instant: 'YYYY-MM-DD'. */
export function localDate(t: Date | number, utcOffsetMinutes = 480): string {
  return new Date(+t + utcOffsetMinutes * MIN_MS).toISOString().slice(0, 10);
}

/** UTC ms of local midnight starting the local day that contains `t`. */
function localMidnight(t: number, off: number): number {
  const local = t + off * MIN_MS;
  return local - (((local % DAY_MS) + DAY_MS) % DAY_MS) - off * MIN_MS;
}

export function isWorkingDay(cal: CalendarSpec, midnightUtc: number): boolean {
  const date = localDate(midnightUtc, cal.utcOffsetMinutes);
  const ex = cal.days.get(date);
  if (ex) return ex === 'workday';
  const dow = new Date(midnightUtc + cal.utcOffsetMinutes * MIN_MS).getUTCDay() || 7;
  return cal.workdays.includes(dow);
}

/** The working intervals [start, end) in UTC ms of the local day beginning at `midnightUtc`. */
function dayIntervals(cal: CalendarSpec, midnightUtc: number): Array<[number, number]> {
  if (!isWorkingDay(cal, midnightUtc)) return [];
  return cal.periods.map(([a, b]) => [midnightUtc + a * MIN_MS, midnightUtc + b * MIN_MS]);
}

/** Guard: a calendar with no working time at all would loop forever. */
function assertHasWorkingTime(cal: CalendarSpec): void {
  const perDay = cal.periods.reduce((s, [a, b]) => s + Math.max(0, b - a), 0);
  const anyDay = cal.workdays.length > 0 || [...cal.days.values()].includes('workday');
  if (perDay <= 0 || !anyDay) throw new Error('calendar has no working time');
}

const MAX_DAYS = 3660;

/** The instant when `ms` of working time have elapsed after `start`. ms = 0 → the start itself. */
export function addWorkingTime(cal: CalendarSpec, start: Date, ms: number): Date {
  if (ms <= 0) return new Date(start);
  assertHasWorkingTime(cal);
  let left = ms;
  let day = localMidnight(start.getTime(), cal.utcOffsetMinutes);
  for (let i = 0; i < MAX_DAYS; i++, day += DAY_MS) {
    for (const [a, b] of dayIntervals(cal, day)) {
      const from = Math.max(a, start.getTime());
      if (from >= b) continue;
      const span = b - from;
      if (span >= left) return new Date(from + left);
      left -= span;
    }
  }
  throw new Error('working time does not fit in ten years');
}

/** Working time (ms) between two instants; 0 when b <= a. */
export function workingTimeBetween(cal: CalendarSpec, a: Date, b: Date): number {
  if (b.getTime() <= a.getTime()) return 0;
  let total = 0;
  let day = localMidnight(a.getTime(), cal.utcOffsetMinutes);
  for (let i = 0; i < MAX_DAYS && day < b.getTime(); i++, day += DAY_MS) {
    for (const [x, y] of dayIntervals(cal, day)) {
      const s = Math.max(x, a.getTime());
      const e = Math.min(y, b.getTime());
      if (e > s) total += e - s;
    }
  }
  return total;
}

/** A clock: either the working calendar or round the clock (24h). */
export type ClockMode = 'working' | '24h';

export function addTime(cal: CalendarSpec, mode: ClockMode, start: Date, ms: number): Date {
  return mode === '24h' ? new Date(start.getTime() + Math.max(0, ms)) : addWorkingTime(cal, start, ms);
}

export function timeBetween(cal: CalendarSpec, mode: ClockMode, a: Date, b: Date): number {
  return mode === '24h' ? Math.max(0, b.getTime() - a.getTime()) : workingTimeBetween(cal, a, b);
}
