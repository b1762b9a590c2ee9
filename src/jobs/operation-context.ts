import type { AuditEntry } from '../access/index.js';
import type { Clock } from '../clock.js';
import type { Logger } from '../logger.js';
import type { CallOptions, ModelArtsApi } from '../modelarts/index.js';
import type { OperationKind } from '../operations/index.js';
import type { NotebookRecord, NotebookStore } from '../store/index.js';
import type { SlackNotifier } from './outbox/index.js';
import type { PollTiming, ReadyApproach } from './polling.js';
import type { StatusBoard } from './status-board.js';

/** Counters a metrics registry may hook into; every method is optional and must not throw. */
export interface OperationMetrics {
  /** An operation finished; `durationMs` runs from `requestedAt` (on the worker's clock). */
  operationFinished?(kind: OperationKind, outcome: 'succeeded' | 'failed', durationMs: number): void;
  /** ModelArts answered 429 / APIG.0308 and the ops queue paused. */
  modelartsThrottled?(kind: OperationKind): void;
  /** A 5xx, timeout or connection failure was retried later. */
  modelartsTransientFailure?(kind: OperationKind): void;
  /**
   * A watch scheduled its next poll `delayMs` from now, after seeing `status` (`approach`: how
   * close to RUNNING a create/start looked; `far` for the other operations).
   */
  pollScheduled?(kind: OperationKind, delayMs: number, seen: { status: string; approach: ReadyApproach }): void;
}

/** Side effects the composition root wires to other parts of the bot. None may fail a job. */
export interface OperationHooks {
  /** A notebook record was written (the Slack side refreshes App Home); `lastStatus` DELETED after a delete. */
  onNotebookChanged?(record: NotebookRecord): void | Promise<void>;
  /** Called once when an operation succeeds or fails (`outcome` succeeded/failed). */
  audit?(entry: AuditEntry): void | Promise<void>;
  metrics?: OperationMetrics;
  /**
   * Called just before the bot asks ModelArts to stop a notebook (stop, or delete of a running
   * one), so the lease watch does not later report that stop as "its lease ended".
   */
  beforeStop?(notebookId: string): void | Promise<void>;
}

/** What every processor needs; built once per worker by `createOperationWorker`. */
export interface OperationContext {
  modelarts: ModelArtsApi;
  store: NotebookStore;
  notifier: SlackNotifier;
  clock: Clock;
  logger: Logger;
  timing: PollTiming;
  /** Tolerated difference between our clock and ModelArts' `create_at` in the create lookup. */
  createLookupSkewMs: number;
  /** Passed to every ModelArts call (the signal is added per job). */
  callOptions: Pick<CallOptions, 'timeoutMs' | 'maxRetries'>;
  hooks: OperationHooks;
  /** Pauses the whole ops queue (ModelArts throttling is per account): BullMQ's `worker.rateLimit`. */
  rateLimit(ms: number): Promise<void>;
  /**
   * Batched status polling (./status-board.ts): poll steps read what its ticks saw instead of
   * calling ModelArts, and park on it. Without it every poll is a GET of its own.
   */
  board?: StatusBoard;
  /** True once the worker is shutting down: an aborted step then hands its job back. */
  isClosing?(): boolean;
}

/** Runs the `beforeStop` hook; a failing hook is logged and never fails the operation. */
export async function notifyBeforeStop(ctx: OperationContext, log: Logger, notebookId: string): Promise<void> {
  try {
    await ctx.hooks.beforeStop?.(notebookId);
  } catch (err) {
    log.warn({ err, notebookId }, 'beforeStop hook failed');
  }
}
