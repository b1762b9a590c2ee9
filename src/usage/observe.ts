import type { Notebook } from '../modelarts/index.js';
import type { NotebookRecord } from '../store/index.js';
import { ENDED_STATUSES, type Observation, RUNNING_STATUSES } from './ledger.js';

/**
 * Turns what the bot sees into ledger observations (pure). The worker's hook passes every
 * notebook record a job writes; the lease scan passes its RUNNING listing.
 */

function leaseEnd(createAt: number | undefined, durationMs: number | undefined): number | undefined {
  return createAt !== undefined && durationMs !== undefined && durationMs > 0 ? createAt + durationMs : undefined;
}

/**
 * The observation in a record a worker just wrote (its `lastStatus` was seen at `updatedAt`), or
 * undefined for a transitional status (STARTING, STOPPING, …), which changes nothing.
 */
export function observationFromRecord(record: NotebookRecord): Observation | undefined {
  const status = record.lastStatus;
  if (!status) return undefined;
  const state = RUNNING_STATUSES.has(status) ? 'running' : ENDED_STATUSES.has(status) ? 'stopped' : undefined;
  if (!state) return undefined;
  return {
    notebookId: record.notebookId,
    state,
    at: record.updatedAt,
    leaseEnd: leaseEnd(record.leaseCreateAt, record.leaseDurationMs),
    flavor: record.flavor,
    ownerId: record.ownerId,
    name: record.name,
    iam: record.iamUserName ?? record.iamUserId,
    origin: record.origin,
  };
}

/**
 * What one lease scan saw at `at`: every notebook in the RUNNING listing runs (a first sighting
 * starts at its lease's `update_at`, which a start sets, if known and not in the future; after
 * a renewal that is later than the start, so a notebook first seen then is undercounted, never
 * overcounted); every notebook with an open run that is not in the listing has stopped (by `at`, and
 * not after its lease's end). `owners` gives the Slack owner the bot knows for a notebook.
 */
export function scanObservations(
  running: readonly Notebook[],
  openIds: Iterable<string>,
  at: number,
  owners: ReadonlyMap<string, { ownerId?: string | undefined; origin?: string | undefined }>,
): Observation[] {
  const out: Observation[] = [];
  const seen = new Set<string>();
  for (const nb of running) {
    if (nb.status !== 'RUNNING') continue;
    seen.add(nb.id);
    const known = owners.get(nb.id);
    out.push({
      notebookId: nb.id,
      state: 'running',
      at,
      // The lease's `update_at` is the time of its last start (or renewal, later than the start).
      ...(nb.lease?.update_at !== undefined && nb.lease.update_at <= at ? { hint: nb.lease.update_at } : {}),
      leaseEnd: leaseEnd(nb.lease?.create_at, nb.lease?.duration),
      flavor: nb.flavor,
      ownerId: known?.ownerId,
      name: nb.name,
      iam: nb.user?.name ?? nb.user?.id,
      // What the bot knows of it; nothing for a notebook it has no record of (a worker may know better).
      origin: known?.origin,
    });
  }
  for (const id of openIds) {
    if (!seen.has(id)) out.push({ notebookId: id, state: 'stopped', at });
  }
  return out;
}
