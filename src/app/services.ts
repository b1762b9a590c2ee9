/**
 * What every role shares: infrastructure (Redis, ModelArts, metrics, the clock) and the domain
 * services over it (notebook store, operation queue, access control, approvals).
 */
import { setTimeout as delay } from 'node:timers/promises';
import { WebClient, type WebClientOptions } from '@slack/web-api';
import { Queue } from 'bullmq';
import type { Redis } from 'ioredis';
import {
  type AccessControlService,
  type Approvals,
  createAccessControl,
  createApprovals,
  loadPolicy,
} from '../access/index.js';
import { type Clock, ScaledClock } from '../clock.js';
import type { Config } from '../config.js';
import { ConfigError } from '../errors.js';
import { createOperationQueue, type OperationQueueHandle, quietQueueErrors, SLACK_QUEUE } from '../jobs/index.js';
import type { Logger } from '../logger.js';
import { createSlackFetch } from '../operations/index.js';
import { startLocalRedis } from '../ops/local-redis.js';
import { countSlackRateLimits, Metrics, type RateLimitEmitter } from '../ops/metrics.js';
import { createScheduleService, type ScheduleService, ScheduleStore } from '../schedules/index.js';
import { type CreateDefaults, slackLogger } from '../slack/index.js';
import { NotebookStore } from '../store/notebooks.js';
import { clockFor } from './clock.js';
import type { Correlation } from './correlation.js';
import { connectModelArts, type ModelArtsConnection } from './modelarts.js';
import {
  checkEvictionPolicy,
  connectRedis,
  describeRedis,
  evictionWarning,
  type ReachableRedis,
  waitForRedis,
} from './redis.js';
import type { Teardown } from './teardown.js';

/** The Slack settings the roles run with (the demo supplies its own when the workspace's are absent). */
export type SlackSettings = Exclude<Config['slack'], { mode: 'none' }>;

/** Everything the roles are built from. */
export interface Services {
  config: Config;
  logger: Logger;
  correlation: Correlation;
  teardown: Teardown;
  clock: Clock;
  metrics: Metrics;
  slack: SlackSettings;
  /** `QUEUE_PREFIX`: key and queue prefix, hash-tagged for Redis Cluster. */
  prefix: string;
  redisTarget: ReachableRedis;
  /** Commands connection (fails fast while Redis is away); workers open their own. */
  redis: Redis;
  modelarts: ModelArtsConnection;
  store: NotebookStore;
  queue: OperationQueueHandle;
  access: AccessControlService;
  /** Present when the policy has an `approvals` section. */
  approvals: Approvals | undefined;
  defaults: CreateDefaults;
  /** Working-hours schedules (src/schedules): commands, form, buttons, App Home, the lease warning. */
  schedules: ScheduleService;
  /** A bot-token Web API client (at SLACK_API_URL when set) whose 429s are counted. */
  webClient(options?: WebClientOptions): WebClient;
}

/** Counts a client's 429s in the metrics (WebClient emits `rate_limited` before retrying or throwing). */
export function instrumentSlack<T extends WebClient>(client: T, metrics: Metrics): T {
  return countSlackRateLimits(client as T & RateLimitEmitter, metrics);
}

/** Builds the shared services; everything opened is registered on `teardown`. */
export async function buildServices(
  config: Config,
  base: { logger: Logger; correlation: Correlation; teardown: Teardown; clock?: Clock | undefined },
): Promise<Services> {
  const { logger, teardown } = base;
  const env = config.env;
  const slack = requireSlack(config);
  requireSharedSimulator(config);
  const prefix = env.QUEUE_PREFIX;
  const clock = base.clock ?? clockFor(config);
  if (config.modelarts.auth.kind !== 'simulator' && clock instanceof ScaledClock) {
    logger.warn(
      { scale: clock.scale },
      'SIMULATOR_TIME_SCALE / SIMULATOR_CLOCK_EPOCH are set with Huawei credentials: the bot runs on simulated time, which is only right against a simulator',
    );
  }
  const metrics = new Metrics();

  // Redis: the configured one, or a throwaway redis-server for a one-process `npm start`.
  const redisTarget = await provideRedis(config, logger, teardown);
  const redis = connectRedis(redisTarget, { connectionName: 'commands', maxRetriesPerRequest: 2, logger });
  teardown.add('redis', () => quitRedis(redis));
  await waitForRedis(redis, redisTarget);
  await warnAboutRedis(redis, prefix, logger);
  logger.info({ redis: describeRedis(redisTarget), prefix }, 'Redis connected');

  // ModelArts: Huawei Cloud, a simulator elsewhere, or the simulator in this process.
  const modelarts = await connectModelArts(config, { clock, logger, onCall: metrics.onModelArtsCall });
  teardown.add('modelarts', () => modelarts.close());
  logger.info({ modelarts: modelarts.description }, 'ModelArts client ready');

  // Every client logs through pino (its redaction), not to the console.
  const slackLog = slackLogger(logger, 'slack-web-api');
  const slackFetch = createSlackFetch();
  const webClient = (options: WebClientOptions = {}) =>
    instrumentSlack(
      new WebClient(slack.botToken, {
        timeout: 10_000,
        logger: slackLog,
        fetch: slackFetch,
        ...options,
        ...(slack.apiUrl ? { slackApiUrl: slack.apiUrl } : {}),
      }),
      metrics,
    );

  const store = new NotebookStore({ redis, prefix });
  const queue = createOperationQueue({ connection: redis, prefix });
  teardown.add('operation queue', () => queue.close());
  // Read-only handle for the depth gauge: the Slack queue's jobs are added and run by workers.
  const slackQueue = new Queue(SLACK_QUEUE, { connection: redis, prefix });
  quietQueueErrors(slackQueue);
  teardown.add('slack queue handle', () => slackQueue.close());
  metrics.watchQueues(queue.queue, slackQueue);

  const policy = await loadPolicy(env.POLICY_FILE, { extraAdmins: env.ADMIN_USERS });
  const slackApi = webClient({ retryConfig: { retries: 2, factor: 2, minTimeout: 250, maxTimeout: 1500 } });
  const access = createAccessControl({ policy, redis, prefix, slack: slackApi, store, logger, clock });
  const approvals = policy.approvals
    ? createApprovals({ redis, prefix, client: slackApi, access, queue, logger, clock })
    : undefined;
  logger.info(
    { policy: policy.source, admins: policy.admins.length, approvals: Boolean(approvals) },
    'access policy loaded',
  );

  const schedules = createScheduleService({
    schedules: new ScheduleStore({ redis, prefix }),
    api: modelarts.client,
    queue,
    access,
    redis,
    prefix,
    clock,
    logger,
    policy: policy.schedules,
    defaultTimeZone: env.SCHEDULE_DEFAULT_TIME_ZONE,
  });

  return {
    config,
    logger,
    correlation: base.correlation,
    teardown,
    clock,
    metrics,
    slack,
    prefix,
    redisTarget,
    redis,
    modelarts,
    store,
    queue,
    access,
    approvals,
    defaults: {
      flavor: env.DEFAULT_FLAVOR,
      imageId: env.DEFAULT_IMAGE_ID,
      storageGb: env.DEFAULT_STORAGE_GB,
      leaseHours: env.DEFAULT_LEASE_HOURS,
    },
    schedules,
    webClient,
  };
}

