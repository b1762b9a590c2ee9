import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { LeaseState } from '../src/leases/state.js';
import { ACTIONS_BLOCK_PREFIX, LEASE_ACTION_IDS } from '../src/messages/lease-blocks.js';
import { leaseKey } from '../src/modelarts/lease-math.js';
import { CHANNEL, createHarness, DEFAULT_CHANNEL, H, type Harness, M, OWNER, THREAD } from './leases-harness.js';

describe('lease watch: scan and notices', () => {
  let h: Harness;
  beforeEach(async () => {
    h = await createHarness();
  });
  afterEach(async () => {
    await h.close();
  });

  it('warns at each threshold exactly once, in the thread, mentioning the owner', async () => {
    const [id] = await h.seed({ name: 'alpha', durationMs: 2 * H });
    const w = h.watcher();

    await w.scanOnce();
    expect(h.leasePosts()).toHaveLength(0);

    h.clock.advance(89 * M); // 31 min left
    await w.scanOnce();
    expect(h.leasePosts()).toHaveLength(0);

    h.clock.advance(1 * M); // 30 min left
    await w.scanOnce();
    await w.scanOnce();
    h.clock.advance(10 * M);
    await w.scanOnce();
    const first = h.leasePosts();
    expect(first).toHaveLength(1);
    expect(first[0]?.args['channel']).toBe(CHANNEL);
    expect(first[0]?.args['thread_ts']).toBe(THREAD);
    expect(String(first[0]?.args['text'])).toContain(`<@${OWNER}>`);
    expect(JSON.stringify(first[0]?.args['blocks'])).toContain('stops in 30 min');

    h.clock.advance(15 * M); // 5 min left
    await w.scanOnce();
    await w.scanOnce();
    const both = h.leasePosts();
    expect(both).toHaveLength(2);
    expect(JSON.stringify(both[1]?.args['blocks'])).toContain('stops in 5 min');
    expect(h.events.map((e) => [e.notebookId, e.threshold, e.kind])).toEqual([
      [id, 30, 'single'],
      [id, 5, 'single'],
    ]);
    // The store keeps the last status and lease for the rest of the bot.
    expect(await h.store.get(id!)).toMatchObject({ lastStatus: 'RUNNING', leaseDurationMs: 2 * H });
  });

  it('reports a lease that stopped a notebook once, with a "Start again" button', async () => {
    const [id] = await h.seed({ name: 'beta', durationMs: H, elapsedMs: 50 * M });
    const w = h.watcher();
    await w.scanOnce(); // 10 min left: nothing due yet, but the notebook is now known RUNNING
    h.clock.advance(11 * M); // the lease ended 1 min ago; the simulator stops it (20 s)
    expect(h.sim.instances.get(id!)?.status).toBe('STOPPED');
    await w.scanOnce();
    await w.scanOnce();
    h.clock.advance(5 * M);
    await w.scanOnce();
    const ended = h.leasePosts().filter((c) => String(c.args['text']).includes('lease ended'));
    expect(ended).toHaveLength(1);
    expect(ended[0]?.args['thread_ts']).toBe(THREAD);
    expect(JSON.stringify(ended[0]?.args['blocks'])).toContain(LEASE_ACTION_IDS.startAgain);
    expect(h.events.filter((e) => e.kind === 'expired')).toHaveLength(1);
    expect((await h.store.get(id!))?.lastStatus).toBe('STOPPED');
  });

  it('does not report a stop that happened before the lease ended', async () => {
    const [id] = await h.seed({ name: 'gamma', durationMs: 2 * H });
    const w = h.watcher();
    await w.scanOnce();
    await h.api.stopNotebook(id!);
    h.clock.advance(M);
    await w.scanOnce();
    h.clock.advance(3 * H);
    await w.scanOnce();
    expect(h.leasePosts()).toHaveLength(0);
  });

  it('after downtime sends only the most urgent warning, and none of the stale ones later', async () => {
    const [id] = await h.seed({ name: 'delta', durationMs: 2 * H });
    await h.watcher().scanOnce();
    // The scheduler was down while both thresholds passed: a new process, same Redis.
    h.clock.advance(116 * M); // 4 min left
    const restarted = h.watcher();
    await restarted.scanOnce();
    await restarted.scanOnce();
    const posts = h.leasePosts();
    expect(posts).toHaveLength(1);
    expect(JSON.stringify(posts[0]?.args['blocks'])).toContain('stops in 4 min');
    expect(h.events).toEqual([expect.objectContaining({ notebookId: id, threshold: 5 })]);
    // Both thresholds are marked in Redis, so no process ever sends the 30-minute one.
    const state = new LeaseState({ redis: h.redis, prefix: h.prefix });
    const lease = { createAt: h.clock.now() - 116 * M, durationMs: 2 * H };
    const keys = [30, 5].map((m) => state.noticeKey(id!, leaseKey(lease), `w${m}`));
    expect(await state.noticeStatuses(keys)).toEqual(['sent', 'sent']);
  });

  it('two watchers on the same Redis send one warning, and one of them scans per cron slot', async () => {
    await h.seed({ name: 'eps', durationMs: 2 * H, elapsedMs: 95 * M });
    const a = h.watcher();
    const b = h.watcher();
    await Promise.all([a.scanOnce(), b.scanOnce(), a.scanOnce(), b.scanOnce()]);
    expect(h.leasePosts()).toHaveLength(1);

    const listsBefore = h.sim.stats.calls.list;
    const slot = new Date(Date.UTC(2026, 0, 5, 9, 37));
    const [ra, rb] = await Promise.all([a.runTick(slot), b.runTick(slot)]);
    expect([ra, rb].filter((r) => r !== undefined)).toHaveLength(1);
    expect(h.sim.stats.calls.list - listsBefore).toBe(1);
    // The next slot is scanned again (by whoever wins it).
    const next = await Promise.all([a.runTick(new Date(slot.getTime() + M)), b.runTick(new Date(slot.getTime() + M))]);
    expect(next.filter((r) => r !== undefined)).toHaveLength(1);
  });

  it('scans 500 notebooks in a handful of list calls, with no per-notebook calls', async () => {
    await h.seed({ name: 'bulk', count: 500, durationMs: 4 * H, elapsedMs: 0 });
    const w = h.watcher();
    const before = { ...h.sim.stats.calls };
    const report = await w.scanOnce();
    expect(report).toMatchObject({ running: 500, watched: 500 });
    const lists = h.sim.stats.calls.list - before.list;
    expect(lists).toBeGreaterThan(0);
    // 500 notebooks in pages of 50 (the most ModelArts allows): 10 calls, plus at most one more.
    expect(lists).toBeLessThanOrEqual(11);
    expect(h.sim.stats.calls.show - before.show).toBe(0);
    expect(h.sim.stats.calls.showLease - before.showLease).toBe(0);

    // Watching the whole project costs the same.
    const all = h.watcher({ watchAll: true, defaultChannel: DEFAULT_CHANNEL });
    await h.seed({ name: 'stray', count: 300, durationMs: 4 * H, owner: null });
    const before2 = h.sim.stats.calls.list;
    expect(await all.scanOnce()).toMatchObject({ running: 800, watched: 800 });
    expect(h.sim.stats.calls.list - before2).toBeLessThanOrEqual(17);
  });

  it('sends one digest when many leases in one channel end together', async () => {
    const ids = await h.seed({ name: 'batch', count: 7, durationMs: H, elapsedMs: 35 * M });
    await h.seed({ name: 'solo', durationMs: H, elapsedMs: 35 * M, channelId: 'C0OTHER01' });
    const w = h.watcher();
    await w.scanOnce();
    const posts = h.leasePosts();
    expect(posts).toHaveLength(2);
    const digest = posts.find((c) => c.args['channel'] === CHANNEL)!;
    expect(digest.args['thread_ts']).toBeUndefined();
    expect(String(digest.args['text'])).toContain('7 notebooks stop soon');
    const blocks = digest.args['blocks'] as Array<{ type: string; block_id?: string }>;
    for (const id of ids) expect(blocks.some((b) => b.block_id === `${ACTIONS_BLOCK_PREFIX}${id}`)).toBe(true);
    expect(h.events.filter((e) => e.kind === 'digest')).toHaveLength(7);
    expect((await w.scanOnce()).warned).toBe(0);

    // When they stop together, one digest again ("stopped: their leases ended").
    h.clock.advance(26 * M);
    await w.scanOnce();
    const ended = h.leasePosts().filter((c) => String(c.args['text']).includes('leases ended'));
    expect(ended).toHaveLength(1);
    expect(ended[0]?.args['channel']).toBe(CHANNEL);
  });

  it('does not mark a warning sent when Slack answers 429, and sends it on the next scan', async () => {
    await h.seed({ name: 'zeta', durationMs: H, elapsedMs: 40 * M });
    const w = h.watcher();
    h.slack.rateLimit('chat.postMessage', 1, 1);
    const first = await w.scanOnce();
    expect(first).toMatchObject({ warned: 0, deferred: 1 });
    expect(h.slack.callsTo('chat.postMessage#429')).toHaveLength(1);
    expect(h.leasePosts()).toHaveLength(0);
    h.clock.advance(M);
    const second = await w.scanOnce();
    expect(second).toMatchObject({ warned: 1, deferred: 0 });
    await w.scanOnce();
    expect(h.leasePosts()).toHaveLength(1);
  });

  it('gives up on a notice Slack refuses for good, without retrying every minute', async () => {
    await h.seed({ name: 'eta', durationMs: H, elapsedMs: 40 * M });
    h.slack.on('chat.postMessage', () => ({ ok: false, error: 'channel_not_found' }));
    const w = h.watcher();
    await w.scanOnce();
    await w.scanOnce();
    expect(h.slack.callsTo('chat.postMessage')).toHaveLength(1);
  });

  it('with WATCH_ALL_NOTEBOOKS, watches project notebooks in DEFAULT_CHANNEL and says nobody owns them', async () => {
    await h.seed({ name: 'console', durationMs: H, elapsedMs: 31 * M, owner: null });
    await h.watcher().scanOnce();
    expect(h.leasePosts()).toHaveLength(0); // not watched without WATCH_ALL_NOTEBOOKS
    await h.watcher({ watchAll: true, defaultChannel: DEFAULT_CHANNEL }).scanOnce();
    const [post] = h.leasePosts();
    expect(post?.args['channel']).toBe(DEFAULT_CHANNEL);
    expect(post?.args['thread_ts']).toBeUndefined();
    expect(JSON.stringify(post?.args['blocks'])).toContain('No owner in Slack');
    expect(String(post?.args['text'])).not.toContain('<@');
  });

  it('describes IDLE leases as "stops when idle, at the latest …"', async () => {
    await h.seed({ name: 'idle', durationMs: H, elapsedMs: 31 * M, type: 'IDLE' });
    await h.watcher().scanOnce();
    expect(JSON.stringify(h.leasePosts()[0]?.args['blocks'])).toContain('stops when idle, at the latest <!date^');
  });

  it('runs on its cron schedule and stops cleanly', async () => {
    await h.seed({ name: 'cron', durationMs: H, elapsedMs: 31 * M });
    const w = h.watcher({ cron: '* * * * * *' }); // every second
    w.start();
    await h.slack.waitFor((calls) => calls.some((c) => c.method === 'chat.postMessage'), 5000);
    await w.stop();
    expect(h.leasePosts()).toHaveLength(1);
  });
});
