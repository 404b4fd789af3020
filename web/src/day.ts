/**
 * The platform counts days in the district's time zone (Asia/Shanghai, UTC+8, no daylight saving),
 * as the server does (docs/analytics.md). A browser in another zone — a laptop left on UTC, a test
 * runner — would otherwise ask for "today" as its own date and miss what was reported after the
 * district's midnight.
 */
import dayjs, { type Dayjs } from 'dayjs';

const OFFSET_MS = 8 * 3_600_000;

/** The district's date now (or at `d`), as YYYY-MM-DD. */
export const districtDay = (d: Date = new Date()): string => new Date(d.getTime() + OFFSET_MS).toISOString().slice(0, 10);

/** The district's date as a date-picker value (local midnight of that calendar day). */
export const districtToday = (): Dayjs => dayjs(districtDay());

/** `day` (YYYY-MM-DD) plus `n` days. */
export const addDays = (day: string, n: number): string => new Date(Date.parse(day + 'T00:00:00Z') + n * 86_400_000).toISOString().slice(0, 10);

/** The instant a district wall-clock time happens: `day` (YYYY-MM-DD) at `time` (HH:mm[:ss[.SSS]]), as ISO. */
export const districtInstant = (day: string, time = '00:00'): string => new Date(Date.parse(`${day}T${time}Z`) - OFFSET_MS).toISOString();
