import type { Redis } from 'ioredis';
import type { ScheduleSpec } from './spec.js';

/** One start or stop left out (`at` is that opening's or closing's instant, epoch ms). */
export interface ScheduleSkip {
  kind: 'start' | 'stop';
  at: number;
}

/** A notebook's working hours, as stored. */
export interface Schedule {
  notebookId: string;
  /** ModelArts name (user text: escaped on render). */
  name: string;
  /** Who the scheduled operations act for (the notebook's owner when it was set). */
  ownerId: string;
  /** Where its status lines go: the notebook's channel and thread, or the owner's DM. */
  channelId: string;
  threadTs?: string;
  spec: ScheduleSpec;
  skips: ScheduleSkip[];
  setBy: string;
  createdAt: number;
  updatedAt: number;
}

/**
 * Redis, under the configured (hash-tagged) prefix:
 * - `sched:all` (hash notebook id → JSON): every schedule;
 * - `sched:skips:<id>` (sorted set `start|stop:<epoch>` by epoch): the starts and stops left out;
 * - `sched:slot:<iso>`: one tick per cron slot across replicas (SET NX PX);
 * - `sched:done:<id>:<open|close>:<epoch>`: one opening or closing handled, once (SET NX PX);
 * - `sched:planned:<id>`: the lease end the last scheduled start or extension asked for.
 */
export class ScheduleStore {
  private readonly redis: Redis;
  private readonly prefix: string;

  constructor(options: { redis: Redis; prefix: string }) {
    this.redis = options.redis;
    this.prefix = options.prefix;
  }

  private get allKey(): string {
    return `${this.prefix}:sched:all`;
  }

  private skipsKey(notebookId: string): string {
    return `${this.prefix}:sched:skips:${notebookId}`;
  }

  async get(notebookId: string): Promise<Schedule | undefined> {
    const [raw, skips] = await Promise.all([
      this.redis.hget(this.allKey, notebookId),
      this.redis.zrange(this.skipsKey(notebookId), 0, -1),
    ]);
    const s = parse(raw);
    return s ? { ...s, skips: skips.map(parseSkip).filter((k): k is ScheduleSkip => k !== undefined) } : undefined;
  }

  async list(): Promise<Schedule[]> {
    const all = Object.values(await this.redis.hgetall(this.allKey))
      .map(parse)
      .filter((s): s is Schedule => s !== undefined);
    if (all.length === 0) return [];
    const multi = this.redis.multi();
    for (const s of all) multi.zrange(this.skipsKey(s.notebookId), 0, -1);
    const res = (await multi.exec()) ?? [];
    return all.map((s, i) => ({
      ...s,
      skips: ((res[i]?.[1] as string[] | undefined) ?? [])
        .map(parseSkip)
        .filter((k): k is ScheduleSkip => k !== undefined),
    }));
  }

  async listByOwner(ownerId: string): Promise<Schedule[]> {
    return (await this.list()).filter((s) => s.ownerId === ownerId);
  }

  /** Sets (or replaces) a schedule; a new schedule starts with no skips. */
  async put(schedule: Omit<Schedule, 'skips'>): Promise<void> {
    const { skips: _ignored, ...rest } = schedule as Schedule;
    await this.redis
      .multi()
      .hset(this.allKey, schedule.notebookId, JSON.stringify(rest))
      .del(this.skipsKey(schedule.notebookId))
      .exec();
  }

  async remove(notebookId: string): Promise<boolean> {
    const res = await this.redis.multi().hdel(this.allKey, notebookId).del(this.skipsKey(notebookId)).exec();
    return Number(res?.[0]?.[1] ?? 0) > 0;
  }

  /** Adds a skip (atomic: a double click or two replicas add it once). False when it was there. */
  async addSkip(notebookId: string, skip: Pick<ScheduleSkip, 'kind' | 'at'>): Promise<boolean> {
    return (await this.redis.zadd(this.skipsKey(notebookId), 'NX', skip.at, `${skip.kind}:${skip.at}`)) === 1;
  }

