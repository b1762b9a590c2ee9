import type { App, BlockAction, ButtonAction } from '@slack/bolt';
import type { KnownBlock } from '@slack/types';
import type { WebClient } from '@slack/web-api';
import type { Redis } from 'ioredis';
import type { AccessAction, AccessControl, AuditEntry, Decision } from '../../../access/index.js';
import { type Clock, systemClock } from '../../../clock.js';
import { LeaseState } from '../../../leases/index.js';
import { createLogger, type Logger } from '../../../logger.js';
import {
  decodeLeaseActionValue,
  EXTEND_BUTTON_MS,
  escapeMrkdwn,
  formatDuration,
  LEASE_ACTION_IDS,
  type LeaseActionId,
  type LeaseActionValue,
  leaseClickReply,
  leaseOutcomeText,
  withLeaseOutcome,
} from '../../../messages/index.js';
import type { ModelArtsApi } from '../../../modelarts/index.js';
import {
  isNotFound,
  type LeaseInfo,
  leaseEndsAt,
  leaseFromApi,
  leaseKey,
  MAX_LEASE_MS,
  MIN_LEASE_MS,
  type Notebook,
  planExtension,
  sameLease,
  TRANSITIONAL_STATUSES,
} from '../../../modelarts/index.js';
import type {
  EnqueueResult,
  ExtendOperation,
  Operation,
  OperationQueue,
  StartOperation,
  StopOperation,
} from '../../../operations/index.js';
import { enqueueDecided, rateLimitMessage, withCostQuote } from '../../../operations/index.js';
import type { NotebookStore } from '../../../store/index.js';

/** What the lease buttons need. */
export interface LeaseActionDeps {
  /** Read-only here: the live lease, to refuse clicks on stale warnings. Changes go through `queue`. */
  api: ModelArtsApi;
  queue: OperationQueue;
  access: AccessControl;
  store: NotebookStore;
  redis: Redis;
  /** Same prefix as the watcher's. */
  prefix: string;
  clock?: Clock;
  logger?: Logger;
  /** The API's longest lease (72 h); extensions are capped to it. */
  maxLeaseMs?: number;
  /**
   * The approvals flow (src/access/approvals.ts `createApprovals`), for policies that want an
   * admin's yes before long leases. Without it such clicks are answered with a pointer to the command.
   */
  approvals?: LeaseApprovals;
}

/** The part of src/access's approvals this module uses. */
export interface LeaseApprovals {
  /** Asks the admins, audits the request and tells the requester it waits (in `threadTs`). */
  requestApproval(input: {
    op: Operation;
    decision: Extract<Decision, { approval: { rule: string } }>;
    threadTs?: string | undefined;
  }): Promise<{ duplicate: boolean }>;
}

type Kind = 'extend' | 'stop' | 'dismiss' | 'start';

const KIND_OF: Readonly<Record<LeaseActionId, Kind>> = {
  [LEASE_ACTION_IDS.extend1h]: 'extend',
  [LEASE_ACTION_IDS.extend4h]: 'extend',
  [LEASE_ACTION_IDS.stop]: 'stop',
  [LEASE_ACTION_IDS.dismiss]: 'dismiss',
  [LEASE_ACTION_IDS.startAgain]: 'start',
};

/**
 * Dismissing silences a lease's warnings, which is part of managing that lease: it is allowed to
 * whoever may extend it (the owner or an admin).
 */
const ACCESS_ACTION: Readonly<Record<Kind, AccessAction>> = {
  extend: 'extend',
  stop: 'stop',
  dismiss: 'extend',
  start: 'start',
};

/** The action audit entries name: dismissing is judged as `extend` but recorded as itself. */
function auditAction(kind: Kind): string {
  return kind === 'dismiss' ? 'lease_dismiss' : ACCESS_ACTION[kind];
}

const DAY = 86_400_000;
const BOT_STOP_TTL_MS = DAY;

/** The parts of a click this module uses (a subset of Bolt's `BlockAction`). */
interface Click {
  actionId: LeaseActionId;
  value: LeaseActionValue;
  userId: string;
  teamId: string | undefined;
  channelId: string | undefined;
  messageTs: string | undefined;
  threadTs: string | undefined;
  blocks: KnownBlock[] | undefined;
}

