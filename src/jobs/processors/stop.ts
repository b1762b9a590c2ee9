import type { OperationResult, StopOperation } from '../../operations/index.js';
import { explainFailure } from '../explain-failure.js';
import { notifyBeforeStop, type OperationContext } from '../operation-context.js';
import { createOperationProcessor, type OperationProcessor, type OperationRun } from '../operation-run.js';
import { stoppedVerdict } from '../polling.js';
import { hasErrorCode, MODELARTS_CODES } from './codes.js';

/**
 * Stop: idempotent by observation. STOPPED is done without a call; STOPPING is only watched;
 * anything else gets one POST stop, then the watch until STOPPED. A replay after a crash sees
 * STOPPING/STOPPED and does not POST again.
 */
export function createStopProcessor(ctx: OperationContext): OperationProcessor {
  return createOperationProcessor(ctx, (run) => processStop(run as OperationRun<StopOperation>));
}

async function processStop(run: OperationRun<StopOperation>): Promise<OperationResult> {
  const { op } = run;
  await run.ensureStatusMessage();
  // A poll reads what the status board saw (batched polling); the first look is a GET.
  const seen =
    run.progress.step === 'poll' ? await run.lookAgain(op.notebookId) : await run.loadNotebook(op.notebookId);
  if (!seen) return run.notebookGone(op.notebookId);
  let nb = seen;
  await run.observe(nb);

  if (run.progress.step !== 'poll') {
    if (nb.status === 'STOPPED') return run.finishDone('It was already stopped.', nb);
    if (nb.status !== 'STOPPING') {
      try {
        await notifyBeforeStop(run.ctx, run.log, op.notebookId);
        nb = await run.ctx.modelarts.stopNotebook(op.notebookId, run.call());
        run.log.info({ notebookId: op.notebookId, status: nb.status }, 'stop accepted');
      } catch (err) {
        // Stopped or stopping since we looked: the watch below sees it through.
        if (!hasErrorCode(err, MODELARTS_CODES.alreadyStopped, MODELARTS_CODES.isStopping)) throw err;
      }
    }
    await run.save({
      notebookId: op.notebookId,
      step: 'poll',
      pollStartedAt: run.ctx.clock.now(),
      transientFailures: 0,
    });
  }

  const verdict = stoppedVerdict(nb);
  if (verdict.kind === 'done') return run.finishDone('Stopped. Its storage is kept; start it again any time.', nb);
  if (verdict.kind === 'failed') return run.fail(explainFailure(verdict.reason), nb);
  if (verdict.kind === 'ended') return run.fail(verdict.explanation, nb);
  return run.keepWaiting(nb, 'poll', {}, 'far', true);
}
