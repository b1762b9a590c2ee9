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

/** Resolves with `promise`, or rejects with SlackWaitTimeoutError after `ms`. The timer never keeps the process alive. */
export async function withTimeout<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new SlackWaitTimeoutError(what)), ms);
    timer.unref();
  });
  try {
    return await Promise.race([promise, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

/** Resolves with `promise`'s value, or `undefined` after `ms` (the promise keeps running). */
export async function within<T>(promise: Promise<T>, ms: number): Promise<T | undefined> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<undefined>((resolve) => {
    timer = setTimeout(() => resolve(undefined), ms);
    timer.unref();
  });
  try {
    return await Promise.race([promise, timeout]);
  } finally {
    clearTimeout(timer);
  }
}
