import { DelayedError, type Job } from 'bullmq';
import { decodeSlackError } from '../../../messages/index.js';
import { postMessage } from '../client.js';
import { clearFailures, type ProcessorContext, takeBudget } from '../context.js';
import type { PostJobData } from '../types.js';

/** A `post` job: a one-shot message (a thread reply), posted once per key. */
export async function processPost(ctx: ProcessorContext, job: Job<PostJobData>, token: string): Promise<void> {
  const marker = ctx.keys.posted(job.data.key);
  // The job id already dedupes enqueues; the marker covers a re-run after a crash between
  // the post and the job's completion (and a re-add after retention removed the job).
  if (await ctx.redis.exists(marker)) return;
  const budget = ctx.pacing.post;
  const slotAt = job.data.slotAt;
  if (budget && job.data.channel && (slotAt === undefined || slotAt > Date.now())) {
    // Every post is something a person waits for: reserve the channel's next slot, in order.
    // The slot counts from the `now` the budget was asked with: slots stay exactly an interval apart.
    const now = Date.now();
    const at =
      slotAt ?? now - Math.min(0, await takeBudget(ctx, ctx.keys.budget('post', job.data.channel), budget, true, now));
    if (at > Date.now()) {
      if (slotAt === undefined) await job.updateData({ ...job.data, slotAt: at });
      await job.moveToDelayed(at, token);
      throw new DelayedError();
    }
  }
  try {
    await postMessage(ctx.slack, job.data);
  } catch (err) {
    const failure = decodeSlackError(err);
    if (failure?.kind !== 'permanent') throw err;
    if (job.data.threadTs && (failure.scope === 'thread' || failure.scope === 'message')) {
      // The thread is gone: the reply matters more than where it sits.
      ctx.logger.warn(
        { code: failure.code, channel: job.data.channel },
        'thread gone; posting the reply in the channel',
      );
      const { threadTs: _thread, ...topLevel } = job.data;
      await job.updateData(topLevel);
      return processPost(ctx, job, token);
    }
    // The channel is gone or the token is bad: every try would fail the same way. The
    // operation's outcome still reaches the person through its status message (see
    // processRender); this reply is only its companion.
    ctx.logger.warn(
      { code: failure.code, scope: failure.scope, channel: job.data.channel },
      'chat.postMessage refused; reply dropped',
    );
    return;
  }
  // Marked posted only once Slack accepted it.
  await ctx.redis.set(marker, '1', 'PX', ctx.stateTtlMs);
  await clearFailures(job);
}
