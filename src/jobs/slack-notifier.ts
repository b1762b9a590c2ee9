import type { KnownBlock } from '@slack/types';
import { ErrorCode, type WebClient, WebClient as WebClientImpl, type WebClientOptions } from '@slack/web-api';
import { DelayedError, type Job, Queue, Worker } from 'bullmq';
import type { Redis } from 'ioredis';
import type { Logger } from '../logger.js';
import type { RenderedMessage } from '../slack/blocks/status.js';
import { slackLogger } from '../slack/logger-adapter.js';
import { transientRetryDelay } from './polling.js';

/** Name of the queue that carries every Slack Web API call a worker makes. */
export const SLACK_QUEUE = 'slack';

/** A message the worker keeps up to date (the status message of one operation). */
export interface StatusMessageTarget {
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
}

export interface SlackWorkerOptions {
  concurrency?: number;
  /** Queue-wide limit on Slack jobs (each job makes at most one Web API call). Default 2 per second. */
  limiter?: { max: number; duration: number };
  lockDuration?: number;
  stalledInterval?: number;
  maxStalledCount?: number;
  /** Consecutive network/5xx failures of one message before it is dropped. Default 10. */
  maxFailures?: number;
}

interface RenderJobData {
  /** Message key (the operation's job id). */
  key: string;
  /** Ownership generation this job serves (see PUBLISH_LUA). */
  owner: string;
  failures?: number;
}

interface PostJobData extends OneShotMessage {
  key: string;
  failures?: number;
}

type SlackJob = Job<RenderJobData | PostJobData, void, 'render' | 'post'>;
/** The Slack queue's worker. */
export type SlackWorker = Worker<RenderJobData | PostJobData, void, 'render' | 'post'>;

const DAY_MS = 86_400_000;

/**
 * Records the latest desired state of a message and makes sure exactly one render job owns it.
 * The owner generation only changes when a job releases the message with nothing left to send
 * (TAKE_LUA), so there is never more than one job sending a given message (no out-of-order
 * updates), and a state written while a job is busy is never lost (the job sees `dirty`).
 * KEYS[1] message hash. ARGV: channel, ts, text, blocks JSON, urgent (0/1), ttl ms.
 * Returns the owner generation to enqueue (a no-op add when that job already exists).
 */
const PUBLISH_LUA = `
redis.call('HINCRBY', KEYS[1], 'version', 1)
redis.call('HSET', KEYS[1], 'channel', ARGV[1], 'ts', ARGV[2], 'text', ARGV[3], 'blocks', ARGV[4], 'dirty', '1')
if ARGV[5] == '1' then redis.call('HSET', KEYS[1], 'urgent', '1') end
local owner = redis.call('HGET', KEYS[1], 'owner')
if not owner then
  owner = tostring(redis.call('HINCRBY', KEYS[1], 'seq', 1))
  redis.call('HSET', KEYS[1], 'owner', owner)
end
redis.call('PEXPIRE', KEYS[1], ARGV[6])
return owner
`;

/**
 * Called by the owning render job. Returns {'stale'} (another generation owns the message),
 * {'done'} (nothing to send: ownership released), {'wait', ms} (coalescing or Retry-After), or
 * {'send', version, channel, ts, text, blocks} after clearing `dirty`.
 * KEYS[1] message hash. ARGV: now, owner.
 */
const TAKE_LUA = `
if redis.call('HGET', KEYS[1], 'owner') ~= ARGV[2] then return {'stale'} end
if redis.call('HGET', KEYS[1], 'dirty') ~= '1' then
  redis.call('HDEL', KEYS[1], 'owner')
  return {'done'}
end
local now = tonumber(ARGV[1])
local blocked = tonumber(redis.call('HGET', KEYS[1], 'blockedUntil') or '0')
if blocked > now then return {'wait', tostring(blocked - now)} end
local urgent = redis.call('HGET', KEYS[1], 'urgent') == '1'
local nextAt = tonumber(redis.call('HGET', KEYS[1], 'nextAt') or '0')
if (not urgent) and nextAt > now then return {'wait', tostring(nextAt - now)} end
redis.call('HSET', KEYS[1], 'dirty', '0')
redis.call('HDEL', KEYS[1], 'urgent')
local f = redis.call('HMGET', KEYS[1], 'version', 'channel', 'ts', 'text', 'blocks')
return {'send', f[1], f[2], f[3], f[4], f[5]}
`;

