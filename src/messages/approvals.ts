import type { DecideResult } from '../access/index.js';
import { mention, slackDate } from './format.js';

/** What the clicker is told (undefined: the updated request message says it all). */
export function approvalClickReply(result: DecideResult, adminContact: string): string | undefined {
  switch (result.kind) {
    case 'approved':
    case 'denied':
    case 'linked':
      return undefined;
    case 'not_admin':
      return `Only admins can approve or deny requests (rule \`admin_only\`). Admins: ${adminContact}.`;
    case 'expired':
      return 'This request had expired, so it was not approved and nothing was done. The requester has been told; they can ask again.';
    case 'already': {
      const by = result.decidedBy ? ` by ${mention(result.decidedBy)}` : '';
      const when = result.decidedAt ? ` ${slackDate(result.decidedAt)}` : '';
      if (result.status === 'expired')
        return `This request expired${when}; nothing was done. The requester can ask again.`;
      return `This request was already ${result.status}${by}${when}. Nothing changed.`;
    }
    case 'unknown':
      return 'This request is no longer known (it expired or was decided long ago). Nothing was done.';
    case 'enqueue_failed':
      return 'Approved, but the operation could not be queued, so the request is still pending. Try again in a minute.';
  }
}
