/**
 * The scripted demo (`npm start` without Slack credentials, or `npm run demo`): the real bot —
 * Bolt in HTTP mode on loopback, the BullMQ worker, the lease watcher — against the built-in
 * ModelArts simulator (fast clock) and FakeSlackApi standing in for Slack's Web API. A scripted
 * user sends signed requests like Slack does; the conversation is printed as it happens.
 */
import { randomBytes } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { type BotOptions, type RunningBot, startBot } from '../app/bot.js';
import { createCorrelation } from '../app/correlation.js';
import { createAppLogger } from '../app/logging.js';
import { connectRedis } from '../app/redis.js';
import { ScaledClock } from '../clock.js';
import { type Config, loadConfig } from '../config.js';
import type { LeaseNoticeEvent } from '../leases/index.js';
import { createLogger } from '../logger.js';
import { formatDuration } from '../messages/format.js';
import { LEASE_ACTION_IDS } from '../messages/index.js';
import type { Operation } from '../operations/index.js';
import { type LocalRedisHandle, startLocalRedis } from '../ops/local-redis.js';
import { portProblem } from '../ops/port-problem.js';
import { FakeSlackApi, type RecordedCall } from '../slack-stand-in/fake-slack-api.js';
import { SlackSender, type UserRef, type ViewPayload } from '../slack-stand-in/slack-sender.js';
import { buttonUrls, findButton, formValues } from './slack-user.js';
import { formatEntry, renderCall, type TranscriptNames } from './transcript.js';

/** Who and where, in the scripted conversation. */
export const DEMO_USER: UserRef = { id: 'U0ALICE01', name: 'alice' };
export const DEMO_CHANNEL = { id: 'C0MLTEAM01', name: 'ml-team' } as const;
export const DEMO_NOTEBOOK = 'demo-notebook';
/** Simulated time runs this much faster: a ~3.5 minute creation takes ~3.5 s. */
export const DEMO_TIME_SCALE = 60;
/** The demo's stand-in bot token. Not a secret, but shaped like one so redaction is exercised. */
const DEMO_BOT_TOKEN = 'xoxb-demo-not-a-real-token';

/** Settings the demo takes from the caller's environment; everything else is the demo's own. */
const KEPT_SETTINGS = [
  'REDIS_URL',
  'REDIS_SENTINELS',
  'REDIS_SENTINEL_NAME',
  'REDIS_SENTINEL_PASSWORD',
  'REDIS_PASSWORD',
  'LOG_PRETTY',
  'NODE_ENV',
] as const;

/** How the demo runs and where it prints. */
export interface DemoOptions {
  /** The caller's environment (Redis settings and LOG_LEVEL are honoured). Default `process.env`. */
  env?: NodeJS.ProcessEnv;
  /** Where the transcript goes. Default stdout. */
  out?: NodeJS.WritableStream;
  /** Where the bot's log lines go (JSON). Default stderr, level `warn` unless LOG_LEVEL says otherwise. */
  logDestination?: NodeJS.WritableStream;
  /** Keep the bot running after the script (on PORT, default 3000) until `signal` aborts. */
  keepRunning?: boolean;
  /** Ends a kept-running demo, or stops the script at its next step. */
  signal?: AbortSignal;
  /** Longest wait for each step. Default 30 s. */
  stepTimeoutMs?: number;
}

/** What the demo did (the test and `main` read it). */
export interface DemoResult {
  ok: boolean;
  /** Everything written to `out`. */
  transcript: string;
  /** The JupyterLab URL the bot posted. */
  notebookUrl: string | undefined;
  /** Whether the lease was extended after the warning. */
  extended: boolean;
  durationMs: number;
  /** Why it stopped early. */
  error?: string;
}

/** A step that did not happen in time: says which, so a failure is easy to read. */
class DemoStepError extends Error {
  override name = 'DemoStepError';
}

/**
 * Prints the conversation as it happens: polls the Web API stand-in's recorded calls and renders
 * each new one; narration (what the user does) is flushed in order with them.
 */
class TranscriptPrinter {
  private next = 0;
  private timer: NodeJS.Timeout | undefined;
  private text = '';

  constructor(
    private readonly slack: FakeSlackApi,
    private readonly names: TranscriptNames,
    private readonly out: NodeJS.WritableStream,
    private readonly startedAt: number,
  ) {}

  start(): void {
    this.timer = setInterval(() => this.flush(), 50);
  }

  stop(): void {
    clearInterval(this.timer);
    this.flush();
  }

  get output(): string {
    return this.text;
  }

  write(text: string): void {
    this.text += text;
    this.out.write(text);
  }

