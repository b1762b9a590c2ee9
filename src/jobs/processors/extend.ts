import { MAX_LEASE_MS } from '../../modelarts/schemas.js';
import { formatDuration } from '../../slack/format.js';
import type { OperationContext } from '../operation-context.js';
import { createOperationProcessor, type OperationProcessor, type OperationRun } from '../operation-run.js';
import type { ExtendOperation, OperationResult } from '../types.js';

/**
 * Extend (RenewLease). `lease.duration` is the total run time counted from `lease.create_at`,
 * so the new duration is the current one plus `addMs`, capped at 72 h. The absolute target is
 * computed once and saved before the PATCH: a replay sets the same value instead of adding
 * again, and a lease that already reached the target (renewed by someone else) is left alone.
 */
export function createExtendProcessor(ctx: OperationContext): OperationProcessor {
  return createOperationProcessor(ctx, (run) => processExtend(run as OperationRun<ExtendOperation>));
}

async function processExtend(run: OperationRun<ExtendOperation>): Promise<OperationResult> {
  const { op } = run;
  await run.ensureStatusMessage();
  const nb = await run.loadNotebook(op.notebookId);
  await run.observe(nb);
  const lease =
    nb.lease?.duration !== undefined && nb.lease.create_at !== undefined
      ? nb.lease
      : await run.ctx.modelarts.showLease(op.notebookId, run.call());
  const current = lease.duration;
  if (current === undefined) {
    return run.fail(
      {
        reason: 'ModelArts did not report this notebook’s lease, so it cannot be extended.',
        hint: 'Try again in a minute.',
      },
      nb,
    );
  }

  let target = run.progress.targetLeaseMs;
  let capped = run.progress.leaseCapped ?? false;
  if (target === undefined) {
    if (nb.status !== 'RUNNING') {
      const hint =
        nb.status === 'STOPPED'
          ? 'Start it first (its new lease then starts from scratch).'
          : 'Wait until it is running, then try again.';
      return run.fail(
        { reason: `Only a running notebook’s lease can be extended, and this one is ${nb.status}.`, hint },
        nb,
      );
    }
    if (current >= MAX_LEASE_MS) {
      return run.finishDone(
        `Its lease is already at the ${formatDuration(MAX_LEASE_MS)} maximum, so it cannot be extended further.`,
        nb,
      );
    }
    target = Math.min(current + op.addMs, MAX_LEASE_MS);
    capped = current + op.addMs > MAX_LEASE_MS;
    await run.save({ notebookId: op.notebookId, step: 'renew', targetLeaseMs: target, leaseCapped: capped });
  }

  let createAt = lease.create_at;
  if (current < target) {
    const renewed = await run.ctx.modelarts.renewLease(op.notebookId, { duration: target }, run.call());
    createAt = renewed.create_at ?? createAt;
    await run.ctx.store.patch(op.notebookId, {
      leaseDurationMs: renewed.duration ?? target,
      ...(createAt !== undefined ? { leaseCreateAt: createAt } : {}),
      updatedAt: run.ctx.clock.now(),
    });
    await run.notebookChanged(op.notebookId);
  }

  let detail = capped
    ? `Lease extended to the ${formatDuration(MAX_LEASE_MS)} maximum`
    : `Lease extended by ${formatDuration(op.addMs)}`;
  if (createAt !== undefined) {
    const left = createAt + target - run.ctx.clock.now();
    if (left > 0) detail += `: about ${formatDuration(left, { round: 'up' })} left`;
  }
  detail += '.';
  if (capped) {
    detail += ` ModelArts allows at most ${formatDuration(MAX_LEASE_MS)} in total, so it got less than the ${formatDuration(op.addMs)} you asked for.`;
  }
  return run.finishDone(detail, nb);
}
