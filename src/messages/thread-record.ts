import type { OperationKind } from '../operations/index.js';
import { formatDuration, mention, slackDate } from './format.js';

/** What the notebook's thread says about one finished operation. */
export interface ThreadRecordInput {
  kind: OperationKind;
  /** Who asked (a Slack user id; anything else is escaped, never mentioned). */
  userId: string;
  /** start: the lease it was started with. */
  durationMs?: number;
  /** extend: when the notebook stops after the renewal, and whether the 72 h limit cut it. */
  leaseEndAt?: number;
  capped?: boolean;
}

/**
 * The one line an operation leaves in its notebook's thread, so the thread records who did what
 * ("<@U1> stopped it", "<@U1> extended the lease: it now stops …"). Pure.
 */
export function renderThreadRecord(r: ThreadRecordInput): string {
  const who = mention(r.userId);
  switch (r.kind) {
    case 'create':
      return `${who} created it.`;
    case 'start':
      return r.durationMs !== undefined
        ? `${who} started it with a ${formatDuration(r.durationMs)} lease.`
        : `${who} started it.`;
    case 'stop':
      return `${who} stopped it.`;
    case 'delete':
      return `${who} deleted it.`;
    case 'extend': {
      if (r.leaseEndAt === undefined) return `${who} extended the lease.`;
      const cap = r.capped ? ', 72 h after the extension, the most ModelArts allows' : '';
      return `${who} extended the lease: it now stops ${slackDate(r.leaseEndAt)}${cap}.`;
    }
  }
}
