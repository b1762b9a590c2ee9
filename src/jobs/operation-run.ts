import { DelayedError, type Job, UnrecoverableError } from 'bullmq';
import type { AuditEntry } from '../access/index.js';
import { BotError } from '../errors.js';
import type { Logger } from '../logger.js';
import {
  decodeSlackError,
  formatDuration,
  type OperationPhase,
  type OperationStatus,
  operationNotebookName,
  renderOperationStatus,
  renderReadyReply,
  renderSlowReply,
  renderThreadRecord,
  safeNotebookUrl,
  stepsFromActionProgress,
} from '../messages/index.js';
import type { CallOptions, Notebook } from '../modelarts/index.js';
import { isNotFound, isRetryable, ModelArtsError, ModelArtsThrottledError } from '../modelarts/index.js';
import type {
  Operation,
  OperationJobData,
  OperationKind,
  OperationProgress,
  OperationResult,
} from '../operations/index.js';
import type { NotebookOrigin, NotebookRecord } from '../store/index.js';
import { explainFailure, type FailureExplanation } from './explain-failure.js';
import type { OperationContext } from './operation-context.js';
import { messageDigest, SLACK_MAX_RETRY_DELAY_MS, type StatusMessageTarget } from './outbox/index.js';
import { nextPollDelay, type ReadyApproach, throttleDelay, transientRetryDelay } from './polling.js';

/** Why an operation on a notebook that ModelArts no longer has failed. */
const NOTEBOOK_GONE: FailureExplanation = {
  reason: 'That notebook no longer exists in ModelArts.',
  hint: 'Use `/notebook list` to see what is there.',
};

/** A change to the saved progress; `undefined` clears a field (JSON drops it). */
export type ProgressPatch = { [K in keyof OperationProgress]?: OperationProgress[K] | undefined };

/** A job of the `ops` queue. */
export type OperationJob = Job<OperationJobData, OperationResult, OperationKind>;

/** BullMQ's processor signature for the `ops` queue. */
export type OperationProcessor = (
  job: OperationJob,
  token: string | undefined,
  signal?: AbortSignal,
) => Promise<OperationResult>;

/**
 * One activation of one operation job: its data, its status message, and the step-job moves
 * (save progress, sleep, finish, fail) every processor shares. A processor is a small state
 * machine over `progress.step`; every activation starts from what the job data says, so a
 * worker crash at any point resumes rather than repeats.
 */
export class OperationRun<O extends Operation = Operation> {
  readonly op: O;
  private progressState: OperationProgress;
  /** The progress as the job holds it in Redis (JSON), to skip writes that change nothing. */
  private savedJson: string;
  /** When the notebook this activation acts on was seen (wall clock), from `lookAgain`. */
  private lookedAt: number | undefined;
  /** The poll interval the status board reached while this job slept (it backs off like the job). */
  private boardDelayMs: number | undefined;
  readonly log: Logger;

  constructor(
    readonly ctx: OperationContext,
    readonly job: OperationJob,
    private readonly token: string,
    private readonly signal: AbortSignal | undefined,
  ) {
    this.op = job.data.op as O;
    this.progressState = { ...job.data.progress };
    this.savedJson = JSON.stringify(this.progressState);
    this.log = ctx.logger.child({ opId: this.op.opId, jobId: job.id, kind: this.op.kind });
  }

  get progress(): Readonly<OperationProgress> {
    return this.progressState;
  }

  get jobId(): string {
    return this.job.id ?? this.op.opId;
  }

  get name(): string {
    return operationNotebookName(this.op);
  }

  /** Options for every ModelArts call: the job's abort signal (lock lost, forced close) included. */
  call(): CallOptions {
    return { ...this.ctx.callOptions, ...(this.signal ? { signal: this.signal } : {}) };
  }

  /** Persists progress in the job at once (before any further side effect depends on it). */
  async save(patch: ProgressPatch): Promise<void> {
    this.progressState = { ...this.progressState, ...patch } as OperationProgress;
    // A poll that changes nothing (same status, same delay: most polls near ready) writes nothing.
    const json = JSON.stringify(this.progressState);
    if (json === this.savedJson) return;
    await this.job.updateData({ op: this.op, progress: this.progressState });
    this.savedJson = json;
  }

