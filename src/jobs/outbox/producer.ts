import { createHash } from 'node:crypto';
import type { KnownBlock } from '@slack/types';
import { type WebClient, WebClient as WebClientImpl, type WebClientOptions } from '@slack/web-api';
import { DelayedError, type Job, Queue, Worker } from 'bullmq';
import type { Redis } from 'ioredis';
import type { Env } from '../config.js';
import type { Logger } from '../logger.js';
import type { RenderedMessage } from '../messages/index.js';
import { decodeSlackError, type SlackFailure } from '../messages/index.js';
import { slackLogger } from '../operations/index.js';
import { transientRetryDelay } from './polling.js';

/** Name of the queue that carries every Slack Web API call a worker makes. */
export const SLACK_QUEUE = 'slack';

/**
 * Order on the Slack queue (BullMQ `priority`: lower first). What a person is waiting for (the
 * ready or failed state of a status message, a thread reply) runs before coalesced progress,
 * which runs before App Home refreshes.
 */
export const SLACK_PRIORITY = { urgent: 1, progress: 5, home: 10 } as const;

/** A sustained rate with a burst allowance (a token bucket: `burst` calls at once, then `perMinute`). */
export interface SlackRate {
  perMinute: number;
  burst: number;
}

/**
 * How fast the Slack queue may call each Web API method, per workspace, shared by every worker
 * process (the budgets live in Redis). Slack's own limits are per method: `chat.update` is Tier 3
 * (~50 a minute, short bursts tolerated), `views.publish` Tier 4 (~100 a minute),
 * `chat.postMessage` about one message a second per channel with bursts. Pacing below them keeps
 * 429s rare; a 429 still pauses the queue for its Retry-After. `false` leaves a method unpaced.
 */
export interface SlackPacing {
  /** `chat.update` of status messages, all messages together. */
  update: SlackRate | false;
  /** `chat.postMessage` of thread replies, per channel. */
  postPerChannel: SlackRate | false;
  /** `views.publish` of App Home refreshes. */
  publish: SlackRate | false;
}

export const DEFAULT_SLACK_PACING: Readonly<SlackPacing> = {
  update: { perMinute: 50, burst: 10 },
  postPerChannel: { perMinute: 60, burst: 3 },
  publish: { perMinute: 100, burst: 20 },
};

/** Pacing from the validated environment (`loadConfig().env`); bursts keep their defaults. */
export function slackPacingFromEnv(
  env: Pick<Env, 'SLACK_UPDATES_PER_MINUTE' | 'SLACK_POSTS_PER_CHANNEL_PER_MINUTE' | 'SLACK_HOME_PUBLISHES_PER_MINUTE'>,
): SlackPacing {
  const rate = (base: SlackRate | false, perMinute: number): SlackRate => ({
    perMinute,
    burst: base ? base.burst : 1,
  });
  return {
    update: rate(DEFAULT_SLACK_PACING.update, env.SLACK_UPDATES_PER_MINUTE),
    postPerChannel: rate(DEFAULT_SLACK_PACING.postPerChannel, env.SLACK_POSTS_PER_CHANNEL_PER_MINUTE),
    publish: rate(DEFAULT_SLACK_PACING.publish, env.SLACK_HOME_PUBLISHES_PER_MINUTE),
  };
}

/** A message the worker keeps up to date (the status message of one operation). */
export interface StatusMessageTarget {
  channel: string;
  ts: string;
  /**
   * Who the message is for (the requester): when its channel is gone, an outcome (ready, failed)
   * reaches them as a direct message instead.
   */
  userId?: string;
}

/** Where a posted message landed. */
export interface PostedMessage {
  channel: string;
  ts: string;
}

/** A one-shot message (a thread reply). */
export interface OneShotMessage {
  channel: string;
  text: string;
  threadTs?: string;
  blocks?: KnownBlock[];
}

export interface SlackNotifierOptions {
  /** ioredis connection (BullMQ needs `maxRetriesPerRequest: null`); the caller closes it. */
  connection: Redis;
  /** Key and queue prefix, e.g. `{nbbot}`. */
  prefix: string;
  /** Bot-token client; build it with `createWorkerSlackClient` (rejects rate-limited calls). */
  slack: WebClient;
  logger: Logger;
  /**
   * Least time between two `chat.update` of the same message, unless the update is urgent
   * (ready, failed). Slack allows ~50 chat.update per minute per workspace across all messages:
   * a few per message per minute keeps many concurrent operations under it. Default 15 s.
   */
  minUpdateIntervalMs?: number;
  /** How long message state and posted markers live in Redis. Default 7 days. */
  stateTtlMs?: number;
  /**
   * Re-renders one user's App Home (views.publish), run by the Slack queue for
   * `requestHomeRefresh`. Slack errors it throws are handled like any Slack call's (a 429 pauses
   * the queue, a 5xx is retried later).
   */
  refreshHome?: ((userId: string) => Promise<void>) | undefined;
  /**
   * How long a home refresh waits for more changes of the same user's notebooks: every change in
   * that window ends in the one refresh. Default 2 s.
   */
  homeRefreshDelayMs?: number | undefined;
}

