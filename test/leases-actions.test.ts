import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { jobIdForOp } from '../src/jobs/index.js';
import type { LeaseNoticeEvent } from '../src/leases/watcher.js';
import { slackDate } from '../src/messages/format.js';
import { ACTIONS_BLOCK_PREFIX, LEASE_ACTION_IDS, OUTCOME_BLOCK_PREFIX } from '../src/messages/lease-blocks.js';
import { leaseKey } from '../src/modelarts/lease-math.js';
import type { Operation } from '../src/operations/index.js';
import { leaseOpId } from '../src/slack/listeners/actions/lease-buttons.js';
import {
  ADMIN,
  CHANNEL,
  createHarness,
  DEFAULT_CHANNEL,
  H,
  type Harness,
  M,
  OTHER,
  OWNER,
  withProductionWorker,
} from './leases-harness.js';
import { waitUntil } from './support/stack.js';

const until = <T>(fn: () => T | undefined | false | Promise<T | undefined | false>, timeoutMs = 10_000) =>
  waitUntil(fn, timeoutMs);

describe('lease watch: buttons', () => {
  let h: Harness;
  beforeEach(async () => {
    h = await createHarness();
  });
  afterEach(async () => {
    await h.close();
  });

  /** Seeds one owned notebook 30 minutes before the end of its lease and returns its warning. */
  async function warned(
    durationMs = 2 * H,
    extra: { owner?: string | null } = {},
  ): Promise<{ id: string; warning: LeaseNoticeEvent }> {
    const [id] = await h.seed({ name: 'nb', durationMs, elapsedMs: durationMs - 30 * M, ...extra });
    const watchAll = extra.owner === null;
    await h.watcher(watchAll ? { watchAll, defaultChannel: DEFAULT_CHANNEL } : {}).scanOnce();
    const warning = h.events.find((e) => e.notebookId === id);
    if (!warning) throw new Error('no warning was sent');
    return { id: id!, warning };
  }

  async function jobOp(opId: string): Promise<Operation | undefined> {
    return (await h.queue.queue.getJob(jobIdForOp(opId)))?.data.op;
  }

  function leaseOf(id: string) {
    const l = h.sim.instances.get(id)!.lease!;
    return { createAt: l.create_at, durationMs: l.duration };
  }

  function updates() {
    return h.slack.callsTo('chat.update');
  }

  it('extend: the owner extends, the warning says so, the worker renews and the warnings re-arm', async () => {
    const { id, warning } = await warned(2 * H);
    const lease = leaseOf(id);
    const original = h.snapshot(warning);
    await h.click(warning, id, LEASE_ACTION_IDS.extend1h, OWNER);

    const opId = leaseOpId('extend', id, leaseKey(lease));
    expect(await jobOp(opId)).toMatchObject({
      kind: 'extend',
      notebookId: id,
      addMs: H,
      requester: { userId: OWNER, channelId: CHANNEL },
    });
    const [update] = updates();
    expect(String(update?.args['text'])).toContain(`<@${OWNER}> extended by 1 h`);
    // 30 min were left: 1 h more ends it 90 min from now, at create_at + 3 h.
    expect(String(update?.args['text'])).toContain(`it now stops ${slackDate(lease.createAt + 3 * H)}`);
    const blocks = update?.args['blocks'] as Array<{ block_id?: string }>;
    expect(blocks.some((b) => b.block_id === `${ACTIONS_BLOCK_PREFIX}${id}`)).toBe(false);
    expect(blocks.some((b) => b.block_id === `${OUTCOME_BLOCK_PREFIX}${id}`)).toBe(true);

    // A double click (or the other extend button) before the worker ran: same job, nothing new.
    const jobs = await h.jobCount();
    await h.click(warning, id, LEASE_ACTION_IDS.extend4h, OWNER, original);
    expect(await h.jobCount()).toBe(jobs);
    expect(h.ephemerals(OWNER).at(-1)).toContain('already requested');

    // The real job pipeline performs RenewLease: new total = 2 h + 1 h.
    await withProductionWorker(h, () => until(() => leaseOf(id).durationMs === 3 * H));

    // A click on the old warning is now stale: nothing enqueued, the user is told why.
    const before = await h.jobCount();
    await h.click(warning, id, LEASE_ACTION_IDS.stop, OWNER, original);
    expect(h.ephemerals(OWNER).at(-1)).toMatch(/^This warning is out of date: the notebook now stops in \d/);
    expect(h.ephemerals(OWNER).at(-1)).toContain(`(${slackDate(lease.createAt + 3 * H)})`);
    expect(await h.jobCount()).toBe(before);

    // The renewal is a new lease: its warnings fire again, at its own thresholds.
    const w = h.watcher();
    await w.scanOnce();
    expect(h.events.filter((e) => e.notebookId === id)).toHaveLength(1);
    h.clock.advance(60 * M);
    await w.scanOnce();
    const again = h.events.filter((e) => e.notebookId === id);
    expect(again).toHaveLength(2);
    expect(again[1]).toMatchObject({ threshold: 30 });
  });

  it('extends a notebook created five days ago: RenewLease gets the time from now, and Slack says when it stops', async () => {
    // Running for five days through renewals: its total is far beyond 72 h, 30 min are left.
    const { id, warning } = await warned(120 * H);
    const lease = leaseOf(id);
    const wantedEnd = h.clock.now() + 30 * M + 4 * H;
    await h.click(warning, id, LEASE_ACTION_IDS.extend4h, OWNER);
    const text = String(updates()[0]?.args['text']);
    expect(text).toContain(`<@${OWNER}> extended by 4 h: it now stops ${slackDate(wantedEnd)}`);
    expect(await jobOp(leaseOpId('extend', id, leaseKey(lease)))).toMatchObject({ kind: 'extend', addMs: 4 * H });

    // The service counts the returned duration from create_at: it ends exactly where Slack said.
    await withProductionWorker(h, () => until(() => leaseOf(id).durationMs !== lease.durationMs));
    const after = leaseOf(id);
    expect(after.createAt).toBe(lease.createAt);
    expect(after.createAt + after.durationMs).toBe(wantedEnd);
  });

  it("refuses a non-owner's click with the access decision, and enqueues nothing", async () => {
    const { id, warning } = await warned();
    await h.click(warning, id, LEASE_ACTION_IDS.stop, OTHER);
    await h.click(warning, id, LEASE_ACTION_IDS.extend1h, OTHER);
    await h.click(warning, id, LEASE_ACTION_IDS.dismiss, OTHER);
    const replies = h.ephemerals(OTHER);
    expect(replies).toHaveLength(3);
    for (const r of replies) expect(r).toContain(`belongs to <@${OWNER}>`);
    expect(await h.jobCount()).toBe(0);
    expect(updates()).toHaveLength(0);
    // And the refusals are audited.
    const audit = await h.access.readAudit({});
    expect(audit.filter((e) => e.outcome === 'refused' && e.userId === OTHER)).toHaveLength(3);
  });

  it('stop: an admin may stop it; the stop is not later reported as a lease expiry', async () => {
    const { id, warning } = await warned();
    const lease = leaseOf(id);
    await h.click(warning, id, LEASE_ACTION_IDS.stop, ADMIN);
    expect(await jobOp(leaseOpId('stop', id, leaseKey(lease)))).toMatchObject({ kind: 'stop', notebookId: id });
    expect(String(updates()[0]?.args['text'])).toContain(`<@${ADMIN}> stopped it.`);

    // The worker's stop, then nobody scans until well after the lease would have ended.
    await h.api.stopNotebook(id);
    h.clock.advance(2 * H);
    await h.watcher().scanOnce();
    expect(h.events.filter((e) => e.kind === 'expired')).toHaveLength(0);
  });

  it("a stop by the bot does not hide a later run's lease expiry", async () => {
    const { id, warning } = await warned();
    await h.click(warning, id, LEASE_ACTION_IDS.stop, OWNER);
    await h.api.stopNotebook(id);
    h.clock.advance(M);
    // Started again before any scan saw the stop: the mark must not carry over to this run.
    await h.api.startNotebook(id, { duration: H });
    h.clock.advance(2 * M);
    const w = h.watcher();
    await w.scanOnce();
    h.clock.advance(H);
    await w.scanOnce();
    expect(h.events.filter((e) => e.kind === 'expired')).toEqual([expect.objectContaining({ notebookId: id })]);
  });

  it('dismiss silences the rest of this lease, and a renewal re-arms the warnings', async () => {
    const { id, warning } = await warned(2 * H);
    await h.click(warning, id, LEASE_ACTION_IDS.dismiss, OWNER);
    expect(String(updates()[0]?.args['text'])).toContain(`<@${OWNER}> dismissed the warnings for this lease`);
    expect(await h.jobCount()).toBe(0);

    const w = h.watcher();
    h.clock.advance(26 * M); // 4 min left
    await w.scanOnce();
    expect(h.events).toHaveLength(1);

    await h.api.renewLease(id, { duration: 64 * M }); // 64 min from now: a new lease
    h.clock.advance(34 * M); // 30 min left of the new lease
    await w.scanOnce();
    expect(h.events).toHaveLength(2);
    expect(h.events[1]).toMatchObject({ notebookId: id, threshold: 30 });
  });

  it('start again: after the lease ended, the owner restarts it with the previous duration', async () => {
    const [id] = await h.seed({ name: 'nb', durationMs: 4 * H, elapsedMs: 4 * H - 2 * M, type: 'IDLE' });
    const w = h.watcher();
    await w.scanOnce(); // the 5-minute warning
    h.clock.advance(5 * M);
    await w.scanOnce();
    const ended = h.events.find((e) => e.kind === 'expired');
    expect(ended).toBeDefined();

    await h.click(ended!, id!, LEASE_ACTION_IDS.startAgain, OTHER);
    expect(h.ephemerals(OTHER)[0]).toContain(`belongs to <@${OWNER}>`);
    await h.click(ended!, id!, LEASE_ACTION_IDS.startAgain, OWNER);
    const jobs = await h.queue.queue.getJobs(['waiting', 'delayed']);
    expect(jobs.map((j) => j.data.op)).toEqual([
      expect.objectContaining({ kind: 'start', notebookId: id, durationMs: 4 * H, leaseType: 'IDLE' }),
    ]);
    expect(String(updates().at(-1)?.args['text'])).toContain(`<@${OWNER}> started it again for 4 h`);
  });

  it('a click in a digest updates only that notebook', async () => {
    const ids = await h.seed({ name: 'batch', count: 6, durationMs: H, elapsedMs: 30 * M });
    await h.watcher().scanOnce();
    const digest = h.events[0]!;
    expect(h.events.every((e) => e.kind === 'digest' && e.messageTs === digest.messageTs)).toBe(true);
    await h.click(digest, ids[2]!, LEASE_ACTION_IDS.extend1h, OWNER);
    const blocks = updates()[0]?.args['blocks'] as Array<{ block_id?: string }>;
    const actionBlocks = blocks.filter((b) => b.block_id?.startsWith(ACTIONS_BLOCK_PREFIX));
    expect(actionBlocks).toHaveLength(5);
    expect(blocks.some((b) => b.block_id === `${OUTCOME_BLOCK_PREFIX}${ids[2]}`)).toBe(true);
  });

  it('a notebook nobody owns is read-only to users but an admin may extend it', async () => {
    const { id, warning } = await warned(2 * H, { owner: null });
    expect(warning.channelId).toBe(DEFAULT_CHANNEL);
    await h.click(warning, id, LEASE_ACTION_IDS.extend1h, OTHER);
    expect(h.ephemerals(OTHER)[0]).toContain('read-only until an admin adopts it');
    expect(await h.jobCount()).toBe(0);
    await h.click(warning, id, LEASE_ACTION_IDS.extend1h, ADMIN);
    expect(await h.jobCount()).toBe(1);
  });

  it('ignores buttons whose value was tampered with', async () => {
    const { id, warning } = await warned();
    const msg = h.slack.message(warning.channelId, warning.messageTs)!;
    const blocks = msg['blocks'] as Array<{ block_id?: string; elements?: Array<{ value?: string }> }>;
    const actions = blocks.find((b) => b.block_id === `${ACTIONS_BLOCK_PREFIX}${id}`)!;
    for (const e of actions.elements ?? []) e.value = '{"n":"../../etc"}';
    await h.click(warning, id, LEASE_ACTION_IDS.stop, OWNER);
    expect(await h.jobCount()).toBe(0);
    expect(updates()).toHaveLength(0);
  });
});
