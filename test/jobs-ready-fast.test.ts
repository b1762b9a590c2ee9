import { afterEach, describe, expect, it } from 'vitest';
import { nextPollDelay, readyApproach } from '../src/jobs/polling.js';
import { OPEN_JUPYTERLAB_ACTION_ID } from '../src/messages/operation-status.js';
import type { Notebook } from '../src/modelarts/schemas.js';
import { DEFAULT_TIMING } from '../src/slack/deps.js';
import { createHomeRefresher } from '../src/slack/home.js';
import { createOp, type Harness, startHarness, USER } from './support/jobs-harness.js';
import { recordCalls, waitUntil, webClient } from './support/stack.js';

/**
 * The ready message close behind RUNNING: polls come back to a short interval at the end of a
 * create (backing off only in the long middle), and what a change costs elsewhere stays small
 * (one App Home refresh per owner for a burst of changes, rendered from the records).
 */

let h: Harness | undefined;
afterEach(async () => {
  await h?.close();
  h = undefined;
});

function nb(status: string, steps?: Array<[number, string]>): Notebook {
  return {
    id: 'x',
    name: 'x',
    status,
    ...(steps ? { action_progress: steps.map(([step, s]) => ({ step, status: s })) } : {}),
  } as Notebook;
}

describe('poll timing near ready', () => {
  it('judges how close a create/start is to RUNNING', () => {
    expect(
      readyApproach(
        nb('CREATING', [
          [1, 'COMPLETED'],
          [2, 'PROCESSING'],
          [3, 'WAITING'],
          [4, 'WAITING'],
        ]),
      ),
    ).toBe('far');
    expect(readyApproach(nb('CREATING'))).toBe('far');
    expect(
      readyApproach(
        nb('CREATING', [
          [1, 'COMPLETED'],
          [2, 'COMPLETED'],
          [3, 'COMPLETED'],
          [4, 'PROCESSING'],
        ]),
      ),
    ).toBe('approaching');
    expect(
      readyApproach(
        nb('CREATING', [
          [1, 'COMPLETED'],
          [2, 'COMPLETED'],
          [3, 'COMPLETED'],
          [4, 'COMPLETED'],
        ]),
      ),
    ).toBe('near');
    expect(readyApproach(nb('STARTING'))).toBe('near');
    expect(readyApproach(nb('RUNNING'))).toBe('near'); // storage still settling
  });

  it('caps the backed-off delay near ready: nearReadyMs (default 1.5 × initialMs), approachMs (default maxMs / 2)', () => {
    const t = { initialMs: 2000, maxMs: 15_000 };
    expect(nextPollDelay(15_000, t)).toBe(15_000);
    expect(nextPollDelay(15_000, t, 'approaching')).toBe(7500);
    expect(nextPollDelay(15_000, t, 'near')).toBe(3000);
    expect(nextPollDelay(undefined, t, 'near')).toBe(2000);
    expect(nextPollDelay(15_000, { ...t, nearReadyMs: 1000, approachMs: 4000 }, 'near')).toBe(1000);
    expect(nextPollDelay(15_000, { ...t, nearReadyMs: 1000, approachMs: 4000 }, 'approaching')).toBe(4000);
    // Never longer than the backoff itself.
    expect(nextPollDelay(2000, t, 'approaching')).toBe(3000);
  });

  it('backs off in the long middle of a create, polls fast at its end, and sees RUNNING soon after', {
    timeout: 40_000,
  }, async () => {
    // 300× clock: step 2 lasts 4.5 s real, step 4 1.5 s, STARTING 1 s. What is checked is what
    // the worker scheduled after each look at the notebook (the delay it chose, from what the
    // simulator answered), not the real gaps between polls: those depend on how busy the machine
    // is, the schedule does not.
    h = await startHarness({
      simTimings: { createSteps: [20_000, 1_350_000, 30_000, 450_000], createStarting: 300_000 },
    });
    const timing = { initialMs: 50, maxMs: 1000, nearReadyMs: 100, approachMs: 200 };
    const polls: Array<{ delayMs: number; status: string; approach: string }> = [];
    await h.startWorker({
      timing: { ...timing, slowPollMs: 1000, maxRetryDelayMs: 300, readyTimeoutMs: 3 * 3_600_000 },
      metrics: { pollScheduled: (_kind, delayMs, seen) => void polls.push({ delayMs, ...seen }) },
    });
    const op = createOp(h.clock, 'nb-fast');
    const statusTs = await h.postQueued(op);
    const res = await h.queue.enqueue({ ...op, statusTs });
    expect(await h.waitForJob(res.jobId, 30_000)).toBe('completed');

    // Looks are scheduled by the job and, while it sleeps, by the status board on its behalf:
    // when both schedule from the same interval, one delay shows twice in a row.
    const far = polls.filter((p, i) => p.approach === 'far' && p.delayMs !== polls[i - 1]?.delayMs);
    const approaching = polls.filter((p) => p.approach === 'approaching');
    const near = polls.filter((p) => p.approach === 'near');
    // Every look is judged from what ModelArts said: STARTING is near, never far.
    for (const p of polls.filter((x) => x.status === 'STARTING')) expect(p.approach).toBe('near');
    // The middle: each delay 1.5× the one before, up to maxMs, which it reaches (or nearly).
    for (let i = 1; i < far.length; i++)
      expect(far[i]!.delayMs).toBe(Math.min(Math.round(far[i - 1]!.delayMs * 1.5), timing.maxMs));
    expect(far[0]!.delayMs).toBe(timing.initialMs);
    expect(Math.max(...far.map((p) => p.delayMs))).toBeGreaterThanOrEqual(0.8 * timing.maxMs);
    // Step 4 in progress: every approachMs at most; STARTING: every nearReadyMs.
    expect(approaching.length).toBeGreaterThan(0);
    for (const p of approaching) expect(p.delayMs).toBeLessThanOrEqual(timing.approachMs);
    expect(near.length).toBeGreaterThan(2);
    for (const p of near) expect(p.delayMs).toBeLessThanOrEqual(timing.nearReadyMs);
    // The look that saw RUNNING came one short delay after a near-ready one: ready within a
    // nearReadyMs of RUNNING, plus the worker's own time.
    expect(polls.at(-1)).toMatchObject({ approach: 'near', delayMs: timing.nearReadyMs });
    const reply = await h.slack.waitFor((calls) =>
      calls.find((c) => c.args['thread_ts'] === statusTs && String(c.args['text']).includes('is running')),
    );
    expect(reply).toBeDefined();
    // The reply carries the JupyterLab button itself (the status message's edit may lag behind).
    expect(JSON.stringify(reply?.args['blocks'])).toContain(OPEN_JUPYTERLAB_ACTION_ID);
    // Calls per notebook stay low: the backoff keeps the middle cheap. A lone notebook is read
    // alone by the status board's tick, at most once per scheduled poll (the first look is the
    // POST's answer; a job that wakes by itself on an unchanged notebook schedules without a
    // read), one more at most when a busy machine delayed a tick past the job's grace.
    const [instance] = h.sim.instances.list();
    const gets = h.sim.stats.log.filter((e) => e.operation === 'show' && e.path.includes(instance!.id));
    expect(h.sim.stats.calls.list).toBe(0);
    expect(gets.length).toBeLessThanOrEqual(polls.length + 1);
    expect(gets.length).toBeLessThan(40);
  });
});

