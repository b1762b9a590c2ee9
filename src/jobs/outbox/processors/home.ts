import { DelayedError, type Job } from 'bullmq';
import { decodeSlackError } from '../../../messages/index.js';
import { clearFailures, type ProcessorContext, takeBudget } from '../context.js';
import { jitter } from '../pacing.js';
import type { HomeJobData } from '../types.js';

/** A `home` job: one App Home refresh for a burst of changes, last in line for its budget. */
export async function processHome(ctx: ProcessorContext, job: Job<HomeJobData>, token: string): Promise<void> {
  const refresh = ctx.refreshHome;
  if (!refresh) {
    ctx.logger.warn({ job: job.id }, 'App Home refresh requested but this worker has no refreshHome; dropped');
    return;
  }
  const budget = ctx.pacing.publish;
  if (budget) {
    const wait = await takeBudget(ctx, ctx.keys.budget('publish'), budget, false);
    if (wait > 0) {
      // Last in line: wait for the budget rather than take a slot from anyone (still pending,
      // so later changes keep joining this refresh).
      await job.moveToDelayed(Date.now() + jitter(Math.max(wait, ctx.homeRefreshDelayMs)), token);
      throw new DelayedError();
    }
  }
  try {
    await refresh(job.data.userId);
  } catch (err) {
    const failure = decodeSlackError(err);
    if (failure?.kind !== 'permanent') throw err;
    ctx.logger.warn({ code: failure.code, userId: job.data.userId }, 'views.publish refused; App Home not refreshed');
    return;
  }
  await clearFailures(job);
}
