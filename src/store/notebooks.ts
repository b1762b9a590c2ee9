import type { Redis } from 'ioredis';

/**
 * How the bot came to know a notebook. `external` ones are read-only until an admin adopts them;
 * `linked` ones were made outside the bot by an IAM user linked to a Slack user (src/access
 * identities): their owner is that link's, judged again on every read.
 */
export type NotebookOrigin = 'created' | 'started' | 'adopted' | 'external' | 'linked';

/**
 * What the bot remembers about a notebook, beyond what ModelArts says: who owns it in Slack,
 * where its conversation lives, and its last known state. Never the Jupyter `token`.
 */
export interface NotebookRecord {
  notebookId: string;
  name: string;
  /** Slack user id of the owner; absent for external notebooks nobody adopted yet. */
  ownerId?: string;
  teamId?: string;
  /** Channel (or DM) where the notebook's messages go. */
  channelId: string;
  /** Root message of the notebook's thread (its first status message). */
  threadTs?: string;
  origin: NotebookOrigin;
  createdAt: number;
  updatedAt: number;
  flavor?: string;
  lastStatus?: string;
  url?: string;
  /** Lease as last seen, epoch ms. */
  leaseCreateAt?: number;
  leaseDurationMs?: number;
  leaseType?: string;
  /** The creator's IAM user (`origin: 'linked'`): what the owner is derived from. */
  iamUserId?: string;
  iamUserName?: string;
}

const NUMERIC: ReadonlySet<keyof NotebookRecord> = new Set([
  'createdAt',
  'updatedAt',
  'leaseCreateAt',
  'leaseDurationMs',
]);

export interface NotebookStoreOptions {
  redis: Redis;
  /** Key prefix, hash-tagged for Redis Cluster, e.g. `{nbbot}`. */
  prefix: string;
}

/**
 * Redis-backed notebook records. One hash per notebook (fields written atomically one by one,
 * so a worker and the lease scan can patch different fields without a read-modify-write race),
 * plus a set of all ids and a set per owner.
 */
export class NotebookStore {
  private readonly redis: Redis;
  private readonly prefix: string;

  constructor(options: NotebookStoreOptions) {
    this.redis = options.redis;
    this.prefix = options.prefix;
  }

  private key(id: string): string {
    return `${this.prefix}:nb:${id}`;
  }
  private ownerKey(userId: string): string {
    return `${this.prefix}:nb-owner:${userId}`;
  }
  private get allKey(): string {
    return `${this.prefix}:nb-all`;
  }

  async get(notebookId: string): Promise<NotebookRecord | undefined> {
    const h = await this.redis.hgetall(this.key(notebookId));
    return decode(h);
  }

  async getMany(ids: readonly string[]): Promise<NotebookRecord[]> {
    if (ids.length === 0) return [];
    const pipe = this.redis.pipeline();
    for (const id of ids) pipe.hgetall(this.key(id));
    const res = (await pipe.exec()) ?? [];
    return res.map(([, h]) => decode(h as Record<string, string>)).filter((r): r is NotebookRecord => r !== undefined);
  }

  /** Creates or replaces the record; keeps the owner index right. */
  async put(record: NotebookRecord): Promise<void> {
    const previous = await this.redis.hget(this.key(record.notebookId), 'ownerId');
    const multi = this.redis.multi();
    multi.del(this.key(record.notebookId));
    multi.hset(this.key(record.notebookId), encode(record));
    multi.sadd(this.allKey, record.notebookId);
    if (previous && previous !== record.ownerId) multi.srem(this.ownerKey(previous), record.notebookId);
    if (record.ownerId) multi.sadd(this.ownerKey(record.ownerId), record.notebookId);
    await multi.exec();
  }

  /** Updates some fields of an existing record; a no-op when the record does not exist. */
  async patch(notebookId: string, fields: Partial<Omit<NotebookRecord, 'notebookId'>>): Promise<boolean> {
    const key = this.key(notebookId);
    if (!(await this.redis.exists(key))) return false;
    const enc = encode({ ...fields, updatedAt: fields.updatedAt ?? Date.now() });
    const multi = this.redis.multi();
    if (fields.ownerId !== undefined) {
      const previous = await this.redis.hget(key, 'ownerId');
      if (previous && previous !== fields.ownerId) multi.srem(this.ownerKey(previous), notebookId);
      multi.sadd(this.ownerKey(fields.ownerId), notebookId);
    }
    multi.hset(key, enc);
    await multi.exec();
    return true;
  }

  async listByOwner(userId: string): Promise<NotebookRecord[]> {
    return this.getMany(await this.redis.smembers(this.ownerKey(userId)));
  }

  async listIds(): Promise<string[]> {
    return this.redis.smembers(this.allKey);
  }

  async listAll(): Promise<NotebookRecord[]> {
    return this.getMany(await this.listIds());
  }

  async countByOwner(userId: string): Promise<number> {
    return this.redis.scard(this.ownerKey(userId));
  }

  async remove(notebookId: string): Promise<void> {
    const owner = await this.redis.hget(this.key(notebookId), 'ownerId');
    const multi = this.redis.multi();
    multi.del(this.key(notebookId));
    multi.srem(this.allKey, notebookId);
    if (owner) multi.srem(this.ownerKey(owner), notebookId);
    await multi.exec();
  }
}

function encode(r: Partial<NotebookRecord>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(r)) if (v !== undefined && v !== null) out[k] = String(v);
  return out;
}

function decode(h: Record<string, string> | null | undefined): NotebookRecord | undefined {
  if (!h?.['notebookId']) return undefined;
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(h)) out[k] = NUMERIC.has(k as keyof NotebookRecord) ? Number(v) : v;
  return out as unknown as NotebookRecord;
}