  /** Saves `patch`, then parks the job as delayed for `ms` without holding a worker. */
  async sleep(ms: number, patch: ProgressPatch = {}): Promise<never> {
    await this.save(patch);
    await this.job.moveToDelayed(Date.now() + Math.max(0, Math.round(ms)), this.token);
    throw new DelayedError();
  }

  /**
   * Parks a poll step on the status board: its look is due in `ms`, done by a tick (which wakes
   * the job once it has seen the notebook); the job wakes by itself a grace later should no tick
   * come, and then looks itself (`lookAgain`).
   */
  private async parkWatching(nb: Notebook, ms: number, patch: ProgressPatch): Promise<never> {
    const board = this.ctx.board;
    if (!board) return this.sleep(ms, patch);
    await this.save(patch);
    const delay = Math.max(0, Math.round(ms));
    const parkedAt = Date.now();
    const lookedAt = Math.min(this.lookedAt ?? parkedAt, parkedAt);
    // The board wakes the job when the notebook changes; unchanged, the job still wakes now and
    // then (the ready timeout, the elapsed time in its status message), and looks itself when
    // no tick saw the notebook meanwhile.
    const backstop = Math.max(delay + board.graceMs(), this.ctx.timing.slowPollMs);
    await this.job.moveToDelayed(lookedAt + backstop, this.token);
    try {
      await board.watch({ jobId: this.jobId, notebook: nb, parkedAt, delayMs: delay, lookedAt, kind: this.op.kind });
    } catch (err) {
      // Not on the board: the job wakes after the grace and looks itself.
      this.log.warn({ err }, 'could not put the notebook on the status board');
    }
    throw new DelayedError();
  }

  /**
   * The notebook as a poll step sees it: what a status-board tick saw since this job parked (no
   * ModelArts call), else a look of its own. Undefined when ModelArts no longer has it.
   */
  async lookAgain(notebookId: string): Promise<Notebook | undefined> {
    const board = this.ctx.board;
    if (board) {
      const seen = await board.seenFor(this.jobId, notebookId);
      if (seen) {
        this.lookedAt = seen.at;
        this.boardDelayMs = seen.delayMs;
        return seen.notebook;
      }
    }
    this.lookedAt = Date.now();
    try {
      return await this.ctx.modelarts.showNotebook(notebookId, this.call());
    } catch (err) {
      if (isNotFound(err)) return undefined;
      throw err;
    }
  }

  /** The operation ended: off the status board (a no-op for one that never waited there). */
  async leaveBoard(): Promise<void> {
    const { board } = this.ctx;
    if (!board || this.op.kind === 'extend') return;
    try {
      await board.unwatch(this.jobId, this.progressState.notebookId);
    } catch (err) {
      this.log.warn({ err }, 'could not take the notebook off the status board');
    }
  }

  /** Where progress replies go: the notebook's existing thread, else the status message's. */
  replyThreadTs(): string | undefined {
    if (this.progressState.statusChannel) return this.statusTs();
    return this.op.threadTs ?? this.statusTs();
  }

  private statusTs(): string | undefined {
    return this.op.statusTs ?? this.progressState.statusTs;
  }

  /**
   * The conversation of the status message and of its replies: the requester's channel, or the
   * direct message the worker moved to when it could not post there.
   */
  get statusChannel(): string {
    return this.progressState.statusChannel ?? this.op.requester.channelId;
  }

  /**
   * True when the status message stands in `threadTs` of `channelId`: the web side says where it
   * posted it; one this worker posted went in `op.threadTs`.
   */
  private statusMessageIn(channelId: string, threadTs: string): boolean {
    const { op } = this;
    const thread = op.statusTs ? op.statusThreadTs : this.progressState.statusChannel ? undefined : op.threadTs;
    return this.statusChannel === channelId && (thread === threadTs || this.statusTs() === threadTs);
  }

