import type { WebClient } from '@slack/web-api';
import type { Redis } from 'ioredis';
import type { IdentityDirectory, UsageAccounting } from '../access/index.js';
import { type Clock, systemClock } from '../clock.js';
import { createLogger, type Logger } from '../logger.js';
import type { ModelArtsApi } from '../modelarts/index.js';
import type { NotebookStore } from '../store/index.js';
import { createNoticeDelivery } from './deliver.js';
import { createScanPlanner, type ScheduledStopLookup } from './plan.js';
import { createLeaseSchedule } from './schedule.js';
import { LeaseState } from './state.js';
import { recordScanUsage } from './usage.js';

/** One notice sent (or one notebook inside a digest), for metrics. */
export interface LeaseNoticeEvent {
  /** `single`/`digest` warnings before the end; `expired` = the "stopped: its lease ended" notice. */
  kind: 'single' | 'digest' | 'expired';
  /** Minutes threshold of a warning; `ended` for the expiry notice. */
  threshold: number | 'ended';
  notebookId: string;
  channelId: string;
  /** The message carrying the notice (a digest's ts for every notebook in it). */
  messageTs: string;
}

/** What one scan did (returned by `scanOnce`, logged by the cron tick). */
export interface LeaseScanReport {
  /** Watcher clock when the scan ran. */
  at: number;
  /** ModelArts list calls are counted by the API layer; this is what came back as RUNNING. */
  running: number;
  /** RUNNING notebooks this watcher is responsible for. */
  watched: number;
  /** Notebooks warned (singly or in a digest). */
  warned: number;
  /** Digest messages posted (warnings and expiries). */
  digests: number;
  /** "stopped: its lease ended" notices (singly or in a digest). */
  expired: number;
  /** Notices that could not be posted now and stay due for the next scan. */
  deferred: number;
}

export interface LeaseWatcherOptions {
  api: ModelArtsApi;
  store: NotebookStore;
  /** Shared Redis (commands only; no blocking calls are made on it). */
  redis: Redis;
  /** Key prefix, hash-tagged (`QUEUE_PREFIX`, default `{nbbot}`). */
  prefix: string;
  /**
   * Bot-token WebClient. Give it `rejectRateLimitedCalls: true` and a small retry budget: the
   * watcher handles 429 itself (the notice stays due for the next scan) rather than letting one
   * busy channel stall the scan for minutes inside the client's retry loop.
   */
  slack: WebClient;
  /** Time for the lease maths (`create_at + duration - now`); the simulator's clock in tests. */
  clock?: Clock;
  logger?: Logger;
  /** `LEASE_SCAN_CRON`; default every minute. Ticks are real (wall-clock) time. */
  cron?: string;
  /** `LEASE_WARN_MINUTES`; default 30 and 5. */
  warnMinutes?: readonly number[];
  /** `WATCH_ALL_NOTEBOOKS`: also watch notebooks nobody started through the bot. */
  watchAll?: boolean;
  /** `DEFAULT_CHANNEL`: where notices for notebooks without a record go (needed with `watchAll`). */
  defaultChannel?: string;
  /**
   * Identity links (src/access): a notebook made outside the bot whose creator is linked to a
   * Slack user is watched for that owner, and its notices go to the owner by DM when it has no
   * thread of its own. Without it only the bot's own records count.
   */
  identities?: Pick<IdentityDirectory, 'resolver' | 'ownerOf'>;
  /** More than this many notices of one kind in one channel in one scan become one digest. Default 5. */
  digestThreshold?: number;
  /**
   * Notebooks that left RUNNING since the last scan are looked up one by one up to this many;
   * beyond it one full listing is cheaper. Default 10.
   */
  maxLookups?: number;
  /** How long a process may hold a notice while posting it before others may retry. Default 2 min. */
  reservationTtlMs?: number;
  /** Metrics hook, once per notebook notified. Must not throw. */
  onWarningSent?: (event: LeaseNoticeEvent) => void;
  /** Metrics hook for Slack 429s. */
  onSlackRateLimited?: (method: string) => void;
  /**
   * Working-hours schedules (src/schedules `ScheduleService.scheduledStop`): a warning before a
   * scheduled stop says so and offers "Skip tonight's stop". Without it no warning mentions schedules.
   */
  scheduledStop?: ScheduledStopLookup;
  /**
   * Usage accounting (src/usage through access control): each scan records what it saw running
   * (and which open runs it no longer sees), and warnings say how long the notebook ran and what
   * that cost so far.
   */
  usage?: UsageAccounting | undefined;
}

