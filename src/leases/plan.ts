import type { IdentityDirectory } from '../access/index.js';
import type { Logger } from '../logger.js';
import type { LeaseNoticeItem } from '../messages/index.js';
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
import type { LeaseState, RunningEntry } from './state.js';

const DAY = 24 * 3_600_000;
/** Keeps "sent" marks beyond the lease's end; afterwards the (create_at, duration) pair cannot recur. */
const SENT_GRACE_MS = DAY;

/** A notice due in this scan. */
export interface DueNotice {
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

/** What a scan found: how many notebooks run and are watched, and the notices due now. */
export interface ScanPlan {
  running: number;
  watched: number;
  due: DueNotice[];
  /** The RUNNING listing itself, and who owns each notebook as far as the bot knows (usage accounting). */
  notebooks?: readonly Notebook[];
  owners?: ReadonlyMap<string, { ownerId?: string | undefined; origin?: string | undefined }>;
}

export interface ScanPlannerOptions {
  api: ModelArtsApi;
  store: NotebookStore;
  state: LeaseState;
  log: Logger;
  /** Warning thresholds in minutes, most distant first. */
  thresholds: readonly number[];
  watchAll: boolean;
  defaultChannel?: string | undefined;
  identities?: Pick<IdentityDirectory, 'resolver' | 'ownerOf'> | undefined;
  maxLookups: number;
  /** Whether a lease end is a working-hours schedule's stop (src/schedules, injected by the composition root). */
  scheduledStop?: ScheduledStopLookup | undefined;
}

/** The schedule behind a lease end, when it is a scheduled stop; never throws (undefined instead). */
export type ScheduledStopLookup = (
  notebookId: string,
  leaseEnd: number,
) => Promise<{ text: string; close: number; nextStart?: number } | undefined>;

/**
 * The first three phases of a scan: (1) what is watched now, recorded as "last seen RUNNING" for
 * the next scan; (2) the warnings due; (3) the notebooks that left RUNNING since the last scan,
 * and which of them their lease stopped. Delivering the notices is `deliver.ts`.
 */
export function createScanPlanner(options: ScanPlannerOptions): { plan(now: number): Promise<ScanPlan> } {
  const { state, log, thresholds, watchAll, maxLookups } = options;
  const missingLease = new Set<string>();

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

  async function plan(now: number): Promise<ScanPlan> {
    const [records, runningList, previous] = await Promise.all([
      options.store.listAll(),
      listRunning(),
      state.runningAll(),
    ]);
    const recordById = new Map(records.map((r) => [r.notebookId, r]));
    const targets = await watchTargets(runningList, recordById, previous, now);
    const due = await dueWarnings(targets, now);
    due.push(...(await dueExpiries(runningList, targets, recordById, previous, now)));
    await markScheduledStops(due);
    const owners = new Map<string, { ownerId?: string | undefined; origin?: string | undefined }>(
      records.map((r) => [r.notebookId, { ownerId: r.ownerId, origin: r.origin }]),
    );
    for (const t of targets) owners.set(t.notebook.id, { ownerId: t.ownerId, origin: t.record?.origin });
    return { running: runningList.length, watched: targets.length, due, notebooks: runningList, owners };
  }

  /** 1. What we watch now, and the "last seen RUNNING" state for the next scan. */
  async function watchTargets(
    runningList: readonly Notebook[],
    recordById: ReadonlyMap<string, NotebookRecord>,
    previous: ReadonlyMap<string, RunningEntry>,
    now: number,
  ): Promise<Target[]> {
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
    return targets;
  }

  /** 2. Warnings due now. */
  async function dueWarnings(targets: readonly Target[], now: number): Promise<DueNotice[]> {
    const due: DueNotice[] = [];
    const candidates: Array<{ t: Target; threshold: number; covers: number[] }> = [];
    for (const t of targets) {
      const warning = planWarning(timeLeftMs(t.lease, now), thresholds);
      if (warning) candidates.push({ t, ...warning });
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
    return due;
  }

  /** 2b. Warnings before a scheduled stop say so (and offer to skip it); an expiry that was one says so too. */
  async function markScheduledStops(due: DueNotice[]): Promise<void> {
    const lookup = options.scheduledStop;
    if (!lookup) return;
    for (const d of due) {
      try {
        const scheduled = await lookup(d.item.notebookId, leaseEndsAt(d.item.lease));
        if (scheduled) d.item = { ...d.item, scheduled };
      } catch (err) {
        log.warn({ err, notebookId: d.item.notebookId }, 'cannot read the schedule; warning without it');
      }
    }
  }

  /** 3. Notebooks that left RUNNING since the last scan: did their lease stop them? */
  async function dueExpiries(
    runningList: readonly Notebook[],
    targets: readonly Target[],
    recordById: ReadonlyMap<string, NotebookRecord>,
    previous: ReadonlyMap<string, RunningEntry>,
    now: number,
  ): Promise<DueNotice[]> {
    const runningIds = new Set(runningList.map((n) => n.id));
    const targetIds = new Set(targets.map((t) => t.notebook.id));
    const due: DueNotice[] = [];
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
    return due;
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

  return { plan };
}
