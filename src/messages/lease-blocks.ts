import type { ActionsBlock, Button, ContextBlock, KnownBlock, SectionBlock } from '@slack/types';
import { z } from 'zod';
import { type ExtensionPlan, type LeaseInfo, leaseEndsAt } from '../modelarts/index.js';
import { formatRunCost, type Money, runSoFarText } from './costs.js';
import { escapeMrkdwn, formatDuration, slackDate, truncate } from './format.js';
import { encodeSkipStopValue, scheduleText, withSkipButton } from './schedule-blocks.js';

/**
 * Pure Block Kit builders for the lease watch: the warning before a lease ends, the digest when
 * many end together in one channel, the notice after a lease stopped a notebook, and the
 * in-place update after someone clicked. Time is an argument, so the same input always renders
 * the same blocks.
 *
 * Every button carries the notebook id *and* the lease identity (create_at, duration) in its
 * value: the click handler compares it with the live lease, so a click on an old warning is
 * recognised as stale instead of extending a lease nobody was warned about.
 */

/** `action_id`s of the lease buttons (unique per actions block; Bolt listeners match on them). */
export const LEASE_ACTION_IDS = {
  extend1h: 'lease_extend_1h',
  extend4h: 'lease_extend_4h',
  stop: 'lease_stop',
  dismiss: 'lease_dismiss',
  startAgain: 'lease_start_again',
} as const;
export type LeaseActionId = (typeof LEASE_ACTION_IDS)[keyof typeof LEASE_ACTION_IDS];

/** How much each extend button adds. */
export const EXTEND_BUTTON_MS: Readonly<Record<string, number>> = {
  [LEASE_ACTION_IDS.extend1h]: 3_600_000,
  [LEASE_ACTION_IDS.extend4h]: 4 * 3_600_000,
};

/** `block_id` prefixes; the notebook id follows the colon, so a digest can update one entry. */
export const NOTICE_BLOCK_PREFIX = 'lease_notice:';
export const ACTIONS_BLOCK_PREFIX = 'lease_actions:';
export const OUTCOME_BLOCK_PREFIX = 'lease_outcome:';

/** Slack's cap on blocks in one message. */
export const MAX_MESSAGE_BLOCKS = 50;
const MAX_SECTION_TEXT = 3000;

/** What one notice is about. */
export interface LeaseNoticeItem {
  notebookId: string;
  /** ModelArts name (user text: escaped on render). */
  name: string;
  /** Slack user to mention; absent for notebooks nobody owns through the bot. */
  ownerId?: string;
  lease: LeaseInfo;
  /**
   * The lease ends at a working-hours schedule's stop (src/schedules): the warning says so and
   * offers "Skip tonight's stop" beside Extend.
   */
  scheduled?: { text: string; close: number; nextStart?: number };
  /** How long it has run in this lease and what that cost so far (the usage ledger's open run). */
  runSoFar?: { ms: number; cost?: Money | undefined };
}

/**
 * A rendered message: `text` is the notification/accessibility fallback (mrkdwn too, so names are
 * escaped there as well), `blocks` the body.
 */
export interface LeaseMessage {
  text: string;
  blocks: KnownBlock[];
}

// ------------------------------------------------------------------ button values

/** The decoded `value` of a lease button. */
export interface LeaseActionValue {
  notebookId: string;
  name: string;
  createAt: number;
  durationMs: number;
  type: 'TIMING' | 'IDLE';
}

// Short keys: Slack caps a button value at 2000 characters and the name alone may take 128.
const ValueSchema = z.object({
  n: z.string().min(1).max(128),
  m: z.string().max(128),
  c: z.number().int().nonnegative(),
  d: z.number().int().positive(),
  t: z.enum(['TIMING', 'IDLE']),
});

export function encodeLeaseActionValue(v: LeaseActionValue): string {
  return JSON.stringify({ n: v.notebookId, m: v.name, c: v.createAt, d: v.durationMs, t: v.type });
}

/** Undefined for anything that is not a value this module wrote (forged or truncated payloads). */
export function decodeLeaseActionValue(raw: string | undefined): LeaseActionValue | undefined {
  if (!raw) return undefined;
  let json: unknown;
  try {
    json = JSON.parse(raw);
  } catch {
    return undefined;
  }
  const parsed = ValueSchema.safeParse(json);
  if (!parsed.success) return undefined;
  const { n, m, c, d, t } = parsed.data;
  return { notebookId: n, name: m, createAt: c, durationMs: d, type: t };
}

function buttonValue(item: LeaseNoticeItem): string {
  return encodeLeaseActionValue({
    notebookId: item.notebookId,
    name: item.name,
    createAt: item.lease.createAt,
    durationMs: item.lease.durationMs,
    type: item.lease.type,
  });
}

