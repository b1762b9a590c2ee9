/**
 * The one composition of the worker: the `ops` and `slack` queue workers with the bot's hooks
 * (metrics, audit, the bot-stop mark the lease scan reads, the App Home refresh) and the shipped
 * settings. The worker role (roles.ts), the tests (test/support) and the benchmarks (bench/support)
 * all build their worker here, so what they run is what production runs; they differ only by the
 * clock (and `timeScale`, which divides every real-time wait by it), the stand-ins they point it
 * at, and the knobs in `testing`, which production never sets.
 */
import { setFlagsFromString } from 'node:v8';
import type { Redis } from 'ioredis';
import type { AuditEntry } from '../access/index.js';
import type { Clock } from '../clock.js';
import type { Env } from '../config.js';
import {
  createOperationWorker,
  createWorkerSlackClient,
  DEFAULT_POLL_TIMING,
  DEFAULT_SLACK_PACING,
  type OperationWorkerDeps,
  type OperationWorkerHandle,
  type PollTiming,
  pollTimingFromEnv,
  type SlackPacing,
  type SlackRate,
  slackPacingFromEnv,
} from '../jobs/index.js';
import { markBotStop } from '../leases/index.js';
import type { Logger } from '../logger.js';
import type { ModelArtsApi } from '../modelarts/index.js';
import type { Metrics } from '../ops/metrics.js';
import { createHomeRefresher, type HomeDeps } from '../slack/index.js';
import type { NotebookStore } from '../store/index.js';
import { observationFromRecord, UsageLedger } from '../usage/index.js';
import { logOutagesOnce } from './redis.js';
import { instrumentSlack } from './services.js';

/** The configuration the worker reads (`loadConfig().env`). */
export type WorkerEnv = Pick<
  Env,
  | 'POLL_INITIAL_MS'
  | 'POLL_MAX_MS'
  | 'READY_TIMEOUT_MS'
  | 'SLOW_POLL_MS'
  | 'WORKER_CONCURRENCY'
  | 'SLACK_UPDATE_INTERVAL_MS'
  | 'SLACK_UPDATES_PER_MINUTE'
  | 'SLACK_POSTS_PER_CHANNEL_PER_MINUTE'
  | 'SLACK_HOME_PUBLISHES_PER_MINUTE'
  | 'HOME_REFRESH_DELAY_MS'
> &
  Partial<Pick<Env, 'POLL_NEAR_READY_MS'>>;

/** The settings of a worker: from the configuration, or the shipped defaults (the same values). */
export interface WorkerSettings {
  timing: PollTiming;
  concurrency: number;
  slackMinUpdateIntervalMs: number;
  slackPacing: SlackPacing;
  homeRefreshDelayMs: number;
}

/** The shipped defaults: what `loadConfig` gives for an environment that sets none of these. */
export const DEFAULT_WORKER_SETTINGS: Readonly<WorkerSettings> = {
  timing: DEFAULT_POLL_TIMING,
  concurrency: 32,
  slackMinUpdateIntervalMs: 15_000,
  slackPacing: DEFAULT_SLACK_PACING,
  homeRefreshDelayMs: 2000,
};

/**
 * How far V8 lets the heap grow past what its last full collection kept before it collects again
 * (percent), in a process that runs the worker. V8's own factor, picked from how fast the program
 * allocates, reached 3–4× for the worker, which allocates fast (every poll, list page, Slack call
 * and BullMQ move) but keeps little (about 40 MiB live at 1,000 notebooks in flight): its heap
 * grew to ~160 MiB before a full collection and the process peaked at 250–265 MiB RSS. At 1.5×
 * the peak was ~170 MiB, for ~17 more full collections (~0.2 s of CPU) in a 1,000-notebook burst
 * (bench/README.md). Read by V8 at each collection, so setting it once the process runs is enough.
 */
export const WORKER_HEAP_GROWING_PERCENT = 50;

