import { WebClient } from '@slack/web-api';
import type { Redis } from 'ioredis';
import type { AccessControl } from '../../src/access/types.js';
import { buildWorker, type WorkerTestKnobs } from '../../src/app/worker.js';
import { type Clock, ScaledClock } from '../../src/clock.js';
import type { OperationWorkerHandle } from '../../src/jobs/index.js';
import { createOperationQueue, type OperationQueueHandle } from '../../src/jobs/producer.js';
import { createLogger, type Logger } from '../../src/logger.js';
import type { ModelArtsApi } from '../../src/modelarts/api.js';
import { ModelArtsClient, type ModelArtsClientOptions } from '../../src/modelarts/client.js';
import { slackLogger } from '../../src/operations/slack-logger.js';
import type { EnqueueResult, Operation, OperationQueue } from '../../src/operations/types.js';
import {
  createSimulator,
  SIMULATOR_AK,
  SIMULATOR_DEFAULT_FLAVOR,
  SIMULATOR_SK,
  type Simulator,
  type SimulatorOptions,
} from '../../src/simulator/index.js';
import { type CreateSlackAppOptions, createSlackApp, type SlackApp } from '../../src/slack/app.js';
import { FakeSlackApi, type RecordedCall } from '../../src/slack-stand-in/fake-slack-api.js';
import { SlackSender } from '../../src/slack-stand-in/slack-sender.js';
import { NotebookStore } from '../../src/store/notebooks.js';
import { deletePrefix, newRedis, uniquePrefix } from './redis.js';

/**
 * The world the end-to-end tests share, built in one place: the simulator over HTTP on a scaled
 * clock, FakeSlackApi, Redis under a unique prefix, the real ModelArts client, the BullMQ producer
 * (behind a recorder of what was enqueued) and the notebook store; the real workers on demand.
 * The jobs, Slack-surface and access harnesses add their parts on top of it.
 */

/** Simulated ms per real ms unless told: a ~3.5 minute create takes ~0.7 s, a 1 h lease 12 s. */
export const DEFAULT_TIME_SCALE = 300;

/**
 * The test knobs every stack worker runs with (over the production worker of src/app/worker.ts):
 * fast polls, a short coalescing interval and one plain Slack limit instead of the per-method
 * pacing, so a test's handful of messages is not paced like a workspace's.
 */
export const TEST_WORKER_KNOBS: Readonly<WorkerTestKnobs> = {
  timing: { initialMs: 100, maxMs: 300, slowPollMs: 300, maxRetryDelayMs: 300 },
  slackMinUpdateIntervalMs: 250,
  slackWorker: { limiter: { max: 50, duration: 1000 } },
};

export interface StackOptions {
  /** The bot token FakeSlackApi accepts (and the worker's client uses). */
  botToken: string;
  /** The channel `seed` records notebooks in. */
  channel: string;
  /** Key and queue prefix; default a unique one labelled `label`. */
  prefix?: string;
  label?: string;
  /** Default: a ScaledClock at `scale` (DEFAULT_TIME_SCALE). */
  clock?: ScaledClock;
  scale?: number;
  /** Simulator options (`notFound` defaults to `random`). */
  sim?: Omit<SimulatorOptions, 'clock'>;
  /** ModelArts client options over the defaults (simulator AK/SK, 5 s timeout). */
  modelarts?: Partial<Omit<ModelArtsClientOptions, 'endpoint' | 'projectId' | 'clock'>>;
  /** Every component logs here (default: silent, or TEST_LOG_LEVEL). */
  logger?: Logger;
}

export interface Stack {
  clock: ScaledClock;
  sim: Simulator;
  slack: FakeSlackApi;
  redis: Redis;
  prefix: string;
  logger: Logger;
  botToken: string;
  modelarts: ModelArtsClient;
  queue: OperationQueueHandle;
  /** The producer behind a recorder: give this one to the code under test. */
  recordingQueue: OperationQueue;
  /** Every operation enqueued through `recordingQueue`, and what the queue answered. */
  enqueued: Operation[];
  enqueueResults: EnqueueResult[];
  store: NotebookStore;
  /** Started by `startWorker`. */
  worker: OperationWorkerHandle | undefined;
  /** Starts the real workers (ops and Slack queues) with fast polls; `overrides` adds hooks. */
  startWorker(overrides?: WorkerTestKnobs): Promise<OperationWorkerHandle>;
  waitForJob(jobId: string, timeoutMs?: number): Promise<'completed' | 'failed'>;
  /**
   * Seeds notebooks `<namePrefix>-0`, `-1`, … in the simulator (RUNNING unless told); with
   * `owner`, also records them as the bot would (in the stack's channel, or `threadTs`'s thread).
   */
  seed(namePrefix: string, options?: SeedOptions): Promise<string[]>;
  /** Stops the workers, empties the queues and the prefix, closes every connection and server. */
  close(): Promise<void>;
}

