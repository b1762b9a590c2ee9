import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { APPROVE_ACTION_ID, DENY_ACTION_ID } from '../src/access/approvals.js';
import { createLeaseWatcher } from '../src/leases/watcher.js';
import { START_BLOCKS } from '../src/messages/start-modal.js';
import { state, type UserRef, type ViewPayload } from '../src/slack-stand-in/slack-sender.js';
import {
  type AccessHarness,
  ADMIN,
  ALICE,
  APPROVALS_CHANNEL,
  BOB,
  H,
  startAccessHarness,
  textOf,
  waitUntil,
} from './support/access-e2e-harness.js';
import { webClient } from './support/stack.js';

/**
 * Notebooks made in the ModelArts console belong to whoever their IAM creator is linked to
 * (issue 14), through signed Slack requests against the simulator, with FakeSlackApi and Redis:
 * a policy link makes a console notebook startable by its person and nobody else; without a
 * link the start is refused before any form opens, naming the IAM user; a person's own link
 * request waits for an admin and grants nothing until approved; admins link, unlink and see who
 * is who; lease warnings for a linked console notebook reach its owner by DM.
 */

const ALICE_IAM = 'alice.wang';
const CAROL_IAM = 'carol.li';
const ALICE_IAM_ID = 'a1b2c3d4e5f60718293a4b5c6d7e8f90';

let h: AccessHarness;
beforeAll(async () => {
  h = await startAccessHarness({
    policy: {
      admins: [ADMIN.id],
      identities: { [ALICE.id]: [ALICE_IAM] },
      approvals: { channel: APPROVALS_CHANNEL, expiry_hours: 2 },
      rate_limit: { per_minute: 1000 },
    },
  });
});
afterAll(async () => {
  await h.close();
});
beforeEach(async () => {
  await h.reset();
  await h.redis.del(`${h.prefix}:identity-links`);
});

function opened(): number {
  return h.slack.callsTo('views.open').length;
}

async function submitStart(user: UserRef, view: ViewPayload, notebookId: string, name: string) {
  return h.sender.viewSubmission({
    user,
    view,
    values: {
      [START_BLOCKS.notebook]: { value: state.select(notebookId, name) },
      [START_BLOCKS.duration]: { value: state.text('2h') },
      [START_BLOCKS.leaseType]: { value: state.radio('TIMING') },
    },
  });
}

describe('a link in the policy file', () => {
  it('makes a console notebook its IAM user created startable by the linked person, from the form', async () => {
    const [id] = await h.seed('console', { status: 'STOPPED', creator: { name: ALICE_IAM, id: ALICE_IAM_ID } });
    expect(h.sim.instances.get(id!)?.user.name).toBe(ALICE_IAM);

    await h.command('start console-0', ALICE);
    await h.slack.waitFor(() => opened() === 1);
    const view = h.slack.openedViews().at(-1) as unknown as ViewPayload;
    // Decided before the form opened: it offers that notebook, already chosen.
    expect(JSON.stringify(view)).toContain('"initial_option":{"text":{"type":"plain_text","text":"console-0"');
    const res = await submitStart(ALICE, view, id!, 'console-0');
    expect(res.status).toBe(200);
    await waitUntil(() => h.enqueued.length === 1);
    expect(h.enqueued[0]).toMatchObject({ kind: 'start', notebookId: id, requester: { userId: ALICE.id } });
    // The bot now keeps the notebook for its owner: App Home, the worker and lease buttons know it.
    expect(await h.store.get(id!)).toMatchObject({
      ownerId: ALICE.id,
      origin: 'linked',
      iamUserName: ALICE_IAM,
      iamUserId: ALICE_IAM_ID,
    });
  });

  it('lets nobody else start it: refused at once, before any form, naming the owner', async () => {
    const [id] = await h.seed('console', { status: 'STOPPED', creator: { name: ALICE_IAM } });
    const { responseUrl } = await h.command('start console-0', BOB);
    const text = await h.privateReply(responseUrl);
    expect(text).toContain(`belongs to <@${ALICE.id}>`);
    expect(text).toContain('(rule `ownership`)');
    expect(opened()).toBe(0);
    const withDuration = await h.command('start console-0 2h', BOB);
    expect(await h.privateReply(withDuration.responseUrl)).toContain('(rule `ownership`)');
    h.expectNothingChanged();
    expect(await h.store.get(id!)).toBeUndefined();
  });

  it('lists it under "mine" and shows it on App Home', async () => {
    await h.seed('console', { status: 'STOPPED', creator: { name: ALICE_IAM } });
    await h.seed('other', { status: 'STOPPED', creator: { name: CAROL_IAM } });
    const { responseUrl } = await h.command('list', ALICE);
    const text = await h.privateReply(responseUrl);
    expect(text).toContain('console-0');
    expect(text).not.toContain('other-0');

    await h.sender.event({ type: 'app_home_opened', user: ALICE.id, tab: 'home' });
    const home = await h.slack.waitFor((calls) =>
      calls.find((c) => c.method === 'views.publish' && c.args['user_id'] === ALICE.id),
    );
    const blocks = JSON.stringify(home.args['view']);
    expect(blocks).toContain('console-0');
    expect(blocks).toContain('home_start');
    expect(blocks).not.toContain('other-0');
  });

  it('names its owner in /notebook status, before the bot has any record of it', async () => {
    await h.seed('console', { status: 'STOPPED', creator: { name: ALICE_IAM } });
    const { responseUrl } = await h.command('status console-0', BOB);
    const text = await h.privateReply(responseUrl);
    expect(text).toContain(`<@${ALICE.id}>`);
    expect(text).not.toContain('not owned through the bot');
  });
});

