import type { ActionsBlock, Button, KnownBlock } from '@slack/types';
import { escapeMrkdwn, slackDate } from './format.js';

/**
 * Everything a person reads about working-hours schedules (src/schedules): the lines the
 * scheduler posts in a notebook's thread (or the owner's DM), the answers of
 * `/notebook schedule`, the schedule form and the lease warning's "Skip tonight's stop" button.
 * Pure: time is an argument.
 */

/** `action_id` of the lease warning's skip button (src/slack/listeners/actions/schedule-buttons.ts). */
export const SCHEDULE_ACTION_IDS = {
  skipStop: 'schedule_skip_stop',
  homeSchedule: 'home_schedule',
} as const;

/** What a schedule looks like to a reader. */
export interface ScheduleView {
  notebookId: string;
  name: string;
  ownerId: string;
  /** `weekdays 09:00-19:00 Asia/Shanghai`. */
  text: string;
  /** The window open now (its stop), and the next opening. */
  openUntil?: number;
  nextStart?: number;
  nextStop?: number;
  skips: ReadonlyArray<{ kind: 'start' | 'stop'; at: number }>;
}

const nm = (name: string) => `*${escapeMrkdwn(name)}*`;

/** One line: next start and stop, for App Home and `/notebook schedule <name>`. */
export function scheduleNextLine(v: ScheduleView): string {
  const parts: string[] = [];
  if (v.openUntil !== undefined) parts.push(`in its hours: stops ${slackDate(v.openUntil)}`);
  if (v.nextStart !== undefined) parts.push(`next start ${slackDate(v.nextStart)}`);
  if (v.nextStop !== undefined && v.openUntil === undefined) parts.push(`stop ${slackDate(v.nextStop)}`);
  return parts.join(' · ');
}

export const scheduleText = {
  /** The answer to `/notebook schedule <name>`. */
  show: (v: ScheduleView) => {
    const skips = v.skips.length
      ? `\nSkipped: ${v.skips.map((s) => `the ${s.kind} ${slackDate(s.at)}`).join(', ')}.`
      : '';
    return `:calendar: ${nm(v.name)} runs \`${escapeMrkdwn(v.text)}\` for <@${v.ownerId}>: ${scheduleNextLine(v)}.${skips}`;
  },
  none: (name: string, command: string) =>
    `${nm(name)} has no schedule. Set one with \`${command} schedule ${escapeMrkdwn(name)} weekdays 09:00-19:00\`.`,
  set: (v: ScheduleView, replaced: boolean, openNow: boolean) =>
    `:calendar: ${replaced ? 'Changed' : 'Set'}: ${nm(v.name)} runs \`${escapeMrkdwn(v.text)}\`. ${scheduleNextLine(v)}.` +
    (openNow ? ' Its hours are open now: this window is left as it is; the schedule acts from the next start.' : ''),
  removed: (name: string) => `:calendar: Removed the schedule of ${nm(name)}. Its current lease is unchanged.`,
  skipped: (name: string, kind: 'start' | 'stop', at: number, extra = '') =>
    `:fast_forward: ${nm(name)}: the scheduled ${kind} ${slackDate(at)} is skipped.${extra ? ` ${extra}` : ''}`,
  alreadySkipped: (name: string, kind: 'start' | 'stop', at: number) =>
    `${nm(name)}: the ${kind} ${slackDate(at)} was already skipped.`,
  noWindowThatDay: (name: string, date: string) =>
    `${nm(name)} has no scheduled start on ${escapeMrkdwn(date)}, so there is nothing to skip.`,
  skipKeepsRunning: (until: number, capped: boolean) =>
    capped
      ? `It keeps running until ${slackDate(until)}, 72 h from now, the most ModelArts allows.`
      : `It keeps running until the next scheduled stop, ${slackDate(until)}.`,
  skipNotRunning: () => 'It is not running now, so nothing else changes.',
  notOwner: (name: string, ownerId: string) =>
    `:no_entry: Only <@${ownerId}> (the owner of ${nm(name)}) or an admin may change its schedule.`,
  policy: (reason: string) => `:no_entry: ${reason}`,
  /** Posted in the thread when a scheduled start could not be done. */
  startFailed: (name: string, ownerId: string, reason: string) =>
    `:warning: <@${ownerId}> the scheduled start of ${nm(name)} did not happen: ${reason}`,
  startedLate: (name: string, opening: number, close: number) =>
    `:alarm_clock: ${nm(name)} is starting late: the bot was not running at its scheduled start (${slackDate(opening)}). Its hours are open until ${slackDate(close)}.`,
  notebookGone: (name: string, ownerId: string) =>
    `:wastebasket: <@${ownerId}> ${nm(name)} no longer exists in ModelArts, so its schedule was removed.`,
  stoppedOnSchedule: (name: string, close: number) => `:calendar: ${nm(name)} stops on schedule (${slackDate(close)}).`,
  /** Added to the lease warning when its end is a scheduled stop. */
  warningNote: (text: string, nextStart: number | undefined) =>
    `This is the scheduled stop of \`${escapeMrkdwn(text)}\`${nextStart ? `; it starts again ${slackDate(nextStart)}` : ''}. Skip it to keep the notebook running until the next scheduled stop.`,
  /** Added to the "stopped: its lease ended" notice when that end was a scheduled stop. */
  endedNote: (text: string, nextStart: number | undefined) =>
    `That was the scheduled stop of \`${escapeMrkdwn(text)}\`${nextStart ? `; it starts again ${slackDate(nextStart)}` : ''}.`,
  skipClicked: (userId: string, until: number) =>
    `:fast_forward: <@${userId}> skipped tonight's stop: it keeps running until ${slackDate(until)}.`,
  skipStale: () => "This stop is no longer scheduled (the schedule or the lease changed), so there's nothing to skip.",
};

