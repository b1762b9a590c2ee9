/**
 * A worker asked to stop while Redis is down: it cannot hand its jobs back or wait for BullMQ's
 * blocking reads, so it stops without them after the step grace (their locks expire and another
 * worker takes the jobs), and exits 0, instead of waiting out the shutdown deadline.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort, type LocalRedisHandle, startLocalRedis } from '../src/ops/local-redis.js';
import { createSimulator, type Simulator } from '../src/simulator/index.js';
import { FakeSlackApi } from '../src/slack-stand-in/fake-slack-api.js';
import { status, waitFor } from './support/http-probe.js';

const BOT_TOKEN = 'xoxb-stop-redis-down-token';

describe('stopping a worker while Redis is down', () => {
  let redis: LocalRedisHandle;
  let sim: Simulator;
  let slack: FakeSlackApi;
  let child: ChildProcess | undefined;
  let out = '';
  let port = 0;

  beforeAll(async () => {
    redis = await startLocalRedis();
    sim = createSimulator({});
    await sim.start();
    slack = await new FakeSlackApi({ validTokens: [BOT_TOKEN] }).start();
    port = await freePort();
    child = spawn(process.execPath, ['--import', 'tsx', 'src/main.ts', '--roles', 'worker'], {
      env: {
        PATH: process.env['PATH'],
        HOME: process.env['HOME'],
        ENV_FILE: '',
        LOG_LEVEL: 'info',
        REDIS_URL: redis.url,
        QUEUE_PREFIX: '{nbbot-stop-down}',
        MODELARTS_ENDPOINT: sim.url,
        SLACK_BOT_TOKEN: BOT_TOKEN,
        SLACK_SIGNING_SECRET: 'stopRedisDownSigningSecret000001',
        SLACK_API_URL: slack.apiUrl,
        HOST: '127.0.0.1',
        PORT: String(port),
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    child.stdout?.on('data', (d: Buffer) => {
      out += d.toString();
    });
    child.stderr?.on('data', (d: Buffer) => {
      out += d.toString();
    });
    await waitFor(
      `the worker to start\n${out}`,
      async () => (await status(`http://127.0.0.1:${port}/readyz`)) === 200,
      60_000,
    );
  }, 90_000);

  afterAll(async () => {
    if (child && child.exitCode === null) child.kill('SIGKILL');
    await sim?.stop();
    await slack?.stop();
    await redis?.stop();
  });

  it('stops without waiting for Redis, with exit code 0 and a line saying why', async () => {
    await redis.stop();
    await waitFor('readyz to fail', async () => (await status(`http://127.0.0.1:${port}/readyz`)) === 503, 30_000);
    const exited = new Promise<number | null>((resolve) => child!.once('exit', resolve));
    child!.kill('SIGTERM');
    const code = await exited;
    expect(code, out.slice(-3000)).toBe(0);
    expect(out).not.toContain('graceful shutdown took too long');
    expect(out).toContain('"msg":"notebook bot stopped"');
    expect(out).toContain('stopping without handing jobs back');
    // Every line is a JSON log line: no stack printed to stderr by a queue without a listener.
    const raw = out.split('\n').filter((l) => l.trim() !== '' && !l.startsWith('{'));
    expect(raw).toEqual([]);
  }, 60_000);
});
