import type { Money } from '../messages/index.js';

/**
 * The pure arithmetic of costs. Prices and amounts are integer micro-units (millionths of the
 * currency unit): a run's cost is `price × ms / 1 h`, computed exactly (BigInt) and rounded half
 * up to the micro-unit once per run; totals are sums of integers, so there is no float drift.
 * The one display rounding, to the currency's minor unit, is `formatMoney` (src/messages).
 */

export const HOUR_MS = 3_600_000;
const MICROS = 1_000_000;

/** One price rule: a flavor id or glob (`*`, `?`) and its price per hour, in micro-units. */
export interface PriceRule {
  match: string;
  microsPerHour: number;
}

/** What the policy's `costs` prices say (normalised). */
export interface PriceBook {
  currency: string;
  /** Exact ids first, then globs in file order: the first that matches a flavor prices it. */
  rules: readonly PriceRule[];
  /** Price of one GB of storage for a month (30 days), in micro-units. */
  storageMicrosPerGbMonth?: number;
}

/** A decimal amount of the policy file → integer micro-units (at most 6 decimals, checked by the schema). */
export function toMicros(amount: number): number {
  return Math.round(amount * MICROS);
}

const globCache = new Map<string, RegExp>();

function globRegExp(pattern: string): RegExp {
  let re = globCache.get(pattern);
  if (!re) {
    const body = pattern
      .replace(/[.+^${}()|[\]\\]/g, '\\$&')
      .replace(/\*/g, '.*')
      .replace(/\?/g, '.');
    re = new RegExp(`^${body}$`, 'i');
    globCache.set(pattern, re);
  }
  return re;
}

/** Orders rules as they apply: exact ids before globs, otherwise as written. */
export function orderRules(rules: readonly PriceRule[]): PriceRule[] {
  const isGlob = (r: PriceRule) => /[*?]/.test(r.match);
  return [...rules.filter((r) => !isGlob(r)), ...rules.filter(isGlob)];
}

/** The hourly price of `flavorId`, or undefined when no rule prices it (or there are no prices). */
export function hourlyPrice(book: PriceBook | undefined, flavorId: string | undefined): Money | undefined {
  if (!book || !flavorId) return undefined;
  for (const rule of book.rules) {
    if (rule.match.toLowerCase() === flavorId.toLowerCase() || globRegExp(rule.match).test(flavorId)) {
      return { micros: rule.microsPerHour, currency: book.currency };
    }
  }
  return undefined;
}

/** `microsPerHour × ms / 1 h`, exact, rounded half up to the micro-unit. */
export function costMicros(microsPerHour: number, ms: number): number {
  if (ms <= 0 || microsPerHour <= 0) return 0;
  const num = BigInt(Math.round(microsPerHour)) * BigInt(Math.round(ms));
  return Number((num + BigInt(HOUR_MS / 2)) / BigInt(HOUR_MS));
}

/** What `ms` of `flavorId` costs, or undefined when the flavor has no price. */
export function runCost(book: PriceBook | undefined, flavorId: string | undefined, ms: number): Money | undefined {
  const price = hourlyPrice(book, flavorId);
  return price ? { micros: costMicros(price.micros, ms), currency: price.currency } : undefined;
}

/** Storage of `gb` for a 30-day month, or undefined without a storage price. */
export function storageMonthly(book: PriceBook | undefined, gb: number): Money | undefined {
  if (!book?.storageMicrosPerGbMonth || gb <= 0) return undefined;
  return { micros: book.storageMicrosPerGbMonth * Math.round(gb), currency: book.currency };
}
