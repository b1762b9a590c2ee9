/** The public API of src/operations: what other folders import. Everything else here is internal. */

export { withCostQuote } from './cost-quote.js';
export { operationId } from './ids.js';
export { rateLimitMessage } from './rate-limit.js';
export { createReplier, type Replier } from './reply.js';
export { createSlackFetch } from './slack-fetch.js';
export { slackLogger } from './slack-logger.js';
export {
  type ApprovalRequest,
  enqueueApproved,
  enqueueDecided,
  type OnApprovalRequired,
  type SubmitDeps,
  type SubmitOutcome,
  type SubmitRequest,
  submitOperation,
} from './submit.js';
export {
  type CreateOperation,
  type DeleteOperation,
  type EnqueueResult,
  type ExtendOperation,
  OPERATION_KINDS,
  type Operation,
  type OperationJobData,
  type OperationKind,
  type OperationProgress,
  type OperationQueue,
  type OperationResult,
  type Requester,
  type StartOperation,
  type StopOperation,
} from './types.js';
