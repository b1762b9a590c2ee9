import type { Redis } from 'ioredis';
import type { LeaseInfo } from '../modelarts/index.js';
import { loadLua } from '../store/index.js';

/**
 * Everything the lease watch remembers, in Redis, so a restart loses nothing and any number of
 * processes share one view:
 *
 * - `lease:slot:<iso>`: one scan per cron tick across replicas (SET NX PX).
 * - `lease:notice:<id>:<lease>:<what>`: one key per warning threshold (`w30`, `w5`) or `ended`
 *   notice of one lease. Value `R:<token>` = reserved by a process that is posting right now (with a
 *   short TTL); `S:<at>` = sent; `F:<error>` = given up (Slack refused it for good). A reservation
 *   that expires without confirmation (crash, timeout, 429) frees the notice for the next scan:
 *   delivery is at-least-once, never "marked sent but lost".
 * - `lease:dismissed:<id>:<lease>`: the owner silenced this lease's warnings.
 * - `lease:bot-stop:<id>`: the bot itself stopped the notebook (so its end is not reported as a
 *   lease expiry).
 * - `lease:running` (hash id → JSON): notebooks seen RUNNING by the last scan, with the lease and
 *   where to post; a notebook that left RUNNING since is checked for "stopped: its lease ended".
 *
 * All keys start with the configured, hash-tagged prefix, so they live in one Cluster slot.
 */

/** A notebook the previous scan saw RUNNING, with what the "stopped" notice needs. */
export interface RunningEntry {
  name: string;
  channelId: string;
  threadTs?: string;
  ownerId?: string;
  lease: LeaseInfo;
  /** When a scan first saw this lease (epoch ms, watcher clock). */
  seenAt: number;
}

/** Where one notice stands. */
export type NoticeStatus = 'free' | 'reserved' | 'sent' | 'failed';

export interface LeaseStateOptions {
  redis: Redis;
  /** Key prefix, hash-tagged for Redis Cluster, e.g. `{nbbot}`. */
  prefix: string;
}

// Atomic "reserve unless sent or reserved": one round trip, and no window between the check and
// the write in which a second process could reserve the same notice.
const RESERVE = loadLua(import.meta.url, 'scripts/notice-reserve.lua');

// Release only our own reservation: if it expired and another process took over, leave theirs.
const RELEASE = loadLua(import.meta.url, 'scripts/notice-release.lua');

/** Redis-backed state of the lease watch. */
export class LeaseState {
  private readonly redis: Redis;
  private readonly prefix: string;

  constructor(options: LeaseStateOptions) {
    this.redis = options.redis;
    this.prefix = options.prefix;
  }

  /** The lock of one cron tick. */
  slotKey(slot: string): string {
    return `${this.prefix}:lease:slot:${slot}`;
  }
  /** One notice of one lease: `what` is `w<minutes>` for a warning or `ended`. */
  noticeKey(notebookId: string, leaseKey: string, what: string): string {
    return `${this.prefix}:lease:notice:${notebookId}:${leaseKey}:${what}`;
  }
  /** Set when the owner dismissed this lease's warnings. */
  dismissedKey(notebookId: string, leaseKey: string): string {
    return `${this.prefix}:lease:dismissed:${notebookId}:${leaseKey}`;
  }
  /** Set while a stop requested by the bot is on its way. */
  botStopKey(notebookId: string): string {
    return `${this.prefix}:lease:bot-stop:${notebookId}`;
  }
  private get runningKey(): string {
    return `${this.prefix}:lease:running`;
  }

  /** True for exactly one caller per slot (cron tick) across all processes. */
  async claimSlot(slot: string, ttlMs: number): Promise<boolean> {
    return (await this.redis.set(this.slotKey(slot), String(process.pid), 'PX', ttlMs, 'NX')) === 'OK';
  }

  /** Statuses of many notice keys in one round trip (a scan's pre-filter). */
  async noticeStatuses(keys: readonly string[]): Promise<NoticeStatus[]> {
    if (keys.length === 0) return [];
    const values = await this.redis.mget(...keys);
    return values.map(toStatus);
  }

