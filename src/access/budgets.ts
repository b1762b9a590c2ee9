import { budgetReason } from '../messages/index.js';
import { type BudgetPolicy, budgetOverages, currentMonth, effectiveCap, runCost, usageOf } from '../usage/index.js';
import type { AccessRequest, UsageAccounting } from './types.js';

/** Actions that add run time, and so count against a monthly budget. */
const ADDS_RUN_TIME: ReadonlySet<string> = new Set(['create', 'start', 'extend']);

/**
 * The approval reason when `req` would take its requester over their monthly budget
 * (`costs.budgets`), else undefined. What counts: the requester's run time and cost this month
 * (UTC) so far, from the usage ledger, plus the run time the request asks for from now to the end
 * of the lease, clipped to this month (the rest counts next month). The flavor prices the money
 * cap: the request's, or for an extend the notebook's as the ledger last saw it.
 */
export async function budgetApproval(
  req: AccessRequest,
  budgets: BudgetPolicy,
  usage: UsageAccounting,
  now: number,
  matches: (principals: readonly string[]) => Promise<boolean>,
): Promise<string | undefined> {
  if (!ADDS_RUN_TIME.has(req.action) || req.durationMs === undefined || req.durationMs <= 0) return undefined;
  const cap = await effectiveCap(budgets, matches);
  if (cap.hoursMs === undefined && cap.micros === undefined) return undefined;
  const month = currentMonth(now);
  const addMs = Math.max(0, Math.min(req.durationMs, month.to - now));
  const flavor = req.flavor ?? (req.notebook ? await usage.ledger.flavorOf(req.notebook.id) : undefined);
  const runs = await usage.ledger.runsBetween(month.from, month.to, now);
  const used = usageOf(runs, req.userId, month, usage.prices);
  const overages = budgetOverages(cap, {
    usedMs: used.ms,
    usedMicros: used.micros,
    addMs,
    addMicros: runCost(usage.prices, flavor, addMs)?.micros,
  });
  if (overages.length === 0) return undefined;
  return budgetReason(overages, usage.prices?.currency);
}
