import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { HOME_ACTIONS } from '../src/messages/home.js';
import { LEASE_ACTION_IDS } from '../src/messages/lease-blocks.js';
import { encodePick, type PickValue } from '../src/messages/pick-value.js';
import type { UserRef } from '../src/slack-stand-in/slack-sender.js';
import {
  type AccessHarness,
  ADMIN,
  ALICE,
  BOB,
  CAROL,
  CHANNEL,
  DAN,
  H,
  MALLORY,
  MEMBERS_CHANNEL,
  OTHER_CHANNEL,
  startAccessHarness,
  TEAM_GROUP,
  waitUntil,
} from './support/access-e2e-harness.js';

/**
 * Who may use the bot, where, and on whose notebooks — each rule allowed and refused through
 * the real entry points: signed slash commands, App Home buttons, picker/confirmation buttons
 * and lease-warning buttons, against the real HTTP receiver. A refusal must change nothing in
 * ModelArts (and, when the bot can decide it from its own records, call nothing at all), must
 * answer the user privately naming the rule and who to ask, and must be audited.
 */

const POLICY = {
  admins: [ADMIN.id],
  users: [ALICE.id, BOB.id, TEAM_GROUP, MEMBERS_CHANNEL],
  channels: [CHANNEL, 'dm', 'app_home'],
  leases: { max_hours: 8 },
  rate_limit: { per_minute: 1000 },
};
const ASK_ADMIN = `<@${ADMIN.id}>`;

let h: AccessHarness;
beforeAll(async () => {
  h = await startAccessHarness({ policy: POLICY });
});
afterAll(async () => {
  await h.close();
});
beforeEach(async () => {
  // One world for the file (fast); each test starts from an empty one.
  await h.reset();
});

function expectRefusal(text: string, rule: string, ...mentions: string[]): void {
  expect(text).toContain(':no_entry:');
  expect(text).toContain(`(rule \`${rule}\`)`);
  for (const m of mentions) expect(text).toContain(m);
}

async function expectAuditedRefusal(userId: string, rule: string, action?: string): Promise<void> {
  const matches = (e: { outcome: string; rule?: string; userId: string; action: string }) =>
    e.outcome === 'refused' && e.rule === rule && e.userId === userId && (!action || e.action === action);
  await waitUntil(async () => (await h.audit()).some(matches));
}

/** An App Home button (Start/Stop/Extend) as the Home tab renders it. */
function homeClick(user: UserRef, actionId: string, value: PickValue) {
  return h.sender.blockActions({
    user,
    view: { id: `VHOME${user.id.slice(-4)}`, type: 'home', hash: 'h1' },
    actions: [{ type: 'button', block_id: 'home_nb', action_id: actionId, value: encodePick(value) }],
  });
}

/** A lease-warning button on the warning message in the notebook's channel. */
describe('rule `use`: who may use the bot', () => {
  it('listed users, members of a listed user group and of a listed channel may', async () => {
    for (const user of [ALICE, CAROL, DAN]) {
      const { responseUrl } = await h.command('list', user);
      const text = await h.privateReply(responseUrl);
      expect(text).toContain('Your notebooks');
      expect(text).not.toContain(':no_entry:');
    }
    // Membership came from Slack, once per group/channel (then cached).
    expect(h.slack.callsTo('usergroups.users.list').length).toBeGreaterThan(0);
    expect(h.slack.callsTo('conversations.members').length).toBeGreaterThan(0);
  });

  it('anyone else is refused, by command and by button, before any ModelArts call', async () => {
    const [id] = await h.seed('use', { owner: ALICE.id });
    h.sim.stats.reset();
    const { responseUrl } = await h.command('stop use-0', MALLORY);
    expectRefusal(await h.privateReply(responseUrl), 'use', ASK_ADMIN);

    await homeClick(MALLORY, HOME_ACTIONS.stop, { verb: 'stop', notebookId: id!, name: 'use-0' });
    const dm = await h.privateMessageTo(MALLORY, (t) => t.includes('rule `use`'));
    expectRefusal(dm, 'use', ASK_ADMIN);

    await h.clickLeaseButton(MALLORY, LEASE_ACTION_IDS.extend1h, id!, 'use-0');
    const eph = await h.slack.waitFor((calls) =>
      calls.find((c) => c.method === 'chat.postEphemeral' && c.args['user'] === MALLORY.id),
    );
    expect(String(eph.args['text'])).toContain('(rule `use`)');

    expect(h.sim.stats.total).toBe(0);
    h.expectNothingChanged();
    await expectAuditedRefusal(MALLORY.id, 'use', 'stop');
  });
});

