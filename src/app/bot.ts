/**
 * The composition root: from a validated `Config` to a running bot, top-down:
 *
 *   1. shared services  Redis (URL, Sentinel, or a local redis-server), ModelArts (Huawei Cloud or
 *                       the simulator), clock, metrics, store, queue, access control, approvals
 *   2. roles            web (Bolt app), worker (BullMQ processors), scheduler (lease scan,
 *                       approvals expiry): any subset per process, any number of replicas of each
 *   3. ops HTTP         /healthz, /readyz, /metrics on Bolt's server (HTTP mode) or a small one;
 *                       in Socket Mode that one starts before the connection opens, so probes
 *                       answer while it does (/readyz 503 until Slack said hello)
 *
 * `stop()` undoes it in reverse: stop receiving, drain the workers, close every connection.
 */
import type { Redis } from 'ioredis';
import type { Clock } from '../clock.js';
import type { Config, Role } from '../config.js';
import type { OperationQueueHandle, OperationWorkerHandle } from '../jobs/index.js';
import type { LeaseNoticeEvent, LeaseWatcher } from '../leases/index.js';
import type { Logger } from '../logger.js';
import type { Metrics } from '../ops/metrics.js';
import type { SlackApp } from '../slack/index.js';
import type { SocketModeSettings } from '../slack/socket-mode.js';
import { type Correlation, createCorrelation } from './correlation.js';
import {
  createReadiness,
  modelartsCheck,
  opsRoutes,
  type ReadinessCheck,
  redisCheck,
  slackConnectionCheck,
} from './health.js';
import { createAppLogger } from './logging.js';
import type { ModelArtsConnection } from './modelarts.js';
import { type OpsServer, startOpsServer } from './ops-server.js';
import { prepareWebRole, startSchedulerRole, startWorkerRole } from './roles.js';
import { buildServices } from './services.js';
import { Teardown } from './teardown.js';

/** Knobs for embedding the bot (the demo, tests); production passes none. */
export interface BotOptions {
  logger?: Logger;
  correlation?: Correlation;
  /** Default: `clockFor(config)` (the system clock, or a ScaledClock against a simulator). */
  clock?: Clock;
  /** Also told about every lease notice sent (the demo follows the conversation with it). */
  onLeaseNotice?: (event: LeaseNoticeEvent) => void;
  /** How often the scheduler sweeps expired approvals (default 60 s). */
  approvalSweepMs?: number;
  /** Socket Mode: connect deadline (default 30 s), retry pauses, ping timeouts. */
  socketMode?: SocketModeSettings;
  /**
   * Told the port of `/healthz`, `/readyz` and `/metrics` as soon as it listens: in Socket Mode
   * before the connection to Slack opens (startBot has not returned yet).
   */
  onOpsListening?: (port: number) => void;
}

/** A started bot. */
export interface RunningBot {
  readonly config: Config;
  readonly roles: ReadonlySet<Role>;
  readonly logger: Logger;
  readonly clock: Clock;
  readonly metrics: Metrics;
  readonly modelarts: ModelArtsConnection;
  readonly redis: Redis;
  readonly queue: OperationQueueHandle;
  /** Port of `/slack/events` (HTTP mode) or of the ops server: `/healthz`, `/readyz`, `/metrics`. */
  readonly httpPort: number;
  readonly slackApp: SlackApp | undefined;
  readonly worker: OperationWorkerHandle | undefined;
  readonly leaseWatcher: LeaseWatcher | undefined;
  /** Stops receiving, drains the workers, closes every connection. Idempotent. */
  stop(): Promise<void>;
}

/**
 * Starts the roles of `config.roles` in this process. A failure on the way closes what was
 * already opened and rethrows.
 */
export async function startBot(config: Config, options: BotOptions = {}): Promise<RunningBot> {
  const correlation = options.correlation ?? createCorrelation();
  const logger = options.logger ?? createAppLogger(config, { correlation });
  const teardown = new Teardown(logger);
  let stopping = false;

  try {
    // 1. Shared services.
    const s = await buildServices(config, { logger, correlation, teardown, clock: options.clock });
    const socketMode = config.roles.has('web') && s.slack.mode === 'socket';
    let slackApp: SlackApp | undefined;
    const checks: ReadinessCheck[] = [
      {
        name: 'process',
        run: async () => {
          if (stopping) throw new Error('shutting down');
        },
      },
      redisCheck(s.redis),
      modelartsCheck(s.modelarts.client),
    ];
    if (socketMode) checks.push(slackConnectionCheck(() => slackApp?.socketStatus()));
    const readiness = createReadiness(checks);
    const routes = opsRoutes({
      readiness,
      metrics: s.metrics,
      onError: (err) => logger.error({ err }, 'ops route failed'),
    });
    const serveOps = async (): Promise<OpsServer> => {
      const ops = await startOpsServer({ port: config.env.PORT, host: config.env.HOST, routes, logger });
      teardown.add('ops server', () => ops.close());
      options.onOpsListening?.(ops.port);
      return ops;
    };

    // 2. Roles. Socket Mode: the ops server first, so probes answer while the connection opens.
    const web = config.roles.has('web')
      ? prepareWebRole(s, routes, options.socketMode ? { socketMode: options.socketMode } : {})
      : undefined;
    slackApp = web?.app;
    let ops = socketMode ? await serveOps() : undefined;
    const webPort = web ? (await web.start()).httpPort : undefined;
    const worker = config.roles.has('worker') ? await startWorkerRole(s) : undefined;
    const scheduler = config.roles.has('scheduler')
      ? startSchedulerRole(s, { onLeaseNotice: options.onLeaseNotice, approvalSweepMs: options.approvalSweepMs })
      : undefined;

    // 3. Ops HTTP, unless already up or Bolt's HTTP receiver serves it.
    let httpPort = webPort;
    if (httpPort === undefined) {
      ops ??= await serveOps();
      httpPort = ops.port;
    } else {
      options.onOpsListening?.(httpPort);
    }

    logger.info(
      { roles: [...config.roles], slack: s.slack.mode, httpPort, modelarts: s.modelarts.description },
      'notebook bot started',
    );
    let stopped: Promise<void> | undefined;
    return {
      config,
      roles: config.roles,
      logger,
      clock: s.clock,
      metrics: s.metrics,
      modelarts: s.modelarts,
      redis: s.redis,
      queue: s.queue,
      httpPort,
      slackApp: web?.app,
      worker,
      leaseWatcher: scheduler?.leaseWatcher,
      stop() {
        stopping = true;
        stopped ??= teardown.run().then(() => logger.info('notebook bot stopped'));
        return stopped;
      },
    };
  } catch (err) {
    stopping = true;
    await teardown.run();
    throw err;
  }
}
