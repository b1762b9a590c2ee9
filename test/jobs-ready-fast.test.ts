import { afterEach, describe, expect, it } from 'vitest';
import { nextPollDelay, readyApproach } from '../src/jobs/polling.js';
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

  it('backs off in the long middle of a create, polls fast at its end, and sees RUNNING soon after', async () => {
    // 300× clock: step 2 lasts 3 s real, step 4 1.5 s, STARTING 1 s; RUNNING at ~5.7 s.
    h = await startHarness({
      simTimings: { createSteps: [20_000, 900_000, 30_000, 450_000], createStarting: 300_000 },
    });
    const scale = h.clock.scale;
    await h.startWorker({
      timing: {
        initialMs: 50,
        maxMs: 1000,
        nearReadyMs: 50,
        approachMs: 200,
        slowPollMs: 1000,
        maxRetryDelayMs: 300,
        readyTimeoutMs: 3 * 3_600_000,
      },
    });
    const op = createOp(h.clock, 'nb-fast');
    const statusTs = await h.postQueued(op);
    const res = await h.queue.enqueue({ ...op, statusTs });
    expect(await h.waitForJob(res.jobId, 20_000)).toBe('completed');
    const [instance] = h.sim.instances.list();
    const createdAt = instance!.create_at!;
    const step4 = createdAt + 20_000 + 900_000 + 30_000;
    const starting = step4 + 450_000;
    const running = starting + 300_000;
    const gets = h.sim.stats.log
      .filter((e) => e.operation === 'show' && e.path.includes(instance!.id))
      .map((e) => e.at)
      .sort((a, b) => a - b);
    const gaps = (from: number, to: number) =>
      gets
        .map((at, i) => ({ at, gap: i > 0 ? at - gets[i - 1]! : 0 }))
        .filter((g) => g.at > from && g.at <= to && g.gap > 0)
        .map((g) => g.gap / scale);
    // The middle: backed off to about maxMs (1000 ms real).
    expect(Math.max(...gaps(createdAt, step4))).toBeGreaterThanOrEqual(800);
    // Step 4 in progress: every ~200 ms; STARTING: every ~50 ms (plus the worker's own time).
    const inStep4 = gaps(step4 + 1000 * scale, starting);
    expect(inStep4.length).toBeGreaterThan(0);
    expect(Math.max(...inStep4)).toBeLessThan(450);
    const inStarting = gaps(starting + 300 * scale, running);
    expect(inStarting.length).toBeGreaterThan(2);
    expect(Math.max(...inStarting)).toBeLessThan(200);
    // The GET that saw RUNNING, and the ready reply, close behind it (≤ ~ one short poll).
    const seen = gets.find((at) => at >= running)!;
    expect((seen - running) / scale).toBeLessThan(200);
    const reply = await h.slack.waitFor((calls) =>
      calls.find((c) => c.args['thread_ts'] === statusTs && String(c.args['text']).includes('is running')),
    );
    expect(reply).toBeDefined();
    // Calls per notebook stay low: the backoff keeps the middle cheap.
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
    await stack.startWorker({
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
    const publishes = stack.slack.callsTo('views.publish').length;
    expect(changes).toBeGreaterThanOrEqual(10);
    expect(publishes).toBeLessThan(changes / 2);
    // Nothing else left to do.
    await new Promise((r) => setTimeout(r, 500));
    expect(stack.slack.callsTo('views.publish').length).toBe(publishes);
  });
});