/**
 * Applies WORKER_HEAP_GROWING_PERCENT to this process, unless it was started with its own
 * `--heap-growing-percent` (node's command line): that one wins. Returns whether it applied it.
 * Process-wide: a process that also runs the web role shares it.
 */
export function applyWorkerHeapPolicy(execArgv: readonly string[] = process.execArgv): boolean {
  if (execArgv.some((a) => /^--heap[-_]growing[-_]percent\b/.test(a))) return false;
  setFlagsFromString(`--heap-growing-percent=${WORKER_HEAP_GROWING_PERCENT}`);
  return true;
}

/** The worker's settings from the validated environment. */
export function workerSettingsFromEnv(env: WorkerEnv): WorkerSettings {
  return {
    timing: pollTimingFromEnv(env),
    concurrency: env.WORKER_CONCURRENCY,
    slackMinUpdateIntervalMs: env.SLACK_UPDATE_INTERVAL_MS,
    slackPacing: slackPacingFromEnv(env),
    homeRefreshDelayMs: env.HOME_REFRESH_DELAY_MS,
  };
}

/**
 * The settings of a run whose clock goes `scale` times faster than real time: every real-time
 * wait (poll delays, backoff cap, Slack coalescing, the Home refresh delay) is divided by it and
 * every Slack budget multiplied by it, so the run is the real-time scenario played faster. Waits
 * compared with the clock (ready timeout, watch limit) and the locks (crash recovery) stay.
 */
export function scaleWorkerSettings(settings: WorkerSettings, scale: number): WorkerSettings {
  if (scale === 1) return settings;
  const s = (ms: number) => Math.max(1, Math.round(ms / scale));
  const t = settings.timing;
  const rate = (r: SlackRate | false): SlackRate | false =>
    r ? { perMinute: r.perMinute * scale, burst: r.burst } : r;
  return {
    ...settings,
    timing: {
      ...t,
      initialMs: s(t.initialMs),
      maxMs: s(t.maxMs),
      slowPollMs: s(t.slowPollMs),
      maxRetryDelayMs: s(t.maxRetryDelayMs),
      ...(t.nearReadyMs !== undefined ? { nearReadyMs: s(t.nearReadyMs) } : {}),
      ...(t.approachMs !== undefined ? { approachMs: s(t.approachMs) } : {}),
      ...(t.tickMs !== undefined ? { tickMs: s(t.tickMs) } : {}),
    },
    slackMinUpdateIntervalMs: s(settings.slackMinUpdateIntervalMs),
    homeRefreshDelayMs: s(settings.homeRefreshDelayMs),
    slackPacing: {
      update: rate(settings.slackPacing.update),
      postPerChannel: rate(settings.slackPacing.postPerChannel),
      publish: rate(settings.slackPacing.publish),
    },
  };
}

/** Knobs only tests and benchmarks set: each replaces a production setting or hook. */
export type WorkerTestKnobs = Partial<
  Omit<OperationWorkerDeps, 'connection' | 'prefix' | 'modelarts' | 'slack' | 'store' | 'clock' | 'logger'>
>;

export interface BuildWorkerOptions {
  /**
   * The worker's own connection, `maxRetriesPerRequest: null` (BullMQ blocks on it and must wait
   * out a reconnect). The caller closes it after `close()`.
   */
  connection: Redis;
  /**
   * The worker's connection for its own commands (records, status board, outbox state, usage),
   * apart from BullMQ's (see OperationWorkerDeps.commands), also `maxRetriesPerRequest: null`.
   * The caller closes it after `close()`. Production opens one (roles.ts, named in CLIENT LIST);
   * without it the worker opens its own (`connection.duplicate()`) and closes it in `close()`.
   */
  commands?: Redis | undefined;
  /** `QUEUE_PREFIX`. */
  prefix: string;
  modelarts: ModelArtsApi;
  /** The bot token and, for a stand-in, the Web API's URL; the client is built here. */
  slack: { botToken: string; apiUrl?: string | undefined };
  clock: Clock;
  logger: Logger;
  /** Default: a NotebookStore on `commands`. */
  store?: NotebookStore | undefined;
  /** The configuration (`loadConfig().env`); without it, the shipped defaults. */
  env?: WorkerEnv | undefined;
  /** Simulated ms per real ms of `clock` (see `scaleWorkerSettings`). Default 1. */
  timeScale?: number | undefined;
  /** Operation metrics and Slack 429 counts. */
  metrics?: Metrics | undefined;
  /** Records each operation's outcome (access control's audit log). */
  audit?: ((entry: AuditEntry) => void | Promise<void>) | undefined;
  /**
   * What App Home rendering needs: every change of a notebook with an owner refreshes that
   * owner's Home from the records, coalesced. `false` leaves Homes alone (a stack without a Home
   * to show); production always gives it.
   */
  home: HomeDeps | false;
  /** Test and benchmark knobs over the production settings and hooks. */
  testing?: WorkerTestKnobs | undefined;
}

