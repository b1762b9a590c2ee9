import { formatDuration } from '../messages/index.js';
import { MAX_LEASE_MS, MIN_LEASE_MS } from '../modelarts/index.js';

/** A parsed duration, or a message for the person who typed it. */
export type DurationResult = { ok: true; ms: number } | { ok: false; message: string };

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;

const UNITS: ReadonlyArray<[RegExp, number]> = [
  [/^(m|min|mins|minute|minutes)$/, MINUTE],
  [/^(h|hr|hrs|hour|hours)$/, HOUR],
  [/^(d|day|days)$/, DAY],
];

const EXAMPLES = '2h, 90m, 1.5h, 1d or 3 hours';

/**
 * Parses a human duration into milliseconds, with no range check: `2h`, `90m`, `1d`, `3 hours`,
 * `1.5h`, `45 minutes`, and sums such as `1h 30m` or `1h30m`. A bare number means hours (what
 * `/notebook extend nb 2` reads as). Case and surrounding spaces are ignored.
 *
 * Messages are plain text (they double as inline modal errors): escape them before putting them
 * into mrkdwn.
 */
export function parseDuration(input: string): DurationResult {
  const text = input.trim().toLowerCase();
  if (!text) return { ok: false, message: `Give a duration such as ${EXAMPLES}.` };
  if (/^\d+(\.\d+)?$/.test(text)) return { ok: true, ms: Math.round(Number(text) * HOUR) };

  const compact = text.replace(/\band\b|,/g, ' ');
  if (!/^(\s*\d+(?:\.\d+)?\s*[a-z]+)+\s*$/.test(compact)) {
    return { ok: false, message: `I could not read "${input.trim()}" as a duration. Use ${EXAMPLES}.` };
  }
  let total = 0;
  for (const m of compact.matchAll(/(\d+(?:\.\d+)?)\s*([a-z]+)/g)) {
    const unit = UNITS.find(([re]) => re.test(m[2] ?? ''));
    if (!unit) return { ok: false, message: `"${m[2]}" is not a unit I know. Use m, h or d, as in ${EXAMPLES}.` };
    total += Number(m[1]) * unit[1];
  }
  return { ok: true, ms: Math.round(total) };
}

/**
 * Writes a duration the way `parseDuration` reads it, for commands the bot suggests (`2h`, `90m`):
 * what a person types, not what they read (`formatDuration` in format.ts is for that).
 */
export function durationArgument(ms: number): string {
  const minutes = Math.max(1, Math.round(ms / MINUTE));
  return minutes % 60 === 0 ? `${minutes / 60}h` : `${minutes}m`;
}

/**
 * Parses a lease duration and checks it against what ModelArts accepts (1 to 72 hours), with a
 * message that says the allowed range and what was understood.
 */
export function parseLeaseDuration(input: string): DurationResult {
  const parsed = parseDuration(input);
  if (!parsed.ok) return parsed;
  return checkLeaseDuration(parsed.ms);
}

/** Checks a duration in ms against the 1–72 h lease range. */
export function checkLeaseDuration(ms: number): DurationResult {
  if (ms < MIN_LEASE_MS) {
    return {
      ok: false,
      message: `${formatDuration(ms)} is too short: a notebook runs for at least 1 hour (1h to 72h).`,
    };
  }
  if (ms > MAX_LEASE_MS) {
    return { ok: false, message: `${formatDuration(ms)} is too long: at most 72 hours (3 days), from 1h to 72h.` };
  }
  return { ok: true, ms };
}
