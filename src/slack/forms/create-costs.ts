import type { AccessControl } from '../../access/index.js';
import type { CreateCosts } from '../../messages/index.js';

/** What the create form shows about costs: the policy's prices, or undefined when it has none. */
export function createCosts(access: Pick<AccessControl, 'usage'>): CreateCosts | undefined {
  const usage = access.usage;
  const prices = usage?.prices;
  if (!usage || !prices) return undefined;
  return {
    priceOf: (flavorId) => usage.priceOf(flavorId),
    ...(prices.storageMicrosPerGbMonth
      ? { storagePerGbMonth: { micros: prices.storageMicrosPerGbMonth, currency: prices.currency } }
      : {}),
  };
}
