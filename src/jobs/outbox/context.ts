import type { WebClient } from '@slack/web-api';
import type { Job } from 'bullmq';
import type { Redis } from 'ioredis';
import type { Logger } from '../../logger.js';
import type { Budget, Pacing } from './pacing.js';
import { OUTBOX_SCRIPTS, type OutboxKeys } from './scripts.js';
import type { PostJobData, RenderJobData, SlackJob, SlackJobData } from './types.js';

/** What the outbox's processors share: one per SlackNotifier. */
export interface OutboxContext {
  /** The outbox's own state (message hashes, posted markers, budgets): scripts and plain commands. */
  redis: Redis;
  /** BullMQ's connection, for the Slack queue's worker. */
  connection: Redis;
  slack: WebClient;
  logger: Logger;
  keys: OutboxKeys;
  minUpdateIntervalMs: number;
  stateTtlMs: number;
  refreshHome: ((userId: string) => Promise<void>) | undefined;
  homeRefreshDelayMs: number;
}

/** What one Slack worker's processors share: the outbox and that worker's budgets. */
export interface ProcessorContext extends OutboxContext {
  pacing: Pacing;
}

/** The budget a job's Web API call counts against. */
export function budgetFor(ctx: OutboxContext, job: SlackJob): string | undefined {
  if (job.name === 'render') return ctx.keys.budget('update');
  if (job.name === 'home') return ctx.keys.budget('publish');
  const channel = (job.data as PostJobData).channel;
  return channel ? ctx.keys.budget('post', channel) : undefined;
}

/**
 * Asks a budget for one call: 0 go, -ms reserved (go then), ms try again then; the ms count from
 * `now` (give the moment the caller adds them to).
 */
export async function takeBudget(
  ctx: OutboxContext,
  key: string,
  budget: Budget,
  reserve: boolean,
  now = Date.now(),
): Promise<number> {
  return Number(
    await OUTBOX_SCRIPTS.rate.run(ctx.redis, [key], [now, budget.intervalMs, budget.toleranceMs, reserve ? '1' : '0']),
  );
}

/** Gives a status message up: the next publish starts a fresh render job. */
export async function releaseMessage(ctx: OutboxContext, key: string, owner: string): Promise<void> {
  await OUTBOX_SCRIPTS.release.run(ctx.redis, [ctx.keys.message(key)], [owner]);
}

export async function releaseRender(ctx: OutboxContext, job: Job<RenderJobData>): Promise<void> {
  await releaseMessage(ctx, job.data.key, job.data.owner);
}

/** A job that got through clears its failure count (the next outage starts a fresh budget). */
export async function clearFailures(job: Job<SlackJobData>): Promise<void> {
  if (job.data.failures === undefined && job.data.failingSince === undefined) return;
  const { failures: _f, failingSince: _s, ...rest } = job.data;
  await job.updateData(rest as SlackJobData);
}
