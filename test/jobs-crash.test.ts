import { type ChildProcess, spawn } from 'node:child_process';
import { afterEach, beforeEach, expect, it } from 'vitest';
import { OPEN_JUPYTERLAB_ACTION_ID } from '../src/slack/blocks/status.js';
import { BOT_TOKEN, createOp, type Harness, startHarness, TIME_SCALE } from './support/jobs-harness.js';
import { redisUrl } from './support/redis.js';

let h: Harness;
const children: ChildProcess[] = [];

beforeEach(async () => {
  h = await startHarness();
});

afterEach(async () => {
  for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
  children.length = 0;
  await h.close();
});

/** Spawns the worker entry in its own process and resolves once it printed `marker`. */
function spawnWorker(hooks: Record<string, string>): {
  child: ChildProcess;
  seen(marker: string, timeoutMs?: number): Promise<void>;
} {
  const child = spawn(process.execPath, ['--import', 'tsx', 'test/support/jobs-crash-worker.ts'], {
    env: {
      ...process.env,
      REDIS_URL: redisUrl(),
      QUEUE_PREFIX: h.prefix,
      SIM_URL: h.sim.url,
      SIM_PROJECT_ID: h.sim.projectId,
      SLACK_API_URL: h.slack.apiUrl,
      SLACK_TOKEN: BOT_TOKEN,
      CLOCK_EPOCH: String(h.clock.epoch),
      CLOCK_SCALE: String(TIME_SCALE),
      ...hooks,
    },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  children.push(child);
  let out = '';
  const waiters: Array<() => void> = [];
  child.stdout?.on('data', (d: Buffer) => {
    out += d.toString();
    for (const w of waiters) w();
  });
  return {
    child,
    seen: (marker, timeoutMs = 15_000) =>
      new Promise<void>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`worker never printed ${marker}; output: ${out}`)), timeoutMs);
        const check = () => {
          if (out.includes(`${marker}\n`)) {
            clearTimeout(timer);
            resolve();
          }
        };
        waiters.push(check);
        check();
        child.once('exit', (code, signal) => {
          if (!out.includes(`${marker}\n`))
            reject(new Error(`worker exited (${code ?? signal}) before ${marker}; output: ${out}`));
        });
      }),
  };
}

function kill(child: ChildProcess): Promise<void> {
  return new Promise((resolve) => {
    child.once('exit', () => resolve());
    child.kill('SIGKILL');
  });
}

it('survives SIGKILL right after the create POST and again mid-poll: one instance, one ready message', {
  timeout: 60_000,
}, async () => {
  // The create hangs in CREATING until the test lets it finish, so "mid-poll" is certain.
  h.sim.faults.hangNextCreates(1);
  const op = createOp(h.clock, 'nb-crash');
  const statusTs = await h.postQueued(op);
  const { jobId } = await h.queue.enqueue({ ...op, statusTs });

  // 1. The POST reached ModelArts; the worker dies before saving the instance id.
  const first = spawnWorker({ HANG_AFTER_CREATE: '1' });
  await first.seen('CREATED');
  expect(h.sim.stats.calls.create).toBe(1);
  expect((await h.queue.queue.getJob(jobId))?.data.progress.notebookId).toBeUndefined();
  await kill(first.child);

  // 2. A fresh worker takes the stalled job over: it must find the instance by name, not
  //    POST again. It dies in the middle of a poll.
  const second = spawnWorker({ HANG_AFTER_SHOW: '1' });
  await second.seen('SHOWN');
  const [instance] = h.sim.instances.list();
  expect((await h.queue.queue.getJob(jobId))?.data.progress.notebookId).toBe(instance?.id);
  await kill(second.child);

  // 3. Another fresh worker resumes the watch; the instance comes up.
  const third = spawnWorker({});
  await third.seen('READY');
  h.sim.instances.force(instance!.id, 'RUNNING');
  expect(await h.waitForJob(jobId, 20_000)).toBe('completed');

  await h.slack.waitFor(() => h.replies(statusTs).length >= 1);
  // Let any straggling Slack job run before counting.
  await new Promise((r) => setTimeout(r, 500));
  expect(h.sim.stats.calls.create).toBe(1);
  expect(h.sim.instances.count()).toBe(1);
  expect(h.replies(statusTs)).toHaveLength(1);
  expect(h.slack.callsTo('chat.postMessage').filter((c) => !c.args['thread_ts'])).toHaveLength(1);
  const blocks = JSON.stringify(h.message(statusTs)?.['blocks']);
  expect(blocks).toContain(OPEN_JUPYTERLAB_ACTION_ID);
  expect(blocks).toContain('is ready');
  expect(JSON.stringify(h.slack.calls)).not.toContain(h.sim.instances.get(instance!.id)!.token);
  await kill(third.child);
});