export interface SlackWorkerOptions {
  /** Slack jobs at once in this process. Most wait on Slack's answer or park for a budget. Default 16. */
  concurrency?: number;
  /**
   * A plain queue-wide limit (BullMQ's: at most `max` jobs per `duration` ms, all methods
   * together) used INSTEAD of the per-method pacing, unless `pacing` is given too: for tests and
   * benchmarks that want a simple, predictable cap. Default: none.
   */
  limiter?: { max: number; duration: number };
  /**
   * Per-method budgets (see SlackPacing). Default DEFAULT_SLACK_PACING, or none when `limiter`
   * is given; `false` turns pacing off.
   */
  pacing?: Partial<SlackPacing> | false;
  lockDuration?: number;
  stalledInterval?: number;
  maxStalledCount?: number;
  /**
   * How long one message keeps being retried through transient Slack failures (5xx,
   * `internal_error`, network) before it is given up. Default 24 h: a Slack outage delays a
   * message, it does not lose it; past a day the message would only be noise.
   */
  giveUpAfterMs?: number;
}

/** Longest backoff between two tries of a message through transient Slack failures. */
export const SLACK_MAX_RETRY_DELAY_MS = 60_000;

/** Consecutive transient failures of a Slack job, and since when (epoch ms): the retry budget. */
interface Failures {
  failures?: number;
  failingSince?: number;
}

interface RenderJobData extends Failures {
  /** Message key (the operation's job id). */
  key: string;
  /** Ownership generation this job serves (see PUBLISH_LUA). */
  owner: string;
}

interface PostJobData extends OneShotMessage, Failures {
  key: string;
  /** A reserved send time in the channel's budget (epoch ms): at or after it, send without asking again. */
  slotAt?: number;
}

interface HomeJobData extends Failures {
  userId: string;
}

type SlackJobData = RenderJobData | PostJobData | HomeJobData;
type SlackJobName = 'render' | 'post' | 'home';
type SlackJob = Job<SlackJobData, void, SlackJobName>;
/** The Slack queue's worker. */
export type SlackWorker = Worker<SlackJobData, void, SlackJobName>;

/** A budget in the form the scripts take: least ms between calls, and how far ahead a burst may go. */
interface Budget {
  intervalMs: number;
  toleranceMs: number;
}

function budgetOf(rate: SlackRate | false | undefined): Budget | undefined {
  if (!rate || !(rate.perMinute > 0)) return undefined;
  const intervalMs = Math.max(1, Math.ceil(60_000 / rate.perMinute));
  return { intervalMs, toleranceMs: Math.max(0, Math.floor(rate.burst) - 1) * intervalMs };
}

/** Resolved pacing of one worker. */
interface Pacing {
  update?: Budget | undefined;
  post?: Budget | undefined;
  publish?: Budget | undefined;
}

/** A digest of a rendered message: equal digests, equal messages (what the notifier compares). */
export function messageDigest(message: RenderedMessage): string {
  return createHash('sha1')
    .update(message.text)
    .update('\u0000')
    .update(JSON.stringify(message.blocks))
    .digest('base64');
}

/** Up to 20 % more, so jobs parked together do not all wake together. */
function jitter(ms: number): number {
  return Math.round(ms * (1 + Math.random() * 0.2));
}

const DAY_MS = 86_400_000;

/**
 * Records the latest desired state of a message and makes sure exactly one render job owns it.
 * The owner generation only changes when a job releases the message with nothing left to send
 * (TAKE_LUA), so there is never more than one job sending a given message (no out-of-order
 * updates), and a state written while a job is busy is never lost (the job sees `dirty`).
 * When no job owns the message and the state is what Slack already shows (`sentHash`), nothing
 * is recorded and nothing needs enqueueing: returns ''.
 * A message that `moved` (the original could not be edited, so an outcome was posted as a new
 * message) keeps the new channel and ts: later states edit the new one.
 * KEYS[1] message hash. ARGV: channel, ts, text, blocks JSON, urgent (0/1), ttl ms, digest,
 * user to direct-message when the channel is gone ('' for none).
 * Returns the owner generation to enqueue (a no-op add when that job already exists), or ''.
 */
const PUBLISH_LUA = `
local owner = redis.call('HGET', KEYS[1], 'owner')
if (not owner) and redis.call('HGET', KEYS[1], 'sentHash') == ARGV[7] then
  redis.call('PEXPIRE', KEYS[1], ARGV[6])
  return ''
end
redis.call('HINCRBY', KEYS[1], 'version', 1)
redis.call('HSET', KEYS[1], 'text', ARGV[3], 'blocks', ARGV[4], 'hash', ARGV[7], 'dirty', '1')
if redis.call('HGET', KEYS[1], 'moved') ~= '1' then redis.call('HSET', KEYS[1], 'channel', ARGV[1], 'ts', ARGV[2]) end
if ARGV[8] ~= '' then redis.call('HSET', KEYS[1], 'user', ARGV[8]) end
if ARGV[5] == '1' then redis.call('HSET', KEYS[1], 'urgent', '1') end
if not owner then
  owner = tostring(redis.call('HINCRBY', KEYS[1], 'seq', 1))
  redis.call('HSET', KEYS[1], 'owner', owner)
end
redis.call('PEXPIRE', KEYS[1], ARGV[6])
return owner
`;

