/**
 * How the bot writes durations and moments for people, in every message, modal and App Home
 * view: one wording everywhere ("45 s", "29 min", "3 h", "1 h 5 min"; a Slack date token with a
 * readable UTC fallback), and how user text is made safe in mrkdwn (escaping, code spans,
 * mentions, cutting to a limit). Pure, no imports: the one escaping/formatting module.
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

/**
 * Escapes text for Slack mrkdwn. `&`, `<` and `>` are what Slack asks apps to escape, and every
 * control sequence (`<!channel>`, `<@U…>`, `<https://…|label>`) starts with `<`, so that makes a
 * name or a message from ModelArts inert. Bare `@channel`, `@here` and `@everyone` only notify with
 * `link_names`, but a word joiner after the `@` keeps them inert even if a caller sets it.
 *
 * Use it for everything a person typed or a service returned that goes into mrkdwn.
 * `plain_text` objects need no escaping.
 */
export function escapeMrkdwn(text: string): string {
  return text
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/@(channel|here|everyone)\b/gi, '@\u2060$1');
}

/**
 * Turns a mrkdwn message (e.g. an access decision, which mentions admins) into plain text for
 * places that do not render mrkdwn, such as inline modal errors: `<@U1>` → `@U1`,
 * `<!subteam^S1|@admins>` → `@admins`, `<#C1|general>` → `#general`, entities decoded, backticks
 * and bold markers dropped.
 */
export function mrkdwnToPlain(text: string): string {
  return text
    .replace(/<!subteam\^([A-Z0-9]+)(?:\|([^>]*))?>/g, (_, id: string, label?: string) => label ?? `@${id}`)
    .replace(/<@([A-Z0-9]+)(?:\|([^>]*))?>/g, (_, id: string, label?: string) => `@${label ?? id}`)
    .replace(/<#([A-Z0-9]+)(?:\|([^>]*))?>/g, (_, id: string, label?: string) => `#${label ?? id}`)
    .replace(/<(https?:[^|>]+)\|([^>]*)>/g, '$2 ($1)')
    .replace(/<(https?:[^>]+)>/g, '$1')
    .replace(/[`*]/g, '')
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&amp;/g, '&');
}

/**
 * Puts text in an inline code span: escaped, line breaks flattened, cut to `maxChars` (so one long
 * name cannot blow a section's 3000-character limit). Slack cannot escape a backtick inside a
 * code span, so a backtick becomes a look-alike (ˋ) that keeps the span intact.
 */
export function codeSpan(text: string, maxChars = 200): string {
  const flat = truncate(text.replace(/[\r\n]+/g, ' ').replace(/`/g, 'ˋ'), maxChars);
  return `\`${escapeMrkdwn(flat)}\``;
}

/** Shortens `text` to at most `max` code points, ending with an ellipsis when cut (never splits a surrogate pair). */
export function truncate(text: string, max: number): string {
  if (text.length <= max) return text;
  const chars = Array.from(text);
  if (chars.length <= max) return text;
  return `${chars.slice(0, Math.max(0, max - 1)).join('')}…`;
}

const SLACK_USER_ID = /^[UW][A-Z0-9]{2,}$/;
const SLACK_GROUP_ID = /^S[A-Z0-9]{2,}$/;
const SLACK_CHANNEL_ID = /^[CGD][A-Z0-9]{2,}$/;

/** True for a Slack user id (`U…`, or `W…` on Enterprise Grid). */
export function isSlackUserId(id: string): boolean {
  return SLACK_USER_ID.test(id);
}
/** True for a Slack user group id (`S…`). */
export function isSlackGroupId(id: string): boolean {
  return SLACK_GROUP_ID.test(id);
}
/** True for a Slack conversation id (`C…` public, `G…` private, `D…` direct message). */
export function isSlackChannelId(id: string): boolean {
  return SLACK_CHANNEL_ID.test(id);
}

/**
 * A mention for a Slack id we hold (`<@U…>`, `<!subteam^S…>`, `<#C…>`). Anything that is not a
 * well-formed id is escaped instead, so a forged id can never smuggle markup.
 */
export function mention(id: string): string {
  if (isSlackUserId(id)) return `<@${id}>`;
  if (isSlackGroupId(id)) return `<!subteam^${id}>`;
  if (isSlackChannelId(id)) return `<#${id}>`;
  return escapeMrkdwn(id);
}
