import { WebClient } from '@slack/web-api';
import type { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type AccessControlService, createAccessControl } from '../src/access/access-control.js';
import { parsePolicyObject } from '../src/access/policy.js';
import { ManualClock } from '../src/clock.js';
import { createLeaseWatcher, type LeaseWatcher } from '../src/leases/watcher.js';
import { createLogger } from '../src/logger.js';
import { DIGEST_STOP_ACTION } from '../src/messages/costs.js';
import { decodePick } from '../src/messages/pick-value.js';
import type { ModelArtsClient } from '../src/modelarts/client.js';
import type { Notebook } from '../src/modelarts/schemas.js';
import {
  createSimulator,
  SIMULATOR_DEFAULT_FLAVOR,
  SIMULATOR_DEFAULT_IMAGE_ID,
  SIMULATOR_GPU_IMAGE_ID,
  type Simulator,
} from '../src/simulator/index.js';
import { FakeSlackApi } from '../src/slack-stand-in/fake-slack-api.js';
import type { NotebookRecord } from '../src/store/notebooks.js';
import { NotebookStore } from '../src/store/notebooks.js';
import { createUsageDigest } from '../src/usage/digest.js';
import { observationFromRecord } from '../src/usage/observe.js';
import { currentMonth, summarize } from '../src/usage/report.js';
import { deletePrefix, newRedis, uniquePrefix } from './support/redis.js';
import { simulatorClient } from './support/stack.js';

/**
 * Acceptance: one simulated week on the injected clock, every part real (the simulator over HTTP,
 * the ModelArts client, Redis, the lease scan with usage accounting, the digest posting to the fake
 * Slack). Notebooks are started, stopped, extended and auto-stopped through ModelArts; what the
 * worker sees is fed to the ledger exactly as `buildWorker`'s hook does (`observationFromRecord`
 * of the record a job writes); one notebook is made in the console and only the scan sees it.
 * The scan runs every 15 minutes. Hours and cost are compared with figures computed by hand.
 */

const H = 3_600_000;
const M = 60_000;
const ALICE = 'U0ALICE001';
const BOB = 'U0BOB00001';
const COSTS_CHANNEL = 'C0COSTS001';
const GPU = 'modelarts.vm.gpu.t4u8';
const CPU = SIMULATOR_DEFAULT_FLAVOR; // modelarts.vm.cpu.2u
const WEEK_START = Date.UTC(2026, 10, 2, 0, 0); // Monday 2 November 2026, 00:00 UTC
const at = (day: number, hour: number, minute = 0) => WEEK_START + day * 24 * H + hour * H + minute * M;

let clock: ManualClock;
let sim: Simulator;
let api: ModelArtsClient;
let redis: Redis;
let prefix: string;
let store: NotebookStore;
let slack: FakeSlackApi;
let web: WebClient;
let access: AccessControlService;
let watcher: LeaseWatcher;
const logger = createLogger({ level: 'silent' });

beforeAll(async () => {
  clock = new ManualClock(WEEK_START);
  sim = createSimulator({ clock, notFound: '404', random: () => 0.5 });
  await sim.start();
  api = simulatorClient(sim, clock, { maxRetries: 0 });
  redis = newRedis();
  prefix = uniquePrefix('usage-week');
  store = new NotebookStore({ redis, prefix });
  slack = await new FakeSlackApi().start();
  web = new WebClient('xoxb-test', { slackApiUrl: slack.apiUrl, retryConfig: { retries: 0 } });
  const policy = parsePolicyObject(
    {
      costs: {
        currency: 'EUR',
        prices: { 'modelarts.vm.gpu.*': 8, [CPU]: 0.5 },
        digest: { channel: COSTS_CHANNEL, weekday: 'monday', hour: 9, timezone: 'UTC' },
      },
    },
    { source: '(week)' },
  );
  access = createAccessControl({ policy, redis, prefix, slack: web, store, logger, clock });
  watcher = createLeaseWatcher({ api, store, redis, prefix, slack: web, clock, logger, usage: access.usage });
});

afterAll(async () => {
  await sim?.stop();
  await slack?.stop();
  if (redis) {
    await deletePrefix(redis, prefix);
    redis.disconnect();
  }
});

/** What a job's record looks like after it observed `nb` (the fields `observedFields` writes). */
function recordOf(nb: Notebook, ownerId: string): NotebookRecord {
  return {
    notebookId: nb.id,
    name: nb.name,
    ownerId,
    channelId: 'C0LAB00001',
    origin: 'created',
    createdAt: clock.now(),
    updatedAt: clock.now(),
    lastStatus: nb.status,
    ...(nb.flavor ? { flavor: nb.flavor } : {}),
    ...(nb.lease?.create_at !== undefined ? { leaseCreateAt: nb.lease.create_at } : {}),
    ...(nb.lease?.duration !== undefined ? { leaseDurationMs: nb.lease.duration } : {}),
  };
}