  /**
   * The status message of this operation: the one the web side posted, or one this worker
   * posts now (its ts saved in the job immediately, so a re-run never posts a second one). The
   * web side queues an operation without one when Slack did not take it (a 429, an
   * `internal_error`): it is posted here once Slack does. Where the bot may not post (the channel
   * is gone, the bot is not in it; or only a user id is known, from App Home), it goes to a
   * direct message with the requester. Transient Slack failures are thrown (the job retries).
   */
  async ensureStatusMessage(): Promise<StatusMessageTarget> {
    const userId = this.op.requester.userId;
    const existing = this.statusTs();
    if (existing) return { channel: this.statusChannel, ts: existing, userId };
    const { notifier } = this.ctx;
    const rendered = renderOperationStatus(this.status('working'));
    const message = { text: rendered.text, blocks: rendered.blocks };
    let channel = this.statusChannel;
    let threadTs = this.progressState.statusChannel ? undefined : this.op.threadTs;
    if (isUserId(channel)) {
      channel = await notifier.openDm(channel);
      threadTs = undefined;
    }
    let posted: { channel: string; ts: string };
    try {
      posted = await notifier.postMessage({ channel, ...message, ...(threadTs ? { threadTs } : {}) });
    } catch (err) {
      const failure = decodeSlackError(err);
      if (failure?.kind !== 'permanent' || (failure.scope !== 'channel' && failure.scope !== 'thread')) throw err;
      if (failure.scope === 'thread' && threadTs) {
        this.log.warn({ code: failure.code }, 'notebook thread gone; posting the status message in the channel');
        posted = await notifier.postMessage({ channel, ...message });
      } else {
        this.log.warn({ code: failure.code, channel }, 'cannot post in the channel; status message goes to a DM');
        posted = await notifier.postMessage({ channel: await notifier.openDm(userId), ...message });
      }
    }
    await this.save({
      statusTs: posted.ts,
      slackFailures: undefined,
      ...(posted.channel !== this.op.requester.channelId ? { statusChannel: posted.channel } : {}),
    });
    return { channel: posted.channel, ts: posted.ts, userId };
  }

  private status(phase: OperationPhase, nb?: Notebook, extra: Partial<OperationStatus> = {}): OperationStatus {
    const steps = stepsFromActionProgress(nb?.action_progress);
    const notebookStatus = nb?.status ?? this.progressState.lastStatus;
    return {
      kind: this.op.kind,
      notebookName: nb?.name || this.name,
      requesterId: this.op.requester.userId,
      ...(this.op.schedule ? { schedule: this.op.schedule } : {}),
      phase,
      requestedAt: this.op.requestedAt,
      now: this.ctx.clock.now(),
      ...(notebookStatus ? { notebookStatus } : {}),
      ...(steps.length ? { steps } : {}),
      ...(this.op.cost ? { cost: this.op.cost } : {}),
      ...extra,
    };
  }

  /**
   * Updates the status message (coalesced by the Slack queue unless `urgent`). A progress update
   * that would show exactly what was last published (same steps, status and elapsed minutes) is
   * skipped here: most polls change nothing the user can see. The digest is saved with the next
   * `save`/`sleep`; after a crash the notifier's own check (what Slack last got) still holds.
   */
  async publish(
    phase: OperationPhase,
    nb?: Notebook,
    extra: Partial<OperationStatus> = {},
    urgent = false,
  ): Promise<void> {
    const target = await this.ensureStatusMessage();
    const rendered = renderOperationStatus(this.status(phase, nb, extra));
    const digest = messageDigest(rendered);
    if (!urgent && digest === this.progressState.statusHash) return;
    await this.ctx.notifier.publishStatus(this.jobId, target, rendered, { urgent, digest });
    this.progressState = { ...this.progressState, statusHash: digest };
  }

