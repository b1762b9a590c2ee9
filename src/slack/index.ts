import type { AllMiddlewareArgs, AnyMiddlewareArgs } from '@slack/bolt';

/**
 * The Slack surface: what the composition root and the job pipeline import.
 * Everything else under src/slack is internal to it.
 */

export type { CreateDefaults } from '../messages/index.js';
export { escapeMrkdwn, type FormatDurationOptions, formatDuration, slackDate } from '../messages/index.js';
export type { ApprovalRequest, OnApprovalRequired } from '../operations/index.js';
export { slackLogger } from '../operations/index.js';
export { type CreateSlackAppOptions, createSlackApp, type SlackApp } from './app.js';
export { type Catalog, type CatalogOptions, createCatalog } from './catalog.js';
export { DEFAULT_TIMING, type SlackTiming } from './deps.js';
export {
  createHomeRefresher,
  createPublishHome,
  type HomeDeps,
  type PublishHome,
  type PublishHomeOptions,
} from './home.js';
export { type RegisterApprovalActionsDeps, registerApprovalActions } from './listeners/actions/approval-buttons.js';
export {
  type LeaseActionDeps,
  type LeaseApprovals,
  leaseOpId,
  registerLeaseActions,
} from './listeners/actions/lease-buttons.js';

/** The arguments Bolt hands a global middleware (so the composition root needs no Bolt import). */
export type SlackMiddlewareArgs = AnyMiddlewareArgs & AllMiddlewareArgs;
export { SlackConnectionError } from './socket-mode.js';
