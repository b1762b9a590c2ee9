import { formatDuration, slackDate } from '../../messages/index.js';
import { leaseEndsAt, leaseFromApi, MAX_LEASE_MS, planExtension, renewalDurationMs } from '../../modelarts/index.js';
import type { ExtendOperation, OperationResult } from '../../operations/index.js';
import type { OperationContext } from '../operation-context.js';
import { createOperationProcessor, type OperationProcessor, type OperationRun } from '../operation-run.js';

/**
 * A renewal that leaves the lease ending within this of the planned end did what was asked: the
 * service computes the end from its own clock when the PATCH arrives, a few seconds after ours.
 */
const END_TOLERANCE_MS = 60_000;

/**
 * Extend (RenewLease). `LeaseReq.duration` is the run time counted from now, while the lease the
 * service reports counts `duration` from `create_at` (huaweicloud-sdk-go-v3 `model_lease_req.go`):
 * so the new end (the current end plus `addMs`, within 72 h from now) is computed once and saved
 * before the PATCH, and the PATCH sends `end − now`. A replay after a crash sends the same end
 * again instead of adding twice, and a lease that already reaches the end (renewed by someone
 * else, or by the lost attempt) is left alone.
 */
export function createExtendProcessor(ctx: OperationContext): OperationProcessor {
  return createOperationProcessor(ctx, (run) => processExtend(run as OperationRun<ExtendOperation>));
}

async function processExtend(run: OperationRun<ExtendOperation>): Promise<OperationResult> {
  const { op } = run;
  const { clock, modelarts, store } = run.ctx;
  await run.ensureStatusMessage();
  const nb = await run.loadNotebook(op.notebookId);
  await run.observe(nb);
  const lease = leaseFromApi(nb.lease) ?? leaseFromApi(await modelarts.showLease(op.notebookId, run.call()));
  if (!lease) {
    return run.fail(
      {
        reason: 'ModelArts did not report this notebook’s lease, so it cannot be extended.',
        hint: 'Try again in a minute.',
      },
      nb,
    );
  }

  let endAt = run.progress.leaseEndAt;
  let capped = run.progress.leaseCapped ?? false;
  if (endAt === undefined) {
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
    const plan = planExtension(lease, op.addMs, clock.now());
    if (plan.addedMs <= 0) {
      return run.finishDone(
        `It already runs until ${slackDate(leaseEndsAt(lease))}, ${formatDuration(MAX_LEASE_MS)} from now, the most ModelArts allows, so it cannot be extended further.`,
        nb,
      );
    }
    endAt = plan.endAt;
    capped = plan.capped;
    await run.save({ notebookId: op.notebookId, step: 'renew', leaseEndAt: endAt, leaseCapped: capped });
  }

  let endsAt = leaseEndsAt(lease);
  if (endsAt < endAt - END_TOLERANCE_MS) {
    const renewed = await modelarts.renewLease(
      op.notebookId,
      { duration: renewalDurationMs(endAt, clock.now()) },
      run.call(),
    );
    // The answer counts `duration` from `create_at`; an answer without them means the end we asked for.
    const after = leaseFromApi({ ...nb.lease, ...renewed });
    endsAt = after ? leaseEndsAt(after) : endAt;
    await store.patch(op.notebookId, {
      ...(after ? { leaseDurationMs: after.durationMs, leaseCreateAt: after.createAt } : {}),
      updatedAt: clock.now(),
    });
    await run.notebookChanged(op.notebookId);
  }

  const left = endsAt - clock.now();
  let detail = capped
    ? `Lease extended to ${formatDuration(MAX_LEASE_MS)} from now, the most ModelArts allows`
    : `Lease extended by ${formatDuration(op.addMs)}`;
  detail += `: it now stops ${slackDate(endsAt)}`;
  if (left > 0) detail += ` (in about ${formatDuration(left, { round: 'up' })})`;
  detail += '.';
  if (capped) detail += ` That is less than the ${formatDuration(op.addMs)} you asked for.`;
  return run.finishDone(detail, nb);
}
