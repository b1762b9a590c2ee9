import type { WebClient } from '@slack/web-api';
import type { Redis } from 'ioredis';
import { type Clock, systemClock } from '../clock.js';
import { BotError, ConfigError } from '../errors.js';
import type { Logger } from '../logger.js';
import { approvalRequestBlocks, approvalWording, type KnownBlock } from '../messages/index.js';
import { type EnqueueResult, enqueueApproved, type OperationQueue, type Requester } from '../operations/index.js';
import type { AccessControlService } from './access-control.js';
import {
  APPROVAL_ID,
  type ApprovalRecord,
  type ApprovalStatus,
  approvalIdFor,
  createApprovalStore,
  type HeldRequest,
  type LinkRequest,
} from './approval-store.js';
import type { LinkResult } from './identities.js';
import type { Decision } from './types.js';

export { APPROVAL_BLOCK_ID, APPROVE_ACTION_ID, DENY_ACTION_ID, describeOperation } from '../messages/index.js';
export {
  APPROVAL_ID,
  type ApprovalRecord,
  type ApprovalStatus,
  approvalIdFor,
  type HeldRequest,
  type LinkRequest,
} from './approval-store.js';

/** A decision from `check` that asks for approval. */
export type ApprovalDecision = Extract<Decision, { approval: { rule: string } }>;

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

/**
 * Builds the approvals workflow over the approval store (`approval-store.ts`: the records and
 * their atomic transitions); the wording and Block Kit are `messages/approvals.ts`. A decided or
 * expired request is remembered for `retainMs` to answer late clicks.
 */
export function createApprovals(options: ApprovalsOptions): Approvals {
  const clock = options.clock ?? systemClock;
  const retainMs = options.retainMs ?? DEFAULT_RETAIN_MS;
  const log = options.logger.child({ component: 'access-approvals' });
  const { client, access } = options;
  const store = createApprovalStore({ redis: options.redis, prefix: options.prefix });
  const say = approvalWording;

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
      const blocks = approvalRequestBlocks(record, outcomeLine);
      await client.chat.update({ channel: record.channel, ts: record.ts, text: outcomeLine, blocks });
    } catch (err) {
      log.warn({ err, approvalId: record.id }, 'could not update the approval request message');
    }
  }

  async function finishExpired(record: ApprovalRecord): Promise<void> {
    await updateRequestMessage(record, say.expiredLine());
    await tellRequester(record, say.expired(record, access.adminContact()), 'outcome');
    await auditOutcome(
      record,
      record.requester.userId,
      'expired',
      `approval ${record.id} expired`,
      record.requester.channelId,
    );
  }

  /** The audit line of a request's outcome, under the rule that asked for approval. */
  async function auditOutcome(
    record: ApprovalRecord,
    userId: string,
    outcome: 'approved' | 'denied' | 'expired',
    detail: string,
    channelId?: string,
  ): Promise<void> {
    await access.audit({
      userId,
      action: record.op.kind,
      ...notebookFields(record.op),
      ...(channelId ? { channelId } : {}),
      outcome,
      rule: record.rule,
      detail,
    });
  }

  const service: Approvals = {
    get: (id) => store.get(id),

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
      if (!(await store.create(record, retainMs))) {
        const existing = await store.get(id);
        return { approvalId: id, expiresAt: existing?.expiresAt ?? expiresAt, duplicate: true };
      }

      try {
        const res = await client.chat.postMessage({
          channel: approvals.channel,
          text: say.requestNotification(record),
          blocks: approvalRequestBlocks(record),
          unfurl_links: false,
          unfurl_media: false,
        });
        record.channel = res.channel ?? approvals.channel;
        if (res.ts) record.ts = res.ts;
        await store.setMessage(id, record.channel, res.ts);
      } catch (err) {
        // Nobody could ever approve a request nobody can see: drop it and let the user retry.
        await store.drop(id);
        log.error({ err, approvalId: id, channel: approvals.channel }, 'could not post the approval request');
        throw new ApprovalPostError(`could not post approval request ${id}`, { cause: err });
      }

      await tellRequester(record, say.waiting(record, approvals.channel), 'waiting', input.threadTs);
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
      const claimed = await store.claim(approvalId, approve ? 'approved' : 'denied', userId, clock.now(), retainMs);
      if (claimed.kind === 'missing') return { kind: 'unknown' };
      if (claimed.kind === 'done') {
        const { kind: _, ...rest } = claimed;
        return { kind: 'already', ...rest };
      }
      if (claimed.kind === 'pending') return { kind: 'unknown' }; // not reachable for approve/deny
      const record = await store.get(approvalId);
      if (!record) return { kind: 'unknown' };

      if (claimed.outcome === 'expired') {
        await finishExpired(record);
        return { kind: 'expired', record };
      }

      if (claimed.outcome === 'denied') {
        await updateRequestMessage(record, say.deniedLine(userId, record.decidedAt ?? clock.now()));
        await tellRequester(record, say.denied(record, userId, access.adminContact()), 'outcome');
        await auditOutcome(record, userId, 'denied', `approval ${record.id} for ${record.requester.userId} denied`);
        return { kind: 'denied', record };
      }

      if (record.op.kind === 'link') return approveLink(record, record.op, userId);

      // Approved. With a status message, say so before enqueueing: the worker updates that same
      // message as soon as it starts, and our "approved" must not land on top of its progress.
      const approvedText = say.approved(record, userId);
      if (record.op.statusTs) await tellRequester(record, approvedText, 'outcome');
      let enqueue: EnqueueResult;
      try {
        enqueue = await enqueueApproved(options, record.op);
      } catch (err) {
        log.error({ err, approvalId }, 'approved operation could not be enqueued; the request is pending again');
        const remaining = Math.max(1, record.expiresAt - clock.now()) + retainMs;
        await store.revert(approvalId, userId, remaining);
        if (record.op.statusTs) await tellRequester(record, say.stillWaiting(record), 'outcome');
        return { kind: 'enqueue_failed' };
      }
      await updateRequestMessage(record, say.approvedLine(userId, record.decidedAt ?? clock.now()));
      if (!record.op.statusTs) await tellRequester(record, approvedText, 'outcome');
      await auditOutcome(
        record,
        userId,
        'approved',
        `approval ${record.id} for ${record.requester.userId} approved; job ${enqueue.jobId}${enqueue.duplicate ? ' (already queued)' : ''}`,
      );
      return { kind: 'approved', record, enqueue };
    },

    async expireApprovals() {
      let expired = 0;
      for (;;) {
        const ids = await store.due(clock.now(), SWEEP_BATCH);
        for (const id of ids) {
          const claimed = await store.claim(id, 'expired', '', clock.now(), retainMs);
          if (claimed.kind !== 'claimed') continue; // decided by a click meanwhile, or gone
          const record = await store.get(id);
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
    if (result.kind === 'taken') {
      const holder = result.link.slackUserId;
      await updateRequestMessage(record, say.linkTakenLine(adminId, req.iam, holder));
      await tellRequester(record, say.linkTaken(adminId, req.iam, holder, access.adminContact()), 'outcome');
    } else {
      const at = record.decidedAt ?? clock.now();
      await updateRequestMessage(record, say.linkMadeLine(adminId, at, req.requester.userId, req.iam));
      await tellRequester(record, say.linkMade(adminId, req.iam), 'outcome');
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
}

function notebookFields(op: HeldRequest): { notebookId?: string; notebookName?: string } {
  if (op.kind === 'link') return {};
  if (op.kind === 'create') return { notebookName: op.request.name };
  return { notebookId: op.notebookId, notebookName: op.name };
}
