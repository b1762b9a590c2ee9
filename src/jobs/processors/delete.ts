import type { Notebook } from '../../modelarts/index.js';
import { isNotFound } from '../../modelarts/index.js';
import type { DeleteOperation, OperationResult } from '../../operations/index.js';
import { explainFailure } from '../explain-failure.js';
import { notifyBeforeStop, type OperationContext } from '../operation-context.js';
import { createOperationProcessor, type OperationProcessor, type OperationRun } from '../operation-run.js';
import { deletedVerdict } from '../polling.js';
import { hasErrorCode, MODELARTS_CODES } from './codes.js';

/**
 * Delete, with stop-then-delete: the user asked for the notebook to go away (the Slack side
 * confirms deletes), so when ModelArts answers 6304 the worker stops it, waits for STOPPED and
 * deletes it, telling the user it does so, rather than sending them back to click twice more.
 *
 * Steps: `delete` (DELETE; not found = done) → `stop-first` (only after 6304; POST stop while
 * RUNNING, wait for STOPPED, back to `delete`) → `deleting` (watch until not found/DELETED).
 * Every step re-checks the live state, so a replay after a crash repeats nothing harmful.
 */
export function createDeleteProcessor(ctx: OperationContext): OperationProcessor {
  return createOperationProcessor(ctx, (run) => processDelete(run as OperationRun<DeleteOperation>));
}

async function processDelete(run: OperationRun<DeleteOperation>): Promise<OperationResult> {
  await run.ensureStatusMessage();
  switch (run.progress.step) {
    case 'stop-first':
      return stopFirst(run);
    case 'deleting':
      return watchDeleted(run);
    default:
      return requestDelete(run);
  }
}

async function requestDelete(run: OperationRun<DeleteOperation>): Promise<OperationResult> {
  const id = run.op.notebookId;
  try {
    await run.ctx.modelarts.deleteNotebook(id, run.call());
  } catch (err) {
    if (isNotFound(err)) return deleted(run, 'It was already gone.');
    if (hasErrorCode(err, MODELARTS_CODES.stopBeforeDelete, MODELARTS_CODES.isStopping)) {
      run.log.info({ notebookId: id, code: err.errorCode }, 'delete needs a stopped notebook; stopping it first');
      await run.save({ notebookId: id, step: 'stop-first', pollStartedAt: run.ctx.clock.now(), transientFailures: 0 });
      return stopFirst(run);
    }
    throw err;
  }
  run.log.info({ notebookId: id }, 'delete accepted');
  await run.save({
    notebookId: id,
    step: 'deleting',
    pollStartedAt: run.ctx.clock.now(),
    pollDelayMs: undefined,
    transientFailures: 0,
  });
  return watchDeleted(run);
}

async function stopFirst(run: OperationRun<DeleteOperation>): Promise<OperationResult> {
  const id = run.op.notebookId;
  let nb: Notebook;
  try {
    nb = await run.ctx.modelarts.showNotebook(id, run.call());
  } catch (err) {
    if (isNotFound(err)) return deleted(run, 'It was already gone.');
    throw err;
  }
  await run.observe(nb);
  if (nb.status === 'STOPPED' || nb.status === 'START_FAILED' || nb.status === 'CREATE_FAILED') {
    await run.save({ step: 'delete', pollDelayMs: undefined });
    return requestDelete(run);
  }
  if (nb.status === 'RUNNING') {
    // Checked against the live state, so a replay after a crash does not stop twice.
    try {
      await notifyBeforeStop(run.ctx, run.log, id);
      nb = await run.ctx.modelarts.stopNotebook(id, run.call());
    } catch (err) {
      if (!hasErrorCode(err, MODELARTS_CODES.alreadyStopped, MODELARTS_CODES.isStopping)) throw err;
    }
  }
  if (nb.status === 'ERROR') return run.fail(explainFailure(nb.fail_reason), nb);
  return run.keepWaiting(nb, 'stop-first', { detail: 'Stopping it first: ModelArts deletes stopped notebooks only.' });
}

async function watchDeleted(run: OperationRun<DeleteOperation>): Promise<OperationResult> {
  // What the status board saw since the last poll (batched polling), or a GET of its own.
  const nb = await run.lookAgain(run.op.notebookId);
  if (!nb) return deleted(run, 'Deleted, with its storage.');
  const verdict = deletedVerdict(nb);
  if (verdict.kind === 'done') return deleted(run, 'Deleted, with its storage.', nb);
  if (verdict.kind === 'failed') return run.fail(explainFailure(verdict.reason), nb);
  await run.observe(nb);
  return run.keepWaiting(nb, 'deleting', {}, 'far', true);
}

async function deleted(run: OperationRun<DeleteOperation>, detail: string, nb?: Notebook): Promise<OperationResult> {
  const id = run.op.notebookId;
  const record = await run.ctx.store.get(id);
  await run.ctx.store.remove(id);
  if (record) await run.recordChanged({ ...record, lastStatus: 'DELETED', updatedAt: run.ctx.clock.now() });
  return run.finishDone(detail, nb, id);
}
