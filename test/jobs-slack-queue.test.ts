import type { Redis } from 'ioredis';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  createWorkerSlackClient,
  SLACK_PRIORITY,
  SlackNotifier,
  type SlackNotifierOptions,
  type SlackWorker,
  type SlackWorkerOptions,
} from '../src/jobs/outbox/index.js';
import { createLogger } from '../src/logger.js';
import { renderOperationStatus } from '../src/messages/operation-status.js';
import { FakeSlackApi, type RecordedCall } from '../src/slack-stand-in/fake-slack-api.js';
import { deletePrefix, newRedis, uniquePrefix } from './support/redis.js';
import { waitUntil } from './support/stack.js';

/**
 * The Slack queue on its own (SlackNotifier over real Redis and FakeSlackApi): what goes first,
 * how fast each method may go, and App Home refreshes coalesced per user.
 */

const TOKEN = 'xoxb-slack-queue-test';
const CHANNEL = 'C0QUEUE01';
let redis: Redis;
let prefix: string;
let slack: FakeSlackApi;
const opened: Array<{ notifier: SlackNotifier; worker?: SlackWorker }> = [];

beforeEach(async () => {
  redis = newRedis();
  prefix = uniquePrefix('slackq');
  slack = await new FakeSlackApi({ validTokens: [TOKEN] }).start();
});

afterEach(async () => {
  for (const o of opened.splice(0)) {
    await o.worker?.close();
    await o.notifier.queue.obliterate({ force: true }).catch(() => undefined);
    await o.notifier.close();
  }
  await deletePrefix(redis, prefix);
  await redis.quit();
  await slack.stop();
});

function notifier(options: Partial<SlackNotifierOptions> = {}): SlackNotifier {
  const n = new SlackNotifier({
    connection: redis,
    prefix,
    slack: createWorkerSlackClient(TOKEN, { slackApiUrl: slack.apiUrl }),
    logger: createLogger({ level: process.env['TEST_LOG_LEVEL'] ?? 'silent' }),
    minUpdateIntervalMs: 60_000,
    ...options,
  });
  opened.push({ notifier: n });
  return n;
}

function startWorker(n: SlackNotifier, options: SlackWorkerOptions): SlackWorker {
  const worker = n.createWorker(options);
  const entry = opened.find((o) => o.notifier === n);
  if (entry) entry.worker = worker;
  return worker;
}

/** Posts `count` status messages in CHANNEL (as the web side does) and returns their ts. */
async function postMessages(count: number): Promise<string[]> {
  const web = createWorkerSlackClient(TOKEN, { slackApiUrl: slack.apiUrl });
  const out: string[] = [];
  for (let i = 0; i < count; i++) {
    const res = await web.chat.postMessage({ channel: CHANNEL, text: `queued ${i}` });
    out.push(res.ts as string);
  }
  return out;
}

function status(name: string, phase: 'working' | 'ready', elapsedMin = 1) {
  return renderOperationStatus({
    kind: 'create',
    notebookName: name,
    requesterId: 'U0ALICE01',
    phase,
    requestedAt: 0,
    now: elapsedMin * 60_000,
    notebookStatus: phase === 'ready' ? 'RUNNING' : 'CREATING',
    ...(phase === 'ready' ? { url: 'https://example.com/lab' } : {}),
  });
}

const updates = () => slack.callsTo('chat.update');
const isReady = (c: RecordedCall) => JSON.stringify(c.args['blocks']).includes('is ready');
const replies = () => slack.callsTo('chat.postMessage').filter((c) => c.args['thread_ts'] !== undefined);

