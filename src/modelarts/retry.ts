import { isRetryable } from './errors.js';

/** Inputs of `retryDelayMs`; everything it depends on is passed in, so it is a pure function. */
export interface RetryDelayInput {
  /** 1 for the first retry, 2 for the second, … */
  attempt: number;
  /** The server's `Retry-After` (or another floor), in ms: the delay is never shorter. */
  retryAfterMs?: number | undefined;
  /** Backoff before the first retry, before jitter. */
  baseMs: number;
  /** The backoff never exceeds this (a `Retry-After` may: see `shouldRetry`). */
  maxMs: number;
  /** A number in [0, 1); `Math.random` in production, a constant in tests. */
  random: () => number;
}

/**
 * Exponential backoff with "equal jitter": the delay for retry `n` lies in
 * `[b/2, b)` with `b = min(maxMs, baseMs * 2^(n-1))`.
 *
 * Equal rather than full jitter because full jitter may pick ~0 ms, and hammering a throttled
 * gateway at once is exactly what Huawei asks clients not to do; half the backoff is kept as a
 * floor while the other half still spreads concurrent workers apart.
 *
 * `retryAfterMs` is a floor: we never come back earlier than the server asked, not even when it
 * asks for more than `maxMs`. Capping it instead (the earlier behaviour) sent retries before
 * Retry-After; a bogus or hostile `Retry-After: 86400` is kept from parking a worker for a day
 * by `shouldRetry`, which gives such a call up (its caller retries later, e.g. a delayed job).
 */
export function retryDelayMs(input: RetryDelayInput): number {
  const attempt = Math.max(1, Math.floor(input.attempt));
  // 2^(attempt-1) overflows to Infinity for large attempts; Math.min still yields maxMs.
  const backoff = Math.min(input.maxMs, input.baseMs * 2 ** (attempt - 1));
  const jittered = backoff / 2 + (backoff / 2) * clampUnit(input.random());
  const floor = Math.max(0, input.retryAfterMs ?? 0);
  return Math.ceil(Math.max(Math.round(jittered), floor));
}

function clampUnit(x: number): number {
  return Number.isFinite(x) ? Math.min(Math.max(x, 0), 1) : 0;
}

/** What the retry policy needs to know about one failed attempt. */
export interface RetryDecisionInput {
  error: unknown;
  /**
   * Whether re-sending could duplicate an effect. Reads, stop, start, delete, update and lease
   * changes converge on the same state when repeated; create does not (it makes a second notebook).
   */
  idempotent: boolean;
  /**
   * False only when the request provably never reached the ModelArts service: refused before
   * sending, or rejected by the API gateway (throttling) in front of it.
   */
  mayHaveReachedService: boolean;
  /** Retries already made for this call. */
  retriesDone: number;
  maxRetries: number;
  /** The least wait before a retry (`Retry-After`, or the throttling floor), in ms. */
  retryAfterMs?: number | undefined;
  /** The longest this caller may wait between attempts; a longer `retryAfterMs` gives up instead. */
  maxDelayMs?: number | undefined;
}

/**
 * Whether a failed attempt should be tried again.
 *
 * Only transient failures are retried (throttling, 5xx, timeouts, connection errors; see
 * `isRetryable`). Auth failures never are: five bad signatures in a row lock the AK for five
 * minutes. A non-idempotent request (create) is re-sent only when it never reached the service;
 * after a timeout, a reset or a 5xx the instance may exist, and the caller must look it up.
 * A server that asks to wait longer than `maxDelayMs` is not retried here: the error goes to the
 * caller with its `Retry-After`, rather than the retry going early.
 */
export function shouldRetry(input: RetryDecisionInput): boolean {
  if (input.retriesDone >= input.maxRetries) return false;
  if (!isRetryable(input.error)) return false;
  if (input.maxDelayMs !== undefined && (input.retryAfterMs ?? 0) > input.maxDelayMs) return false;
  return input.idempotent || !input.mayHaveReachedService;
}
