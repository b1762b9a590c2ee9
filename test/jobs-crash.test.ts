import { type ChildProcess, spawn } from 'node:child_process';
import { afterEach, beforeEach, expect, it } from 'vitest';
import { STALLED_CHECK_INTERVAL_MS, STEP_LOCK_DURATION_MS } from '../src/jobs/worker.js';
import { OPEN_JUPYTERLAB_ACTION_ID } from '../src/messages/operation-status.js';
import {
  BOT_TOKEN,
  createOp,
  createRequest,
  type Harness,
  notebookOp,
  startHarness,
  TIME_SCALE,
} from './support/jobs-harness.js';
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
    // A deadline for liveness only: generous, since a busy 2-core machine stretches everything.
    seen: (marker, timeoutMs = 45_000) =>
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

function kill(child: ChildProcess, signal: NodeJS.Signals = 'SIGKILL'): Promise<void> {
  return new Promise((resolve) => {
    child.once('exit', () => resolve());
    child.kill(signal);
  });
}

/** When FakeSlackApi first got the status message `ts` showing the JupyterLab button (the ready message). */
async function readyMessageAt(statusTs: string): Promise<number> {
  const call = await h.slack.waitFor(
    (calls) =>
      calls.find(
        (c) =>
          c.method === 'chat.update' &&
          c.args['ts'] === statusTs &&
          JSON.stringify(c.args['blocks']).includes(OPEN_JUPYTERLAB_ACTION_ID),
      ),
    45_000,
  );
  return call.at;
}

/**
 * Restart → ready message, printed for the record only: wall-clock gaps depend on how busy the
 * machine is, so the 15 s target is asserted on the settings that bound it (next test). With
 * BullMQ's default 30 s lock and stalled check it was about 65 s.
 */
function reportRecovery(label: string, ms: number): void {
  console.log(`[jobs-crash] ${label}: restart → ready message ${(ms / 1000).toFixed(1)} s`);
}

it('production lock and stalled-check settings recover a crashed step within the 15 s target', () => {
  // A SIGKILLed step's lock lapses at most STEP_LOCK_DURATION_MS after the kill (it is renewed
  // every half of it); the next stalled check, at most STALLED_CHECK_INTERVAL_MS later, hands
  // it to a live worker; one more interval covers a check the dead worker had just claimed.
  expect(STEP_LOCK_DURATION_MS + 2 * STALLED_CHECK_INTERVAL_MS).toBeLessThanOrEqual(12_000);
});

it('survives SIGKILL right after the create POST and again mid-poll: one instance, one ready message', {
  timeout: 180_000,
}, async () => {
  // The create hangs in CREATING until the test lets it finish, so "mid-poll" is certain.
  h.sim.faults.hangNextCreates(1);
  // A day's lease: the recovery waits are real seconds, hours of the 300× simulated time, and
  // a 1 h lease would end (and stop the notebook) before it is ready.
  const op = createOp(h.clock, 'nb-crash', {
    request: createRequest('nb-crash', { lease: { duration: 24 * 3_600_000, type: 'TIMING' } }),
  });
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

  // 3. Another fresh worker, started at once, resumes the watch once the dead one's lock lapses;
  //    the instance comes up.
  const restartedAt = Date.now();
  const third = spawnWorker({});
  await third.seen('READY');
  h.sim.instances.force(instance!.id, 'RUNNING');
  reportRecovery('SIGKILL mid-poll', (await readyMessageAt(statusTs)) - restartedAt);
  expect(await h.waitForJob(jobId, 45_000)).toBe('completed');
  // The first kill was recovered by the stalled check (the job was never handed back). The
  // second hit a poll: the status board's tick's (the job was parked, not held, and looked
  // itself while the dead worker's tick lock lapsed), or the job's own look when the tick had
  // not come within its grace on a busy machine (a stall like the first).
  const stalls = (await h.queue.queue.getJob(jobId))?.stalledCounter;
  expect(stalls === 1 || stalls === 2).toBe(true);

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

it('SIGTERM mid-poll hands the job back at once: a fresh worker finishes it, one ready message', {
  timeout: 120_000,
}, async () => {
  const [id] = h.sim.instances.seed({ count: 1, status: 'STOPPED', namePrefix: 'term' });
  const op = notebookOp(h.clock, 'start', id!, 'term-0');
  const statusTs = await h.postQueued(op);
  await h.queue.enqueue({ ...op, statusTs });

  // The worker is in the middle of a poll (a GET in flight) when it is told to stop.
  const first = spawnWorker({ HANG_AFTER_SHOW: '1' });
  await first.seen('SHOWN');
  const stoppedAt = Date.now();
  await kill(first.child, 'SIGTERM');
  expect(first.child.exitCode).toBe(0);
  // Shut down gracefully: the step was cut short and its job moved back, not left locked.
  expect(await h.queue.queue.getJobState(op.opId)).not.toBe('active');

  const second = spawnWorker({});
  await second.seen('READY');
  reportRecovery('SIGTERM mid-poll', (await readyMessageAt(statusTs)) - stoppedAt);
  expect(await h.waitForJob(op.opId, 45_000)).toBe('completed');
  const job = await h.queue.queue.getJob(op.opId);
  expect(job?.stalledCounter).toBe(0);
  expect(job?.attemptsMade).toBe(1);
  // The thread reply goes through the Slack queue after the job: wait for it, then count.
  await h.slack.waitFor(() => h.replies(statusTs).length >= 1);
  await new Promise((r) => setTimeout(r, 500));
  expect(h.replies(statusTs)).toHaveLength(1);
  expect(h.sim.stats.calls.start).toBe(1);
  await kill(second.child);
});
