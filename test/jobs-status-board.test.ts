import { afterEach, describe, expect, it } from 'vitest';
import { createStatusBoard, type StatusBoard } from '../src/jobs/status-board.js';
import { createLogger } from '../src/logger.js';
import type { Notebook } from '../src/modelarts/schemas.js';
import type { SimOperation } from '../src/simulator/stats.js';
import { createOp, type Harness, startHarness } from './support/jobs-harness.js';
import { uniquePrefix } from './support/redis.js';
import { type Stack, startStack, waitUntil } from './support/stack.js';

/**
 * Batched status polling (src/jobs/status-board.ts): notebooks waiting for a state are looked at
 * together, one ListNotebooks per 50 of a status, and read alone only when they left it; a lone
 * notebook is read alone; several workers share the ticks; a dead tick runner leaves nobody
 * unwatched. Counts of calls the simulator received, never wall-clock gaps.
 */

let stack: Stack | undefined;
let h: Harness | undefined;
const boards: StatusBoard[] = [];
afterEach(async () => {
  await Promise.all(boards.splice(0).map((b) => b.stop()));
  await stack?.close();
  stack = undefined;
  await h?.close();
  h = undefined;
});

const DELAY = 60_000;

async function setup(): Promise<Stack> {
  // Real time: seeded CREATING notebooks stay CREATING for the length of a test.
  stack = await startStack({ botToken: 'xoxb-test-board', channel: 'C0BOARD01', label: 'board', scale: 1 });
  return stack;
}

function board(s: Stack, woken: string[], prefix = s.prefix): StatusBoard {
  const b = createStatusBoard({
    redis: s.redis,
    prefix,
    modelarts: s.modelarts,
    logger: createLogger({ level: 'silent' }),
    tickMs: 1000,
    timing: { initialMs: 2000, maxMs: 15_000 },
    wake: async (jobId) => void woken.push(jobId),
    staleMs: 3_600_000,
  });
  boards.push(b);
  return b;
}

function calls(s: Stack): Record<SimOperation, number> {
  return { ...s.sim.stats.calls };
}

function delta(s: Stack, before: Record<SimOperation, number>, op: SimOperation): number {
  return s.sim.stats.calls[op] - before[op];
}

/** Seeds `count` CREATING notebooks and puts a job waiting on each on the board, due `dueIn` from `now`. */
async function watchCreating(
  s: Stack,
  b: StatusBoard,
  count: number,
  now: number,
  dueIn: (i: number) => number = () => 0,
): Promise<string[]> {
  const ids = s.sim.instances.seed({ count, status: 'CREATING', namePrefix: `w${count}` });
  await Promise.all(
    ids.map((id, i) => {
      const notebook = s.sim.instances.get(id) as unknown as Notebook;
      return b.watch({
        jobId: `job-${id}`,
        notebook,
        parkedAt: now - DELAY + dueIn(i),
        delayMs: DELAY,
        kind: 'create',
      });
    }),
  );
  return ids;
}

describe('status board: one tick', () => {
  it('N waiting notebooks cost ceil(N/50) list calls (plus one for the next status), not N reads', async () => {
    const s = await setup();
    const listCalls: number[] = [];
    for (const n of [10, 120, 260]) {
      s.sim.reset();
      const woken: string[] = [];
      const b = board(s, woken, uniquePrefix(`board${n}`));
      const now = Date.now();
      const ids = await watchCreating(s, b, n, now);
      const before = calls(s);
      const report = await b.tick(now);
      expect(report).toBeDefined();
      const lists = delta(s, before, 'list');
      listCalls.push(lists);
      // Every page of CREATING (50 a page), one page of STARTING (where they go next), no single read.
      expect(lists).toBe(Math.ceil(n / 50) + 1);
      expect(delta(s, before, 'show')).toBe(0);
      expect(report?.listCalls).toEqual({ CREATING: Math.ceil(n / 50), STARTING: 1 });
      // Nothing changed: no job is woken (an unchanged poll costs the worker nothing); each has
      // had its look, and a job that wakes finds it without calling ModelArts.
      expect(woken).toEqual([]);
      const seen = await Promise.all(ids.map((id) => b.seenFor(`job-${id}`, id)));
      expect(seen.every((x, i) => x?.notebook?.id === ids[i] && x?.notebook?.status === 'CREATING')).toBe(true);
      expect(
        s.sim.stats
          .requests('list')
          .every((r) => r.path.includes('status=CREATING') || r.path.includes('status=STARTING')),
      ).toBe(true);
    }
    // 26× the notebooks, 2.3× the calls.
    expect(listCalls).toEqual([2, 4, 7]);
  });

  it('a lone notebook is read alone, like a poll of its own', async () => {
    const s = await setup();
    const woken: string[] = [];
    const b = board(s, woken);
    const now = Date.now();
    const [id] = await watchCreating(s, b, 1, now);
    const before = calls(s);
    await b.tick(now);
    expect(delta(s, before, 'list')).toBe(0);
    expect(delta(s, before, 'show')).toBe(1);
    expect(woken).toEqual([]);
    expect((await b.seenFor(`job-${id}`, id as string))?.notebook?.status).toBe('CREATING');
  });

  it('reads alone only the notebooks that left their status; wakes only their jobs; the others had their look', async () => {
    const s = await setup();
    const woken: string[] = [];
    const b = board(s, woken);
    const now = Date.now();
    // 120 waiting: the first 60 due now, the others in 30 s.
    const ids = await watchCreating(s, b, 120, now, (i) => (i < 60 ? 0 : 30_000));
    const moved = [ids[3], ids[100], ids[101]] as string[];
    for (const id of moved) s.sim.instances.force(id, 'RUNNING');
    const before = calls(s);
    await b.tick(now);
    expect(delta(s, before, 'list')).toBe(3 + 1);
    expect(delta(s, before, 'show')).toBe(moved.length);
    const seenMoved = await Promise.all(moved.map((id) => b.seenFor(`job-${id}`, id)));
    expect(seenMoved.map((x) => x?.notebook?.status)).toEqual(['RUNNING', 'RUNNING', 'RUNNING']);
    // Woken: the jobs of the three that changed, due or not.
    expect(new Set(woken)).toEqual(new Set(moved.map((id) => `job-${id}`)));

    // The unchanged ones, due or not, had their look: their next is an interval on (the 60 s
    // they waited backs off to at most maxMs = 15 s), so nothing is due for a while.
    const again = calls(s);
    expect(await b.tick(now + 5_000)).toBeUndefined();
    expect(delta(s, again, 'list') + delta(s, again, 'show')).toBe(0);
    // …and then they are looked at again, together, by one list.
    const later = await b.tick(Date.now() + 15_000);
    expect(later?.listCalls).toEqual({ CREATING: 3, STARTING: 1 });
  });

  it('several workers share a tick: the calls are made once', async () => {
    const s = await setup();
    const woken: string[] = [];
    const [a, b, c] = [board(s, woken), board(s, woken), board(s, woken)] as const;
    const now = Date.now();
    await watchCreating(s, a, 120, now);
    const before = calls(s);
    const reports = await Promise.all([a.tick(now), b.tick(now), c.tick(now)]);
    expect(reports.filter(Boolean)).toHaveLength(1);
    expect(delta(s, before, 'list')).toBe(3 + 1);
    expect(delta(s, before, 'show')).toBe(0);
    expect(woken).toEqual([]);
    // Served: the next ticks of any of them find nothing due.
    const after = calls(s);
    expect(await Promise.all([a.tick(now), b.tick(now)])).toEqual([undefined, undefined]);
    expect(delta(s, after, 'list') + delta(s, after, 'show')).toBe(0);
  });
});

