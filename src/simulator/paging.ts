import { simErrors } from './errors.js';

/** Query parameters as decoded pairs folded into a record (the last value of a repeated key wins). */
export type QueryParams = Readonly<Record<string, string>>;

/** A page in ModelArts' list shape: `offset` is a page index, echoed as `current`; `size` is the page size. */
export interface Page<T> {
  current: number;
  data: T[];
  pages: number;
  size: number;
  total: number;
}

/**
 * An integer query parameter, or `fallback` when absent. Anything but decimal digits is a
 * ModelArts.0104 naming the parameter.
 */
export function intParam(query: QueryParams, name: string, fallback: number, min: number, max: number): number {
  const raw = query[name];
  if (raw === undefined || raw === '') return fallback;
  if (!/^\d+$/.test(raw)) throw simErrors.badParameter(`${name}: must be a whole number, got "${raw}"`);
  const n = Number(raw);
  if (n < min || n > max) throw simErrors.badParameter(`${name}: must be between ${min} and ${max}, got ${n}`);
  return n;
}

/** Cuts page number `offset` (0-based) of `limit` items out of `items`, then maps only that page. */
export function paginate<T, R>(items: readonly T[], limit: number, offset: number, map: (item: T) => R): Page<R> {
  const total = items.length;
  const start = offset * limit;
  return {
    current: offset,
    data: items.slice(start, start + limit).map(map),
    pages: Math.ceil(total / limit),
    size: limit,
    total,
  };
}