  /** Which of the given keys exist (dismissals, bot-stop markers), in one round trip. */
  async existing(keys: readonly string[]): Promise<boolean[]> {
    if (keys.length === 0) return [];
    const values = await this.redis.mget(...keys);
    return values.map((v) => v !== null);
  }

  /**
   * Reserves a notice for this process. `busy` = another process holds an unexpired reservation
   * (it is posting right now, or crashed and the reservation will lapse).
   */
  async reserve(key: string, token: string, ttlMs: number): Promise<'reserved' | 'sent' | 'failed' | 'busy'> {
    const r = await RESERVE.run(this.redis, [key], [`R:${token}`, String(Math.max(1, Math.round(ttlMs)))]);
    return r as 'reserved' | 'sent' | 'failed' | 'busy';
  }

  /** Marks notices as sent (the posted one and the less urgent thresholds it made moot). */
  async confirm(keys: readonly string[], ttlMs: number, at: number): Promise<void> {
    if (keys.length === 0) return;
    const multi = this.redis.multi();
    for (const k of keys) multi.set(k, `S:${at}`, 'PX', Math.max(1, Math.round(ttlMs)));
    await multi.exec();
  }

  /** Marks a notice as undeliverable (Slack refused it for good: channel gone, bot not in it). */
  async giveUp(key: string, error: string, ttlMs: number): Promise<void> {
    await this.redis.set(key, `F:${error.slice(0, 100)}`, 'PX', Math.max(1, Math.round(ttlMs)));
  }

  /** Frees our reservation so the next scan retries the notice. */
  async release(key: string, token: string): Promise<void> {
    await RELEASE.run(this.redis, [key], [`R:${token}`]);
  }

  /** Silences the remaining warnings of one lease. */
  async dismiss(notebookId: string, leaseKey: string, userId: string, ttlMs: number): Promise<void> {
    await this.redis.set(this.dismissedKey(notebookId, leaseKey), userId, 'PX', Math.max(1, Math.round(ttlMs)));
  }

  /**
   * Records that the bot stopped this notebook, so the scan does not report its stop as a lease
   * expiry. The job pipeline may call this too; the lease buttons do.
   */
  async markBotStop(notebookId: string, ttlMs: number): Promise<void> {
    await this.redis.set(this.botStopKey(notebookId), '1', 'PX', Math.max(1, Math.round(ttlMs)));
  }

  /** Forgets bot-stop marks (the stop was seen, or a new run began). */
  async clearBotStops(notebookIds: readonly string[]): Promise<void> {
    if (notebookIds.length === 0) return;
    await this.redis.del(...notebookIds.map((id) => this.botStopKey(id)));
  }

  /** The notebooks the last scan saw RUNNING. */
  async runningAll(): Promise<Map<string, RunningEntry>> {
    const h = await this.redis.hgetall(this.runningKey);
    const out = new Map<string, RunningEntry>();
    for (const [id, json] of Object.entries(h)) {
      const e = parseEntry(json);
      if (e) out.set(id, e);
    }
    return out;
  }

  /** Records (or refreshes) notebooks seen RUNNING now. */
  async setRunning(entries: ReadonlyMap<string, RunningEntry>): Promise<void> {
    if (entries.size === 0) return;
    const fields: Record<string, string> = {};
    for (const [id, e] of entries) fields[id] = JSON.stringify(e);
    await this.redis.hset(this.runningKey, fields);
  }

  /** Forgets notebooks that are no longer watched or whose stop was dealt with. */
  async removeRunning(ids: readonly string[]): Promise<void> {
    if (ids.length === 0) return;
    await this.redis.hdel(this.runningKey, ...ids);
  }
}

function toStatus(v: string | null): NoticeStatus {
  if (v === null) return 'free';
  if (v.startsWith('S:')) return 'sent';
  if (v.startsWith('F:')) return 'failed';
  return 'reserved';
}

function parseEntry(json: string): RunningEntry | undefined {
  try {
    const e = JSON.parse(json) as Partial<RunningEntry>;
    const l = e.lease;
    if (
      typeof e.name !== 'string' ||
      typeof e.channelId !== 'string' ||
      !l ||
      typeof l.createAt !== 'number' ||
      typeof l.durationMs !== 'number'
    ) {
      return undefined;
    }
    return e as RunningEntry;
  } catch {
    return undefined;
  }
}
