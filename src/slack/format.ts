/**
 * How the bot writes durations and moments for people, in every message, modal and App Home
 * view: one wording everywhere ("45 s", "29 min", "3 h", "1 h 5 min"; a Slack date token with a
 * readable UTC fallback). Pure, no imports: src/jobs, src/leases and src/access use it too.
 */

const SECOND = 1000;
const MINUTE = 60 * SECOND;

export interface FormatDurationOptions {
  /**
   * `nearest` (default) for amounts: a lease, an extension, how long something took.
   * `up` for time left, so "4 min 30 s left" reads "5 min" and never promises less than remains.
   */
  round?: 'nearest' | 'up';
}

/**
 * A duration for people: `45 s` under a minute, else `29 min`, `3 h`, `1 h 5 min` (hours do not
 * roll over into days: leases are counted in hours up to 72 h). Negative input reads `0 s`.
 */
export function formatDuration(ms: number, options: FormatDurationOptions = {}): string {
  const round = options.round === 'up' ? Math.ceil : Math.round;
  const clamped = Math.max(0, ms);
  const seconds = round(clamped / SECOND);
  if (seconds < 60) return `${seconds} s`;
  const totalMin = round(clamped / MINUTE);
  const h = Math.floor(totalMin / 60);
  const m = totalMin % 60;
  if (h === 0) return `${m} min`;
  return m === 0 ? `${h} h` : `${h} h ${m} min`;
}

/** Slack's `<!date>` pattern for "Today at 3:04 PM" (the default of `slackDate`). */
export const SLACK_DATE_AT_TIME = '{date_short_pretty} at {time}';

/**
 * A Slack date token that renders in each reader's own time zone (`pattern` in Slack's date
 * syntax), with a readable UTC fallback such as `2026-11-22 00:21 UTC` for clients that cannot
 * render it (notifications, old clients, plain-text transcripts). The fallback shows seconds when
 * the pattern does (`{time_secs}`).
 */
export function slackDate(ms: number, pattern: string = SLACK_DATE_AT_TIME): string {
  const iso = new Date(ms).toISOString();
  const time = pattern.includes('{time_secs}') ? iso.slice(11, 19) : iso.slice(11, 16);
  return `<!date^${Math.floor(ms / 1000)}^${pattern}|${iso.slice(0, 10)} ${time} UTC>`;
}

/** Exactly what {@link slackDate} writes, as one capture group (for `split`). */
const SLACK_DATE_TOKEN = /(<!date\^\d+\^[{}a-z_ ]+\|\d{4}-\d{2}-\d{2} \d{2}:\d{2}(?::\d{2})? UTC>)/;

/**
 * Escapes a sentence of ours for mrkdwn, keeping the date tokens {@link slackDate} put in it
 * (escaped, they would show as raw `<!date^…>` text instead of each reader's local time).
 */
export function escapeKeepingDates(text: string, escapeText: (s: string) => string): string {
  return text
    .split(SLACK_DATE_TOKEN)
    .map((part, i) => (i % 2 === 1 ? part : escapeText(part)))
    .join('');
}