// ------------------------------------------------------------------ text helpers

function clip(text: string, max = MAX_SECTION_TEXT): string {
  return truncate(text, max);
}

function who(ownerId: string | undefined): string {
  return ownerId ? `<@${ownerId}>` : '';
}

const NO_OWNER_NOTE = '_No owner in Slack (not started through the bot), so nobody was mentioned._';

// ------------------------------------------------------------------ buttons

function warningButtons(item: LeaseNoticeItem): ActionsBlock {
  const value = buttonValue(item);
  const name = escapeMrkdwn(item.name);
  const buttons: Button[] = [
    {
      type: 'button',
      action_id: LEASE_ACTION_IDS.extend1h,
      text: { type: 'plain_text', text: 'Extend +1 h' },
      style: 'primary',
      value,
    },
    { type: 'button', action_id: LEASE_ACTION_IDS.extend4h, text: { type: 'plain_text', text: 'Extend +4 h' }, value },
    {
      type: 'button',
      action_id: LEASE_ACTION_IDS.stop,
      text: { type: 'plain_text', text: 'Stop now' },
      style: 'danger',
      value,
      confirm: {
        title: { type: 'plain_text', text: 'Stop the notebook?' },
        text: { type: 'mrkdwn', text: clip(`Stop *${name}* now? Anything not saved to storage is lost.`, 300) },
        confirm: { type: 'plain_text', text: 'Stop now' },
        deny: { type: 'plain_text', text: 'Cancel' },
        style: 'danger',
      },
    },
    { type: 'button', action_id: LEASE_ACTION_IDS.dismiss, text: { type: 'plain_text', text: 'Dismiss' }, value },
  ];
  return { type: 'actions', block_id: `${ACTIONS_BLOCK_PREFIX}${item.notebookId}`, elements: buttons };
}

/** The warning's buttons, with "Skip tonight's stop" beside Extend when the end is a scheduled stop. */
function scheduledWarningButtons(item: LeaseNoticeItem): ActionsBlock {
  if (!item.scheduled) return warningButtons(item);
  const value = encodeSkipStopValue({ notebookId: item.notebookId, name: item.name, close: item.scheduled.close });
  return withSkipButton(warningButtons(item), value);
}

function startAgainButton(item: LeaseNoticeItem): ActionsBlock {
  return {
    type: 'actions',
    block_id: `${ACTIONS_BLOCK_PREFIX}${item.notebookId}`,
    elements: [
      {
        type: 'button',
        action_id: LEASE_ACTION_IDS.startAgain,
        text: { type: 'plain_text', text: 'Start again' },
        style: 'primary',
        value: buttonValue(item),
      },
    ],
  };
}

function section(blockId: string | undefined, text: string): SectionBlock {
  return { type: 'section', ...(blockId ? { block_id: blockId } : {}), text: { type: 'mrkdwn', text: clip(text) } };
}

function context(text: string, blockId?: string): ContextBlock {
  return {
    type: 'context',
    ...(blockId ? { block_id: blockId } : {}),
    elements: [{ type: 'mrkdwn', text: clip(text) }],
  };
}

// ------------------------------------------------------------------ warnings

function warningLine(item: LeaseNoticeItem, now: number): string {
  const owner = who(item.ownerId);
  const ran = item.runSoFar ? ` (ran ${formatRunCost(item.runSoFar.ms, item.runSoFar.cost)})` : '';
  return `${owner ? `${owner} ` : ''}*${escapeMrkdwn(item.name)}* ${describeLeaseEnd(item.lease, now)}${ran}`;
}

/** The warning for one notebook, posted in its thread: mentions the owner, four buttons. */
export function leaseWarningMessage(item: LeaseNoticeItem, now: number): LeaseMessage {
  const left = formatDuration(leaseEndsAt(item.lease) - now, { round: 'up' });
  const owner = who(item.ownerId);
  const lead = owner ? `${owner} your notebook` : 'Notebook';
  const body =
    `:hourglass_flowing_sand: ${lead} *${escapeMrkdwn(item.name)}* ${describeLeaseEnd(item.lease, now)}. ` +
    'Extend the lease to keep it running, or stop it now.';
  const blocks: KnownBlock[] = [section(`${NOTICE_BLOCK_PREFIX}${item.notebookId}`, body)];
  if (item.runSoFar) blocks.push(context(`:moneybag: ${runSoFarText(item.runSoFar.ms, item.runSoFar.cost)}`));
  if (!item.ownerId) blocks.push(context(NO_OWNER_NOTE));
  if (item.scheduled) blocks.push(context(scheduleText.warningNote(item.scheduled.text, item.scheduled.nextStart)));
  blocks.push(scheduledWarningButtons(item));
  const prefix = owner ? `${owner} ` : '';
  return {
    text: `${prefix}Notebook ${escapeMrkdwn(item.name)} stops in ${left} unless its lease is extended.`,
    blocks,
  };
}