/**
 * Called by the owning render job. Returns {'stale'} (another generation owns the message),
 * {'done'} (nothing to send, or only what Slack already shows: ownership released),
 * {'wait', ms, urgent} (coalescing, Retry-After, or the chat.update budget), or
 * {'send', version, channel, ts, text, blocks, digest, urgent, mode, user} after clearing
 * `dirty`; `mode` is '' (edit the message), 'post' (post it anew in the channel) or 'dm' (post
 * it to `user` directly), set by RESTORE_LUA when Slack refused the edit for good.
 *
 * The budget (KEYS[2], a GCRA "theoretical arrival time"): a call may go when the budget is at
 * most `tolerance` ms ahead of now, and moves it `interval` ms on. When it is further ahead, an
 * urgent state reserves the next slot (`slotAt`, honoured on its next turn without asking
 * again), so urgent states are served in order and before any progress update; a progress update
 * reserves nothing and parks at least `leastPark` ms (it is coalesced anyway).
 * KEYS[1] message hash, KEYS[2] budget. ARGV: now, owner, interval (0: unpaced), tolerance, leastPark.
 */
const TAKE_LUA = `
if redis.call('HGET', KEYS[1], 'owner') ~= ARGV[2] then return {'stale'} end
if redis.call('HGET', KEYS[1], 'dirty') ~= '1' then
  redis.call('HDEL', KEYS[1], 'owner', 'slotAt')
  return {'done'}
end
local now = tonumber(ARGV[1])
local urgent = redis.call('HGET', KEYS[1], 'urgent') == '1'
local flag = urgent and '1' or '0'
local blocked = tonumber(redis.call('HGET', KEYS[1], 'blockedUntil') or '0')
if blocked > now then return {'wait', tostring(blocked - now), flag} end
local nextAt = tonumber(redis.call('HGET', KEYS[1], 'nextAt') or '0')
if (not urgent) and nextAt > now then return {'wait', tostring(nextAt - now), flag} end
local f = redis.call('HMGET', KEYS[1], 'version', 'channel', 'ts', 'text', 'blocks', 'hash', 'sentHash', 'mode', 'user')
if f[6] and f[6] == f[7] then
  redis.call('HSET', KEYS[1], 'dirty', '0')
  redis.call('HDEL', KEYS[1], 'owner', 'urgent', 'slotAt')
  return {'done'}
end
local interval = tonumber(ARGV[3])
if interval > 0 then
  local slot = tonumber(redis.call('HGET', KEYS[1], 'slotAt') or '0')
  if slot > now then return {'wait', tostring(slot - now), flag} end
  if slot == 0 then
    local tat = tonumber(redis.call('GET', KEYS[2]) or '0')
    if tat < now then tat = now end
    local wait = tat - tonumber(ARGV[4]) - now
    if wait > 0 and not urgent then
      return {'wait', tostring(math.max(wait, tonumber(ARGV[5]))), flag}
    end
    redis.call('SET', KEYS[2], tostring(tat + interval), 'PX', math.ceil(tat + interval - now) + 1000)
    if wait > 0 then
      redis.call('HSET', KEYS[1], 'slotAt', tostring(now + wait))
      return {'wait', tostring(wait), flag}
    end
  end
end
redis.call('HSET', KEYS[1], 'dirty', '0')
redis.call('HDEL', KEYS[1], 'urgent', 'slotAt')
return {'send', f[1], f[2], f[3], f[4], f[5], f[6] or '', flag, f[8] or '', f[9] or ''}
`;

/**
 * One call against a budget (see TAKE_LUA). KEYS[1] budget. ARGV: now, interval, tolerance,
 * reserve (1: take the next slot when none is free now). Returns 0 (go now), -ms (reserved:
 * go in ms without asking again) or ms (nothing reserved: ask again in ms).
 */
const RATE_LUA = `
local now = tonumber(ARGV[1])
local interval = tonumber(ARGV[2])
local tat = tonumber(redis.call('GET', KEYS[1]) or '0')
if tat < now then tat = now end
local wait = tat - tonumber(ARGV[3]) - now
if wait > 0 and ARGV[4] ~= '1' then return math.ceil(wait) end
redis.call('SET', KEYS[1], tostring(tat + interval), 'PX', math.ceil(tat + interval - now) + 1000)
if wait > 0 then return -math.ceil(wait) end
return 0
`;

