import type { Redis } from 'ioredis';
import type { Logger } from '../logger.js';
import type { CatalogFlavor, CatalogImage } from '../messages/index.js';
import type { Flavor, ModelArtsApi } from '../modelarts/index.js';

/** A cached list and when it was fetched; `stale` when older than the TTL (served while refreshing). */
export interface CatalogEntry<T> {
  items: T[];
  fetchedAt: number;
  stale: boolean;
}

export interface CatalogOptions {
  redis: Redis;
  modelarts: ModelArtsApi;
  logger: Logger;
  /** Key prefix, e.g. `{nbbot}`. */
  prefix: string;
  /** How long a list counts as fresh (default 60 s). Older entries are served and refreshed in the background. */
  ttlMs?: number;
  /** How long a stale list may still be served (default 1 h); after that it is dropped. */
  maxStaleMs?: number;
  /** Longest wait for ModelArts when nothing is cached (default 1500 ms): Slack's 3 s limit must hold. */
  waitMs?: number;
  /** Per-call timeout for the list calls (default 10 s): a refresh outlives the listener that started it. */
  fetchTimeoutMs?: number;
  /** Wall clock for cache ages (default Date.now): cache freshness is real time, not simulated time. */
  now?: () => number;
}

/**
 * Flavors and images for the create modal, cached in Redis with stale-while-revalidate so an
 * options request is answered from cache in milliseconds even when ModelArts is slow: fresh
 * entries are served as is, stale ones are served while one refresh runs (a Redis lock keeps the
 * replicas from refreshing together), and a cold cache waits at most `waitMs`.
 */
export interface Catalog {
  flavors(options?: { waitMs?: number }): Promise<CatalogEntry<CatalogFlavor> | undefined>;
  images(options?: { waitMs?: number }): Promise<CatalogEntry<CatalogImage> | undefined>;
  /** Starts refreshes of both lists when they are missing or stale (modal open warms them). */
  warm(): void;
}

interface Stored<T> {
  at: number;
  items: T[];
}

const FLAVOR_KEYS = ['id', 'name', 'arch', 'category', 'vcpus', 'memory', 'gpu', 'sold_out', 'free'] as const;

function slimFlavor(f: Flavor): CatalogFlavor {
  const out: CatalogFlavor = pick(f, FLAVOR_KEYS);
  const ascend = (f as Record<string, unknown>)['ascend'];
  if (ascend && typeof ascend === 'object') out.ascend = ascend as NonNullable<CatalogFlavor['ascend']>;
  return out;
}
const IMAGE_KEYS = [
  'id',
  'name',
  'tag',
  'arch',
  'type',
  'create_at',
  'update_at',
  'resource_categories',
  'support_res_categories',
  'dev_services',
] as const;

function pick<T extends object, K extends keyof T>(o: T, keys: readonly K[]): Pick<T, K> {
  const out = {} as Pick<T, K>;
  for (const k of keys) if (o[k] !== undefined) out[k] = o[k];
  return out;
}

/** Creates the Redis-backed catalog. */
export function createCatalog(options: CatalogOptions): Catalog {
  const ttlMs = options.ttlMs ?? 60_000;
  const maxStaleMs = options.maxStaleMs ?? 3_600_000;
  const defaultWaitMs = options.waitMs ?? 1500;
  const fetchTimeoutMs = options.fetchTimeoutMs ?? 10_000;
  const now = options.now ?? Date.now;
  const { redis, logger } = options;

  function list<T>(name: string, fetch: () => Promise<T[]>) {
    const key = `${options.prefix}:slack:catalog:${name}`;
    const lockKey = `${key}:lock`;
    let inFlight: Promise<Stored<T> | undefined> | undefined;

    // The last value read and its parse: a view submission reads the catalog before its ack, and
    // the list only changes once a minute, so most reads find the same text (no parse, no garbage).
    let last: { raw: string; parsed: Stored<T> } | undefined;

    async function read(): Promise<Stored<T> | undefined> {
      const raw = await redis.get(key);
      if (!raw) return undefined;
      if (last?.raw === raw) return last.parsed;
      try {
        const parsed = JSON.parse(raw) as Stored<T>;
        last = { raw, parsed };
        return parsed;
      } catch {
        return undefined;
      }
    }

    /** One refresh per process; across processes, the holder of the lock fetches and the others poll. */
    function refresh(): Promise<Stored<T> | undefined> {
      inFlight ??= (async () => {
        try {
          const locked = await redis.set(lockKey, '1', 'PX', fetchTimeoutMs + 1000, 'NX');
          if (locked !== 'OK') return await pollFor(now());
          const items = await fetch();
          const stored: Stored<T> = { at: now(), items };
          await redis.set(key, JSON.stringify(stored), 'PX', ttlMs + maxStaleMs);
          await redis.del(lockKey);
          return stored;
        } catch (err) {
          await redis.del(lockKey).catch(() => undefined);
          logger.warn({ err, list: name }, 'catalog refresh failed');
          return undefined;
        } finally {
          inFlight = undefined;
        }
      })();
      return inFlight;
    }

    async function pollFor(since: number): Promise<Stored<T> | undefined> {
      const deadline = Date.now() + fetchTimeoutMs;
      while (Date.now() < deadline) {
        await new Promise((r) => setTimeout(r, 100));
        const s = await read();
        if (s && s.at >= since) return s;
        if (!(await redis.exists(lockKey))) return s;
      }
      return read();
    }

    async function get(waitMs = defaultWaitMs): Promise<CatalogEntry<T> | undefined> {
      const cached = await read();
      if (cached && now() - cached.at < ttlMs) return { items: cached.items, fetchedAt: cached.at, stale: false };
      const pending = refresh();
      if (cached) return { items: cached.items, fetchedAt: cached.at, stale: true };
      let timer: NodeJS.Timeout | undefined;
      const timeout = new Promise<undefined>((resolve) => {
        timer = setTimeout(() => resolve(undefined), waitMs);
        timer.unref();
      });
      const got = await Promise.race([pending, timeout]);
      clearTimeout(timer);
      return got ? { items: got.items, fetchedAt: got.at, stale: false } : undefined;
    }

    return {
      get,
      warm: () => {
        void read()
          .then((c) => (!c || now() - c.at >= ttlMs ? refresh() : undefined))
          .catch((err: unknown) => logger.warn({ err, list: name }, 'catalog warm-up failed'));
      },
    };
  }

  const callOptions = { timeoutMs: fetchTimeoutMs, maxRetries: 1 };
  const flavors = list<CatalogFlavor>('flavors', async () =>
    (await options.modelarts.listFlavors({}, callOptions)).map(slimFlavor),
  );
  const images = list<CatalogImage>('images', async () =>
    (await options.modelarts.listImages({}, callOptions)).map((i) => pick(i, IMAGE_KEYS)),
  );

  return {
    flavors: (o) => flavors.get(o?.waitMs),
    images: (o) => images.get(o?.waitMs),
    warm: () => {
      flavors.warm();
      images.warm();
    },
  };
}
