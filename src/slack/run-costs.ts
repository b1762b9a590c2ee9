import type { UsageAccounting } from '../access/index.js';
import type { NotebookSummary } from '../messages/index.js';
import { runsSoFar } from '../usage/index.js';

/**
 * Adds to each RUNNING notebook how long it has run in this lease and what that cost so far, from
 * the usage ledger (no ModelArts call). A notebook the ledger has not seen running yet gets
 * nothing rather than a guess; a ledger failure leaves the summaries as they were.
 */
export async function addRunCosts(
  usage: UsageAccounting | undefined,
  summaries: NotebookSummary[],
  now: number,
): Promise<void> {
  if (!usage) return;
  const running = summaries.filter((s) => s.status === 'RUNNING');
  if (running.length === 0) return;
  try {
    const runs = await runsSoFar(
      usage.ledger,
      running.map((s) => s.id),
      now,
      usage.prices,
    );
    for (const s of running) {
      const run = runs.get(s.id);
      if (run) s.runSoFar = { ms: run.ms, ...(run.cost ? { cost: run.cost } : {}) };
    }
  } catch {
    // Costs are extra information: a status or a Home tab without them beats none.
  }
}
