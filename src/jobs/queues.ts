import { createHash } from 'node:crypto';

/**
 * One queue for every notebook operation, with the job name = the operation kind. ModelArts
 * throttles per account, not per operation, so one queue gives one limiter that pauses all cloud
 * work together on a 429, one worker pool that any process can join, one retention policy, and
 * two Redis connections per worker process instead of ten. Slack calls have their own queue
 * (`slack`, see outbox/) so that Slack's limits never hold cloud work back.
 */
export const OPS_QUEUE = 'ops';

/** The configured default (`QUEUE_PREFIX`): a hash tag, so every key lands in one Cluster slot. */
export const DEFAULT_QUEUE_PREFIX = '{nbbot}';

/** How many finished jobs Redis keeps, and for how long (whichever limit is hit first). */
export interface RetentionOptions {
  completedAgeSec: number;
  completedCount: number;
  failedAgeSec: number;
  failedCount: number;
}

/**
 * Completed jobs stay a week (the dedupe window of an operation id: a Slack retry or a late
 * double click within it finds the job and does nothing), failed ones a month for diagnosis.
 */
export const DEFAULT_RETENTION: Readonly<RetentionOptions> = {
  completedAgeSec: 7 * 86_400,
  completedCount: 5000,
  failedAgeSec: 30 * 86_400,
  failedCount: 5000,
};

/** BullMQ `removeOnComplete` / `removeOnFail` for a retention policy. */
export function keepJobs(r: RetentionOptions): {
  removeOnComplete: { age: number; count: number };
  removeOnFail: { age: number; count: number };
} {
  return {
    removeOnComplete: { age: r.completedAgeSec, count: r.completedCount },
    removeOnFail: { age: r.failedAgeSec, count: r.failedCount },
  };
}

const SAFE_JOB_ID = /^[A-Za-z0-9_.-]{1,128}$/;

/**
 * The BullMQ job id of an operation: its `opId` when BullMQ accepts it as is (no ":", not an
 * integer), else a stable hash of it. Deterministic, so replays of one request map to one job.
 */
export function jobIdForOp(opId: string): string {
  if (SAFE_JOB_ID.test(opId) && !/^\d+$/.test(opId)) return opId;
  return `op-${createHash('sha256').update(opId).digest('hex').slice(0, 40)}`;
}

/**
 * A queue's `error` events are its connection's errors, which the connection's owner already
 * logs (app/redis.ts: "Redis connection lost"). Without a listener BullMQ prints each one, with
 * its stack, to stderr on every reconnect attempt.
 */
export function quietQueueErrors(queue: { on(event: 'error', listener: (err: Error) => void): unknown }): void {
  queue.on('error', () => undefined);
}
