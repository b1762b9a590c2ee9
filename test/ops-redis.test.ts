import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { checkEvictionPolicy, connectRedis, describeRedis, waitForRedis } from '../src/app/redis.js';
import { createLogger } from '../src/logger.js';
import { freePort, type LocalRedisHandle, startLocalRedis } from '../src/ops/local-redis.js';

const logger = createLogger({ level: 'silent' });

/** Starts redis-server with extra arguments; resolves once it accepts connections. */
async function spawnRedis(args: string[], ready = /Ready to accept connections|Sentinel ID is/): Promise<ChildProcess> {
  const child = spawn('redis-server', args, { stdio: ['ignore', 'pipe', 'pipe'] });
  await new Promise<void>((resolve, reject) => {
    let out = '';
    const timer = setTimeout(() => reject(new Error(`redis-server ${args.join(' ')} did not start: ${out}`)), 10_000);
    child.stdout?.on('data', (d: Buffer) => {
      out += d.toString();
      if (ready.test(out)) {
        clearTimeout(timer);
        resolve();
      }
    });
    child.once('error', reject);
  });
  return child;
}

function kill(child: ChildProcess | undefined): Promise<void> {
  if (!child || child.exitCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    child.once('exit', () => resolve());
    child.kill('SIGKILL');
  });
}

describe('Redis connections', () => {
  let master: LocalRedisHandle;
  let sentinel: ChildProcess | undefined;
  let noConfig: ChildProcess | undefined;
  let dir: string;
  const clients: Redis[] = [];

  beforeAll(async () => {
    master = await startLocalRedis();
    dir = await mkdtemp(join(tmpdir(), 'nbbot-sentinel-'));
  });

  afterAll(async () => {
    for (const c of clients) c.disconnect();
    await kill(sentinel);
    await kill(noConfig);
    await master.stop();
    await rm(dir, { recursive: true, force: true });
  });

  it('reaches the master through Redis Sentinel', async () => {
    const port = await freePort();
    const conf = join(dir, 'sentinel.conf');
    await writeFile(
      conf,
      [
        `port ${port}`,
        'bind 127.0.0.1',
        `dir ${dir}`,
        `sentinel monitor nbbot-master 127.0.0.1 ${master.port} 1`,
        'sentinel down-after-milliseconds nbbot-master 5000',
        '',
      ].join('\n'),
    );
    sentinel = await spawnRedis([conf, '--sentinel']);
    const target = {
      kind: 'sentinel' as const,
      sentinels: [{ host: '127.0.0.1', port }],
      name: 'nbbot-master',
    };
    expect(describeRedis(target)).toBe(`Sentinel master "nbbot-master" via 127.0.0.1:${port}`);
    const redis = connectRedis(target, { connectionName: 'test', maxRetriesPerRequest: 1, logger });
    clients.push(redis);
    await waitForRedis(redis, target, 10_000);
    await redis.set('{nbbot-test}:via-sentinel', 'yes');
    const direct = connectRedis(
      { kind: 'url', url: master.url },
      { connectionName: 'test', maxRetriesPerRequest: 1, logger },
    );
    clients.push(direct);
    expect(await direct.get('{nbbot-test}:via-sentinel')).toBe('yes');
  });

  it('reads maxmemory-policy: noeviction is fine, anything else is reported', async () => {
    const redis = connectRedis(
      { kind: 'url', url: master.url },
      { connectionName: 'test', maxRetriesPerRequest: 1, logger },
    );
    clients.push(redis);
    await redis.config('SET', 'maxmemory-policy', 'noeviction');
    expect(await checkEvictionPolicy(redis)).toEqual({ kind: 'ok', policy: 'noeviction' });
    await redis.config('SET', 'maxmemory-policy', 'allkeys-lru');
    expect(await checkEvictionPolicy(redis)).toEqual({ kind: 'evicts', policy: 'allkeys-lru' });
    await redis.config('SET', 'maxmemory-policy', 'noeviction');
  });

  it('tolerates a Redis where CONFIG is disabled (managed services)', async () => {
    const port = await freePort();
    noConfig = await spawnRedis([
      '--port',
      String(port),
      '--bind',
      '127.0.0.1',
      '--save',
      '',
      '--rename-command',
      'CONFIG',
      '""',
    ]);
    const redis = connectRedis(
      { kind: 'url', url: `redis://127.0.0.1:${port}` },
      { connectionName: 'test', maxRetriesPerRequest: 1, logger },
    );
    clients.push(redis);
    const check = await checkEvictionPolicy(redis);
    expect(check.kind).toBe('unknown');
  });

  it('never shows a password when describing a target', () => {
    expect(describeRedis({ kind: 'url', url: 'redis://:s3cret-pass@redis.internal:6380/2' })).toBe(
      'redis://redis.internal:6380/2',
    );
    expect(describeRedis({ kind: 'local' })).toMatch(/local redis-server/);
  });
});
