import { randomUUID } from 'node:crypto';
import type { WebClient } from '@slack/web-api';
import type { Redis } from 'ioredis';
import cron, { type ScheduledTask } from 'node-cron';
import type { IdentityDirectory } from '../access/index.js';
import { type Clock, systemClock } from '../clock.js';
import { ConfigError } from '../errors.js';
import { createLogger, type Logger } from '../logger.js';
import {
  type LeaseMessage,
  type LeaseNoticeItem,
  leaseEndedDigest,
  leaseEndedMessage,
  leaseWarningDigest,
  leaseWarningMessage,
} from '../messages/index.js';
import type { ModelArtsApi } from '../modelarts/index.js';
import {
  isNotFound,
  type LeaseInfo,
  leaseEndsAt,
  leaseFromApi,
  leaseKey,
  type Notebook,
  planWarning,
  sameLease,
  TRANSITIONAL_STATUSES,
  timeLeftMs,
} from '../modelarts/index.js';
import type { NotebookRecord, NotebookStore } from '../store/index.js';
import { type PostOutcome, postLeaseMessage } from './slack-post.js';
import { LeaseState, type RunningEntry } from './state.js';

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

const HOUR = 3_600_000;
const DAY = 24 * HOUR;
/** Keeps "sent" marks beyond the lease's end; afterwards the (create_at, duration) pair cannot recur. */
const SENT_GRACE_MS = DAY;
const SLOT_TTL_MS = 15 * 60_000;
const BOT_STOP_TTL_MS = DAY;

/** A notice due in this scan. */
interface DueNotice {
  kind: 'warning' | 'ended';
  item: LeaseNoticeItem;
  channelId: string;
  threadTs: string | undefined;
  /** Reservation key. */
  key: string;
  /** Keys confirmed together with `key` (the less urgent thresholds it makes moot). */
  alsoConfirm: string[];
  threshold: number | 'ended';
  /** TTL of the "sent" marks. */
  sentTtlMs: number;
}

/** A RUNNING notebook this watcher is responsible for. */
interface Target {
  notebook: Notebook;
  record: NotebookRecord | undefined;
  channelId: string;
  threadTs: string | undefined;
  ownerId: string | undefined;
  lease: LeaseInfo;
}

