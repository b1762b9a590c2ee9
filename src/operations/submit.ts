import type { WebClient } from '@slack/web-api';
import type { Redis } from 'ioredis';
import type { AccessControl, AccessRequest, AuditEntry, Decision, HeldRequest } from '../access/index.js';
import type { Clock } from '../clock.js';
import type { Logger } from '../logger.js';
import {
  decodeSlackError,
  errorRef,
  escapeMrkdwn,
  operationNotebookName,
  queuedOperationStatus,
  renderOperationStatus,
  userMessageFor,
} from '../messages/index.js';
import { withCostQuote } from './cost-quote.js';
import type { Replier } from './reply.js';
import { postStatusMessage } from './status-post.js';
import type { EnqueueResult, Operation, OperationQueue } from './types.js';

/** How long a dedupe key lives: longer than any Slack retry or double click, shorter than memory. */
const DEDUPE_TTL_SEC = 24 * 3600;

type DedupeDeps = Pick<SubmitDeps, 'redis' | 'prefix' | 'clock'>;

const dedupeKeyOf = (deps: DedupeDeps, opId: string) => `${deps.prefix}:slack:op:${opId}`;

/** Claims an operation id (`SET NX`): false when a Slack retry, double submit or click got there first. */
async function claimOperation(deps: DedupeDeps, opId: string): Promise<boolean> {
  const fresh = await deps.redis.set(dedupeKeyOf(deps, opId), String(deps.clock.now()), 'EX', DEDUPE_TTL_SEC, 'NX');
  return fresh === 'OK';
}

/** An operation that an access rule says needs an admin's approval before it may run. */
export interface ApprovalRequest {
  /**
   * The operation, ready to enqueue once approved (no status message posted yet), or a person's
   * request to be linked to an IAM user (applied, not queued, once approved).
   */
  operation: HeldRequest;
  /** The request the access check judged. */
  access: AccessRequest;
  /** Which rule asked, and why (for the admins' message). */
  approval: { rule: string; reason: string };
  /** Bot client, to message admins. */
  client: WebClient;
}

/**
 * Hook for the approval flow (src/access `Approvals.requestApproval`). Called instead of
 * enqueueing when `check` answers `{allowed: true, approval}`; the flow asks the admins, audits
 * the request, tells the requester it waits, and enqueues the operation once approved.
 */
export type OnApprovalRequired = (request: ApprovalRequest) => Promise<void>;

/** What `submitOperation` needs; the Slack surface's deps satisfy it. */
export interface SubmitDeps {
  logger: Logger;
  access: Pick<AccessControl, 'check' | 'audit'> & Partial<Pick<AccessControl, 'usage'>>;
  redis: Redis;
  prefix: string;
  clock: Clock;
  queue: OperationQueue;
  onApprovalRequired?: OnApprovalRequired | undefined;
}

export interface SubmitRequest {
  /** The operation to queue; `statusTs` is filled in here. */
  op: Operation;
  /** What the access check judges (`check` is called unless `decision` is given). */
  access: AccessRequest;
  /** A decision already made (a modal checks before it acks). */
  decision?: Decision | undefined;
  /** Where the status message goes: the channel of the command, the notebook's thread, or a DM. */
  where: { channelId?: string | undefined; threadTs?: string | undefined };
  reply: Replier;
}

/** What happened to a request; `duplicate` means a replay of one already handled. */
export type SubmitOutcome = 'queued' | 'duplicate' | 'refused' | 'approval' | 'failed';

/**
 * The one path from a user's intent to the queue, shared by commands, modals and buttons:
 *
 * 1. access check (refusal → the decision's message, privately);
 * 2. dedupe: `SET NX` on the opId, so a Slack retry, a double submit or a double click does
 *    nothing twice (the opId is derived from the request, see ids.ts);
 * 3. approval-required → `onApprovalRequired` (src/access's approvals, which audit it and tell
 *    the requester it waits: nothing more is said here), nothing queued;
 * 4. one status message where the request was made (DM fallback), naming the requester;
 * 5. enqueue with that message's ts, so the worker updates it in place.
 *
 * When Slack does not take the status message for a passing reason (a 429, `internal_error`, a
 * 5xx, no answer), the operation is queued all the same, without it: the worker posts it once
 * Slack recovers (and acts on the cloud only then), and the requester is told so privately.
 * Any other failure reaches the user as a private message saying what to do; the status
 * message, if posted, shows the failure and the dedupe key is released so they can retry.
 */
