import type { AddressInfo } from 'node:net';
import { createServer } from 'node:net';
import { Redis } from 'ioredis';
import { type BotOptions, type RunningBot, startBot } from '../../src/app/bot.js';
import { ScaledClock } from '../../src/clock.js';
import { loadConfig } from '../../src/config.js';
import type { Logger } from '../../src/logger.js';
import { createSimulator, type Simulator } from '../../src/simulator/index.js';
import { FakeSlackApi } from '../../src/slack-stand-in/fake-slack-api.js';
import { FakeSocketModeServer } from '../../src/slack-stand-in/fake-socket-mode.js';
import { captureLogs } from './log-capture.js';
import { deletePrefix, redisUrl, uniquePrefix } from './redis.js';

export const SOCKET_BOT_TOKEN = 'xoxb-socket-mode-test-bot-0001';
export const SOCKET_APP_TOKEN = 'xapp-1-fake-socket-mode-test-app-token';

/**
 * Slack for a bot in Socket Mode, all on loopback: FakeSlackApi (the Web API, at a non-default
 * SLACK_API_URL, knowing the bot and the app-level token apart like Slack does) answering
 * `apps.connections.open` with URLs of a FakeSocketModeServer; a simulator for ModelArts.
 */
export interface SocketWorld {
  slack: FakeSlackApi;
  socket: FakeSocketModeServer;
  sim: Simulator;
  prefix: string;
  /** The environment production reads, pointing at all of the above (ROLES=web, PORT=0). */
  env: NodeJS.ProcessEnv;
  /** Every log line of the bots started here, parsed. */
  lines: Array<Record<string, unknown>>;
  logger: Logger;
  /** startBot(loadConfig(env + overrides)): the composition production runs. */
  startBot(overrides?: NodeJS.ProcessEnv, options?: BotOptions): Promise<RunningBot>;
  close(): Promise<void>;
}

/** Fast Socket Mode retries for tests; a deadline a busy machine keeps when the connection works. */
export const FAST_SOCKET_MODE = { connectTimeoutMs: 15_000, retryDelayMs: 50, maxRetryDelayMs: 200 } as const;

export async function startSocketWorld(): Promise<SocketWorld> {
  const slack = await new FakeSlackApi({ validTokens: [SOCKET_BOT_TOKEN], appTokens: [SOCKET_APP_TOKEN] }).start();
  const socket = (await new FakeSocketModeServer().start()).attach(slack);
  const sim = createSimulator({ clock: new ScaledClock({ scale: 1 }), lockout: false });
  await sim.start();
  const prefix = uniquePrefix('sock');
  const env: NodeJS.ProcessEnv = {
    ENV_FILE: '',
    REDIS_URL: redisUrl(),
    QUEUE_PREFIX: prefix,
    MODELARTS_ENDPOINT: sim.url,
    SLACK_BOT_TOKEN: SOCKET_BOT_TOKEN,
    SLACK_APP_TOKEN: SOCKET_APP_TOKEN,
    SLACK_API_URL: slack.apiUrl,
    PORT: '0',
    HOST: '127.0.0.1',
    ROLES: 'web',
  };
  const { logger, lines } = captureLogs('info');
  const bots: RunningBot[] = [];
  return {
    slack,
    socket,
    sim,
    prefix,
    env,
    lines,
    logger,
    async startBot(overrides = {}, options = {}) {
      const config = loadConfig({ ...env, ...overrides });
      const bot = await startBot(config, { logger, socketMode: FAST_SOCKET_MODE, ...options });
      bots.push(bot);
      return bot;
    },
    async close() {
      for (const bot of bots) await bot.stop();
      const redis = new Redis(redisUrl());
      await deletePrefix(redis, prefix);
      await redis.quit();
      await socket.stop();
      await slack.stop();
      await sim.stop();
    },
  };
}

/** GET on the ops server: status and JSON body. */
export async function probe(port: number, path: string): Promise<{ status: number; body: Record<string, unknown> }> {
  const res = await fetch(`http://127.0.0.1:${port}${path}`);
  const text = await res.text();
  return { status: res.status, body: text ? (JSON.parse(text) as Record<string, unknown>) : {} };
}

/** A loopback port nothing listens on (bound, then released): connections to it are refused. */
export async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}