/**
 * Registers the listeners of the lease buttons (warning: extend +1 h / +4 h, stop, dismiss;
 * after expiry: start again).
 *
 * Each click: ack at once (Slack's 3 s), rate-limit the user, ask access control (the owner or an
 * admin; everyone else gets the decision's message, ephemerally), check that the button's lease is
 * still the live one (otherwise "this warning is out of date"), then enqueue the operation with an
 * id derived from (notebook, lease, action) — a double click or a Slack retry maps to the same
 * job — and update the warning in place to say who did what.
 */
export function registerLeaseActions(app: App, deps: LeaseActionDeps): void {
  const clock = deps.clock ?? systemClock;
  const log = (deps.logger ?? createLogger({ level: 'silent' })).child({ component: 'lease-actions' });
  const state = new LeaseState({ redis: deps.redis, prefix: deps.prefix });
  const maxLeaseMs = deps.maxLeaseMs ?? MAX_LEASE_MS;

  // One Bolt listener for the five buttons: Bolt runs every listener's chain for every request.
  const ids: ReadonlySet<string> = new Set(Object.values(LEASE_ACTION_IDS));
  const matcher = new RegExp(`^(?:${[...ids].join('|')})$`);
  app.action<BlockAction<ButtonAction>>(matcher, async ({ ack, body, action, client }) => {
    await ack();
    const actionId = action.action_id as LeaseActionId;
    if (!ids.has(actionId)) return;
    const click = readClick(actionId, body, action);
    if (!click) {
      log.warn({ actionId }, 'lease button with an unreadable value; ignored');
      return;
    }
    try {
      await handle(click, client);
    } catch (err) {
      log.error({ err, actionId, notebookId: click.value.notebookId }, 'lease button failed');
      await ephemeral(client, click, leaseClickReply.failed());
    }
  });

  async function handle(click: Click, client: WebClient): Promise<void> {
    const kind = KIND_OF[click.actionId];
    const v = click.value;
    const slow = await rateLimitMessage(
      { access: deps.access, logger: log },
      click.userId,
      auditAction(kind),
      click.channelId,
    );
    if (slow) {
      await ephemeral(client, click, slow);
      return;
    }

    const record = await deps.store.get(v.notebookId);
    // A record kept because of an identity link counts only while the link holds.
    const ownerId =
      record?.origin === 'linked' ? (await deps.access.identities.ownerOf(record, undefined)).ownerId : record?.ownerId;
    const name = record?.name || v.name;
    const nameMd = `*${escapeMrkdwn(name)}*`;
    const requestedMs = EXTEND_BUTTON_MS[click.actionId] ?? 0;
    const plan = planExtension(
      { createAt: v.createAt, durationMs: v.durationMs },
      requestedMs,
      clock.now(),
      maxLeaseMs,
    );
    // An extension asks for the run time from now (what RenewLease sends), which is what a cap limits.
    const durationMs = kind === 'extend' ? plan.renewMs : kind === 'start' ? startDuration(v) : undefined;

    // Access first, before any cloud call.
    const decision = await deps.access.check({
      userId: click.userId,
      ...(click.teamId ? { teamId: click.teamId } : {}),
      ...(click.channelId ? { channelId: click.channelId } : {}),
      action: ACCESS_ACTION[kind],
      notebook: { id: v.notebookId, name, ...(ownerId ? { ownerId } : {}) },
      ...(durationMs !== undefined ? { durationMs } : {}),
    });
    if (!decision.allowed) {
      await ephemeral(client, click, decision.message);
      await audit(click, kind, name, 'refused', decision.message, decision.rule);
      return;
    }

    const now = clock.now();
    const lease: LeaseInfo = { createAt: v.createAt, durationMs: v.durationMs, type: v.type };
    const lk = leaseKey(lease);

    if (kind === 'dismiss') {
      await state.dismiss(v.notebookId, lk, click.userId, Math.max(0, leaseEndsAt(lease) - now) + DAY);
      await audit(click, kind, name, 'succeeded', `lease ${lk}`);
      await updateWarning(client, click, leaseOutcomeText({ kind: 'dismissed', userId: click.userId }));
      return;
    }

    // Is the button's lease still the live one? Only then does the click mean what it says.
    let nb: Notebook;
    try {
      nb = await deps.api.showNotebook(v.notebookId);
    } catch (err) {
      if (isNotFound(err)) {
        await ephemeral(client, click, leaseClickReply.gone(nameMd));
        return;
      }
      log.warn({ err, notebookId: v.notebookId }, 'cannot read the live lease');
      await ephemeral(client, click, leaseClickReply.noAnswer());
      return;
    }
    const live = leaseFromApi(nb.lease);

    if (kind === 'start') {
      if (nb.status === 'RUNNING' || TRANSITIONAL_STATUSES.has(nb.status)) {
        await ephemeral(client, click, leaseClickReply.startNoticeStale(nb.status, live, now));
        return;
      }
      if (nb.status !== 'STOPPED') {
        await ephemeral(client, click, leaseClickReply.cannotStartHere(nameMd, nb.status));
        return;
      }
      const d = startDuration(v);
      const op: StartOperation = {
        kind: 'start',
        opId: opId('start', v.notebookId, lk),
        requester: requester(click),
        ...threadOf(click, record?.threadTs),
        requestedAt: now,
        notebookId: v.notebookId,
        name,
        durationMs: d,
        leaseType: v.type,
      };
      const res = await submit(client, click, op, decision);
      if (!res) return;
      if (res.duplicate) {
        await ephemeral(client, click, leaseClickReply.alreadyStarting(nameMd));
        return;
      }
      await audit(click, kind, name, 'allowed', `restart after lease end, ${formatDuration(d)}`);
      await updateWarning(client, click, leaseOutcomeText({ kind: 'started', userId: click.userId, durationMs: d }));
      return;
    }

    if (nb.status !== 'RUNNING' || !live || !sameLease(live, lease)) {
      await ephemeral(client, click, leaseClickReply.warningStale(nb.status, live, now));
      return;
    }

    if (kind === 'extend') {
      if (plan.addedMs <= 0) {
        await ephemeral(client, click, leaseClickReply.atMaximum(nameMd, plan.endAt));
        return;
      }
      const op: ExtendOperation = {
        kind: 'extend',
        // One extension per lease: the +1 h and +4 h buttons of one warning share it, so two quick
        // clicks cannot add both. The renewal makes a new lease with fresh buttons.
        opId: opId('extend', v.notebookId, lk),
        requester: requester(click),
        ...threadOf(click, record?.threadTs),
        requestedAt: now,
        notebookId: v.notebookId,
        name,
        addMs: requestedMs,
      };
      const res = await submit(client, click, op, decision);
      if (!res) return;
      if (res.duplicate) {
        await ephemeral(client, click, leaseClickReply.extensionRequested(nameMd));
        return;
      }
      await audit(
        click,
        kind,
        name,
        'allowed',
        `+${formatDuration(requestedMs)}, until ${new Date(plan.endAt).toISOString()}`,
      );
      await updateWarning(
        client,
        click,
        leaseOutcomeText({
          kind: 'extended',
          userId: click.userId,
          requestedMs,
          plan,
        }),
      );
      return;
    }

    // stop
    // Marked before enqueueing so the scan can never see the stop without the mark and report it
    // as a lease expiry.
    await state.markBotStop(v.notebookId, BOT_STOP_TTL_MS);
    const op: StopOperation = {
      kind: 'stop',
      opId: opId('stop', v.notebookId, lk),
      requester: requester(click),
      ...threadOf(click, record?.threadTs),
      requestedAt: now,
      notebookId: v.notebookId,
      name,
    };
    let res: EnqueueResult | undefined;
    try {
      res = await submit(client, click, op, decision);
    } catch (err) {
      await state.clearBotStops([v.notebookId]);
      throw err;
    }
    if (!res) {
      await state.clearBotStops([v.notebookId]);
      return;
    }
    if (res.duplicate) {
      await ephemeral(client, click, leaseClickReply.alreadyStopping(nameMd));
      return;
    }
    await audit(click, kind, name, 'allowed', `lease ${lk}`);
    await updateWarning(client, click, leaseOutcomeText({ kind: 'stopped', userId: click.userId }));
  }

  /**
   * Enqueues the operation, or, when the policy wants an admin's approval first, hands it to the
   * approvals flow (which tells the clicker it waits, and enqueues it unchanged once approved).
   * Undefined = not enqueued now.
   */
  async function submit(
    client: WebClient,
    click: Click,
    given: Operation,
    decision: Extract<Decision, { allowed: true }>,
  ): Promise<EnqueueResult | undefined> {
    // What the added time costs goes with the operation (its status message says it).
    const op = await withCostQuote(deps.access, given, undefined);
    // The one path to the queue (src/operations): its dedupe, then the producer's, by job id.
    if (!decision.approval)
      return enqueueDecided({ redis: deps.redis, prefix: deps.prefix, clock, queue: deps.queue }, op);
    if (!deps.approvals) {
      await ephemeral(client, click, leaseClickReply.needsApproval(decision.approval.reason));
      return undefined;
    }
    const r = await deps.approvals.requestApproval({
      op,
      decision: { allowed: true, approval: decision.approval },
      threadTs: click.threadTs,
    });
    if (r.duplicate) await ephemeral(client, click, leaseClickReply.approvalAlreadySent());
    return undefined;
  }

  async function audit(
    click: Click,
    kind: Kind,
    name: string,
    outcome: AuditEntry['outcome'],
    detail: string,
    rule?: string,
  ): Promise<void> {
    await deps.access.audit({
      userId: click.userId,
      action: auditAction(kind),
      notebookId: click.value.notebookId,
      notebookName: name,
      ...(click.channelId ? { channelId: click.channelId } : {}),
      outcome,
      ...(rule ? { rule } : {}),
      detail: `lease button: ${detail}`,
      at: clock.now(),
    });
  }

  async function updateWarning(client: WebClient, click: Click, outcome: string): Promise<void> {
    if (!click.channelId || !click.messageTs || !click.blocks) return;
    const blocks = withLeaseOutcome(click.blocks, click.value.notebookId, outcome);
    if (!blocks) return; // a concurrent click already replaced these buttons
    try {
      await client.chat.update({ channel: click.channelId, ts: click.messageTs, text: outcome, blocks });
    } catch (err) {
      // The operation is queued either way; the thread will show its progress.
      log.warn({ err, notebookId: click.value.notebookId }, 'could not update the lease warning');
    }
  }

  async function ephemeral(client: WebClient, click: Click, text: string): Promise<void> {
    if (!click.channelId) return;
    try {
      await client.chat.postEphemeral({
        channel: click.channelId,
        user: click.userId,
        text,
        ...(click.threadTs ? { thread_ts: click.threadTs } : {}),
      });
    } catch (err) {
      log.warn({ err }, 'could not send an ephemeral reply');
    }
  }
}