  /**
   * Keeps waiting for a target state: progress update, then sleep with growing delays; past the
   * ready timeout, tells the user once (status message and a thread reply) and polls slowly;
   * past the watch limit, fails. Never returns. `approach` (create/start) brings the delay back
   * to a short interval when the notebook is about to be ready (see `readyApproach`). `watched`:
   * the next activation reads the notebook with `lookAgain`, so the wait parks on the status
   * board (batched polling) when the worker has one.
   */
  async keepWaiting(
    nb: Notebook,
    step: string,
    extra: Pick<OperationStatus, 'detail'> = {},
    approach: ReadyApproach = 'far',
    watched = false,
  ): Promise<never> {
    const park = (ms: number, patch: ProgressPatch) =>
      watched ? this.parkWatching(nb, ms, patch) : this.sleep(ms, patch);
    const timing = this.ctx.timing;
    const now = this.ctx.clock.now();
    const startedAt = this.progressState.pollStartedAt ?? now;
    const waited = now - startedAt;
    const base: ProgressPatch = { step, pollStartedAt: startedAt, lastStatus: nb.status, transientFailures: 0 };
    if (waited >= timing.watchLimitMs) {
      return this.fail(
        {
          reason: `It is still ${nb.status} after ${formatDuration(waited)}, so the bot stopped watching it.`,
          hint: 'Check it in the ModelArts console or with `/notebook list`; delete it and try another flavor if it stays stuck.',
        },
        nb,
      );
    }
    if (waited >= timing.readyTimeoutMs) {
      if (!this.progressState.timeoutNotified) {
        await this.publish('slow', nb, extra, true);
        const thread = this.replyThreadTs();
        await this.ctx.notifier.postOnce(`${this.jobId}-slow`, {
          channel: this.statusChannel,
          text: renderSlowReply(this.op.kind, this.op.requester.userId, this.name, waited),
          ...(thread ? { threadTs: thread } : {}),
        });
        this.log.warn(
          { notebookId: this.progressState.notebookId, status: nb.status, waited },
          'operation past its ready timeout; watching slowly',
        );
        await this.save({ timeoutNotified: true });
      } else {
        await this.publish('slow', nb, extra);
      }
      this.ctx.hooks.metrics?.pollScheduled?.(this.op.kind, timing.slowPollMs, { status: nb.status, approach });
      return park(timing.slowPollMs, { ...base, pollDelayMs: timing.slowPollMs });
    }
    await this.publish('working', nb, extra);
    const delay = nextPollDelay(this.boardDelayMs ?? this.progressState.pollDelayMs, timing, approach);
    this.ctx.hooks.metrics?.pollScheduled?.(this.op.kind, delay, { status: nb.status, approach });
    return park(delay, { ...base, pollDelayMs: delay });
  }

  /** create/start reached RUNNING: "ready" update with the JupyterLab button, one thread reply. */
  async finishReady(nb: Notebook): Promise<OperationResult> {
    const url = jupyterUrl(nb);
    await this.publish('ready', nb, url ? { url } : {}, true);
    const thread = this.replyThreadTs();
    await this.ctx.notifier.postOnce(`${this.jobId}-ready`, {
      channel: this.statusChannel,
      ...renderReadyReply(this.op.requester.userId, nb.name || this.name, url),
      ...(thread ? { threadTs: thread } : {}),
    });
    await this.save({ readyNotified: true, lastStatus: nb.status });
    await this.recordInThread(nb.id);
    await this.succeeded(nb.id, 'running');
    return { outcome: 'ready', notebookId: nb.id, status: nb.status };
  }

  /** stop/delete/extend finished. */
  async finishDone(detail: string, nb?: Notebook, notebookId?: string): Promise<OperationResult> {
    await this.publish('done', nb, { detail }, true);
    const id = nb?.id ?? notebookId;
    await this.recordInThread(id);
    await this.succeeded(id, detail);
    return { outcome: 'done', ...(id ? { notebookId: id } : {}), ...(nb ? { status: nb.status } : {}), detail };
  }

  /**
   * Leaves one line in the notebook's own thread saying who did what ("<@U…> stopped it"), when
   * the notebook has a thread (its record's `threadTs`) and the operation ran elsewhere (another
   * channel, the channel's top level, a DM). Once per operation: `postOnce` keys it by job id, so
   * a replay after a crash does not repeat it. Nothing when this operation's own status message
   * is the thread's root (always for a create) or stands in that thread (a lease button, an App
   * Home button): it already names the requester and says what happened. Nothing for a delete
   * (the record is gone), nor when the operation changed nothing (already stopped, lease already
   * at the maximum): the progress saved before acting tells.
   */
  private async recordInThread(notebookId: string | undefined): Promise<void> {
    const { op } = this;
    if (!notebookId || op.kind === 'create' || op.kind === 'delete') return;
    if (op.kind === 'stop' && this.progressState.step !== 'poll') return;
    if (op.kind === 'extend' && this.progressState.leaseEndAt === undefined) return;
    const record = await this.ctx.store.get(notebookId);
    if (!record?.threadTs || !record.channelId) return;
    if (this.statusMessageIn(record.channelId, record.threadTs)) return;
    const text = renderThreadRecord({
      kind: op.kind,
      userId: op.requester.userId,
      ...(op.kind === 'start' ? { durationMs: op.durationMs } : {}),
      ...(op.kind === 'extend'
        ? {
            leaseEndAt: this.progressState.leaseEndAt,
            capped: this.progressState.leaseCapped ?? false,
          }
        : {}),
    });
    await this.ctx.notifier.postOnce(`${this.jobId}-thread`, {
      channel: record.channelId,
      threadTs: record.threadTs,
      text,
    });
  }