/** Slack said 429: nothing more goes on this budget before Retry-After. KEYS[1] budget. ARGV: until. */
const BLOCK_LUA = `
local tat = tonumber(redis.call('GET', KEYS[1]) or '0')
local untilMs = tonumber(ARGV[1])
if tat < untilMs then redis.call('SET', KEYS[1], tostring(untilMs), 'PX', math.max(1000, untilMs - tonumber(ARGV[2]) + 1000)) end
return 1
`;

/**
 * Puts a taken state back after its send failed (a newer state, if any, wins the next send):
 * still urgent if it was, and with how to send it next (`mode`, '' keeps the current one).
 * ARGV: owner, blockedUntil (0: none), urgent (0/1), mode.
 */
const RESTORE_LUA = `
if redis.call('HGET', KEYS[1], 'owner') ~= ARGV[1] then return 0 end
redis.call('HSET', KEYS[1], 'dirty', '1')
if tonumber(ARGV[2]) > 0 then redis.call('HSET', KEYS[1], 'blockedUntil', ARGV[2]) end
if ARGV[3] == '1' then redis.call('HSET', KEYS[1], 'urgent', '1') end
if ARGV[4] ~= '' then redis.call('HSET', KEYS[1], 'mode', ARGV[4]) end
return 1
`;

/** Gives the message up (it cannot be updated: deleted, channel gone). ARGV: owner. */
const RELEASE_LUA = `
if redis.call('HGET', KEYS[1], 'owner') ~= ARGV[1] then return 0 end
redis.call('HSET', KEYS[1], 'dirty', '0')
redis.call('HDEL', KEYS[1], 'owner', 'urgent', 'slotAt')
return 1
`;

/**
 * Builds the Web API client a worker should use: 429s are thrown (not waited out inside the
 * client) so the Slack queue can back off by `Retry-After` without holding a worker, and
 * network retries are left to the queue for the same reason. With `logger`, the client's own
 * lines go through it (and its redaction) rather than to the console.
 */
export function createWorkerSlackClient(
  token: string,
  options: Pick<WebClientOptions, 'slackApiUrl' | 'timeout' | 'teamId'> & { logger?: Logger | undefined } = {},
): WebClient {
  const { logger, ...rest } = options;
  return new WebClientImpl(token, {
    timeout: 10_000,
    ...rest,
    ...(logger ? { logger: slackLogger(logger, 'slack-web-api') } : {}),
    rejectRateLimitedCalls: true,
    retryConfig: { retries: 0 },
  });
}

/**
 * Every Slack Web API call a worker makes goes through here, on its own BullMQ queue, so a busy
 * or rate-limited channel never stalls cloud work, and Slack's `Retry-After` is honoured
 * queue-wide (one 429 pauses the whole Slack queue for its Retry-After).
 *
 * - `publishStatus`: keeps one message up to date. Only the latest state is kept (a Redis hash
 *   per message), one render job at a time sends it, at most once per `minUpdateIntervalMs`
 *   unless urgent, and never when Slack already shows it: polls every few seconds become a few
 *   `chat.update` a minute.
 * - `postOnce`: posts a message exactly once per key (deterministic job id plus a posted marker).
 * - `requestHomeRefresh`: one App Home refresh per user for a burst of changes (`refreshHome`).
 * - `postNow`: a direct `chat.postMessage`, for the status message an operation must own before
 *   it does anything (its `ts` is needed at once); its caller handles 429 by delaying its job.
 *
 * Order and pace: urgent work (ready/failed states, thread replies) has the queue's first
 * priority, progress updates the next, App Home refreshes the last (SLACK_PRIORITY); each method
 * has its own budget in Redis (SlackPacing), so a backlog of progress updates never delays a
 * ready message, and the chat.update budget never delays a thread reply.
 */
export class SlackNotifier {
  readonly queue: Queue<SlackJobData, void, SlackJobName>;
  private readonly redis: Redis;
  private readonly prefix: string;
  private readonly slack: WebClient;
  private readonly logger: Logger;
  private readonly minUpdateIntervalMs: number;
  private readonly stateTtlMs: number;
  private readonly refreshHome: ((userId: string) => Promise<void>) | undefined;
  private readonly homeRefreshDelayMs: number;
  private scriptsLoaded = false;

  constructor(options: SlackNotifierOptions) {
    this.redis = options.connection;
    this.prefix = options.prefix;
    this.slack = options.slack;
    this.logger = options.logger;
    this.minUpdateIntervalMs = options.minUpdateIntervalMs ?? 15_000;
    this.stateTtlMs = options.stateTtlMs ?? 7 * DAY_MS;
    this.refreshHome = options.refreshHome;
    this.homeRefreshDelayMs = options.homeRefreshDelayMs ?? 2000;
    this.queue = new Queue(SLACK_QUEUE, {
      connection: options.connection,
      prefix: options.prefix,
      defaultJobOptions: {
        // Failures are handled inside the processor (it never throws for Slack errors), so
        // attempts only cover crashes of our own code; finished jobs are not worth keeping long.
        attempts: 3,
        backoff: { type: 'exponential', delay: 1000 },
        removeOnComplete: { age: 3600, count: 1000 },
        removeOnFail: { age: DAY_MS / 1000, count: 1000 },
      },
    });
  }

