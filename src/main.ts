/**
 * Entry point: `node dist/main.js [run|demo|doctor] [--roles web,worker,scheduler] [--keep-running]`.
 *
 * - `run` (default): with Slack credentials, the bot's roles (ROLES, default all three); without
 *   them, the scripted demo, so `npm start` shows the product working on a fresh clone.
 * - `demo`: the scripted demo whatever is configured (never touches Slack or Huawei Cloud).
 * - `doctor`: checks configuration, Redis, Slack, ModelArts and the manifest; exit 1 on any failure.
 *
 * SIGTERM/SIGINT stop the bot gracefully (stop receiving, drain workers, close connections)
 * and exit 0.
 */
import { existsSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { ErrorCode } from '@slack/web-api';
import { startBot } from './app/bot.js';
import { createCorrelation } from './app/correlation.js';
import { createAppLogger } from './app/logging.js';
import { stopSignals } from './app/stop-signals.js';
import { loadConfig } from './config.js';
import { runDemo } from './demo/run-demo.js';
import { runDoctor } from './doctor/run-doctor.js';
import { ConfigError } from './errors.js';
import { redactSecrets } from './logger.js';
import { slackErrorCode } from './messages/slack-errors.js';
import { RedisServerMissingError } from './ops/local-redis.js';
import { portProblem } from './ops/port-problem.js';
import { SlackConnectionError } from './slack/socket-mode.js';

const USAGE = `Usage: node dist/main.js [run|demo|doctor] [options]   (npm start / npm run demo / npm run doctor)

  run       Run the bot (default). Without Slack credentials it plays the scripted demo.
  demo      Play the scripted demo: the real bot against the simulator and a Slack stand-in.
  doctor    Check the configuration, Redis, the Slack token, ModelArts credentials and manifest.yml.

Options:
  --roles LIST     Roles of this process: web, worker, scheduler (comma-separated; sets ROLES).
  --keep-running   Demo: keep the bot running after the script (Ctrl-C stops).
  -h, --help       This help.

Settings come from the environment and from .env in the working directory (the environment
wins; ENV_FILE names another file, ENV_FILE= reads none); see README.md.`;

/** Longest graceful shutdown before the process gives up waiting and exits anyway. */
const SHUTDOWN_DEADLINE_MS = 25_000;

async function main(): Promise<number> {
  const { values, positionals } = parseArgs({
    allowPositionals: true,
    options: {
      roles: { type: 'string' },
      'keep-running': { type: 'boolean' },
      help: { type: 'boolean', short: 'h' },
    },
  });
  if (values.help) {
    process.stdout.write(`${USAGE}\n`);
    return 0;
  }
  const command = positionals[0] ?? 'run';
  loadEnvFile(process.env['ENV_FILE'] ?? '.env');
  if (values.roles !== undefined) process.env['ROLES'] = values.roles;

  switch (command) {
    case 'doctor':
      return runDoctor({ env: process.env, out: process.stdout });
    case 'demo':
      return demo(values['keep-running'] === true);
    case 'run':
      return run(values['keep-running'] === true);
    default:
      process.stderr.write(`Unknown command "${command}".\n\n${USAGE}\n`);
      return 2;
  }
}

/**
 * Reads settings from a dotenv file (default `.env` in the working directory) when it exists, so
 * `npm start` sees what `docker compose` sees. Variables already in the environment win.
 * `ENV_FILE=` (empty) reads none.
 */
function loadEnvFile(path: string): void {
  if (!path || !existsSync(path)) return;
  if (typeof process.loadEnvFile !== 'function') {
    process.stderr.write(`notebook-bot: ${path} not read: Node ${process.versions.node} cannot (needs 20.12+)\n`);
    return;
  }
  process.loadEnvFile(path);
}

async function run(keepRunning: boolean): Promise<number> {
  const config = loadConfig(process.env);
  if (config.slack.mode === 'none') {
    if (config.roles.size < 3) {
      throw new ConfigError(
        `Slack credentials are required to run the ${[...config.roles].join(', ')} role${config.roles.size === 1 ? '' : 's'}: set SLACK_BOT_TOKEN with SLACK_APP_TOKEN (Socket Mode) or SLACK_SIGNING_SECRET (HTTP mode). Without them and without ROLES, npm start plays the demo.`,
      );
    }
    if (config.modelarts.auth.kind !== 'simulator') {
      process.stdout.write(
        '\n  Huawei credentials are set but Slack credentials are not: playing the demo against the simulator\n  (nothing is created in your Huawei Cloud account). Check the credentials with: npm run doctor\n',
      );
    }
    return demo(keepRunning);
  }

  const correlation = createCorrelation();
  const logger = createAppLogger(config, { correlation, base: { roles: [...config.roles].join(',') } });
  // A stray rejection is logged, not fatal: one bad request must not take the process down.
  // An uncaught exception leaves state unknown: log it and exit, the supervisor restarts us.
  process.on('unhandledRejection', (reason) => logger.error({ err: reason }, 'unhandled promise rejection'));
  process.on('uncaughtException', (err) => {
    logger.fatal({ err }, 'uncaught exception; exiting');
    logger.flush?.();
    process.exit(1);
  });
  // Listen before starting: a SIGTERM during startup then stops the bot as soon as it is up.
  const signalled = stopSignals({
    first: (signal) => logger.info({ signal }, 'stopping'),
    again: (signal) => logger.info({ signal }, 'already stopping: waiting for the shutdown to finish'),
  });
  const bot = await startBot(config, { logger, correlation });
  await signalled.received;
  const done = await withDeadline(bot.stop(), SHUTDOWN_DEADLINE_MS);
  if (!done) logger.error({ deadlineMs: SHUTDOWN_DEADLINE_MS }, 'graceful shutdown took too long; exiting anyway');
  logger.flush?.();
  return done ? 0 : 1;
}

async function demo(keepRunning: boolean): Promise<number> {
  const abort = new AbortController();
  const signals = stopSignals({ first: () => abort.abort() });
  try {
    const result = await runDemo({ env: process.env, keepRunning, signal: abort.signal });
    return result.ok ? 0 : 1;
  } finally {
    signals.dispose();
  }
}

async function withDeadline(work: Promise<void>, ms: number): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<false>((resolve) => {
    timer = setTimeout(() => resolve(false), ms);
  });
  const finished = await Promise.race([work.then(() => true as const), deadline]);
  clearTimeout(timer);
  return finished;
}

/** Errors a person can act on are printed as they are; anything else with its stack. */
function explain(err: unknown): string {
  if (err instanceof ConfigError || err instanceof RedisServerMissingError || err instanceof SlackConnectionError) {
    return err.message;
  }
  const port = portProblem(err);
  if (port) return port;
  const slackCode = (err as { code?: unknown } | undefined)?.code;
  if (slackCode === ErrorCode.RequestError) {
    return `could not reach Slack's Web API (${(err as Error).message}): check the network, a proxy, or SLACK_API_URL. npm run doctor checks the connection.`;
  }
  if (slackCode === ErrorCode.PlatformError) {
    return `Slack refused the bot at start (${slackErrorCode(err)}): npm run doctor says what to fix.`;
  }
  if (err instanceof Error) return err.stack ?? err.message;
  return String(err);
}

main().then(
  (code) => {
    process.exitCode = code;
    // Let stdout drain; anything still holding the loop open after that is a leak, not work.
    setTimeout(() => process.exit(code), 200).unref();
  },
  (err: unknown) => {
    process.stderr.write(`\nnotebook-bot: ${redactSecrets(explain(err))}\n`);
    process.exit(1);
  },
);
