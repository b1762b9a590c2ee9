import type { Env } from '../config.js';
import { FAILED_STATUSES, type Notebook } from '../modelarts/index.js';
import type { FailureExplanation } from './explain-failure.js';

/** How operations wait for ModelArts. All durations in milliseconds. */
export interface PollTiming {
  /** First delay between status polls. */
  initialMs: number;
  /** Longest delay between status polls (the delay grows ×1.5 per poll up to this). */
  maxMs: number;
  /**
   * Poll interval once a create/start is about to finish (STARTING, or every creation step done):
   * the moment it becomes RUNNING is seen within this. Default: 1.5 × `initialMs` (3 s), the
   * second step of the backoff: short enough for a ready message within seconds, few enough
   * calls for a STARTING phase of a minute.
   */
  nearReadyMs?: number;
  /**
   * Poll interval while the last creation step is in progress (RUNNING is one step away, and
   * STARTING must not be missed for long). Default: half of `maxMs` (7.5 s).
   */
  approachMs?: number;
  /** After this long without reaching the target state, tell the user and poll slowly. */
  readyTimeoutMs: number;
  /** Poll interval after the ready timeout. */
  slowPollMs: number;
  /** Stop watching altogether after this long (the operation then fails, telling the user). */
  watchLimitMs: number;
  /** Give up after this many consecutive transient ModelArts failures (5xx, timeouts, no answer). */
  maxTransientFailures: number;
  /** Longest backoff after a transient failure. */
  maxRetryDelayMs: number;
  /**
   * How often the status board ticks (batched polling, ./status-board.ts); a look due within one
   * tick is taken early, so this adds nothing to a poll's delay. Default: half of `initialMs`, at
   * most 1 s.
   */
  tickMs?: number;
}

export const DEFAULT_POLL_TIMING: Readonly<PollTiming> = {
  initialMs: 2000,
  maxMs: 15_000,
  readyTimeoutMs: 20 * 60_000,
  slowPollMs: 60_000,
  watchLimitMs: 24 * 3_600_000,
  maxTransientFailures: 12,
  maxRetryDelayMs: 60_000,
};

/** The status board's tick interval (see `PollTiming.tickMs`). */
export function boardTickMs(timing: Pick<PollTiming, 'tickMs' | 'initialMs'>): number {
  return Math.max(1, timing.tickMs ?? Math.min(1000, Math.round(timing.initialMs / 2)));
}

/** Poll timing from the validated environment (`loadConfig().env`). */
export function pollTimingFromEnv(
  env: Pick<Env, 'POLL_INITIAL_MS' | 'POLL_MAX_MS' | 'READY_TIMEOUT_MS' | 'SLOW_POLL_MS'> &
    Partial<Pick<Env, 'POLL_NEAR_READY_MS'>>,
): PollTiming {
  return {
    ...DEFAULT_POLL_TIMING,
    initialMs: env.POLL_INITIAL_MS,
    maxMs: env.POLL_MAX_MS,
    readyTimeoutMs: env.READY_TIMEOUT_MS,
    slowPollMs: env.SLOW_POLL_MS,
    ...(env.POLL_NEAR_READY_MS !== undefined ? { nearReadyMs: env.POLL_NEAR_READY_MS } : {}),
  };
}

/**
 * How close a watched create/start looks to RUNNING, from what ModelArts reports:
 * - `near`: STARTING, every creation step COMPLETED, or RUNNING with its storage still settling;
 * - `approaching`: the last creation step (4, initialisation) is PROCESSING;
 * - `far`: anything else (the long middle of a creation).
 * Polling backs off in the long middle, and comes back to a short interval at the end, where a
 * late look is a late ready message.
 */
export type ReadyApproach = 'far' | 'approaching' | 'near';

export function readyApproach(nb: Pick<Notebook, 'status' | 'action_progress'>): ReadyApproach {
  const status = nb.status.toUpperCase();
  if (status === 'STARTING' || status === 'RUNNING') return 'near';
  const steps = nb.action_progress;
  if (!steps || steps.length === 0) return 'far';
  let last: { step: number; status: string } | undefined;
  let allDone = true;
  for (const s of steps) {
    if (typeof s.step !== 'number') continue;
    const st = (s.status ?? '').toUpperCase();
    if (st !== 'COMPLETED') allDone = false;
    if (!last || s.step > last.step) last = { step: s.step, status: st };
  }
  if (!last) return 'far';
  if (allDone) return 'near';
  return last.status === 'PROCESSING' ? 'approaching' : 'far';
}

/** The interval of each approach (see `PollTiming.nearReadyMs` and `approachMs`). */
export function approachDelays(timing: Pick<PollTiming, 'initialMs' | 'maxMs' | 'nearReadyMs' | 'approachMs'>): {
  near: number;
  approaching: number;
} {
  const near = Math.min(timing.nearReadyMs ?? Math.round(timing.initialMs * 1.5), timing.maxMs);
  const approaching = Math.min(timing.approachMs ?? Math.round(timing.maxMs / 2), timing.maxMs);
  return { near, approaching: Math.max(near, approaching) };
}