  private msgKey(key: string): string {
    return `${this.prefix}:slack-msg:${key}`;
  }
  private postedKey(key: string): string {
    return `${this.prefix}:slack-posted:${key}`;
  }
  /** A method's budget (per channel for posts); hash-tagged like every key of the prefix. */
  private budgetKey(method: 'update' | 'publish' | 'post', channel?: string): string {
    return `${this.prefix}:slack-rate:${method}${channel ? `:${channel}` : ''}`;
  }

  private defineScripts(): void {
    if (this.scriptsLoaded) return;
    // defineCommand is idempotent per connection; ioredis falls back from EVALSHA to EVAL.
    this.redis.defineCommand('nbSlackPublish', { numberOfKeys: 1, lua: PUBLISH_LUA });
    this.redis.defineCommand('nbSlackTake2', { numberOfKeys: 2, lua: TAKE_LUA });
    this.redis.defineCommand('nbSlackRestore', { numberOfKeys: 1, lua: RESTORE_LUA });
    this.redis.defineCommand('nbSlackRelease', { numberOfKeys: 1, lua: RELEASE_LUA });
    this.redis.defineCommand('nbSlackRate', { numberOfKeys: 1, lua: RATE_LUA });
    this.redis.defineCommand('nbSlackBlock', { numberOfKeys: 1, lua: BLOCK_LUA });
    this.scriptsLoaded = true;
  }

  private script(name: string, keys: string[], ...args: Array<string | number>): Promise<unknown> {
    this.defineScripts();
    const fn = (this.redis as unknown as Record<string, (...a: Array<string | number>) => Promise<unknown>>)[name];
    if (!fn) throw new Error(`redis script ${name} is not defined`);
    return fn.call(this.redis, ...keys, ...args);
  }

  /**
   * Sets the desired content of a status message. `urgent` (ready, failed, timed out) skips the
   * coalescing delay (not Slack's Retry-After) and goes before every progress update. `key`
   * identifies the message (the operation's job id). Safe to repeat: the same state sent twice is
   * one update at most, and a state Slack already shows is no update at all.
   *
   * Delivery: transient Slack failures are retried with backoff (for `giveUpAfterMs`), a 429
   * after its Retry-After. An urgent state whose message cannot be edited any more is posted as
   * a new message in the channel (later states edit that one); when the channel itself is gone,
   * as a direct message to `target.userId`. A state counts as sent only once Slack accepted it.
   */
  async publishStatus(
    key: string,
    target: StatusMessageTarget,
    message: RenderedMessage,
    options: { urgent?: boolean; digest?: string } = {},
  ): Promise<void> {
    const owner = String(
      await this.script(
        'nbSlackPublish',
        [this.msgKey(key)],
        target.channel,
        target.ts,
        message.text,
        JSON.stringify(message.blocks),
        options.urgent ? '1' : '0',
        this.stateTtlMs,
        options.digest ?? messageDigest(message),
        target.userId ?? '',
      ),
    );
    if (!owner) return;
    const jobId = `render-${key}-${owner}`;
    const priority = options.urgent ? SLACK_PRIORITY.urgent : SLACK_PRIORITY.progress;
    await this.queue.add('render', { key, owner }, { jobId, priority });
    if (options.urgent) {
      // The owning job may exist already, queued as progress or sleeping out the coalescing
      // interval: move it to the front and wake it. It still honours a Slack Retry-After
      // (TAKE_LUA checks blockedUntil) and it may be active already (then it loops or, if it just
      // parked, wakes itself on seeing `urgent`).
      const job = await this.queue.getJob(jobId);
      if (!job) return;
      if (job.priority !== SLACK_PRIORITY.urgent)
        await job.changePriority({ priority: SLACK_PRIORITY.urgent }).catch(() => undefined);
      if (await job.isDelayed()) await job.promote().catch(() => undefined);
    }
  }

  /** Posts `message` once per `key`, whatever the number of calls (and crashes) before it is sent. */
  async postOnce(key: string, message: OneShotMessage): Promise<void> {
    await this.queue.add('post', { key, ...message }, { jobId: `post-${key}`, priority: SLACK_PRIORITY.urgent });
  }

  /**
   * Asks for a refresh of `userId`'s App Home (the `refreshHome` handler) after
   * `homeRefreshDelayMs`. Every request while one is pending joins it (it renders what the
   * records say when it runs); a request while one runs queues exactly one more. So a burst of N
   * changes costs one views.publish, and no change is left unshown. A no-op without a handler.
   */
  async requestHomeRefresh(userId: string): Promise<void> {
    if (!this.refreshHome) return;
    await this.queue.add(
      'home',
      { userId },
      {
        deduplication: { id: `home:${userId}`, keepLastIfActive: true },
        delay: this.homeRefreshDelayMs,
        priority: SLACK_PRIORITY.home,
        removeOnComplete: true,
        removeOnFail: { age: 3600, count: 1000 },
      },
    );
  }

