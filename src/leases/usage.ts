import type { UsageAccounting } from '../access/index.js';
import type { Logger } from '../logger.js';
import type { Notebook } from '../modelarts/index.js';
import { runsSoFar, scanObservations } from '../usage/index.js';
import type { DueNotice } from './plan.js';

/**
 * A scan's part in usage accounting: what it saw RUNNING is recorded (console-made notebooks
 * included: the listing is the whole project's), an open run it no longer sees is closed, and
 * each warning due gets the run time and cost so far. Never fails the scan.
 */
export async function recordScanUsage(
  usage: UsageAccounting,
  scan: {
    at: number;
    notebooks: readonly Notebook[] | undefined;
    owners: ReadonlyMap<string, { ownerId?: string | undefined; origin?: string | undefined }> | undefined;
    due: DueNotice[];
  },
  log: Logger,
): Promise<void> {
  try {
    if (scan.notebooks) {
      const open = await usage.ledger.openIds();
      for (const o of scanObservations(scan.notebooks, open, scan.at, scan.owners ?? new Map())) {
        await usage.ledger.observe(o);
      }
    }
    const warnings = scan.due.filter((d) => d.kind === 'warning');
    if (warnings.length === 0) return;
    const soFar = await runsSoFar(
      usage.ledger,
      warnings.map((w) => w.item.notebookId),
      scan.at,
      usage.prices,
    );
    for (const w of warnings) {
      const run = soFar.get(w.item.notebookId);
      if (run) w.item.runSoFar = { ms: run.ms, ...(run.cost ? { cost: run.cost } : {}) };
    }
  } catch (err) {
    log.warn({ err }, 'usage accounting of this scan failed; the next scan catches up');
  }
}
