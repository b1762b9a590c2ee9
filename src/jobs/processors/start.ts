import { isNotFound } from '../../modelarts/index.js';
import type { OperationResult, StartOperation } from '../../operations/index.js';
import type { FailureExplanation } from '../explain-failure.js';
import type { OperationContext } from '../operation-context.js';
import { createOperationProcessor, type OperationProcessor, type OperationRun } from '../operation-run.js';
import { hasErrorCode, MODELARTS_CODES } from './codes.js';
import { watchUntilReady } from './watch.js';

/** A start finds no notebook: the way back is a new one. */
const GONE: FailureExplanation = {
  reason: 'That notebook no longer exists in ModelArts.',
  hint: 'Use `/notebook list` to see what is there, or create a new one.',
};

/** States in which a start is under way or done: watch, do not POST. */
const ALREADY_STARTED: ReadonlySet<string> = new Set(['RUNNING', 'STARTING', 'INIT', 'CREATING']);

/**
 * Start: look first, act only when needed. A notebook already STARTING or RUNNING counts as
 * started (so a replay after a crash, a double click or a concurrent start are harmless); a
 * 6305/6306 answer to the POST likewise. Then the same watch as create.
 */
export function createStartProcessor(ctx: OperationContext): OperationProcessor {
  return createOperationProcessor(ctx, (run) => processStart(run as OperationRun<StartOperation>));
}

async function processStart(run: OperationRun<StartOperation>): Promise<OperationResult> {
  const { op } = run;
  if (run.progress.step === 'poll') return watchUntilReady(run, op.notebookId);

  await run.ensureStatusMessage();
  let nb = await run.loadNotebook(op.notebookId, GONE);
  await run.recordNotebook(nb, 'started');

  if (nb.status === 'STOPPING') {
    // ModelArts refuses to start a stopping instance (6308): wait for STOPPED, then start.
    return run.keepWaiting(nb, 'start', { detail: 'Waiting for it to finish stopping before starting it again.' });
  }
  if (ALREADY_STARTED.has(nb.status)) {
    run.log.info({ notebookId: nb.id, status: nb.status }, 'already started; watching');
  } else {
    try {
      nb = await run.ctx.modelarts.startNotebook(
        op.notebookId,
        { duration: op.durationMs, type: op.leaseType },
        run.call(),
      );
    } catch (err) {
      if (isNotFound(err)) return run.notebookGone(op.notebookId, GONE);
      // "Already running" / "is starting": the start we want happened (a concurrent or earlier one).
      if (!hasErrorCode(err, MODELARTS_CODES.alreadyRunning, MODELARTS_CODES.isStarting)) throw err;
      run.log.info({ notebookId: op.notebookId, code: err.errorCode }, 'start answered already running/starting');
    }
  }
  await run.save({
    notebookId: op.notebookId,
    step: 'poll',
    pollStartedAt: run.ctx.clock.now(),
    pollDelayMs: undefined,
    transientFailures: 0,
  });
  return watchUntilReady(run, op.notebookId, nb);
}
