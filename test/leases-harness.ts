import { App, LogLevel, type Receiver } from '@slack/bolt';
import type { KnownBlock } from '@slack/types';
import { WebClient } from '@slack/web-api';
import type { Redis } from 'ioredis';
import { type AccessControlService, createAccessControl } from '../src/access/access-control.js';
import { defaultPolicy } from '../src/access/policy.js';
import { buildWorker } from '../src/app/worker.js';
import { ManualClock } from '../src/clock.js';
import { createOperationQueue, jobIdForOp, type OperationQueueHandle } from '../src/jobs/index.js';
import {
  createLeaseWatcher,
  type LeaseNoticeEvent,
  type LeaseWatcher,
  type LeaseWatcherOptions,
} from '../src/leases/watcher.js';
import { createLogger } from '../src/logger.js';
import { ACTIONS_BLOCK_PREFIX, NOTICE_BLOCK_PREFIX } from '../src/messages/lease-blocks.js';
import type { ModelArtsClient } from '../src/modelarts/client.js';
import { createSimulator, type Simulator } from '../src/simulator/index.js';
import { type LeaseActionDeps, registerLeaseActions } from '../src/slack/listeners/actions/lease-buttons.js';
import { FakeSlackApi, type RecordedCall } from '../src/slack-stand-in/fake-slack-api.js';
import { NotebookStore } from '../src/store/notebooks.js';
import { deletePrefix, newRedis, uniquePrefix } from './support/redis.js';
import { simulatorClient } from './support/stack.js';

/**
 * Everything a lease-watch acceptance test needs, real parts only: the simulator over HTTP with
 * a manual clock, the real ModelArtsClient, a real Redis under a unique prefix, FakeSlackApi
 * behind a real WebClient, real access control and the real BullMQ producer, and a Bolt App
 * driven through a minimal receiver for button clicks.
 */

export const H = 3_600_000;
export const M = 60_000;
export const OWNER = 'U0OWNER01';
export const OTHER = 'U0OTHER01';
export const ADMIN = 'U0ADMIN01';
export const CHANNEL = 'C0LAB0001';
export const THREAD = '1690000000.000100';
export const DEFAULT_CHANNEL = 'C0WATCH01';

/** Bolt's receiver contract, reduced to what `app.processEvent` needs. */
class ClickReceiver implements Receiver {
  init(_app: App): void {}
  async start(): Promise<void> {}
  async stop(): Promise<void> {}
}

export interface SeedOptions {
  count?: number;
  name?: string;
  durationMs: number;
  /** How long ago the lease started. */
  elapsedMs?: number;
  type?: 'TIMING' | 'IDLE';
  /** Store record to create (undefined owner = no record: a project-only notebook). */
  owner?: string | null;
  channelId?: string;
  threadTs?: string;
}

export interface Harness {
  clock: ManualClock;
  sim: Simulator;
  api: ModelArtsClient;
  redis: Redis;
  prefix: string;
  store: NotebookStore;
  slack: FakeSlackApi;
  web: WebClient;
  access: AccessControlService;
  queue: OperationQueueHandle;
  app: App;
  /** Every notice the watchers reported, in order. */
  events: LeaseNoticeEvent[];
  watcher(overrides?: Partial<LeaseWatcherOptions>): LeaseWatcher;
  seed(options: SeedOptions): Promise<string[]>;
  /** `chat.postMessage` calls that carry lease notices (the job pipeline posts too). */
  leasePosts(): RecordedCall[];
  /** A copy of a posted message as it is now (a Slack client showing it before an update arrives). */
  snapshot(event: LeaseNoticeEvent): Record<string, unknown>;
  /**
   * Clicks a lease button of a posted message, as `userId`, through Bolt. `seen` is the copy of
   * the message the user clicked in (default: the message as it is now).
   */
  click(
    event: LeaseNoticeEvent,
    notebookId: string,
    actionId: string,
    userId: string,
    seen?: Record<string, unknown>,
  ): Promise<void>;
  ephemerals(userId?: string): string[];
  jobExists(opId: string): Promise<boolean>;
  jobCount(): Promise<number>;
  close(): Promise<void>;
}