/** App Home's line under a scheduled notebook. */
export function scheduleHomeLine(v: ScheduleView): string {
  return `:calendar: \`${escapeMrkdwn(v.text)}\` · ${scheduleNextLine(v)}`;
}

/** App Home's *Working hours* button: opens the schedule form for that notebook. */
export function scheduleFormButton(notebookId: string, name: string): Button {
  return {
    type: 'button',
    action_id: SCHEDULE_ACTION_IDS.homeSchedule,
    text: { type: 'plain_text', text: 'Working hours' },
    value: JSON.stringify({ n: notebookId, m: name.slice(0, 128) }),
  };
}

/** The "Skip tonight's stop" button, added beside Extend on a scheduled stop's warning. */
export function skipStopButton(value: string): Button {
  return {
    type: 'button',
    action_id: SCHEDULE_ACTION_IDS.skipStop,
    text: { type: 'plain_text', text: "Skip tonight's stop" },
    value,
  };
}

/** Inserts the skip button right after the Extend buttons of a warning's actions block. */
export function withSkipButton(actions: ActionsBlock, value: string): ActionsBlock {
  const elements = [...actions.elements];
  elements.splice(Math.min(2, elements.length), 0, skipStopButton(value));
  return { ...actions, elements };
}

/** The decoded value of a "Skip tonight's stop" button. */
export interface SkipStopValue {
  notebookId: string;
  name: string;
  /** The scheduled closing it skips (epoch ms). */
  close: number;
}

export function encodeSkipStopValue(v: SkipStopValue): string {
  return JSON.stringify({ n: v.notebookId, m: v.name, s: v.close });
}

/** Undefined for anything this module did not write. */
export function decodeSkipStopValue(raw: string | undefined): SkipStopValue | undefined {
  if (!raw || raw.length > 2000) return undefined;
  try {
    const j = JSON.parse(raw) as { n?: unknown; m?: unknown; s?: unknown };
    if (typeof j.n !== 'string' || !j.n || j.n.length > 128) return undefined;
    if (typeof j.m !== 'string' || j.m.length > 128) return undefined;
    if (typeof j.s !== 'number' || !Number.isInteger(j.s) || j.s <= 0) return undefined;
    return { notebookId: j.n, name: j.m, close: j.s };
  } catch {
    return undefined;
  }
}

export type { KnownBlock };