/** Puts a taken state back (the send failed) unless a newer one arrived. ARGV: owner, blockedUntil. */
const RESTORE_LUA = `
if redis.call('HGET', KEYS[1], 'owner') ~= ARGV[1] then return 0 end
redis.call('HSET', KEYS[1], 'dirty', '1')
if tonumber(ARGV[2]) > 0 then redis.call('HSET', KEYS[1], 'blockedUntil', ARGV[2]) end
return 1
`;

/** Gives the message up (it cannot be updated: deleted, channel gone). ARGV: owner. */
const RELEASE_LUA = `
if redis.call('HGET', KEYS[1], 'owner') ~= ARGV[1] then return 0 end
redis.call('HSET', KEYS[1], 'dirty', '0')
redis.call('HDEL', KEYS[1], 'owner', 'urgent')
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

/** A Slack 429: `retryAfterMs` from Retry-After. */
export function slackRetryAfterMs(err: unknown): number | undefined {
  if (!isSlackError(err, ErrorCode.RateLimitedError)) return undefined;
  const seconds = (err as { retryAfter?: number }).retryAfter;
  return Math.max(1, typeof seconds === 'number' && Number.isFinite(seconds) ? seconds : 1) * 1000;
}

/** Network failures and Slack 5xx: worth retrying later. */
export function isSlackTransient(err: unknown): boolean {
  if (isSlackError(err, ErrorCode.RequestError)) return true;
  if (isSlackError(err, ErrorCode.HTTPError)) return ((err as { statusCode?: number }).statusCode ?? 0) >= 500;
  return false;
}

/** Slack's `error` string of a platform error (`channel_not_found`, `message_not_found`, …). */
export function slackPlatformError(err: unknown): string | undefined {
  if (!isSlackError(err, ErrorCode.PlatformError)) return undefined;
  return (err as { data?: { error?: string } }).data?.error ?? 'unknown_error';
}

function isSlackError(err: unknown, code: ErrorCode): boolean {
  return typeof err === 'object' && err !== null && (err as { code?: unknown }).code === code;
}

/**
 * Every Slack Web API call a worker makes goes through here, on its own BullMQ queue, so a busy
 * or rate-limited channel never stalls cloud work, and Slack's `Retry-After` is honoured
 * queue-wide (it is per method and workspace, so one 429 concerns every message).
 *
 * - `publishStatus`: keeps one message up to date. Only the latest state is kept (a Redis hash
 *   per message), one render job at a time sends it, at most once per `minUpdateIntervalMs`
 *   unless urgent: polls every few seconds become a few `chat.update` a minute.
 * - `postOnce`: posts a message exactly once per key (deterministic job id plus a posted marker).
 * - `postNow`: a direct `chat.postMessage`, for the status message an operation must own before
 *   it does anything (its `ts` is needed at once); its caller handles 429 by delaying its job.
 */
export class SlackNotifier {
  readonly queue: Queue<RenderJobData | PostJobData, void, 'render' | 'post'>;
  private readonly redis: Redis;
  private readonly prefix: string;
  private readonly slack: WebClient;
  private readonly logger: Logger;
  private readonly minUpdateIntervalMs: number;
  private readonly stateTtlMs: number;
  private scriptsLoaded = false;

  constructor(options: SlackNotifierOptions) {
    this.redis = options.connection;
    this.prefix = options.prefix;
    this.slack = options.slack;
    this.logger = options.logger;
    this.minUpdateIntervalMs = options.minUpdateIntervalMs ?? 15_000;
    this.stateTtlMs = options.stateTtlMs ?? 7 * DAY_MS;
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

  private defineScripts(): void {
    if (this.scriptsLoaded) return;
    // defineCommand is idempotent per connection; ioredis falls back from EVALSHA to EVAL.
    this.redis.defineCommand('nbSlackPublish', { numberOfKeys: 1, lua: PUBLISH_LUA });
    this.redis.defineCommand('nbSlackTake', { numberOfKeys: 1, lua: TAKE_LUA });
    this.redis.defineCommand('nbSlackRestore', { numberOfKeys: 1, lua: RESTORE_LUA });
    this.redis.defineCommand('nbSlackRelease', { numberOfKeys: 1, lua: RELEASE_LUA });
    this.scriptsLoaded = true;
  }

  private script(name: string, key: string, ...args: Array<string | number>): Promise<unknown> {
    this.defineScripts();
    const fn = (this.redis as unknown as Record<string, (...a: Array<string | number>) => Promise<unknown>>)[name];
    if (!fn) throw new Error(`redis script ${name} is not defined`);
    return fn.call(this.redis, key, ...args);
  }

  /**
   * Sets the desired content of a status message. `urgent` (ready, failed, timed out) skips the
   * coalescing delay (not Slack's Retry-After). `key` identifies the message (the operation's
   * job id). Safe to repeat: the same state sent twice is one update at most.
   */
  async publishStatus(
    key: string,
    target: StatusMessageTarget,
    message: RenderedMessage,
    options: { urgent?: boolean } = {},
  ): Promise<void> {
    const owner = String(
      await this.script(
        'nbSlackPublish',
        this.msgKey(key),
        target.channel,
        target.ts,
        message.text,
        JSON.stringify(message.blocks),
        options.urgent ? '1' : '0',
        this.stateTtlMs,
      ),
    );
    const jobId = `render-${key}-${owner}`;
    await this.queue.add('render', { key, owner }, { jobId });
    if (options.urgent) {
      // The owning job may be sleeping out the coalescing interval: wake it. It still honours a
      // Slack Retry-After (TAKE_LUA checks blockedUntil) and it may be active already (fine).
      const job = await this.queue.getJob(jobId);
      if (job && (await job.isDelayed())) await job.promote().catch(() => undefined);
    }
  }

  /** Posts `message` once per `key`, whatever the number of calls (and crashes) before it is sent. */
  async postOnce(key: string, message: OneShotMessage): Promise<void> {
    await this.queue.add('post', { key, ...message }, { jobId: `post-${key}` });
  }

  /** Posts a message right away and returns its ts. Throws Slack errors (a 429 included). */
  async postNow(message: OneShotMessage): Promise<string> {
    const res = await this.slack.chat.postMessage({
      channel: message.channel,
      text: message.text,
      ...(message.blocks ? { blocks: message.blocks } : {}),
      ...(message.threadTs ? { thread_ts: message.threadTs } : {}),
    });
    if (!res.ts) throw new Error('chat.postMessage answered without a ts');
    return res.ts;
  }

  /** Starts a worker for the Slack queue; close it (and then this notifier) on shutdown. */
  createWorker(options: SlackWorkerOptions = {}): SlackWorker {
    const maxFailures = options.maxFailures ?? 10;
    const holder: { worker?: SlackWorker } = {};
    // Web API calls take no abort signal, so the processor does not ask BullMQ for one.
    const processor = async (job: SlackJob, token: string | undefined): Promise<void> => {
      const worker = holder.worker;
      if (!worker || !token) throw new Error('slack worker not initialised');
      try {
        if (job.name === 'render') await this.processRender(job as Job<RenderJobData>, token);
        else await this.processPost(job as Job<PostJobData>);
      } catch (err) {
        const retryAfterMs = slackRetryAfterMs(err);
        if (retryAfterMs !== undefined) {
          // Per method and workspace: pause the whole Slack queue, not just this message.
          this.logger.warn({ retryAfterMs, job: job.id }, 'slack rate limited; pausing the slack queue');
          await worker.rateLimit(retryAfterMs);
          throw Worker.RateLimitError();
        }
        if (isSlackTransient(err)) {
          const failures = (job.data.failures ?? 0) + 1;
          if (failures <= maxFailures) {
            await job.updateData({ ...job.data, failures });
            const delay = transientRetryDelay(failures, undefined, 60_000);
            this.logger.warn({ err, failures, delay, job: job.id }, 'slack call failed; retrying later');
            await job.moveToDelayed(Date.now() + delay, token);
            throw new DelayedError();
          }
          this.logger.error({ err, job: job.id }, 'slack call kept failing; giving the message up');
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
      concurrency: options.concurrency ?? 4,
      limiter: options.limiter ?? { max: 2, duration: 1000 },
      ...(options.lockDuration !== undefined ? { lockDuration: options.lockDuration } : {}),
      ...(options.stalledInterval !== undefined ? { stalledInterval: options.stalledInterval } : {}),
      maxStalledCount: options.maxStalledCount ?? 3,
    });
    holder.worker = worker;
    worker.on('error', (err) => this.logger.error({ err }, 'slack worker error'));
    return worker;
  }

  private async releaseRender(job: Job<RenderJobData>): Promise<void> {
    await this.script('nbSlackRelease', this.msgKey(job.data.key), job.data.owner);
  }

  private async processRender(job: Job<RenderJobData>, token: string): Promise<void> {
    const key = this.msgKey(job.data.key);
    const owner = job.data.owner;
    // One send per activation, so the queue limiter paces Slack calls; the loop only continues
    // for an urgent state that arrived during the send.
    for (;;) {
      const taken = (await this.script('nbSlackTake', key, Date.now(), owner)) as string[];
      const verdict = taken[0];
      if (verdict === 'stale' || verdict === 'done') return;
      if (verdict === 'wait') {
        await job.moveToDelayed(Date.now() + Number(taken[1]), token);
        throw new DelayedError();
      }
      const [, , channel, ts, text, blocks] = taken;
      if (!channel || !ts) {
        await this.script('nbSlackRelease', key, owner);
        return;
      }
      try {
        await this.slack.chat.update({
          channel,
          ts,
          text: text ?? '',
          blocks: JSON.parse(blocks ?? '[]') as KnownBlock[],
        });
      } catch (err) {
        const retryAfterMs = slackRetryAfterMs(err);
        const platform = slackPlatformError(err);
        if (platform !== undefined) {
          // message_not_found, channel_not_found, not_in_channel, invalid_blocks…: retrying will
          // not help; a later publish tries again with fresh content.
          this.logger.warn({ error: platform, channel, ts }, 'chat.update refused; giving this state up');
          await this.script('nbSlackRelease', key, owner);
          return;
        }
        await this.script('nbSlackRestore', key, owner, retryAfterMs !== undefined ? Date.now() + retryAfterMs : 0);
        throw err;
      }
      if (job.data.failures) await job.updateData({ ...job.data, failures: 0 });
      await this.redis.hset(key, 'nextAt', String(Date.now() + this.minUpdateIntervalMs));
    }
  }

  private async processPost(job: Job<PostJobData>): Promise<void> {
    const marker = this.postedKey(job.data.key);
    // The job id already dedupes enqueues; the marker covers a re-run after a crash between
    // the post and the job's completion (and a re-add after retention removed the job).
    if (await this.redis.exists(marker)) return;
    try {
      await this.postNow(job.data);
    } catch (err) {
      const platform = slackPlatformError(err);
      if (platform !== undefined) {
        this.logger.warn({ error: platform, channel: job.data.channel }, 'chat.postMessage refused; reply dropped');
        return;
      }
      throw err;
    }
    await this.redis.set(marker, '1', 'PX', this.stateTtlMs);
  }

  /** Closes the producer side (workers from `createWorker` are closed by their owner). */
  async close(): Promise<void> {
    await this.queue.close();
  }
}