/**
 * One message for many warnings in one channel. Each notebook keeps its own buttons while the
 * 50-block cap allows (two blocks per notebook); beyond that it becomes a compact list, because
 * dropping some notebooks' buttons at random would be worse than a uniform list.
 */
export function leaseWarningDigest(items: readonly LeaseNoticeItem[], now: number): LeaseMessage {
  const sorted = [...items].sort((a, b) => leaseEndsAt(a.lease) - leaseEndsAt(b.lease));
  const head = `:hourglass_flowing_sand: *${sorted.length} notebooks* stop soon unless their leases are extended:`;
  const text = `${sorted.length} notebooks stop soon: ${sorted.map((i) => escapeMrkdwn(i.name)).join(', ')}`;
  return { text: clip(text, 3000), blocks: digestBlocks(sorted, head, now, warningLine, scheduledWarningButtons) };
}

// ------------------------------------------------------------------ after the lease ended

function endedLine(item: LeaseNoticeItem): string {
  const owner = who(item.ownerId);
  return (
    `${owner ? `${owner} ` : ''}*${escapeMrkdwn(item.name)}* stopped: its lease ended ` +
    `${slackDate(leaseEndsAt(item.lease))} (after ${formatDuration(item.lease.durationMs)})`
  );
}

/** Posted once in the notebook's thread after ModelArts stopped it at the end of its lease. */
export function leaseEndedMessage(item: LeaseNoticeItem): LeaseMessage {
  const blocks: KnownBlock[] = [section(`${NOTICE_BLOCK_PREFIX}${item.notebookId}`, `:stopwatch: ${endedLine(item)}.`)];
  if (!item.ownerId) blocks.push(context(NO_OWNER_NOTE));
  if (item.scheduled) blocks.push(context(scheduleText.endedNote(item.scheduled.text, item.scheduled.nextStart)));
  blocks.push(startAgainButton(item));
  const owner = who(item.ownerId);
  return { text: `${owner ? `${owner} ` : ''}Notebook ${escapeMrkdwn(item.name)} stopped: its lease ended.`, blocks };
}

/** One message when many leases in one channel ended since the last scan. */
export function leaseEndedDigest(items: readonly LeaseNoticeItem[]): LeaseMessage {
  const sorted = [...items].sort((a, b) => leaseEndsAt(a.lease) - leaseEndsAt(b.lease));
  const head = `:stopwatch: *${sorted.length} notebooks* stopped because their leases ended:`;
  const text = `${sorted.length} notebooks stopped, their leases ended: ${sorted.map((i) => escapeMrkdwn(i.name)).join(', ')}`;
  return { text: clip(text, 3000), blocks: digestBlocks(sorted, head, 0, (i) => endedLine(i), startAgainButton) };
}

function digestBlocks(
  items: readonly LeaseNoticeItem[],
  head: string,
  now: number,
  line: (item: LeaseNoticeItem, now: number) => string,
  buttons: (item: LeaseNoticeItem) => ActionsBlock,
): KnownBlock[] {
  const blocks: KnownBlock[] = [section(undefined, head)];
  if (1 + items.length * 2 <= MAX_MESSAGE_BLOCKS) {
    for (const item of items) {
      blocks.push(section(`${NOTICE_BLOCK_PREFIX}${item.notebookId}`, `• ${line(item, now)}`));
      blocks.push(buttons(item));
    }
    return blocks;
  }
  // Compact list: pack lines into as few sections as the 3000-character limit allows, keep one
  // block for the footer, and say how many did not fit rather than cutting silently.
  const footer =
    'Too many to give each its own buttons: use `/notebook extend` or `/notebook stop`, or the buttons ' +
    "in each notebook's thread.";
  const lines = items.map((i) => `• ${line(i, now)}`);
  let current = '';
  let shown = 0;
  for (const l of lines) {
    const next = current ? `${current}\n${l}` : l;
    if (next.length <= MAX_SECTION_TEXT) {
      current = next;
      shown += 1;
      continue;
    }
    if (blocks.length >= MAX_MESSAGE_BLOCKS - 3) break;
    blocks.push(section(undefined, current));
    current = l;
    shown += 1;
  }
  if (current) blocks.push(section(undefined, current));
  if (shown < lines.length) blocks.push(context(`…and ${lines.length - shown} more.`));
  blocks.push(context(footer));
  return blocks;
}

// ------------------------------------------------------------------ after a click

/** What someone did with a lease button, for the in-place update. */
export type LeaseOutcome =
  | { kind: 'extended'; userId: string; requestedMs: number; plan: ExtensionPlan }
  | { kind: 'stopped'; userId: string }
  | { kind: 'dismissed'; userId: string }
  | { kind: 'started'; userId: string; durationMs: number };