export interface SeedOptions {
  status?: string;
  count?: number;
  flavor?: string;
  /** The lease's total duration, and how much of it has passed. */
  leaseMs?: number;
  leaseElapsedMs?: number;
  owner?: string;
  threadTs?: string;
  /** The IAM user that created them in the console (default: the simulator's own). */
  creator?: { name: string; id?: string };
}

export async function startStack(options: StackOptions): Promise<Stack> {
  const clock = options.clock ?? new ScaledClock({ scale: options.scale ?? DEFAULT_TIME_SCALE });
  const sim = createSimulator({ clock, notFound: 'random', ...options.sim });
  await sim.start();
  const slack = await new FakeSlackApi({ validTokens: [options.botToken] }).start();
  const redis = newRedis();
  const prefix = options.prefix ?? uniquePrefix(options.label);
  const logger = options.logger ?? createLogger({ level: process.env['TEST_LOG_LEVEL'] ?? 'silent' });
  const modelarts = simulatorClient(sim, clock, { timeoutMs: 5000, logger, ...options.modelarts });
  const queue = createOperationQueue({ connection: redis, prefix });
  const enqueued: Operation[] = [];
  const enqueueResults: EnqueueResult[] = [];
  const recordingQueue: OperationQueue = {
    async enqueue(op) {
      enqueued.push(op);
      const r = await queue.enqueue(op);
      enqueueResults.push(r);
      return r;
    },
  };
  const store = new NotebookStore({ redis, prefix });

  const stack: Stack = {
    clock,
    sim,
    slack,
    redis,
    prefix,
    logger,
    botToken: options.botToken,
    modelarts,
    queue,
    recordingQueue,
    enqueued,
    enqueueResults,
    store,
    worker: undefined,
    async startWorker(overrides = {}) {
      const worker = buildWorker({
        connection: redis,
        prefix,
        modelarts,
        slack: { botToken: options.botToken, apiUrl: slack.apiUrl },
        store,
        clock,
        logger,
        // No App Home here: the Slack-surface harnesses publish it themselves (`overrides`).
        home: false,
        testing: { ...TEST_WORKER_KNOBS, ...overrides },
      });
      await worker.waitUntilReady();
      stack.worker = worker;
      return worker;
    },
    async waitForJob(jobId, timeoutMs = 15_000) {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        const state = await queue.queue.getJobState(jobId);
        if (state === 'completed' || state === 'failed') return state;
        if (Date.now() > deadline) throw new Error(`job ${jobId} still ${state} after ${timeoutMs} ms`);
        await new Promise((r) => setTimeout(r, 50));
      }
    },
    async seed(namePrefix, o = {}) {
      const ids = sim.instances.seed({
        count: o.count ?? 1,
        status: o.status ?? 'RUNNING',
        namePrefix,
        ...(o.flavor ? { flavor: o.flavor } : {}),
        ...(o.creator ? { user: o.creator } : {}),
        ...(o.leaseMs ? { lease: { duration: o.leaseMs, elapsedMs: o.leaseElapsedMs ?? 0 } } : {}),
      });
      if (o.owner) {
        for (const [i, id] of ids.entries()) {
          const live = sim.instances.get(id)!;
          await store.put({
            notebookId: id,
            name: `${namePrefix}-${i}`,
            ownerId: o.owner,
            channelId: options.channel,
            origin: 'created',
            createdAt: clock.now(),
            updatedAt: clock.now(),
            flavor: live.flavor,
            lastStatus: live.status,
            ...(o.threadTs ? { threadTs: o.threadTs } : {}),
          });
        }
      }
      return ids;
    },
    async close() {
      await stack.worker?.close();
      await queue.queue.obliterate({ force: true }).catch(() => undefined);
      await stack.worker?.notifier.queue.obliterate({ force: true }).catch(() => undefined);
      await queue.close();
      await deletePrefix(redis, prefix);
      await redis.quit();
      await modelarts.close();
      await sim.stop();
      await slack.stop();
    },
  };
  return stack;
}