  /**
   * The live notebook. When ModelArts no longer has it, forgets it (store record) and fails the
   * job with `gone`: what every operation on an existing notebook does first.
   */
  async loadNotebook(notebookId: string, gone: FailureExplanation = NOTEBOOK_GONE): Promise<Notebook> {
    try {
      return await this.ctx.modelarts.showNotebook(notebookId, this.call());
    } catch (err) {
      if (isNotFound(err)) return this.notebookGone(notebookId, gone);
      throw err;
    }
  }

  /** Forgets a notebook ModelArts no longer has and fails the job with `gone`. */
  async notebookGone(notebookId: string, gone: FailureExplanation = NOTEBOOK_GONE): Promise<never> {
    await this.ctx.store.remove(notebookId);
    return this.fail(gone);
  }

  /** Tells the user why it failed and what to try, audits it, and ends the job for good. */
  async fail(explanation: FailureExplanation, nb?: Notebook): Promise<never> {
    try {
      await this.publish('failed', nb, { failure: explanation }, true);
    } catch (err) {
      // Failing to tell Slack must not turn a final failure into a retry of the operation.
      this.log.error({ err }, 'could not publish the failure to Slack');
    }
    const notebookId = nb?.id ?? this.progressState.notebookId;
    await this.hookAudit('failed', notebookId, explanation.reason);
    this.ctx.hooks.metrics?.operationFinished?.(this.op.kind, 'failed', this.ctx.clock.now() - this.op.requestedAt);
    this.log.warn({ notebookId, reason: explanation.reason }, 'operation failed');
    throw new UnrecoverableError(explanation.reason);
  }

  private async succeeded(notebookId: string | undefined, detail: string): Promise<void> {
    await this.hookAudit('succeeded', notebookId, detail);
    this.ctx.hooks.metrics?.operationFinished?.(this.op.kind, 'succeeded', this.ctx.clock.now() - this.op.requestedAt);
    this.log.info({ notebookId }, 'operation succeeded');
  }

  private async hookAudit(
    outcome: 'succeeded' | 'failed',
    notebookId: string | undefined,
    detail: string,
  ): Promise<void> {
    const audit = this.ctx.hooks.audit;
    if (!audit) return;
    const entry: AuditEntry = {
      userId: this.op.requester.userId,
      action: this.op.kind,
      notebookName: this.name,
      channelId: this.op.requester.channelId,
      outcome,
      detail,
      at: this.ctx.clock.now(),
      ...(notebookId ? { notebookId } : {}),
    };
    try {
      await audit(entry);
    } catch (err) {
      this.log.error({ err }, 'audit hook failed');
    }
  }

  /**
   * Writes what we know about a notebook to the store: creates the record (with `origin`, the
   * requester as owner, the conversation's thread) when the bot did not know it, else patches
   * the observed fields so an owner or thread set elsewhere is kept.
   */
  async recordNotebook(nb: Notebook, origin: NotebookOrigin): Promise<void> {
    const now = this.ctx.clock.now();
    const observed = observedFields(nb, now);
    const store = this.ctx.store;
    const existed = await store.patch(nb.id, observed);
    if (!existed) {
      const thread = this.replyThreadTs();
      await store.put({
        notebookId: nb.id,
        name: nb.name || this.name,
        ownerId: this.op.requester.userId,
        ...(this.op.requester.teamId ? { teamId: this.op.requester.teamId } : {}),
        channelId: this.statusChannel,
        ...(thread ? { threadTs: thread } : {}),
        origin,
        createdAt: now,
        ...observed,
      });
    }
    await this.notebookChanged(nb.id);
  }

