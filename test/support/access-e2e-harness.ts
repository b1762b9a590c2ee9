import { WebClient } from '@slack/web-api';
import type { Redis } from 'ioredis';
import { expect } from 'vitest';
import { type AccessControlService, createAccessControl } from '../../src/access/access-control.js';
import { type Approvals, createApprovals, registerApprovalActions } from '../../src/access/approvals.js';
import type { StoredAuditEntry } from '../../src/access/audit.js';
import { parsePolicyObject } from '../../src/access/policy.js';
import { ScaledClock } from '../../src/clock.js';
import { createOperationQueue, type OperationQueueHandle } from '../../src/jobs/producer.js';
import { createWorkerSlackClient } from '../../src/jobs/slack-notifier.js';
import type { EnqueueResult, Operation } from '../../src/jobs/types.js';
import { createOperationWorker, type OperationWorkerHandle } from '../../src/jobs/worker.js';
import { registerLeaseActions } from '../../src/leases/actions.js';
import { createLogger, type Logger } from '../../src/logger.js';
import type { ModelArtsApi } from '../../src/modelarts/api.js';
import { ModelArtsClient, type ModelArtsClientAuth } from '../../src/modelarts/client.js';
import {
  createSimulator,
  SIMULATOR_AK,
  SIMULATOR_DEFAULT_FLAVOR,
  SIMULATOR_SK,
  type Simulator,
  type SimulatorOptions,
} from '../../src/simulator/index.js';
import { createSlackApp, type SlackApp } from '../../src/slack/app.js';
import { boltLogger } from '../../src/slack/logger-adapter.js';
import { FakeSlackApi, type RecordedCall } from '../../src/slack-stand-in/fake-slack-api.js';
import { SlackSender, type UserRef, type ViewPayload } from '../../src/slack-stand-in/slack-sender.js';
import { type NotebookRecord, NotebookStore } from '../../src/store/notebooks.js';
import { deletePrefix, newRedis, uniquePrefix } from './redis.js';

/**
 * The end-to-end access tests' world, every part real and wired the way the composition root
 * wires it (src/app/roles.ts): the simulator over HTTP, FakeSlackApi behind real Web API
 * clients, Redis under a unique prefix, the BullMQ producer (and, on demand, the real workers),
 * access control, approvals with their buttons, the lease buttons, and the Bolt app on its real
 * HTTP receiver, driven by signed requests.
 */

export const H = 3_600_000;
export const CHANNEL = 'C0ACCESS01';
export const OTHER_CHANNEL = 'C0ELSEWHR1';
export const APPROVALS_CHANNEL = 'C0APPROVE1';
export const ADMIN: UserRef = { id: 'U0ADMIN001', name: 'admin' };
export const ALICE: UserRef = { id: 'U0ALICE001', name: 'alice' };
export const BOB: UserRef = { id: 'U0BOB00001', name: 'bob' };
/** A member of the user group S0TEAM001 (see `membership`). */
export const CAROL: UserRef = { id: 'U0CAROL001', name: 'carol' };
/** A member of the channel C0MEMBERS1 (see `membership`). */
export const DAN: UserRef = { id: 'U0DAN00001', name: 'dan' };
/** On no list at all. */
export const MALLORY: UserRef = { id: 'U0MALLORY1', name: 'mallory' };
export const GPU_USER: UserRef = { id: 'U0GPUUSER1', name: 'gpu' };
export const TEAM_GROUP = 'S0TEAM001';
export const MEMBERS_CHANNEL = 'C0MEMBERS1';
export const V100 = 'modelarts.vm.gpu.v100';
export const CPU = SIMULATOR_DEFAULT_FLAVOR;

/** The mutating ModelArts calls: a refusal must cause none of them. */
export const MUTATING = ['create', 'start', 'stop', 'delete', 'renewLease', 'update'] as const;

export interface AccessHarnessOptions {
  /** Policy file object (snake_case). */
  policy: Record<string, unknown>;
  /** Every component logs here (default: silent, or TEST_LOG_LEVEL). */
  logger?: Logger;
  botToken?: string;
  signingSecret?: string;
  sim?: SimulatorOptions;
  /** Credentials of the ModelArts client (default: the simulator's AK/SK). */
  modelartsAuth?: ModelArtsClientAuth;
  /** Clock scale (simulated ms per real ms); default 300. */
  scale?: number;
}