/** A bot-token Web API client on FakeSlackApi, logging through the stack's logger, no retries. */
export function webClient(stack: Stack): WebClient {
  return new WebClient(stack.botToken, {
    slackApiUrl: stack.slack.apiUrl,
    retryConfig: { retries: 0 },
    logger: slackLogger(stack.logger, 'slack-web-api'),
  });
}

export interface SlackSurfaceOptions {
  signingSecret: string;
  access: AccessControl;
  /** What the web side calls ModelArts with (default: the stack's client). */
  modelarts?: ModelArtsApi;
  /** Options over the ones built here. */
  app?: Partial<CreateSlackAppOptions>;
  /** Registers more listeners before the app starts. */
  register?: (app: SlackApp) => void;
}

/**
 * The Bolt app over the stack, on its real HTTP receiver (a free port on loopback), and a sender
 * of signed requests to it: what Slack would send.
 */
export async function startSlackSurface(
  stack: Stack,
  options: SlackSurfaceOptions,
): Promise<{ app: SlackApp; sender: SlackSender; baseUrl: string }> {
  const app = createSlackApp({
    botToken: stack.botToken,
    signingSecret: options.signingSecret,
    slackApiUrl: stack.slack.apiUrl,
    port: 0,
    host: '127.0.0.1',
    modelarts: options.modelarts ?? stack.modelarts,
    queue: stack.recordingQueue,
    store: stack.store,
    access: options.access,
    redis: stack.redis,
    prefix: stack.prefix,
    clock: stack.clock,
    logger: stack.logger,
    defaults: { flavor: SIMULATOR_DEFAULT_FLAVOR, storageGb: 5, leaseHours: 1 },
    ...options.app,
  });
  options.register?.(app);
  const { port } = await app.start();
  const baseUrl = `http://127.0.0.1:${port}`;
  const sender = new SlackSender({
    url: `${baseUrl}/slack/events`,
    signingSecret: options.signingSecret,
    responseBaseUrl: stack.slack.baseUrl,
  });
  return { app, sender, baseUrl };
}

/** The real ModelArts client pointed at a simulator (its AK/SK unless `overrides.auth`). */
export function simulatorClient(
  sim: Simulator,
  clock: Clock,
  overrides: Partial<Omit<ModelArtsClientOptions, 'endpoint' | 'projectId' | 'clock'>> = {},
): ModelArtsClient {
  return new ModelArtsClient({
    endpoint: sim.url,
    projectId: sim.projectId,
    auth: { kind: 'aksk', ak: SIMULATOR_AK, sk: SIMULATOR_SK },
    clock,
    ...overrides,
  });
}

/**
 * The same client, telling `onCall` the name of every method called on it: a decorator over the
 * real client (not a mock), to see what a side of the bot asked of ModelArts and when.
 */
export function recordCalls(api: ModelArtsApi, onCall: (method: string) => void): ModelArtsApi {
  return new Proxy(api, {
    get(target, prop, receiver) {
      const v = Reflect.get(target, prop, receiver) as unknown;
      if (typeof v !== 'function') return v;
      return (...args: unknown[]) => {
        onCall(String(prop));
        return (v as (...a: unknown[]) => unknown).apply(target, args);
      };
    },
  });
}

/** Polls `predicate` every 20 ms until it returns a truthy value, or fails after `timeoutMs`. */
export async function waitUntil<T>(
  predicate: () => T | undefined | false | Promise<T | undefined | false>,
  timeoutMs = 10_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await predicate();
    if (v) return v;
    if (Date.now() > deadline) throw new Error(`waitUntil timed out after ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

/** A recorded Slack call's text and blocks as one string, for `toContain` assertions. */
export function textOf(c: RecordedCall): string {
  return JSON.stringify({ text: c.args['text'], blocks: c.args['blocks'] });
}