  /**
   * Patches the status fields only when something in them changed since this job last wrote
   * them (most polls see the same state: no write); tells the hook when the status changed.
   */
  async observe(nb: Notebook): Promise<void> {
    const changed = nb.status !== this.progressState.lastStatus;
    const { updatedAt, ...fields } = observedFields(nb, this.ctx.clock.now());
    const key = JSON.stringify(fields);
    if (!changed && key === this.progressState.observedKey) return;
    await this.ctx.store.patch(nb.id, { ...fields, updatedAt });
    this.progressState = { ...this.progressState, observedKey: key };
    if (changed) await this.notebookChanged(nb.id);
  }

  async notebookChanged(notebookId: string, override?: Partial<NotebookRecord>): Promise<void> {
    if (!this.ctx.hooks.onNotebookChanged && !this.ctx.notifier.refreshesHome) return;
    try {
      const record = await this.ctx.store.get(notebookId);
      if (record) await this.recordChanged({ ...record, ...override });
    } catch (err) {
      this.log.error({ err, notebookId }, 'onNotebookChanged hook failed');
    }
  }

  /**
   * Tells the rest of the bot that a record changed: the owner's App Home is refreshed through
   * the Slack queue (coalesced per owner, rendered from the records), and the `onNotebookChanged`
   * hook is called. Neither may fail the job.
   */
  async recordChanged(record: NotebookRecord): Promise<void> {
    try {
      if (record.ownerId) await this.ctx.notifier.requestHomeRefresh(record.ownerId);
      await this.ctx.hooks.onNotebookChanged?.(record);
    } catch (err) {
      this.log.error(
        { err, notebookId: record.notebookId },
        'App Home refresh request or onNotebookChanged hook failed',
      );
    }
  }
}

/** A Slack user id (`U…`, `W…`) where a channel id is expected: App Home has no channel. */
function isUserId(id: string): boolean {
  return /^[UW][A-Z0-9]{2,}$/.test(id);
}

/** The JupyterLab address to show: never one that carries the instance's token. */
function jupyterUrl(nb: Notebook): string | undefined {
  const url = safeNotebookUrl(nb.url);
  if (!url) return undefined;
  if (nb.token && url.includes(nb.token)) return undefined;
  return url;
}

function observedFields(nb: Notebook, now: number): Partial<NotebookRecord> & { updatedAt: number } {
  const url = jupyterUrl(nb);
  return {
    updatedAt: now,
    lastStatus: nb.status,
    ...(nb.flavor ? { flavor: nb.flavor } : {}),
    ...(url ? { url } : {}),
    ...(nb.lease?.create_at !== undefined ? { leaseCreateAt: nb.lease.create_at } : {}),
    ...(nb.lease?.duration !== undefined ? { leaseDurationMs: nb.lease.duration } : {}),
    ...(nb.lease?.type ? { leaseType: nb.lease.type } : {}),
  };
}

function isQueueControl(err: unknown): boolean {
  if (!(err instanceof Error)) return false;
  return (
    err instanceof DelayedError ||
    err instanceof UnrecoverableError ||
    err.name === 'DelayedError' ||
    err.name === 'UnrecoverableError' ||
    err.message === 'bullmq:rateLimitExceeded'
  );
}

/**
 * Wraps a kind's handler with the failure policy shared by every operation:
 * - ModelArts throttling (429 / APIG.0308): the whole ops queue pauses for Retry-After (the
 *   limit is per account, so every job would hit it) and the job parks for Retry-After; it does
 *   not count as an attempt.
 * - 5xx, timeouts, no answer: this job alone is delayed with exponential backoff; after
 *   `maxTransientFailures` in a row the user is told and the job fails.
 * - Slack did not take the status message (a 429, `internal_error`, 5xx, no answer): the job
 *   is delayed (Retry-After, or backoff) and posts it when Slack recovers, before acting on the
 *   cloud: an instance nobody hears about is worse than a late one. Only when nobody can be told
 *   at all (the token is refused, even a direct message fails) is the operation dropped.
 * - The worker is shutting down (the job's signal aborted while its lock is still held): the job
 *   goes straight back to the queue for another worker, without spending an attempt.
 * - Other ModelArts and bot errors (4xx, not found, validation): the user gets the error's
 *   explanation and the job fails without retry (`UnrecoverableError`).
 * - Anything else (a bug, Redis trouble): BullMQ retries with backoff; the last attempt tells
 *   the user.
 */