  /** A line of narration: what the user did, or a note about time. */
  note(text: string): void {
    this.flush();
    this.write(`${formatEntry({ heading: text, lines: [] }, performance.now() - this.startedAt)}\n`);
  }

  flush(): void {
    const calls: readonly RecordedCall[] = this.slack.calls;
    while (this.next < calls.length) {
      const call = calls[this.next++]!;
      const entry = renderCall(call, this.names);
      if (entry) this.write(`${formatEntry(entry, call.at - this.wallStart())}\n`);
    }
  }

  /** performance.now() and Date.now() differ by a constant: map recorded wall times onto our origin. */
  private wallStart(): number {
    return Date.now() - (performance.now() - this.startedAt);
  }
}

/** The environment the demo's bot runs with. */
export function demoEnvironment(
  base: NodeJS.ProcessEnv,
  slackApiUrl: string,
  signingSecret: string,
): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const name of KEPT_SETTINGS) if (base[name]) env[name] = base[name];
  return {
    ...env,
    LOG_LEVEL: base['LOG_LEVEL'] || 'warn',
    SLACK_BOT_TOKEN: DEMO_BOT_TOKEN,
    SLACK_SIGNING_SECRET: signingSecret,
    SLACK_API_URL: slackApiUrl,
    HOST: '127.0.0.1',
    PORT: '0',
    ROLES: 'web,worker,scheduler',
    // Its own keys: the demo must never share queues with a bot using the same Redis.
    QUEUE_PREFIX: `{nbbot-demo-${randomBytes(4).toString('hex')}}`,
    SIMULATOR_TIME_SCALE: String(DEMO_TIME_SCALE),
    POLL_INITIAL_MS: '250',
    POLL_MAX_MS: '500',
    SLACK_UPDATE_INTERVAL_MS: '500',
    LEASE_SCAN_CRON: '* * * * * *',
    LEASE_WARN_MINUTES: '30,5',
    DEFAULT_LEASE_HOURS: '1',
  };
}

function header(redis: string): string {
  return `
  Notebook bot — demo
  The real bot (Bolt app over signed HTTP, BullMQ worker, lease watcher) talks to the built-in
  ModelArts simulator (time x${DEMO_TIME_SCALE}) and to a stand-in for Slack's Web API; a scripted user plays
  @${DEMO_USER.name} in #${DEMO_CHANNEL.name}. Redis: ${redis}. Nothing leaves this machine.

`;
}

function footer(result: { notebookUrl: string | undefined; seconds: number }): string {
  return `
  ✓ Demo complete in ${result.seconds.toFixed(1)} s: created ${DEMO_NOTEBOOK} (JupyterLab: ${result.notebookUrl ?? '?'}),
    warned 30 minutes before its auto-stop, and extended its lease by 1 h from the warning's button.

  Next:
    • Try it in your Slack workspace: create an app from manifest.yml, set SLACK_BOT_TOKEN and
      SLACK_APP_TOKEN (Socket Mode) in .env, then npm start. Without Huawei credentials it keeps
      using the simulator, so your team can try the bot before wiring Huawei Cloud.
    • Check a configuration: npm run doctor
`;
}

/**
 * Runs the scripted conversation and returns what happened. Never throws for a failed step: the
 * result says which step failed (and the transcript shows how far it got).
 */
