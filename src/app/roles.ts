/**
 * The three roles a process may run, each built from the shared services:
 * - web: the Bolt app (Socket Mode or HTTP), with the lease and approval buttons;
 * - worker: the BullMQ processors of notebook operations and of Slack messages;
 * - scheduler: the lease scan (one scan per tick across replicas) and the approvals expiry sweep.
 */
import type { OperationWorkerHandle } from '../jobs/index.js';
import { createLeaseWatcher, type LeaseNoticeEvent, type LeaseWatcher, leaseWatchSettings } from '../leases/index.js';
import type { ApprovalRequest } from '../operations/index.js';
import { slackRequestKind } from '../ops/metrics.js';
import { createScheduleCron, createScheduleRunner, type ScheduleCron, ScheduleStore } from '../schedules/index.js';
import {
  createSlackApp,
  DEFAULT_TIMING,
  type HomeDeps,
  registerApprovalActions,
  registerLeaseActions,
  type SlackApp,
  type SlackMiddlewareArgs,
} from '../slack/index.js';
import type { SocketModeSettings } from '../slack/socket-mode.js';
import { NotebookStore } from '../store/notebooks.js';
import type { UsageDigest } from '../usage/index.js';
import { newRequestId } from './correlation.js';
import type { HttpRoute } from './health.js';
import { connectRedis } from './redis.js';
import { instrumentSlack, quitRedis, type Services } from './services.js';
import { startUsageDigest } from './usage-digest.js';
import { buildWorker } from './worker.js';

/** The slash command the manifest declares. */
const COMMAND_NAME = '/notebook';

/** A started web role. */
export interface WebRole {
  app: SlackApp;
  /** HTTP mode: the port of `/slack/events` and of the ops routes. */
  httpPort: number | undefined;
}

/** A web role built but not yet receiving: nothing has touched the network. */
export interface PreparedWebRole {
  app: SlackApp;
  /** Checks the bot token, then listens (HTTP mode) or connects (Socket Mode). */
  start(): Promise<WebRole>;
}

/**
 * Builds the Bolt app with every listener. In HTTP mode the ops routes are served by the same
 * server (Bolt's `customRoutes`); in Socket Mode the caller serves them on PORT, and starts that
 * server first, so health probes answer while the connection opens.
 */
export function prepareWebRole(
  s: Services,
  routes: readonly HttpRoute[],
  options: { socketMode?: SocketModeSettings | undefined } = {},
): PreparedWebRole {
  const { slack, approvals } = s;
  const env = s.config.env;
  const app = createSlackApp({
    botToken: slack.botToken,
    ...(slack.mode === 'socket' ? { appToken: slack.appToken } : {}),
    ...(slack.signingSecret ? { signingSecret: slack.signingSecret } : {}),
    ...(slack.apiUrl ? { slackApiUrl: slack.apiUrl } : {}),
    port: env.PORT,
    host: env.HOST,
    ...(slack.mode === 'http' ? { customRoutes: [...routes] } : {}),
    ...(options.socketMode ? { socketMode: options.socketMode } : {}),
    commandName: COMMAND_NAME,
    modelarts: s.modelarts.client,
    queue: s.queue,
    store: s.store,
    access: s.access,
    redis: s.redis,
    prefix: s.prefix,
    clock: s.clock,
    logger: s.logger,
    defaults: s.defaults,
    schedules: s.schedules,
    ...(approvals
      ? {
          onApprovalRequired: async (req) => {
            await approvals.requestApproval({ op: req.operation, decision: { allowed: true, approval: req.approval } });
          },
        }
      : {}),
  });
  app.app.use(requestMiddleware(s));
  registerLeaseActions(app.app, {
    api: s.modelarts.client,
    queue: s.queue,
    access: s.access,
    store: s.store,
    redis: s.redis,
    prefix: s.prefix,
    clock: s.clock,
    logger: s.logger,
    ...(approvals ? { approvals } : {}),
  });
  if (approvals) registerApprovalActions(app.app, { approvals, access: s.access, logger: s.logger });
  instrumentSlack(app.client, s.metrics);

  return {
    app,
    async start() {
      // A Socket Mode connection that cannot open closes itself before start() rejects.
      const started = await app.start();
      s.teardown.add('slack app', () => app.stop());
      return { app, httpPort: slack.mode === 'http' ? started.port : undefined };
    },
  };
}

