import { createHash } from 'node:crypto';
import type * as types from '@slack/types';
import type { WebClient } from '@slack/web-api';
import type { Redis } from 'ioredis';
import { type Clock, systemClock } from '../clock.js';
import { BotError, ConfigError } from '../errors.js';
import type { Logger } from '../logger.js';
import { codeSpan, escapeMrkdwn, formatDuration, mention, slackDate } from '../messages/index.js';
import type { EnqueueResult, Operation, OperationQueue, Requester } from '../operations/index.js';
import { loadLua } from '../store/index.js';
import type { AccessControlService } from './access-control.js';
import type { LinkResult } from './identities.js';
import type { Decision } from './types.js';

type KnownBlock = types.KnownBlock;

/** `action_id`s of the buttons on an approval request (register nothing else under these). */
export const APPROVE_ACTION_ID = 'nbbot_approval_approve';
export const DENY_ACTION_ID = 'nbbot_approval_deny';
export const APPROVAL_BLOCK_ID = 'nbbot_approval';

export type ApprovalStatus = 'pending' | 'approved' | 'denied' | 'expired';

/**
 * A person asking to be linked to an IAM user (`/notebook link <iam-user>`): held like an
 * operation until an admin decides, then applied to the identity links, never queued.
 */
export interface LinkRequest {
  kind: 'link';
  opId: string;
  requester: Requester;
  requestedAt: number;
  /** The IAM user's name or id. */
  iam: string;
  /** Link requests have no status message. */
  statusTs?: undefined;
}

/** What an approval holds: an operation to enqueue, or a link to make. */
export type HeldRequest = Operation | LinkRequest;

/** A decision from `check` that asks for approval. */
export type ApprovalDecision = Extract<Decision, { approval: { rule: string } }>;

/** A request waiting for (or past) an admin's answer, as stored in Redis. */
export interface ApprovalRecord {
  id: string;
  /** The full operation, enqueued unchanged when approved (a link request: linked). */
  op: HeldRequest;
  requester: Requester;
  rule: string;
  reason: string;
  status: ApprovalStatus;
  createdAt: number;
  expiresAt: number;
  /** The request message in the approvals channel. */
  channel?: string;
  ts?: string;
  decidedBy?: string;
  decidedAt?: number;
}

export interface RequestApprovalInput {
  op: HeldRequest;
  decision: ApprovalDecision;
  /** Defaults to `op.requester`. */
  requester?: Requester;
  /** The thread the requester acted in (a button in a notebook's thread): the waiting note goes there. */
  threadTs?: string | undefined;
}

export interface RequestApprovalResult {
  approvalId: string;
  expiresAt: number;
  /** True when this operation already had a request (Slack retry, double submit): nothing was posted. */
  duplicate: boolean;
}

/** What happened to a click (or a sweep). */
export type DecideResult =
  | { kind: 'approved'; record: ApprovalRecord; enqueue: EnqueueResult }
  /** A link request approved: `result` says whether the link was made (or the IAM user was taken meanwhile). */
  | { kind: 'linked'; record: ApprovalRecord; result: LinkResult }
  | { kind: 'denied'; record: ApprovalRecord }
  /** It was past its expiry: now marked expired (the requester was told). */
  | { kind: 'expired'; record: ApprovalRecord }
  /** Someone (or the expiry sweep) decided before: nothing changed. */
  | { kind: 'already'; status: Exclude<ApprovalStatus, 'pending'>; decidedBy?: string; decidedAt?: number }
  /** No such request (never existed, or its record was dropped after `retainMs`). */
  | { kind: 'unknown' }
  /** The clicker is not an admin: nothing changed. */
  | { kind: 'not_admin' }
  /** Approved, but the queue did not take the operation: the request is pending again. */
  | { kind: 'enqueue_failed' };

export interface Approvals {
  /**
   * Holds `op` until an admin decides: stores it (with the full operation), posts Approve/Deny to
   * the approvals channel and tells the requester it is waiting (with the approvals channel and
   * the expiry: callers add no message of their own). Nothing is enqueued.
   * Idempotent per `op.opId`: a duplicate posts and tells nothing.
   * Audits `approval_requested` (callers do not).
   * @throws ConfigError when the policy has no `approvals` section;
   *         ApprovalPostError when the request could not be posted (nothing is kept).
   */
  requestApproval(input: RequestApprovalInput): Promise<RequestApprovalResult>;
  /**
   * One admin's answer. Atomic: of any number of concurrent clicks exactly one decides; on
   * approve the stored operation is enqueued exactly once.
   */
  decide(input: { approvalId: string; userId: string; approve: boolean }): Promise<DecideResult>;
  /** Marks every pending request past its expiry as expired and tells its requester. Returns how many. */
  expireApprovals(): Promise<number>;
  get(approvalId: string): Promise<ApprovalRecord | undefined>;
}