/**
 * The next delay between polls: `initialMs` first, then ×1.5 each time, capped at `maxMs`; near
 * the end of a create/start (`approach`), capped at `approachMs` or `nearReadyMs` instead.
 */
export function nextPollDelay(
  previous: number | undefined,
  timing: Pick<PollTiming, 'initialMs' | 'maxMs' | 'nearReadyMs' | 'approachMs'>,
  approach: ReadyApproach = 'far',
): number {
  const backoff =
    previous === undefined
      ? Math.min(timing.initialMs, timing.maxMs)
      : Math.min(Math.round(previous * 1.5), timing.maxMs);
  if (approach === 'far') return backoff;
  const d = approachDelays(timing);
  return Math.min(backoff, approach === 'near' ? d.near : d.approaching);
}

/**
 * Backoff after the `failures`-th consecutive transient failure (1-based): exponential from 1 s
 * with ±20 % jitter (so workers that failed together do not retry together), capped at `maxMs`;
 * a server's `Retry-After` wins when it asks for longer.
 */
export function transientRetryDelay(
  failures: number,
  retryAfterMs: number | undefined,
  maxMs: number,
  random = Math.random,
): number {
  const base = Math.min(1000 * 2 ** Math.max(0, failures - 1), maxMs);
  const jittered = Math.round(base * (0.8 + 0.4 * random()));
  return Math.max(Math.min(jittered, maxMs), retryAfterMs ?? 0);
}

/**
 * Delay after ModelArts throttled us (HTTP 429 / APIG.0308): its `Retry-After`, else Huawei's
 * advice of 2–5 s.
 */
export function throttleDelay(retryAfterMs: number | undefined, random = Math.random): number {
  if (retryAfterMs !== undefined && retryAfterMs > 0) return retryAfterMs;
  return 2000 + Math.round(3000 * random());
}

/** Storage states during which a RUNNING notebook is not usable yet (Huawei's Terraform rule). */
const VOLUME_BUSY: ReadonlySet<string> = new Set(['RESIZING', 'INITIALIZING']);

export type Verdict =
  | { kind: 'done' }
  /** A failed state: `reason` is the service's `fail_reason`, to be explained. */
  | { kind: 'failed'; reason: string | undefined }
  /** A stable state the operation cannot lead from: waiting longer would be waiting for nothing. */
  | { kind: 'ended'; explanation: FailureExplanation }
  | { kind: 'waiting' };

/**
 * Stable states no create, start or stop leads out of by itself. Huawei's Terraform provider ends
 * a wait on any stable state and fails at once on CREATE_FAILED/START_FAILED/ERROR
 * (terraform-provider-huaweicloud `huaweicloud/services/modelarts/resource_huaweicloud_modelarts_notebook.go`).
 */
const DEAD_ENDS: Readonly<Record<string, FailureExplanation>> = {
  FROZEN: {
    reason: 'ModelArts froze the notebook (usually because the account is in arrears or the resources were reclaimed).',
    hint: 'Check the account’s balance and notices in the Huawei Cloud console, then start it again.',
  },
  DELETED: {
    reason: 'The notebook was deleted meanwhile.',
    hint: 'Create it again if you still need it.',
  },
};

/**
 * Create/start: done when RUNNING with its storage settled; failed at once on a failed state or a
 * dead end (FROZEN, DELETED). STOPPED is left to the caller, which allows the service a moment
 * to catch up right after a start.
 */
export function readyVerdict(nb: Notebook): Verdict {
  if (FAILED_STATUSES.has(nb.status)) return { kind: 'failed', reason: nb.fail_reason };
  const deadEnd = DEAD_ENDS[nb.status];
  if (deadEnd) return { kind: 'ended', explanation: deadEnd };
  const volume = nb.volume?.status?.toUpperCase();
  if (nb.status === 'RUNNING' && !(volume && VOLUME_BUSY.has(volume))) return { kind: 'done' };
  return { kind: 'waiting' };
}

/** Stop: done when STOPPED; a dead end (FROZEN, DELETED) ends the wait too. */
export function stoppedVerdict(nb: Notebook): Verdict {
  if (nb.status === 'STOPPED') return { kind: 'done' };
  if (FAILED_STATUSES.has(nb.status)) return { kind: 'failed', reason: nb.fail_reason };
  const deadEnd = DEAD_ENDS[nb.status];
  if (deadEnd) return { kind: 'ended', explanation: deadEnd };
  return { kind: 'waiting' };
}

/** Delete: done when DELETED (a not-found answer is handled by the caller). */
export function deletedVerdict(nb: Notebook): Verdict {
  if (nb.status === 'DELETED') return { kind: 'done' };
  if (nb.status === 'DELETE_FAILED' || nb.status === 'ERROR') return { kind: 'failed', reason: nb.fail_reason };
  return { kind: 'waiting' };
}