export async function runDemo(options: DemoOptions = {}): Promise<DemoResult> {
  const base = options.env ?? process.env;
  const out = options.out ?? process.stdout;
  const stepMs = options.stepTimeoutMs ?? 30_000;
  const startedAt = performance.now();
  const signingSecret = randomBytes(16).toString('hex');
  const names: TranscriptNames = {
    users: { [DEMO_USER.id]: DEMO_USER.name ?? 'alice' },
    channels: { [DEMO_CHANNEL.id]: DEMO_CHANNEL.name },
    bot: 'notebook-bot',
  };

  let localRedis: LocalRedisHandle | undefined;
  let bot: RunningBot | undefined;
  const slack = await new FakeSlackApi({ validTokens: [DEMO_BOT_TOKEN] }).start();
  const printer = new TranscriptPrinter(slack, names, out, startedAt);
  const result: DemoResult = { ok: false, transcript: '', notebookUrl: undefined, extended: false, durationMs: 0 };

  try {
    const env = demoEnvironment(base, slack.apiUrl, signingSecret);
    if (!env['REDIS_URL'] && !env['REDIS_SENTINELS']) {
      localRedis = await startLocalRedis();
      env['REDIS_URL'] = localRedis.url;
    }
    if (options.keepRunning) env['PORT'] = base['PORT'] || '3000';
    const config = loadConfig(env);
    const correlation = createCorrelation();
    const logger = createAppLogger(config, {
      correlation,
      destination: options.logDestination ?? process.stderr,
      base: { demo: true },
    });
    const notices: LeaseNoticeEvent[] = [];
    const botOptions: BotOptions = { logger, correlation, onLeaseNotice: (e) => notices.push(e) };

    printer.write(
      header(localRedis ? `a throwaway redis-server on port ${localRedis.port}` : 'your REDIS_URL (own key prefix)'),
    );
    bot = await startBot(config, botOptions);
    const clock = bot.clock;
    const sim = bot.modelarts.simulator;
    if (!(clock instanceof ScaledClock) || !sim) throw new Error('the demo needs the built-in simulator and its clock');
    printer.start();

    const sender = new SlackSender({
      url: `http://127.0.0.1:${bot.httpPort}/slack/events`,
      signingSecret,
      teamId: slack.teamId,
      responseBaseUrl: slack.baseUrl,
    });
    const step = <T>(what: string, check: () => Promise<T | undefined> | T | undefined) =>
      waitUntil(what, check, stepMs, options.signal);
    /** The operation of `kind` that `match`es has finished; throws when it failed. */
    const operationFinished = (kind: Operation['kind'], match: (op: Operation) => boolean) => async () => {
      const jobs = await bot!.queue.queue.getJobs(['completed', 'failed'], 0, 200);
      const job = jobs.find((j) => j.name === kind && match(j.data.op));
      if (!job) return undefined;
      if (job.failedReason) throw new DemoStepError(`the ${kind} operation failed: ${job.failedReason}`);
      return true;
    };

    // 1. The slash command opens the create modal.
    printer.note(`#${DEMO_CHANNEL.name}  @${DEMO_USER.name}: /notebook create ${DEMO_NOTEBOOK}`);
    const command = await sender.slashCommand({
      user: DEMO_USER,
      channelId: DEMO_CHANNEL.id,
      channelName: DEMO_CHANNEL.name,
      text: `create ${DEMO_NOTEBOOK}`,
    });
    expectAck(command.status, 'the slash command');
    const view = (await step('the create modal to open', () => slack.openedViews().at(-1))) as unknown as ViewPayload;

    // 2. The user accepts the defaults and presses Create.
    printer.note(`@${DEMO_USER.name} keeps the defaults and presses [Create]`);
    const submitted = await sender.viewSubmission({ user: DEMO_USER, view, values: formValues(view) });
    expectAck(submitted.status, 'the modal submission');
    const errors = (submitted.json as { response_action?: string; errors?: Record<string, string> } | undefined)
      ?.errors;
    if (errors) throw new DemoStepError(`the modal was refused: ${Object.values(errors).join('; ')}`);

    // 3. The worker creates the notebook; the status message follows it until it is ready.
    await step(
      'the notebook to be ready',
      operationFinished('create', (op) => op.kind === 'create' && op.request.name === DEMO_NOTEBOOK),
    );
    result.notebookUrl = await step('the Open JupyterLab button', () =>
      slack.calls
        .filter((c) => c.method === 'chat.update' || c.method === 'chat.postMessage')
        .flatMap((c) => buttonUrls(c.args['blocks']))
        .at(-1),
    );
    await quiet(slack);

    // 4. Time passes (simulated): the lease watcher warns 30 minutes before the auto-stop.
    const record = sim.instances.list().find((n) => n.name === DEMO_NOTEBOOK);
    if (!record?.lease) throw new DemoStepError('the simulator does not show the notebook and its lease');
    const lease = { createAt: record.lease.create_at, durationMs: record.lease.duration };
    const jumpMs = lease.createAt + lease.durationMs - 29 * 60_000 - clock.now();
    if (jumpMs > 0) clock.advance(jumpMs);
    printer.note(`⏩ ${formatDuration(jumpMs)} later (simulated time, shared by the bot and the simulator)`);
    const notice = await step('the lease warning', () => notices.find((n) => n.kind === 'single'));
    const warning = slack.message(notice.channelId, notice.messageTs);
    const extend = findButton(warning?.['blocks'], LEASE_ACTION_IDS.extend1h);
    if (!warning || !extend) throw new DemoStepError('the lease warning has no Extend +1 h button');

    // 5. The owner extends the lease from the warning.
    printer.note(`@${DEMO_USER.name} clicks [Extend +1 h]`);
    const click = await sender.interactive({
      type: 'block_actions',
      user: { id: DEMO_USER.id, username: DEMO_USER.name, name: DEMO_USER.name, team_id: slack.teamId },
      api_app_id: sender.apiAppId,
      token: 'verification-token-unused',
      team: { id: slack.teamId, domain: sender.teamDomain },
      trigger_id: sender.triggerId(),
      container: { type: 'message', message_ts: notice.messageTs, channel_id: notice.channelId, is_ephemeral: false },
      channel: { id: notice.channelId, name: names.channels[notice.channelId] ?? 'channel' },
      message: { ...warning, type: 'message', ts: notice.messageTs },
      response_url: sender.responseUrl(),
      actions: [
        {
          type: 'button',
          action_id: extend['action_id'],
          block_id: extend.block_id,
          value: extend['value'],
          text: extend['text'],
          action_ts: (Date.now() / 1000).toFixed(6),
        },
      ],
    });
    expectAck(click.status, 'the button click');
    await step(
      'the lease to be extended',
      operationFinished('extend', (op) => op.kind === 'extend' && op.notebookId === record.id),
    );
    result.extended = (sim.instances.get(record.id)?.lease?.duration ?? 0) > lease.durationMs;
    if (!result.extended) throw new DemoStepError('the extension finished but the lease did not change');
    await quiet(slack);
    printer.stop();

    result.ok = true;
    result.durationMs = performance.now() - startedAt;
    printer.write(footer({ notebookUrl: result.notebookUrl, seconds: result.durationMs / 1000 }));

    if (options.keepRunning) {
      printer.write(
        `\n  The bot keeps running: http://127.0.0.1:${bot.httpPort}/healthz, /readyz, /metrics; simulator at ${sim.url}; Ctrl-C stops.\n`,
      );
      await waitForAbort(options.signal);
    }
  } catch (err) {
    printer.stop();
    result.error =
      portProblem(err, 'npm start -- --keep-running') ?? (err instanceof Error ? err.message : String(err));
    printer.write(`\n  ✗ The demo stopped: ${result.error}\n`);
  } finally {
    await bot?.stop().catch(() => undefined);
    await slack.stop();
    if (localRedis) await localRedis.stop();
    else if (bot) await deleteDemoKeys(bot.config).catch(() => undefined);
  }
  result.durationMs = performance.now() - startedAt;
  result.transcript = printer.output;
  return result;
}

