/**
 * Wall-clock time in an IANA time zone, with Intl only (pure). Used for the digest's schedule and
 * for "ran through the night / the weekend", which mean the team's night, not UTC's.
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

const formatters = new Map<string, Intl.DateTimeFormat>();
const WEEKDAY: Record<string, number> = { Sun: 0, Mon: 1, Tue: 2, Wed: 3, Thu: 4, Fri: 5, Sat: 6 };

function formatter(timeZone: string): Intl.DateTimeFormat {
  let f = formatters.get(timeZone);
  if (!f) {
    f = new Intl.DateTimeFormat('en-US', {
      timeZone,
      hourCycle: 'h23',
      year: 'numeric',
      month: 'numeric',
      day: 'numeric',
      hour: 'numeric',
      minute: 'numeric',
      second: 'numeric',
      weekday: 'short',
    });
    formatters.set(timeZone, f);
  }
  return f;
}

/** The wall-clock reading of `ms` in `timeZone`. */
export function localParts(ms: number, timeZone: string): LocalParts & { second: number } {
  const parts: Record<string, string> = {};
  for (const p of formatter(timeZone).formatToParts(new Date(ms))) parts[p.type] = p.value;
  return {
    year: Number(parts['year']),
    month: Number(parts['month']) - 1,
    day: Number(parts['day']),
    hour: Number(parts['hour']) % 24,
    minute: Number(parts['minute']),
    second: Number(parts['second']),
    weekday: WEEKDAY[parts['weekday'] ?? 'Sun'] ?? 0,
  };
}

function offsetAt(ms: number, timeZone: string): number {
  const p = localParts(ms, timeZone);
  const asUtc = Date.UTC(p.year, p.month, p.day, p.hour, p.minute, p.second);
  return asUtc - (ms - (((ms % 1000) + 1000) % 1000));
}

/** The instant at which `timeZone`'s clocks read year-month-day hour:00 (days may overflow, as in Date.UTC). */
export function localToUtc(timeZone: string, year: number, month: number, day: number, hour = 0): number {
  const guess = Date.UTC(year, month, day, hour);
  const first = guess - offsetAt(guess, timeZone);
  return guess - offsetAt(first, timeZone);
}

/** Local midnight of the day `ms` falls on, shifted by `days`. */
export function localMidnight(ms: number, timeZone: string, days = 0): number {
  const p = localParts(ms, timeZone);
  return localToUtc(timeZone, p.year, p.month, p.day + days, 0);
}