describe('order: urgent first', () => {
  it('a ready update and its thread reply go before a backlog of progress updates', async () => {
    const n = notifier();
    const ts = await postMessages(41);
    // 40 operations have a progress update waiting; then one becomes ready.
    for (let i = 0; i < 40; i++)
      await n.publishStatus(`op-${i}`, { channel: CHANNEL, ts: ts[i]! }, status(`nb-${i}`, 'working'));
    await n.publishStatus('op-ready', { channel: CHANNEL, ts: ts[40]! }, status('nb-ready', 'working'));
    await n.publishStatus('op-ready', { channel: CHANNEL, ts: ts[40]! }, status('nb-ready', 'ready'), { urgent: true });
    await n.postOnce('op-ready-ready', { channel: CHANNEL, threadTs: ts[40]!, text: 'nb-ready is running' });
    const job = await n.queue.getJob('render-op-ready-1');
    expect(job?.priority).toBe(SLACK_PRIORITY.urgent);

    // One call at a time, 20 a second: the backlog takes 2 s to drain.
    startWorker(n, { concurrency: 1, limiter: { max: 1, duration: 50 } });
    await waitUntil(() => updates().length >= 41, 15_000);
    const order = [...updates(), ...replies()].sort((a, b) => a.at - b.at);
    // The two urgent calls are the first two of 42.
    expect(
      order
        .slice(0, 2)
        .map((c) => c.method)
        .sort(),
    ).toEqual(['chat.postMessage', 'chat.update']);
    expect(isReady(order.find((c) => c.method === 'chat.update')!)).toBe(true);
    expect(order[0]?.args['ts'] ?? order[0]?.args['thread_ts']).toBe(ts[40]);
  });

  it('an urgent state wakes a render job that sleeps out the coalescing interval, and jumps the queue', async () => {
    const n = notifier({ minUpdateIntervalMs: 60_000 });
    const [ts] = await postMessages(1);
    startWorker(n, { concurrency: 1, limiter: { max: 100, duration: 1000 } });
    await n.publishStatus('op-a', { channel: CHANNEL, ts: ts! }, status('nb-a', 'working', 1));
    await waitUntil(() => updates().length === 1);
    // The next progress update must wait a minute; the ready one must not.
    await n.publishStatus('op-a', { channel: CHANNEL, ts: ts! }, status('nb-a', 'working', 2));
    await new Promise((r) => setTimeout(r, 200));
    expect(updates()).toHaveLength(1);
    // The progress update's render job is parked, scheduled most of a minute out.
    const [parked] = await n.queue.getDelayed();
    expect(parked?.delay).toBeGreaterThan(30_000);
    await n.publishStatus('op-a', { channel: CHANNEL, ts: ts! }, status('nb-a', 'ready', 2), { urgent: true });
    // The parked job was scheduled a minute out; the ready state goes long before (the wait's
    // own bound is a third of that minute: no tight wall-clock bound on a busy machine).
    await waitUntil(() => updates().length === 2, 20_000);
    expect(isReady(updates()[1]!)).toBe(true);
  });

  it('coalesced, latest state wins: progress published during the interval is sent once it ends', async () => {
    const n = notifier({ minUpdateIntervalMs: 300 });
    const [ts] = await postMessages(1);
    startWorker(n, { concurrency: 1, pacing: false });
    await n.publishStatus('op-c', { channel: CHANNEL, ts: ts! }, status('nb-c', 'working', 1));
    await waitUntil(() => updates().length === 1);
    // Two more during the interval: only the last one goes, after the interval.
    await n.publishStatus('op-c', { channel: CHANNEL, ts: ts! }, status('nb-c', 'working', 2));
    await n.publishStatus('op-c', { channel: CHANNEL, ts: ts! }, status('nb-c', 'working', 3));
    await waitUntil(() => updates().length === 2, 3000);
    expect(JSON.stringify(updates()[1]!.args['blocks'])).toContain('elapsed 3 min');
    expect(updates()[1]!.at - updates()[0]!.at).toBeGreaterThanOrEqual(250);
    await new Promise((r) => setTimeout(r, 500));
    expect(updates()).toHaveLength(2);
  });

  it('the same content twice is one chat.update; what Slack already shows is none', async () => {
    const n = notifier({ minUpdateIntervalMs: 0 });
    const [ts] = await postMessages(1);
    startWorker(n, { concurrency: 1, pacing: false });
    await n.publishStatus('op-b', { channel: CHANNEL, ts: ts! }, status('nb-b', 'working', 3));
    await waitUntil(() => updates().length === 1);
    await waitUntil(async () => (await redis.hget(`${prefix}:slack-msg:op-b`, 'owner')) === null);
    await n.publishStatus('op-b', { channel: CHANNEL, ts: ts! }, status('nb-b', 'working', 3));
    await n.publishStatus('op-b', { channel: CHANNEL, ts: ts! }, status('nb-b', 'working', 3), { urgent: true });
    await new Promise((r) => setTimeout(r, 300));
    expect(updates()).toHaveLength(1);
    await n.publishStatus('op-b', { channel: CHANNEL, ts: ts! }, status('nb-b', 'ready', 3), { urgent: true });
    await waitUntil(() => updates().length === 2);
  });
});

