import type { SlackDeps } from '../deps.js';
import { within } from './timeout.js';

/** The rule id shown to the user and written to the audit trail. */
export const RATE_LIMIT_RULE = 'rate_limit';

/**
 * The per-user rate limit for commands and clicks. Bounded (the limit is a guard, not a
 * dependency): when Redis is slow or failing, the request goes through and the failure is logged.
 * Returns a message for the user (the rule, when to retry, who to ask) when they must slow down.
 * Only the first refusal of a window is audited, so a flood cannot push real entries out of the
 * bounded audit stream.
 */
export async function rateLimitMessage(
  deps: SlackDeps,
  userId: string,
  attempted = 'use',
  channelId?: string | undefined,
): Promise<string | undefined> {
  try {
    const r = await within(deps.access.consumeRate(userId), 300);
    if (r && !r.ok) {
      if (r.first) {
        await deps.access.audit({
          userId,
          action: attempted,
          ...(channelId ? { channelId } : {}),
          outcome: 'refused',
          rule: RATE_LIMIT_RULE,
          detail: 'too many commands and clicks in a minute (later ones in this minute are not recorded)',
        });
      }
      return `:turtle: You're going a bit fast: try again in ${r.retryAfterSec} s. If you need a higher limit, ask ${deps.access.adminContact()}. (rule \`${RATE_LIMIT_RULE}\`)`;
    }
  } catch (err) {
    deps.logger.warn({ err, userId }, 'rate limit check failed; letting the request through');
  }
  return undefined;
}
