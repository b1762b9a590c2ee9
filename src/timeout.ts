import { BotError } from './errors.js';

/** A bounded wait inside a Slack listener ran out (Slack gives 3 s; we stop well before). */
export class SlackWaitTimeoutError extends BotError {
  readonly code = 'slack_wait_timeout';
  constructor(readonly what: string) {
    super(`${what} took too long`);
  }
  override get userMessage(): string {
    return `${this.what} took too long to answer. Try again in a minute.`;
  }
}

/**
 * The one race against a timer: resolves or rejects as `promise` does, unless `ms` pass first;
 * then settles with `onTimeout()` (its value, or what it throws). The promise keeps running; the
 * timer is cleared once settled and never keeps the process alive.
 */
export async function raceTimeout<T, U>(promise: Promise<T>, ms: number, onTimeout: () => U): Promise<T | U> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<U>((resolve, reject) => {
    timer = setTimeout(() => {
      try {
        resolve(onTimeout());
      } catch (err) {
        reject(err);
      }
    }, ms);
    timer.unref();
  });
  try {
    return await Promise.race([promise, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

/** Resolves with `promise`, or rejects with `error()` after `ms`. */
export function rejectAfter<T>(promise: Promise<T>, ms: number, error: () => Error): Promise<T> {
  return raceTimeout<T, never>(promise, ms, () => {
    throw error();
  });
}

/** Resolves with `promise`, or rejects with SlackWaitTimeoutError after `ms`. */
export function withTimeout<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  return rejectAfter(promise, ms, () => new SlackWaitTimeoutError(what));
}

/** Resolves with `promise`'s value, or `undefined` after `ms` (the promise keeps running). */
export function within<T>(promise: Promise<T>, ms: number): Promise<T | undefined> {
  return raceTimeout(promise, ms, () => undefined);
}
