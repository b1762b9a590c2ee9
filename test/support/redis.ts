import { randomBytes } from 'node:crypto';
import { Redis } from 'ioredis';
import { inject } from 'vitest';

/** URL of the run's shared redis-server (see global-setup.ts). */
export function redisUrl(): string {
  return inject('redisUrl');
}

/** A unique, hash-tagged prefix so tests never see each other's keys or queues. */
export function uniquePrefix(label = 't'): string {
  return `{${label}-${randomBytes(5).toString('hex')}}`;
}

/** A connection suitable for BullMQ workers (maxRetriesPerRequest: null). Close it in afterEach. */
export function newRedis(): Redis {
  return new Redis(redisUrl(), { maxRetriesPerRequest: null, lazyConnect: false });
}

/** Deletes every key under a prefix (cleanup after a test). */
export async function deletePrefix(redis: Redis, prefix: string): Promise<void> {
  let cursor = '0';
  do {
    const [next, keys] = await redis.scan(cursor, 'MATCH', `${prefix}*`, 'COUNT', 500);
    cursor = next;
    if (keys.length) await redis.del(...keys);
  } while (cursor !== '0');
}