/**
 * Starts the operation workers. They get their own Redis connection: BullMQ workers block on
 * Redis and must wait out a reconnect rather than fail (`maxRetriesPerRequest: null`).
 *
 * Slack: every call goes through the worker's Slack queue, paced per method (SLACK_*_PER_MINUTE),
 * urgent messages first. App Home: a change of a notebook with an owner asks for one refresh of
 * that owner's Home, coalesced (HOME_REFRESH_DELAY_MS) and rendered from the records the worker
 * just updated: no ModelArts call (the live lookups are for a person opening the tab).
 */
export async function startWorkerRole(s: Services): Promise<OperationWorkerHandle> {
  const redis = connectRedis(s.redisTarget, { connectionName: 'worker', maxRetriesPerRequest: null, logger: s.logger });
  s.teardown.add('worker redis', () => quitRedis(redis));
  // The worker's own commands go apart from BullMQ's connection (see buildWorker's `commands`).
  const commands = connectRedis(s.redisTarget, {
    connectionName: 'worker-commands',
    maxRetriesPerRequest: null,
    logger: s.logger,
  });
  s.teardown.add('worker commands redis', () => quitRedis(commands));
  const worker = buildWorker({
    connection: redis,
    commands,
    prefix: s.prefix,
    modelarts: s.modelarts.client,
    slack: { botToken: s.slack.botToken, apiUrl: s.slack.apiUrl },
    store: new NotebookStore({ redis: commands, prefix: s.prefix }),
    clock: s.clock,
    logger: s.logger,
    env: s.config.env,
    metrics: s.metrics,
    audit: (entry) => s.access.audit(entry),
    home: homeDeps(s),
  });
  // Graceful: no new jobs, the active steps finish (polls are delayed jobs, not held workers).
  s.teardown.add('worker', () => worker.close());
  await worker.waitUntilReady();
  s.logger.info('worker started');
  return worker;
}

/** A started scheduler role. */
export interface SchedulerRole {
  leaseWatcher: LeaseWatcher;
  /** Working-hours schedules' tick. */
  scheduleCron: ScheduleCron;
  /** The weekly usage digest, when the policy names its channel (`costs.digest`). */
  usageDigest?: UsageDigest;
}

/**
 * Starts the lease scan on LEASE_SCAN_CRON (every replica may: each tick runs in one of them)
 * and, when approvals are configured, the sweep that expires unanswered requests.
 */
