import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { App, type CustomRoute, type Receiver } from '@slack/bolt';
import type { WebClient, WebClientOptions } from '@slack/web-api';
import type { Redis } from 'ioredis';
import type { AccessControl } from '../access/index.js';
import { INPUT_LIMITS } from '../access/index.js';
import { type Clock, systemClock } from '../clock.js';
import { ConfigError } from '../errors.js';
import type { Logger } from '../logger.js';
import type { CreateDefaults } from '../messages/index.js';
import type { ModelArtsApi } from '../modelarts/index.js';
import type { OnApprovalRequired, OperationQueue } from '../operations/index.js';
import { createSlackFetch, slackLogger } from '../operations/index.js';
import type { ScheduleService } from '../schedules/index.js';
import { type Catalog, type CatalogOptions, createCatalog } from './catalog.js';
import { DEFAULT_TIMING, type NotebookRecords, type SlackDeps, type SlackTiming } from './deps.js';
import { installErrorHandler } from './error-handler.js';
import { createPublishHome, type PublishHome } from './home.js';
import { createHttpReceiver, EVENTS_PATH } from './http-receiver.js';
import { register as registerActions } from './listeners/actions/index.js';
import { register as registerCommands } from './listeners/commands/index.js';
import { register as registerEvents } from './listeners/events/index.js';
import { register as registerOptions } from './listeners/options/index.js';
import { register as registerViews } from './listeners/views/index.js';
import {
  createSocketModeReceiver,
  type SocketModeConnection,
  type SocketModeSettings,
  type SocketModeStatus,
} from './socket-mode.js';

export interface CreateSlackAppOptions {
  /** Bot token (`xoxb-…`). */
  botToken: string;
  /** App-level token (`xapp-…`): given = Socket Mode, absent = HTTP mode. */
  appToken?: string | undefined;
  /** Required in HTTP mode: Bolt verifies every request's signature and timestamp with it. */
  signingSecret?: string | undefined;
  /** Web API base URL (GovSlack, or FakeSlackApi's `apiUrl` in tests), ending in `/api/`. */
  slackApiUrl?: string | undefined;
  /** Extra Web API client options (merged under the ones set here). */
  clientOptions?: WebClientOptions | undefined;
  /**
   * HTTP mode: the port of `/slack/events` and the custom routes (0 = any free port; see
   * `start()`'s result). Default 3000.
   */
  port?: number | undefined;
  /** Interface to listen on (HTTP mode). Default all. */
  host?: string | undefined;
  /**
   * HTTP mode: extra routes (/healthz, /readyz, /metrics) on the same server. Socket Mode has no
   * server: the caller serves them.
   */
  customRoutes?: CustomRoute[] | undefined;
  /** Socket Mode: connect deadline, retry pauses and ping timeouts (tests shorten them). */
  socketMode?: SocketModeSettings | undefined;
  /** Slash command name; default `/notebook`. */
  commandName?: string | undefined;

  modelarts: ModelArtsApi;
  queue: OperationQueue;
  store: NotebookRecords;
  access: AccessControl;
  /** Redis for the catalog cache and dedupe keys (ioredis). */
  redis: Redis;
  /** Key prefix, e.g. `{nbbot}`. */
  prefix: string;
  clock?: Clock | undefined;
  logger: Logger;
  /** Defaults of the create modal and of Start buttons. */
  defaults: CreateDefaults;
  /** Approval flow (src/access) for decisions that need an admin. TODO(access): provide it. */
  onApprovalRequired?: OnApprovalRequired | undefined;
  /** Catalog cache tuning (TTL, stale window, bounded wait), or a ready catalog. */
  catalog?: Partial<Pick<CatalogOptions, 'ttlMs' | 'maxStaleMs' | 'waitMs' | 'fetchTimeoutMs'>> | Catalog | undefined;
  /** Bounded waits; defaults suit Slack's 3 s. */
  timing?: Partial<SlackTiming> | undefined;
  /** Working-hours schedules: `/notebook schedule`, its form, the skip button, App Home's next start/stop. */
  schedules?: ScheduleService | undefined;
}

export interface SlackApp {
  app: App;
  /** Bot Web API client (also what the job pipeline may reuse). */
  client: WebClient;
  mode: 'socket' | 'http';
  /** Socket Mode: the connection's state (for `/readyz`); HTTP mode: undefined. */
  socketStatus(): SocketModeStatus | undefined;
  /** Re-renders a user's App Home (for the job pipeline's onNotebookChanged). Never throws. */
  publishHome: PublishHome;
  /**
   * Checks the bot token (`auth.test`), then starts receiving. HTTP mode resolves with the port
   * actually bound (useful with port 0). Socket Mode resolves once Slack said `hello`, and rejects
   * with a `SlackConnectionError` naming the cause when no connection opens in time.
   */
  start(): Promise<{ port?: number }>;
  stop(): Promise<void>;
}