describe('without a link', () => {
  it('refuses the start before any modal opens, naming the IAM user and how to get linked', async () => {
    await h.seed('orphan', { status: 'STOPPED', creator: { name: CAROL_IAM } });
    const { responseUrl } = await h.command('start orphan-0', BOB);
    const text = await h.privateReply(responseUrl);
    expect(text).toContain(`IAM user \`${CAROL_IAM}\``);
    expect(text).toContain(`/notebook link ${CAROL_IAM}`);
    expect(text).toContain('(rule `unowned_read_only`)');
    expect(opened()).toBe(0);
    h.expectNothingChanged();
    expect((await h.audit())[0]).toMatchObject({ userId: BOB.id, action: 'start', outcome: 'refused' });
  });

  it('shows no delete button for a notebook the user may not delete', async () => {
    await h.seed('orphan', { status: 'STOPPED', creator: { name: CAROL_IAM } });
    const { responseUrl } = await h.command('delete orphan-0', BOB);
    const text = await h.privateReply(responseUrl);
    expect(text).toContain('(rule `unowned_read_only`)');
    expect(text).not.toContain('nb_pick_');
  });
});

describe('/notebook link <iam-user>: a person asks, an admin decides', () => {
  it('grants nothing until approved; a denial grants nothing; an approval links', async () => {
    const [id] = await h.seed('orphan', { status: 'STOPPED', creator: { name: CAROL_IAM } });
    const asked = await h.command(`link ${CAROL_IAM}`, BOB);
    expect(asked.ack).toBe('');
    const first = await h.approvalRequest();
    expect(textOf(first.call)).toContain(`be linked to IAM user \`${CAROL_IAM}\``);
    expect(await h.privateMessageTo(BOB, (t) => t.includes('needs an admin'))).toContain(CAROL_IAM);
    // Pending: still read-only for Bob.
    const pending = await h.command('start orphan-0 2h', BOB);
    expect(await h.privateReply(pending.responseUrl)).toContain('(rule `unowned_read_only`)');
    expect(await h.access.identities.linkOf(CAROL_IAM)).toBeUndefined();

    // Bob cannot approve his own request.
    await h.clickApproval(BOB, APPROVE_ACTION_ID, first);
    expect(await h.access.identities.linkOf(CAROL_IAM)).toBeUndefined();

    await h.clickApproval(ADMIN, DENY_ACTION_ID, first);
    await waitUntil(async () => (await h.approvals!.get(first.id))?.status === 'denied');
    expect(await h.access.identities.linkOf(CAROL_IAM)).toBeUndefined();
    const denied = await h.command('start orphan-0 2h', BOB);
    expect(await h.privateReply(denied.responseUrl)).toContain('(rule `unowned_read_only`)');
    h.expectNothingChanged();

    await h.command(`link ${CAROL_IAM}`, BOB);
    const second = await h.approvalRequest(1);
    await h.clickApproval(ADMIN, APPROVE_ACTION_ID, second);
    await waitUntil(async () => (await h.access.identities.linkOf(CAROL_IAM))?.slackUserId === BOB.id);
    expect(await h.privateMessageTo(BOB, (t) => t.includes('linked you'))).toContain(CAROL_IAM);
    await h.command('start orphan-0 2h', BOB);
    await waitUntil(() => h.enqueued.length === 1);
    expect(h.enqueued[0]).toMatchObject({ kind: 'start', notebookId: id, requester: { userId: BOB.id } });
    const audit = await h.audit();
    expect(audit.find((e) => e.action === 'link' && e.outcome === 'approved')).toMatchObject({ userId: ADMIN.id });
    expect(audit.find((e) => e.action === 'link' && e.outcome === 'denied')).toMatchObject({ userId: ADMIN.id });
  });

  it('is refused for an IAM user someone else is linked to', async () => {
    const { responseUrl } = await h.command(`link ${ALICE_IAM}`, BOB);
    expect(await h.privateReply(responseUrl)).toContain(`is linked to <@${ALICE.id}>`);
    expect(h.slack.callsTo('chat.postMessage').filter((c) => c.args['channel'] === APPROVALS_CHANNEL)).toHaveLength(0);
  });
});

