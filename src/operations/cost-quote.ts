import type { AccessControl } from '../access/index.js';
import type { Operation } from './types.js';

/**
 * Adds to a create, start or extend what the run time it adds costs at the policy's price for its
 * flavor (`op.cost`), so every state of its status message says it: the lease of a create or
 * start, the added time of an extend. A lease that stops when idle has no known length: the quote
 * is then the hourly price alone (`ms: 0`). Without a price for the flavor the op is unchanged;
 * a failed lookup never stops an operation.
 */
export async function withCostQuote(
  access: Pick<AccessControl, 'usage'>,
  op: Operation,
  flavor: string | undefined,
): Promise<Operation> {
  const usage = access.usage;
  if (!usage || op.cost || !usage.prices) return op;
  try {
    let ms: number;
    let flavorId = flavor;
    switch (op.kind) {
      case 'create':
        flavorId = op.request.flavor;
        ms = op.request.lease?.type === 'IDLE' ? 0 : (op.request.lease?.duration ?? 0);
        break;
      case 'start':
        flavorId ??= await usage.flavorOf(op.notebookId);
        ms = op.leaseType === 'IDLE' ? 0 : op.durationMs;
        break;
      case 'extend':
        flavorId ??= await usage.flavorOf(op.notebookId);
        ms = op.addMs;
        break;
      default:
        return op;
    }
    const price = usage.priceOf(flavorId);
    return price ? { ...op, cost: { ms, price } } : op;
  } catch {
    return op;
  }
}
