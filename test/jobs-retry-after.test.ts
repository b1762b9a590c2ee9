import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { OperationWorkerHandle } from '../src/jobs/worker.js';
import { createOp, type Harness, notebookOp, startHarness } from './support/jobs-harness.js';

/**
 * Retry-After on every ModelArts call the job pipeline retries, polls included. The worker
 * retries through the queue (its client calls have no retries of their own), so what matters is
 * when the next request reaches ModelArts: the simulator logs every request's arrival on the
 * injected clock it shares with the worker (ScaledClock), and the gaps after each 429 are read
 * from that log. Only lower bounds are asserted, which a busy machine can only make longer.
 */

let h: Harness;
const extra: OperationWorkerHandle[] = [];
beforeEach(async () => {
  h = await startHarness();
});
afterEach(async () => {
  for (const w of extra.splice(0)) await w.close();
  await h.close();
});

/** Two workers on the queue, as two worker processes would be: a job handed back may go to either. */
async function startTwoWorkers(): Promise<void> {
  extra.push(await h.startWorker());
  await h.startWorker();
}

/** Real milliseconds between each 429 and the next request of the same kind, from the simulator's log. */
function gapsAfter429(operation: string): number[] {
  const log = h.sim.stats.log.filter((e) => e.operation === operation);
  const gaps: number[] = [];
  for (const [i, entry] of log.entries()) {
    const next = log[i + 1];
    if (entry.status === 429 && next) gaps.push((next.at - entry.at) / h.clock.scale);
  }
  return gaps;
}

describe('ModelArts 429 with Retry-After: 3', () => {
  it('a poll throttled twice is retried no sooner than Retry-After each time', { timeout: 30_000 }, async () => {
    await startTwoWorkers();
    const [id] = h.sim.instances.seed({ count: 1, status: 'STOPPED', namePrefix: 'ra-start' });
    // The start's first look at the notebook (a GET, as every poll) is throttled twice.
    h.sim.faults.throttle({ count: 2, retryAfterSec: 3, operations: ['show'] });
    const op = notebookOp(h.clock, 'start', id!, 'ra-start-0');
    await h.queue.enqueue({ ...op, statusTs: await h.postQueued(op) });
    expect(await h.waitForJob(op.opId, 25_000)).toBe('completed');
    expect(h.sim.stats.byStatus['429']).toBe(2);
    const gaps = gapsAfter429('show');
    expect(gaps).toHaveLength(2);
    for (const gap of gaps) expect(gap).toBeGreaterThanOrEqual(3000);
    // Throttling is not a failure: no attempt spent, nothing left for BullMQ's own retries.
    const job = await h.queue.queue.getJob(op.opId);
    expect(job?.attemptsMade).toBe(1);
    expect(job?.stacktrace ?? []).toHaveLength(0);
  });

  it('a throttled create POST is re-sent after Retry-After, and only once accepted', { timeout: 30_000 }, async () => {
    await startTwoWorkers();
    h.sim.faults.throttle({ count: 2, retryAfterSec: 3, operations: ['create'] });
    const op = createOp(h.clock, 'nb-ra-create');
    const res = await h.queue.enqueue({ ...op, statusTs: await h.postQueued(op) });
    expect(await h.waitForJob(res.jobId, 25_000)).toBe('completed');
    const gaps = gapsAfter429('create');
    expect(gaps).toHaveLength(2);
    for (const gap of gaps) expect(gap).toBeGreaterThanOrEqual(3000);
    expect(h.sim.instances.count()).toBe(1);
  });
});
