import { addDays, canonicalTimeZone, hhmm, type LocalDate, localTime, weekdayOf, zonedEpoch } from '../zoned-time.js';

/**
 * A working-hours schedule: on `days` (0 = Sunday … 6 = Saturday) the notebook starts at
 * `startMinute` and stops at `stopMinute` (minutes of the day, wall time in `timeZone`). A stop
 * at or before the start is the next day's (`22:00-06:00` runs overnight); `24:00` is midnight.
 * Windows that touch (`mon-fri 00:00-24:00`) are one window: it must still fit a lease.
 */
export interface ScheduleSpec {
  days: number[];
  startMinute: number;
  stopMinute: number;
  timeZone: string;
}

/** One opening and the closing that ends it (epoch ms). */
export interface ScheduleWindow {
  open: number;
  close: number;
}

const H = 3_600_000;
/** Huawei's lease limits (`LeaseReq.duration`: 1–72 h): one window is one lease. */
export const MIN_WINDOW_MS = H;
export const MAX_WINDOW_MS = 72 * H;

export type Parsed<T> = { ok: true; value: T } | { ok: false; message: string };

const DAY_NAMES = ['sun', 'mon', 'tue', 'wed', 'thu', 'fri', 'sat'] as const;
const DAY_ALIASES: Readonly<Record<string, number>> = {
  sun: 0,
  sunday: 0,
  mon: 1,
  monday: 1,
  tue: 2,
  tues: 2,
  tuesday: 2,
  wed: 3,
  wednesday: 3,
  thu: 4,
  thur: 4,
  thurs: 4,
  thursday: 4,
  fri: 5,
  friday: 5,
  sat: 6,
  saturday: 6,
};
const DAY_SETS: Readonly<Record<string, number[]>> = {
  weekdays: [1, 2, 3, 4, 5],
  weekday: [1, 2, 3, 4, 5],
  workdays: [1, 2, 3, 4, 5],
  daily: [0, 1, 2, 3, 4, 5, 6],
  everyday: [0, 1, 2, 3, 4, 5, 6],
  'every-day': [0, 1, 2, 3, 4, 5, 6],
  weekends: [0, 6],
  weekend: [0, 6],
};

const DAYS_HINT = 'Use `weekdays`, `daily`, `weekends`, day names such as `mon,wed,fri`, or ranges such as `mon-thu`.';

/** Parses the days: `weekdays`, `daily`, `weekends`, `mon,wed,fri`, `mon-thu`, `fri-mon`, mixed. */
export function parseDays(text: string): Parsed<number[]> {
  const t = text.trim().toLowerCase();
  if (!t) return { ok: false, message: `Say which days. ${DAYS_HINT}` };
  const set = new Set<number>();
  for (const part of t
    .split(',')
    .map((p) => p.trim())
    .filter(Boolean)) {
    const named = DAY_SETS[part];
    if (named) {
      for (const d of named) set.add(d);
      continue;
    }
    const range = /^([a-z]+)-([a-z]+)$/.exec(part);
    if (range) {
      const a = DAY_ALIASES[range[1]!];
      const b = DAY_ALIASES[range[2]!];
      if (a === undefined || b === undefined)
        return { ok: false, message: `\`${part}\` is not a range of days. ${DAYS_HINT}` };
      for (let d = a; ; d = (d + 1) % 7) {
        set.add(d);
        if (d === b) break;
      }
      continue;
    }
    const d = DAY_ALIASES[part];
    if (d === undefined) return { ok: false, message: `\`${part}\` is not a day. ${DAYS_HINT}` };
    set.add(d);
  }
  if (set.size === 0) return { ok: false, message: `Say which days. ${DAYS_HINT}` };
  return { ok: true, value: [...set].sort((a, b) => a - b) };
}

function parseClock(text: string, allow24: boolean): number | undefined {
  const m = /^(\d{1,2})(?::(\d{2}))?$/.exec(text.trim());
  if (!m) return undefined;
  const h = Number(m[1]);
  const min = Number(m[2] ?? '0');
  if (min > 59) return undefined;
  if (h === 24 && min === 0 && allow24) return 1440;
  if (h > 23) return undefined;
  return h * 60 + min;
}

const HOURS_HINT = 'Give the hours as `start-stop` in 24-hour time, e.g. `09:00-19:00` (or `22:00-06:00` overnight).';

/** Parses `09:00-19:00` (also `9-19`, `9:30-18`, `22:00-06:00`, `…-24:00`). */
export function parseHours(text: string): Parsed<{ startMinute: number; stopMinute: number }> {
  const m = /^([^-–]+)[-–]([^-–]+)$/.exec(text.trim());
  if (!m)
    return { ok: false, message: `\`${text.trim() || '(nothing)'}\` is not a start and stop time. ${HOURS_HINT}` };
  const start = parseClock(m[1]!, false);
  const stop = parseClock(m[2]!, true);
  if (start === undefined) return { ok: false, message: `\`${m[1]!.trim()}\` is not a time of day. ${HOURS_HINT}` };
  if (stop === undefined) return { ok: false, message: `\`${m[2]!.trim()}\` is not a time of day. ${HOURS_HINT}` };
  if (stop === start) {
    return { ok: false, message: `The start and the stop are both ${hhmm(start)}. ${HOURS_HINT}` };
  }
  return { ok: true, value: { startMinute: start, stopMinute: stop } };
}