export interface AccessHarness {
  clock: ScaledClock;
  sim: Simulator;
  slack: FakeSlackApi;
  redis: Redis;
  prefix: string;
  logger: Logger;
  modelarts: ModelArtsClient;
  /** ModelArts calls made by the web side (Bolt listeners, lease buttons), in order. */
  webModelArtsCalls: string[];
  queue: OperationQueueHandle;
  enqueued: Operation[];
  enqueueResults: EnqueueResult[];
  store: NotebookStore;
  access: AccessControlService;
  approvals: Approvals | undefined;
  app: SlackApp;
  sender: SlackSender;
  worker: OperationWorkerHandle | undefined;
  /** Starts the real workers (ops and Slack queues), with the audit and App Home hooks. */
  startWorker(): Promise<OperationWorkerHandle>;
  waitForJob(jobId: string, timeoutMs?: number): Promise<'completed' | 'failed'>;
  /** A slash command in `channelId` (default CHANNEL); asserts a fast 200. */
  command(text: string, user?: UserRef, channelId?: string): Promise<{ ack: string; responseUrl: string }>;
  /** The private answer posted on a command's response_url. */
  privateReply(responseUrl: string): Promise<string>;
  /** The newest ephemeral (chat.postEphemeral) or DM (chat.postMessage to D…) for `user`, as JSON text. */
  privateMessageTo(user: UserRef, predicate?: (text: string) => boolean): Promise<string>;
  /** Seeds notebooks in the simulator; with `owner` also records them as the bot would. */
  seed(
    prefix: string,
    options?: {
      status?: string;
      owner?: string;
      flavor?: string;
      leaseMs?: number;
      count?: number;
      threadTs?: string;
    },
  ): Promise<string[]>;
  /** The create modal, opened by `/notebook create` (waits for views.open). */
  openCreateModal(user?: UserRef, channelId?: string): Promise<ViewPayload>;
  /** Asserts that nothing was changed in ModelArts and nothing was queued. */
  expectNothingChanged(): void;
  /** Newest audit entries first. */
  audit(): Promise<StoredAuditEntry[]>;
  close(): Promise<void>;
}

export function textOf(c: RecordedCall): string {
  return JSON.stringify({ text: c.args['text'], blocks: c.args['blocks'] });
}

/** Polls until `predicate` is truthy (20 ms steps), or fails after `timeoutMs`. */
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

