import { randomUUID } from 'node:crypto';
import type { Redis } from 'ioredis';
import type { Logger } from '../logger.js';
import { safeNotebookUrl } from '../messages/index.js';
import type { CallOptions, ModelArtsApi, Notebook, NotebookState } from '../modelarts/index.js';
import { isNotFound, ModelArtsThrottledError, NOTEBOOK_WALK_PAGE_SIZE, walkAllPages } from '../modelarts/index.js';
import type { OperationKind } from '../operations/index.js';
import { nextPollDelay, type PollTiming, type ReadyApproach, readyApproach } from './polling.js';

/**
 * Batched status polling: the notebooks that operations wait on are watched together.
 *
 * A step job that waits for a state (create/start → RUNNING, stop → STOPPED, delete → gone)
 * registers its notebook here with the moment its next look is due, and parks. A tick (every
 * `tickMs`, run by one worker of the fleet at a time: a lock in Redis) takes the notebooks whose
 * look is due and, per status they were last seen in, picks the cheaper way to look:
 *
 * - **list**: ListNotebooks filtered by that status (`status=`, 50 per page, `offset` a record
 *   offset: huaweicloud-sdk-go-v3 `model_list_notebooks_request.go`), walked to the end, each
 *   notebook parsed down to its state (`listNotebookStates`: a tick may list thousands); a
 *   notebook missing from the lists of this tick left its status and is read alone (ShowNotebook);
 * - **one by one**: ShowNotebook per due notebook, when they are fewer than the pages a list costs
 *   (a lone notebook is looked at exactly as before: one GET when its poll is due).
 *
 * What a tick saw is written to Redis (`<prefix>:poll:seen`), where the waiting job reads it
 * instead of calling ModelArts. Only a notebook that changed (status, creation steps, storage)
 * has its job woken (BullMQ promote): the ready message follows the tick that saw RUNNING. One
 * seen unchanged (due or not) has had its look: the board schedules the next one itself, backing
 * off like the job would (`nextPollDelay`), so the notebooks of one status fall into step and one
 * list serves them all, and an unchanged poll costs the worker no job activation at all.
 *
 * Nothing depends on the tick running: each job also parks with a deadline of its own (its poll
 * delay plus a grace of a few ticks, at least `slowPollMs`), and a job that wakes without a fresh
 * sighting (no worker ticked, ModelArts refused the list) looks itself, as it did before the
 * board. A worker that dies mid-tick leaves the lock to lapse; the next tick serves what it left.
 *
 * Keys (hash-tagged prefix): `poll:watch` (job id → entry), `poll:due` (job id → due time),
 * `poll:seen` (notebook id → sighting), `poll:totals` (status → last list total), `poll:lock`.
 * Times are wall-clock ms (`Date.now()`), like BullMQ's delays.
 */

/** The largest page ListNotebooks allows (`limit` 10, 20 or 50). */
export const BOARD_PAGE_SIZE = NOTEBOOK_WALK_PAGE_SIZE;

/**
 * Statuses a tick may list: the transitional ones operations wait in. Stable statuses (RUNNING,
 * STOPPED) are never listed: a project may hold thousands of them. In lifecycle order, so when a
 * notebook shows up in two lists of one tick (it moved between the calls), the later list wins.
 */
const LISTABLE = ['INIT', 'CREATING', 'STARTING', 'SNAPSHOTTING', 'STOPPING', 'DELETING'] as const;

/** Where a notebook in a status goes next, listed in the same tick to save a read per mover. */
const NEXT: Readonly<Record<string, readonly string[]>> = {
  INIT: ['CREATING'],
  CREATING: ['STARTING'],
};

/** One watched notebook, as stored. */
interface WatchEntry {
  /** The waiting job. */
  j: string;
  /** Its notebook. */
  n: string;
  /** The status the job last saw. */
  s: string;
  /** Fingerprint of what the job last saw (status, steps, storage). */
  f: string;
  /** When the job parked (a sighting at or after this is fresh for it). */
  p: number;
  /** The poll interval now (the job's, then the tick's backoff: `nextPollDelay`). */
  d: number;
  /** The operation: a create/start waits for RUNNING (its interval comes down near the end). */
  k: OperationKind;
  /**
   * When the board last looked and found the notebook as its stored sighting shows it: the
   * sighting is rewritten only when the notebook changed (or first after the job parked), and
   * its freshness is the later of the two.
   */
  l?: number;
}

