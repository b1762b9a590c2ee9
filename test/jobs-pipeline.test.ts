import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { AuditEntry } from '../src/access/types.js';
import { slackDate } from '../src/messages/format.js';
import { OPEN_JUPYTERLAB_ACTION_ID } from '../src/messages/operation-status.js';
import { MAX_LEASE_MS } from '../src/modelarts/schemas.js';
import type { NotebookRecord } from '../src/store/notebooks.js';
import { NotebookStore } from '../src/store/notebooks.js';
import {
  CHANNEL,
  createOp,
  type Harness,
  messageText,
  notebookOp,
  startHarness,
  USER,
} from './support/jobs-harness.js';

const HOUR = 3_600_000;
/** Simulated time that may pass while a call is in flight on the harness's scaled clock (×300). */
const CLOCK_SLACK_MS = 5 * 60_000;

let h: Harness;

beforeEach(async () => {
  h = await startHarness();
});

afterEach(async () => {
  await h.close();
});

function blocksOf(message: Record<string, unknown> | undefined): Array<Record<string, unknown>> {
  return (message?.['blocks'] as Array<Record<string, unknown>> | undefined) ?? [];
}

function openButtonUrl(message: Record<string, unknown> | undefined): string | undefined {
  for (const b of blocksOf(message)) {
    if (b['type'] !== 'actions') continue;
    for (const e of b['elements'] as Array<Record<string, unknown>>) {
      if (e['action_id'] === OPEN_JUPYTERLAB_ACTION_ID) return e['url'] as string;
    }
  }
  return undefined;
}

