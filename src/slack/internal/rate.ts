import type { SlackDeps } from '../deps.js';
import { within } from './timeout.js';

/**
 * The per-user rate limit for commands and clicks. Bounded (the limit is a guard, not a
 * dependency): when Redis is slow or failing, the request goes through and the failure is logged.
 * Returns a message for the user when they must slow down.
 */
export async function rateLimitMessage(deps: SlackDeps, userId: string): Promise<string | undefined> {
  try {
    const r = await within(deps.access.consumeRate(userId), 300);
    if (r && !r.ok) return `:turtle: You're going a bit fast. Try again in ${r.retryAfterSec} s.`;
  } catch (err) {
    deps.logger.warn({ err, userId }, 'rate limit check failed; letting the request through');
  }
  return undefined;
}
