import type { Notebook } from '../../modelarts/index.js';
import type { OperationResult } from '../../operations/index.js';
import { explainFailure } from '../explain-failure.js';
import type { OperationRun } from '../operation-run.js';
import { readyApproach, readyVerdict } from '../polling.js';

const GONE_BEFORE_READY = {
  reason: 'The notebook was deleted before it became ready.',
  hint: 'Create it again if you still need it.',
};

/**
 * One poll of a create/start watch. `observed` is a fresh answer (the POST's), used instead of
 * a look on the first activation; later polls read what the status board saw (batched polling). Finishes on RUNNING, fails at once on a failed state (with
 * `fail_reason`), and otherwise parks the job until the next poll.
 */
export async function watchUntilReady(
  run: OperationRun,
  notebookId: string,
  observed?: Notebook,
): Promise<OperationResult> {
  // Fresh from the POST, else what the status board saw since the last poll (or a GET of its own).
  const nb = observed ?? (await run.lookAgain(notebookId));
  if (!nb) return run.notebookGone(notebookId, GONE_BEFORE_READY);
  await run.observe(nb);

  const verdict = readyVerdict(nb);
  if (verdict.kind === 'done') return run.finishReady(nb);
  if (verdict.kind === 'failed') return run.fail(explainFailure(verdict.reason), nb);
  if (verdict.kind === 'ended') return run.fail(verdict.explanation, nb);

  // STOPPED right after a start can be the service catching up; for longer, the start did not
  // take (or someone stopped it): waiting 20 minutes for nothing helps nobody.
  const startedAt = run.progress.pollStartedAt;
  if (
    nb.status === 'STOPPED' &&
    startedAt !== undefined &&
    run.ctx.clock.now() - startedAt > 2 * run.ctx.timing.maxMs
  ) {
    return run.fail(
      {
        reason: 'The notebook stopped before it became ready.',
        hint: 'Start it again; if it keeps stopping, try another flavor.',
      },
      nb,
    );
  }
  // Short polls again once it is about to be ready: the ready message waits for the next look.
  return run.keepWaiting(nb, 'poll', {}, readyApproach(nb), true);
}