export interface LeaseWatcher {
  /** Schedules the scan on `cron`. Safe in every replica: each tick runs in only one of them. */
  start(): void;
  /** Stops scheduling and waits for a scan in progress. */
  stop(): Promise<void>;
  /** One scan now, uncoordinated (tests, `npm run doctor`). Concurrent scans never double-post. */
  scanOnce(now?: number): Promise<LeaseScanReport>;
  /**
   * What a cron tick does: claims the tick's slot in Redis (SET NX PX) and scans only if this
   * process won it. Returns undefined when another process has the slot.
   */
  runTick(slot: Date): Promise<LeaseScanReport | undefined>;
}

const BOT_STOP_TTL_MS = 24 * 3_600_000;

/**
 * Creates the lease watch: a scan that warns owners before ModelArts stops their notebooks at the
 * end of the lease, and reports once when it did. A scan is a plan (`plan.ts`: what is watched,
 * which notices are due) and its delivery (`deliver.ts`); `schedule.ts` runs it on the cron.
 *
 * Delivery rule: "no lost notifications, each threshold once". A notice is reserved in Redis
 * (`SET NX` with a short TTL), posted, then confirmed; a failed post releases the reservation and
 * the next scan retries. A crash between the post and the confirmation can at worst repeat one
 * notice (at-least-once): a duplicate is better than a silent auto-stop.
 */
export function createLeaseWatcher(options: LeaseWatcherOptions): LeaseWatcher {
  const clock = options.clock ?? systemClock;
  const log = (options.logger ?? createLogger({ level: 'silent' })).child({ component: 'lease-watch' });
  const state = new LeaseState({ redis: options.redis, prefix: options.prefix });
  const watchAll = options.watchAll ?? false;
  const schedule = createLeaseSchedule({ cronExpr: options.cron ?? '* * * * *', state, log, scan: () => scanOnce() });
  if (watchAll && !options.defaultChannel) {
    log.warn('WATCH_ALL_NOTEBOOKS is on without DEFAULT_CHANNEL: notebooks without a record are not watched');
  }
  const planner = createScanPlanner({
    api: options.api,
    store: options.store,
    state,
    log,
    thresholds: [...new Set(options.warnMinutes ?? [30, 5])].filter((m) => m > 0).sort((a, b) => b - a),
    watchAll,
    defaultChannel: options.defaultChannel,
    identities: options.identities,
    maxLookups: options.maxLookups ?? 10,
    scheduledStop: options.scheduledStop,
  });
  const delivery = createNoticeDelivery({
    slack: options.slack,
    state,
    log,
    digestThreshold: options.digestThreshold ?? 5,
    reservationTtlMs: options.reservationTtlMs ?? 120_000,
    onWarningSent: options.onWarningSent,
    onSlackRateLimited: options.onSlackRateLimited,
  });

  async function scanOnce(nowArg?: number): Promise<LeaseScanReport> {
    const now = nowArg ?? clock.now();
    const { running, watched, due, notebooks, owners } = await planner.plan(now);
    if (options.usage) await recordScanUsage(options.usage, { at: now, notebooks, owners, due }, log);
    // 4. Post, grouped by channel: a digest instead of a flood.
    const report: LeaseScanReport = { at: now, running, watched, warned: 0, digests: 0, expired: 0, deferred: 0 };
    await delivery.deliver(due, now, report);
    if (report.warned || report.expired || report.deferred) log.info(report, 'lease scan');
    else log.debug(report, 'lease scan');
    return report;
  }

  return { ...schedule, scanOnce };
}

/** Marks a notebook as stopped by the bot, so its stop is not reported as a lease expiry. */
export async function markBotStop(redis: Redis, prefix: string, notebookId: string): Promise<void> {
  await new LeaseState({ redis, prefix }).markBotStop(notebookId, BOT_STOP_TTL_MS);
}