export interface ApprovalsOptions {
  redis: Redis;
  /** Key prefix (hash-tagged), e.g. `{nbbot}`. */
  prefix: string;
  /** Bot-token client for the approvals channel and messages to requesters. */
  client: WebClient;
  access: Pick<AccessControlService, 'isAdmin' | 'audit' | 'adminContact' | 'policy' | 'identities'>;
  queue: OperationQueue;
  logger: Logger;
  clock?: Clock;
  /** How long a decided or expired request is remembered, to answer late clicks (default 7 days). */
  retainMs?: number;
}

/** The approvals channel could not be posted to; the operation was not held. */
export class ApprovalPostError extends BotError {
  readonly code = 'approval_post_failed';
  override get userMessage(): string {
    return "This request needs an admin's approval, but the approval request could not be posted. Nothing was done; try again in a minute.";
  }
}

const DEFAULT_RETAIN_MS = 7 * 24 * 3_600_000;
const SWEEP_BATCH = 100;

/** Store only if absent, and index by expiry, in one step (a Slack retry must not post twice). */
const CREATE = loadLua(import.meta.url, 'scripts/approval-create.lua');

/**
 * The one place a request leaves "pending". Whoever gets 'claimed' back owns the outcome; every
 * other caller sees 'done'. A request past its expiry can only become 'expired', whatever the
 * click asked for, so a late Approve never creates anything.
 */
const CLAIM = loadLua(import.meta.url, 'scripts/approval-claim.lua');

/** Undo an approval whose enqueue failed, so an admin can click again. */
const REVERT = loadLua(import.meta.url, 'scripts/approval-revert.lua');

/** The approval id for an operation: derived, so a retried request maps to the same approval. */
export function approvalIdFor(opId: string): string {
  return createHash('sha256').update(opId).digest('base64url').slice(0, 22);
}

export const APPROVAL_ID = /^[A-Za-z0-9_-]{22}$/;

/**
 * Builds the approvals service. Keys: `{prefix}:approval:{id}` (a hash holding the operation and
 * its state) and `{prefix}:approvals:pending` (a sorted set by expiry that drives
 * `expireApprovals`). The hash outlives the expiry by `retainMs` rather than vanishing at it:
 * the sweep needs it to tell the requester "expired", and a late click deserves a clear answer.
 */
