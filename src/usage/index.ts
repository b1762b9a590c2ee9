/**
 * Costs and usage: prices and budgets from the policy (`costs:`), the usage ledger fed by what
 * the bot observes, reports, budgets and the weekly digest. Import from here.
 *
 * Feature order: slack → jobs → schedules → leases → access → usage. Access control asks it for budgets; the
 * composition root (src/app) feeds it the worker's and the lease scan's observations, runs the
 * digest in the scheduler role, and hands the ledger to the Slack app (`/notebook usage`, running
 * cost in status and App Home) and the lease watch (running cost in warnings).
 */
export { type BudgetOverage, type BudgetUse, budgetOverages, effectiveCap } from './budget.js';
export {
  type BudgetCap,
  type BudgetPolicy,
  type CostPolicy,
  type CostsFile,
  CostsFileSchema,
  costsCrossChecks,
  type DigestPolicy,
  normaliseCosts,
  WEEKDAYS,
} from './cost-policy.js';
export {
  createUsageDigest,
  type DigestOutcome,
  digestSlot,
  longRuns,
  type UsageDigest,
  type UsageDigestOptions,
} from './digest.js';
export {
  ENDED_STATUSES,
  type Observation,
  type ObserveResult,
  RUNNING_STATUSES,
  type Run,
  UsageLedger,
  type UsageLedgerOptions,
} from './ledger.js';
export { observationFromRecord, scanObservations } from './observe.js';
export {
  costMicros,
  HOUR_MS,
  hourlyPrice,
  orderRules,
  type PriceBook,
  type PriceRule,
  runCost,
  storageMonthly,
  toMicros,
} from './prices.js';
export {
  clippedCost,
  clippedMs,
  currentMonth,
  monthLabel,
  monthWindow,
  parseMonth,
  personKey,
  summarize,
  type UsageLine,
  type UsageSummary,
  usageOf,
  type Window,
} from './report.js';
export { type RunSoFar, runsSoFar } from './so-far.js';
export { localMidnight, localParts, localToUtc } from './zoned.js';