export function startSchedulerRole(
  s: Services,
  options: {
    onLeaseNotice?: ((event: LeaseNoticeEvent) => void) | undefined;
    approvalSweepMs?: number | undefined;
  } = {},
): SchedulerRole {
  const env = s.config.env;
  const leaseWatcher = createLeaseWatcher({
    api: s.modelarts.client,
    store: s.store,
    redis: s.redis,
    prefix: s.prefix,
    clock: s.clock,
    logger: s.logger,
    // 429s surface at once (and are counted); the notice stays due for the next scan.
    slack: s.webClient({ rejectRateLimitedCalls: true, retryConfig: { retries: 1 } }),
    identities: s.access.identities,
    usage: s.access.usage,
    ...leaseWatchSettings(env),
    scheduledStop: (id, end) => s.schedules.scheduledStop(id, end),
    onWarningSent: (event) => {
      s.metrics.onLeaseWarning(event.threshold, event.kind);
      options.onLeaseNotice?.(event);
    },
  });
  leaseWatcher.start();
  s.teardown.add('lease watcher', () => leaseWatcher.stop());
  const scheduleCron = startScheduleTicks(s);

  const approvals = s.approvals;
  if (approvals) {
    const everyMs = options.approvalSweepMs ?? 60_000;
    let running: Promise<void> | undefined;
    const timer = setInterval(() => {
      running ??= approvals
        .expireApprovals()
        .then((n) => {
          if (n > 0) s.logger.info({ expired: n }, 'approval requests expired');
        })
        .catch((err: unknown) => s.logger.warn({ err }, 'approvals expiry sweep failed'))
        .finally(() => {
          running = undefined;
        });
    }, everyMs);
    timer.unref();
    s.teardown.add('approvals sweep', async () => {
      clearInterval(timer);
      await running;
    });
  }
  const usageDigest = startUsageDigest(s);
  s.logger.info(
    { cron: env.LEASE_SCAN_CRON, warnMinutes: env.LEASE_WARN_MINUTES, approvalsSweep: Boolean(approvals) },
    'scheduler started',
  );
  return { leaseWatcher, scheduleCron, ...(usageDigest ? { usageDigest } : {}) };
}

/**
 * Working-hours schedules: a tick every minute (once per tick across replicas) starts notebooks
 * at their opening and stops late-started ones at their closing, through the one queue path.
 */
function startScheduleTicks(s: Services): ScheduleCron {
  const store = new ScheduleStore({ redis: s.redis, prefix: s.prefix });
  const runner = createScheduleRunner({
    api: s.modelarts.client,
    schedules: store,
    queue: s.queue,
    access: s.access,
    redis: s.redis,
    prefix: s.prefix,
    slack: s.webClient({ retryConfig: { retries: 2, factor: 2, minTimeout: 250, maxTimeout: 1500 } }),
    clock: s.clock,
    logger: s.logger,
    ...(s.approvals
      ? {
          onApprovalRequired: async (req: ApprovalRequest) => {
            await s.approvals?.requestApproval({
              op: req.operation,
              decision: { allowed: true, approval: req.approval },
            });
          },
        }
      : {}),
  });
  const scheduleCron = createScheduleCron({
    store,
    log: s.logger.child({ component: 'schedules' }),
    run: () => runner.runOnce(),
  });
  scheduleCron.start();
  s.teardown.add('schedule ticks', () => scheduleCron.stop());
  return scheduleCron;
}

/**
 * Global Bolt middleware: gives each Slack request a `requestId` (in every log line written while
 * handling it, however deep), counts it by kind and outcome, and counts the 429s of the
 * per-request Web API client Bolt hands to listeners.
 */
function requestMiddleware(s: Services) {
  return async (args: SlackMiddlewareArgs): Promise<void> => {
    const kind = slackRequestKind(args.body as unknown as Record<string, unknown>, COMMAND_NAME);
    const requestId = newRequestId();
    instrumentSlack(args.client, s.metrics);
    args.context['requestId'] = requestId;
    await s.correlation.run({ requestId }, async () => {
      const started = performance.now();
      try {
        await args.next();
        s.metrics.onCommand(kind, 'ok');
        s.logger.debug({ kind, ms: Math.round(performance.now() - started) }, 'slack request handled');
      } catch (err) {
        s.metrics.onCommand(kind, 'error');
        throw err;
      }
    });
  };
}

/** What App Home rendering needs, from the shared services (the worker renders from records). */
function homeDeps(s: Services): HomeDeps {
  return {
    modelarts: s.modelarts.client,
    store: s.store,
    clock: s.clock,
    logger: s.logger.child({ component: 'slack-home' }),
    defaults: s.defaults,
    commandName: COMMAND_NAME,
    timing: DEFAULT_TIMING,
    schedules: s.schedules,
    // Running time and cost so far on each running notebook (usage accounting, no ModelArts call).
    usage: s.access.usage,
    // The buttons the policy would refuse are left out, whichever process renders the tab.
    access: s.access,
  };
}
