import { isNotFound } from '../modelarts/errors.js';
import type { Notebook } from '../modelarts/schemas.js';
import type { NotebookRecord } from '../store/notebooks.js';
import type { SlackDeps } from './deps.js';
import { type NotebookSummary, summarize } from './notebook-summary.js';

/** Most notebooks whose live status is fetched for one view. */
const MAX_LIVE = 50;

/**
 * The user's notebooks (from the store) with their live status from ModelArts, newest first.
 * Each lookup is bounded and failures are tolerated: a notebook ModelArts did not answer for shows
 * its last known state; one it says no longer exists is left out.
 */
export async function loadOwnedNotebooks(
  deps: Pick<SlackDeps, 'store' | 'modelarts' | 'clock' | 'logger' | 'timing'>,
  userId: string,
): Promise<NotebookSummary[]> {
  const records = (await deps.store.listByOwner(userId)).sort((a, b) => b.createdAt - a.createdAt);
  const shown = records.slice(0, MAX_LIVE);
  const live = await Promise.allSettled(
    shown.map((r) =>
      deps.modelarts.showNotebook(r.notebookId, { timeoutMs: deps.timing.liveStatusTimeoutMs, maxRetries: 0 }),
    ),
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