/** Removes the demo's keys from a Redis it shares with others (its prefix is its own). */
async function deleteDemoKeys(config: Config): Promise<void> {
  if (config.redis.kind === 'local') return;
  const redis = connectRedis(config.redis, {
    connectionName: 'demo-cleanup',
    maxRetriesPerRequest: 1,
    logger: createLogger({ level: 'silent' }),
  });
  try {
    const pattern = `${config.env.QUEUE_PREFIX.replace(/[*?[\]\\]/g, '\\$&')}*`;
    let cursor = '0';
    do {
      const [next, keys] = await redis.scan(cursor, 'MATCH', pattern, 'COUNT', 500);
      cursor = next;
      if (keys.length) await redis.del(...keys);
    } while (cursor !== '0');
  } finally {
    redis.disconnect();
  }
}

function expectAck(status: number, what: string): void {
  if (status !== 200) throw new DemoStepError(`${what} was answered with HTTP ${status}`);
}

async function waitUntil<T>(
  what: string,
  check: () => Promise<T | undefined> | T | undefined,
  timeoutMs: number,
  signal: AbortSignal | undefined,
): Promise<T> {
  const deadline = performance.now() + timeoutMs;
  for (;;) {
    // Ctrl-C during the script: stop here, and let the caller tear everything down.
    if (signal?.aborted) throw new DemoStepError(`interrupted while waiting for ${what}`);
    const value = await check();
    if (value !== undefined && value !== null && value !== false) return value;
    if (performance.now() > deadline)
      throw new DemoStepError(`timed out after ${timeoutMs / 1000} s waiting for ${what}`);
    await sleep(50);
  }
}

/** Waits until no Web API call arrived for `ms` (at most `maxMs`): lets trailing updates land. */
async function quiet(slack: FakeSlackApi, ms = 400, maxMs = 3000): Promise<void> {
  const deadline = performance.now() + maxMs;
  let count = slack.calls.length;
  let since = performance.now();
  while (performance.now() < deadline) {
    await sleep(50);
    if (slack.calls.length !== count) {
      count = slack.calls.length;
      since = performance.now();
    } else if (performance.now() - since >= ms) return;
  }
}

function waitForAbort(signal: AbortSignal | undefined): Promise<void> {
  if (!signal) return new Promise<void>(() => undefined);
  if (signal.aborted) return Promise.resolve();
  return new Promise<void>((resolve) => signal.addEventListener('abort', () => resolve(), { once: true }));
}
