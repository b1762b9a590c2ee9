import { setTimeout as delay } from 'node:timers/promises';
import type { WebClient } from '@slack/web-api';
import { Job, UnrecoverableError, Worker } from 'bullmq';
import type { Redis } from 'ioredis';
import { type Clock, systemClock } from '../clock.js';
import { createLogger, type Logger } from '../logger.js';
import type { CallOptions, ModelArtsApi } from '../modelarts/index.js';
import type { OperationJobData, OperationKind, OperationResult } from '../operations/index.js';
import { NotebookStore } from '../store/index.js';
import type { OperationContext, OperationHooks } from './operation-context.js';
import type { OperationJob, OperationProcessor } from './operation-run.js';
import { SlackNotifier, type SlackWorker, type SlackWorkerOptions } from './outbox/index.js';
import { boardTickMs, DEFAULT_POLL_TIMING, type PollTiming } from './polling.js';
import { createCreateProcessor } from './processors/create.js';
import { createDeleteProcessor } from './processors/delete.js';
import { createExtendProcessor } from './processors/extend.js';
import { createStartProcessor } from './processors/start.js';
import { createStopProcessor } from './processors/stop.js';
import { DEFAULT_QUEUE_PREFIX, DEFAULT_RETENTION, keepJobs, OPS_QUEUE, type RetentionOptions } from './queues.js';
import { createStatusBoard, type StatusBoard } from './status-board.js';

/** After the step grace, how long a graceful close may still take before it is forced. */
const FORCE_CLOSE_MARGIN_MS = 3000;
/** How long a forced close may take (it only drops connections). */
const FORCE_CLOSE_WAIT_MS = 2000;

export interface OperationWorkerDeps extends OperationHooks {
  /**
   * ioredis connection with `maxRetriesPerRequest: null` (BullMQ's requirement for workers);
   * BullMQ duplicates it for its blocking reads. The caller owns and closes it, after `close()`.
   */
  connection: Redis;
  /**
   * The connection for the worker's own commands (notebook records, the status board, the
   * outbox's state), apart from BullMQ's: ioredis copies every command defined on a connection
   * into each MULTI and pipeline made on it, and BullMQ defines its 64 scripts on `connection`,
   * which made each of our transactions cost ~100 µs and ~12 KB of garbage instead of ~13 µs and
   * ~3 KB. `maxRetriesPerRequest: null` too (a step waits out a reconnect). The caller closes
   * it, after `close()`. Default: `connection`.
   */
  commands?: Redis;
  /** `QUEUE_PREFIX`; the same as the producer's. Default `{nbbot}`. */
  prefix?: string;
  modelarts: ModelArtsApi;
  /** Bot-token Web API client; build it with `createWorkerSlackClient` (throws on 429). */
  slack: WebClient;
  /** Default: a NotebookStore on `commands` and `prefix`. */
  store?: NotebookStore;
  /** Time as ModelArts sees it (lease and `create_at` maths, timeouts). Default: the system clock. */
  clock?: Clock;
  logger?: Logger;
  /** Poll delays and timeouts; build from config with `pollTimingFromEnv(config.env)`. */
  timing?: Partial<PollTiming>;
  /**
   * Operations processed at once by this process. Each activation is one or two API calls, so
   * this bounds how many polls can be in flight: with ModelArts answering in ~100 ms, 32 slots
   * serve ~300 polls a second. Default 32.
   */
  concurrency?: number;
  /**
   * BullMQ lock duration of a step (renewed every half of it while the step runs); a crashed
   * worker's job is picked up once it expires. Default `STEP_LOCK_DURATION_MS` (8 s).
   */
  lockDuration?: number;
  /** BullMQ stalled-job check interval. Default `STALLED_CHECK_INTERVAL_MS` (2 s). */
  stalledInterval?: number;
  /**
   * On `close()`, how long running steps may take to finish before they are cut short (their
   * ModelArts call aborted) and handed back to the queue. Default 5 s.
   */
  shutdownGraceMs?: number;
  /** Stalls (worker crashes mid-job) tolerated per job before it fails. Default 5: every step is replay-safe. */
  maxStalledCount?: number;
  /** Finished-job retention (the worker-side fallback to the producer's job options). */
  retention?: Partial<RetentionOptions>;
  /** Tolerated clock difference in the create lookup (`create_at >= attempt - skew`). Default 2 min. */
  createLookupSkewMs?: number;
  /**
   * Per-call options for ModelArts. Default `maxRetries: 0`: retries happen in the queue (delayed
   * job, queue-wide rate limit) instead of sleeping inside a worker slot.
   */
  modelartsCallOptions?: Pick<CallOptions, 'timeoutMs' | 'maxRetries'>;
  /** Least time between two coalesced `chat.update` of one message. Default 15 s. */
  slackMinUpdateIntervalMs?: number;
  /**
   * Re-renders a user's App Home from the notebook records. Given, every change of a notebook
   * with an owner asks for it through the Slack queue, coalesced per owner (one refresh for a
   * burst of changes, `homeRefreshDelayMs` later) and paced like any Slack call.
   */
  refreshHome?: (userId: string) => Promise<void>;
  /** How long a home refresh waits to gather more changes of the same owner. Default 2 s. */
  homeRefreshDelayMs?: number;
  /** Options of the Slack queue's worker (limiter, concurrency, lock settings). */
  slackWorker?: SlackWorkerOptions;
  /**
   * Batched status polling (./status-board.ts), on by default: waiting notebooks are looked at
   * together by one tick every `timing.tickMs` shared by every worker process. `false`: every
   * poll is a GET of its own (tests comparing the two).
   */
  statusBoard?: boolean;
}

