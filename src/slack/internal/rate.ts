import { rateLimitRefusal } from '../../access/rate-limit.js';
import type { SlackDeps } from '../deps.js';
import { within } from './timeout.js';

/**
 * The per-user rate limit for commands and clicks (`rateLimitRefusal` in src/access: the wording
 * and the audit), bounded: the limit is a guard, not a dependency, so when Redis is slow or
 * failing the request goes through and the failure is logged. Returns a message for the user
 * when they must slow down.
 */
export async function rateLimitMessage(
  deps: SlackDeps,
  userId: string,
  attempted = 'use',
  channelId?: string | undefined,
): Promise<string | undefined> {
  try {
    return await within(rateLimitRefusal(deps.access, { userId, action: attempted, channelId }), 300);
  } catch (err) {
    deps.logger.warn({ err, userId }, 'rate limit check failed; letting the request through');
    return undefined;
  }
}
