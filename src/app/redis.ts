import { Redis, type RedisOptions } from 'ioredis';
import type { RedisTarget } from '../config.js';
import type { Logger } from '../logger.js';

/** A Redis target that names a server (a local redis-server has been started by then). */
export type ReachableRedis = Exclude<RedisTarget, { kind: 'local' }>;

/** How one connection behaves (each role opens the ones it needs). */
export interface RedisConnectOptions {
  /** Shown in `CLIENT LIST` and in logs: `web`, `worker`, … */
  connectionName: string;
  /**
   * BullMQ workers need `null` (commands wait for a reconnect instead of failing). Everything else
   * should fail fast while Redis is away, so a Slack listener answers instead of hanging.
   */
  maxRetriesPerRequest: number | null;
  logger: Logger;
}

/** Where Redis is, for logs and `doctor`: never the password. */
export function describeRedis(target: RedisTarget): string {
  switch (target.kind) {
    case 'local':
      return 'a local redis-server (REDIS_URL not set)';
    case 'sentinel':
      return `Sentinel master "${target.name}" via ${target.sentinels.map((s) => `${s.host}:${s.port}`).join(', ')}`;
    case 'url': {
      try {
        const u = new URL(target.url);
        return `${u.protocol}//${u.host}${u.pathname && u.pathname !== '/' ? u.pathname : ''}`;
      } catch {
        return 'the REDIS_URL';
      }
    }
  }
}

/** ioredis options for a target (URL connections get the URL separately). */
function optionsFor(target: ReachableRedis, options: RedisConnectOptions): RedisOptions {
  const base: RedisOptions = {
    connectionName: `notebook-bot:${options.connectionName}`,
    maxRetriesPerRequest: options.maxRetriesPerRequest,
    // Keep trying forever, backing off to 2 s: Redis restarts and failovers are expected events.
    retryStrategy: (times) => Math.min(100 * 2 ** Math.min(times, 5), 2000),
    // After a failover the old master answers READONLY: reconnect so Sentinel finds the new one.
    reconnectOnError: (err) => err.message.startsWith('READONLY'),
  };
  if (target.kind === 'url') return base;
  return {
    ...base,
    sentinels: target.sentinels.map((s) => ({ host: s.host, port: s.port })),
    name: target.name,
    ...(target.username ? { username: target.username } : {}),
    ...(target.password ? { password: target.password } : {}),
    ...(target.sentinelPassword ? { sentinelPassword: target.sentinelPassword } : {}),
    ...(target.db !== undefined ? { db: target.db } : {}),
  };
}

/**
 * Opens an ioredis connection to a URL (`redis://`, `rediss://`) or a Sentinel-monitored master.
 * Connection errors are logged once per outage rather than once per retry.
 */
export function connectRedis(target: ReachableRedis, options: RedisConnectOptions): Redis {
  const opts = optionsFor(target, options);
  const redis = target.kind === 'url' ? new Redis(target.url, opts) : new Redis(opts);
  logOutagesOnce(redis, options.logger.child({ component: 'redis', connection: options.connectionName }));
  return redis;
}

/** Logs `redis`'s connection errors once per outage (not once per retry), and its recovery. */
export function logOutagesOnce(redis: Redis, log: Logger): void {
  let down = false;
  redis.on('error', (err: Error) => {
    if (down) return;
    down = true;
    log.error({ err: { message: err.message, code: (err as NodeJS.ErrnoException).code } }, 'Redis connection lost');
  });
  redis.on('ready', () => {
    if (down) log.info('Redis connection restored');
    down = false;
  });
}

/** Resolves once `redis` is ready, or rejects after `timeoutMs` with a message naming the target. */
export async function waitForRedis(redis: Redis, target: RedisTarget, timeoutMs = 15_000): Promise<void> {
  if (redis.status === 'ready') return;
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => {
      cleanup();
      reject(new Error(`Redis at ${describeRedis(target)} did not answer within ${Math.round(timeoutMs / 1000)} s`));
    }, timeoutMs);
    const onReady = () => {
      cleanup();
      resolve();
    };
    const cleanup = () => {
      clearTimeout(timer);
      redis.off('ready', onReady);
    };
    redis.on('ready', onReady);
  });
}

/** What `CONFIG GET maxmemory-policy` said. */
export type EvictionPolicyCheck =
  | { kind: 'ok'; policy: 'noeviction' }
  /** Redis may evict keys: BullMQ jobs and locks could vanish. */
  | { kind: 'evicts'; policy: string }
  /** CONFIG is disabled or renamed (managed Redis): nothing to say. */
  | { kind: 'unknown'; reason: string };

/**
 * Reads `maxmemory-policy`. BullMQ needs `noeviction`: with any other policy a full Redis drops
 * job keys and locks silently. Managed services often disable CONFIG; that is tolerated.
 */
export async function checkEvictionPolicy(redis: Redis): Promise<EvictionPolicyCheck> {
  try {
    const reply = (await redis.call('CONFIG', 'GET', 'maxmemory-policy')) as unknown;
    const policy = Array.isArray(reply) ? reply[1] : undefined;
    if (typeof policy !== 'string') return { kind: 'unknown', reason: 'CONFIG GET returned nothing' };
    return policy === 'noeviction' ? { kind: 'ok', policy } : { kind: 'evicts', policy };
  } catch (err) {
    return { kind: 'unknown', reason: err instanceof Error ? err.message : String(err) };
  }
}

/** The warning logged (and shown by doctor) when Redis may evict keys. */
export function evictionWarning(policy: string): string {
  return `Redis maxmemory-policy is "${policy}", not "noeviction": when Redis fills up it will silently drop queued jobs and locks. Set maxmemory-policy noeviction (redis.conf, or your provider's parameter group).`;
}