  /** True when that start or stop is skipped. */
  async isSkipped(notebookId: string, kind: ScheduleSkip['kind'], at: number): Promise<boolean> {
    return (await this.redis.zscore(this.skipsKey(notebookId), `${kind}:${at}`)) !== null;
  }

  /** Forgets skips older than `before`. */
  async pruneSkips(notebookId: string, before: number): Promise<void> {
    await this.redis.zremrangebyscore(this.skipsKey(notebookId), '-inf', `(${before}`);
  }

  /** True for exactly one caller per cron slot across processes. */
  async claimSlot(slot: string, ttlMs: number): Promise<boolean> {
    return (await this.redis.set(`${this.prefix}:sched:slot:${slot}`, String(process.pid), 'PX', ttlMs, 'NX')) === 'OK';
  }

  /**
   * True for exactly one caller per (notebook, opening or closing) across processes and restarts.
   * With `inProgressMs`, the claim lasts only that long unless `confirmOccurrence` makes it
   * final: a scheduler that dies between the claim and queueing the start does not lose it, the
   * next tick after the claim lapses does it (the operation id is the occurrence's, so an
   * operation already queued is not queued twice).
   */
  async claimOccurrence(
    notebookId: string,
    what: 'open' | 'close',
    at: number,
    ttlMs: number,
    inProgressMs?: number,
  ): Promise<boolean> {
    const key = this.occurrenceKey(notebookId, what, at);
    const ms = Math.max(1, Math.round(inProgressMs !== undefined ? Math.min(inProgressMs, ttlMs) : ttlMs));
    return (await this.redis.set(key, inProgressMs !== undefined ? 'claimed' : 'done', 'PX', ms, 'NX')) === 'OK';
  }

  /** Makes a claim final: this opening or closing was handled. */
  async confirmOccurrence(notebookId: string, what: 'open' | 'close', at: number, ttlMs: number): Promise<void> {
    await this.redis.set(this.occurrenceKey(notebookId, what, at), 'done', 'PX', Math.max(1, Math.round(ttlMs)));
  }

  private occurrenceKey(notebookId: string, what: 'open' | 'close', at: number): string {
    return `${this.prefix}:sched:done:${notebookId}:${what}:${at}`;
  }

  /** Gives an occurrence back (its action could not be queued: the next tick retries it). */
  async releaseOccurrence(notebookId: string, what: 'open' | 'close', at: number): Promise<void> {
    await this.redis.del(this.occurrenceKey(notebookId, what, at));
  }

  async setPlanned(notebookId: string, planned: { close: number; endAt: number }, ttlMs: number): Promise<void> {
    await this.redis.set(
      `${this.prefix}:sched:planned:${notebookId}`,
      JSON.stringify(planned),
      'PX',
      Math.max(1, Math.round(ttlMs)),
    );
  }

  async planned(notebookId: string): Promise<{ close: number; endAt: number } | undefined> {
    const raw = await this.redis.get(`${this.prefix}:sched:planned:${notebookId}`);
    if (!raw) return undefined;
    try {
      const p = JSON.parse(raw) as { close?: unknown; endAt?: unknown };
      return typeof p.close === 'number' && typeof p.endAt === 'number'
        ? { close: p.close, endAt: p.endAt }
        : undefined;
    } catch {
      return undefined;
    }
  }
}

function parse(raw: string | null | undefined): Schedule | undefined {
  if (!raw) return undefined;
  try {
    const s = JSON.parse(raw) as Partial<Schedule>;
    if (typeof s.notebookId !== 'string' || typeof s.ownerId !== 'string' || !s.spec || !Array.isArray(s.spec.days)) {
      return undefined;
    }
    return { ...s, skips: [] } as Schedule;
  } catch {
    return undefined;
  }
}

function parseSkip(member: string): ScheduleSkip | undefined {
  const m = /^(start|stop):(\d+)$/.exec(member);
  return m ? { kind: m[1] as ScheduleSkip['kind'], at: Number(m[2]) } : undefined;
}