  /** Whether `requestHomeRefresh` does anything (a `refreshHome` handler was given). */
  get refreshesHome(): boolean {
    return this.refreshHome !== undefined;
  }

  /** Posts a message right away and returns its ts. Throws Slack errors (a 429 included). */
  async postNow(message: OneShotMessage): Promise<string> {
    return (await this.postMessage(message)).ts;
  }

  /** Posts a message right away; where it landed. Throws Slack errors (a 429 included). */
  async postMessage(message: OneShotMessage): Promise<PostedMessage> {
    const res = await this.slack.chat.postMessage({
      channel: message.channel,
      text: message.text,
      ...(message.blocks ? { blocks: message.blocks } : {}),
      ...(message.threadTs ? { thread_ts: message.threadTs } : {}),
    });
    if (!res.ts) throw new Error('chat.postMessage answered without a ts');
    return { channel: res.channel ?? message.channel, ts: res.ts };
  }

  /** The direct-message channel with `userId` (conversations.open, scope `im:write`). Throws Slack errors. */
  async openDm(userId: string): Promise<string> {
    const res = await this.slack.conversations.open({ users: userId });
    const id = res.channel?.id;
    if (!id) throw new Error('conversations.open answered without a channel');
    return id;
  }

  /** Starts a worker for the Slack queue; close it (and then this notifier) on shutdown. */
  createWorker(options: SlackWorkerOptions = {}): SlackWorker {
    const giveUpAfterMs = options.giveUpAfterMs ?? DAY_MS;
    const paced =
      options.pacing === false
        ? undefined
        : options.pacing !== undefined
          ? { ...DEFAULT_SLACK_PACING, ...options.pacing }
          : options.limiter
            ? undefined
            : DEFAULT_SLACK_PACING;
    const pacing: Pacing = {
      update: budgetOf(paced?.update),
      post: budgetOf(paced?.postPerChannel),
      publish: budgetOf(paced?.publish),
    };
    const holder: { worker?: SlackWorker } = {};
    // Web API calls take no abort signal, so the processor does not ask BullMQ for one.
    const processor = async (job: SlackJob, token: string | undefined): Promise<void> => {
      const worker = holder.worker;
      if (!worker || !token) throw new Error('slack worker not initialised');
      try {
        if (job.name === 'render') await this.processRender(job as Job<RenderJobData>, token, pacing);
        else if (job.name === 'post') await this.processPost(job as Job<PostJobData>, token, pacing);
        else await this.processHome(job as Job<HomeJobData>, token, pacing);
      } catch (err) {
        if (err instanceof DelayedError || (err as Error | undefined)?.name === 'DelayedError') throw err;
        const failure = decodeSlackError(err);
        if (failure?.kind === 'rate_limited') {
          const retryAfterMs = failure.retryAfterMs;
          // Pause the whole Slack queue, and keep this method's budget shut until Retry-After.
          this.logger.warn({ retryAfterMs, job: job.id }, 'slack rate limited; pausing the slack queue');
          const budget = this.budgetFor(job);
          if (budget) await this.script('nbSlackBlock', [budget], Date.now() + retryAfterMs, Date.now()).catch(() => 0);
          await worker.rateLimit(retryAfterMs);
          // Parked rather than handed back with RateLimitError: BullMQ returns a prioritized job
          // to the queue without waking any worker, which would then sleep its drain delay (5 s).
          await job.moveToDelayed(Date.now() + retryAfterMs, token);
          throw new DelayedError();
        }
        if (failure?.kind === 'transient') {
          const failures = (job.data.failures ?? 0) + 1;
          const failingSince = job.data.failingSince ?? Date.now();
          if (Date.now() - failingSince < giveUpAfterMs) {
            const { slotAt: _slot, ...rest } = job.data as PostJobData;
            await job.updateData({ ...rest, failures, failingSince } as SlackJobData);
            const delay = transientRetryDelay(failures, undefined, SLACK_MAX_RETRY_DELAY_MS);
            this.logger.warn({ code: failure.code, failures, delay, job: job.id }, 'slack call failed; retrying later');
            await job.moveToDelayed(Date.now() + delay, token);
            throw new DelayedError();
          }
          this.logger.error(
            { code: failure.code, failures, job: job.id },
            'slack call kept failing for too long; giving the message up',
          );
          if (job.name === 'render') await this.releaseRender(job as Job<RenderJobData>);
          return;
        }
        if (failure?.kind === 'permanent') {
          // The processors handle the permanent failures they can go around; this one they could not.
          this.logger.error(
            { code: failure.code, scope: failure.scope, job: job.id },
            'slack refused the call; given up',
          );
          if (job.name === 'render') await this.releaseRender(job as Job<RenderJobData>);
          return;
        }
        // Our own bug or Redis trouble: release the message so that the next publish starts a
        // fresh render job (a failed job holding the owner's id would swallow every later add).
        if (job.name === 'render') await this.releaseRender(job as Job<RenderJobData>).catch(() => undefined);
        throw err;
      }
    };
    const worker: SlackWorker = new Worker(SLACK_QUEUE, processor, {
      connection: this.redis,
      prefix: this.prefix,
      concurrency: options.concurrency ?? 16,
      ...(options.limiter ? { limiter: options.limiter } : {}),
      ...(options.lockDuration !== undefined ? { lockDuration: options.lockDuration } : {}),
      ...(options.stalledInterval !== undefined ? { stalledInterval: options.stalledInterval } : {}),
      maxStalledCount: options.maxStalledCount ?? 3,
    });
    holder.worker = worker;
    worker.on('error', (err) => this.logger.error({ err }, 'slack worker error'));
    return worker;
  }

