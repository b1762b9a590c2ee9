import { AsyncLocalStorage } from 'node:async_hooks';
import { randomUUID } from 'node:crypto';

/** Ids that tie log lines to the Slack request or the job they belong to. */
export interface CorrelationIds {
  requestId?: string;
  jobId?: string;
}

/**
 * Correlation ids carried through async calls (AsyncLocalStorage), added to every log line by the
 * logger's `mixin`. A Slack request gets a `requestId` at the door; every line its listeners log,
 * however deep, carries it without each module threading a child logger through.
 */
export interface Correlation {
  /** Runs `fn` with `ids` added to the current ids. */
  run<T>(ids: CorrelationIds, fn: () => T): T;
  /** The current ids (empty outside any request or job). */
  current(): CorrelationIds;
  /** For `createLogger({ mixin })`. */
  mixin(): Record<string, unknown>;
}

/**
 * A short random id for a request (12 hex characters): the random part of a v4 UUID, which Node
 * draws from a pooled entropy buffer (no system call per request on the ack path).
 */
export function newRequestId(): string {
  const u = randomUUID();
  return u.slice(0, 8) + u.slice(9, 13);
}

/** Creates one correlation context (one per process; tests may make more). */
export function createCorrelation(): Correlation {
  const storage = new AsyncLocalStorage<CorrelationIds>();
  return {
    run: (ids, fn) => storage.run({ ...storage.getStore(), ...ids }, fn),
    current: () => storage.getStore() ?? {},
    mixin: () => ({ ...storage.getStore() }),
  };
}
