/**
 * The Slack surface: what the composition root and the job pipeline import.
 * Everything else under src/slack is internal to it.
 */
export { type CreateSlackAppOptions, createSlackApp, type SlackApp } from './app.js';
export type { CreateDefaults } from './blocks/create-modal.js';
export { type Catalog, type CatalogOptions, createCatalog } from './catalog.js';
export type { ApprovalRequest, OnApprovalRequired, SlackTiming } from './deps.js';
export { escapeMrkdwn } from './escape.js';
export { type FormatDurationOptions, formatDuration, slackDate } from './format.js';
export {
  createHomeRefresher,
  createPublishHome,
  type HomeDeps,
  type PublishHome,
  type PublishHomeOptions,
} from './home.js';
export { slackLogger } from './logger-adapter.js';