  /** The budget a job's Web API call counts against. */
  private budgetFor(job: SlackJob): string | undefined {
    if (job.name === 'render') return this.budgetKey('update');
    if (job.name === 'home') return this.budgetKey('publish');
    const channel = (job.data as PostJobData).channel;
    return channel ? this.budgetKey('post', channel) : undefined;
  }

  /** Asks a budget for one call: 0 go, -ms reserved (go then), ms try again then. */
  private async rate(key: string, budget: Budget, reserve: boolean): Promise<number> {
    return Number(
      await this.script('nbSlackRate', [key], Date.now(), budget.intervalMs, budget.toleranceMs, reserve ? '1' : '0'),
    );
  }

  private async releaseRender(job: Job<RenderJobData>): Promise<void> {
    await this.script('nbSlackRelease', [this.msgKey(job.data.key)], job.data.owner);
  }

  /** A job that got through clears its failure count (the next outage starts a fresh budget). */
  private async succeeded(job: Job<SlackJobData>): Promise<void> {
    if (job.data.failures === undefined && job.data.failingSince === undefined) return;
    const { failures: _f, failingSince: _s, ...rest } = job.data;
    await job.updateData(rest as SlackJobData);
  }

  private async processRender(job: Job<RenderJobData>, token: string, pacing: Pacing): Promise<void> {
    const key = this.msgKey(job.data.key);
    const owner = job.data.owner;
    const budget = pacing.update;
    // One send per activation, so budgets pace Slack calls; the loop only continues for an
    // urgent state that arrived during the send, or one that must go another way.
    for (;;) {
      const taken = (await this.script(
        'nbSlackTake2',
        [key, this.budgetKey('update')],
        Date.now(),
        owner,
        budget?.intervalMs ?? 0,
        budget?.toleranceMs ?? 0,
        Math.max(this.minUpdateIntervalMs, budget?.intervalMs ?? 0),
      )) as string[];
      const verdict = taken[0];
      if (verdict === 'stale' || verdict === 'done') return;
      if (verdict === 'wait') {
        const urgent = taken[2] === '1';
        // After an urgent send, the progress that follows goes back behind other urgent work.
        if (!urgent && job.priority === SLACK_PRIORITY.urgent)
          await job.changePriority({ priority: SLACK_PRIORITY.progress }).catch(() => undefined);
        await job.moveToDelayed(Date.now() + (urgent ? Number(taken[1]) : jitter(Number(taken[1]))), token);
        // An urgent state published while this job was deciding to park (its publisher saw the
        // job active, so did not wake it): wake it now rather than after the park.
        if (!urgent && (await this.redis.hget(key, 'urgent')) === '1') {
          await job.changePriority({ priority: SLACK_PRIORITY.urgent }).catch(() => undefined);
          await job.promote().catch(() => undefined);
        }
        throw new DelayedError();
      }
      const [, , channel, ts, text, blocks, digest, urgentFlag, mode, user] = taken;
      if (!channel || !ts) {
        await this.script('nbSlackRelease', [key], owner);
        return;
      }
      const urgent = urgentFlag === '1';
      const message = { text: text ?? '', blocks: JSON.parse(blocks ?? '[]') as KnownBlock[] };
      let movedTo: PostedMessage | undefined;
      try {
        if (mode === 'post') movedTo = await this.postMessage({ channel, ...message });
        else if (mode === 'dm' && user)
          movedTo = await this.postMessage({ channel: await this.openDm(user), ...message });
        else await this.slack.chat.update({ channel, ts, ...message });
      } catch (err) {
        const failure = decodeSlackError(err);
        if (failure?.kind === 'permanent') {
          const next = urgent ? fallbackMode(mode ?? '', failure, user) : undefined;
          if (next) {
            // The outcome must reach the person: a new message in the channel when this one
            // cannot be edited, a direct message when the channel itself is gone.
            this.logger.warn(
              { code: failure.code, channel, ts, via: next },
              'status message cannot be updated; sending the outcome another way',
            );
            await this.script('nbSlackRestore', [key], owner, 0, '1', next);
            continue;
          }
          // message_not_found on a progress update, invalid_blocks, invalid_auth…: retrying will
          // not help; a later publish tries again with fresh content.
          const line = { code: failure.code, scope: failure.scope, channel, ts };
          if (urgent) this.logger.error(line, 'Slack refused the outcome of an operation; giving it up');
          else this.logger.warn(line, 'Slack refused a progress update; giving this state up');
          await this.script('nbSlackRelease', [key], owner);
          return;
        }
        const blockedUntil = failure?.kind === 'rate_limited' ? Date.now() + failure.retryAfterMs : 0;
        await this.script('nbSlackRestore', [key], owner, blockedUntil, urgent ? '1' : '0', '');
        throw err;
      }
      await this.succeeded(job);
      const tx = this.redis.multi();
      if (movedTo) {
        tx.hset(key, 'channel', movedTo.channel, 'ts', movedTo.ts, 'moved', '1').hdel(key, 'mode');
        this.logger.info({ channel: movedTo.channel, ts: movedTo.ts }, 'status message moved to a new message');
      }
      await tx
        .hset(key, 'nextAt', String(Date.now() + this.minUpdateIntervalMs), 'sentHash', digest ?? '')
        .pexpire(key, this.stateTtlMs)
        .exec();
    }
  }

