import { isNotFound } from '../modelarts/errors.js';
import type { Notebook } from '../modelarts/schemas.js';
import type { NotebookRecord } from '../store/notebooks.js';
import type { SlackDeps } from './deps.js';
import { type NotebookSummary, summarize } from './notebook-summary.js';

/** Most notebooks whose live status is fetched for one view. */
const MAX_LIVE = 50;
/** Live lookups in flight at once for one view. */
const LIVE_CONCURRENCY = 8;

/**
 * The user's notebooks (from the store), newest first.
 *
 * `live` (default): with their live status from ModelArts, for a person looking at them (App
 * Home opened, Refresh, `list`). Bounded: at most MAX_LIVE lookups, LIVE_CONCURRENCY at a time,
 * each with a timeout; failures are tolerated: a notebook ModelArts did not answer for shows its
 * last known state; one it says no longer exists is left out.
 *
 * `live: false`: from the records alone, shown as current. For refreshes the worker asks for
 * after it observed a change: the record holds what it just saw (status, url, lease), and a
 * lookup per notebook per change would cost ModelArts calls quadratic in notebooks per owner.
 */
export async function loadOwnedNotebooks(
  deps: Pick<SlackDeps, 'store' | 'modelarts' | 'clock' | 'logger' | 'timing'>,
  userId: string,
  options: { live?: boolean } = {},
): Promise<NotebookSummary[]> {
  const records = (await deps.store.listByOwner(userId)).sort((a, b) => b.createdAt - a.createdAt);
  if (options.live === false) {
    const now = deps.clock.now();
    return records.map((r) => summarize(undefined, r, now, { current: true }));
  }
  const shown = records.slice(0, MAX_LIVE);
  const live = await settleBounded(shown, LIVE_CONCURRENCY, (r) =>
    deps.modelarts.showNotebook(r.notebookId, { timeoutMs: deps.timing.liveStatusTimeoutMs, maxRetries: 0 }),
  );
  const now = deps.clock.now();
  const out: NotebookSummary[] = [];
  shown.forEach((record, i) => {
    const result = live[i];
    if (result?.status === 'fulfilled') out.push(summarize(result.value, record, now));
    else if (!isNotFound(result?.reason)) {
      deps.logger.debug(
        { err: result?.reason, notebookId: record.notebookId },
        'live status unavailable; showing last known',
      );
      out.push(summarize(undefined, record, now));
    }
  });
  for (const record of records.slice(MAX_LIVE)) out.push(summarize(undefined, record, now));
  return out;
}

/** `Promise.allSettled` over `items` with at most `limit` calls in flight. */
async function settleBounded<T, R>(
  items: readonly T[],
  limit: number,
  call: (item: T) => Promise<R>,
): Promise<PromiseSettledResult<R>[]> {
  const out: PromiseSettledResult<R>[] = new Array(items.length);
  let next = 0;
  const lane = async (): Promise<void> => {
    for (let i = next++; i < items.length; i = next++) {
      try {
        out[i] = { status: 'fulfilled', value: await call(items[i] as T) };
      } catch (reason) {
        out[i] = { status: 'rejected', reason };
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, lane));
  return out;
}

/** Summaries for notebooks ModelArts listed, with owners from the store. */
export async function summarizeListed(
  deps: Pick<SlackDeps, 'store' | 'clock'>,
  notebooks: readonly Notebook[],
): Promise<NotebookSummary[]> {
  const records = await deps.store.getMany(notebooks.map((n) => n.id));
  const byId = new Map<string, NotebookRecord>(records.map((r) => [r.notebookId, r]));
  const now = deps.clock.now();
  return notebooks.map((n) => summarize(n, byId.get(n.id), now));
}
