import type { Redis } from 'ioredis';
import { loadLua } from '../store/index.js';

/**
 * The usage ledger: run intervals of every notebook the bot observes, made by the bot or not,
 * kept in Redis. It is fed observations, never guesses: a worker's job seeing a notebook's status
 * (create, start, stop, extend, delete), and the lease scan each minute (every RUNNING notebook of
 * the project; an open run missing from that listing has stopped). One Lua script applies each
 * observation atomically and orders observations by the time they were made, so a retried job, a
 * replayed scan or two replicas seeing the same thing never count an hour twice.
 *
 * Keys (prefix = `QUEUE_PREFIX`): `usage:nb:<id>` (hash: open run's start, last observations,
 * flavor, owner, name, lease end), `usage:runs` (hash: run id → closed run JSON), `usage:runs:end`
 * (zset: run id by end time), `usage:open` (set: notebooks with an open run). Closed runs are kept
 * `retentionMs` (default 400 days: this month and last year's same month).
 */

/** Statuses in which a notebook runs (and costs compute). */
export const RUNNING_STATUSES: ReadonlySet<string> = new Set(['RUNNING']);
/** Statuses that end a run. Transitional ones (STARTING, STOPPING, …) change nothing. */
export const ENDED_STATUSES: ReadonlySet<string> = new Set([
  'STOPPED',
  'DELETED',
  'DELETING',
  'ERROR',
  'START_FAILED',
  'CREATE_FAILED',
  'FROZEN',
]);

/** One thing seen about one notebook. */
export interface Observation {
  notebookId: string;
  state: 'running' | 'stopped';
  /** When it was seen (the observer's clock). */
  at: number;
  /** Running: when the run began, if the observer knows (the lease's `update_at`, set by a start). Stopped: when it stopped. */
  hint?: number | undefined;
  /** `lease.create_at + lease.duration`: a run never outlasts its lease (the auto-stop). */
  leaseEnd?: number | undefined;
  flavor?: string | undefined;
  ownerId?: string | undefined;
  name?: string | undefined;
  /** The IAM user that created it (named in reports when nobody in Slack owns it). */
  iam?: string | undefined;
  origin?: string | undefined;
}

export type ObserveResult = 'opened' | 'open' | 'closed' | 'idle' | 'stale';

/** A run: closed (`open: false`) or still going (its end is "now"). */
export interface Run {
  notebookId: string;
  start: number;
  end: number;
  open: boolean;
  flavor?: string;
  ownerId?: string;
  name?: string;
  iam?: string;
  origin?: string;
  leaseEnd?: number;
}

export interface UsageLedgerOptions {
  redis: Redis;
  prefix: string;
  retentionMs?: number;
}

const OBSERVE = loadLua(import.meta.url, 'scripts/observe.lua');
const DAY = 24 * 3_600_000;
const DEFAULT_RETENTION_MS = 400 * DAY;

export class UsageLedger {
  private readonly redis: Redis;
  private readonly prefix: string;
  private readonly retentionMs: number;

  constructor(options: UsageLedgerOptions) {
    this.redis = options.redis;
    this.prefix = options.prefix;
    this.retentionMs = options.retentionMs ?? DEFAULT_RETENTION_MS;
  }

  private key(part: string): string {
    return `${this.prefix}:usage:${part}`;
  }

  /** Applies one observation (atomic; idempotent; stale ones change nothing). */
  async observe(o: Observation): Promise<ObserveResult> {
    const result = await OBSERVE.run(
      this.redis,
      [this.key(`nb:${o.notebookId}`), this.key('runs'), this.key('runs:end'), this.key('open')],
      [
        o.notebookId,
        o.state,
        Math.round(o.at),
        o.hint !== undefined ? Math.round(o.hint) : '',
        o.leaseEnd !== undefined ? Math.round(o.leaseEnd) : '',
        o.flavor ?? '',
        o.ownerId ?? '',
        o.name ?? '',
        o.iam ?? '',
        o.origin ?? '',
        Math.round(o.at - this.retentionMs),
        this.retentionMs,
      ],
    );
    return result as ObserveResult;
  }

  /** The flavor the ledger last saw a notebook run with. */
  async flavorOf(notebookId: string): Promise<string | undefined> {
    return (await this.redis.hget(this.key(`nb:${notebookId}`), 'flavor')) ?? undefined;
  }

  /** Notebooks with an open run. */
  async openIds(): Promise<string[]> {
    return this.redis.smembers(this.key('open'));
  }

  /** The open runs (end = `now`), optionally only of `ids`. */
  async openRuns(now: number, ids?: readonly string[]): Promise<Run[]> {
    const list = ids ?? (await this.openIds());
    if (list.length === 0) return [];
    const pipe = this.redis.pipeline();
    for (const id of list) pipe.hgetall(this.key(`nb:${id}`));
    const answers = (await pipe.exec()) ?? [];
    const out: Run[] = [];
    list.forEach((id, i) => {
      const h = answers[i]?.[1] as Record<string, string> | undefined;
      const start = h?.['start'] !== undefined ? Number(h['start']) : undefined;
      if (!h || start === undefined || !Number.isFinite(start)) return;
      out.push({
        notebookId: id,
        start,
        end: Math.max(start, now),
        open: true,
        ...(h['flavor'] ? { flavor: h['flavor'] } : {}),
        ...(h['owner'] ? { ownerId: h['owner'] } : {}),
        ...(h['name'] ? { name: h['name'] } : {}),
        ...(h['iam'] ? { iam: h['iam'] } : {}),
        ...(h['origin'] ? { origin: h['origin'] } : {}),
        ...(h['lease_end'] ? { leaseEnd: Number(h['lease_end']) } : {}),
      });
    });
    return out;
  }

  /** Every run overlapping `[from, to)`, closed and open (open ones end at `min(now, to)`), unclipped. */
  async runsBetween(from: number, to: number, now: number): Promise<Run[]> {
    const ids = await this.redis.zrangebyscore(this.key('runs:end'), `(${from}`, '+inf');
    const out: Run[] = [];
    for (let i = 0; i < ids.length; i += 500) {
      const chunk = ids.slice(i, i + 500);
      const raw = await this.redis.hmget(this.key('runs'), ...chunk);
      for (const text of raw) {
        if (!text) continue;
        const r = parseRun(text);
        if (r && r.start < to) out.push(r);
      }
    }
    for (const r of await this.openRuns(now)) {
      if (r.start < to && r.end > from) out.push(r);
    }
    return out;
  }
}

function parseRun(text: string): Run | undefined {
  try {
    const j = JSON.parse(text) as Record<string, unknown>;
    const str = (k: string) => (typeof j[k] === 'string' ? (j[k] as string) : undefined);
    if (typeof j['id'] !== 'string' || typeof j['start'] !== 'number' || typeof j['end'] !== 'number') return undefined;
    const flavor = str('flavor');
    const owner = str('owner');
    const name = str('name');
    const iam = str('iam');
    const origin = str('origin');
    return {
      notebookId: j['id'],
      start: j['start'],
      end: j['end'],
      open: false,
      ...(flavor ? { flavor } : {}),
      ...(owner ? { ownerId: owner } : {}),
      ...(name ? { name } : {}),
      ...(iam ? { iam } : {}),
      ...(origin ? { origin } : {}),
    };
  } catch {
    return undefined;
  }
}