describe('create', () => {
  it('creates once, shows progress, then a ready message with the JupyterLab button and one thread reply', async () => {
    const changed: NotebookRecord[] = [];
    const audits: AuditEntry[] = [];
    const finished: string[] = [];
    await h.startWorker({
      onNotebookChanged: (r) => void changed.push(r),
      audit: (e) => void audits.push(e),
      metrics: { operationFinished: (kind, outcome) => void finished.push(`${kind}:${outcome}`) },
    });
    const op = createOp(h.clock, 'nb-alpha');
    const statusTs = await h.postQueued({ ...op });
    const res = await h.queue.enqueue({ ...op, statusTs });
    expect(res.duplicate).toBe(false);

    expect(await h.waitForJob(res.jobId)).toBe('completed');
    expect(h.sim.stats.calls.create).toBe(1);
    const [instance] = h.sim.instances.list();
    expect(instance?.status).toBe('RUNNING');

    // The ready update goes out promptly (urgent), and the one thread reply mentions the requester.
    await h.slack.waitFor(() => openButtonUrl(h.message(statusTs)) !== undefined);
    const final = h.message(statusTs);
    expect(openButtonUrl(final)).toBe(instance?.url);
    expect(messageText(final)).toContain('is ready');
    expect(messageText(final)).toContain(`<@${USER}>`);
    await h.slack.waitFor(() => h.replies(statusTs).length === 1);
    expect(h.replies(statusTs)[0]?.args['text']).toContain(`<@${USER}>`);

    // Progress was shown along the way (steps of action_progress), in place.
    const updates = h.slack.callsTo('chat.update').filter((c) => c.args['ts'] === statusTs);
    expect(updates.length).toBeGreaterThanOrEqual(2);
    expect(updates.some((c) => JSON.stringify(c.args).includes('Storage'))).toBe(true);
    expect(h.slack.callsTo('chat.postMessage')).toHaveLength(2); // the queued message and the reply

    // The Jupyter token never reaches Slack, the job data or the store.
    const token = instance!.token;
    expect(token.length).toBeGreaterThan(5);
    expect(JSON.stringify(h.slack.calls)).not.toContain(token);
    const job = await h.queue.queue.getJob(res.jobId);
    expect(JSON.stringify(job?.data)).not.toContain(token);
    expect(JSON.stringify(job?.returnvalue)).not.toContain(token);
    expect(job?.data.progress.notebookId).toBe(instance?.id);

    const store = new NotebookStore({ redis: h.redis, prefix: h.prefix });
    const record = await store.get(instance!.id);
    expect(record).toMatchObject({
      origin: 'created',
      ownerId: USER,
      channelId: CHANNEL,
      threadTs: statusTs,
      lastStatus: 'RUNNING',
    });
    expect(JSON.stringify(record)).not.toContain(token);
    expect(changed.some((r) => r.notebookId === instance!.id)).toBe(true);
    expect(audits).toEqual([
      expect.objectContaining({ action: 'create', outcome: 'succeeded', notebookId: instance!.id, userId: USER }),
    ]);
    expect(finished).toEqual(['create:succeeded']);
  });

  it('escapes the notebook name in mrkdwn', async () => {
    await h.startWorker();
    // Bypass ModelArts' name rules to see the rendering: a start on an instance named by the op.
    const [id] = h.sim.instances.seed({ count: 1, status: 'RUNNING', namePrefix: 'esc' });
    const op = notebookOp(h.clock, 'start', id!, '<!channel> & co');
    const statusTs = await h.postQueued(op);
    await h.queue.enqueue({ ...op, statusTs });
    expect(await h.waitForJob(op.opId)).toBe('completed');
    const queued = h.slack.callsTo('chat.postMessage')[0];
    expect(JSON.stringify(queued?.args)).toContain('&lt;!channel&gt; &amp; co');
    expect(JSON.stringify(queued?.args)).not.toContain('<!channel>');
  });

  it('posts its own status message when the web side did not, and saves its ts at once', async () => {
    await h.startWorker();
    const op = createOp(h.clock, 'nb-self');
    const res = await h.queue.enqueue(op);
    expect(await h.waitForJob(res.jobId)).toBe('completed');
    const job = await h.queue.queue.getJob(res.jobId);
    const ts = job?.data.progress.statusTs;
    expect(ts).toBeDefined();
    await h.slack.waitFor(() => openButtonUrl(h.message(ts!)) !== undefined);
    const roots = h.slack.callsTo('chat.postMessage').filter((c) => !c.args['thread_ts']);
    expect(roots).toHaveLength(1);
    await h.slack.waitFor(() => h.replies(ts!).length === 1);
  });

  it('enqueued three times (Slack retries, double clicks) makes one job and one instance', async () => {
    await h.startWorker();
    const op = createOp(h.clock, 'nb-triple');
    const statusTs = await h.postQueued(op);
    const results = await Promise.all([1, 2, 3].map(() => h.queue.enqueue({ ...op, statusTs })));
    expect(results.filter((r) => !r.duplicate)).toHaveLength(1);
    expect(new Set(results.map((r) => r.jobId)).size).toBe(1);
    expect(await h.waitForJob(results[0]!.jobId)).toBe('completed');
    // A late replay after completion is still a duplicate.
    expect((await h.queue.enqueue({ ...op, statusTs })).duplicate).toBe(true);
    await new Promise((r) => setTimeout(r, 300));
    expect(h.sim.stats.calls.create).toBe(1);
    expect(h.sim.instances.count()).toBe(1);
    expect(await h.queue.queue.getJobCountByTypes('completed', 'waiting', 'active', 'delayed', 'failed')).toBe(1);
    await h.slack.waitFor(() => h.replies(statusTs).length === 1);
  });

  it('CREATE_FAILED: stops at once and shows the reason in plain words with what to try', async () => {
    const audits: AuditEntry[] = [];
    await h.startWorker({ audit: (e) => void audits.push(e) });
    h.sim.faults.failNextCreates(1, 'Insufficient resources for flavor modelarts.vm.gpu.t4. Try another flavor.');
    const op = createOp(h.clock, 'nb-fail');
    const statusTs = await h.postQueued(op);
    const res = await h.queue.enqueue({ ...op, statusTs });
    expect(await h.waitForJob(res.jobId)).toBe('failed');
    await h.slack.waitFor(() => messageText(h.message(statusTs)).includes('Could not create'));
    const text = messageText(h.message(statusTs));
    expect(text).toContain('no free capacity');
    expect(text).toContain('Insufficient resources for flavor');
    expect(text).toContain('another flavor');
    expect(openButtonUrl(h.message(statusTs))).toBeUndefined();
    expect(h.sim.stats.calls.create).toBe(1);
    expect(audits).toEqual([expect.objectContaining({ action: 'create', outcome: 'failed' })]);
  });

  it('a 4xx from ModelArts fails without retry and shows the error to the user', async () => {
    await h.startWorker();
    const op = createOp(h.clock, 'nb-badflavor');
    if (op.kind === 'create') op.request.flavor = 'modelarts.vm.nope';
    const statusTs = await h.postQueued(op);
    const res = await h.queue.enqueue({ ...op, statusTs });
    expect(await h.waitForJob(res.jobId)).toBe('failed');
    await h.slack.waitFor(() => messageText(h.message(statusTs)).includes('modelarts.vm.nope does not exist'));
    expect(messageText(h.message(statusTs))).toContain('What to try');
    expect(h.sim.stats.calls.create).toBe(1);
    const job = await h.queue.queue.getJob(res.jobId);
    expect(job?.attemptsMade).toBe(1);
    expect(h.sim.instances.count()).toBe(0);
  });

  it('after the ready timeout says "still not ready", keeps watching slowly, and finishes when it is', async () => {
    await h.startWorker({ timing: { initialMs: 100, maxMs: 200, readyTimeoutMs: 5 * 60_000, slowPollMs: 200 } });
    h.sim.faults.hangNextCreates(1);
    const op = createOp(h.clock, 'nb-hang');
    const statusTs = await h.postQueued(op);
    const res = await h.queue.enqueue({ ...op, statusTs });

    await h.slack.waitFor(() => messageText(h.message(statusTs)).includes('still not ready'), 10_000);
    await h.slack.waitFor(() => h.replies(statusTs).some((c) => String(c.args['text']).includes('still not ready')));
    const job = await h.queue.queue.getJob(res.jobId);
    expect(await job?.getState()).toMatch(/delayed|active|waiting/);
    expect((await h.queue.queue.getJob(res.jobId))?.data.progress.timeoutNotified).toBe(true);

    // The watch goes on: when the instance finally runs, the same message turns ready.
    const [instance] = h.sim.instances.list();
    h.sim.instances.force(instance!.id, 'RUNNING');
    expect(await h.waitForJob(res.jobId)).toBe('completed');
    await h.slack.waitFor(() => openButtonUrl(h.message(statusTs)) !== undefined);
    const slowReplies = h.replies(statusTs).filter((c) => String(c.args['text']).includes('still not ready'));
    expect(slowReplies).toHaveLength(1);
    expect(h.sim.stats.calls.create).toBe(1);
  });
});

