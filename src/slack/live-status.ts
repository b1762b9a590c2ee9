import { type NotebookSummary, summarize } from '../messages/index.js';
import type { Notebook } from '../modelarts/index.js';
import { isNotFound } from '../modelarts/index.js';
import type { NotebookRecord } from '../store/index.js';
import type { SlackDeps } from './deps.js';
import { creatorOf } from './handlers/ownership.js';

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
  deps: Pick<SlackDeps, 'store' | 'modelarts' | 'clock' | 'logger' | 'timing'> & Partial<Pick<SlackDeps, 'access'>>,
  userId: string,
  options: { live?: boolean } = {},
): Promise<NotebookSummary[]> {
  const records = (await deps.store.listByOwner(userId)).sort((a, b) => b.createdAt - a.createdAt);
  if (options.live === false) {
    const now = deps.clock.now();
    return records.map((r) => summarize(undefined, r, now, { current: true }));
  }
  const linked = deps.access ? await loadLinkedNotebooks({ ...deps, access: deps.access }, userId, records) : [];
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
  for (const nb of linked) out.push({ ...summarize(nb, undefined, now), ownerId: userId });
  return out;
}

/** An IAM user id as ListNotebooks' `owner` filter takes it (model_list_notebooks_request.go). */
const IAM_USER_ID = /^[a-z0-9]{32}$/;

/**
 * Notebooks made outside the bot by the IAM users linked to `userId` that the bot keeps no
 * record of: one listing per link (`owner` for an id, `username` for a name: fuzzy, so the
 * creator is checked exactly), bounded by the lookup timeout. A notebook someone else owns on
 * record stays theirs. A listing that fails is left out (logged), never the whole view.
 */
async function loadLinkedNotebooks(
  deps: Pick<SlackDeps, 'store' | 'modelarts' | 'logger' | 'timing' | 'access'>,
  userId: string,
  records: readonly NotebookRecord[],
): Promise<Notebook[]> {
  const links = await deps.access.identities.linksOf(userId);
  if (links.length === 0) return [];
  const known = new Set(records.map((r) => r.notebookId));
  const found = new Map<string, Notebook>();
  for (const link of links) {
    const byId = IAM_USER_ID.test(link.iam);
    try {
      const listed = await deps.modelarts.listAllNotebooks(byId ? { owner: link.iam } : { username: link.iam }, {
        timeoutMs: deps.timing.lookupTimeoutMs,
      });
      for (const nb of listed) {
        const match = byId ? nb.user?.id === link.iam || nb.user === undefined : nb.user?.name === link.iam;
        if (match && nb.status !== 'DELETED' && !known.has(nb.id)) found.set(nb.id, nb);
      }
    } catch (err) {
      deps.logger.warn({ err, userId }, 'could not list the notebooks of a linked IAM user');
    }
  }
  if (found.size === 0) return [];
  // Someone else's on record (the bot created or adopted it for them): theirs, not this user's.
  const owned = await deps.store.getMany([...found.keys()]);
  for (const r of owned) if (r.ownerId && r.origin !== 'linked') found.delete(r.notebookId);
  return [...found.values()].slice(0, MAX_LIVE);
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

/** Summaries for notebooks ModelArts listed, with owners from the store, else their creator's link. */
export async function summarizeListed(
  deps: Pick<SlackDeps, 'store' | 'clock'> & Partial<Pick<SlackDeps, 'access'>>,
  notebooks: readonly Notebook[],
): Promise<NotebookSummary[]> {
  const records = await deps.store.getMany(notebooks.map((n) => n.id));
  const byId = new Map<string, NotebookRecord>(records.map((r) => [r.notebookId, r]));
  const now = deps.clock.now();
  const identities = deps.access?.identities;
  const resolve = identities ? await identities.resolver() : undefined;
  const out: NotebookSummary[] = [];
  for (const n of notebooks) {
    const record = byId.get(n.id);
    const s = summarize(n, record, now);
    const owner = identities ? (await identities.ownerOf(record, creatorOf(n), resolve)).ownerId : s.ownerId;
    const { ownerId: _, ...rest } = s;
    out.push({ ...rest, ...(owner ? { ownerId: owner } : {}) });
  }
  return out;
}
