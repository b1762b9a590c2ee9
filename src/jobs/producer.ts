import { Queue } from 'bullmq';
import type { Redis } from 'ioredis';
import { ValidationError } from '../errors.js';
import {
  type EnqueueResult,
  OPERATION_KINDS,
  type Operation,
  type OperationJobData,
  type OperationKind,
  type OperationQueue,
  type OperationResult,
} from '../operations/index.js';
import {
  DEFAULT_QUEUE_PREFIX,
  DEFAULT_RETENTION,
  jobIdForOp,
  keepJobs,
  OPS_QUEUE,
  quietQueueErrors,
  type RetentionOptions,
} from './queues.js';

export interface OperationQueueOptions {
  /** ioredis connection; the caller owns and closes it. */
  connection: Redis;
  /** `QUEUE_PREFIX` (default `{nbbot}`). Workers must use the same one. */
  prefix?: string;
  retention?: Partial<RetentionOptions>;
  /**
   * Attempts for failures that are neither ModelArts answers nor step moves (a bug, Redis
   * trouble); ModelArts throttling and transient errors are handled without spending attempts.
   * Default 5, exponential backoff from 2 s.
   */
  attempts?: number;
  /** How long an operation id is remembered as enqueued (replays within it are duplicates). Default 7 days. */
  dedupeTtlMs?: number;
}

/** The producer side: `enqueue` for the Slack side, plus the BullMQ queue for inspection. */
export interface OperationQueueHandle extends OperationQueue {
  readonly queue: Queue<OperationJobData, OperationResult, OperationKind>;
  /** Closes the queue (not the connection). */
  close(): Promise<void>;
}

/**
 * Creates the producer of notebook operations. `enqueue(op)` adds one job named after
 * `op.kind` with job id `jobIdForOp(op.opId)`; the same opId enqueued again (Slack retry,
 * double click, two web processes) yields `{duplicate: true}` and no new job.
 *
 * Duplicate detection uses a marker key set with NX before the add, because BullMQ's `add`
 * silently returns the existing job. The marker goes `pending` → `queued`: a `pending` marker
 * found by a later call means the first caller may have died between marker and add, so the
 * add is repeated (idempotent by job id); a `queued` one means nothing is to be done, even after
 * retention removed the finished job.
 */
export function createOperationQueue(options: OperationQueueOptions): OperationQueueHandle {
  const prefix = options.prefix ?? DEFAULT_QUEUE_PREFIX;
  const redis = options.connection;
  const ttl = options.dedupeTtlMs ?? 7 * 86_400_000;
  const queue = new Queue<OperationJobData, OperationResult, OperationKind>(OPS_QUEUE, {
    connection: redis,
    prefix,
    defaultJobOptions: {
      attempts: options.attempts ?? 5,
      backoff: { type: 'exponential', delay: 2000 },
      ...keepJobs({ ...DEFAULT_RETENTION, ...options.retention }),
    },
  });
  quietQueueErrors(queue);

  return {
    queue,
    async enqueue(op: Operation): Promise<EnqueueResult> {
      checkOperation(op);
      const jobId = jobIdForOp(op.opId);
      const marker = `${prefix}:op-enqueued:${jobId}`;
      const claimed = (await redis.set(marker, 'pending', 'PX', ttl, 'NX')) === 'OK';
      if (!claimed && (await redis.get(marker)) !== 'pending') return { jobId, duplicate: true };
      const data: OperationJobData = { op, progress: {} };
      await queue.add(op.kind, data, { jobId });
      await redis.set(marker, 'queued', 'PX', ttl, 'XX');
      return { jobId, duplicate: !claimed };
    },
    async close(): Promise<void> {
      await queue.close();
    },
  };
}

/** Cheap structural checks: the Slack side validates the content; this catches wiring mistakes. */
function checkOperation(op: Operation): void {
  const issues: Array<{ field: string; message: string }> = [];
  if (!OPERATION_KINDS.includes(op.kind))
    issues.push({ field: 'kind', message: `must be one of ${OPERATION_KINDS.join(', ')}` });
  if (!op.opId) issues.push({ field: 'opId', message: 'is required (a stable id of the request)' });
  if (!op.requester?.userId) issues.push({ field: 'requester.userId', message: 'is required' });
  if (!op.requester?.channelId) issues.push({ field: 'requester.channelId', message: 'is required' });
  if (!Number.isFinite(op.requestedAt)) issues.push({ field: 'requestedAt', message: 'must be epoch milliseconds' });
  if (op.kind !== 'create' && !op.notebookId) issues.push({ field: 'notebookId', message: 'is required' });
  if (op.kind === 'extend' && !(op.addMs > 0))
    issues.push({ field: 'addMs', message: 'must be a positive number of milliseconds' });
  if (issues.length) throw new ValidationError(issues);
}