export function createApprovals(options: ApprovalsOptions): Approvals {
  const clock = options.clock ?? systemClock;
  const retainMs = options.retainMs ?? DEFAULT_RETAIN_MS;
  const log = options.logger.child({ component: 'access-approvals' });
  const { client, access } = options;
  const key = (id: string) => `${options.prefix}:approval:${id}`;
  const pendingKey = `${options.prefix}:approvals:pending`;

  async function get(id: string): Promise<ApprovalRecord | undefined> {
    if (!APPROVAL_ID.test(id)) return undefined;
    return decodeRecord(id, await options.redis.hgetall(key(id)));
  }

  async function claim(
    id: string,
    outcome: ApprovalStatus,
    by: string,
  ): Promise<
    | { kind: 'claimed'; outcome: Exclude<ApprovalStatus, 'pending'> }
    | { kind: 'done'; status: Exclude<ApprovalStatus, 'pending'>; decidedBy?: string; decidedAt?: number }
    | { kind: 'missing' }
    | { kind: 'pending' }
  > {
    const res = (await CLAIM.run(
      options.redis,
      [key(id), pendingKey],
      [id, clock.now(), outcome, by, retainMs],
    )) as string[];
    switch (res[0]) {
      case 'claimed':
        return { kind: 'claimed', outcome: res[1] as Exclude<ApprovalStatus, 'pending'> };
      case 'done':
        return {
          kind: 'done',
          status: res[1] as Exclude<ApprovalStatus, 'pending'>,
          ...(res[2] ? { decidedBy: res[2] } : {}),
          ...(res[3] ? { decidedAt: Number(res[3]) } : {}),
        };
      case 'pending':
        return { kind: 'pending' };
      default:
        return { kind: 'missing' };
    }
  }

  /**
   * Message to the requester: in their status message when there is one, else ephemeral (in
   * `threadTs` when they acted in a thread) or, failing that and for later answers, a DM.
   */
  async function tellRequester(
    record: ApprovalRecord,
    text: string,
    phase: 'waiting' | 'outcome',
    threadTs?: string,
  ): Promise<void> {
    const { requester, op } = record;
    const blocks: KnownBlock[] = [{ type: 'section', text: { type: 'mrkdwn', text } }];
    try {
      if (op.statusTs) {
        await client.chat.update({ channel: requester.channelId, ts: op.statusTs, text, blocks });
        return;
      }
      if (phase === 'waiting') {
        // They just acted: an ephemeral reply where they are is the natural answer.
        try {
          await client.chat.postEphemeral({
            channel: requester.channelId,
            user: requester.userId,
            text,
            blocks,
            ...(threadTs ? { thread_ts: threadTs } : {}),
          });
          return;
        } catch (err) {
          log.debug({ err }, 'ephemeral to requester failed; sending a DM');
        }
      }
      // An answer that comes hours later should last: a DM (posting to a user id opens it).
      await client.chat.postMessage({ channel: requester.userId, text, blocks });
    } catch (err) {
      log.warn({ err, approvalId: record.id, userId: requester.userId }, 'could not tell the requester');
    }
  }

  async function updateRequestMessage(record: ApprovalRecord, outcomeLine: string): Promise<void> {
    if (!record.channel || !record.ts) return;
    try {
      const blocks = requestBlocks(record, outcomeLine);
      await client.chat.update({ channel: record.channel, ts: record.ts, text: outcomeLine, blocks });
    } catch (err) {
      log.warn({ err, approvalId: record.id }, 'could not update the approval request message');
    }
  }

  async function finishExpired(record: ApprovalRecord): Promise<void> {
    const what = describeOperation(record.op);
    const waited = formatDuration(record.expiresAt - record.createdAt);
    await updateRequestMessage(record, ':hourglass: Expired: no admin answered in time. Nothing was done.');
    await tellRequester(
      record,
      `:hourglass: Your request to ${what} expired: no admin answered within ${waited}. Nothing was done. Ask again, or ask ${access.adminContact()}.`,
      'outcome',
    );
    await access.audit({
      userId: record.requester.userId,
      action: record.op.kind,
      ...notebookFields(record.op),
      channelId: record.requester.channelId,
      outcome: 'expired',
      rule: record.rule,
      detail: `approval ${record.id} expired`,
    });
  }

  const service: Approvals = {
    get,

    async requestApproval(input) {
      const approvals = access.policy.approvals;
      if (!approvals) {
        throw new ConfigError(
          'An operation needs approval but the policy has no `approvals` section (channel, expiry).',
        );
      }
      const { decision } = input;
      // A request from App Home has no channel; the worker posts the approved operation's status
      // message to `requester.channelId`, and a user id there means "the DM with the bot".
      const given = input.requester ?? input.op.requester;
      const requester: Requester = { ...given, channelId: given.channelId || given.userId };
      const op: HeldRequest = input.op.requester.channelId
        ? input.op
        : ({
            ...input.op,
            requester: { ...input.op.requester, channelId: input.op.requester.userId },
          } as HeldRequest);
      const id = approvalIdFor(op.opId);
      const now = clock.now();
      const expiresAt = now + approvals.expiryMs;
      const record: ApprovalRecord = {
        id,
        op,
        requester,
        rule: decision.approval.rule,
        reason: decision.approval.reason,
        status: 'pending',
        createdAt: now,
        expiresAt,
      };
      const fields = encodeRecord(record);
      const created = await CREATE.run(
        options.redis,
        [key(id), pendingKey],
        [id, expiresAt, expiresAt - now + retainMs, ...fields],
      );
      if (created === 0) {
        const existing = await get(id);
        return { approvalId: id, expiresAt: existing?.expiresAt ?? expiresAt, duplicate: true };
      }

      try {
        const text = `Approval needed: <@${requester.userId}> asks to ${describeOperation(op, { plain: true })}`;
        const res = await client.chat.postMessage({
          channel: approvals.channel,
          text,
          blocks: requestBlocks(record),
          unfurl_links: false,
          unfurl_media: false,
        });
        record.channel = res.channel ?? approvals.channel;
        if (res.ts) record.ts = res.ts;
        await options.redis.hset(key(id), { channel: record.channel, ...(res.ts ? { ts: res.ts } : {}) });
      } catch (err) {
        // Nobody could ever approve a request nobody can see: drop it and let the user retry.
        await options.redis.multi().del(key(id)).zrem(pendingKey, id).exec();
        log.error({ err, approvalId: id, channel: approvals.channel }, 'could not post the approval request');
        throw new ApprovalPostError(`could not post approval request ${id}`, { cause: err });
      }

      await tellRequester(
        record,
        `:hourglass_flowing_sand: Your request to ${describeOperation(op)} needs an admin's approval (${escapeMrkdwn(
          record.reason,
        )}). It was sent to ${mention(approvals.channel)} and expires ${slackDate(expiresAt)}. Nothing happens until an admin approves it.`,
        'waiting',
        input.threadTs,
      );
      await access.audit({
        userId: requester.userId,
        action: op.kind,
        ...notebookFields(op),
        channelId: requester.channelId,
        outcome: 'approval_requested',
        rule: record.rule,
        detail: `approval ${id}: ${record.reason}`,
      });
      return { approvalId: id, expiresAt, duplicate: false };
    },

    async decide({ approvalId, userId, approve }) {
      if (!APPROVAL_ID.test(approvalId)) return { kind: 'unknown' };
      if (!(await access.isAdmin(userId))) {
        await access.audit({
          userId,
          action: 'approve',
          outcome: 'refused',
          rule: 'admin_only',
          detail: `tried to ${approve ? 'approve' : 'deny'} approval ${approvalId}`,
        });
        return { kind: 'not_admin' };
      }
      const claimed = await claim(approvalId, approve ? 'approved' : 'denied', userId);
      if (claimed.kind === 'missing') return { kind: 'unknown' };
      if (claimed.kind === 'done') {
        const { kind: _, ...rest } = claimed;
        return { kind: 'already', ...rest };
      }
      if (claimed.kind === 'pending') return { kind: 'unknown' }; // not reachable for approve/deny
      const record = await get(approvalId);
      if (!record) return { kind: 'unknown' };
      const what = describeOperation(record.op);

      if (claimed.outcome === 'expired') {
        await finishExpired(record);
        return { kind: 'expired', record };
      }

      if (claimed.outcome === 'denied') {
        await updateRequestMessage(
          record,
          `:x: Denied by ${mention(userId)} ${slackDate(record.decidedAt ?? clock.now())}.`,
        );
        await tellRequester(
          record,
          `:x: ${mention(userId)} denied your request to ${what}. Nothing was done. Ask ${access.adminContact()} if you have questions.`,
          'outcome',
        );
        await access.audit({
          userId,
          action: record.op.kind,
          ...notebookFields(record.op),
          outcome: 'denied',
          rule: record.rule,
          detail: `approval ${record.id} for ${record.requester.userId} denied`,
        });
        return { kind: 'denied', record };
      }

      if (record.op.kind === 'link') return approveLink(record, record.op, userId);

      // Approved. With a status message, say so before enqueueing: the worker updates that same
      // message as soon as it starts, and our "approved" must not land on top of its progress.
      const approvedText = `:white_check_mark: ${mention(userId)} approved your request to ${what}. It is on its way.`;
      if (record.op.statusTs) await tellRequester(record, approvedText, 'outcome');
      let enqueue: EnqueueResult;
      try {
        enqueue = await options.queue.enqueue(record.op);
      } catch (err) {
        log.error({ err, approvalId }, 'approved operation could not be enqueued; the request is pending again');
        const remaining = Math.max(1, record.expiresAt - clock.now()) + retainMs;
        await REVERT.run(options.redis, [key(approvalId), pendingKey], [approvalId, userId, remaining]);
        if (record.op.statusTs) {
          await tellRequester(
            record,
            `:hourglass_flowing_sand: Your request to ${what} is still waiting for an admin's approval.`,
            'outcome',
          );
        }
        return { kind: 'enqueue_failed' };
      }
      await updateRequestMessage(
        record,
        `:white_check_mark: Approved by ${mention(userId)} ${slackDate(record.decidedAt ?? clock.now())}.`,
      );
      if (!record.op.statusTs) await tellRequester(record, approvedText, 'outcome');
      await access.audit({
        userId,
        action: record.op.kind,
        ...notebookFields(record.op),
        outcome: 'approved',
        rule: record.rule,
        detail: `approval ${record.id} for ${record.requester.userId} approved; job ${enqueue.jobId}${enqueue.duplicate ? ' (already queued)' : ''}`,
      });
      return { kind: 'approved', record, enqueue };
    },

    async expireApprovals() {
      let expired = 0;
      for (;;) {
        const ids = await options.redis.zrangebyscore(pendingKey, '-inf', clock.now(), 'LIMIT', 0, SWEEP_BATCH);
        for (const id of ids) {
          const claimed = await claim(id, 'expired', '');
          if (claimed.kind !== 'claimed') continue; // decided by a click meanwhile, or gone
          const record = await get(id);
          if (!record) continue;
          await finishExpired(record);
          expired += 1;
        }
        if (ids.length < SWEEP_BATCH) return expired;
      }
    },
  };
  return service;

  /** An approved link request: make the link (unless someone else got the IAM user meanwhile). */
  async function approveLink(record: ApprovalRecord, req: LinkRequest, adminId: string): Promise<DecideResult> {
    const result = await access.identities.link({ slackUserId: req.requester.userId, iam: req.iam, by: adminId });
    const iam = codeSpan(req.iam);
    if (result.kind === 'taken') {
      await updateRequestMessage(
        record,
        `:warning: Approved by ${mention(adminId)}, but IAM user ${iam} is already linked to ${mention(result.link.slackUserId)}. Nothing changed.`,
      );
      await tellRequester(
        record,
        `:warning: ${mention(adminId)} approved your request, but IAM user ${iam} is linked to ${mention(result.link.slackUserId)} already, so nothing changed. Ask ${access.adminContact()} to sort it out.`,
        'outcome',
      );
    } else {
      await updateRequestMessage(
        record,
        `:white_check_mark: Approved by ${mention(adminId)} ${slackDate(record.decidedAt ?? clock.now())}: ${mention(req.requester.userId)} is linked to IAM user ${iam}.`,
      );
      await tellRequester(
        record,
        `:white_check_mark: ${mention(adminId)} linked you to IAM user ${iam}. Notebooks it created are yours now: ${codeSpan('/notebook list')} shows them.`,
        'outcome',
      );
    }
    await access.audit({
      userId: adminId,
      action: 'link',
      outcome: result.kind === 'taken' ? 'failed' : 'approved',
      rule: record.rule,
      detail: `approval ${record.id}: ${req.requester.userId} -> IAM user ${req.iam}${result.kind === 'taken' ? ` (already linked to ${result.link.slackUserId})` : ''}`,
    });
    return { kind: 'linked', record, result };
  }

  function requestBlocks(record: ApprovalRecord, outcomeLine?: string): KnownBlock[] {
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
}

// ------------------------------------------------------------------ helpers

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

function notebookFields(op: HeldRequest): { notebookId?: string; notebookName?: string } {
  if (op.kind === 'link') return {};
  if (op.kind === 'create') return { notebookName: op.request.name };
  return { notebookId: op.notebookId, notebookName: op.name };
}

function encodeRecord(r: ApprovalRecord): string[] {
  const out: string[] = [
    'status',
    r.status,
    'op',
    JSON.stringify(r.op),
    'requester',
    JSON.stringify(r.requester),
    'rule',
    r.rule,
    'reason',
    r.reason,
    'createdAt',
    String(r.createdAt),
    'expiresAt',
    String(r.expiresAt),
  ];
  return out;
}

function decodeRecord(id: string, h: Record<string, string>): ApprovalRecord | undefined {
  if (!h['status'] || !h['op'] || !h['requester']) return undefined;
  return {
    id,
    op: JSON.parse(h['op']) as Operation,
    requester: JSON.parse(h['requester']) as Requester,
    rule: h['rule'] ?? '',
    reason: h['reason'] ?? '',
    status: h['status'] as ApprovalStatus,
    createdAt: Number(h['createdAt']),
    expiresAt: Number(h['expiresAt']),
    ...(h['channel'] ? { channel: h['channel'] } : {}),
    ...(h['ts'] ? { ts: h['ts'] } : {}),
    ...(h['decidedBy'] ? { decidedBy: h['decidedBy'] } : {}),
    ...(h['decidedAt'] ? { decidedAt: Number(h['decidedAt']) } : {}),
  };
}
