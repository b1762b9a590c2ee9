import type { BudgetCap } from './cost-policy.js';

/** Budgets: what a request would bring a person's month to, against their cap (pure). */

export interface BudgetUse {
  /** Run time and cost (micro-units) this month so far. */
  usedMs: number;
  usedMicros: number;
  /** What the request adds inside this month. */
  addMs: number;
  /** Undefined when the flavor has no price. */
  addMicros: number | undefined;
}

/** One cap a request would exceed: the cap, the total it would reach, and by how much. */
export interface BudgetOverage {
  kind: 'hours' | 'amount';
  cap: number;
  used: number;
  total: number;
  over: number;
}

/**
 * The caps `use` would exceed (hours first). A cap already reached counts: any further run time
 * is over it. Unpriced run time never counts against a money cap.
 */
export function budgetOverages(cap: BudgetCap, use: BudgetUse): BudgetOverage[] {
  const out: BudgetOverage[] = [];
  if (cap.hoursMs !== undefined && use.addMs > 0) {
    const total = use.usedMs + use.addMs;
    if (total > cap.hoursMs) {
      out.push({ kind: 'hours', cap: cap.hoursMs, used: use.usedMs, total, over: total - cap.hoursMs });
    }
  }
  if (cap.micros !== undefined && use.addMicros !== undefined && use.addMicros > 0) {
    const total = use.usedMicros + use.addMicros;
    if (total > cap.micros) {
      out.push({ kind: 'amount', cap: cap.micros, used: use.usedMicros, total, over: total - cap.micros });
    }
  }
  return out;
}

/**
 * The cap for one person: the largest matching override per kind (a "long jobs" group is not
 * undone by also being in a smaller one), else the default. `matches` says whether the person is
 * among an override's principals.
 */
export async function effectiveCap(
  budgets: BudgetCap & { overrides: ReadonlyArray<{ principals: readonly string[] } & BudgetCap> },
  matches: (principals: readonly string[]) => Promise<boolean>,
): Promise<BudgetCap> {
  let hoursMs: number | undefined;
  let micros: number | undefined;
  let matched = false;
  for (const o of budgets.overrides) {
    if (!(await matches(o.principals))) continue;
    matched = true;
    if (o.hoursMs !== undefined) hoursMs = Math.max(hoursMs ?? 0, o.hoursMs);
    if (o.micros !== undefined) micros = Math.max(micros ?? 0, o.micros);
  }
  if (!matched)
    return {
      ...(budgets.hoursMs !== undefined ? { hoursMs: budgets.hoursMs } : {}),
      ...(budgets.micros !== undefined ? { micros: budgets.micros } : {}),
    };
  // A kind the matching overrides leave out keeps the default.
  hoursMs ??= budgets.hoursMs;
  micros ??= budgets.micros;
  return { ...(hoursMs !== undefined ? { hoursMs } : {}), ...(micros !== undefined ? { micros } : {}) };
}
