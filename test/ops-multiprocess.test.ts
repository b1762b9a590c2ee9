/**
 * Production shape, for real: ONE web process, TWO worker processes and a scheduler (the real
 * entry point, `node --import tsx src/main.ts --roles …`) share one redis-server, one
 * ModelArts simulator (the processes run the simulator's clock: same epoch, same scale) and a
 * stand-in for Slack's Web API. A create goes through signed HTTP requests like Slack's.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ScaledClock } from '../src/clock.js';
import { formValues } from '../src/demo/slack-user.js';
import { freePort, type LocalRedisHandle, startLocalRedis } from '../src/ops/local-redis.js';
import { createSimulator, type Simulator } from '../src/simulator/index.js';
import { FakeSlackApi, type RecordedCall } from '../src/slack-stand-in/fake-slack-api.js';
import { SlackSender, type ViewPayload } from '../src/slack-stand-in/slack-sender.js';
import { status, waitFor } from './support/http-probe.js';

const BOT_TOKEN = 'xoxb-multiprocess-test-token';
const SIGNING_SECRET = 'multiprocessSigningSecret0000001';
const ALICE = { id: 'U0ALICE01', name: 'alice' };
const CHANNEL = 'C0MULTI001';
const SCALE = 60;

interface BotProcess {
  name: string;
  port: number;
  child: ChildProcess;
  output: () => string;
}

function isReadyReply(c: RecordedCall): boolean {
  return (
    c.method === 'chat.postMessage' &&
    typeof c.args['thread_ts'] === 'string' &&
    /is running/.test(String(c.args['text']))
  );
}

describe('web and worker processes sharing Redis', () => {
  let redis: LocalRedisHandle;
  let sim: Simulator;
  let slack: FakeSlackApi;
  let clock: ScaledClock;
  const procs: BotProcess[] = [];

  async function startProcess(name: string, roles: string, env: NodeJS.ProcessEnv): Promise<BotProcess> {
    const port = await freePort();
    const child = spawn(process.execPath, ['--import', 'tsx', 'src/main.ts', '--roles', roles], {
      env: { ...env, PORT: String(port) },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    child.stdout?.on('data', (d: Buffer) => {
      out += d.toString();
    });
    child.stderr?.on('data', (d: Buffer) => {
      out += d.toString();
    });
    const proc = { name, port, child, output: () => out };
    procs.push(proc);
    return proc;
  }

  beforeAll(async () => {
    redis = await startLocalRedis();
    clock = new ScaledClock({ scale: SCALE });
    sim = createSimulator({ clock, notFound: 'random' });
    await sim.start();
    slack = await new FakeSlackApi({ validTokens: [BOT_TOKEN] }).start();
    const env: NodeJS.ProcessEnv = {
      PATH: process.env['PATH'],
      HOME: process.env['HOME'],
      ENV_FILE: '', // a developer's .env must not leak into the test
      LOG_LEVEL: 'info',
      REDIS_URL: redis.url,
      QUEUE_PREFIX: '{nbbot-multi}',
      // A simulator elsewhere, no Huawei credentials: the simulator's well-known ones are used.
      MODELARTS_ENDPOINT: sim.url,
      SIMULATOR_TIME_SCALE: String(SCALE),
      SIMULATOR_CLOCK_EPOCH: String(clock.epoch),
      SLACK_BOT_TOKEN: BOT_TOKEN,
      SLACK_SIGNING_SECRET: SIGNING_SECRET,
      SLACK_API_URL: slack.apiUrl,
      HOST: '127.0.0.1',
      POLL_INITIAL_MS: '200',
      POLL_MAX_MS: '400',
      SLACK_UPDATE_INTERVAL_MS: '300',
    };
    const started = await Promise.all([
      startProcess('web', 'web', env),
      startProcess('worker-1', 'worker', env),
      startProcess('worker-2', 'worker', env),
      startProcess('scheduler', 'scheduler', env),
    ]);
    // /healthz answers once a process has started every part of its roles.
    await Promise.all(
      started.map((p) =>
        waitFor(
          `${p.name} to start\n${p.output()}`,
          async () => (await status(`http://127.0.0.1:${p.port}/healthz`)) === 200,
          60_000,
        ),
      ),
    );
  }, 90_000);

  afterAll(async () => {
    for (const p of procs) if (p.child.exitCode === null) p.child.kill('SIGKILL');
    await sim?.stop();
    await slack?.stop();
    await redis?.stop();
  });

  it('creates a notebook through signed requests: one ready message, whichever worker ran it', async () => {
    const web = procs.find((p) => p.name === 'web')!;
    const sender = new SlackSender({
      url: `http://127.0.0.1:${web.port}/slack/events`,
      signingSecret: SIGNING_SECRET,
      responseBaseUrl: slack.baseUrl,
    });
    const command = await sender.slashCommand({ user: ALICE, channelId: CHANNEL, text: 'create multi-nb' });
    expect(command.status).toBe(200);
    const view = (await waitFor('the create modal', () => slack.openedViews().at(-1))) as unknown as ViewPayload;
    const submitted = await sender.viewSubmission({ user: ALICE, view, values: formValues(view) });
    expect(submitted.status).toBe(200);
    expect(submitted.json).toBeUndefined(); // no response_action: errors

    await waitFor('the ready message', () => slack.calls.find(isReadyReply), 45_000);
    // A Slack retry of the same submission changes nothing (same view id → same operation).
    await sender.viewSubmission({ user: ALICE, view, values: formValues(view) }, { retryNum: 1 });
    await sleep(1500);
    expect(slack.calls.filter(isReadyReply)).toHaveLength(1);
    const statusPosts = slack.calls.filter((c) => c.method === 'chat.postMessage' && !c.args['thread_ts']);
    expect(statusPosts).toHaveLength(1);
    const updates = slack.callsTo('chat.update').filter((c) => c.args['channel'] === statusPosts[0]!.args['channel']);
    expect(updates.some((c) => JSON.stringify(c.args['blocks']).includes('Open JupyterLab'))).toBe(true);
    expect(sim.instances.list().filter((n) => n.name === 'multi-nb')).toHaveLength(1);

    // The web process's metrics count the requests; the workers' count ModelArts calls.
    const webMetrics = await (await fetch(`http://127.0.0.1:${web.port}/metrics`)).text();
    expect(webMetrics).toMatch(/notebook_bot_commands_total\{kind="command:create",outcome="ok"\} 1/);
    expect(webMetrics).toMatch(/notebook_bot_queue_jobs\{queue="ops",state="waiting"\} 0/);
    const workerMetrics = await Promise.all(
      procs
        .filter((p) => p.name.startsWith('worker'))
        .map(async (p) => (await fetch(`http://127.0.0.1:${p.port}/metrics`)).text()),
    );
    expect(workerMetrics.join('\n')).toMatch(
      /notebook_bot_modelarts_request_duration_seconds_count\{operation="CreateNotebook",status="200"\} 1/,
    );
    // Log lines are JSON with correlation ids: the Slack request's, the job's.
    const webLines = web
      .output()
      .split('\n')
      .filter((l) => l.startsWith('{'))
      .map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(webLines.some((l) => typeof l['requestId'] === 'string')).toBe(true);
    const workerLog = procs
      .filter((p) => p.name.startsWith('worker'))
      .map((p) => p.output())
      .join('\n');
    expect(workerLog).toMatch(/"jobId":"create-[0-9a-f]+"/);
    expect(workerLog + web.output()).not.toContain(BOT_TOKEN);
  }, 60_000);

  it('turns /readyz unready while Redis is down, and ready again when it is back', async () => {
    const web = procs.find((p) => p.name === 'web')!;
    const readyz = `http://127.0.0.1:${web.port}/readyz`;
    expect(await status(readyz)).toBe(200);
    await redis.stop();
    const res = await waitFor(
      'readyz to fail',
      async () => {
        const r = await fetch(readyz, { signal: AbortSignal.timeout(3000) });
        return r.status === 503 ? r : undefined;
      },
      30_000,
    );
    const body = (await res.json()) as { status: string; checks: Record<string, { ok: boolean; error?: string }> };
    expect(body.status).toBe('unready');
    expect(body.checks['redis']?.ok).toBe(false);
    expect(body.checks['modelarts']?.ok).toBe(true);
    expect(await status(`http://127.0.0.1:${web.port}/healthz`)).toBe(200);

    await redis.start();
    // Every process, not only web: a worker still reconnecting (ioredis backs off) when the next
    // test stops it would wait out its shutdown deadline instead of stopping gracefully.
    for (const p of procs) {
      await waitFor(
        `${p.name} readyz to recover`,
        async () => (await status(`http://127.0.0.1:${p.port}/readyz`)) === 200,
        30_000,
      );
    }
  }, 60_000);

  it('logs its start once per field', () => {
    for (const p of procs) {
      const started = p
        .output()
        .split('\n')
        .find((l) => l.includes('"msg":"notebook bot started"'));
      expect(started, p.output()).toBeDefined();
      // Each key once: pino writes a key bound at creation and repeated in a call twice.
      const keys = [...started!.matchAll(/[{,]"([^"]+)":/g)].map((m) => m[1]);
      expect(keys.filter((k) => k === 'roles')).toHaveLength(1);
      expect(new Set(keys).size).toBe(keys.length);
    }
  });

  it('stops every process gracefully on SIGTERM or SIGINT, with exit code 0', async () => {
    const exits = procs.map(
      (p) =>
        new Promise<number | null>((resolve) =>
          p.child.exitCode !== null ? resolve(p.child.exitCode) : p.child.once('exit', resolve),
        ),
    );
    // Workers as docker stop does it; web and scheduler as Ctrl-C or a process manager's SIGINT.
    const interrupted = procs.filter((p) => !p.name.startsWith('worker'));
    for (const p of procs) p.child.kill(interrupted.includes(p) ? 'SIGINT' : 'SIGTERM');
    const codes = await Promise.all(exits);
    expect(codes, procs.map((p) => `--- ${p.name}\n${p.output().slice(-2000)}`).join('\n')).toEqual([0, 0, 0, 0]);
    for (const p of procs) expect(p.output()).toContain('"msg":"notebook bot stopped"');
    for (const p of interrupted) expect(p.output()).toMatch(/"signal":"SIGINT"[^\n]*"msg":"stopping"/);
  }, 60_000);
});