describe('status board: ModelArts throttling', () => {
  it('a 429 stops the tick: no call after it, and none until its Retry-After has passed', async () => {
    const s = await setup();
    const woken: string[] = [];
    const b = board(s, woken);
    const now = Date.now();
    await watchCreating(s, b, 120, now);
    s.sim.faults.throttle({ count: 1000, retryAfterSec: 30, operations: ['list', 'show'] });
    const before = s.sim.stats.total;
    await b.tick(now);
    // The lists of one tick go out together (CREATING's first page, STARTING's page): both
    // throttled, nothing read one by one after that.
    expect(s.sim.stats.total - before).toBe(2);
    expect(await b.tick(now)).toBeUndefined();
    expect(s.sim.stats.total - before).toBe(2);
  });
});

/**
 * Creates `n` notebooks through the queue (each with its posted status message) and waits until
 * every job completed and every status thread holds exactly one ready reply.
 */
async function createEachReadyOnce(harness: Harness, prefix: string, n: number): Promise<void> {
  const jobs: Array<{ jobId: string; statusTs: string }> = [];
  for (let i = 0; i < n; i++) {
    const op = createOp(harness.clock, `${prefix}-${i}`);
    const statusTs = await harness.postQueued(op);
    jobs.push({ jobId: (await harness.queue.enqueue({ ...op, statusTs })).jobId, statusTs });
  }
  for (const j of jobs) expect(await harness.waitForJob(j.jobId, 45_000)).toBe('completed');
  const readies = (statusTs: string) =>
    harness.replies(statusTs).filter((c) => String(c.args['text']).includes('is running')).length;
  await waitUntil(() => jobs.every((j) => readies(j.statusTs) >= 1), 30_000);
  for (const j of jobs) expect(readies(j.statusTs)).toBe(1);
}

describe('status board in the worker', () => {
  it('notebooks created together are watched by lists; each gets one ready message', { timeout: 60_000 }, async () => {
    // A create of ~14 simulated minutes (~3 s real): about a dozen polls per notebook.
    h = await startHarness({ simTimings: { createSteps: [20_000, 600_000, 30_000, 150_000], createStarting: 60_000 } });
    await h.startWorker();
    const n = 60;
    await createEachReadyOnce(h, 'nb-board', n);
    const { calls: c } = h.sim.stats;
    expect(c.create).toBe(n);
    expect(c.list).toBeGreaterThan(0);
    // Looks after the create: one GET per poll made 430–460 here (`statusBoard: false`, ~7.5 a
    // notebook); lists serve 50 at a time, and a notebook is read alone mostly once it left them.
    expect(c.show + c.list).toBeLessThan(4 * n);
  });

  it('with the tick runner dead (its lock held), every notebook is still watched by its own job', {
    timeout: 60_000,
  }, async () => {
    h = await startHarness();
    // A worker that took the tick lock and died: the lock outlives this test.
    await h.redis.set(`${h.prefix}:poll:lock`, 'dead-worker', 'PX', 600_000);
    await h.startWorker();
    await createEachReadyOnce(h, 'nb-dead', 3);
    expect(h.sim.stats.calls.list).toBe(0);
    expect(h.sim.stats.calls.show).toBeGreaterThan(0);
  });
});
