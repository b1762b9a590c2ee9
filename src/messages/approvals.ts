import type { KnownBlock } from '@slack/types';
import type { ApprovalRecord, DecideResult, HeldRequest } from '../access/index.js';
import { codeSpan, escapeMrkdwn, formatDuration, mention, slackDate } from './format.js';

/** `action_id`s of the buttons on an approval request (register nothing else under these). */
export const APPROVE_ACTION_ID = 'nbbot_approval_approve';
export const DENY_ACTION_ID = 'nbbot_approval_deny';
export const APPROVAL_BLOCK_ID = 'nbbot_approval';

/** "create notebook `nb` (flavor `x`, lease 8 h)" — escaped mrkdwn, or plain for notification text. */
export function describeOperation(op: HeldRequest, options: { plain?: boolean } = {}): string {
  const code = (s: string) => (options.plain ? escapeMrkdwn(s) : codeSpan(s));
  switch (op.kind) {
    case 'link':
      return `be linked to IAM user ${code(op.iam)} (notebooks it created become theirs in Slack)`;
    case 'create': {
      const lease = op.request.lease?.duration ?? op.request.duration;
      const details = [
        `flavor ${code(op.request.flavor)}`,
        ...(lease !== undefined ? [`lease ${formatDuration(lease)}`] : []),
      ];
      return `create notebook ${code(op.request.name)} (${details.join(', ')})`;
    }
    case 'start':
      return `start ${code(op.name)} for ${formatDuration(op.durationMs)}`;
    case 'extend':
      return `extend the lease of ${code(op.name)} by ${formatDuration(op.addMs)}`;
    case 'stop':
      return `stop ${code(op.name)}`;
    case 'delete':
      return `delete ${code(op.name)}`;
  }
}

/**
 * The request in the approvals channel: who asks what and why, the rule and the expiry, then
 * Approve/Deny, or (once decided) `outcomeLine` in their place.
 */
export function approvalRequestBlocks(record: ApprovalRecord, outcomeLine?: string): KnownBlock[] {
  const blocks: KnownBlock[] = [
    {
      type: 'section',
      text: {
        type: 'mrkdwn',
        text: `:raised_hand: *Approval needed*\n${mention(record.requester.userId)} asks to ${describeOperation(
          record.op,
        )}.\n*Why:* ${escapeMrkdwn(record.reason)}`,
      },
    },
    {
      type: 'context',
      elements: [
        {
          type: 'mrkdwn',
          text: `Rule ${codeSpan(record.rule)} · expires ${slackDate(record.expiresAt)} · request ${codeSpan(record.id)}`,
        },
      ],
    },
  ];
  if (outcomeLine) {
    blocks.push({ type: 'section', text: { type: 'mrkdwn', text: outcomeLine } });
  } else {
    blocks.push({
      type: 'actions',
      block_id: APPROVAL_BLOCK_ID,
      elements: [
        {
          type: 'button',
          action_id: APPROVE_ACTION_ID,
          style: 'primary',
          text: { type: 'plain_text', text: 'Approve' },
          value: record.id,
        },
        {
          type: 'button',
          action_id: DENY_ACTION_ID,
          style: 'danger',
          text: { type: 'plain_text', text: 'Deny' },
          value: record.id,
        },
      ],
    });
  }
  return blocks;
}

/**
 * What the approval flow says, to the approvals channel (`…Line`: the outcome in place of the
 * buttons; `requestNotification`: the request's notification text) and to the requester.
 */
export const approvalWording = {
  requestNotification: (record: ApprovalRecord) =>
    `Approval needed: <@${record.requester.userId}> asks to ${describeOperation(record.op, { plain: true })}`,
  waiting: (record: ApprovalRecord, channel: string) =>
    `:hourglass_flowing_sand: Your request to ${describeOperation(record.op)} needs an admin's approval (${escapeMrkdwn(
      record.reason,
    )}). It was sent to ${mention(channel)} and expires ${slackDate(record.expiresAt)}. Nothing happens until an admin approves it.`,
  stillWaiting: (record: ApprovalRecord) =>
    `:hourglass_flowing_sand: Your request to ${describeOperation(record.op)} is still waiting for an admin's approval.`,
  expiredLine: () => ':hourglass: Expired: no admin answered in time. Nothing was done.',
  expired: (record: ApprovalRecord, adminContact: string) =>
    `:hourglass: Your request to ${describeOperation(record.op)} expired: no admin answered within ${formatDuration(
      record.expiresAt - record.createdAt,
    )}. Nothing was done. Ask again, or ask ${adminContact}.`,
  deniedLine: (adminId: string, at: number) => `:x: Denied by ${mention(adminId)} ${slackDate(at)}.`,
  denied: (record: ApprovalRecord, adminId: string, adminContact: string) =>
    `:x: ${mention(adminId)} denied your request to ${describeOperation(record.op)}. Nothing was done. Ask ${adminContact} if you have questions.`,
  approvedLine: (adminId: string, at: number) => `:white_check_mark: Approved by ${mention(adminId)} ${slackDate(at)}.`,
  approved: (record: ApprovalRecord, adminId: string) =>
    `:white_check_mark: ${mention(adminId)} approved your request to ${describeOperation(record.op)}. It is on its way.`,
  linkTakenLine: (adminId: string, iam: string, holderId: string) =>
    `:warning: Approved by ${mention(adminId)}, but IAM user ${codeSpan(iam)} is already linked to ${mention(holderId)}. Nothing changed.`,
  linkTaken: (adminId: string, iam: string, holderId: string, adminContact: string) =>
    `:warning: ${mention(adminId)} approved your request, but IAM user ${codeSpan(iam)} is linked to ${mention(holderId)} already, so nothing changed. Ask ${adminContact} to sort it out.`,
  linkMadeLine: (adminId: string, at: number, requesterId: string, iam: string) =>
    `:white_check_mark: Approved by ${mention(adminId)} ${slackDate(at)}: ${mention(requesterId)} is linked to IAM user ${codeSpan(iam)}.`,
  linkMade: (adminId: string, iam: string) =>
    `:white_check_mark: ${mention(adminId)} linked you to IAM user ${codeSpan(iam)}. Notebooks it created are yours now: ${codeSpan('/notebook list')} shows them.`,
};

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