export function createOperationProcessor(
  ctx: OperationContext,
  handler: (run: OperationRun) => Promise<OperationResult>,
): OperationProcessor {
  return async (job, token, signal) => {
    if (!token) throw new Error('operation processor needs a lock token (step jobs move themselves to delayed)');
    const run = new OperationRun(ctx, job, token, signal);
    try {
      const result = await handler(run);
      await run.leaveBoard();
      return result;
    } catch (err) {
      if (err instanceof UnrecoverableError) await run.leaveBoard();
      if (isQueueControl(err)) throw err;
      if (signal?.aborted && ctx.isClosing?.()) {
        // Graceful shutdown cut this step short (the call in flight was aborted): hand the job
        // back at once, so another worker resumes it now rather than after the lock expires.
        // Every step re-checks the live state, and a create re-run looks up before any POST.
        run.log.info('worker shutting down; job handed back to the queue');
        return run.sleep(0);
      }
      if (err instanceof ModelArtsThrottledError) {
        const delay = throttleDelay(err.retryAfterMs);
        ctx.hooks.metrics?.modelartsThrottled?.(run.op.kind);
        run.log.warn({ delay, requestId: err.requestId }, 'ModelArts throttled; pausing the ops queue');
        // Every other job waits out the queue-wide limit; this one parks itself for Retry-After,
        // so its own retry never comes sooner whatever the queue does (no attempt spent either way).
        await ctx.rateLimit(delay);
        return run.sleep(delay);
      }
      if (isRetryable(err)) {
        const failures = (run.progress.transientFailures ?? 0) + 1;
        ctx.hooks.metrics?.modelartsTransientFailure?.(run.op.kind);
        if (failures > ctx.timing.maxTransientFailures) return run.fail(explainFailure(err));
        const delay = transientRetryDelay(
          failures,
          (err as { retryAfterMs?: number }).retryAfterMs,
          ctx.timing.maxRetryDelayMs,
        );
        run.log.warn({ err, failures, delay }, 'ModelArts call failed; retrying this step later');
        return run.sleep(delay, { transientFailures: failures });
      }
      const slack = decodeSlackError(err);
      if (slack?.kind === 'permanent') {
        // Neither the channel nor a DM took the status message (the token is refused, the
        // requester cannot be messaged): nobody would hear about this operation, so do not act
        // on the cloud either.
        run.log.error({ code: slack.code, scope: slack.scope }, 'cannot post the status message; operation dropped');
        return run.fail({
          reason: `Slack refused the status message (${slack.code}).`,
          hint: 'Invite the bot to the channel (`/invite @notebook-bot`) or run the command in a DM with it, then try again.',
        });
      }
      if (slack) {
        const failures = (run.progress.slackFailures ?? 0) + 1;
        const waited = ctx.clock.now() - run.op.requestedAt;
        if (waited > ctx.timing.watchLimitMs) {
          run.log.error(
            { code: slack.code, failures, waited },
            'Slack never took the status message; operation dropped',
          );
          return run.fail({ reason: `Slack kept failing (${slack.code}).`, hint: 'Try again.' });
        }
        const delay =
          slack.kind === 'rate_limited'
            ? slack.retryAfterMs
            : transientRetryDelay(failures, undefined, SLACK_MAX_RETRY_DELAY_MS);
        run.log.warn(
          { code: slack.code, failures, delay },
          'Slack did not take the status message; trying again later',
        );
        return run.sleep(delay, { slackFailures: failures });
      }
      if (err instanceof ModelArtsError || err instanceof BotError) return run.fail(explainFailure(err));
      const attempts = job.opts.attempts ?? 1;
      if (job.attemptsMade + 1 >= attempts) {
        run.log.error({ err }, 'operation failed on its last attempt');
        return run.fail(explainFailure(err));
      }
      run.log.error({ err, attempt: job.attemptsMade + 1, attempts }, 'operation failed; BullMQ will retry');
      throw err;
    }
  };
}