/** Closes a connection politely, or drops it when Redis is not there to say goodbye to. */
export async function quitRedis(redis: Redis): Promise<void> {
  // QUIT on a connection that is reconnecting waits in ioredis' offline queue for a Redis that
  // may never come back: only a ready connection says goodbye, any other is dropped.
  if (redis.status !== 'ready') {
    redis.disconnect();
    return;
  }
  try {
    await Promise.race([
      redis.quit(),
      delay(QUIT_WAIT_MS, undefined, { ref: false }).then(() => Promise.reject(new Error('QUIT timed out'))),
    ]);
  } catch {
    redis.disconnect();
  }
}

/** How long a ready connection's QUIT may take before the connection is dropped. */
const QUIT_WAIT_MS = 2000;

function requireSlack(config: Config): SlackSettings {
  if (config.slack.mode === 'none') {
    throw new ConfigError(
      'Slack credentials are missing: set SLACK_BOT_TOKEN with SLACK_APP_TOKEN (Socket Mode) or SLACK_SIGNING_SECRET (HTTP mode). Without them, `npm start` plays the demo instead.',
    );
  }
  return config.slack;
}

/** The in-process simulator exists in one process only: split roles would each get their own cloud. */
function requireSharedSimulator(config: Config): void {
  if (config.modelarts.auth.kind === 'simulator' && !config.modelarts.endpoint && config.roles.size < 3) {
    throw new ConfigError(
      'Without Huawei credentials the bot uses its built-in simulator, which lives inside one process: run every role in one process (ROLES=web,worker,scheduler), or start a shared simulator (npm run simulator) and set MODELARTS_ENDPOINT to its URL.',
    );
  }
}

/**
 * The configured Redis, or a throwaway local redis-server when none is configured and every role
 * runs here (separate processes must share one Redis, so they need REDIS_URL).
 */
async function provideRedis(config: Config, logger: Logger, teardown: Teardown): Promise<ReachableRedis> {
  if (config.redis.kind !== 'local') return config.redis;
  if (config.roles.size < 3) {
    throw new ConfigError(
      'REDIS_URL (or REDIS_SENTINELS) is required when roles run in separate processes: they must share one Redis.',
    );
  }
  const local = await startLocalRedis();
  teardown.add('local redis-server', () => local.stop());
  logger.warn(
    { url: local.url },
    'REDIS_URL is not set: started a throwaway local redis-server (no persistence). Set REDIS_URL for anything that must survive a restart.',
  );
  return { kind: 'url', url: local.url };
}

/** Warns about a Redis that may evict BullMQ keys, and a prefix that would break on Redis Cluster. */
async function warnAboutRedis(redis: Redis, prefix: string, logger: Logger): Promise<void> {
  const eviction = await checkEvictionPolicy(redis);
  if (eviction.kind === 'evicts') logger.warn({ policy: eviction.policy }, evictionWarning(eviction.policy));
  else if (eviction.kind === 'unknown') {
    logger.info(
      { reason: eviction.reason },
      'could not read maxmemory-policy (CONFIG disabled?); make sure it is noeviction',
    );
  }
  if (!/\{[^{}]+\}/.test(prefix)) {
    logger.warn(
      { prefix },
      'QUEUE_PREFIX has no {hash tag}: fine on one Redis or Sentinel, but on Redis Cluster BullMQ needs every key of a queue in one slot (use e.g. {nbbot})',
    );
  }
}
