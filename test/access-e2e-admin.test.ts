import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { HOME_ACTIONS } from '../src/messages/home.js';
import { LEASE_ACTION_IDS } from '../src/messages/lease-blocks.js';
import { encodePick } from '../src/messages/pick-value.js';
import {
  type AccessHarness,
  ADMIN,
  ALICE,
  BOB,
  CHANNEL,
  CPU,
  H,
  OTHER_CHANNEL,
  startAccessHarness,
  textOf,
  waitUntil,
} from './support/access-e2e-harness.js';
import { createFormValues } from './support/create-form.js';

/**
 * The admin side through signed requests: `/notebook adopt` and `/notebook audit` (admins only,
 * both in the help), and the notebook's thread as a record of who created, started, extended and
 * stopped it — with the real workers, the simulator and FakeSlackApi.
 */

const ASK_ADMIN = `<@${ADMIN.id}>`;
const bobMention = `<@${BOB.id}|${BOB.name}>`;

let h: AccessHarness;
beforeAll(async () => {
  h = await startAccessHarness({ policy: { admins: [ADMIN.id], rate_limit: { per_minute: 1000 } } });
});
afterAll(async () => {
  await h.close();
});
beforeEach(async () => {
  await h.reset();
});

describe('/notebook help', () => {
  it('lists adopt and audit, for admins, with examples', async () => {
    const { ack } = await h.command('help', ALICE);
    expect(ack).toContain('/notebook adopt &lt;name-or-id&gt; @user');
    expect(ack).toContain('e.g. `/notebook adopt console-notebook @alice`');
    expect(ack).toContain('/notebook audit [name-or-id]');
    expect(ack).toContain('e.g. `/notebook audit my-notebook`');
    expect(ack).toMatch(/admins: make @user the owner/);
  });
});

describe('/notebook adopt', () => {
  it('is for admins: anyone else is refused before any lookup, naming the rule and the admins', async () => {
    const [id] = await h.seed('ext');
    h.sim.stats.reset();
    const { responseUrl } = await h.command(`adopt ext-0 ${bobMention}`, BOB);
    const text = await h.privateReply(responseUrl);
    expect(text).toContain('Only admins can adopt notebooks');
    expect(text).toContain('(rule `admin_only`)');
    expect(text).toContain(ASK_ADMIN);
    expect(h.sim.stats.total).toBe(0);
    expect(await h.store.get(id!)).toBeUndefined();
    expect((await h.audit())[0]).toMatchObject({
      userId: BOB.id,
      action: 'adopt',
      outcome: 'refused',
      rule: 'admin_only',
    });
  });

  it('makes a notebook created outside the bot owned: announced in the channel, audited, and its owner may act', async () => {
    const [id] = await h.seed('ext');
    const before = await h.command('stop ext-0', BOB);
    expect(await h.privateReply(before.responseUrl)).toContain('(rule `unowned_read_only`)');

    const { responseUrl } = await h.command(`adopt ext-0 ${bobMention}`, ADMIN);
    expect(await h.privateReply(responseUrl)).toContain(`<@${BOB.id}> now owns \`ext-0\``);
    const announcement = h.slack
      .callsTo('chat.postMessage')
      .find((c) => String(c.args['text']).includes('the owner of'))!;
    expect(announcement.args['channel']).toBe(CHANNEL);
    expect(announcement.args['thread_ts']).toBeUndefined();
    expect(String(announcement.args['text'])).toContain(`<@${ADMIN.id}> made <@${BOB.id}> the owner of *ext-0*`);

    const record = await h.store.get(id!);
    expect(record).toMatchObject({ ownerId: BOB.id, origin: 'adopted', channelId: CHANNEL, flavor: CPU });
    // The announcement is now the notebook's thread.
    expect(h.slack.message(CHANNEL, record!.threadTs!)?.['text']).toBe(announcement.args['text']);
    expect((await h.audit())[0]).toMatchObject({
      userId: ADMIN.id,
      action: 'adopt',
      outcome: 'succeeded',
      notebookId: id,
      detail: expect.stringContaining(BOB.id),
    });

    // Bob owns it now: his stop is queued, its progress replies in the notebook's thread.
    await h.command('stop ext-0', BOB);
    await waitUntil(() => h.enqueued.length === 1);
    expect(h.enqueued[0]).toMatchObject({ kind: 'stop', notebookId: id, threadTs: record?.threadTs });
  });

  it('explains a missing or unreadable new owner in the ack, before any work', async () => {
    expect((await h.command('adopt ext-0', ADMIN)).ack).toContain('Say which notebook and who will own it');
    const plain = await h.command('adopt ext-0 @bob', ADMIN);
    expect(plain.ack).toContain('I could not tell who');
    expect(plain.ack).toContain('Copy member ID');
    expect(h.sim.stats.total).toBe(0);
  });

  it('re-assigns a bot notebook, saying so in its existing thread; a bare member id works too', async () => {
    const [id] = await h.seed('own', { owner: ALICE.id, threadTs: '1700000000.000500' });
    const { responseUrl } = await h.command(`adopt own-0 ${BOB.id}`, ADMIN);
    expect(await h.privateReply(responseUrl)).toContain('now owns');
    const post = await h.slack.waitFor((calls) =>
      calls.find((c) => c.method === 'chat.postMessage' && String(c.args['text']).includes('the owner of')),
    );
    expect(post.args['thread_ts']).toBe('1700000000.000500');
    expect(String(post.args['text'])).toContain(`(it was <@${ALICE.id}>'s)`);
    expect(await h.store.get(id!)).toMatchObject({ ownerId: BOB.id, threadTs: '1700000000.000500' });
    expect(await h.store.countByOwner(ALICE.id)).toBe(0);
    expect(await h.store.countByOwner(BOB.id)).toBe(1);
  });
});

