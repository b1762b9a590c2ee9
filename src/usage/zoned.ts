import { addDays, localTime, zonedEpoch } from '../zoned-time.js';

/**
 * The digest's calendar in the team's time zone (`src/zoned-time.ts` does the arithmetic):
 * "ran through the night / the weekend" mean the team's night, not UTC's. Months are 0–11 here,
 * as in `Date.UTC`.
 */

export interface LocalParts {
  year: number;
  /** 0–11 */
  month: number;
  day: number;
  hour: number;
  minute: number;
  /** 0 = Sunday */
  weekday: number;
}

/** The wall-clock reading of `ms` in `timeZone`. */
export function localParts(ms: number, timeZone: string): LocalParts {
  const t = localTime(ms, timeZone);
  return {
    year: t.y,
    month: t.m - 1,
    day: t.d,
    hour: Math.floor(t.minute / 60),
    minute: t.minute % 60,
    weekday: t.weekday,
  };
}

/** The instant at which `timeZone`'s clocks read year-month-day hour:00 (days may overflow, as in Date.UTC). */
export function localToUtc(timeZone: string, year: number, month: number, day: number, hour = 0): number {
  return zonedEpoch({ y: year, m: month + 1, d: day }, hour * 60, timeZone);
}

/** Local midnight of the day `ms` falls on, shifted by `days`. */
export function localMidnight(ms: number, timeZone: string, days = 0): number {
  return zonedEpoch(addDays(localTime(ms, timeZone), days), 0, timeZone);
}
