import type { WebClient } from '@slack/web-api';
import { Queue } from 'bullmq';
import type { Redis } from 'ioredis';
import type { Logger } from '../../logger.js';
import type { RenderedMessage } from '../../messages/index.js';
import { quietQueueErrors } from '../queues.js';
import { openDm, postMessage } from './client.js';
import type { OutboxContext } from './context.js';
import { OUTBOX_SCRIPTS, type OutboxKeys, outboxKeys } from './scripts.js';
import { createSlackWorker, type SlackWorkerOptions } from './slack-worker.js';
import {
  DAY_MS,
  messageDigest,
  type OneShotMessage,
  type PostedMessage,
  SLACK_PRIORITY,
  SLACK_QUEUE,
  type SlackJobData,
  type SlackJobName,
  type SlackWorker,
  type StatusMessageTarget,
} from './types.js';

export interface SlackNotifierOptions {
  /** ioredis connection (BullMQ needs `maxRetriesPerRequest: null`); the caller closes it. */
  connection: Redis;
  /**
   * The connection for the outbox's own state (message hashes, markers, budgets). Default
   * `connection`; the worker gives one apart from BullMQ's (see OperationWorkerDeps.commands).
   */
  commands?: Redis | undefined;
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
  private readonly keys: OutboxKeys;
  private readonly stateTtlMs: number;
  private readonly refreshHome: ((userId: string) => Promise<void>) | undefined;
  private readonly homeRefreshDelayMs: number;
  /** What the Slack workers' processors share. */
  private readonly context: OutboxContext;

  constructor(options: SlackNotifierOptions) {
    this.redis = options.commands ?? options.connection;
    this.prefix = options.prefix;
    this.slack = options.slack;
    this.keys = outboxKeys(options.prefix);
    this.refreshHome = options.refreshHome;
    this.homeRefreshDelayMs = options.homeRefreshDelayMs ?? 2000;
    this.stateTtlMs = options.stateTtlMs ?? 7 * DAY_MS;
    this.context = {
      redis: this.redis,
      connection: options.connection,
      slack: options.slack,
      logger: options.logger,
      keys: this.keys,
      minUpdateIntervalMs: options.minUpdateIntervalMs ?? 15_000,
      stateTtlMs: this.stateTtlMs,
      refreshHome: options.refreshHome,
      homeRefreshDelayMs: this.homeRefreshDelayMs,
    };
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
    quietQueueErrors(this.queue);
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
      await OUTBOX_SCRIPTS.publish.run(
        this.redis,
        [this.keys.message(key)],
        [
          target.channel,
          target.ts,
          message.text,
          JSON.stringify(message.blocks),
          options.urgent ? '1' : '0',
          this.stateTtlMs,
          options.digest ?? messageDigest(message),
          target.userId ?? '',
        ],
      ),
    );
    if (!owner) return;
    const jobId = `render-${key}-${owner}`;
    const priority = options.urgent ? SLACK_PRIORITY.urgent : SLACK_PRIORITY.progress;
    await this.queue.add('render', { key, owner }, { jobId, priority });
    if (options.urgent) {
      // The owning job may exist already, queued as progress or sleeping out the coalescing
      // interval: move it to the front and wake it. It still honours a Slack Retry-After
      // (scripts/take.lua checks blockedUntil) and it may be active already (then it loops or, if it just
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
  postMessage(message: OneShotMessage): Promise<PostedMessage> {
    return postMessage(this.slack, message);
  }

  /** The direct-message channel with `userId` (conversations.open, scope `im:write`). Throws Slack errors. */
  openDm(userId: string): Promise<string> {
    return openDm(this.slack, userId);
  }

  /** Starts a worker for the Slack queue; close it (and then this notifier) on shutdown. */
  createWorker(options: SlackWorkerOptions = {}): SlackWorker {
    return createSlackWorker(this.context, this.prefix, options);
  }

  /** Closes the producer side (workers from `createWorker` are closed by their owner). */
  async close(): Promise<void> {
    await this.queue.close();
  }
}
