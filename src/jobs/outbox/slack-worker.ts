import { DelayedError, type Job, Worker } from 'bullmq';
import { decodeSlackError } from '../../messages/index.js';
import { transientRetryDelay } from '../polling.js';
import { budgetFor, type OutboxContext, type ProcessorContext, releaseRender } from './context.js';
import { resolvePacing, type SlackPacing } from './pacing.js';
import { processHome } from './processors/home.js';
import { processPost } from './processors/post.js';
import { processRender } from './processors/render.js';
import { OUTBOX_SCRIPTS } from './scripts.js';
import {
  DAY_MS,
  type HomeJobData,
  type PostJobData,
  type RenderJobData,
  SLACK_MAX_RETRY_DELAY_MS,
  SLACK_QUEUE,
  type SlackJob,
  type SlackJobData,
  type SlackWorker,
} from './types.js';

export interface SlackWorkerOptions {
  /** Slack jobs at once in this process. Most wait on Slack's answer or park for a budget. Default 16. */
  concurrency?: number;
  /**
   * A plain queue-wide limit (BullMQ's: at most `max` jobs per `duration` ms, all methods
   * together) used INSTEAD of the per-method pacing, unless `pacing` is given too: for tests and
   * benchmarks that want a simple, predictable cap. Default: none.
   */
  limiter?: { max: number; duration: number };
  /**
   * Per-method budgets (see SlackPacing). Default DEFAULT_SLACK_PACING, or none when `limiter`
   * is given; `false` turns pacing off.
   */
  pacing?: Partial<SlackPacing> | false;
  lockDuration?: number;
  stalledInterval?: number;
  maxStalledCount?: number;
  /**
   * How long one message keeps being retried through transient Slack failures (5xx,
   * `internal_error`, network) before it is given up. Default 24 h: a Slack outage delays a
   * message, it does not lose it; past a day the message would only be noise.
   */
  giveUpAfterMs?: number;
}

/**
 * Starts a worker for the Slack queue (see SlackNotifier.createWorker). Every Slack failure is
 * read by `decodeSlackError`: a 429 pauses the whole queue and shuts the method's budget until
 * Retry-After; a transient one (5xx, `internal_error`, network) parks the job with backoff for up
 * to `giveUpAfterMs`; a permanent one the processor could not go around gives the message up.
 */
export function createSlackWorker(
  outbox: OutboxContext,
  prefix: string,
  options: SlackWorkerOptions = {},
): SlackWorker {
  const giveUpAfterMs = options.giveUpAfterMs ?? DAY_MS;
  const ctx: ProcessorContext = { ...outbox, pacing: resolvePacing(options) };
  const holder: { worker?: SlackWorker } = {};
  // Web API calls take no abort signal, so the processor does not ask BullMQ for one.
  const processor = async (job: SlackJob, token: string | undefined): Promise<void> => {
    const worker = holder.worker;
    if (!worker || !token) throw new Error('slack worker not initialised');
    try {
      if (job.name === 'render') await processRender(ctx, job as Job<RenderJobData>, token);
      else if (job.name === 'post') await processPost(ctx, job as Job<PostJobData>, token);
      else await processHome(ctx, job as Job<HomeJobData>, token);
    } catch (err) {
      if (err instanceof DelayedError || (err as Error | undefined)?.name === 'DelayedError') throw err;
      const failure = decodeSlackError(err);
      if (failure?.kind === 'rate_limited') {
        const retryAfterMs = failure.retryAfterMs;
        // Pause the whole Slack queue, and keep this method's budget shut until Retry-After.
        ctx.logger.warn({ retryAfterMs, job: job.id }, 'slack rate limited; pausing the slack queue');
        const budget = budgetFor(ctx, job);
        if (budget)
          await OUTBOX_SCRIPTS.block.run(ctx.redis, [budget], [Date.now() + retryAfterMs, Date.now()]).catch(() => 0);
        await worker.rateLimit(retryAfterMs);
        // Parked rather than handed back with RateLimitError: BullMQ returns a prioritized job
        // to the queue without waking any worker, which would then sleep its drain delay (5 s).
        await job.moveToDelayed(Date.now() + retryAfterMs, token);
        throw new DelayedError();
      }
      if (failure?.kind === 'transient') {
        const failures = (job.data.failures ?? 0) + 1;
        const failingSince = job.data.failingSince ?? Date.now();
        if (Date.now() - failingSince < giveUpAfterMs) {
          const { slotAt: _slot, ...rest } = job.data as PostJobData;
          await job.updateData({ ...rest, failures, failingSince } as SlackJobData);
          const delay = transientRetryDelay(failures, undefined, SLACK_MAX_RETRY_DELAY_MS);
          ctx.logger.warn({ code: failure.code, failures, delay, job: job.id }, 'slack call failed; retrying later');
          await job.moveToDelayed(Date.now() + delay, token);
          throw new DelayedError();
        }
        ctx.logger.error(
          { code: failure.code, failures, job: job.id },
          'slack call kept failing for too long; giving the message up',
        );
        if (job.name === 'render') await releaseRender(ctx, job as Job<RenderJobData>);
        return;
      }
      if (failure?.kind === 'permanent') {
        // The processors handle the permanent failures they can go around; this one they could not.
        ctx.logger.error({ code: failure.code, scope: failure.scope, job: job.id }, 'slack refused the call; given up');
        if (job.name === 'render') await releaseRender(ctx, job as Job<RenderJobData>);
        return;
      }
      // Our own bug or Redis trouble: release the message so that the next publish starts a
      // fresh render job (a failed job holding the owner's id would swallow every later add).
      if (job.name === 'render') await releaseRender(ctx, job as Job<RenderJobData>).catch(() => undefined);
      throw err;
    }
  };
  const worker: SlackWorker = new Worker(SLACK_QUEUE, processor, {
    connection: ctx.connection,
    prefix,
    concurrency: options.concurrency ?? 16,
    ...(options.limiter ? { limiter: options.limiter } : {}),
    ...(options.lockDuration !== undefined ? { lockDuration: options.lockDuration } : {}),
    ...(options.stalledInterval !== undefined ? { stalledInterval: options.stalledInterval } : {}),
    maxStalledCount: options.maxStalledCount ?? 3,
  });
  holder.worker = worker;
  worker.on('error', (err) => ctx.logger.error({ err }, 'slack worker error'));
  return worker;
}