/**
 * The BullMQ job id of a lease click: one per (notebook, lease, action), so a double click, a
 * Slack retry or a click in a second copy of the warning enqueues nothing new. No `:` (BullMQ).
 */
export function leaseOpId(kind: 'extend' | 'stop' | 'start', notebookId: string, leaseKeyValue: string): string {
  return `lease-${kind}-${notebookId}-${leaseKeyValue}`;
}
const opId = leaseOpId;

function startDuration(v: LeaseActionValue): number {
  return Math.min(MAX_LEASE_MS, Math.max(MIN_LEASE_MS, v.durationMs));
}

function requester(click: Click): ExtendOperation['requester'] {
  return {
    userId: click.userId,
    ...(click.teamId ? { teamId: click.teamId } : {}),
    channelId: click.channelId ?? '',
  };
}

function threadOf(click: Click, recordThreadTs: string | undefined): { threadTs?: string } {
  const t = recordThreadTs ?? click.threadTs;
  return t ? { threadTs: t } : {};
}

function readClick(actionId: LeaseActionId, body: BlockAction<ButtonAction>, action: ButtonAction): Click | undefined {
  const value = decodeLeaseActionValue(action.value);
  if (!value) return undefined;
  const container = body.container as { channel_id?: string; message_ts?: string; thread_ts?: string } | undefined;
  const message = body.message as { ts?: string; thread_ts?: string; blocks?: KnownBlock[] } | undefined;
  return {
    actionId,
    value,
    userId: body.user.id,
    teamId: body.team?.id ?? body.user.team_id,
    channelId: body.channel?.id ?? container?.channel_id,
    messageTs: message?.ts ?? container?.message_ts,
    threadTs: message?.thread_ts ?? container?.thread_ts,
    blocks: Array.isArray(message?.blocks) ? message.blocks : undefined,
  };
}
