import { formatRunCost } from './costs.js';
import { codeSpan, escapeMrkdwn, formatDuration } from './format.js';
import { type KnownBlock, mrkdwn, plain } from './kit.js';
import { type NotebookSummary, statusEmoji } from './notebook-summary.js';

/** action_id of the Open JupyterLab link in a status answer (acked, nothing else). */
export const STATUS_OPEN_ACTION = 'nb_status_open';

/** Slack's limit for one message. */
const MAX_MESSAGE_BLOCKS = 50;

/** `2 h 5 min left`, `up to 2 h 5 min left (stops when idle)`, `lease ended, stopping`; empty when unknown. */
export function timeLeftText(s: Pick<NotebookSummary, 'remainingMs' | 'leaseType'>): string {
  if (s.remainingMs === undefined) return '';
  if (s.remainingMs <= 0) return 'lease ended, stopping';
  const left = formatDuration(s.remainingMs, { round: 'up' });
  return s.leaseType === 'IDLE' ? `up to ${left} left (stops when idle)` : `${left} left`;
}

/** `RUNNING` or `RUNNING (last known)` when ModelArts did not answer. */
export function statusText(s: Pick<NotebookSummary, 'status' | 'live'>): string {
  return `${escapeMrkdwn(s.status)}${s.live ? '' : ' (last known)'}`;
}

/** One mrkdwn line per notebook for lists. */
export function notebookLine(s: NotebookSummary, showOwner: boolean): string {
  const parts = [`${statusEmoji(s.status)} *${escapeMrkdwn(s.name)}*`, statusText(s)];
  if (s.flavor) parts.push(escapeMrkdwn(s.flavor));
  const left = timeLeftText(s);
  if (left) parts.push(left);
  if (showOwner) parts.push(s.ownerId ? `<@${s.ownerId}>` : 'not owned through the bot');
  return parts.join(' · ');
}

/**
 * A list of notebooks as one message: a title, then lines packed into sections (≤ 3000 chars each),
 * within Slack's 50-block limit. `more` counts notebooks left out.
 */
export function buildListMessage(
  title: string,
  items: readonly NotebookSummary[],
  options: { showOwner: boolean; more?: number; empty: string },
) {
  const blocks: KnownBlock[] = [{ type: 'section', text: mrkdwn(title) }];
  if (!items.length) {
    blocks.push({ type: 'section', text: mrkdwn(options.empty) });
    return { text: `${title}\n${options.empty}`, blocks };
  }
  let chunk = '';
  let shown = 0;
  for (const s of items) {
    const line = notebookLine(s, options.showOwner);
    if (chunk && chunk.length + line.length + 1 > 2900) {
      if (blocks.length >= MAX_MESSAGE_BLOCKS - 2) break;
      blocks.push({ type: 'section', text: mrkdwn(chunk) });
      chunk = '';
    }
    chunk = chunk ? `${chunk}\n${line}` : line;
    shown += 1;
  }
  if (chunk) blocks.push({ type: 'section', text: mrkdwn(chunk) });
  const more = (options.more ?? 0) + (items.length - shown);
  if (more > 0) blocks.push({ type: 'context', elements: [mrkdwn(`…and ${more} more.`)] });
  return { text: `${title} (${items.length})`, blocks };
}

/** The detailed status of one notebook (ephemeral answer to `/notebook status`). */
export function buildStatusMessage(s: NotebookSummary) {
  const fields = [
    mrkdwn(`*Status*\n${statusEmoji(s.status)} ${statusText(s)}`, 2000),
    mrkdwn(`*Flavor*\n${s.flavor ? escapeMrkdwn(s.flavor) : '—'}`, 2000),
    mrkdwn(`*Time left*\n${timeLeftText(s) || '—'}`, 2000),
    mrkdwn(`*Owner*\n${s.ownerId ? `<@${s.ownerId}>` : 'not owned through the bot'}`, 2000),
  ];
  if (s.imageName) fields.push(mrkdwn(`*Image*\n${escapeMrkdwn(s.imageName)}`, 2000));
  if (s.runSoFar && s.status === 'RUNNING') {
    fields.push(mrkdwn(`*Run so far*\n${formatRunCost(s.runSoFar.ms, s.runSoFar.cost)} in this lease`, 2000));
  }
  const blocks: KnownBlock[] = [
    { type: 'section', text: mrkdwn(`*${escapeMrkdwn(s.name)}* · ${codeSpan(s.id)}`), fields },
  ];
  if (s.failReason) blocks.push({ type: 'section', text: mrkdwn(`*Why it failed:* ${escapeMrkdwn(s.failReason)}`) });
  if (s.status === 'RUNNING' && s.url) {
    blocks.push({
      type: 'actions',
      elements: [
        { type: 'button', action_id: STATUS_OPEN_ACTION, text: plain('Open JupyterLab'), url: s.url, style: 'primary' },
      ],
    });
  }
  return { text: `${s.name}: ${s.status}`, blocks };
}