/** Parses a time zone name; `undefined` text is not an error (the caller picks a default). */
export function parseTimeZone(text: string): Parsed<string> {
  const tz = canonicalTimeZone(text.trim());
  if (!tz) {
    return {
      ok: false,
      message: `\`${text.trim()}\` is not a time zone I know. Use an IANA name such as \`Asia/Shanghai\`, \`Europe/Berlin\` or \`UTC\`.`,
    };
  }
  return { ok: true, value: tz };
}

/** Nominal length of one day's window, in minutes (before DST and merging). */
function nominalMinutes(spec: Pick<ScheduleSpec, 'startMinute' | 'stopMinute'>): number {
  const len = (spec.stopMinute - spec.startMinute + 1440) % 1440;
  return len === 0 ? 1440 : len;
}

/**
 * The windows that end after `from` and open before `to`, in order, touching ones merged. Walks
 * the local calendar (a window opening up to a week before `from` may still be open).
 */
export function windowsBetween(spec: ScheduleSpec, from: number, to: number): ScheduleWindow[] {
  const days = new Set(spec.days);
  const first = localTime(from, spec.timeZone);
  let date: LocalDate = addDays(first, -7);
  const last = localTime(to, spec.timeZone);
  const end = Date.UTC(last.y, last.m - 1, last.d) + 86_400_000;
  const raw: ScheduleWindow[] = [];
  for (let i = 0; i < 800 && Date.UTC(date.y, date.m - 1, date.d) <= end; i += 1) {
    if (days.has(weekdayOf(date))) {
      const open = zonedEpoch(date, spec.startMinute, spec.timeZone);
      const closeDate = spec.stopMinute > spec.startMinute ? date : addDays(date, 1);
      raw.push({ open, close: zonedEpoch(closeDate, spec.stopMinute, spec.timeZone) });
    }
    date = addDays(date, 1);
  }
  const merged: ScheduleWindow[] = [];
  for (const w of raw) {
    const last = merged[merged.length - 1];
    if (last && w.open <= last.close) last.close = Math.max(last.close, w.close);
    else merged.push({ ...w });
  }
  return merged.filter((w) => w.close > from && w.open < to);
}

/** The window open at `now`, if any, and the next one to open after `now`. */
export function windowsAt(spec: ScheduleSpec, now: number): { current?: ScheduleWindow; next?: ScheduleWindow } {
  const ws = windowsBetween(spec, now, now + 15 * 86_400_000);
  const current = ws.find((w) => w.open <= now && now < w.close);
  const next = ws.find((w) => w.open > now);
  return { ...(current ? { current } : {}), ...(next ? { next } : {}) };
}

/**
 * Why a schedule cannot be kept with ModelArts leases (1–72 h per run), or undefined when it can:
 * checked over four weeks from `now`, so DST changes and every weekday combination are seen.
 */
export function leaseProblem(spec: ScheduleSpec, now: number): string | undefined {
  if (nominalMinutes(spec) < 60) {
    return `A window of ${nominalMinutes(spec)} min is shorter than the 1 h a ModelArts lease lasts at least: give it at least an hour.`;
  }
  const long = windowsBetween(spec, now, now + 28 * 86_400_000).find((w) => w.close - w.open > MAX_WINDOW_MS);
  if (long) {
    const hours = Math.round((long.close - long.open) / H);
    const from = localTime(long.open, spec.timeZone);
    const until = localTime(long.close, spec.timeZone);
    return (
      `These hours make one run of ${hours} h without a stop (${DAY_NAMES[from.weekday]} ${hhmm(from.minute)} to ` +
      `${DAY_NAMES[until.weekday]} ${hhmm(until.minute)}), and a ModelArts lease lasts at most 72 h. Leave a stop at least every 72 h.`
    );
  }
  return undefined;
}

/** Hours the notebook is scheduled to run in the week from `now` (for the policy's weekly limit). */
export function weeklyHours(spec: ScheduleSpec, now: number): number {
  const to = now + 7 * 86_400_000;
  let ms = 0;
  for (const w of windowsBetween(spec, now, to)) ms += Math.min(w.close, to) - Math.max(w.open, now);
  return ms / H;
}

/** `weekdays`, `daily`, `weekends` or `mon,wed,fri`: how the days read back. */
export function describeDays(days: readonly number[]): string {
  const key = [...days].sort((a, b) => a - b).join(',');
  if (key === '1,2,3,4,5') return 'weekdays';
  if (key === '0,1,2,3,4,5,6') return 'daily';
  if (key === '0,6') return 'weekends';
  return [...days]
    .sort((a, b) => ((a + 6) % 7) - ((b + 6) % 7))
    .map((d) => DAY_NAMES[d])
    .join(',');
}

/** The schedule as the command takes it: `weekdays 09:00-19:00 Asia/Shanghai`. */
export function describeSpec(spec: ScheduleSpec): string {
  return `${describeDays(spec.days)} ${hhmm(spec.startMinute)}-${hhmm(spec.stopMinute)} ${spec.timeZone}`;
}