  private async processPost(job: Job<PostJobData>, token: string, pacing: Pacing): Promise<void> {
    const marker = this.postedKey(job.data.key);
    // The job id already dedupes enqueues; the marker covers a re-run after a crash between
    // the post and the job's completion (and a re-add after retention removed the job).
    if (await this.redis.exists(marker)) return;
    const budget = pacing.post;
    const slotAt = job.data.slotAt;
    if (budget && job.data.channel && (slotAt === undefined || slotAt > Date.now())) {
      // Every post is something a person waits for: reserve the channel's next slot, in order.
      const at =
        slotAt ?? Date.now() - Math.min(0, await this.rate(this.budgetKey('post', job.data.channel), budget, true));
      if (at > Date.now()) {
        if (slotAt === undefined) await job.updateData({ ...job.data, slotAt: at });
        await job.moveToDelayed(at, token);
        throw new DelayedError();
      }
    }
    try {
      await this.postMessage(job.data);
    } catch (err) {
      const failure = decodeSlackError(err);
      if (failure?.kind !== 'permanent') throw err;
      if (job.data.threadTs && (failure.scope === 'thread' || failure.scope === 'message')) {
        // The thread is gone: the reply matters more than where it sits.
        this.logger.warn(
          { code: failure.code, channel: job.data.channel },
          'thread gone; posting the reply in the channel',
        );
        const { threadTs: _thread, ...topLevel } = job.data;
        await job.updateData(topLevel);
        return this.processPost(job, token, pacing);
      }
      // The channel is gone or the token is bad: every try would fail the same way. The
      // operation's outcome still reaches the person through its status message (see
      // processRender); this reply is only its companion.
      this.logger.warn(
        { code: failure.code, scope: failure.scope, channel: job.data.channel },
        'chat.postMessage refused; reply dropped',
      );
      return;
    }
    // Marked posted only once Slack accepted it.
    await this.redis.set(marker, '1', 'PX', this.stateTtlMs);
    await this.succeeded(job);
  }

  private async processHome(job: Job<HomeJobData>, token: string, pacing: Pacing): Promise<void> {
    const refresh = this.refreshHome;
    if (!refresh) {
      this.logger.warn({ job: job.id }, 'App Home refresh requested but this worker has no refreshHome; dropped');
      return;
    }
    const budget = pacing.publish;
    if (budget) {
      const wait = await this.rate(this.budgetKey('publish'), budget, false);
      if (wait > 0) {
        // Last in line: wait for the budget rather than take a slot from anyone (still pending,
        // so later changes keep joining this refresh).
        await job.moveToDelayed(Date.now() + jitter(Math.max(wait, this.homeRefreshDelayMs)), token);
        throw new DelayedError();
      }
    }
    try {
      await refresh(job.data.userId);
    } catch (err) {
      const failure = decodeSlackError(err);
      if (failure?.kind !== 'permanent') throw err;
      this.logger.warn(
        { code: failure.code, userId: job.data.userId },
        'views.publish refused; App Home not refreshed',
      );
      return;
    }
    await this.succeeded(job);
  }

  /** Closes the producer side (workers from `createWorker` are closed by their owner). */
  async close(): Promise<void> {
    await this.queue.close();
  }
}

/**
 * How an urgent state goes next after Slack refused it for good (`undefined`: it cannot go):
 * an edit of a message that is gone or too old becomes a new message in the channel; a message
 * to a channel that is gone becomes a direct message to the requester.
 */
function fallbackMode(
  mode: string,
  failure: Extract<SlackFailure, { kind: 'permanent' }>,
  user: string | undefined,
): 'post' | 'dm' | undefined {
  if (failure.scope === 'channel') return mode !== 'dm' && user ? 'dm' : undefined;
  if (failure.scope === 'message' || failure.scope === 'thread') return mode === '' ? 'post' : undefined;
  return undefined;
}
