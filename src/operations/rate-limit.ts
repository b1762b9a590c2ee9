import type { AccessControl } from '../access/index.js';
import type { Logger } from '../logger.js';
import { formatDuration, rateLimitText } from '../messages/index.js';
import { within } from '../timeout.js';

/** The rule name a rate-limit refusal is audited under. */
export const RATE_LIMIT_RULE = 'rate_limit';

/**
 * The per-user rate limit for commands and clicks (`rateLimitRefusal` below: the wording and the
 * audit), bounded to 300 ms on every entry point (commands, modals, Home and lease buttons): the limit is a guard, not a dependency, so when Redis is slow or
 * failing the request goes through and the failure is logged. Returns a message for the user
 * when they must slow down.
 */
export async function rateLimitMessage(
  deps: { access: Pick<AccessControl, 'consumeRate' | 'audit' | 'adminContact'>; logger: Logger },
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

/**
 * Takes one request from `userId`'s allowance of commands and clicks. Returns what to tell them
 * when they must slow down (the rule, when to retry, who to ask), or undefined to go ahead. The
 * one wording for every entry point: slash commands, modal and Home buttons, lease buttons. Only
 * the first refusal of a window is audited, so a flood cannot push real entries out of the
 * bounded audit stream.
 */
async function rateLimitRefusal(
  access: Pick<AccessControl, 'consumeRate' | 'audit' | 'adminContact'>,
  request: { userId: string; action: string; channelId?: string | undefined },
): Promise<string | undefined> {
  const r = await access.consumeRate(request.userId);
  if (r.ok) return undefined;
  if (r.first) {
    await access.audit({
      userId: request.userId,
      action: request.action,
      ...(request.channelId ? { channelId: request.channelId } : {}),
      outcome: 'refused',
      rule: RATE_LIMIT_RULE,
      detail: 'too many commands and clicks in a minute (later ones in this minute are not recorded)',
    });
  }
  const wait = formatDuration(r.retryAfterSec * 1000, { round: 'up' });
  return rateLimitText(wait, access.adminContact(), RATE_LIMIT_RULE);
}
