import type { Redis } from 'ioredis';
import type { Logger } from '../logger.js';
import { loadLua } from '../store/index.js';

/** The rule id shown to the user and written to the audit trail. */

/** `first`: this is the first refusal of the window (audit a burst once, not per request). */
export type RateResult = { ok: true } | { ok: false; retryAfterSec: number; first: boolean };

/** A per-key counter over a fixed window. */
export interface RateLimiter {
  consume(key: string): Promise<RateResult>;
}

export interface RateLimiterOptions {
  redis: Redis;
  /** Key prefix (hash-tagged), e.g. `{nbbot}`. */
  prefix: string;
  /** Requests allowed per window. */
  limit: number;
  /** Window length (default 60 s). */
  windowMs?: number;
  logger: Logger;
}

/**
 * INCR and set the window's expiry in one atomic step. The PTTL repair covers a key that lost
 * its expiry (e.g. written by hand): without it that user would be limited forever.
 */
const FIXED_WINDOW = loadLua(import.meta.url, 'scripts/fixed-window.lua');

/**
 * A fixed-window limiter in Redis, shared by every web replica. A fixed window lets a user burst
 * up to twice the limit across a window boundary; for "commands and clicks per minute" that is
 * fine, and it costs one key and one round trip per request. When Redis fails the request is let
 * through (and logged): the limiter guards against abuse, it must not take the bot down.
 */
export function createRateLimiter(options: RateLimiterOptions): RateLimiter {
  const windowMs = options.windowMs ?? 60_000;
  const log = options.logger.child({ component: 'access-rate-limit' });
  return {
    async consume(key) {
      try {
        const [count, ttl] = (await FIXED_WINDOW.run(options.redis, [`${options.prefix}:rate:${key}`], [windowMs])) as [
          number,
          number,
        ];
        if (count <= options.limit) return { ok: true };
        return { ok: false, retryAfterSec: Math.max(1, Math.ceil(ttl / 1000)), first: count === options.limit + 1 };
      } catch (err) {
        log.warn({ err, key }, 'rate limiter unavailable; allowing the request');
        return { ok: true };
      }
    },
  };
}