describe('/notebook audit', () => {
  it('shows admins the latest allowed and refused entries (ephemeral, rendered); anyone else is refused', async () => {
    const [id] = await h.seed('aud', { owner: ALICE.id });
    await h.command('stop aud-0', ALICE); // allowed
    await waitUntil(() => h.enqueued.length === 1);
    const refused = await h.command('extend aud-0 1h', BOB); // refused: not the owner
    await h.privateReply(refused.responseUrl);
    const notAdmin = await h.command('audit', BOB); // refused: not an admin
    expect(await h.privateReply(notAdmin.responseUrl)).toContain('Only admins can read the audit trail');

    const { responseUrl } = await h.command('audit', ADMIN);
    const path = new URL(responseUrl).pathname;
    const reply = await h.slack.waitFor((calls) =>
      calls.find((c) => c.method === 'response_url' && c.args['response_path'] === path),
    );
    expect(reply.args['response_type']).toBe('ephemeral');
    const blocks = JSON.stringify(reply.args['blocks']);
    expect(blocks).toContain('"type":"header"');
    expect(blocks).toContain('Audit trail');
    const lines = (reply.args['blocks'] as Array<{ type: string; text?: { text: string } }>)
      .filter((b) => b.type === 'section')
      .flatMap((b) => b.text!.text.split('\n'));
    const line = (who: string, action: string) =>
      lines.find((l) => l.includes(`<@${who}>`) && l.includes(`*${action}*`));
    expect(line(ALICE.id, 'stop')).toMatch(/`aud-0` — :white_check_mark: allowed/);
    expect(line(BOB.id, 'extend')).toMatch(/`aud-0` — :no_entry: refused \(ownership\)/);
    expect(line(BOB.id, 'audit')).toMatch(/:no_entry: refused \(admin_only\)/);
    // Newest first: Bob's audit attempt came last.
    expect(lines.findIndex((l) => l.includes('*audit*'))).toBeLessThan(lines.findIndex((l) => l.includes('*stop*')));

    // One notebook: by name (or id), only its entries.
    const one = await h.command('audit aud-0', ADMIN);
    const oneText = await h.privateReply(one.responseUrl);
    expect(oneText).toContain('Audit trail: aud-0');
    expect(oneText).toContain('*stop*');
    expect(oneText).not.toContain('*audit*');
    const byId = await h.command(`audit ${id}`, ADMIN);
    expect(await h.privateReply(byId.responseUrl)).toContain('*extend*');

    // Reading the trail is recorded too.
    expect((await h.audit())[0]).toMatchObject({ userId: ADMIN.id, action: 'audit', outcome: 'allowed' });
  });
});