/** A worker job looking at the notebook now, and the worker hook passing its record to the ledger. */
async function workerSees(id: string, ownerId: string, expected: string): Promise<void> {
  const nb = await api.showNotebook(id);
  expect(nb.status).toBe(expected);
  const observation = observationFromRecord(recordOf(nb, ownerId));
  if (observation) await access.usage!.ledger.observe(observation);
}

describe('usage accounting over a simulated week', () => {
  it('hours and cost of notebooks started, stopped, extended, auto-stopped and made in the console match the hand-computed figures', async () => {
    const ids: Record<string, string> = {};
    /** Creates a notebook through the API (as the bot does) with a TIMING lease; its id under `key`. */
    const create = async (key: string, name: string, flavor: string, imageId: string, leaseMs: number) => {
      const nb = await api.createNotebook({
        name,
        flavor,
        image_id: imageId,
        volume: { category: 'EVS', ownership: 'MANAGED', capacity: 5 },
        lease: { duration: leaseMs, type: 'TIMING' },
      });
      ids[key] = nb.id;
    };
    // Actions at a tick run before that tick's scan, as a job may finish just before a scan.
    const plan = new Map<number, () => Promise<void>>([
      // A (alice, GPU €8/h): created Mon 10:00 with an 8 h lease; the worker sees it RUNNING at 10:15.
      [at(0, 10), () => create('A', 'alice-gpu', GPU, SIMULATOR_GPU_IMAGE_ID, 8 * H)],
      [at(0, 10, 15), () => workerSees(ids['A']!, ALICE, 'RUNNING')],
      // Stopped through the bot Mon 16:30: the 16:30 scan no longer lists it; the worker sees STOPPED at 16:45.
      [
        at(0, 16, 30),
        async () => {
          await api.stopNotebook(ids['A']!);
        },
      ],
      [at(0, 16, 45), () => workerSees(ids['A']!, ALICE, 'STOPPED')],
      // Started again Tue 09:00 for 4 h (lease ends 13:00); the worker sees it RUNNING at 09:15.
      [
        at(1, 9),
        async () => {
          await api.startNotebook(ids['A']!, { duration: 4 * H, type: 'TIMING' });
        },
      ],
      [at(1, 9, 15), () => workerSees(ids['A']!, ALICE, 'RUNNING')],
      // Extended Tue 11:00 by 2 h 5 min: the lease now ends 15:05, when ModelArts stops it
      // (auto-stop); the 15:15 scan closes the run at the lease's end, not at 15:15.
      [
        at(1, 11),
        async () => {
          await api.renewLease(ids['A']!, { duration: 4 * H + 5 * M });
          await workerSees(ids['A']!, ALICE, 'RUNNING');
        },
      ],
      // C: made in the ModelArts console by carol.console, started Wed 07:50 (its lease's update_at;
      // GPU p100, €8/h); the bot first sees it in the 08:00 scan.
      [
        at(2, 8),
        async () => {
          ids['C'] = sim.instances.seed({
            count: 1,
            namePrefix: 'console',
            flavor: 'modelarts.vm.gpu.p100',
            imageId: SIMULATOR_GPU_IMAGE_ID,
            lease: { duration: 24 * H, elapsedMs: 10 * M },
            user: { name: 'carol.console' },
          })[0]!;
        },
      ],
      // Stopped in the console Wed 12:00: the 12:00 scan sees it gone from the RUNNING listing.
      [
        at(2, 12),
        async () => {
          await api.stopNotebook(ids['C']!);
        },
      ],
      // B (bob, CPU €0.50/h): created Fri 17:00 for 72 h; seen RUNNING 17:15; runs through the weekend.
      [at(4, 17), () => create('B', 'bob-cpu', CPU, SIMULATOR_DEFAULT_IMAGE_ID, 72 * H)],
      [at(4, 17, 15), () => workerSees(ids['B']!, BOB, 'RUNNING')],
    ]);

    const digestAt = at(7, 9); // Monday 9 November 09:00 UTC
    for (let t = WEEK_START; t <= digestAt; t += 15 * M) {
      clock.set(t);
      await plan.get(t)?.();
      await watcher.scanOnce(t);
    }
    expect(sim.instances.get(ids['A']!)?.status).toBe('STOPPED'); // its lease stopped it

    const ledger = access.usage!.ledger;
    const now = clock.now();
    const month = currentMonth(now);
    const runs = await ledger.runsBetween(month.from, month.to, now);
    const byNotebook = (id: string) =>
      runs
        .filter((r) => r.notebookId === id)
        .map((r) => [new Date(r.start).toISOString(), new Date(r.end).toISOString(), r.open]);
    // A: [Mon 10:15, Mon 16:30] (stopped), [Tue 09:15, Tue 15:05] (extended, then its lease ended).
    expect(byNotebook(ids['A']!)).toEqual([
      ['2026-11-02T10:15:00.000Z', '2026-11-02T16:30:00.000Z', false],
      ['2026-11-03T09:15:00.000Z', '2026-11-03T15:05:00.000Z', false],
    ]);
    // C: from its lease's update_at (Wed 07:50, before the bot saw it) to the scan that no longer saw it (12:00).
    expect(byNotebook(ids['C']!)).toEqual([['2026-11-04T07:50:00.000Z', '2026-11-04T12:00:00.000Z', false]]);
    // B: still running.
    expect(byNotebook(ids['B']!)).toEqual([['2026-11-06T17:15:00.000Z', '2026-11-09T09:00:00.000Z', true]]);

    const s = summarize(runs, month, access.usage!.prices);
    // By hand: A 6 h 15 min × €8 = €50 and 5 h 50 min × €8 = €46.666667 (rounded to the
    // micro-unit once per run); C 4 h 10 min × €8 = €33.333333; B 63 h 45 min × €0.50 = €31.875.
    const A_MS = 6 * H + 15 * M + 5 * H + 50 * M;
    expect(s.byPerson.map((l) => [l.key, l.ms, l.micros])).toEqual([
      [ALICE, A_MS, 50_000_000 + 46_666_667],
      ['iam:carol.console', 4 * H + 10 * M, 33_333_333],
      [BOB, 63 * H + 45 * M, 31_875_000],
    ]);
    expect(s.byFlavor.map((l) => [l.key, l.ms, l.micros])).toEqual([
      [GPU, A_MS, 96_666_667],
      ['modelarts.vm.gpu.p100', 4 * H + 10 * M, 33_333_333],
      [CPU, 63 * H + 45 * M, 31_875_000],
    ]);
    expect(s.totalMs).toBe(A_MS + 4 * H + 10 * M + 63 * H + 45 * M); // 80 h
    expect(s.totalMicros).toBe(161_875_000);

    // The weekly digest (Mon 2 Nov 09:00 – Mon 9 Nov 09:00): same figures, rounded once for display.
    const digest = createUsageDigest({
      ledger,
      redis,
      prefix,
      digest: access.policy.costs!.digest!,
      prices: access.usage!.prices,
      slack: web,
      clock,
      logger,
    });
    // Another scheduler replica checks at the same moment: the week's digest is posted once.
    const replica = createUsageDigest({
      ledger,
      redis,
      prefix,
      digest: access.policy.costs!.digest!,
      prices: access.usage!.prices,
      slack: web,
      clock,
      logger,
    });
    // The first try fails (Slack 500): the claim is released and the next check posts it.
    slack.fail('chat.postMessage', { error: 'internal_error', status: 500, count: 1 });
    expect(await digest.runDue()).toBe('failed');
    const outcomes = await Promise.all([digest.runDue(), replica.runDue()]);
    expect(outcomes.filter((o) => o === 'posted')).toHaveLength(1);
    expect(
      outcomes.filter((o) => o !== 'posted').every((o) => o === 'claimed_elsewhere' || o === 'already_posted'),
    ).toBe(true);
    clock.set(digestAt + 6 * H);
    expect(await replica.runDue()).toBe('already_posted');
    const posted = slack.callsTo('chat.postMessage').filter((c) => c.args['channel'] === COSTS_CHANNEL);
    expect(posted).toHaveLength(1);
    const text = JSON.stringify(posted[0]!.args['blocks']);
    // A's first run started at 10:15, after the week's start at 09:00: all of it is in the week.
    expect(text).toContain('80.0 h ≈ €161.88 across 3 notebooks and 3 people');
    expect(text).toContain('*alice-gpu*');
    expect(text).toContain('12.1 h ≈ €96.67');
    expect(text).toContain('63.8 h ≈ €31.88 · _still running_');
    expect(text).toContain('ran through 3 nights and the whole weekend');
    // B still runs: its Stop button stops B for its owner.
    const blocks = posted[0]!.args['blocks'] as Array<{ accessory?: { action_id: string; value: string } }>;
    const stops = blocks.filter((b) => b.accessory?.action_id === DIGEST_STOP_ACTION);
    expect(stops.map((b) => decodePick(b.accessory!.value))).toEqual([
      { verb: 'stop', notebookId: ids['B'], name: 'bob-cpu' },
    ]);
  });
});