describe('admins: /notebook link @user, unlink, who', () => {
  it('links and unlinks at once (audited); anyone else is refused', async () => {
    await h.seed('orphan', { status: 'STOPPED', creator: { name: CAROL_IAM } });
    const bobMention = `<@${BOB.id}|${BOB.name}>`;
    const notAdmin = await h.command(`link ${bobMention} ${CAROL_IAM}`, ALICE);
    expect(await h.privateReply(notAdmin.responseUrl)).toContain('(rule `admin_only`)');
    expect(await h.access.identities.linkOf(CAROL_IAM)).toBeUndefined();

    const linked = await h.command(`link ${bobMention} ${CAROL_IAM}`, ADMIN);
    expect(await h.privateReply(linked.responseUrl)).toContain(
      `<@${BOB.id}> is now linked to IAM user \`${CAROL_IAM}\``,
    );
    expect((await h.audit())[0]).toMatchObject({ userId: ADMIN.id, action: 'link', outcome: 'succeeded' });

    const who = await h.command('who', ADMIN);
    const whoText = await h.privateReply(who.responseUrl);
    expect(whoText).toContain(`\`${CAROL_IAM}`);
    expect(whoText).toContain(`<@${BOB.id}>`);
    expect(whoText).toContain(`\`${ALICE_IAM}\` → <@${ALICE.id}> (policy file)`);
    const notAdminWho = await h.command('who', BOB);
    expect(await h.privateReply(notAdminWho.responseUrl)).toContain('(rule `admin_only`)');

    const policyUnlink = await h.command(`unlink ${ALICE_IAM}`, ADMIN);
    expect(await h.privateReply(policyUnlink.responseUrl)).toContain('in the policy file');
    const unlinked = await h.command(`unlink ${CAROL_IAM}`, ADMIN);
    expect(await h.privateReply(unlinked.responseUrl)).toContain('no longer linked');
    expect(await h.access.identities.linkOf(CAROL_IAM)).toBeUndefined();
    expect((await h.audit())[0]).toMatchObject({ userId: ADMIN.id, action: 'unlink', outcome: 'succeeded' });
  });

  it('who lists the notebooks nobody owns', async () => {
    await h.seed('orphan', { status: 'STOPPED', creator: { name: CAROL_IAM } });
    await h.seed('console', { status: 'STOPPED', creator: { name: ALICE_IAM } });
    const who = await h.command('who', ADMIN);
    const text = await h.privateReply(who.responseUrl);
    expect(text).toContain('Notebooks nobody owns in Slack* (1)');
    expect(text).toContain('`orphan-0`');
  });
});

describe('lease warnings', () => {
  it('reach the owner of a linked console notebook by DM, with buttons the owner may press', async () => {
    const [id] = await h.seed('console', {
      status: 'RUNNING',
      creator: { name: ALICE_IAM },
      leaseMs: H,
      leaseElapsedMs: 40 * 60_000,
    });
    const watcher = createLeaseWatcher({
      api: h.modelarts,
      store: h.store,
      redis: h.redis,
      prefix: h.prefix,
      slack: webClient(h),
      clock: h.clock,
      logger: h.logger,
      identities: h.access.identities,
    });
    const report = await watcher.scanOnce();
    expect(report.warned).toBe(1);
    const warning = h.slack
      .callsTo('chat.postMessage')
      .find((c) => c.args['channel'] === ALICE.id && textOf(c).includes('console-0'));
    expect(warning).toBeDefined();
    expect(textOf(warning!)).toContain(`<@${ALICE.id}>`);
    expect(await h.store.get(id!)).toMatchObject({ ownerId: ALICE.id, origin: 'linked', channelId: ALICE.id });

    // The owner's Extend on the warning is allowed; someone else's is refused.
    await h.clickLeaseButton(BOB, 'lease_extend_1h', id!, 'console-0');
    expect(await h.privateMessageTo(BOB)).toContain('(rule `ownership`)');
    await h.clickLeaseButton(ALICE, 'lease_extend_1h', id!, 'console-0');
    await waitUntil(() => h.enqueued.length === 1);
    expect(h.enqueued[0]).toMatchObject({ kind: 'extend', notebookId: id, requester: { userId: ALICE.id } });
    await watcher.stop();
  });
});
