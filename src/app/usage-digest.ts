import { createUsageDigest, type UsageDigest } from '../usage/index.js';
import type { Services } from './services.js';

/**
 * The scheduler role's weekly usage digest, when the policy names a digest channel
 * (`costs.digest`): checked every minute in every scheduler replica, posted once per week
 * (claimed in Redis). Returns undefined without a digest channel.
 */
export function startUsageDigest(
  s: Services,
  options: { checkEveryMs?: number | undefined } = {},
): UsageDigest | undefined {
  const policy = s.access.policy.costs?.digest;
  const usage = s.access.usage;
  if (!policy || !usage) return undefined;
  const digest = createUsageDigest({
    ledger: usage.ledger,
    redis: s.redis,
    prefix: s.prefix,
    digest: policy,
    prices: usage.prices,
    slack: s.webClient({ retryConfig: { retries: 1 } }),
    clock: s.clock,
    logger: s.logger,
    ...(options.checkEveryMs !== undefined ? { checkEveryMs: options.checkEveryMs } : {}),
  });
  digest.start();
  s.teardown.add('usage digest', () => digest.stop());
  s.logger.info(
    { channel: policy.channel, weekday: policy.weekday, hour: policy.hour, timeZone: policy.timeZone },
    'weekly usage digest scheduled',
  );
  return digest;
}