/** What a tick saw of one notebook. `notebook` undefined: ModelArts no longer has it. */
export interface Sighting {
  at: number;
  notebook?: Notebook;
}

/** A sighting as the waiting job gets it, with the poll interval the board had reached. */
export interface JobSighting extends Sighting {
  delayMs: number;
}

/** What one tick did (for logs, metrics and tests). */
export interface BoardTickReport {
  /** Entries on the board. */
  watched: number;
  /** Entries whose look was due. */
  due: number;
  /** ListNotebooks calls (pages), per status. */
  listCalls: Record<string, number>;
  /** ShowNotebook calls. */
  showCalls: number;
  /** Notebooks seen (listed or read). */
  seen: number;
  /** Jobs woken. */
  woken: number;
  /** Wall ms the tick took. */
  ms: number;
}

export interface StatusBoardOptions {
  redis: Redis;
  /** Key prefix (`QUEUE_PREFIX`). */
  prefix: string;
  modelarts: ModelArtsApi;
  logger: Logger;
  /** How often each worker tries to tick; looks due within one tick are taken early. */
  tickMs: number;
  /** ModelArts call options (timeouts; `maxRetries: 0`: a failed look is retried by the next tick). */
  callOptions?: Pick<CallOptions, 'timeoutMs' | 'maxRetries'>;
  /** Wakes a parked job now (BullMQ promote). Must not throw when the job is not delayed. */
  wake(jobId: string): Promise<void>;
  /** Entries not renewed for this long are dropped (their job ended without saying so). */
  staleMs: number;
  /**
   * The tick lock's lifetime, renewed while the tick runs: a worker that died mid-tick holds it
   * at most this long (its notebooks' jobs look themselves meanwhile). Default 10 s.
   */
  lockTtlMs?: number;
  /** Reads one at a time, and list pages, at most this many in parallel. Default 8. */
  showConcurrency?: number;
  /** The poll schedule: a notebook seen unchanged is looked at again after `nextPollDelay`. */
  timing: Pick<PollTiming, 'initialMs' | 'maxMs' | 'nearReadyMs' | 'approachMs'>;
  /** Told each next look the board schedules itself (metrics). Must not throw. */
  onScheduled?: (kind: OperationKind, delayMs: number, seen: { status: string; approach: ReadyApproach }) => void;
}

export interface WatchRequest {
  jobId: string;
  notebook: Notebook;
  parkedAt: number;
  delayMs: number;
  lookedAt?: number | undefined;
  /** The operation waiting (create/start: looks come back to short intervals near RUNNING). */
  kind: OperationKind;
}

export interface StatusBoard {
  readonly tickMs: number;
  /**
   * How long after its poll is due a parked job wakes by itself when no tick woke it: four ticks
   * (at least 1 s), plus the time a tick has been taking. Only a dead ticker makes anyone wait it.
   */
  graceMs(): number;
  /**
   * A job parks (at `parkedAt`) waiting on `notebook`; its next look is due `delayMs` after
   * `lookedAt` (when what it acted on was seen; default `parkedAt`), so the jobs one list served
   * come due together again.
   */
  watch(w: WatchRequest): Promise<void>;
  /** The job no longer waits (it finished, failed, or parks for something else). */
  unwatch(jobId: string, notebookId?: string): Promise<void>;
  /**
   * What a tick saw of `notebookId` since job `jobId` parked waiting on it, if anything (one
   * round trip; undefined when the job is not on the board or nothing was seen since).
   */
  seenFor(jobId: string, notebookId: string): Promise<JobSighting | undefined>;
  /**
   * One tick, if something is due and this process wins the lock; undefined otherwise.
   * `now` for tests.
   */
  tick(now?: number): Promise<BoardTickReport | undefined>;
  /** Ticks every `tickMs` until `stop`. */
  start(): void;
  /** Stops ticking and waits for a tick in progress. */
  stop(): Promise<void>;
}

/** What decides whether a job wants to be woken: status, creation steps, storage state. */
export function notebookFingerprint(nb: Pick<Notebook, 'status' | 'action_progress' | 'volume'>): string {
  const steps = (nb.action_progress ?? []).map((s) => `${s.step}:${s.status ?? ''}`).join(',');
  return `${nb.status}|${nb.volume?.status ?? ''}|${steps}`;
}

