import type { Money, UsageLineView, UsageSummaryView } from '../messages/index.js';
import type { Run } from './ledger.js';
import { costMicros, hourlyPrice, type PriceBook } from './prices.js';

/** Usage reports: pure sums over ledger runs, clipped to a window. */

/** `[from, to)` in epoch ms. */
export interface Window {
  from: number;
  to: number;
}

/** A calendar month in UTC: `2026-11` → [Nov 1 00:00 UTC, Dec 1 00:00 UTC). */
export function monthWindow(year: number, month: number): Window {
  return { from: Date.UTC(year, month, 1), to: Date.UTC(year, month + 1, 1) };
}

/** The UTC month `now` falls in. */
export function currentMonth(now: number): Window & { label: string } {
  const d = new Date(now);
  return { ...monthWindow(d.getUTCFullYear(), d.getUTCMonth()), label: monthLabel(now) };
}

/** `2026-11`. */
export function monthLabel(ms: number): string {
  const d = new Date(ms);
  return `${d.getUTCFullYear()}-${String(d.getUTCMonth() + 1).padStart(2, '0')}`;
}

const MONTHS = 'january february march april may june july august september october november december'.split(' ');

function monthByName(word: string): number | undefined {
  const i = MONTHS.findIndex((n) => n === word || (word.length >= 3 && n.startsWith(word)));
  return i < 0 ? undefined : i;
}

/**
 * `2026-11`, `11/2026`, `nov`, `november 2026`, `this`, `last` → that month (a bare month name
 * later than the current one is last year's), or undefined when the text is none of these.
 */
export function parseMonth(text: string, now: number): (Window & { label: string }) | undefined {
  const t = text.trim().toLowerCase();
  const d = new Date(now);
  let year = d.getUTCFullYear();
  let month: number | undefined;
  const iso = /^(\d{4})-(\d{1,2})$/.exec(t);
  const slash = /^(\d{1,2})\/(\d{4})$/.exec(t);
  const named = /^([a-z]{3,9})(?:\s+(\d{4}))?$/.exec(t);
  if (t === 'this' || t === 'current') month = d.getUTCMonth();
  else if (t === 'last' || t === 'previous') month = d.getUTCMonth() - 1;
  else if (iso) {
    year = Number(iso[1]);
    month = Number(iso[2]) - 1;
  } else if (slash) {
    year = Number(slash[2]);
    month = Number(slash[1]) - 1;
  } else if (named) {
    month = monthByName(named[1] ?? '');
    if (month === undefined) return undefined;
    if (named[2]) year = Number(named[2]);
    else if (month > d.getUTCMonth()) year -= 1;
  }
  if (month === undefined || month < -1 || month > 11 || year < 2000 || year > 9999) return undefined;
  if (iso || slash || named) {
    if (month < 0) return undefined;
  }
  const w = monthWindow(year, month);
  return { ...w, label: monthLabel(w.from) };
}

/** How long `run` ran inside `w`. */
export function clippedMs(run: Pick<Run, 'start' | 'end'>, w: Window): number {
  return Math.max(0, Math.min(run.end, w.to) - Math.max(run.start, w.from));
}

/** One line of a breakdown (the shape the report and digest messages render). */
export type UsageLine = UsageLineView;

export interface UsageSummary extends UsageSummaryView {
  window: Window;
  byPerson: UsageLine[];
  byFlavor: UsageLine[];
  byNotebook: UsageLine[];
}

/** Who a run is counted for: its Slack owner, else its IAM creator, else nobody. */
export function personKey(run: Pick<Run, 'ownerId' | 'iam'>): string {
  if (run.ownerId) return run.ownerId;
  return run.iam ? `iam:${run.iam}` : 'unowned';
}

/** The cost of one run's part inside `w` (undefined: its flavor has no price). */
export function clippedCost(run: Run, w: Window, prices: PriceBook | undefined): Money | undefined {
  const price = hourlyPrice(prices, run.flavor);
  return price ? { micros: costMicros(price.micros, clippedMs(run, w)), currency: price.currency } : undefined;
}

/**
 * Sums runs over a window by person, flavor and notebook, largest cost (then hours) first. Each
 * run's cost is rounded to the micro-unit once; every total is a sum of those integers.
 */
export function summarize(runs: readonly Run[], w: Window, prices: PriceBook | undefined): UsageSummary {
  const person = new Map<string, UsageLine>();
  const flavor = new Map<string, UsageLine>();
  const notebook = new Map<string, UsageLine>();
  let totalMs = 0;
  let totalMicros = 0;
  let unpricedMs = 0;
  const add = (map: Map<string, UsageLine>, key: string, ms: number, micros: number, unpriced: number) => {
    const line = map.get(key) ?? { key, ms: 0, micros: 0, unpricedMs: 0 };
    line.ms += ms;
    line.micros += micros;
    line.unpricedMs += unpriced;
    map.set(key, line);
    return line;
  };
  for (const run of runs) {
    const ms = clippedMs(run, w);
    if (ms <= 0) continue;
    const cost = clippedCost(run, w, prices);
    const micros = cost?.micros ?? 0;
    const unpriced = cost ? 0 : ms;
    totalMs += ms;
    totalMicros += micros;
    unpricedMs += unpriced;
    add(person, personKey(run), ms, micros, unpriced);
    add(flavor, run.flavor ?? 'unknown', ms, micros, unpriced);
    const line = add(notebook, run.notebookId, ms, micros, unpriced);
    if (run.name) line.name = run.name;
    if (run.flavor) line.flavor = run.flavor;
    line.ownerKey = personKey(run);
    if (run.open) line.running = true;
  }
  const order = (a: UsageLine, b: UsageLine) => b.micros - a.micros || b.ms - a.ms || a.key.localeCompare(b.key);
  return {
    window: w,
    ...(prices ? { currency: prices.currency } : {}),
    totalMs,
    totalMicros,
    unpricedMs,
    byPerson: [...person.values()].sort(order),
    byFlavor: [...flavor.values()].sort(order),
    byNotebook: [...notebook.values()].sort(order),
  };
}

/** One person's run time and cost inside `w`. */
export function usageOf(
  runs: readonly Run[],
  userId: string,
  w: Window,
  prices: PriceBook | undefined,
): { ms: number; micros: number } {
  let ms = 0;
  let micros = 0;
  for (const run of runs) {
    if (run.ownerId !== userId) continue;
    ms += clippedMs(run, w);
    micros += clippedCost(run, w, prices)?.micros ?? 0;
  }
  return { ms, micros };
}