export async function submitOperation(
  deps: SubmitDeps,
  client: WebClient,
  given: SubmitRequest,
): Promise<SubmitOutcome> {
  // What the added run time costs goes with the operation: its status message says it at every step.
  const req = { ...given, op: await withCostQuote(deps.access, given.op, given.access.flavor) };
  const { op, reply } = req;
  const log = deps.logger.child({ opId: op.opId, kind: op.kind, userId: op.requester.userId });
  const auditBase = auditBaseOf(op, req.where);

  const decision = req.decision ?? (await deps.access.check(req.access));
  if (!decision.allowed) {
    await deps.access.audit({ ...auditBase, outcome: 'refused', rule: decision.rule });
    await reply({ text: `:no_entry: ${decision.message}` });
    return 'refused';
  }

  const dedupeKey = dedupeKeyOf(deps, op.opId);
  if (!(await claimOperation(deps, op.opId))) {
    log.info('duplicate request ignored (Slack retry, double submit or double click)');
    return 'duplicate';
  }

  if (decision.approval) {
    if (deps.onApprovalRequired) {
      try {
        await deps.onApprovalRequired({ operation: op, access: req.access, approval: decision.approval, client });
      } catch (err) {
        const ref = errorRef();
        log.error({ err, ref }, 'approval request failed');
        await deps.redis.del(dedupeKey).catch(() => undefined);
        await reply({ text: `:warning: I could not ask the admins for approval. ${userMessageFor(err, ref)}` });
        return 'failed';
      }
    } else {
      await deps.access.audit({ ...auditBase, outcome: 'approval_requested', rule: decision.approval.rule });
      await reply({
        text: `:raised_hand: This needs an admin's approval (${escapeMrkdwn(decision.approval.reason)}), but approvals are not set up yet. Ask an admin to do it for you.`,
      });
    }
    return 'approval';
  }

  return postAndEnqueue(deps, client, req, log, auditBase);
}

/**
 * Queues an operation an admin approved, exactly as it was held (`access/approvals.ts`). Its access
 * check ran and its id was claimed when it was first submitted (`submitOperation`), so there is no
 * second check or claim here: only the producer's own dedupe, by job id (an operation already
 * queued is `duplicate`). Nothing is posted: the worker posts the status message when the
 * operation has none (`statusTs`), where it was asked for (DM for App Home). The caller audits
 * the outcome (`approved`, with the job id) and handles a failure, which is thrown.
 */
export function enqueueApproved(deps: Pick<SubmitDeps, 'queue'>, op: Operation): Promise<EnqueueResult> {
  return deps.queue.enqueue(op);
}

/**
 * Queues an operation as it is, for a caller that made its checks, says the outcome itself and
 * leaves the status message to the worker (a lease button: the warning is updated in place and
 * the worker posts the operation's status in the notebook's thread). The same dedupe as
 * `submitOperation` (a double click or a Slack retry queues nothing new: `duplicate`), then the
 * producer's own, by job id. A failure releases the claim and is thrown to the caller.
 */
export async function enqueueDecided(
  deps: Pick<SubmitDeps, 'redis' | 'prefix' | 'clock' | 'queue'>,
  op: Operation,
): Promise<EnqueueResult> {
  if (!(await claimOperation(deps, op.opId))) return { jobId: op.opId, duplicate: true };
  try {
    return await deps.queue.enqueue(op);
  } catch (err) {
    await deps.redis.del(dedupeKeyOf(deps, op.opId)).catch(() => undefined);
    throw err;
  }
}

type AuditBase = Omit<AuditEntry, 'outcome'>;

function auditBaseOf(op: Operation, where: SubmitRequest['where']): AuditBase {
  return {
    userId: op.requester.userId,
    action: op.kind,
    notebookName: operationNotebookName(op),
    ...(op.kind !== 'create' ? { notebookId: op.notebookId } : {}),
    ...(where.channelId ? { channelId: where.channelId } : {}),
  };
}

