import { WebClient } from '@slack/web-api';
import type { Redis } from 'ioredis';
import { type AccessControlService, createAccessControl } from '../../src/access/access-control.js';
import { parsePolicyObject } from '../../src/access/policy.js';
import { ScaledClock } from '../../src/clock.js';
import { createOperationQueue, type OperationQueueHandle } from '../../src/jobs/producer.js';
import { createWorkerSlackClient } from '../../src/jobs/slack-notifier.js';
import type { EnqueueResult, Operation } from '../../src/jobs/types.js';
import { createOperationWorker, type OperationWorkerHandle } from '../../src/jobs/worker.js';
import { createLogger } from '../../src/logger.js';
import type { ModelArtsApi } from '../../src/modelarts/api.js';
import { ModelArtsClient } from '../../src/modelarts/client.js';
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
import { SlackSender, type ViewPayload } from '../../src/slack-stand-in/slack-sender.js';
import { NotebookStore } from '../../src/store/notebooks.js';
import { deletePrefix, newRedis, uniquePrefix } from './redis.js';

export const BOT_TOKEN = 'xoxb-test-slack-surface';
export const SIGNING_SECRET = '8f742231b10e8888abcd99yyyzzz85a5';
export const CHANNEL = 'C0SLACK001';
export const ALICE = { id: 'U0ALICE01', name: 'alice' };
export const BOB = { id: 'U0BOB0001', name: 'bob' };
/** Only this user may use V100 flavors in the test policy. */
export const GPU_USER = { id: 'U0GPU0001', name: 'gpu' };

export interface SlackHarnessOptions {
  /** Policy file object (snake_case); default: V100 only for GPU_USER, leases ≤ 24 h. */
  policy?: Record<string, unknown>;
  sim?: SimulatorOptions;
  app?: Partial<CreateSlackAppOptions>;
}