describe('start, stop, delete, extend', () => {
  it('starts a STOPPED notebook and records it with origin started', async () => {
    await h.startWorker();
    const [id] = h.sim.instances.seed({ count: 1, status: 'STOPPED', namePrefix: 'stopped' });
    const op = notebookOp(h.clock, 'start', id!, 'stopped-0');
    const statusTs = await h.postQueued(op);
    await h.queue.enqueue({ ...op, statusTs });
    expect(await h.waitForJob(op.opId)).toBe('completed');
    expect(h.sim.instances.get(id!)?.status).toBe('RUNNING');
    expect(h.sim.stats.calls.start).toBe(1);
    await h.slack.waitFor(() => openButtonUrl(h.message(statusTs)) !== undefined);
    await h.slack.waitFor(() => h.replies(statusTs).length === 1);
    const record = await new NotebookStore({ redis: h.redis, prefix: h.prefix }).get(id!);
    expect(record).toMatchObject({ origin: 'started', ownerId: USER, threadTs: statusTs });
  });

  it('a start of a RUNNING notebook is done without a start call', async () => {
    await h.startWorker();
    const [id] = h.sim.instances.seed({ count: 1, status: 'RUNNING', namePrefix: 'running' });
    const op = notebookOp(h.clock, 'start', id!, 'running-0');
    await h.queue.enqueue({ ...op, statusTs: await h.postQueued(op) });
    expect(await h.waitForJob(op.opId)).toBe('completed');
    expect(h.sim.stats.calls.start).toBe(0);
  });

  it('stops a RUNNING notebook; a second stop is done without a call', async () => {
    const stopped: string[] = [];
    await h.startWorker({ beforeStop: (id) => void stopped.push(id) });
    const [id] = h.sim.instances.seed({ count: 1, status: 'RUNNING', namePrefix: 'tostop' });
    const op = notebookOp(h.clock, 'stop', id!, 'tostop-0');
    const statusTs = await h.postQueued(op);
    await h.queue.enqueue({ ...op, statusTs });
    expect(await h.waitForJob(op.opId)).toBe('completed');
    expect(h.sim.instances.get(id!)?.status).toBe('STOPPED');
    await h.slack.waitFor(() => messageText(h.message(statusTs)).includes('stopped'));

    const again = notebookOp(h.clock, 'stop', id!, 'tostop-0');
    const ts2 = await h.postQueued(again);
    await h.queue.enqueue({ ...again, statusTs: ts2 });
    expect(await h.waitForJob(again.opId)).toBe('completed');
    expect(h.sim.stats.calls.stop).toBe(1);
    // The lease watch is told once, before the one real stop call.
    expect(stopped).toEqual([id]);
    await h.slack.waitFor(() => messageText(h.message(ts2)).includes('already stopped'));
  });

  it('deletes a RUNNING notebook by stopping it first (6304), and removes its record', async () => {
    const changed: NotebookRecord[] = [];
    await h.startWorker({ onNotebookChanged: (r) => void changed.push(r) });
    const [id] = h.sim.instances.seed({ count: 1, status: 'RUNNING', namePrefix: 'todelete' });
    const store = new NotebookStore({ redis: h.redis, prefix: h.prefix });
    await store.put({
      notebookId: id!,
      name: 'todelete-0',
      ownerId: USER,
      channelId: CHANNEL,
      origin: 'created',
      createdAt: 1,
      updatedAt: 1,
    });
    const op = notebookOp(h.clock, 'delete', id!, 'todelete-0');
    const statusTs = await h.postQueued(op);
    await h.queue.enqueue({ ...op, statusTs });
    expect(await h.waitForJob(op.opId)).toBe('completed');
    expect(h.sim.instances.get(id!)).toBeUndefined();
    expect(h.sim.stats.calls.stop).toBe(1);
    expect(await store.get(id!)).toBeUndefined();
    expect(changed.at(-1)).toMatchObject({ notebookId: id, lastStatus: 'DELETED' });
    await h.slack.waitFor(() => messageText(h.message(statusTs)).includes('deleted'));

    // Deleting what is gone is done, not an error.
    const again = notebookOp(h.clock, 'delete', id!, 'todelete-0');
    await h.queue.enqueue({ ...again, statusTs: await h.postQueued(again) });
    expect(await h.waitForJob(again.opId)).toBe('completed');
  });

  it('extends by moving the end: 3 h into a 4 h lease, +1 h stops it 2 h from now, as Slack says', async () => {
    await h.startWorker();
    const [id] = h.sim.instances.seed({
      count: 1,
      status: 'RUNNING',
      namePrefix: 'ext',
      lease: { duration: 4 * HOUR, elapsedMs: 3 * HOUR },
    });
    const before = h.sim.instances.get(id!)!.lease!;
    const op = notebookOp(h.clock, 'extend', id!, 'ext-0', { addMs: HOUR });
    const statusTs = await h.postQueued(op);
    await h.queue.enqueue({ ...op, statusTs });
    expect(await h.waitForJob(op.opId)).toBe('completed');
    // RenewLease got the run time from now (2 h, less the moments since the seed); the service
    // counts its answer from create_at, which stays. The end moved by the hour asked for, give or
    // take the time the PATCH took on the scaled clock.
    const lease = h.sim.instances.get(id!)!.lease!;
    const end = lease.create_at + lease.duration;
    expect(lease.create_at).toBe(before.create_at);
    expect(Math.abs(end - (before.create_at + 5 * HOUR))).toBeLessThan(CLOCK_SLACK_MS);
    await h.slack.waitFor(() => messageText(h.message(statusTs)).includes('Lease extended by 1 h'));
    expect(messageText(h.message(statusTs))).toContain(`it now stops ${slackDate(end)}`);
  });

  it('extends a notebook that has run for five days, and never beyond 72 h from now', async () => {
    await h.startWorker();
    const [id] = h.sim.instances.seed({
      count: 1,
      status: 'RUNNING',
      namePrefix: 'old',
      lease: { duration: 120 * HOUR + HOUR, elapsedMs: 120 * HOUR },
    });
    const op = notebookOp(h.clock, 'extend', id!, 'old-0', { addMs: 2 * HOUR });
    const statusTs = await h.postQueued(op);
    await h.queue.enqueue({ ...op, statusTs });
    expect(await h.waitForJob(op.opId)).toBe('completed');
    let lease = h.sim.instances.get(id!)!.lease!;
    expect(Math.abs(lease.create_at + lease.duration - (lease.create_at + 123 * HOUR))).toBeLessThan(CLOCK_SLACK_MS);
    await h.slack.waitFor(() => messageText(h.message(statusTs)).includes('Lease extended by 2 h'));

    const big = notebookOp(h.clock, 'extend', id!, 'old-0', { addMs: 71 * HOUR });
    const ts2 = await h.postQueued(big);
    await h.queue.enqueue({ ...big, statusTs: ts2 });
    expect(await h.waitForJob(big.opId)).toBe('completed');
    lease = h.sim.instances.get(id!)!.lease!;
    const end = lease.create_at + lease.duration;
    expect(end - h.clock.now()).toBeLessThanOrEqual(MAX_LEASE_MS);
    expect(end - h.clock.now()).toBeGreaterThan(MAX_LEASE_MS - 6 * CLOCK_SLACK_MS);
    await h.slack.waitFor(() => messageText(h.message(ts2)).includes('72 h from now, the most ModelArts allows'));
    expect(messageText(h.message(ts2))).toContain(`it now stops ${slackDate(end)}`);
  });

  it('refuses to extend a notebook that is not RUNNING, saying why', async () => {
    await h.startWorker();
    const [id] = h.sim.instances.seed({ count: 1, status: 'STOPPED', namePrefix: 'extstop' });
    const op = notebookOp(h.clock, 'extend', id!, 'extstop-0');
    const statusTs = await h.postQueued(op);
    await h.queue.enqueue({ ...op, statusTs });
    expect(await h.waitForJob(op.opId)).toBe('failed');
    await h.slack.waitFor(() => messageText(h.message(statusTs)).includes('Only a running notebook'));
    expect(messageText(h.message(statusTs))).toContain('Start it first');
    expect(h.sim.stats.calls.renewLease).toBe(0);
  });
});

