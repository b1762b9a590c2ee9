import { simErrors } from './errors.js';

/** Query parameters as decoded pairs folded into a record (the last value of a repeated key wins). */
export type QueryParams = Readonly<Record<string, string>>;

/**
 * A page in ModelArts' list shape (`model_list_notebooks_response.go`): `current` is the 0-based
 * page number (the ListNotebooks example answers `"current": 0` for the first page), `pages` the
 * page count, `size` the page size asked for, `total` the record count.
 */
export interface Page<T> {
  current: number;
  data: T[];
  pages: number;
  size: number;
  total: number;
}

/**
 * An integer query parameter, or `fallback` when absent. Anything but decimal digits is a
 * ModelArts.0104 naming the parameter. (The admin endpoints use it; API lists go through
 * request-rules.ts.)
 */
export function intParam(query: QueryParams, name: string, fallback: number, min: number, max: number): number {
  const raw = query[name];
  if (raw === undefined || raw === '') return fallback;
  if (!/^\d+$/.test(raw)) throw simErrors.badParameter(`${name}: must be a whole number, got "${raw}"`);
  const n = Number(raw);
  if (n < min || n > max) throw simErrors.badParameter(`${name}: must be between ${min} and ${max}, got ${n}`);
  return n;
}

/**
 * Cuts `limit` items starting at RECORD `offset` out of `items` (the SDK's "分页记录的起始位置偏移量";
 * Terraform's `listNotebooks` advances `offset` by the number of items returned), then maps only
 * that page. Without `limit` the page holds everything from `offset` on.
 */
export function paginate<T, R>(
  items: readonly T[],
  limit: number | undefined,
  offset: number,
  map: (item: T) => R,
): Page<R> {
  const total = items.length;
  const size = limit ?? total;
  return {
    current: size > 0 ? Math.floor(offset / size) : 0,
    data: items.slice(offset, limit === undefined ? undefined : offset + limit).map(map),
    pages: size > 0 ? Math.ceil(total / size) : 0,
    size,
    total,
  };
}
