/**
 * Pure time-zone arithmetic for working-hours schedules and the usage digest, with `Intl` only:
 * local wall time ↔ epoch ms in an IANA time zone, correct across daylight-saving changes (a wall time in the spring gap moves forward
 * by the gap; one in the autumn overlap is its first occurrence) and month and year ends (dates
 * are normalised by `Date.UTC`).
 */

const MINUTE = 60_000;
const DAY = 86_400_000;

/** A calendar date (month 1–12). */
export interface LocalDate {
  y: number;
  m: number;
  d: number;
}

/** A calendar date with the minute of the day and the weekday (0 = Sunday). */
export interface LocalTime extends LocalDate {
  minute: number;
  weekday: number;
}

const formatters = new Map<string, Intl.DateTimeFormat>();

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
      weekday: 'short',
    });
    formatters.set(timeZone, f);
  }
  return f;
}

/** True for a time zone `Intl` knows (IANA names such as `Asia/Shanghai`, and `UTC`). */
export function isTimeZone(name: string): boolean {
  if (!name || name.length > 64) return false;
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: name });
    return true;
  } catch {
    return false;
  }
}

/** The canonical spelling of a time zone (`asia/shanghai` → `Asia/Shanghai`); undefined if unknown. */
export function canonicalTimeZone(name: string): string | undefined {
  if (!isTimeZone(name)) return undefined;
  return new Intl.DateTimeFormat('en-US', { timeZone: name }).resolvedOptions().timeZone;
}

const WEEKDAY: Readonly<Record<string, number>> = { Sun: 0, Mon: 1, Tue: 2, Wed: 3, Thu: 4, Fri: 5, Sat: 6 };

/** The wall time at `epochMs` in `timeZone`. */
export function localTime(epochMs: number, timeZone: string): LocalTime {
  const parts: Record<string, string> = {};
  for (const p of formatter(timeZone).formatToParts(new Date(epochMs))) parts[p.type] = p.value;
  return {
    y: Number(parts['year']),
    m: Number(parts['month']),
    d: Number(parts['day']),
    minute: Number(parts['hour']) * 60 + Number(parts['minute']),
    weekday: WEEKDAY[parts['weekday'] ?? 'Sun'] ?? 0,
  };
}

/** The zone's offset from UTC at `epochMs`, in ms (to the minute). */
function offsetAt(epochMs: number, timeZone: string): number {
  const t = Math.floor(epochMs / MINUTE) * MINUTE;
  const l = localTime(t, timeZone);
  return Date.UTC(l.y, l.m - 1, l.d) + l.minute * MINUTE - t;
}

/**
 * The instant the wall clock in `timeZone` shows `minute` (0–1440) on `date`. A minute past the
 * month's end or 1440 rolls over (`Date.UTC` normalises). In a spring-forward gap the instant is
 * the gap's end plus what was asked into it (02:30 → 03:30); in an autumn overlap, the first.
 */
export function zonedEpoch(date: LocalDate, minute: number, timeZone: string): number {
  const guess = Date.UTC(date.y, date.m - 1, date.d) + minute * MINUTE;
  const o1 = offsetAt(guess, timeZone);
  const t = guess - o1;
  const o2 = offsetAt(t, timeZone);
  if (o2 === o1) return t;
  const t2 = guess - o2;
  return offsetAt(t2, timeZone) === o2 ? t2 : t;
}

/** `date` plus `days` (negative too), across month and year ends. */
export function addDays(date: LocalDate, days: number): LocalDate {
  const t = new Date(Date.UTC(date.y, date.m - 1, date.d) + days * DAY);
  return { y: t.getUTCFullYear(), m: t.getUTCMonth() + 1, d: t.getUTCDate() };
}

/** Weekday (0 = Sunday) of a calendar date. */
export function weekdayOf(date: LocalDate): number {
  return new Date(Date.UTC(date.y, date.m - 1, date.d)).getUTCDay();
}

/** `YYYY-MM-DD`. */
export function isoDate(date: LocalDate): string {
  return `${date.y}-${String(date.m).padStart(2, '0')}-${String(date.d).padStart(2, '0')}`;
}

/** Parses `YYYY-MM-DD` (a real date); undefined otherwise. */
export function parseIsoDate(text: string): LocalDate | undefined {
  const m = /^(\d{4})-(\d{1,2})-(\d{1,2})$/.exec(text.trim());
  if (!m) return undefined;
  const date = { y: Number(m[1]), m: Number(m[2]), d: Number(m[3]) };
  const back = addDays(date, 0);
  return back.y === date.y && back.m === date.m && back.d === date.d ? date : undefined;
}

/** `HH:MM` of a minute of the day (1440 reads `24:00`). */
export function hhmm(minute: number): string {
  return `${String(Math.floor(minute / 60)).padStart(2, '0')}:${String(minute % 60).padStart(2, '0')}`;
}