describe('faults', () => {
  it('rides out a ModelArts throttling storm (429 + Retry-After) without failing the job', async () => {
    await h.startWorker();
    h.sim.faults.throttle({ count: 3, retryAfterSec: 1 });
    const op = createOp(h.clock, 'nb-storm');
    const statusTs = await h.postQueued(op);
    const res = await h.queue.enqueue({ ...op, statusTs });
    expect(await h.waitForJob(res.jobId, 20_000)).toBe('completed');
    expect(h.sim.stats.byStatus['429']).toBe(3);
    expect(h.sim.stats.calls.create).toBeLessThanOrEqual(2); // a throttled POST never reached the service
    expect(h.sim.instances.count()).toBe(1);
    // Throttling paused the queue; it spent no attempt and left no failure behind.
    const job = await h.queue.queue.getJob(res.jobId);
    expect(job?.attemptsMade).toBe(1);
    expect(job?.stacktrace ?? []).toHaveLength(0);
    await h.slack.waitFor(() => openButtonUrl(h.message(statusTs)) !== undefined);
  });

  it('does not re-POST a create whose answer was lost: the lookup adopts the instance', async () => {
    await h.startWorker();
    // The create is processed, then the connection drops: the client sees no answer.
    h.sim.faults.dropConnections({ count: 1, operations: ['create'], afterProcessing: true });
    const op = createOp(h.clock, 'nb-lost');
    const statusTs = await h.postQueued(op);
    const res = await h.queue.enqueue({ ...op, statusTs });
    expect(await h.waitForJob(res.jobId)).toBe('completed');
    expect(h.sim.stats.calls.create).toBe(1);
    expect(h.sim.instances.count()).toBe(1);
    expect(h.sim.stats.calls.list).toBeGreaterThanOrEqual(1);
  });

  it('retries 5xx answers with backoff and succeeds', async () => {
    await h.startWorker();
    const [id] = h.sim.instances.seed({ count: 1, status: 'STOPPED', namePrefix: 'flaky' });
    h.sim.faults.serverErrors({ count: 3, status: 503, operations: ['show', 'start'] });
    const op = notebookOp(h.clock, 'start', id!, 'flaky-0');
    await h.queue.enqueue({ ...op, statusTs: await h.postQueued(op) });
    expect(await h.waitForJob(op.opId, 20_000)).toBe('completed');
    expect(h.sim.instances.get(id!)?.status).toBe('RUNNING');
  });

  it('handles Slack 429s on chat.update (Retry-After) and still delivers the final state', async () => {
    await h.startWorker();
    h.slack.rateLimit('chat.update', 2, 1);
    const op = createOp(h.clock, 'nb-slack429');
    const statusTs = await h.postQueued(op);
    const res = await h.queue.enqueue({ ...op, statusTs });
    expect(await h.waitForJob(res.jobId)).toBe('completed');
    await h.slack.waitFor(() => openButtonUrl(h.message(statusTs)) !== undefined, 10_000);
    expect(h.slack.callsTo('chat.update#429')).toHaveLength(2);
    // Retry-After was honoured: no chat.update within 1 s after a 429.
    const limited = h.slack.callsTo('chat.update#429').at(-1)!;
    const next = h.slack.callsTo('chat.update').find((c) => c.at > limited.at);
    expect(next!.at - limited.at).toBeGreaterThanOrEqual(900);
  });
  it('Slack throttling never holds cloud work back: the operation finishes while chat.update is limited', async () => {
    await h.startWorker();
    h.slack.rateLimit('chat.update', 1000, 30);
    const [id] = h.sim.instances.seed({ count: 1, status: 'RUNNING', namePrefix: 'busy' });
    const op = notebookOp(h.clock, 'stop', id!, 'busy-0');
    await h.queue.enqueue({ ...op, statusTs: await h.postQueued(op) });
    expect(await h.waitForJob(op.opId)).toBe('completed');
    expect(h.sim.instances.get(id!)?.status).toBe('STOPPED');
    expect(h.slack.callsTo('chat.update#429')).toHaveLength(1);
  });

  it('a Slack 429 on the status post delays the job by Retry-After; the operation then runs once', async () => {
    await h.startWorker();
    h.slack.rateLimit('chat.postMessage', 1, 1);
    const op = createOp(h.clock, 'nb-post429');
    const res = await h.queue.enqueue(op);
    expect(await h.waitForJob(res.jobId)).toBe('completed');
    expect(h.slack.callsTo('chat.postMessage#429')).toHaveLength(1);
    expect(h.slack.callsTo('chat.postMessage').filter((c) => !c.args['thread_ts'])).toHaveLength(1);
    expect(h.sim.stats.calls.create).toBe(1);
  });
});