/**
 * The part of a notebook an operation uses, without its token (and without an address that
 * carries it): what the board keeps in Redis.
 */
export function boardNotebook(nb: NotebookState): Notebook {
  const url = safeNotebookUrl(nb.url);
  const keepUrl = url && !(nb.token && url.includes(nb.token)) ? url : undefined;
  const out: Notebook = { id: nb.id, name: nb.name, status: nb.status };
  if (nb.fail_reason !== undefined) out.fail_reason = nb.fail_reason;
  if (nb.action_progress) out.action_progress = nb.action_progress;
  if (nb.flavor !== undefined) out.flavor = nb.flavor;
  if (nb.lease) out.lease = nb.lease;
  if (nb.volume?.status !== undefined) out.volume = { status: nb.volume.status };
  if (keepUrl) out.url = keepUrl;
  if (nb.create_at !== undefined) out.create_at = nb.create_at;
  if (nb.workspace_id !== undefined) out.workspace_id = nb.workspace_id;
  return out;
}

const RENEW_LOCK = `if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('PEXPIRE', KEYS[1], ARGV[2]) end return 0`;
/**
 * ARGV: groups of (job id, entry as the tick read it, new entry, new due time or '' to drop it
 * from the due set); each applied only when the entry is still the one read. Returns the ids applied.
 */
const UPDATE_UNCHANGED = `
local applied = {}
for i = 1, #ARGV, 4 do
  local id = ARGV[i]
  if redis.call('HGET', KEYS[1], id) == ARGV[i + 1] then
    redis.call('HSET', KEYS[1], id, ARGV[i + 2])
    if ARGV[i + 3] == '' then redis.call('ZREM', KEYS[2], id) else redis.call('ZADD', KEYS[2], 'XX', ARGV[i + 3], id) end
    applied[#applied + 1] = id
  end
end
return applied`;
const RELEASE_LOCK = `if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end return 0`;