describe('rule `channel`: where the bot may be used', () => {
  it('a listed channel and a DM are allowed; another channel is refused, naming where to go', async () => {
    const ok = await h.command('list', ALICE, CHANNEL);
    expect(await h.privateReply(ok.responseUrl)).toContain('Your notebooks');
    const dm = await h.command('list', ALICE, 'D0ALICE001');
    expect(await h.privateReply(dm.responseUrl)).toContain('Your notebooks');

    await h.seed('chan', { owner: ALICE.id });
    h.sim.stats.reset();
    const { responseUrl } = await h.command('stop chan-0', ALICE, OTHER_CHANNEL);
    const text = await h.privateReply(responseUrl);
    expectRefusal(text, 'channel', ASK_ADMIN, `<#${CHANNEL}>`, 'direct message');
    expect(h.sim.stats.total).toBe(0);
    h.expectNothingChanged();
    await expectAuditedRefusal(ALICE.id, 'channel', 'stop');
  });
});

describe('rule `ownership`: only the owner or an admin changes a notebook', () => {
  it('by command: another user is refused (no change), the owner and an admin are allowed', async () => {
    await h.seed('own', { owner: ALICE.id });
    await h.seed('idle', { owner: ALICE.id, status: 'STOPPED' });
    for (const text of ['stop own-0', 'extend own-0 1h', 'start idle-0 2h']) {
      const { responseUrl } = await h.command(text, BOB);
      expectRefusal(await h.privateReply(responseUrl), 'ownership', `<@${ALICE.id}>`, ASK_ADMIN);
    }
    h.expectNothingChanged();
    // The name had to be resolved (a read); nothing else was asked of ModelArts.
    expect(
      h.webModelArtsCalls.every((m) => m === 'listNotebooks' || m === 'listAllNotebooks' || m === 'showLease'),
    ).toBe(true);
    await expectAuditedRefusal(BOB.id, 'ownership', 'stop');

    await h.command('stop own-0', ADMIN);
    await waitUntil(() => h.enqueued.length === 1);
    expect(h.enqueued[0]).toMatchObject({ kind: 'stop', requester: { userId: ADMIN.id } });
    await h.command('extend own-0 1h', ALICE);
    await waitUntil(() => h.enqueued.length === 2);
    expect(h.enqueued[1]).toMatchObject({ kind: 'extend', requester: { userId: ALICE.id } });
    // The "allowed" entry is written once the queue has taken the job, a moment after it was handed over.
    const allowed = await waitUntil(async () => {
      const entries = (await h.audit()).filter((e) => e.outcome === 'allowed');
      return entries.length >= 2 ? entries : undefined;
    });
    expect(allowed.map((e) => `${e.userId}:${e.action}`).sort()).toEqual(
      [`${ADMIN.id}:stop`, `${ALICE.id}:extend`].sort(),
    );
  });

  it('App Home and delete-confirmation buttons: refused from the bot’s records, with no ModelArts call at all', async () => {
    const [running] = await h.seed('home', { owner: ALICE.id });
    const [stopped] = await h.seed('cold', { owner: ALICE.id, status: 'STOPPED' });
    h.sim.stats.reset();

    await homeClick(BOB, HOME_ACTIONS.stop, { verb: 'stop', notebookId: running!, name: 'home-0' });
    expectRefusal(await h.privateMessageTo(BOB, (t) => t.includes('home-0')), 'ownership', `<@${ALICE.id}>`);
    await homeClick(BOB, HOME_ACTIONS.start, {
      verb: 'start',
      notebookId: stopped!,
      name: 'cold-0',
      durationMs: H,
      leaseType: 'TIMING',
    });
    expectRefusal(await h.privateMessageTo(BOB, (t) => t.includes('cold-0')), 'ownership', ASK_ADMIN);

    // The button of a delete confirmation (a picker button), clicked in the channel.
    await h.sender.blockActions({
      user: BOB,
      channelId: CHANNEL,
      messageTs: '1700000200.000100',
      actions: [
        {
          type: 'button',
          action_id: 'nb_pick_0',
          block_id: 'nb_delete_confirm',
          value: encodePick({ verb: 'delete', notebookId: stopped!, name: 'cold-0' }),
        },
      ],
    });
    const confirm = await h.slack.waitFor((calls) =>
      calls.find((c) => c.method === 'response_url' && String(c.args['text']).includes('rule `ownership`')),
    );
    expect(String(confirm.args['text'])).toContain(`<@${ALICE.id}>`);

    expect(h.sim.stats.total).toBe(0);
    h.expectNothingChanged();

    // The owner's own click goes through (and the Home tab is allowed by the policy).
    await homeClick(ALICE, HOME_ACTIONS.start, {
      verb: 'start',
      notebookId: stopped!,
      name: 'cold-0',
      durationMs: H,
      leaseType: 'TIMING',
    });
    await waitUntil(() => h.enqueued.length === 1);
    expect(h.enqueued[0]).toMatchObject({ kind: 'start', notebookId: stopped, requester: { userId: ALICE.id } });
  });

  it('lease-warning buttons: another user is refused (no renewal, no stop, no call); the owner extends', async () => {
    const [id] = await h.seed('lease', { owner: ALICE.id, leaseMs: 2 * H });
    h.sim.stats.reset();
    for (const action of [LEASE_ACTION_IDS.extend1h, LEASE_ACTION_IDS.stop]) {
      await h.clickLeaseButton(BOB, action, id!, 'lease-0');
    }
    await h.slack.waitFor(
      (calls) => calls.filter((c) => c.method === 'chat.postEphemeral' && c.args['user'] === BOB.id).length === 2,
    );
    for (const c of h.slack.callsTo('chat.postEphemeral')) {
      expect(String(c.args['text'])).toContain('(rule `ownership`)');
      expect(String(c.args['text'])).toContain(ASK_ADMIN);
    }
    expect(h.sim.stats.total).toBe(0);
    h.expectNothingChanged();
    await expectAuditedRefusal(BOB.id, 'ownership');

    await h.clickLeaseButton(ALICE, LEASE_ACTION_IDS.extend1h, id!, 'lease-0');
    await waitUntil(() => h.enqueued.length === 1);
    expect(h.enqueued[0]).toMatchObject({ kind: 'extend', notebookId: id, addMs: H });
  });

  it('a notebook created outside the bot is read-only until adopted: status yes, stop no', async () => {
    await h.seed('console'); // in ModelArts only: the bot has no record, so no owner
    const status = await h.command('status console-0', ALICE);
    const statusText = await h.privateReply(status.responseUrl);
    expect(statusText).toContain('RUNNING');
    expect(statusText).not.toContain(':no_entry:');

    const stop = await h.command('stop console-0', ALICE);
    const text = await h.privateReply(stop.responseUrl);
    expectRefusal(text, 'unowned_read_only', ASK_ADMIN, '/notebook adopt console-0');
    h.expectNothingChanged();
    await expectAuditedRefusal(ALICE.id, 'unowned_read_only', 'stop');
  });
});

describe('the Home tab as a place', () => {
  it('is refused when the policy does not list app_home (no ModelArts call)', async () => {
    const strict = await startAccessHarness({ policy: { ...POLICY, channels: [CHANNEL] } });
    try {
      const [id] = await strict.seed('hm', { owner: ALICE.id, status: 'STOPPED' });
      strict.sim.stats.reset();
      await strict.sender.blockActions({
        user: ALICE,
        view: { id: 'VHOMEALICE', type: 'home', hash: 'h1' },
        actions: [
          {
            type: 'button',
            block_id: 'home_nb',
            action_id: HOME_ACTIONS.start,
            value: encodePick({ verb: 'start', notebookId: id!, name: 'hm-0', durationMs: H, leaseType: 'TIMING' }),
          },
        ],
      });
      const dm = await strict.privateMessageTo(ALICE, (t) => t.includes('rule `channel`'));
      expect(dm).toContain(`<#${CHANNEL}>`);
      expect(strict.sim.stats.total).toBe(0);
      strict.expectNothingChanged();
    } finally {
      await strict.close();
    }
  });
});
