import { Redis } from 'ioredis';
import { afterEach, describe, expect, it } from 'vitest';
import { buildWorker } from '../src/app/worker.js';
import { systemClock } from '../src/clock.js';
import { createLogger } from '../src/logger.js';
import { ModelArtsClient } from '../src/modelarts/client.js';
import { SIMULATOR_AK, SIMULATOR_SK } from '../src/simulator/index.js';
import { deletePrefix, newRedis, redisUrl, uniquePrefix } from './support/redis.js';
import { waitUntil } from './support/stack.js';

// The worker's Redis connections (src/app/worker.ts): its own commands go on a connection apart
// from BullMQ's; one it opened itself is closed with it.

const cleanup: Array<() => Promise<unknown>> = [];
afterEach(async () => {
  for (const c of cleanup.splice(0).reverse()) await c();
});

/** Connections the server has named `name` (CLIENT LIST). */
async function clientsNamed(admin: Redis, name: string): Promise<number> {
  const list = (await admin.client('LIST')) as string;
  return list.split('\n').filter((l) => l.includes(` name=${name} `)).length;
}

function modelarts(): ModelArtsClient {
  // Never called here: the worker only connects.
  return new ModelArtsClient({
    endpoint: 'http://127.0.0.1:9',
    projectId: 'p',
    auth: { kind: 'aksk', ak: SIMULATOR_AK, sk: SIMULATOR_SK },
  });
}

describe('the worker’s connections', () => {
  it('opens its own commands connection when given none, and closes it with the worker', async () => {
    const admin = newRedis();
    cleanup.push(() => admin.quit());
    const name = `worker-${uniquePrefix('c').slice(1, -1)}`;
    // Duplicates (BullMQ's blocking reads, the worker's own commands) keep the connection's name.
    const connection = new Redis(redisUrl(), { maxRetriesPerRequest: null, connectionName: name });
    cleanup.push(() => connection.quit());
    const prefix = uniquePrefix('conn');
    cleanup.push(() => deletePrefix(admin, prefix));
    const api = modelarts();
    cleanup.push(() => api.close());
    const build = (commands?: Redis) =>
      buildWorker({
        connection,
        ...(commands ? { commands } : {}),
        prefix,
        modelarts: api,
        slack: { botToken: 'xoxb-test' },
        clock: systemClock,
        logger: createLogger({ level: 'silent' }),
        home: false,
      });

    // Given a commands connection (as roles.ts does), the worker opens none of its own.
    const commands = newRedis();
    cleanup.push(() => commands.quit());
    const given = build(commands);
    await given.waitUntilReady();
    const withGiven = await clientsNamed(admin, name);
    await given.close();
    // The caller's connections stay open: the caller closes them.
    expect(await commands.ping()).toBe('PONG');
    await waitUntil(async () => (await clientsNamed(admin, name)) === 1);

    // Given none, it opens one more (its first tick uses it), and closes it in close().
    const own = build();
    await own.waitUntilReady();
    await waitUntil(async () => (await clientsNamed(admin, name)) === withGiven + 1);
    await own.close();
    await waitUntil(async () => (await clientsNamed(admin, name)) === 1);
    expect(await connection.ping()).toBe('PONG');
  }, 30_000);
});