describe('pacing: per-method budgets instead of one limiter', () => {
  it('urgent updates reserve the chat.update budget ahead of progress; replies have their own budget', async () => {
    const n = notifier({ minUpdateIntervalMs: 0 });
    const ts = await postMessages(12);
    // chat.update: 2 at once, then one every 500 ms. Replies: 10 at once per channel.
    startWorker(n, {
      concurrency: 4,
      pacing: { update: { perMinute: 120, burst: 2 }, postPerChannel: { perMinute: 600, burst: 10 } },
    });
    for (let i = 0; i < 10; i++)
      await n.publishStatus(`p-${i}`, { channel: CHANNEL, ts: ts[i]! }, status(`p${i}`, 'working'));
    await waitUntil(() => updates().length === 2);
    // Two operations become ready while eight progress updates wait for the budget.
    for (const i of [10, 11]) {
      await n.publishStatus(`r-${i}`, { channel: CHANNEL, ts: ts[i]! }, status(`r${i}`, 'ready'), { urgent: true });
      await n.postOnce(`r-${i}-ready`, { channel: CHANNEL, threadTs: ts[i]!, text: `r${i} is running` });
    }
    // The replies do not wait for chat.update's budget: they were never parked (scheduled delay
    // 0, no slot reserved ahead), while the ready updates each wait for a chat.update slot.
    await waitUntil(() => replies().length === 2, 5000);
    for (const i of [10, 11]) {
      const reply = await n.queue.getJob(`post-r-${i}-ready`);
      expect(reply?.delay).toBe(0);
      expect(reply?.data).not.toHaveProperty('slotAt');
    }
    // The ready updates come next, before any progress. (Their budget slots are ≈ 500 ms apart;
    // real arrival gaps are not asserted: a late first one on a busy machine shortens the gap.)
    await waitUntil(() => updates().length === 4, 5000);
    const [, , third, fourth] = updates();
    expect([third, fourth].every((c) => isReady(c!))).toBe(true);
  });

  it('chat.postMessage is paced per channel: a busy channel does not slow another', async () => {
    const n = notifier();
    const [a, b] = await postMessages(2);
    startWorker(n, { concurrency: 4, pacing: { postPerChannel: { perMinute: 300, burst: 1 } } });
    for (let i = 0; i < 5; i++) await n.postOnce(`a-${i}`, { channel: CHANNEL, threadTs: a!, text: `a ${i}` });
    await n.postOnce('other', { channel: 'C0OTHER01', threadTs: b!, text: 'other channel' });
    await waitUntil(() => replies().length === 6, 5000);
    const inA = replies()
      .filter((c) => c.args['channel'] === CHANNEL)
      .map((c) => c.at)
      .sort((x, y) => x - y);
    // 5 a second in CHANNEL, proven by the slots reserved below (real arrival gaps are not: one
    // post delivered late on a busy machine makes the next gap short).
    expect(inA).toHaveLength(5);
    // What each post was scheduled for: CHANNEL's later posts reserved slots 200 ms apart; the
    // other channel's post reserved none (its budget let it go at once, CHANNEL's queue or not).
    const slots: number[] = [];
    for (let i = 0; i < 5; i++) {
      const slotAt = (await n.queue.getJob(`post-a-${i}`))?.data as { slotAt?: number } | undefined;
      if (slotAt?.slotAt !== undefined) slots.push(slotAt.slotAt);
    }
    expect(slots.length).toBeGreaterThanOrEqual(3);
    slots.sort((x, y) => x - y);
    for (let i = 1; i < slots.length; i++) expect(slots[i]! - slots[i - 1]!).toBe(200);
    expect((await n.queue.getJob('post-other'))?.data).not.toHaveProperty('slotAt');
    // Exactly once each.
    expect(new Set(replies().map((c) => c.args['text'])).size).toBe(6);
  });

  it('a 429 shuts the method budget and pauses the queue for Retry-After, then everything is delivered', async () => {
    const n = notifier({ minUpdateIntervalMs: 0 });
    const [ts, thread] = await postMessages(2);
    startWorker(n, { concurrency: 2 });
    slack.rateLimit('chat.update', 1, 1);
    await n.publishStatus('op-429', { channel: CHANNEL, ts: ts! }, status('nb', 'ready'), { urgent: true });
    await n.postOnce('op-429-ready', { channel: CHANNEL, threadTs: thread!, text: 'nb is running' });
    await waitUntil(() => updates().length === 1 && replies().length === 1, 5000);
    const limited = slack.callsTo('chat.update#429')[0]!;
    expect(updates()[0]!.at - limited.at).toBeGreaterThanOrEqual(900);
  });
});

describe('App Home refreshes, coalesced per user', () => {
  it('a burst of requests is one refresh; a request during a refresh is exactly one more', async () => {
    const calls: string[] = [];
    let release: (() => void) | undefined;
    let blocking = false;
    const n = notifier({
      homeRefreshDelayMs: 150,
      refreshHome: async (userId) => {
        calls.push(userId);
        if (blocking) await new Promise<void>((r) => (release = r));
      },
    });
    startWorker(n, { concurrency: 4 });
    for (let i = 0; i < 10; i++) await n.requestHomeRefresh('U0ALICE01');
    await n.requestHomeRefresh('U0BOB0001');
    await waitUntil(() => calls.length === 2, 5000);
    await new Promise((r) => setTimeout(r, 400));
    expect(calls.sort()).toEqual(['U0ALICE01', 'U0BOB0001']);

    // While Alice's refresh runs, three more changes: one more refresh after it, not three.
    blocking = true;
    await n.requestHomeRefresh('U0ALICE01');
    await waitUntil(() => calls.length === 3 && release !== undefined, 5000);
    blocking = false;
    for (let i = 0; i < 3; i++) await n.requestHomeRefresh('U0ALICE01');
    release?.();
    await waitUntil(() => calls.length === 4, 5000);
    await new Promise((r) => setTimeout(r, 500));
    expect(calls).toHaveLength(4);
  });

  it('does nothing without a refreshHome handler', async () => {
    const n = notifier();
    await n.requestHomeRefresh('U0ALICE01');
    expect(await n.queue.getJobCounts('delayed', 'waiting', 'prioritized')).toEqual({
      delayed: 0,
      waiting: 0,
      prioritized: 0,
    });
  });
});