describe('the notebook thread', () => {
  it('records who acted from outside the thread, once each; nothing more when the status message is in it', async () => {
    await h.startWorker();
    // Created through the bot: its status message is the thread's root.
    const view = await h.openCreateModal(ALICE);
    await h.sender.viewSubmission({ user: ALICE, view, values: createFormValues('nb-thread') });
    await waitUntil(() => h.enqueueResults.length === 1);
    expect(await h.waitForJob(h.enqueueResults[0]!.jobId)).toBe('completed');
    const created = h.sim.instances.list().find((n) => n.name === 'nb-thread')!;
    const record = (await h.store.get(created.id))!;
    const root = record.threadTs!;
    expect(root).toBe(h.enqueued[0]!.statusTs);
    expect(JSON.stringify(h.slack.message(CHANNEL, root))).toContain(`Requested by <@${ALICE.id}>`);

    const inThread = () =>
      h.slack.callsTo('chat.postMessage').filter((c) => c.args['channel'] === CHANNEL && c.args['thread_ts'] === root);
    const threadLines = () => inThread().map((c) => String(c.args['text']));
    const statusMessagesInThread = () =>
      inThread().filter((c) => JSON.stringify(c.args['blocks'] ?? null).includes('nb_status_head'));
    const finish = async (count: number) => {
      await waitUntil(() => h.enqueueResults.length === count);
      expect(await h.waitForJob(h.enqueueResults[count - 1]!.jobId)).toBe('completed');
    };

    // Extended from another channel: its status message is there, the record line in the thread.
    await h.command('extend nb-thread 2h', ALICE, OTHER_CHANNEL);
    await finish(2);
    await waitUntil(() => threadLines().some((t) => t.includes('extended the lease')));
    expect(threadLines().find((t) => t.includes('extended the lease'))).toMatch(
      new RegExp(`^<@${ALICE.id}> extended the lease: it now stops <!date\\^\\d+\\^`),
    );

    // Stopped by an admin from the notebook's channel: the status message is at the channel's top
    // level, so the thread gets the record line.
    await h.command('stop nb-thread', ADMIN, CHANNEL);
    await finish(3);
    await waitUntil(() => threadLines().includes(`<@${ADMIN.id}> stopped it.`));
    expect(h.enqueued[2]).toMatchObject({ kind: 'stop', threadTs: root });
    expect(h.enqueued[2]?.statusThreadTs).toBeUndefined();

    // Started again from App Home (no channel at all): the status message goes into the thread,
    // naming Alice, and is all the thread needs.
    await h.sender.blockActions({
      user: ALICE,
      view: { id: 'VHOMEALICE', type: 'home', hash: 'h9' },
      actions: [
        {
          type: 'button',
          block_id: 'home_nb',
          action_id: HOME_ACTIONS.start,
          value: encodePick({
            verb: 'start',
            notebookId: created.id,
            name: 'nb-thread',
            durationMs: 2 * H,
            leaseType: 'TIMING',
          }),
        },
      ],
    });
    await finish(4);
    expect(h.enqueued[3]).toMatchObject({ kind: 'start', statusThreadTs: root });
    await waitUntil(() => threadLines().some((t) => t.includes(`<@${ALICE.id}> your notebook *nb-thread* is running`)));
    expect(h.sim.instances.get(created.id)?.status).toBe('RUNNING');

    // Extended from a lease warning's button: the worker's status message goes into the thread.
    await h.clickLeaseButton(ALICE, LEASE_ACTION_IDS.extend1h, created.id, 'nb-thread');
    await finish(5);
    const extendTs = (await h.queue.queue.getJob(h.enqueueResults[4]!.jobId))!.data.progress.statusTs!;
    await waitUntil(() => JSON.stringify(h.slack.message(CHANNEL, extendTs)).includes('lease extended'));
    expect(h.slack.message(CHANNEL, extendTs)?.['thread_ts']).toBe(root);

    // Exactly once each, even after the Slack queue settles; nothing for what the thread shows.
    await waitUntil(
      async () => (await h.worker!.notifier.queue.getJobCounts('waiting', 'active', 'delayed')).waiting === 0,
    );
    const lines = threadLines();
    expect(lines.filter((t) => t.includes('extended the lease')).length, 'extended').toBe(1);
    expect(lines.filter((t) => t.includes('stopped it')).length, 'stopped').toBe(1);
    expect(lines.filter((t) => t.includes('started it')).length, 'started').toBe(0);
    expect(statusMessagesInThread()).toHaveLength(2); // the App Home start and the lease-button extend
    for (const status of statusMessagesInThread()) expect(textOf(status)).toContain(`Requested by <@${ALICE.id}>`);
    expect(textOf(h.slack.callsTo('chat.postMessage')[0]!)).toContain('nb-thread');
  });
});
