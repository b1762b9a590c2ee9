import type { Redis } from 'ioredis';
import { ScaledClock } from '../../src/clock.js';
import { createOperationQueue, type OperationQueueHandle } from '../../src/jobs/producer.js';
import { createWorkerSlackClient } from '../../src/jobs/slack-notifier.js';
import type { Operation } from '../../src/jobs/types.js';
import { createOperationWorker, type OperationWorkerDeps, type OperationWorkerHandle } from '../../src/jobs/worker.js';
import { createLogger } from '../../src/logger.js';
import { ModelArtsClient } from '../../src/modelarts/client.js';
import type { CreateNotebookRequest } from '../../src/modelarts/schemas.js';
import {
  createSimulator,
  type LifecycleTimings,
  SIMULATOR_AK,
  SIMULATOR_DEFAULT_FLAVOR,
  SIMULATOR_DEFAULT_IMAGE_ID,
  SIMULATOR_SK,
  type Simulator,
} from '../../src/simulator/index.js';
import { queuedOperationStatus, renderOperationStatus } from '../../src/slack/blocks/status.js';
import { FakeSlackApi, type RecordedCall } from '../../src/slack-stand-in/fake-slack-api.js';
import { deletePrefix, newRedis, uniquePrefix } from './redis.js';

/**
 * Simulated time runs 300× faster: a ~3.5 minute create takes ~0.7 s, a 1 h lease 12 s, the
 * 20-minute ready timeout 4 s. Polls and Slack coalescing use real milliseconds, scaled down.
 */
export const TIME_SCALE = 300;
export const CHANNEL = 'C0JOBS001';
export const USER = 'U0ALICE01';
export const BOT_TOKEN = 'xoxb-test-jobs-token';

export interface Harness {
  clock: ScaledClock;
  sim: Simulator;
  slack: FakeSlackApi;
  redis: Redis;
  prefix: string;
  modelarts: ModelArtsClient;
  queue: OperationQueueHandle;
  /** Started by `startWorker`. */
  worker: OperationWorkerHandle | undefined;
  startWorker(overrides?: Partial<OperationWorkerDeps>): Promise<OperationWorkerHandle>;
  /** Posts the "queued" status message like the Slack side does, and returns its ts. */
  postQueued(op: Operation): Promise<string>;
  waitForJob(jobId: string, timeoutMs?: number): Promise<'completed' | 'failed'>;
  /** The latest state of a message (after every chat.update). */
  message(ts: string): Record<string, unknown> | undefined;
  /** Thread replies in `threadTs`. */
  replies(threadTs: string): RecordedCall[];
  close(): Promise<void>;
}

export interface HarnessOptions {
  simTimings?: Partial<LifecycleTimings>;
  prefix?: string;
  /** Reuse an existing clock epoch (the crash test shares time with a child process). */
  clock?: ScaledClock;
}

export async function startHarness(options: HarnessOptions = {}): Promise<Harness> {
  const clock = options.clock ?? new ScaledClock({ scale: TIME_SCALE });
  const sim = createSimulator({
    clock,
    notFound: 'random',
    ...(options.simTimings ? { timings: options.simTimings } : {}),
  });
  await sim.start();
  const slack = await new FakeSlackApi({ validTokens: [BOT_TOKEN] }).start();
  const redis = newRedis();
  const prefix = options.prefix ?? uniquePrefix('jobs');
  const modelarts = new ModelArtsClient({
    endpoint: sim.url,
    projectId: sim.projectId,
    auth: { kind: 'aksk', ak: SIMULATOR_AK, sk: SIMULATOR_SK },
    clock,
    timeoutMs: 5000,
  });
  const queue = createOperationQueue({ connection: redis, prefix });
  const logger = createLogger({ level: process.env['TEST_LOG_LEVEL'] ?? 'silent' });

  const h: Harness = {
    clock,
    sim,
    slack,
    redis,
    prefix,
    modelarts,
    queue,
    worker: undefined,
    async startWorker(overrides = {}) {
      const worker = createOperationWorker({
        connection: redis,
        prefix,
        modelarts,
        slack: createWorkerSlackClient(BOT_TOKEN, { slackApiUrl: slack.apiUrl }),
        clock,
        logger,
        timing: { initialMs: 100, maxMs: 300, slowPollMs: 300, maxRetryDelayMs: 300 },
        slackMinUpdateIntervalMs: 250,
        slackWorker: { limiter: { max: 50, duration: 1000 } },
        ...overrides,
      });
      await worker.waitUntilReady();
      h.worker = worker;
      return worker;
    },
    async postQueued(op) {
      const rendered = renderOperationStatus(queuedOperationStatus(op, clock.now()));
      const web = createWorkerSlackClient(BOT_TOKEN, { slackApiUrl: slack.apiUrl });
      const res = await web.chat.postMessage({
        channel: op.requester.channelId,
        text: rendered.text,
        blocks: rendered.blocks,
      });
      return res.ts as string;
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
    message(ts) {
      return slack.message(CHANNEL, ts);
    },
    replies(threadTs) {
      return slack.callsTo('chat.postMessage').filter((c) => c.args['thread_ts'] === threadTs);
    },
    async close() {
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

let counter = 0;
function nextOpId(kind: string): string {
  counter += 1;
  return `${kind}-${Date.now().toString(36)}-${counter}`;
}

export function createRequest(name: string, overrides: Partial<CreateNotebookRequest> = {}): CreateNotebookRequest {
  return {
    name,
    flavor: SIMULATOR_DEFAULT_FLAVOR,
    image_id: SIMULATOR_DEFAULT_IMAGE_ID,
    volume: { category: 'EVS', ownership: 'MANAGED', capacity: 5 },
    lease: { duration: 3_600_000, type: 'TIMING' },
    ...overrides,
  };
}

export function createOp(clock: ScaledClock, name: string, extra: Partial<Operation> = {}): Operation {
  return {
    kind: 'create',
    opId: nextOpId('create'),
    requester: { userId: USER, channelId: CHANNEL, teamId: 'T0TEAM001' },
    requestedAt: clock.now(),
    request: createRequest(name),
    ...extra,
  } as Operation;
}

export function notebookOp<K extends 'start' | 'stop' | 'delete' | 'extend'>(
  clock: ScaledClock,
  kind: K,
  notebookId: string,
  name: string,
  extra: Record<string, unknown> = {},
): Extract<Operation, { kind: K }> {
  const base = {
    kind,
    opId: nextOpId(kind),
    requester: { userId: USER, channelId: CHANNEL },
    requestedAt: clock.now(),
    notebookId,
    name,
  };
  const specific =
    kind === 'start' ? { durationMs: 3_600_000, leaseType: 'TIMING' } : kind === 'extend' ? { addMs: 3_600_000 } : {};
  return { ...base, ...specific, ...extra } as unknown as Extract<Operation, { kind: K }>;
}

/** Every text a message shows (blocks included), for assertions. */
export function messageText(message: Record<string, unknown> | undefined): string {
  return message ? JSON.stringify({ text: message['text'], blocks: message['blocks'] }) : '';
}
