/**
 * The job pipeline: what the Slack side and the composition root import.
 * - web role: `createOperationQueue` (producer) and the contract in ./types.ts.
 * - worker role: `createOperationWorker` with `createWorkerSlackClient` and `pollTimingFromEnv`.
 */

export { explainFailure, type FailureExplanation } from './explain-failure.js';
export type { OperationHooks, OperationMetrics } from './operation-context.js';
export {
  createWorkerSlackClient,
  DEFAULT_SLACK_PACING,
  SLACK_PRIORITY,
  SLACK_QUEUE,
  type SlackPacing,
  type SlackRate,
  slackPacingFromEnv,
} from './outbox/index.js';
export { DEFAULT_POLL_TIMING, type PollTiming, pollTimingFromEnv } from './polling.js';
export { createOperationQueue, type OperationQueueHandle, type OperationQueueOptions } from './producer.js';
export {
  DEFAULT_QUEUE_PREFIX,
  DEFAULT_RETENTION,
  jobIdForOp,
  OPS_QUEUE,
  quietQueueErrors,
  type RetentionOptions,
} from './queues.js';
export { createOperationWorker, type OperationWorkerDeps, type OperationWorkerHandle } from './worker.js';