/** Steps 4 and 5 of `submitOperation`: the status message, then the queue. */
async function postAndEnqueue(
  deps: SubmitDeps,
  client: WebClient,
  req: Pick<SubmitRequest, 'op' | 'where' | 'reply'>,
  log: Logger,
  auditBase: AuditBase,
): Promise<SubmitOutcome> {
  const { op, reply } = req;
  const name = operationNotebookName(op);
  const dedupeKey = dedupeKeyOf(deps, op.opId);
  let posted: Awaited<ReturnType<typeof postStatusMessage>> | undefined;
  try {
    const message = renderOperationStatus(queuedOperationStatus(op, deps.clock.now()));
    let slackDown: string | undefined;
    try {
      posted = await postStatusMessage(client, { ...req.where, userId: op.requester.userId }, message);
    } catch (err) {
      const failure = decodeSlackError(err);
      if (!failure || failure.kind === 'permanent') throw err;
      // Slack hiccuped: queue it anyway; the worker posts the status message when Slack is back.
      slackDown = failure.code;
      log.warn({ code: failure.code }, 'Slack did not take the status message; queued without it');
    }
    if (posted?.movedToDm) {
      await reply({
        text: `I can't post in this channel (invite me with \`/invite\`), so I'll keep you posted about *${escapeMrkdwn(name)}* in our DM.`,
      });
    }
    const queued = posted ? queuedWithStatus(op, req.where, posted) : queuedWithoutStatus(op, req.where);
    const result = await deps.queue.enqueue(queued);
    if (result.duplicate) {
      if (posted) {
        log.info({ jobId: result.jobId }, 'queue already had this operation; removing the extra status message');
        await client.chat.delete({ channel: posted.channelId, ts: posted.ts }).catch(() => undefined);
      }
      return 'duplicate';
    }
    await deps.access.audit({ ...auditBase, outcome: 'allowed' });
    log.info({ jobId: result.jobId, channel: posted?.channelId, ts: posted?.ts }, 'operation queued');
    if (slackDown) {
      await reply({
        text: `:hourglass_flowing_sand: Slack is having trouble right now (\`${escapeMrkdwn(slackDown)}\`), so I could not post the status of *${escapeMrkdwn(name)}* yet. Your request is queued: the status message appears, and the work starts, as soon as Slack takes it. Nothing to do on your side.`,
      });
    }
    return 'queued';
  } catch (err) {
    const ref = errorRef();
    log.error({ err, ref }, 'could not queue the operation');
    await deps.redis.del(dedupeKey).catch(() => undefined);
    const what = userMessageFor(err, ref);
    if (posted) {
      const failed = renderOperationStatus({
        ...queuedOperationStatus(op, deps.clock.now()),
        phase: 'failed',
        failure: { reason: 'The request could not be queued.', hint: 'Try again in a minute.' },
      });
      await client.chat.update({ channel: posted.channelId, ts: posted.ts, ...failed }).catch(() => undefined);
    }
    await reply({ text: `:warning: I could not ${op.kind} *${escapeMrkdwn(name)}*. ${what}` });
    return 'failed';
  }
}

/** The operation as queued once its status message is posted: the worker updates that message. */
function queuedWithStatus(
  op: Operation,
  where: SubmitRequest['where'],
  posted: Awaited<ReturnType<typeof postStatusMessage>>,
): Operation {
  // A DM fallback has no notebook thread: the worker must not reply into a thread elsewhere.
  const { threadTs, ...rest } = op;
  const inThread = where.threadTs && posted.channelId === where.channelId ? where.threadTs : undefined;
  return {
    ...rest,
    requester: { ...op.requester, channelId: posted.channelId },
    statusTs: posted.ts,
    ...(inThread ? { statusThreadTs: inThread } : {}),
    ...(threadTs && !posted.movedToDm ? { threadTs } : {}),
  } as Operation;
}

/**
 * The operation as queued when Slack did not take its status message: the worker posts it where
 * this one would have gone (the channel, in the notebook's thread), or in a DM with the requester
 * when there is no channel (App Home: the requester's user id stands for it).
 */
function queuedWithoutStatus(op: Operation, where: SubmitRequest['where']): Operation {
  const { threadTs, ...rest } = op;
  const thread = where.channelId ? (where.threadTs ?? threadTs) : undefined;
  return {
    ...rest,
    requester: { ...op.requester, channelId: where.channelId || op.requester.userId },
    ...(thread ? { threadTs: thread } : {}),
  } as Operation;
}
