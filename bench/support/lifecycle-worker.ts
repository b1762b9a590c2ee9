/**
 * Benchmark child: ONE worker process of the job pipeline, wired as the composition root's worker
 * role wires it (src/app/bot.ts: `createOperationWorker` with the metrics hooks, the audit hook and
 * the App Home refresh on every notebook change), on a scaled clock shared with the simulator.
 *
 * It is not `startBot(config)` itself only because the Slack queue's limiter cannot be set
 * through the configuration, and the bench must scale it with the clock (see bench/lifecycle.ts).
 * Poll delays, backoff caps and Slack coalescing are real-time waits: divided by the scale. The
 * ready timeout and watch limit are compared with the scaled clock: left as they are.
 *
 * Settings by environment: BENCH_* below. Answers `memory` and `homeCalls` over IPC.
 */
import { WebClient } from '@slack/web-api';
import { Redis } from 'ioredis';
import { createAccessControl } from '../../src/access/access-control.js';
import { loadPolicy } from '../../src/access/policy.js';
import { ScaledClock } from '../../src/clock.js';
import {
  createOperationQueue,
  createOperationWorker,
  createWorkerSlackClient,
  DEFAULT_POLL_TIMING,
} from '../../src/jobs/index.js';
import { createLogger } from '../../src/logger.js';
import type { ModelArtsApi } from '../../src/modelarts/api.js';
import { ModelArtsClient } from '../../src/modelarts/client.js';
import { Metrics } from '../../src/ops/metrics.js';
import { SIMULATOR_AK, SIMULATOR_DEFAULT_FLAVOR, SIMULATOR_SK } from '../../src/simulator/index.js';
import { createCatalog } from '../../src/slack/catalog.js';
import { DEFAULT_TIMING } from '../../src/slack/deps.js';
import { createPublishHome } from '../../src/slack/home.js';
import { NotebookStore } from '../../src/store/notebooks.js';
import { serveParent } from './child.js';

function env(name: string): string {
  const v = process.env[name];
  if (v === undefined || v === '') throw new Error(`${name} is required`);
  return v;
}

const scale = Number(env('BENCH_CLOCK_SCALE'));
const prefix = env('BENCH_PREFIX');
const token = env('BENCH_SLACK_TOKEN');
const slackApiUrl = env('BENCH_SLACK_API_URL');
const homeRefresh = process.env['BENCH_HOME_REFRESH'] !== 'off';
const clock = new ScaledClock({ epoch: Number(env('BENCH_CLOCK_EPOCH')), scale });
const logger = createLogger({ level: process.env['BENCH_LOG_LEVEL'] ?? 'silent' });
const metrics = new Metrics();
const client = new ModelArtsClient({
  endpoint: env('BENCH_SIM_URL'),
  projectId: env('BENCH_SIM_PROJECT_ID'),
  auth: { kind: 'aksk', ak: SIMULATOR_AK, sk: SIMULATOR_SK },
  clock,
  logger,
  onCall: metrics.onModelArtsCall,
});
// Counts the ModelArts calls the App Home refresh makes (the same client, seen through a wrapper).
let homeModelArtsCalls = 0;
const homeModelArts: ModelArtsApi = new Proxy(client, {
  get(target, prop, receiver) {
    const value = Reflect.get(target, prop, receiver);
    if (typeof value !== 'function') return value;
    return (...a: unknown[]) => {
      homeModelArtsCalls++;
      return (value as (...x: unknown[]) => unknown).apply(target, a);
    };
  },
});

// As in the composition root: a commands connection and a worker connection.
const redis = new Redis(env('BENCH_REDIS_URL'), { maxRetriesPerRequest: 2 });
const workerRedis = new Redis(env('BENCH_REDIS_URL'), { maxRetriesPerRequest: null });
const store = new NotebookStore({ redis, prefix });
const queue = createOperationQueue({ connection: redis, prefix });
const webClient = new WebClient(token, { timeout: 10_000, slackApiUrl });
const access = createAccessControl({
  policy: await loadPolicy(undefined),
  redis,
  prefix,
  slack: webClient,
  store,
  logger,
  clock,
});
const defaults = { flavor: SIMULATOR_DEFAULT_FLAVOR, imageId: undefined, storageGb: 5, leaseHours: 1 };
const publishHome = createPublishHome(
  {
    modelarts: homeModelArts,
    queue,
    store,
    access,
    redis,
    clock,
    logger,
    prefix,
    defaults,
    catalog: createCatalog({ redis, modelarts: homeModelArts, logger, prefix }),
    commandName: '/notebook',
    timing: DEFAULT_TIMING,
  },
  webClient,
);

const limiterMax = Number(process.env['BENCH_SLACK_LIMIT_MAX'] ?? 2);
const limiterMs = Number(process.env['BENCH_SLACK_LIMIT_MS'] ?? 1000);
const s = (ms: number) => Math.max(1, Math.round(ms / scale));
const worker = createOperationWorker({
  connection: workerRedis,
  prefix,
  modelarts: client,
  slack: createWorkerSlackClient(token, { slackApiUrl }),
  store: new NotebookStore({ redis: workerRedis, prefix }),
  clock,
  logger,
  timing: {
    initialMs: s(DEFAULT_POLL_TIMING.initialMs),
    maxMs: s(DEFAULT_POLL_TIMING.maxMs),
    slowPollMs: s(DEFAULT_POLL_TIMING.slowPollMs),
    maxRetryDelayMs: s(DEFAULT_POLL_TIMING.maxRetryDelayMs),
  },
  slackMinUpdateIntervalMs: s(15_000),
  slackWorker: { limiter: { max: limiterMax, duration: limiterMs } },
  metrics: metrics.operations,
  audit: (entry) => access.audit(entry),
  ...(homeRefresh ? { onNotebookChanged: (record) => (record.ownerId ? publishHome(record.ownerId) : undefined) } : {}),
});
await worker.waitUntilReady();

serveParent(
  { pid: process.pid },
  {
    memory: () => process.memoryUsage(),
    homeCalls: () => homeModelArtsCalls,
  },
  async () => {
    await worker.close();
    await queue.close();
    await workerRedis.quit();
    await redis.quit();
    await client.close();
  },
);