/**
 * Builds (and starts) the worker of notebook operations and Slack messages, and applies the
 * worker's heap policy to the process (`applyWorkerHeapPolicy`). Not yet ready: await
 * `waitUntilReady()`.
 */
export function buildWorker(o: BuildWorkerOptions): OperationWorkerHandle {
  applyWorkerHeapPolicy();
  const settings = scaleWorkerSettings(
    o.env ? workerSettingsFromEnv(o.env) : DEFAULT_WORKER_SETTINGS,
    o.timeScale ?? 1,
  );
  const client = createWorkerSlackClient(o.slack.botToken, {
    ...(o.slack.apiUrl ? { slackApiUrl: o.slack.apiUrl } : {}),
    logger: o.logger,
  });
  const slack = o.metrics ? instrumentSlack(client, o.metrics) : client;
  const { connection, prefix } = o;
  // Without a commands connection from the caller, the worker opens its own and closes it.
  const ownsCommands = !o.commands;
  const commands = o.commands ?? openCommands(connection, o.logger);
  // Usage accounting: every status a job sees (created, started, stopped, extended, deleted) is
  // an observation in the usage ledger; a test's own hook still runs after it.
  const usage = new UsageLedger({ redis: commands, prefix });
  const testHook = o.testing?.onNotebookChanged;
  const onNotebookChanged = async (record: Parameters<NonNullable<typeof testHook>>[0]): Promise<void> => {
    const observation = observationFromRecord(record);
    if (observation) {
      await usage
        .observe(observation)
        .catch((err: unknown) => o.logger.warn({ err, notebookId: record.notebookId }, 'usage observation failed'));
    }
    await testHook?.(record);
  };
  const handle = createOperationWorker({
    connection,
    commands,
    prefix,
    modelarts: o.modelarts,
    slack,
    ...(o.store ? { store: o.store } : {}),
    clock: o.clock,
    logger: o.logger,
    timing: settings.timing,
    concurrency: settings.concurrency,
    slackMinUpdateIntervalMs: settings.slackMinUpdateIntervalMs,
    slackWorker: { pacing: settings.slackPacing },
    ...(o.metrics ? { metrics: o.metrics.operations } : {}),
    ...(o.audit ? { audit: o.audit } : {}),
    // A stop the bot makes must not be reported later as "its lease ended".
    beforeStop: (notebookId) => markBotStop(commands, prefix, notebookId),
    ...(o.home ? { refreshHome: createHomeRefresher(o.home, slack) } : {}),
    homeRefreshDelayMs: settings.homeRefreshDelayMs,
    ...o.testing,
    onNotebookChanged,
  });
  if (!ownsCommands) return handle;
  return {
    ...handle,
    async close() {
      try {
        await handle.close();
      } finally {
        await commands.quit().catch(() => commands.disconnect());
      }
    },
  };
}

/** The worker's own commands connection when the caller gives none; its outages logged once each. */
function openCommands(connection: Redis, logger: Logger): Redis {
  const commands = connection.duplicate();
  logOutagesOnce(commands, logger.child({ component: 'redis', connection: 'worker-commands' }));
  return commands;
}