export async function createHarness(start = Date.UTC(2026, 0, 5, 9, 0)): Promise<Harness> {
  const clock = new ManualClock(start);
  const sim = createSimulator({ clock, notFound: '404', random: () => 0.5 });
  await sim.start();
  const api = simulatorClient(sim, clock, { maxRetries: 0 });
  const redis = newRedis();
  const prefix = uniquePrefix('lease');
  const store = new NotebookStore({ redis, prefix });
  const slack = await new FakeSlackApi().start();
  // What the composition root should pass: 429s surface at once, the watcher retries next scan.
  const web = new WebClient('xoxb-test', {
    slackApiUrl: slack.apiUrl,
    rejectRateLimitedCalls: true,
    retryConfig: { retries: 0 },
  });
  const logger = createLogger({ level: 'silent' });
  const access = createAccessControl({
    policy: defaultPolicy({ extraAdmins: [ADMIN] }),
    redis,
    prefix,
    slack: web,
    store,
    logger,
    clock,
  });
  const queue = createOperationQueue({ connection: redis, prefix });
  const app = new App({
    token: 'xoxb-test',
    receiver: new ClickReceiver(),
    clientOptions: { slackApiUrl: slack.apiUrl },
    logLevel: LogLevel.ERROR,
  });
  const actionDeps: LeaseActionDeps = { api, queue, access, store, redis, prefix, clock, logger };
  registerLeaseActions(app, actionDeps);

  const events: LeaseNoticeEvent[] = [];
  const watchers: LeaseWatcher[] = [];
  let tsCounter = 0;

  const h: Harness = {
    clock,
    sim,
    api,
    redis,
    prefix,
    store,
    slack,
    web,
    access,
    queue,
    app,
    events,
    watcher(overrides = {}) {
      const w = createLeaseWatcher({
        api,
        store,
        redis,
        prefix,
        slack: web,
        clock,
        logger,
        onWarningSent: (e) => events.push(e),
        ...overrides,
      });
      watchers.push(w);
      return w;
    },
    async seed(o) {
      const ids = sim.instances.seed({
        count: o.count ?? 1,
        namePrefix: o.name ?? 'nb',
        lease: { duration: o.durationMs, elapsedMs: o.elapsedMs ?? 0, type: o.type ?? 'TIMING' },
        spacingMs: 0,
      });
      if (o.owner !== null) {
        const now = clock.now();
        for (const [i, id] of ids.entries()) {
          await store.put({
            notebookId: id,
            name: `${o.name ?? 'nb'}-${i}`,
            ownerId: o.owner ?? OWNER,
            channelId: o.channelId ?? CHANNEL,
            threadTs: o.threadTs ?? THREAD,
            origin: 'created',
            createdAt: now,
            updatedAt: now,
          });
        }
      }
      return ids;
    },
    leasePosts() {
      return slack
        .callsTo('chat.postMessage')
        .filter((c) => JSON.stringify(c.args['blocks'] ?? []).includes(NOTICE_BLOCK_PREFIX));
    },
    snapshot(event) {
      const message = slack.message(event.channelId, event.messageTs);
      if (!message) throw new Error(`no message ${event.channelId}/${event.messageTs}`);
      return structuredClone(message);
    },
    async click(event, notebookId, actionId, userId, seen) {
      const message = seen ?? slack.message(event.channelId, event.messageTs);
      if (!message) throw new Error(`no message ${event.channelId}/${event.messageTs}`);
      const blocks = message['blocks'] as KnownBlock[];
      const actions = blocks.find((b) => b.block_id === `${ACTIONS_BLOCK_PREFIX}${notebookId}`) as
        | { elements: Array<{ action_id: string; value: string }> }
        | undefined;
      const button = actions?.elements.find((e) => e.action_id === actionId);
      if (!button) throw new Error(`no ${actionId} button for ${notebookId} in that message`);
      tsCounter += 1;
      const threadTs = typeof message['thread_ts'] === 'string' ? (message['thread_ts'] as string) : undefined;
      const body = {
        type: 'block_actions',
        team: { id: slack.teamId, domain: 'fake' },
        user: { id: userId, username: userId.toLowerCase(), name: userId.toLowerCase(), team_id: slack.teamId },
        api_app_id: 'A0LEASE01',
        token: 'verification-token',
        trigger_id: `${tsCounter}.${Date.now()}.abcdef`,
        response_url: `${slack.baseUrl}/response/${tsCounter}`,
        container: {
          type: 'message',
          message_ts: event.messageTs,
          channel_id: event.channelId,
          is_ephemeral: false,
          ...(threadTs ? { thread_ts: threadTs } : {}),
        },
        channel: { id: event.channelId, name: 'lab' },
        message: {
          type: 'message',
          user: slack.botUserId,
          ts: event.messageTs,
          text: message['text'],
          blocks,
          ...(threadTs ? { thread_ts: threadTs } : {}),
        },
        state: { values: {} },
        actions: [
          {
            type: 'button',
            action_id: actionId,
            block_id: `${ACTIONS_BLOCK_PREFIX}${notebookId}`,
            value: button.value,
            text: { type: 'plain_text', text: actionId },
            action_ts: `${1_700_000_000 + tsCounter}.000000`,
          },
        ],
      };
      await app.processEvent({ body, ack: async () => {} });
    },
    ephemerals(userId) {
      return slack
        .callsTo('chat.postEphemeral')
        .filter((c) => !userId || c.args['user'] === userId)
        .map((c) => String(c.args['text']));
    },
    async jobExists(opId) {
      return (await queue.queue.getJob(jobIdForOp(opId))) !== undefined;
    },
    async jobCount() {
      const counts = await queue.queue.getJobCounts('waiting', 'delayed', 'active', 'completed', 'failed');
      return Object.values(counts).reduce((a, b) => a + b, 0);
    },
    async close() {
      for (const w of watchers) await w.stop();
      await queue.queue.obliterate({ force: true }).catch(() => {});
      await queue.close();
      await deletePrefix(redis, prefix);
      redis.disconnect();
      await api.close();
      await sim.stop();
      await slack.stop();
    },
  };
  return h;
}

/** Runs the production worker (the operation pipeline, `buildWorker`) on the harness until `done` resolves. */
export async function withProductionWorker<T>(h: Harness, done: () => Promise<T>): Promise<T> {
  const connection = newRedis();
  const worker = buildWorker({
    connection,
    prefix: h.prefix,
    modelarts: h.api,
    slack: { botToken: 'xoxb-test', apiUrl: h.slack.apiUrl },
    store: h.store,
    clock: h.clock,
    logger: createLogger({ level: 'silent' }),
    home: false,
  });
  try {
    return await done();
  } finally {
    await worker.close();
    connection.disconnect();
  }
}