/** One line saying who did what: `<@U…> extended by 1 h: …`. */
export function leaseOutcomeText(o: LeaseOutcome): string {
  switch (o.kind) {
    case 'extended': {
      const until = slackDate(o.plan.endAt);
      if (!o.plan.capped) {
        return `:white_check_mark: <@${o.userId}> extended by ${formatDuration(o.requestedMs)}: it now stops ${until}.`;
      }
      return (
        `:white_check_mark: <@${o.userId}> extended by ${formatDuration(o.plan.addedMs)} (asked ${formatDuration(o.requestedMs)}): ` +
        `it now stops ${until}, 72 h from now, the most ModelArts allows.`
      );
    }
    case 'stopped':
      return `:black_square_for_stop: <@${o.userId}> stopped it.`;
    case 'dismissed':
      return `:zipper_mouth_face: <@${o.userId}> dismissed the warnings for this lease.`;
    case 'started':
      return `:arrow_forward: <@${o.userId}> started it again for ${formatDuration(o.durationMs)}.`;
  }
}

/**
 * The message after a click: the clicked notebook's buttons give way to a line saying who did
 * what; other notebooks in a digest keep theirs. Returns undefined when that notebook's buttons
 * are already gone (a concurrent click got there first), so the caller does not overwrite it.
 */
export function withLeaseOutcome(
  blocks: readonly KnownBlock[],
  notebookId: string,
  outcomeMrkdwn: string,
): KnownBlock[] | undefined {
  const actionsId = `${ACTIONS_BLOCK_PREFIX}${notebookId}`;
  let replaced = false;
  const out = blocks.map((b): KnownBlock => {
    if (b.block_id !== actionsId) return b;
    replaced = true;
    return context(outcomeMrkdwn, `${OUTCOME_BLOCK_PREFIX}${notebookId}`);
  });
  return replaced ? out : undefined;
}

/**
 * How the end of a lease reads in a message: "stops in 29 min (<date>)", or for IDLE leases,
 * where the end is only an upper bound, "stops when idle, at the latest <date> (in 29 min)".
 */
export function describeLeaseEnd(lease: LeaseInfo, now: number): string {
  const end = leaseEndsAt(lease);
  const left = end - now;
  if (lease.type === 'IDLE') {
    return `stops when idle, at the latest ${slackDate(end)}${left > 0 ? ` (in ${formatDuration(left, { round: 'up' })})` : ''}`;
  }
  return left > 0
    ? `stops in ${formatDuration(left, { round: 'up' })} (${slackDate(end)})`
    : `reached its end ${slackDate(end)}`;
}

/**
 * What the person who pressed a lease button is told privately when the click does not go ahead
 * (or went ahead already). `nameMd` is the notebook's name as mrkdwn, already escaped.
 */
export const leaseClickReply = {
  failed: () => 'Something went wrong handling that button. Try again in a minute.',
  gone: (nameMd: string) => `${nameMd} no longer exists in ModelArts.`,
  noAnswer: () => 'ModelArts did not answer, so nothing was done. Try again in a minute.',
  /** A "start again" notice for a notebook that is running or on its way already. */
  startNoticeStale: (status: string, live: LeaseInfo | undefined, now: number) =>
    `This notice is out of date: ${status === 'RUNNING' && live ? `it is running and ${describeLeaseEnd(live, now)}` : `it is ${status}`}.`,
  cannotStartHere: (nameMd: string, status: string) => `${nameMd} is ${status} and cannot be started from here.`,
  alreadyStarting: (nameMd: string) => `${nameMd} is already being started; its thread shows the progress.`,
  /** A warning whose lease is no longer the live one (renewed, restarted, stopped). */
  warningStale: (status: string, live: LeaseInfo | undefined, now: number) => {
    const current =
      status !== 'RUNNING'
        ? `the notebook is ${status}`
        : live
          ? `the notebook now ${describeLeaseEnd(live, now)}`
          : 'the notebook has no lease';
    return `This warning is out of date: ${current}.`;
  },
  atMaximum: (nameMd: string, endAt: number) =>
    `${nameMd} already runs until ${slackDate(endAt)}, 72 h from now, the most ModelArts allows; it cannot be extended further.`,
  extensionRequested: (nameMd: string) =>
    `An extension of this lease was already requested; ${nameMd}'s thread shows it.`,
  alreadyStopping: (nameMd: string) => `${nameMd} is already being stopped; its thread shows the progress.`,
  needsApproval: (reason: string) => `That needs an admin's approval (${reason}); ask with the \`/notebook\` command.`,
  approvalAlreadySent: () => 'This was already sent to the admins for approval.',
} as const;
