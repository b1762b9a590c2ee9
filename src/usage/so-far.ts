import type { Money } from '../messages/index.js';
import type { UsageLedger } from './ledger.js';
import { type PriceBook, runCost } from './prices.js';

/** How long a notebook has run in its current lease, and what that cost so far. */
export interface RunSoFar {
  since: number;
  ms: number;
  cost?: Money;
}

/**
 * The current run of each of `ids` that has one open in the ledger (status, App Home, lease
 * warnings). A notebook the bot has not seen running yet has none: nothing is guessed.
 */
export async function runsSoFar(
  ledger: Pick<UsageLedger, 'openRuns'>,
  ids: readonly string[],
  now: number,
  prices: PriceBook | undefined,
): Promise<Map<string, RunSoFar>> {
  const out = new Map<string, RunSoFar>();
  if (ids.length === 0) return out;
  for (const run of await ledger.openRuns(now, ids)) {
    const ms = Math.max(0, now - run.start);
    const cost = runCost(prices, run.flavor, ms);
    out.set(run.notebookId, { since: run.start, ms, ...(cost ? { cost } : {}) });
  }
  return out;
}
