import type { Notebook } from '../../modelarts/index.js';
import type { CreateOperation, OperationResult } from '../../operations/index.js';
import type { OperationContext } from '../operation-context.js';
import { createOperationProcessor, type OperationProcessor, type OperationRun } from '../operation-run.js';
import { watchUntilReady } from './watch.js';

/**
 * Create: exactly one instance per operation on an at-least-once queue.
 *
 * 1. `notebookId` saved: the instance exists (created or adopted earlier); only watch it.
 * 2. `createAttemptedAt` saved but no id: a POST may have reached ModelArts and its answer was
 *    lost (crash, timeout, 5xx). Look the instance up by exact name, created at/after that
 *    attempt minus a skew, and adopt it when found. Never re-POST before this lookup.
 * 3. Otherwise save `createAttemptedAt`, POST once, and save the id before anything else.
 *
 * The job id is the operation id, so Slack retries and double clicks never reach step 3 twice
 * in parallel; the name lookup covers the crash window between the POST and the saved id.
 */
export function createCreateProcessor(ctx: OperationContext): OperationProcessor {
  return createOperationProcessor(ctx, (run) => processCreate(run as OperationRun<CreateOperation>));
}

async function processCreate(run: OperationRun<CreateOperation>): Promise<OperationResult> {
  const { op } = run;
  const id = run.progress.notebookId;
  if (id) return watchUntilReady(run, id);

  // Post (or find) the status message first: an instance nobody hears about is worse than none.
  await run.ensureStatusMessage();

  if (run.progress.createAttemptedAt !== undefined) {
    const found = await findCreatedInstance(run, run.progress.createAttemptedAt);
    if (found) {
      await run.save({ notebookId: found.id, step: 'poll' });
      run.log.info({ notebookId: found.id }, 'adopted the instance a previous attempt created');
      await run.recordNotebook(found, 'created');
      return watchUntilReady(run, found.id, found);
    }
  }

  await run.save({ createAttemptedAt: run.ctx.clock.now(), step: 'create' });
  const nb = await run.ctx.modelarts.createNotebook(op.request, { ...run.call(), maxRetries: 0 });
  // Before anything else: from here on a re-run must never POST again.
  await run.save({ notebookId: nb.id, step: 'poll', lastStatus: nb.status, transientFailures: 0 });
  run.log.info({ notebookId: nb.id, status: nb.status }, 'notebook create accepted');
  await run.recordNotebook(nb, 'created');
  return watchUntilReady(run, nb.id, nb);
}

/**
 * The instance a previous attempt of this operation created, if any: exact name (the list filter
 * is fuzzy), created at/after `attemptedAt - skew`, not deleted. When several match, the oldest
 * (the first POST's) wins.
 */
async function findCreatedInstance(
  run: OperationRun<CreateOperation>,
  attemptedAt: number,
): Promise<Notebook | undefined> {
  const name = run.op.request.name;
  const since = attemptedAt - run.ctx.createLookupSkewMs;
  const all = await run.ctx.modelarts.listAllNotebooks(
    { name, ...(run.op.request.workspace_id ? { workspace_id: run.op.request.workspace_id } : {}) },
    run.call(),
  );
  const candidates = all
    .filter((nb) => nb.name === name && nb.status !== 'DELETED' && nb.status !== 'DELETING')
    .filter((nb) => {
      const createdAt = nb.create_at ?? nb.lease?.create_at;
      return createdAt !== undefined && createdAt >= since;
    })
    .sort((a, b) => (a.create_at ?? a.lease?.create_at ?? 0) - (b.create_at ?? b.lease?.create_at ?? 0));
  return candidates[0];
}
