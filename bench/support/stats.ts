/** Summary statistics for latency samples (milliseconds). Pure: unit-testable, no I/O. */

export interface Summary {
  count: number;
  min: number;
  p50: number;
  p95: number;
  p99: number;
  max: number;
  mean: number;
}

/**
 * The `q`-quantile (0..1) of sorted values, nearest-rank (the value below which `q` of the samples
 * fall, always an observed sample): p99 of 100 samples is the 99th, never an interpolation.
 */
export function quantileSorted(sorted: readonly number[], q: number): number {
  if (sorted.length === 0) return Number.NaN;
  const rank = Math.min(sorted.length, Math.max(1, Math.ceil(q * sorted.length)));
  return sorted[rank - 1] as number;
}

/** min, p50, p95, p99, max and mean of `values` (NaN everywhere when empty). */
export function summarize(values: readonly number[]): Summary {
  const sorted = [...values].sort((a, b) => a - b);
  const n = sorted.length;
  const mean = n === 0 ? Number.NaN : sorted.reduce((s, v) => s + v, 0) / n;
  return {
    count: n,
    min: n ? (sorted[0] as number) : Number.NaN,
    p50: quantileSorted(sorted, 0.5),
    p95: quantileSorted(sorted, 0.95),
    p99: quantileSorted(sorted, 0.99),
    max: n ? (sorted[n - 1] as number) : Number.NaN,
    mean,
  };
}

export function median(values: readonly number[]): number {
  return quantileSorted(
    [...values].sort((a, b) => a - b),
    0.5,
  );
}

/** A number for a table: fixed decimals, `–` for NaN/undefined. */
export function fmt(value: number | undefined, decimals = 1): string {
  if (value === undefined || !Number.isFinite(value)) return '–';
  return value.toFixed(decimals);
}

/** `a / b` as `1.23×`, `–` when undefined. */
export function ratio(a: number, b: number): number {
  return b > 0 ? a / b : Number.NaN;
}