/** Everything an end-to-end Slack surface test needs, all real: simulator, Redis, queue, access, Bolt over HTTP. */
export interface SlackHarness {
  clock: ScaledClock;
  sim: Simulator;
  slack: FakeSlackApi;
  redis: Redis;
  prefix: string;
  modelarts: ModelArtsClient;
  queue: OperationQueueHandle;
  /** Wall-clock time of every ModelArts call the Slack side made (the Bolt app's client only). */
  modelartsCalls: Array<{ method: string; at: number }>;
  /** Every operation the Slack side enqueued (the real queue still gets it). */
  enqueued: Operation[];
  enqueueResults: EnqueueResult[];
  store: NotebookStore;
  access: AccessControlService;
  app: SlackApp;
  /** `http://127.0.0.1:<port>` of the Bolt HTTP receiver. */
  baseUrl: string;
  sender: SlackSender;
  worker: OperationWorkerHandle | undefined;
  startWorker(): Promise<OperationWorkerHandle>;
  waitForJob(jobId: string, timeoutMs?: number): Promise<'completed' | 'failed'>;
  /** The latest view Slack holds for an id (after views.update). */
  view(id: string): ViewPayload;
  /** The view opened by the last views.open call. */
  lastOpenedView(): Promise<ViewPayload>;
  /** Posts to response_url and ephemeral messages, newest last, as text. */
  privateReplies(): string[];
  close(): Promise<void>;
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

export function replyText(c: RecordedCall): string {
  return JSON.stringify({ text: c.args['text'], blocks: c.args['blocks'] });
}

export async function startSlackHarness(options: SlackHarnessOptions = {}): Promise<SlackHarness> {
  const clock = new ScaledClock({ scale: 300 });
  const sim = createSimulator({ clock, notFound: 'random', ...options.sim });
  await sim.start();
  const slack = await new FakeSlackApi({ validTokens: [BOT_TOKEN] }).start();
  const redis = newRedis();
  const prefix = uniquePrefix('slack');
  const logger = createLogger({ level: process.env['TEST_LOG_LEVEL'] ?? 'silent' });
  const modelarts = new ModelArtsClient({
    endpoint: sim.url,
    projectId: sim.projectId,
    auth: { kind: 'aksk', ak: SIMULATOR_AK, sk: SIMULATOR_SK },
    clock,
    timeoutMs: 5000,
    retryBaseMs: 50,
  });
  // Records when the Slack side calls ModelArts (a decorator over the real client, not a mock).
  const modelartsCalls: Array<{ method: string; at: number }> = [];
  const recordedModelArts = new Proxy(modelarts, {
    get(target, prop, receiver) {
      const v = Reflect.get(target, prop, receiver) as unknown;
      if (typeof v !== 'function') return v;
      return (...args: unknown[]) => {
        modelartsCalls.push({ method: String(prop), at: Date.now() });
        return (v as (...a: unknown[]) => unknown).apply(target, args);
      };
    },
  }) as ModelArtsApi;
  const queue = createOperationQueue({ connection: redis, prefix });
  const enqueued: Operation[] = [];
  const enqueueResults: EnqueueResult[] = [];
  const recordingQueue = {
    async enqueue(op: Operation) {
      enqueued.push(op);
      const r = await queue.enqueue(op);
      enqueueResults.push(r);
      return r;
    },
  };
  const store = new NotebookStore({ redis, prefix });
  const policy = parsePolicyObject(
    options.policy ?? {
      flavors: { rules: [{ match: 'modelarts.vm.gpu.v100*', allow: [GPU_USER.id] }] },
      leases: { max_hours: 24 },
      rate_limit: { per_minute: 1000 },
    },
    { source: '(test)' },
  );
  const access = createAccessControl({
    policy,
    redis,
    prefix,
    slack: new WebClient(BOT_TOKEN, { slackApiUrl: slack.apiUrl, retryConfig: { retries: 0 } }),
    store,
    logger,
    clock,
  });
  const app = createSlackApp({
    botToken: BOT_TOKEN,
    signingSecret: SIGNING_SECRET,
    slackApiUrl: slack.apiUrl,
    port: 0,
    host: '127.0.0.1',
    modelarts: recordedModelArts,
    queue: recordingQueue,
    store,
    access,
    redis,
    prefix,
    clock,
    logger,
    defaults: { flavor: SIMULATOR_DEFAULT_FLAVOR, storageGb: 5, leaseHours: 1 },
    ...options.app,
  });
  const { port } = await app.start();
  const sender = new SlackSender({
    url: `http://127.0.0.1:${port}/slack/events`,
    signingSecret: SIGNING_SECRET,
    responseBaseUrl: slack.baseUrl,
  });

  const h: SlackHarness = {
    clock,
    sim,
    slack,
    redis,
    prefix,
    modelarts,
    modelartsCalls,
    queue,
    enqueued,
    enqueueResults,
    store,
    access,
    app,
    baseUrl: `http://127.0.0.1:${port}`,
    sender,
    worker: undefined,
    async startWorker() {
      const worker = createOperationWorker({
        connection: redis,
        prefix,
        modelarts,
        slack: createWorkerSlackClient(BOT_TOKEN, { slackApiUrl: slack.apiUrl }),
        store,
        clock,
        logger,
        timing: { initialMs: 100, maxMs: 300, slowPollMs: 300, maxRetryDelayMs: 300 },
        slackMinUpdateIntervalMs: 250,
        slackWorker: { limiter: { max: 50, duration: 1000 } },
        onNotebookChanged: (r) => (r.ownerId ? app.publishHome(r.ownerId) : undefined),
      });
      await worker.waitUntilReady();
      h.worker = worker;
      return worker;
    },
    async waitForJob(jobId, timeoutMs = 15_000) {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        const s = await queue.queue.getJobState(jobId);
        if (s === 'completed' || s === 'failed') return s;
        if (Date.now() > deadline) throw new Error(`job ${jobId} still ${s} after ${timeoutMs} ms`);
        await new Promise((r) => setTimeout(r, 50));
      }
    },
    view(id) {
      const v = slack.view(id);
      if (!v) throw new Error(`no view ${id}`);
      return v as unknown as ViewPayload;
    },
    async lastOpenedView() {
      await slack.waitFor(() => slack.openedViews().length > 0);
      return slack.openedViews().at(-1) as unknown as ViewPayload;
    },
    privateReplies() {
      return slack.calls.filter((c) => c.method === 'response_url' || c.method === 'chat.postEphemeral').map(replyText);
    },
    async close() {
      await app.stop().catch(() => undefined);
      await h.worker?.close();
      await queue.queue.obliterate({ force: true }).catch(() => undefined);
      await h.worker?.notifier.queue.obliterate({ force: true }).catch(() => undefined);
      await queue.close();
      await deletePrefix(redis, prefix);
      await redis.quit();
      await modelarts.close();
      await sim.stop();
      await slack.stop();
    },
  };
  return h;
}
