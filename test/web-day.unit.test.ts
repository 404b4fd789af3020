/** The web pages count days as the district does (Asia/Shanghai), whatever the browser's zone. */
import { describe, expect, it } from 'vitest';
import { addDays, districtDay, districtInstant } from '../web/src/day.js';

describe('districtDay', () => {
  it('is the date in Shanghai, not in UTC', () => {
    expect(districtDay(new Date('2026-12-04T15:59:59Z'))).toBe('2026-12-04');
    expect(districtDay(new Date('2026-12-04T16:00:00Z'))).toBe('2026-12-05');
  });
  it('adds days across month and year ends', () => {
    expect(addDays('2026-12-31', 1)).toBe('2027-01-01');
    expect(addDays('2026-03-01', -1)).toBe('2026-02-28');
  });
  it('places a district wall-clock time on the timeline', () => {
    expect(districtInstant('2026-12-05')).toBe('2026-12-04T16:00:00.000Z');
    expect(districtInstant('2026-12-05', '23:59:59.999')).toBe('2026-12-05T15:59:59.999Z');
    expect(districtInstant('2027-01-01', '09:30')).toBe('2027-01-01T01:30:00.000Z');
  });
});