function isCatalog(c: CreateSlackAppOptions['catalog']): c is Catalog {
  return typeof (c as Catalog | undefined)?.flavors === 'function';
}

/**
 * Builds the Bolt app in Socket Mode (app token given) or HTTP mode (signed requests on
 * `/slack/events`, plus `customRoutes` on the same server), with every listener registered.
 * Listeners ack first and do slow work after; ModelArts calls happen behind bounded waits or in
 * the job queue.
 */
export function createSlackApp(options: CreateSlackAppOptions): SlackApp {
  const logger = options.logger.child({ component: 'slack' });
  const mode = options.appToken ? 'socket' : 'http';
  if (mode === 'http' && !options.signingSecret) {
    throw new ConfigError('SLACK_SIGNING_SECRET is required in HTTP mode (or set SLACK_APP_TOKEN for Socket Mode)');
  }
  // From the root logger: the adapter sets `component` itself. The receiver gets its own, since
  // Socket Mode renames the logger it is given (`setName`).
  const log = slackLogger(options.logger, 'bolt');
  const port = options.port ?? 3000;
  const customRoutes = options.customRoutes ?? [];
  if (mode === 'socket' && customRoutes.length > 0) {
    throw new ConfigError('customRoutes need HTTP mode: in Socket Mode, serve them on a server of your own');
  }
  let socket: SocketModeConnection | undefined;
  let receiver: Receiver;
  if (mode === 'socket') {
    const built = createSocketModeReceiver({
      appToken: options.appToken!,
      slackApiUrl: options.slackApiUrl,
      logger: options.logger,
      settings: options.socketMode,
    });
    receiver = built.receiver;
    socket = built.connection;
  } else {
    receiver = createHttpReceiver({
      signingSecret: options.signingSecret!,
      customRoutes,
      port,
      bodyLimit: INPUT_LIMITS.payloadBytes,
      boltLogger: slackLogger(options.logger, 'bolt-receiver'),
      logger: options.logger,
    });
  }

  const app = new App({
    token: options.botToken,
    receiver,
    logger: log,
    extendedErrorHandler: true,
    // No Web API call at construction: auth.test runs in start(), where a bad token or an
    // unreachable Slack is a clear start-up error instead of an unhandled rejection.
    deferInitialization: true,
    // No listener keeps conversation state: skip the store's lookup on every request.
    convoStore: false,
    clientOptions: {
      // A listener must not sit in Web API retries for minutes: a few quick ones, then tell the user.
      retryConfig: { retries: 2, factor: 2, minTimeout: 250, maxTimeout: 1500 },
      timeout: 10_000,
      // undici's request instead of the WHATWG fetch: the same calls, far less garbage per call.
      fetch: createSlackFetch(),
      ...options.clientOptions,
      ...(options.slackApiUrl ? { slackApiUrl: options.slackApiUrl } : {}),
    },
  });

  const catalog = isCatalog(options.catalog)
    ? options.catalog
    : createCatalog({
        redis: options.redis,
        modelarts: options.modelarts,
        logger,
        prefix: options.prefix,
        ...options.catalog,
      });
  const base: Omit<SlackDeps, 'publishHome'> = {
    modelarts: options.modelarts,
    queue: options.queue,
    store: options.store,
    access: options.access,
    redis: options.redis,
    clock: options.clock ?? systemClock,
    logger,
    prefix: options.prefix,
    defaults: options.defaults,
    catalog,
    commandName: options.commandName ?? '/notebook',
    onApprovalRequired: options.onApprovalRequired,
    timing: { ...DEFAULT_TIMING, ...options.timing },
    ...(options.schedules ? { schedules: options.schedules } : {}),
  };
  const publishHome = createPublishHome(base, app.client);
  const deps: SlackDeps = { ...base, publishHome };

  registerCommands(app, deps);
  registerViews(app, deps);
  registerActions(app, deps);
  registerOptions(app, deps);
  registerEvents(app, deps);
  installErrorHandler(app, deps);

  return {
    app,
    client: app.client,
    mode,
    socketStatus: () => socket?.status(),
    publishHome,
    async start() {
      await app.init();
      if (socket) {
        // Not app.start(): the connection is the supervisor's (socket-mode.ts), retries included.
        await socket.open();
        logger.info({ mode }, 'Slack app connected (Socket Mode)');
        return {};
      }
      const server = (await app.start({ port, ...(options.host ? { host: options.host } : {}) })) as Server;
      const bound = (server.address() as AddressInfo | null)?.port ?? port;
      logger.info({ mode, port: bound }, `Slack app listening on ${EVENTS_PATH}`);
      return { port: bound };
    },
    async stop() {
      if (socket) await socket.close();
      else await app.stop();
    },
  };
}
