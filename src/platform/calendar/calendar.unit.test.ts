import { describe, expect, it } from 'vitest';
import { addWorkingTime, DEFAULT_CALENDAR, workingTimeBetween, type CalendarSpec } from './calendar.js';

const H = 3_600_000;
const at = (s: string) => new Date(s + '+08:00');
const cal = (days: Record<string, 'holiday' | 'workday'> = {}): CalendarSpec => ({ ...DEFAULT_CALENDAR, days: new Map(Object.entries(days)) });

describe('working calendar arithmetic', () => {
  it('adds working time across the lunch break, evenings and weekends', () => {
    expect(addWorkingTime(cal(), at('2026-11-23T09:00:00'), 4 * H)).toEqual(at('2026-11-23T15:00:00'));
    expect(addWorkingTime(cal(), at('2026-11-23T12:30:00'), 1 * H)).toEqual(at('2026-11-23T15:00:00')); // starts at 14:00
    expect(addWorkingTime(cal(), at('2026-11-23T07:00:00'), 0.5 * H)).toEqual(at('2026-11-23T09:00:00'));
    expect(addWorkingTime(cal(), at('2026-11-27T16:00:00'), 4 * H)).toEqual(at('2026-11-30T11:00:00')); // Fri → Mon
    expect(addWorkingTime(cal(), at('2026-11-28T10:00:00'), 1 * H)).toEqual(at('2026-11-30T09:30:00')); // from Saturday
    expect(addWorkingTime(cal(), at('2026-11-23T17:30:00'), 7 * H)).toEqual(at('2026-11-24T17:30:00')); // a full working day is 7 h
    expect(addWorkingTime(cal(), at('2026-11-23T10:00:00'), 0)).toEqual(at('2026-11-23T10:00:00'));
  });

  it('honours holidays and extra working days', () => {
    expect(addWorkingTime(cal({ '2026-11-30': 'holiday' }), at('2026-11-27T16:00:00'), 4 * H)).toEqual(at('2026-12-01T11:00:00'));
    expect(addWorkingTime(cal({ '2026-11-28': 'workday' }), at('2026-11-27T16:00:00'), 4 * H)).toEqual(at('2026-11-28T11:00:00'));
  });

  it('measures working time between two instants, the inverse of adding', () => {
    const c = cal({ '2026-11-30': 'holiday' });
    expect(workingTimeBetween(c, at('2026-11-23T09:00:00'), at('2026-11-23T15:00:00'))).toBe(4 * H);
    expect(workingTimeBetween(c, at('2026-11-27T16:00:00'), at('2026-12-01T11:00:00'))).toBe(4 * H);
    expect(workingTimeBetween(c, at('2026-11-28T00:00:00'), at('2026-11-29T23:00:00'))).toBe(0);
    expect(workingTimeBetween(c, at('2026-11-24T10:00:00'), at('2026-11-23T10:00:00'))).toBe(0);
    for (const ms of [0.3 * H, 2 * H, 7.5 * H, 40 * H]) {
      const start = at('2026-11-25T11:17:00');
      expect(workingTimeBetween(c, start, addWorkingTime(c, start, ms))).toBe(ms);
    }
  });

  it('refuses a calendar without working time instead of looping', () => {
    expect(() => addWorkingTime({ ...DEFAULT_CALENDAR, workdays: [] }, at('2026-11-23T09:00:00'), H)).toThrow(/no working time/);
  });
});