/**
 * Lock duration of every job of the ops and Slack queues. A job is one short step (one or two
 * ModelArts calls, or one Slack call; waits are delayed jobs, not held locks), and BullMQ renews
 * the lock every half of this while the step runs, so it only bounds how long a crashed worker's
 * job stays locked: with BullMQ's 30 s default, a SIGKILL mid-poll left the watch dark for about
 * a minute. 8 s still tolerates an event loop stalled for seconds; a false stall is harmless
 * (every step re-checks the live state first).
 */
export const STEP_LOCK_DURATION_MS = 8000;

/**
 * How often a worker looks for jobs whose lock expired (a crashed worker's): a crashed step is
 * resumed within about `STEP_LOCK_DURATION_MS` + this. One cheap script per queue per interval,
 * run by one worker of the fleet.
 */
export const STALLED_CHECK_INTERVAL_MS = 2000;

/**
 * BullMQ's queue-wide rate limit (`worker.rateLimit`, what a ModelArts 429 sets) is only honoured
 * by a worker that has a `limiter`: without one, the job handed back by a 429 was taken again by
 * the next free slot within milliseconds, well before Retry-After. This limit is far above any
 * real rate, so it never limits anything by itself.
 */
const OPS_LIMITER = { max: 1_000_000, duration: 1000 } as const;

/** A running pair of workers (`ops` and `slack`) in this process. */
export interface OperationWorkerHandle {
  readonly worker: Worker<OperationJobData, OperationResult, OperationKind>;
  readonly slackWorker: SlackWorker;
  readonly notifier: SlackNotifier;
  /** Resolves once both workers are connected. */
  waitUntilReady(): Promise<void>;
  /**
   * Graceful stop (SIGTERM): no new jobs, waits for the active ones (each is a short step: polls
   * are delayed jobs, not held workers); a step still running after `shutdownGraceMs` has its
   * ModelArts call aborted and its job handed back to the queue, so another worker resumes it
   * at once instead of after the lock expires. Then closes the queues. Does not close `connection`.
   */
  close(): Promise<void>;
}

/**
 * Starts the workers of notebook operations in this process: the `ops` queue (one processor
 * per kind, see ./processors) and the `slack` queue that carries every Web API call. Any number
 * of processes may run them against the same Redis and prefix; they share the work.
 */
