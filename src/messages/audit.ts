import type { KnownBlock } from '@slack/types';
import { codeSpan, escapeMrkdwn, isSlackUserId, mention, slackDate, truncate } from './format.js';

/** One audit entry as `/notebook audit` shows it (what src/access's trail reads back). */
export interface AuditLine {
  /** When, epoch ms. */
  at: number;
  userId: string;
  action: string;
  outcome: string;
  notebookId?: string | undefined;
  notebookName?: string | undefined;
  rule?: string | undefined;
  detail?: string | undefined;
}

const OUTCOME_LABEL: Readonly<Record<string, string>> = {
  allowed: ':white_check_mark: allowed',
  refused: ':no_entry: refused',
  approval_requested: ':raised_hand: approval requested',
  approved: ':ballot_box_with_check: approved',
  denied: ':x: denied',
  expired: ':hourglass: expired',
  succeeded: ':white_check_mark: succeeded',
  failed: ':warning: failed',
};

export interface RenderAuditOptions {
  /** The notebook the list is about, shown in the header. */
  notebook?: string;
  /** Most entries rendered (default 40); the rest are counted in a footer. */
  maxEntries?: number;
}

const SECTION_MAX = 2900; // Slack's limit is 3000 characters per section text
const MAX_BLOCKS = 48; // of 50 per message, leaving room for the header and the footer

/**
 * Renders audit entries as Block Kit for `/notebook audit [name]` (an ephemeral message or a
 * modal). Pure. Every user-controlled value is escaped; user ids become mentions only when they
 * are well-formed ids. Times use Slack's `<!date>` so each reader sees their own time zone.
 */
export function renderAuditBlocks(entries: readonly AuditLine[], options: RenderAuditOptions = {}): KnownBlock[] {
  const title = options.notebook ? `Audit trail: ${truncate(options.notebook, 100)}` : 'Audit trail';
  const blocks: KnownBlock[] = [{ type: 'header', text: { type: 'plain_text', text: title, emoji: true } }];
  if (entries.length === 0) {
    blocks.push({ type: 'section', text: { type: 'mrkdwn', text: '_No audit entries._' } });
    return blocks;
  }
  const shown = entries.slice(0, options.maxEntries ?? 40);
  let chunk = '';
  let rendered = 0;
  for (const e of shown) {
    const line = renderLine(e);
    if (chunk && chunk.length + 1 + line.length > SECTION_MAX) {
      if (blocks.length >= MAX_BLOCKS) break;
      blocks.push({ type: 'section', text: { type: 'mrkdwn', text: chunk } });
      chunk = '';
    }
    chunk = chunk ? `${chunk}\n${line}` : line;
    rendered += 1;
  }
  if (chunk) blocks.push({ type: 'section', text: { type: 'mrkdwn', text: chunk } });
  const hidden = entries.length - rendered;
  if (hidden > 0) {
    blocks.push({
      type: 'context',
      elements: [{ type: 'mrkdwn', text: `…and ${hidden} older entr${hidden === 1 ? 'y' : 'ies'} not shown.` }],
    });
  }
  return blocks;
}

function renderLine(e: AuditLine): string {
  // To the second: the trail orders events that are often a few seconds apart.
  const when = slackDate(e.at, '{date_short_pretty} {time_secs}');
  const who = isSlackUserId(e.userId) ? mention(e.userId) : escapeMrkdwn(truncate(e.userId, 40));
  const notebook = e.notebookName ?? e.notebookId;
  const parts = [
    `• ${when}`,
    who,
    `*${escapeMrkdwn(truncate(String(e.action), 40))}*`,
    ...(notebook ? [codeSpan(notebook, 80)] : []),
    `— ${OUTCOME_LABEL[e.outcome] ?? escapeMrkdwn(e.outcome)}`,
    ...(e.rule ? [`(${escapeMrkdwn(truncate(e.rule, 60))})`] : []),
  ];
  const detail = e.detail ? `: ${escapeMrkdwn(truncate(e.detail.replace(/\s+/g, ' '), 200))}` : '';
  return `${parts.join(' ')}${detail}`;
}