/**
 * Creates the lease watch: a scan that warns owners before ModelArts stops their notebooks at the
 * end of the lease, and reports once when it did.
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
  const thresholds = [...new Set(options.warnMinutes ?? [30, 5])].filter((m) => m > 0).sort((a, b) => b - a);
  const watchAll = options.watchAll ?? false;
  const digestThreshold = options.digestThreshold ?? 5;
  const maxLookups = options.maxLookups ?? 10;
  const reservationTtlMs = options.reservationTtlMs ?? 120_000;
  const cronExpr = options.cron ?? '* * * * *';
  if (!cron.validate(cronExpr)) {
    throw new ConfigError(`LEASE_SCAN_CRON "${cronExpr}" is not a valid cron expression (e.g. "* * * * *").`);
  }
  if (watchAll && !options.defaultChannel) {
    log.warn('WATCH_ALL_NOTEBOOKS is on without DEFAULT_CHANNEL: notebooks without a record are not watched');
  }

  let task: ScheduledTask | undefined;
  let inFlight: Promise<unknown> | undefined;
  const missingLease = new Set<string>();

  const emit = (event: LeaseNoticeEvent) => {
    try {
      options.onWarningSent?.(event);
    } catch (err) {
      log.warn({ err }, 'onWarningSent hook threw');
    }
  };

  /** The RUNNING notebooks of the project, in a few large pages. */
  async function listRunning(): Promise<Notebook[]> {
    const all = await options.api.listAllNotebooks({ status: 'RUNNING' });
    // The filter is the service's; re-check it so a service that ignores `status` costs calls, not correctness.
    return all.filter((n) => n.status === 'RUNNING');
  }

  /** Bot-known notebooks always; everything else only with WATCH_ALL_NOTEBOOKS and somewhere to post. */
  function isWatched(record: NotebookRecord | undefined): boolean {
    if (record && record.origin !== 'external') return true;
    return watchAll && Boolean(record?.channelId || options.defaultChannel);
  }

  function targetFor(nb: Notebook, record: NotebookRecord | undefined, lease: LeaseInfo, linkedOwner?: string): Target {
    // Notebooks without a record of their own go to DEFAULT_CHANNEL, at the top level: there is
    // no thread to reply in and nobody to mention.
    const own = record?.channelId;
    return {
      notebook: nb,
      record,
      channelId: own || (options.defaultChannel as string),
      threadTs: own ? record?.threadTs : undefined,
      ownerId: linkedOwner ?? record?.ownerId,
      lease,
    };
  }

  /**
   * The owner of a notebook by its creator's identity link, when the bot recorded no owner of its
   * own. The first time, a record is written (`origin: 'linked'`) with the owner's DM as its
   * channel: the warning's buttons, the worker and App Home then know it like any other.
   */
  async function linkedOwnerOf(
    nb: Notebook,
    record: NotebookRecord | undefined,
    resolve: Awaited<ReturnType<IdentityDirectory['resolver']>>,
    now: number,
  ): Promise<{ ownerId: string; record: NotebookRecord } | undefined> {
    const identities = options.identities;
    if (!identities || (record?.ownerId && record.origin !== 'linked')) return undefined;
    const creator = nb.user ? { id: nb.user.id, name: nb.user.name } : undefined;
    const ownership = await identities.ownerOf(record, creator, resolve);
    if (!ownership.ownerId) return undefined;
    if (record) return { ownerId: ownership.ownerId, record };
    const created: NotebookRecord = {
      notebookId: nb.id,
      name: nb.name || nb.id,
      ownerId: ownership.ownerId,
      // A user id as the channel: chat.postMessage opens the DM with the bot.
      channelId: ownership.ownerId,
      origin: 'linked',
      createdAt: now,
      updatedAt: now,
      ...(nb.flavor ? { flavor: nb.flavor } : {}),
      lastStatus: nb.status,
      ...(creator?.id ? { iamUserId: creator.id } : {}),
      ...(creator?.name ? { iamUserName: creator.name } : {}),
    };
    await options.store.put(created);
    log.info({ notebookId: nb.id }, 'watching a notebook made outside the bot for its linked owner');
    return { ownerId: ownership.ownerId, record: created };
  }

  async function leaseOf(nb: Notebook): Promise<LeaseInfo | undefined> {
    const fromList = leaseFromApi(nb.lease);
    if (fromList) return fromList;
    // The list should carry the lease; if this service version does not, one lookup per such
    // notebook is the price of watching it (logged once, so a systematic gap is visible).
    if (!missingLease.has(nb.id)) {
      missingLease.add(nb.id);
      log.info({ notebookId: nb.id }, 'list item has no lease; reading it with ShowLease');
    }
    try {
      return leaseFromApi(await options.api.showLease(nb.id));
    } catch (err) {
      log.warn({ err, notebookId: nb.id }, 'cannot read lease; skipping this notebook this scan');
      return undefined;
    }
  }

  /** Notebooks that left RUNNING since the last scan, as they are now: lookups when few, one listing when many. */
  async function currentOf(ids: readonly string[]): Promise<Map<string, Notebook | 'gone'>> {
    const out = new Map<string, Notebook | 'gone'>();
    if (ids.length === 0) return out;
    if (ids.length > maxLookups) {
      const all = await options.api.listAllNotebooks({});
      const byId = new Map(all.map((n) => [n.id, n]));
      for (const id of ids) out.set(id, byId.get(id) ?? 'gone');
      return out;
    }
    for (const id of ids) {
      try {
        out.set(id, await options.api.showNotebook(id));
      } catch (err) {
        if (isNotFound(err)) out.set(id, 'gone');
        else log.warn({ err, notebookId: id }, 'cannot read notebook status; will retry next scan');
      }
    }
    return out;
  }

  async function scanOnce(nowArg?: number): Promise<LeaseScanReport> {
    const now = nowArg ?? clock.now();
    const [records, runningList, previous] = await Promise.all([
      options.store.listAll(),
      listRunning(),
      state.runningAll(),
    ]);
    const recordById = new Map(records.map((r) => [r.notebookId, r]));
    const runningIds = new Set(runningList.map((n) => n.id));

    // 1. What we watch now, and the "last seen RUNNING" state for the next scan.
    const resolve = options.identities ? await options.identities.resolver() : undefined;
    const targets: Target[] = [];
    for (const nb of runningList) {
      let record = recordById.get(nb.id);
      const linked = resolve ? await linkedOwnerOf(nb, record, resolve, now) : undefined;
      if (linked) record = linked.record;
      // A record kept because of a link that is gone no longer makes its notebook watched.
      else if (record?.origin === 'linked' && resolve) record = undefined;
      if (!linked && !isWatched(record)) continue;
      const lease = await leaseOf(nb);
      if (lease) targets.push(targetFor(nb, record, lease, linked?.ownerId));
    }
    const targetIds = new Set(targets.map((t) => t.notebook.id));
    const updates = new Map<string, RunningEntry>();
    const newRuns: string[] = [];
    for (const t of targets) {
      const prev = previous.get(t.notebook.id);
      const entry: RunningEntry = {
        name: t.notebook.name || t.record?.name || t.notebook.id,
        channelId: t.channelId,
        ...(t.threadTs ? { threadTs: t.threadTs } : {}),
        ...(t.ownerId ? { ownerId: t.ownerId } : {}),
        lease: t.lease,
        seenAt: prev && sameLease(prev.lease, t.lease) ? prev.seenAt : now,
      };
      // A start keeps create_at and moves duration, like a renewal, so a restart shows only as a
      // new lease; a renewal clears the mark too, which is harmless: a stop before the lease's
      // end is never reported as its expiry.
      if (!prev || !sameLease(prev.lease, t.lease)) newRuns.push(t.notebook.id);
      if (!prev || JSON.stringify(prev) !== JSON.stringify(entry)) updates.set(t.notebook.id, entry);
    }
    await state.setRunning(updates);
    await patchStore(targets);
    // A new run (first sight, or a new lease since we last looked) voids any old "the bot stopped
    // it" mark: left in place, it would hide this run's real lease expiry.
    await state.clearBotStops(newRuns);

    // 2. Warnings due now.
    const due: DueNotice[] = [];
    const candidates: Array<{ t: Target; threshold: number; covers: number[] }> = [];
    for (const t of targets) {
      const plan = planWarning(timeLeftMs(t.lease, now), thresholds);
      if (plan) candidates.push({ t, ...plan });
    }
    const lk = (t: Target) => leaseKey(t.lease);
    const [noticeStatuses, dismissed] = await Promise.all([
      state.noticeStatuses(candidates.map((c) => state.noticeKey(c.t.notebook.id, lk(c.t), `w${c.threshold}`))),
      state.existing(candidates.map((c) => state.dismissedKey(c.t.notebook.id, lk(c.t)))),
    ]);
    candidates.forEach((c, i) => {
      if (dismissed[i] || noticeStatuses[i] !== 'free') return;
      const id = c.t.notebook.id;
      const key = state.noticeKey(id, lk(c.t), `w${c.threshold}`);
      due.push({
        kind: 'warning',
        item: {
          notebookId: id,
          name: c.t.notebook.name || c.t.record?.name || id,
          ...(c.t.ownerId ? { ownerId: c.t.ownerId } : {}),
          lease: c.t.lease,
        },
        channelId: c.t.channelId,
        threadTs: c.t.threadTs,
        key,
        alsoConfirm: c.covers.filter((m) => m !== c.threshold).map((m) => state.noticeKey(id, lk(c.t), `w${m}`)),
        threshold: c.threshold,
        sentTtlMs: Math.max(0, leaseEndsAt(c.t.lease) - now) + SENT_GRACE_MS,
      });
    });

    // 3. Notebooks that left RUNNING since the last scan: did their lease stop them?
    const stillRunningButUnwatched = [...previous.keys()].filter((id) => runningIds.has(id) && !targetIds.has(id));
    await state.removeRunning(stillRunningButUnwatched);
    const leavers = [...previous.keys()].filter((id) => !runningIds.has(id));
    const current = await currentOf(leavers);
    const botStops = await state.existing(leavers.map((id) => state.botStopKey(id)));
    const done: string[] = [];
    const consumedBotStops: string[] = [];
    for (const [i, id] of leavers.entries()) {
      const entry = previous.get(id);
      const nb = current.get(id);
      if (!entry || nb === undefined) continue; // lookup failed: decide next scan
      const status = nb === 'gone' ? 'DELETED' : nb.status;
      // Back to RUNNING between the list and the lookup, or still on its way down: wait and see.
      if (status === 'RUNNING' || TRANSITIONAL_STATUSES.has(status)) continue;
      const record = recordById.get(id);
      if (record && record.lastStatus !== status) await options.store.patch(id, { lastStatus: status });
      if (botStops[i]) consumedBotStops.push(id);
      // A renewal between our last look and the stop keeps create_at: prefer the live lease then.
      // A different create_at is another run (or a service that resets leases on stop): keep ours.
      const live = nb === 'gone' ? undefined : leaseFromApi(nb.lease);
      const lease = live && live.createAt === entry.lease.createAt ? live : entry.lease;
      const endedByLease = status === 'STOPPED' && leaseEndsAt(lease) <= now && !botStops[i];
      if (!endedByLease) {
        done.push(id);
        continue;
      }
      due.push({
        kind: 'ended',
        item: {
          notebookId: id,
          name: entry.name,
          ...(entry.ownerId ? { ownerId: entry.ownerId } : {}),
          lease,
        },
        channelId: entry.channelId,
        threadTs: entry.threadTs,
        key: state.noticeKey(id, leaseKey(lease), 'ended'),
        alsoConfirm: [],
        threshold: 'ended',
        sentTtlMs: 7 * DAY,
      });
    }
    await state.removeRunning(done);
    // A bot-stop mark has done its job once the stop is seen.
    await state.clearBotStops(consumedBotStops);

    // 4. Post, grouped by channel: a digest instead of a flood.
    const report: LeaseScanReport = {
      at: now,
      running: runningList.length,
      watched: targets.length,
      warned: 0,
      digests: 0,
      expired: 0,
      deferred: 0,
    };
    await deliver(due, now, report);
    if (report.warned || report.expired || report.deferred) log.info(report, 'lease scan');
    else log.debug(report, 'lease scan');
    return report;
  }

  /** Keeps the store's last status and lease fresh for the rest of the bot (App Home, restarts). */
  async function patchStore(targets: readonly Target[]): Promise<void> {
    for (const t of targets) {
      const r = t.record;
      if (!r) continue;
      if (
        r.lastStatus === 'RUNNING' &&
        r.leaseCreateAt === t.lease.createAt &&
        r.leaseDurationMs === t.lease.durationMs &&
        r.leaseType === t.lease.type
      ) {
        continue;
      }
      await options.store.patch(r.notebookId, {
        lastStatus: 'RUNNING',
        leaseCreateAt: t.lease.createAt,
        leaseDurationMs: t.lease.durationMs,
        leaseType: t.lease.type,
      });
    }
  }

  async function deliver(due: readonly DueNotice[], now: number, report: LeaseScanReport): Promise<void> {
    const byChannel = new Map<string, DueNotice[]>();
    for (const d of due) {
      const list = byChannel.get(d.channelId) ?? [];
      list.push(d);
      byChannel.set(d.channelId, list);
    }
    for (const [channelId, list] of byChannel) {
      let rateLimited = false;
      // Warnings first: they can still change the outcome; expiry notices cannot.
      for (const kind of ['warning', 'ended'] as const) {
        const group = list.filter((d) => d.kind === kind);
        if (group.length === 0) continue;
        if (rateLimited) {
          report.deferred += group.length;
          continue;
        }
        const token = randomUUID();
        const mine: DueNotice[] = [];
        for (const d of group) {
          const r = await state.reserve(d.key, token, reservationTtlMs);
          if (r === 'reserved') mine.push(d);
          else if (r === 'sent' || r === 'failed') {
            if (d.kind === 'ended') await state.removeRunning([d.item.notebookId]);
          }
          // busy: another process is posting it right now.
        }
        if (mine.length === 0) continue;
        if (mine.length > digestThreshold) {
          const msg =
            kind === 'warning'
              ? leaseWarningDigest(
                  mine.map((d) => d.item),
                  now,
                )
              : leaseEndedDigest(mine.map((d) => d.item));
          const outcome = await postLeaseMessage(options.slack, channelId, undefined, msg);
          await settle(mine, outcome, token, now, report, true);
          if (!outcome.ok && outcome.kind === 'rate_limited') rateLimited = true;
          continue;
        }
        let posted = 0;
        for (const d of mine) {
          if (rateLimited) break;
          const msg: LeaseMessage = d.kind === 'warning' ? leaseWarningMessage(d.item, now) : leaseEndedMessage(d.item);
          const outcome = await postLeaseMessage(options.slack, channelId, d.threadTs, msg);
          await settle([d], outcome, token, now, report, false);
          posted += 1;
          if (!outcome.ok && outcome.kind === 'rate_limited') rateLimited = true;
        }
        // Free what we reserved but did not try, so the next scan (in any process) can.
        for (const d of mine.slice(posted)) await state.release(d.key, token);
        report.deferred += mine.length - posted;
      }
    }
  }

  async function settle(
    notices: readonly DueNotice[],
    outcome: PostOutcome,
    token: string,
    now: number,
    report: LeaseScanReport,
    digest: boolean,
  ): Promise<void> {
    if (outcome.ok) {
      for (const d of notices) {
        await state.confirm([d.key, ...d.alsoConfirm], d.sentTtlMs, now);
        if (d.kind === 'ended') {
          await state.removeRunning([d.item.notebookId]);
          report.expired += 1;
        } else {
          report.warned += 1;
        }
        emit({
          kind: d.kind === 'ended' ? 'expired' : digest ? 'digest' : 'single',
          threshold: d.threshold,
          notebookId: d.item.notebookId,
          channelId: d.channelId,
          messageTs: outcome.ts,
        });
      }
      if (digest) report.digests += 1;
      return;
    }
    const channelId = notices[0]?.channelId;
    if (outcome.kind === 'rate_limited') options.onSlackRateLimited?.('chat.postMessage');
    if (outcome.kind === 'permanent') {
      // Slack will refuse this every time (channel gone, bot removed): stop retrying this notice.
      log.warn(
        { channelId, error: outcome.error, count: notices.length },
        'lease notice undeliverable; giving up on it',
      );
      for (const d of notices) {
        await state.giveUp(d.key, outcome.error, d.sentTtlMs);
        if (d.kind === 'ended') await state.removeRunning([d.item.notebookId]);
      }
      return;
    }
    log.warn(
      { channelId, error: outcome.error, kind: outcome.kind, count: notices.length },
      'lease notice not posted; the next scan retries it',
    );
    for (const d of notices) await state.release(d.key, token);
    report.deferred += notices.length;
  }

  async function runTick(slot: Date): Promise<LeaseScanReport | undefined> {
    const slotId = slot.toISOString();
    if (!(await state.claimSlot(slotId, SLOT_TTL_MS))) {
      log.debug({ slot: slotId }, 'lease scan slot taken by another process');
      return undefined;
    }
    return scanOnce();
  }

  const cronLogger = {
    info: (m: string) => log.debug(m),
    warn: (m: string) => log.warn(m),
    error: (m: string | Error, err?: Error) => log.error({ err: err ?? m }, 'lease scan scheduler error'),
    debug: (m: string | Error) => log.debug(String(m)),
  };

  return {
    start() {
      if (task) return;
      task = cron.schedule(
        cronExpr,
        async (ctx) => {
          const run = runTick(ctx.date).catch((err: unknown) => {
            log.error({ err }, 'lease scan failed; the next tick retries');
          });
          inFlight = run;
          await run;
        },
        { noOverlap: true, logger: cronLogger },
      );
    },
    async stop() {
      const t = task;
      task = undefined;
      if (t) {
        await t.stop();
        await t.destroy();
      }
      await inFlight;
    },
    scanOnce,
    runTick,
  };
}

/** Marks a notebook as stopped by the bot, so its stop is not reported as a lease expiry. */
export async function markBotStop(redis: Redis, prefix: string, notebookId: string): Promise<void> {
  await new LeaseState({ redis, prefix }).markBotStop(notebookId, BOT_STOP_TTL_MS);
}