describe('App Home refresh from the worker', () => {
  it('one owner, five notebooks created together: few publishes, all from the records, no ModelArts call', async () => {
    h = await startHarness();
    const stack = h;
    let homeCalls = 0;
    const modelarts = recordCalls(stack.modelarts, () => void homeCalls++);
    let changes = 0;
    const refreshHome = createHomeRefresher(
      {
        modelarts,
        store: stack.store,
        clock: stack.clock,
        logger: stack.logger,
        timing: DEFAULT_TIMING,
        defaults: { flavor: 'f', storageGb: 5, leaseHours: 1 },
        commandName: '/notebook',
      },
      webClient(stack),
    );
    const worker = await stack.startWorker({
      refreshHome,
      homeRefreshDelayMs: 150,
      onNotebookChanged: () => void changes++,
    });
    const jobs: string[] = [];
    const statuses: string[] = [];
    for (let i = 0; i < 5; i++) {
      const op = createOp(stack.clock, `home-nb-${i}`);
      const statusTs = await stack.postQueued(op);
      statuses.push(statusTs);
      jobs.push((await stack.queue.enqueue({ ...op, statusTs })).jobId);
    }
    for (const id of jobs) expect(await stack.waitForJob(id)).toBe('completed');
    // The last refresh shows all five running, with their JupyterLab buttons.
    await waitUntil(() => {
      const view = JSON.stringify(stack.slack.homeView(USER) ?? {});
      return (view.match(/RUNNING/g) ?? []).length >= 5 && !view.includes('CREATING') && !view.includes('STARTING');
    }, 10_000);
    const view = JSON.stringify(stack.slack.homeView(USER));
    for (let i = 0; i < 5; i++) expect(view).toContain(`home-nb-${i}`);
    expect(view).not.toContain('last known');
    expect(view).toContain('home_open');
    expect(homeCalls).toBe(0);
    // Every refresh asked for has run (none waiting out its coalescing delay): on a busy machine
    // the view can look final while one more refresh is still queued.
    await waitUntil(async () => {
      const counts = await worker.notifier.queue.getJobCounts('waiting', 'delayed', 'active', 'prioritized');
      return Object.values(counts).every((n) => n === 0);
    }, 10_000);
    const publishes = stack.slack.callsTo('views.publish').length;
    expect(changes).toBeGreaterThanOrEqual(10);
    expect(publishes).toBeLessThan(changes / 2);
    // Nothing else left to do.
    await new Promise((r) => setTimeout(r, 500));
    expect(stack.slack.callsTo('views.publish').length).toBe(publishes);
  });
});