export function createOperationWorker(deps: OperationWorkerDeps): OperationWorkerHandle {
  const prefix = deps.prefix ?? DEFAULT_QUEUE_PREFIX;
  const logger = (deps.logger ?? createLogger()).child({ component: 'jobs' });
  const commands = deps.commands ?? deps.connection;
  const notifier = new SlackNotifier({
    connection: deps.connection,
    commands,
    prefix,
    slack: deps.slack,
    logger: logger.child({ queue: 'slack' }),
    ...(deps.slackMinUpdateIntervalMs !== undefined ? { minUpdateIntervalMs: deps.slackMinUpdateIntervalMs } : {}),
    refreshHome: deps.refreshHome,
    homeRefreshDelayMs: deps.homeRefreshDelayMs,
  });

  const holder: { worker?: Worker<OperationJobData, OperationResult, OperationKind> } = {};
  let closing: Promise<void> | undefined;
  const timing = { ...DEFAULT_POLL_TIMING, ...deps.timing };
  const callOptions = { maxRetries: 0, ...deps.modelartsCallOptions };
  const board: StatusBoard | undefined =
    deps.statusBoard === false
      ? undefined
      : createStatusBoard({
          redis: commands,
          prefix,
          modelarts: deps.modelarts,
          logger,
          tickMs: boardTickMs(timing),
          callOptions,
          // One script call: the job is promoted by id, without loading it.
          wake: async (jobId) => {
            if (!holder.worker) return;
            await new Job(holder.worker, 'poll', {}, {}, jobId).promote().catch(() => undefined);
          },
          staleMs: 10 * Math.max(timing.slowPollMs, timing.maxMs),
          timing,
          ...(deps.metrics?.pollScheduled ? { onScheduled: deps.metrics.pollScheduled } : {}),
        });
  const ctx: OperationContext = {
    modelarts: deps.modelarts,
    store: deps.store ?? new NotebookStore({ redis: commands, prefix }),
    notifier,
    clock: deps.clock ?? systemClock,
    logger: logger.child({ queue: OPS_QUEUE }),
    timing,
    createLookupSkewMs: deps.createLookupSkewMs ?? 120_000,
    callOptions,
    ...(board ? { board } : {}),
    hooks: {
      ...(deps.onNotebookChanged ? { onNotebookChanged: deps.onNotebookChanged } : {}),
      ...(deps.audit ? { audit: deps.audit } : {}),
      ...(deps.metrics ? { metrics: deps.metrics } : {}),
      ...(deps.beforeStop ? { beforeStop: deps.beforeStop } : {}),
    },
    rateLimit: async (ms) => {
      if (!holder.worker) throw new Error('ops worker not constructed yet');
      await holder.worker.rateLimit(ms);
    },
    isClosing: () => closing !== undefined,
  };

  const processors: Record<OperationKind, OperationProcessor> = {
    create: createCreateProcessor(ctx),
    start: createStartProcessor(ctx),
    stop: createStopProcessor(ctx),
    delete: createDeleteProcessor(ctx),
    extend: createExtendProcessor(ctx),
  };

  // Three declared parameters: BullMQ passes the abort signal only to processors that take it.
  const dispatch = (job: OperationJob, token: string | undefined, signal?: AbortSignal): Promise<OperationResult> => {
    const processor = processors[job.data?.op?.kind];
    if (!processor)
      throw new UnrecoverableError(`unknown operation kind ${String(job.data?.op?.kind)} (job ${job.name})`);
    return processor(job, token, signal);
  };

  const lockDuration = deps.lockDuration ?? STEP_LOCK_DURATION_MS;
  const stalledInterval = deps.stalledInterval ?? STALLED_CHECK_INTERVAL_MS;
  const worker = new Worker<OperationJobData, OperationResult, OperationKind>(OPS_QUEUE, dispatch, {
    connection: deps.connection,
    prefix,
    concurrency: deps.concurrency ?? 32,
    maxStalledCount: deps.maxStalledCount ?? 5,
    lockDuration,
    stalledInterval,
    limiter: OPS_LIMITER,
    ...keepJobs({ ...DEFAULT_RETENTION, ...deps.retention }),
  });
  holder.worker = worker;
  worker.on('error', (err) => ctx.logger.error({ err }, 'ops worker error'));
  worker.on('failed', (job, err) => {
    ctx.logger.warn({ jobId: job?.id, kind: job?.name, reason: err.message }, 'operation job failed');
  });

  const slackWorker = notifier.createWorker({ lockDuration, stalledInterval, ...deps.slackWorker });
  board?.start();

  const graceMs = deps.shutdownGraceMs ?? 5000;
  return {
    worker,
    slackWorker,
    notifier,
    async waitUntilReady(): Promise<void> {
      await Promise.all([worker.waitUntilReady(), slackWorker.waitUntilReady()]);
    },
    close(): Promise<void> {
      closing ??= (async () => {
        await board?.stop();
        const closed = Promise.all([worker.close(), slackWorker.close()]);
        // Steps still running after the grace period (a slow ModelArts call) are cut short: the
        // processor sees its signal aborted while closing and hands the job back (see
        // createOperationProcessor), with the lock still held so the move is ours to make.
        const cut = setTimeout(() => worker.cancelAllJobs('worker shutting down'), graceMs);
        // A graceful close waits for BullMQ's blocking reads and lock moves, which never return
        // while Redis is unreachable. Past the grace and a margin, stop without them: the locks
        // expire and another worker (or this one, restarted) takes the jobs back.
        let force: NodeJS.Timeout | undefined;
        const forced = new Promise<void>((resolve) => {
          force = setTimeout(() => {
            ctx.logger.warn(
              { graceMs, redis: deps.connection.status },
              'workers did not stop in time (Redis unreachable?): stopping without handing jobs back; they resume once their locks expire',
            );
            const stopped = Promise.all([worker.close(true), slackWorker.close(true), notifier.close()]);
            void Promise.race([stopped, delay(FORCE_CLOSE_WAIT_MS, undefined, { ref: false })]).then(
              () => resolve(),
              () => resolve(),
            );
          }, graceMs + FORCE_CLOSE_MARGIN_MS);
        });
        try {
          await Promise.race([closed.then(() => notifier.close()), forced]);
        } finally {
          clearTimeout(cut);
          clearTimeout(force);
        }
      })();
      return closing;
    },
  };
}
