/** The web pages count days as the district does (Asia/Shanghai), whatever the browser's zone. */
import { describe, expect, it } from 'vitest';
import { addDays, districtDay } from '../web/src/day.js';

describe('districtDay', () => {
  it('is the date in Shanghai, not in UTC', () => {
    expect(districtDay(new Date('2026-12-04T15:59:59Z'))).toBe('2026-12-04');
    expect(districtDay(new Date('2026-12-04T16:00:00Z'))).toBe('2026-12-05');
  });
  it('adds days across month and year ends', () => {
    expect(addDays('2026-12-31', 1)).toBe('2027-01-01');
    expect(addDays('2026-03-01', -1)).toBe('2026-02-28');
  });
});
