/**
 * The outbox: every Slack Web API call a worker makes, on the paced, prioritised `slack` queue.
 * The rest of src/jobs imports from here.
 *
 * - `producer.ts`: `SlackNotifier` (publishStatus, postOnce, requestHomeRefresh, postNow).
 * - `slack-worker.ts`: the queue's worker and what it does with each kind of Slack failure.
 * - `processors/`: `render` (a status message), `post` (a one-shot reply), `home` (App Home).
 * - `pacing.ts`: per-method budgets (a GCRA token bucket in Redis); `scripts.ts` + `scripts/*.lua`:
 *   the Lua behind them and behind a status message's state; `client.ts`: the worker's WebClient.
 */
export { createWorkerSlackClient } from './client.js';
export { DEFAULT_SLACK_PACING, type SlackPacing, type SlackRate, slackPacingFromEnv } from './pacing.js';
export { SlackNotifier, type SlackNotifierOptions } from './producer.js';
export type { SlackWorkerOptions } from './slack-worker.js';
export {
  messageDigest,
  type OneShotMessage,
  type PostedMessage,
  SLACK_MAX_RETRY_DELAY_MS,
  SLACK_PRIORITY,
  SLACK_QUEUE,
  type SlackWorker,
  type StatusMessageTarget,
} from './types.js';
