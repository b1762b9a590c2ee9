/**
 * Benchmark child: ONE worker process of the job pipeline, built by the composition function the
 * worker role uses (src/app/worker.ts `buildWorker`: production settings, the metrics and audit
 * hooks, the bot-stop mark, the App Home refresh from the records), on a scaled clock shared with
 * the simulator. `timeScale` divides every real-time wait (polls, backoff cap, Slack coalescing,
 * Home refresh delay) by the scale and multiplies the Slack budgets by it; the ready timeout and
 * watch limit are compared with the scaled clock and stay as they are.
 *
 * Settings by environment: BENCH_* below. Production defaults unless told otherwise:
 * BENCH_STATUS_BOARD=off (one GET per poll, the design before batched polling: the baseline the
 * bench compares with) and BENCH_SLACK_PACING=lifted (no Slack pacing) are diagnostics, never in a
 * target row. Run by the bench on the built bot (dist/) under plain node. Answers `memory`,
 * `gc` (collections so far), `peakMemory` (the breakdown of `process.memoryUsage()` when RSS was highest, sampled every
 * 100 ms), `heapSnapshot` (writes one to the path given),
 * `startAllocationProfile` / `stopAllocationProfile` (sampled allocations, garbage included) and `homeCalls` over IPC.
 */
import { writeFileSync } from 'node:fs';
import { Session } from 'node:inspector/promises';
import { PerformanceObserver, constants as perfConstants } from 'node:perf_hooks';
import { writeHeapSnapshot } from 'node:v8';
import { WebClient } from '@slack/web-api';
import { Redis } from 'ioredis';
import { createAccessControl } from '../../src/access/access-control.js';
import { loadPolicy } from '../../src/access/policy.js';
import { buildWorker } from '../../src/app/worker.js';
import { ScaledClock } from '../../src/clock.js';
import { createLogger } from '../../src/logger.js';
import type { ModelArtsApi } from '../../src/modelarts/api.js';
import { ModelArtsClient } from '../../src/modelarts/client.js';
import { Metrics } from '../../src/ops/metrics.js';
import { SIMULATOR_AK, SIMULATOR_DEFAULT_FLAVOR, SIMULATOR_SK } from '../../src/simulator/index.js';
import { DEFAULT_TIMING } from '../../src/slack/deps.js';
import { NotebookStore } from '../../src/store/notebooks.js';
import { serveParent } from './serve-parent.js';

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

// As in the composition root (roles.ts): the services' commands connection, the worker's BullMQ
// connection and the worker's own commands connection.
const redis = new Redis(env('BENCH_REDIS_URL'), { maxRetriesPerRequest: 2 });
const workerRedis = new Redis(env('BENCH_REDIS_URL'), { maxRetriesPerRequest: null });
const workerCommands = new Redis(env('BENCH_REDIS_URL'), { maxRetriesPerRequest: null });
const store = new NotebookStore({ redis, prefix });
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
const lifted = process.env['BENCH_SLACK_PACING'] === 'lifted';
const individualPolls = process.env['BENCH_STATUS_BOARD'] === 'off';
const knobs = {
  ...(lifted ? { slackWorker: { pacing: false as const } } : {}),
  ...(individualPolls ? { statusBoard: false } : {}),
};
const worker = buildWorker({
  connection: workerRedis,
  commands: workerCommands,
  prefix,
  modelarts: client,
  slack: { botToken: token, apiUrl: slackApiUrl },
  store: new NotebookStore({ redis: workerCommands, prefix }),
  clock,
  logger,
  timeScale: scale,
  metrics,
  audit: (entry) => access.audit(entry),
  home: homeRefresh
    ? {
        modelarts: homeModelArts,
        store,
        clock,
        logger,
        defaults: { flavor: SIMULATOR_DEFAULT_FLAVOR, imageId: undefined, storageGb: 5, leaseHours: 1 },
        commandName: '/notebook',
        timing: DEFAULT_TIMING,
      }
    : false,
  ...(Object.keys(knobs).length ? { testing: knobs } : {}),
});
await worker.waitUntilReady();

const inspector = new Session();
// What the peak RSS is made of: V8 heap (used, reserved), buffers, the rest (code, stacks, malloc).
let peakMemory = process.memoryUsage();
const memorySampler = setInterval(() => {
  if (process.memoryUsage.rss() > peakMemory.rss) peakMemory = process.memoryUsage();
}, 100);
memorySampler.unref();
// Garbage collections since start: count and pause time, scavenges (minor) and mark-compacts (major).
const gc = { minor: 0, minorMs: 0, major: 0, majorMs: 0 };
new PerformanceObserver((list) => {
  for (const e of list.getEntries()) {
    // detail.kind: perf_hooks constants NODE_PERFORMANCE_GC_MINOR (1, scavenge), _MAJOR (4,
    // mark-compact), _INCREMENTAL (8), _WEAKCB (16).
    const kind = (e as unknown as { detail?: { kind?: number } }).detail?.kind ?? 0;
    if (kind === perfConstants.NODE_PERFORMANCE_GC_MAJOR) {
      gc.major++;
      gc.majorMs += e.duration;
    } else {
      gc.minor++;
      gc.minorMs += e.duration;
    }
  }
}).observe({ entryTypes: ['gc'] });

serveParent(
  { pid: process.pid },
  {
    memory: () => process.memoryUsage(),
    peakMemory: () => peakMemory,
    gc: () => gc,
    heapSnapshot: (path) => writeHeapSnapshot(String(path)),
    // Sampled allocations, garbage included (what the scavenges collect): `--alloc-prof`.
    startAllocationProfile: async () => {
      inspector.connect();
      await inspector.post('HeapProfiler.enable');
      await inspector.post('HeapProfiler.startSampling', {
        samplingInterval: 32 * 1024,
        includeObjectsCollectedByMajorGC: true,
        includeObjectsCollectedByMinorGC: true,
      });
      return true;
    },
    stopAllocationProfile: async (path) => {
      const { profile } = await inspector.post('HeapProfiler.stopSampling');
      writeFileSync(String(path), JSON.stringify(profile));
      inspector.disconnect();
      return path;
    },
    homeCalls: () => homeModelArtsCalls,
  },
  async () => {
    await worker.close();
    await workerRedis.quit();
    await workerCommands.quit();
    await redis.quit();
    await client.close();
  },
);