export async function startAccessHarness(options: AccessHarnessOptions): Promise<AccessHarness> {
  const botToken = options.botToken ?? 'xoxb-access-e2e-bot-token';
  const signingSecret = options.signingSecret ?? 'access-e2e-signing-secret-000001';
  const clock = new ScaledClock({ scale: options.scale ?? 300 });
  const sim = createSimulator({ clock, notFound: '404', ...options.sim });
  await sim.start();
  const slack = await new FakeSlackApi({ validTokens: [botToken] }).start();
  // Membership as Slack reports it: one user group, one channel.
  slack.on('usergroups.users.list', (args) =>
    args['usergroup'] === TEAM_GROUP ? { ok: true, users: [CAROL.id] } : { ok: true, users: [] },
  );
  slack.on('conversations.members', (args) =>
    args['channel'] === MEMBERS_CHANNEL
      ? { ok: true, members: [DAN.id], response_metadata: { next_cursor: '' } }
      : undefined,
  );
  const redis = newRedis();
  const prefix = uniquePrefix('acc');
  const logger = options.logger ?? createLogger({ level: process.env['TEST_LOG_LEVEL'] ?? 'silent' });
  const modelarts = new ModelArtsClient({
    endpoint: sim.url,
    projectId: sim.projectId,
    auth: options.modelartsAuth ?? { kind: 'aksk', ak: SIMULATOR_AK, sk: SIMULATOR_SK },
    clock,
    logger,
    timeoutMs: 5000,
    retryBaseMs: 50,
  });
  // The web side's ModelArts calls, recorded by a decorator over the real client (not a mock).
  const webModelArtsCalls: string[] = [];
  const webModelArts = new Proxy(modelarts, {
    get(target, prop, receiver) {
      const v = Reflect.get(target, prop, receiver) as unknown;
      if (typeof v !== 'function') return v;
      return (...args: unknown[]) => {
        webModelArtsCalls.push(String(prop));
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
  const policy = parsePolicyObject(options.policy, { source: '(e2e)' });
  // Web API clients log through the bot's logger too (its redaction covers their lines).
  const slackLog = boltLogger(logger);
  const web = new WebClient(botToken, { slackApiUrl: slack.apiUrl, retryConfig: { retries: 0 }, logger: slackLog });
  const access = createAccessControl({ policy, redis, prefix, slack: web, store, logger, clock });
  const approvals = policy.approvals
    ? createApprovals({ redis, prefix, client: web, access, queue: recordingQueue, logger, clock })
    : undefined;

  const app = createSlackApp({
    botToken,
    signingSecret,
    slackApiUrl: slack.apiUrl,
    port: 0,
    host: '127.0.0.1',
    modelarts: webModelArts,
    queue: recordingQueue,
    store,
    access,
    redis,
    prefix,
    clock,
    logger,
    defaults: { flavor: SIMULATOR_DEFAULT_FLAVOR, storageGb: 5, leaseHours: 1 },
    // As src/app/roles.ts wires it.
    ...(approvals
      ? {
          onApprovalRequired: async (req) => {
            await approvals.requestApproval({ op: req.operation, decision: { allowed: true, approval: req.approval } });
          },
        }
      : {}),
  });
  registerLeaseActions(app.app, {
    api: webModelArts,
    queue: recordingQueue,
    access,
    store,
    redis,
    prefix,
    clock,
    logger,
    ...(approvals ? { approvals } : {}),
  });
  if (approvals) registerApprovalActions(app.app, { approvals, access, logger });
  const { port } = await app.start();
  const sender = new SlackSender({
    url: `http://127.0.0.1:${port}/slack/events`,
    signingSecret,
    responseBaseUrl: slack.baseUrl,
  });

  const h: AccessHarness = {
    clock,
    sim,
    slack,
    redis,
    prefix,
    logger,
    modelarts,
    webModelArtsCalls,
    queue,
    enqueued,
    enqueueResults,
    store,
    access,
    approvals,
    app,
    sender,
    worker: undefined,

    async startWorker() {
      const worker = createOperationWorker({
        connection: redis,
        prefix,
        modelarts,
        slack: createWorkerSlackClient(botToken, { slackApiUrl: slack.apiUrl, logger: slackLog }),
        store,
        clock,
        logger,
        timing: { initialMs: 100, maxMs: 300, slowPollMs: 300, maxRetryDelayMs: 300 },
        slackMinUpdateIntervalMs: 250,
        slackWorker: { limiter: { max: 50, duration: 1000 } },
        audit: (entry) => access.audit(entry),
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

    async command(text, user = ALICE, channelId = CHANNEL) {
      const res = await sender.slashCommand({ user, channelId, text });
      expect(res.status).toBe(200);
      expect(res.elapsedMs).toBeLessThan(2500);
      const ack = res.json as { text?: string; blocks?: unknown } | undefined;
      return { ack: ack ? JSON.stringify(ack) : '', responseUrl: res.responseUrl };
    },

    async privateReply(responseUrl) {
      const path = new URL(responseUrl).pathname;
      const call = await slack.waitFor((calls) =>
        calls.find((c) => c.method === 'response_url' && c.args['response_path'] === path),
      );
      return textOf(call);
    },

    async privateMessageTo(user, predicate = () => true) {
      const call = await slack.waitFor((calls) =>
        [...calls]
          .reverse()
          .find(
            (c) =>
              ((c.method === 'chat.postEphemeral' && c.args['user'] === user.id) ||
                (c.method === 'chat.postMessage' &&
                  (c.args['channel'] === user.id || String(c.args['channel']) === `D${user.id.slice(1)}`))) &&
              predicate(textOf(c)),
          ),
      );
      return textOf(call);
    },

    async seed(namePrefix, o = {}) {
      const ids = sim.instances.seed({
        count: o.count ?? 1,
        status: o.status ?? 'RUNNING',
        namePrefix,
        ...(o.flavor ? { flavor: o.flavor } : {}),
        ...(o.leaseMs ? { lease: { duration: o.leaseMs } } : {}),
      });
      if (o.owner) {
        for (const [i, id] of ids.entries()) {
          const live = sim.instances.get(id)!;
          const record: NotebookRecord = {
            notebookId: id,
            name: `${namePrefix}-${i}`,
            ownerId: o.owner,
            channelId: CHANNEL,
            origin: 'created',
            createdAt: clock.now(),
            updatedAt: clock.now(),
            flavor: live.flavor,
            lastStatus: live.status,
            ...(o.threadTs ? { threadTs: o.threadTs } : {}),
          };
          await store.put(record);
        }
      }
      return ids;
    },

    async openCreateModal(user = ALICE, channelId = CHANNEL) {
      const before = slack.openedViews().length;
      await sender.slashCommand({ user, channelId, text: 'create' });
      await slack.waitFor(() => slack.openedViews().length > before);
      return slack.openedViews().at(-1) as unknown as ViewPayload;
    },

    expectNothingChanged() {
      for (const op of MUTATING) expect(sim.stats.calls[op], `ModelArts ${op} calls`).toBe(0);
      expect(enqueued, 'operations queued').toHaveLength(0);
    },

    audit() {
      return access.readAudit({ limit: 200 });
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