export function createStatusBoard(o: StatusBoardOptions): StatusBoard {
  const k = {
    watch: `${o.prefix}:poll:watch`,
    due: `${o.prefix}:poll:due`,
    seen: `${o.prefix}:poll:seen`,
    totals: `${o.prefix}:poll:totals`,
    lock: `${o.prefix}:poll:lock`,
  };
  // Under the jobs logger (component: jobs): one `component` key per log line.
  const log = o.logger.child({ part: 'status-board' });
  const lockTtlMs = o.lockTtlMs ?? 10_000;
  const showConcurrency = o.showConcurrency ?? 8;
  const baseCallOptions: CallOptions = { maxRetries: 0, ...o.callOptions };
  let lastTickMs = 0;
  /** No calls before this (wall ms): ModelArts throttled the board. */
  let pausedUntil = 0;
  let timer: NodeJS.Timeout | undefined;
  let running: Promise<unknown> | undefined;
  let ticks = 0;
  /** Aborts the calls of the tick in progress when the worker stops (looks only: nothing is lost). */
  let abort = new AbortController();

  async function watch(w: WatchRequest): Promise<void> {
    const entry: WatchEntry = {
      j: w.jobId,
      n: w.notebook.id,
      s: w.notebook.status,
      f: notebookFingerprint(w.notebook),
      p: w.parkedAt,
      d: w.delayMs,
      k: w.kind,
    };
    await o.redis
      .multi()
      .hset(k.watch, w.jobId, JSON.stringify(entry))
      .zadd(k.due, Math.min(w.lookedAt ?? w.parkedAt, w.parkedAt) + w.delayMs, w.jobId)
      .exec();
  }

  async function unwatch(jobId: string, notebookId?: string): Promise<void> {
    const m = o.redis.multi().hdel(k.watch, jobId).zrem(k.due, jobId);
    if (notebookId) m.hdel(k.seen, notebookId);
    await m.exec();
  }

  async function seenFor(jobId: string, notebookId: string): Promise<JobSighting | undefined> {
    const res = (await o.redis.multi().hget(k.watch, jobId).hget(k.seen, notebookId).exec()) as Array<
      [Error | null, string | null]
    >;
    const rawEntry = res[0]?.[1];
    const rawSeen = res[1]?.[1];
    if (!rawEntry || !rawSeen) return undefined;
    const entry = JSON.parse(rawEntry) as WatchEntry;
    const seen = JSON.parse(rawSeen) as Sighting;
    const at = Math.max(seen.at, entry.l ?? 0);
    return entry.n === notebookId && at >= entry.p ? { ...seen, at, delayMs: entry.d } : undefined;
  }

  /**
   * ModelArts throttled us (429, per account): the board stops calling for its Retry-After (2 s
   * without one); jobs whose look falls due meanwhile look themselves, where the ops queue's own
   * throttling applies.
   */
  function throttled(err: unknown): boolean {
    if (!(err instanceof ModelArtsThrottledError)) return false;
    const until = Date.now() + (err.retryAfterMs ?? 2000);
    if (until > pausedUntil) {
      pausedUntil = until;
      log.warn({ retryAfterMs: err.retryAfterMs }, 'ModelArts throttled the status board; pausing it');
    }
    return true;
  }

  async function tick(nowArg?: number): Promise<BoardTickReport | undefined> {
    const now = nowArg ?? Date.now();
    if (Date.now() < pausedUntil) return undefined;
    const horizon = now + o.tickMs;
    const first = await o.redis.zrangebyscore(k.due, '-inf', horizon, 'LIMIT', 0, 1);
    if (first.length === 0) return undefined;
    const token = randomUUID();
    if ((await o.redis.set(k.lock, token, 'PX', lockTtlMs, 'NX')) !== 'OK') return undefined;
    const started = Date.now();
    // Held while this process lives: a long tick (thousands of notebooks) keeps it, a dead one
    // lets it lapse within `lockTtlMs`.
    const renew = setInterval(() => {
      o.redis.eval(RENEW_LOCK, 1, k.lock, token, String(lockTtlMs)).catch(() => undefined);
    }, lockTtlMs / 3);
    renew.unref();
    try {
      return await runTick(now, horizon);
    } finally {
      clearInterval(renew);
      lastTickMs = Date.now() - started;
      await o.redis.eval(RELEASE_LOCK, 1, k.lock, token).catch(() => undefined);
    }
  }

  async function runTick(now: number, horizon: number): Promise<BoardTickReport> {
    const started = Date.now();
    const callOptions: CallOptions = { ...baseCallOptions, signal: abort.signal };
    const [watchRes, dueRes, totalsRes] = (await o.redis
      .multi()
      .hgetall(k.watch)
      .zrangebyscore(k.due, '-inf', horizon)
      .hgetall(k.totals)
      .exec()) as Array<[Error | null, unknown]>;
    const rawEntries = (watchRes?.[1] ?? {}) as Record<string, string>;
    const dueIds = new Set((dueRes?.[1] ?? []) as string[]);
    const totals = (totalsRes?.[1] ?? {}) as Record<string, string>;

    const entries: WatchEntry[] = [];
    const stale: string[] = [];
    for (const [jobId, raw] of Object.entries(rawEntries)) {
      const e = JSON.parse(raw) as WatchEntry;
      if (now - (e.p + e.d) > o.staleMs) stale.push(jobId);
      else entries.push(e);
    }
    for (const id of dueIds) if (!(id in rawEntries)) stale.push(id);

    // Per status: how many wait in it, how many are due.
    const inStatus = new Map<string, number>();
    const dueIn = new Map<string, number>();
    for (const e of entries) {
      inStatus.set(e.s, (inStatus.get(e.s) ?? 0) + 1);
      if (dueIds.has(e.j)) dueIn.set(e.s, (dueIn.get(e.s) ?? 0) + 1);
    }
    const pagesOf = (status: string) =>
      Math.max(1, Math.ceil(Math.max(Number(totals[status] ?? 0), inStatus.get(status) ?? 0) / BOARD_PAGE_SIZE));
    const toList = new Set<string>();
    for (const status of LISTABLE) {
      const due = dueIn.get(status) ?? 0;
      // A list serves every notebook in the status; reading them one by one costs one call each.
      if (due > pagesOf(status)) toList.add(status);
    }
    for (const status of [...toList]) {
      for (const next of NEXT[status] ?? []) {
        // Worth a page when more notebooks might have moved there than the pages it costs.
        if (!toList.has(next) && (inStatus.get(status) ?? 0) > pagesOf(next)) toList.add(next);
      }
    }

    const listCalls: Record<string, number> = {};
    const listed = new Set<string>();
    const fromLists = new Map<string, NotebookState>();
    const newTotals: Record<string, number> = {};
    // A sighting is dated when its call was sent: after every entry read above was parked.
    const listedAt = Date.now();
    const walks = await Promise.all(
      LISTABLE.filter((status) => toList.has(status)).map(async (status) => {
        try {
          return { status, walk: await listStatus(status, callOptions, listCalls) };
        } catch (err) {
          if (throttled(err)) return { status, walk: undefined };
          // The due notebooks of this status are read one by one below, or by their jobs.
          log.warn({ err, status }, 'status list failed; reading its notebooks one by one');
          return { status, walk: undefined };
        }
      }),
    );
    // In lifecycle order: a notebook seen in two lists (it moved between the calls) keeps the later state.
    for (const { status, walk } of walks) {
      if (!walk) continue;
      for (const nb of walk.items) fromLists.set(nb.id, nb);
      listed.add(status);
      newTotals[status] = walk.total;
    }

    // Read alone: due and not in any list, or gone from the list of its status (it moved).
    const toShow = new Set<string>();
    for (const e of entries) {
      if (fromLists.has(e.n)) continue;
      if (dueIds.has(e.j) || listed.has(e.s)) toShow.add(e.n);
    }
    const sightings = new Map<string, Sighting>();
    for (const [id, nb] of fromLists) sightings.set(id, { at: listedAt, notebook: boardNotebook(nb) });
    let showCalls = 0;
    const ids = [...toShow];
    let next = 0;
    const readers = Array.from({ length: Math.min(showConcurrency, ids.length) }, async () => {
      while (next < ids.length && Date.now() >= pausedUntil) {
        const id = ids[next++] as string;
        showCalls++;
        const at = Date.now();
        try {
          const nb = await o.modelarts.showNotebook(id, callOptions);
          sightings.set(id, { at, notebook: boardNotebook(nb) });
        } catch (err) {
          if (isNotFound(err)) sightings.set(id, { at });
          else if (!throttled(err)) log.warn({ err, notebookId: id }, 'status read failed; its job will look itself');
        }
      }
    });
    await Promise.all(readers);

    // Write what was seen of the watched notebooks; wake the due and the changed; move the others on.
    const seenFields: string[] = [];
    /** Per entry: its new JSON and due time ('' = no longer due), applied only if unchanged since read. */
    const updates: string[] = [];
    const woken = new Set<string>();
    const scheduled: Array<{ e: WatchEntry; d: number; status: string; approach: ReadyApproach }> = [];
    const watchedIds = new Set<string>();
    for (const e of entries) {
      const s = sightings.get(e.n);
      if (!s) continue;
      // The sighting is written when it says something new: the notebook changed, or this is the
      // first look since the job parked (`l` unset); otherwise the entry's `l` dates it.
      const unchanged = s.notebook !== undefined && e.l !== undefined && notebookFingerprint(s.notebook) === e.f;
      if (!unchanged && !watchedIds.has(e.n)) {
        watchedIds.add(e.n);
        seenFields.push(e.n, JSON.stringify(s));
      }
      const raw = rawEntries[e.j] as string;
      if (!s.notebook) {
        // Gone: its job ends the operation.
        woken.add(e.j);
        updates.push(e.j, raw, raw, '');
        continue;
      }
      const fingerprint = notebookFingerprint(s.notebook);
      // Changed: its job is woken to act on it. Either way that was its look, and the board keeps
      // looking on the job's schedule (backing off like the job would, coming back to short
      // intervals near RUNNING) until the job parks again: a busy worker slow to run a woken job
      // does not leave its notebook unwatched, and the job then reads the latest sighting.
      const changed = fingerprint !== e.f;
      if (changed) woken.add(e.j);
      if (!(LISTABLE as readonly string[]).includes(s.notebook.status)) {
        // A stable state (RUNNING, STOPPED, failed…): the job acts on it; it puts the notebook
        // back on the board itself if it still waits (storage still resizing). Not looked at
        // again meanwhile, nor counted among the notebooks of the status it left.
        updates.push(e.j, raw, JSON.stringify({ ...e, f: fingerprint, s: s.notebook.status, l: s.at }), '');
        continue;
      }
      const approach: ReadyApproach = e.k === 'create' || e.k === 'start' ? readyApproach(s.notebook) : 'far';
      const d = nextPollDelay(e.d, o.timing, approach);
      // Unchanged: the board scheduled this look itself. Changed: the woken job schedules its next
      // look from the same interval (`d` stays for it).
      const next: WatchEntry = changed ? { ...e, f: fingerprint, s: s.notebook.status, l: s.at } : { ...e, d, l: s.at };
      if (!changed) scheduled.push({ e, d, status: s.notebook.status, approach });
      updates.push(e.j, raw, JSON.stringify(next), String(s.at + d));
    }
    const m = o.redis.multi();
    if (seenFields.length) m.hset(k.seen, ...seenFields);
    if (Object.keys(newTotals).length) m.hset(k.totals, newTotals);
    if (stale.length) m.hdel(k.watch, ...stale).zrem(k.due, ...stale);
    // An entry its job rewrote meanwhile (it parked again) is left as the job wrote it.
    m.eval(UPDATE_UNCHANGED, 2, k.watch, k.due, ...updates);
    const res = (await m.exec()) ?? [];
    const applied = new Set((res.at(-1)?.[1] ?? []) as string[]);
    for (const x of scheduled) {
      if (applied.has(x.e.j)) o.onScheduled?.(x.e.k, x.d, { status: x.status, approach: x.approach });
    }
    await Promise.all([...woken].filter((j) => applied.has(j)).map((jobId) => o.wake(jobId).catch(() => undefined)));

    if (++ticks % 100 === 0) await pruneSightings(now, new Set(entries.map((e) => e.n)));
    const report: BoardTickReport = {
      watched: entries.length,
      due: [...dueIds].filter((id) => id in rawEntries).length,
      listCalls,
      showCalls,
      seen: sightings.size,
      woken: [...woken].filter((j) => applied.has(j)).length,
      ms: Date.now() - started,
    };
    log.debug(report, 'status board tick');
    return report;
  }

  /**
   * Every notebook in `status`: the first page says how many there are, the other pages are
   * fetched in parallel (`offset` a record offset). A notebook that moved while the pages were
   * read may be missed, and is then read alone: never a wrong state, at most one more call.
   */
  async function listStatus(
    status: string,
    callOptions: CallOptions,
    listCalls: Record<string, number>,
  ): Promise<{ items: NotebookState[]; total: number }> {
    const page = (offset: number) => {
      listCalls[status] = (listCalls[status] ?? 0) + 1;
      // Each notebook parsed down to its state: a tick lists every waiting notebook.
      return o.modelarts.listNotebookStates(
        { status: status as 'CREATING', limit: BOARD_PAGE_SIZE, offset },
        callOptions,
      );
    };
    const walk = await walkAllPages<NotebookState>({
      pageSize: BOARD_PAGE_SIZE,
      maxPages: 1000,
      idOf: (nb) => nb.id,
      concurrency: showConcurrency,
      fetchPage: async (offset) => {
        const p = await page(offset);
        return { items: p.data, total: p.total };
      },
    });
    return { items: walk.items, total: walk.total ?? walk.items.length };
  }

  /** Drops sightings of notebooks nobody watches any more (their job ended without unwatching). */
  async function pruneSightings(now: number, watched: ReadonlySet<string>): Promise<void> {
    const all = await o.redis.hgetall(k.seen);
    const drop = Object.entries(all)
      .filter(([id, raw]) => !watched.has(id) && now - (JSON.parse(raw) as Sighting).at > o.staleMs)
      .map(([id]) => id);
    if (drop.length) await o.redis.hdel(k.seen, ...drop);
  }

  return {
    tickMs: o.tickMs,
    graceMs: () => Math.max(4 * o.tickMs, 1000) + lastTickMs,
    watch,
    unwatch,
    seenFor,
    tick,
    start() {
      if (timer) return;
      timer = setInterval(() => {
        if (running) return;
        running = tick()
          .catch((err) => log.warn({ err }, 'status board tick failed'))
          .finally(() => {
            running = undefined;
          });
      }, o.tickMs);
      timer.unref();
    },
    async stop() {
      if (timer) clearInterval(timer);
      timer = undefined;
      abort.abort();
      await running;
      abort = new AbortController();
    },
  };
}
