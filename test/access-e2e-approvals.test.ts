import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { APPROVE_ACTION_ID, DENY_ACTION_ID } from '../src/access/approvals.js';
import { CREATE_BLOCKS } from '../src/messages/create-modal.js';
import { LEASE_ACTION_IDS } from '../src/messages/lease-blocks.js';
import { state, type UserRef } from '../src/slack-stand-in/slack-sender.js';
import {
  type AccessHarness,
  ADMIN,
  ALICE,
  APPROVALS_CHANNEL,
  BOB,
  CHANNEL,
  H,
  startAccessHarness,
  textOf,
  waitUntil,
} from './support/access-e2e-harness.js';
import { createFormValues } from './support/create-form.js';

/**
 * Approvals end to end, through signed HTTP requests to the real receiver: the policy marks a
 * request as needing an admin's yes; it goes to the approvals channel with Approve/Deny, the
 * requester is told it waits, and nothing reaches ModelArts until an admin approves — then the
 * real worker creates exactly one notebook. Denials, expiries and a non-admin's click too.
 */

const GPU = 'modelarts.vm.gpu.t4u8';
const POLICY = {
  admins: [ADMIN.id],
  leases: { max_hours: 48 },
  approvals: { channel: APPROVALS_CHANNEL, flavors: ['GPU'], lease_over_hours: 24, expiry_hours: 2 },
  rate_limit: { per_minute: 1000 },
};

let h: AccessHarness;
beforeAll(async () => {
  h = await startAccessHarness({ policy: POLICY });
  await h.startWorker();
});
afterAll(async () => {
  await h.close();
});
beforeEach(async () => {
  await h.reset();
});

/**
 * The requester hears once that the request waits for an admin, from the approvals flow (with the
 * channel and the expiry), whichever way they asked: no second note from the command, the modal
 * or the button. Waits until the request is audited (after the note), then for stragglers.
 */
async function expectOneWaitingNote(user: UserRef): Promise<void> {
  await waitUntil(async () => (await h.audit()).some((e) => e.outcome === 'approval_requested'));
  await new Promise((r) => setTimeout(r, 300));
  const notes = h.slack.calls
    .filter(
      (c) =>
        c.method === 'response_url' ||
        (c.method === 'chat.postEphemeral' && c.args['user'] === user.id) ||
        (c.method === 'chat.postMessage' && c.args['channel'] === user.id),
    )
    .map(textOf)
    .filter((t) => t.includes('approval'));
  expect(notes).toHaveLength(1);
  expect(notes[0]).toContain('Nothing happens until an admin approves it');
  expect(notes[0]).toContain(`<#${APPROVALS_CHANNEL}>`);
  expect(notes[0]).toContain('expires <!date^');
  expect((await h.audit()).filter((e) => e.outcome === 'approval_requested')).toHaveLength(1);
}

function expectNothingInModelArts(): void {
  for (const op of ['create', 'start', 'stop', 'delete', 'renewLease'] as const) expect(h.sim.stats.calls[op]).toBe(0);
}

describe('approvals', () => {
  it('holds a create until an admin approves; a non-admin’s click is refused; then exactly one notebook is created', async () => {
    const view = await h.openCreateModal(ALICE);
    const res = await h.sender.viewSubmission({
      user: ALICE,
      view,
      values: createFormValues('nb-gpu', {
        [CREATE_BLOCKS.flavor]: { value: state.external(GPU) },
      }),
    });
    expect(res.status).toBe(200);
    const request = await h.approvalRequest();
    expect(textOf(request.call)).toContain(`<@${ALICE.id}> asks to create notebook`);
    expect(textOf(request.call)).toContain(`flavor ${GPU} needs an admin's approval`);
    // The requester is told it waits; nothing was queued, nothing asked of ModelArts.
    await expectOneWaitingNote(ALICE);
    expect(h.enqueued).toHaveLength(0);
    expect(h.sim.stats.calls.create).toBe(0);
    expect((await h.approvals!.get(request.id))?.status).toBe('pending');

    // Bob is no admin: refused, ephemerally, with the rule and the admins; still pending.
    await h.clickApproval(BOB, APPROVE_ACTION_ID, request);
    const refused = await h.slack.waitFor((calls) =>
      calls.find((c) => c.method === 'chat.postEphemeral' && c.args['user'] === BOB.id),
    );
    expect(String(refused.args['text'])).toContain('(rule `admin_only`)');
    expect(String(refused.args['text'])).toContain(`<@${ADMIN.id}>`);
    expect((await h.approvals!.get(request.id))?.status).toBe('pending');
    expect(h.enqueued).toHaveLength(0);
    expectNothingInModelArts();

    // The admin approves (a double click too): one enqueue, one create, the notebook runs.
    const [a, b] = await Promise.all([
      h.clickApproval(ADMIN, APPROVE_ACTION_ID, request),
      h.clickApproval(ADMIN, APPROVE_ACTION_ID, request),
    ]);
    expect(a.status).toBe(200);
    expect(b.status).toBe(200);
    await waitUntil(() => h.enqueueResults.length >= 1);
    expect(await h.waitForJob(h.enqueueResults[0]!.jobId)).toBe('completed');
    const created = h.sim.instances.list().filter((n) => n.name === 'nb-gpu');
    expect(created).toHaveLength(1);
    expect(created[0]!.status).toBe('RUNNING');
    expect(created[0]!.flavor).toBe(GPU);
    expect(h.sim.stats.calls.create).toBe(1);
    expect(h.enqueueResults.filter((r) => !r.duplicate)).toHaveLength(1);

    // The answer reaches the requester, and the request message says who decided.
    expect(await h.privateMessageTo(ALICE, (t) => t.includes('approved your request'))).toContain(`<@${ADMIN.id}>`);
    await h.slack.waitFor((calls) =>
      calls.find(
        (c) =>
          c.method === 'chat.update' &&
          c.args['channel'] === APPROVALS_CHANNEL &&
          String(c.args['text']).includes(`Approved by <@${ADMIN.id}>`),
      ),
    );
    // The worker's status message went where Alice asked, and names her.
    await h.slack.waitFor((calls) =>
      calls.find(
        (c) =>
          c.method === 'chat.postMessage' &&
          c.args['channel'] === CHANNEL &&
          String(c.args['text']).includes('your notebook *nb-gpu* is running'),
      ),
    );
    const record = await h.store.get(created[0]!.id);
    expect(record).toMatchObject({ ownerId: ALICE.id, channelId: CHANNEL });

    const outcomes = (await h.audit()).map((e) => `${e.userId}:${e.action}:${e.outcome}`);
    expect(outcomes).toEqual(
      expect.arrayContaining([
        `${ALICE.id}:create:approval_requested`,
        `${BOB.id}:approve:refused`,
        `${ADMIN.id}:create:approved`,
        `${ALICE.id}:create:succeeded`,
      ]),
    );
  });

  it('a request from App Home (no channel) is answered, and its progress posted, in the DM with the requester', async () => {
    await h.sender.blockActions({
      user: ALICE,
      view: { id: 'VHOMEALICE', type: 'home', hash: 'h1' },
      actions: [{ type: 'button', action_id: 'home_create', block_id: 'home_top', value: 'create' }],
    });
    await h.slack.waitFor(() => h.slack.openedViews().length > 0);
    const view = h.slack.openedViews().at(-1) as unknown as Parameters<typeof h.sender.viewSubmission>[0]['view'];
    await h.sender.viewSubmission({
      user: ALICE,
      view,
      values: createFormValues('nb-home-gpu', {
        [CREATE_BLOCKS.flavor]: { value: state.external(GPU) },
      }),
    });
    const request = await h.approvalRequest();
    expect((await h.approvals!.get(request.id))?.op.requester.channelId).toBe(ALICE.id);
    expect(h.sim.stats.calls.create).toBe(0);

    await h.clickApproval(ADMIN, APPROVE_ACTION_ID, request);
    await waitUntil(() => h.enqueueResults.length === 1);
    expect(await h.waitForJob(h.enqueueResults[0]!.jobId)).toBe('completed');
    expect(h.sim.stats.calls.create).toBe(1);
    // The worker's status message (it had none yet) went to the DM with the requester, the
    // conversation conversations.open gave for her.
    const status = h.slack
      .callsTo('chat.postMessage')
      .find((c) => JSON.stringify(c.args['blocks'] ?? null).includes('nb_status_head'));
    const dm = h.slack.callsTo('conversations.open').find((c) => c.args['users'] === ALICE.id);
    expect(dm).toBeDefined();
    expect(status?.args['channel']).toBe(`D${ALICE.id.slice(1)}`);
  });

  it('a denied request creates nothing and the requester hears it', async () => {
    await h.seed('cold', { owner: ALICE.id, status: 'STOPPED' });
    await h.command('start cold-0 30h', ALICE);
    const request = await h.approvalRequest();
    await expectOneWaitingNote(ALICE);
    expect(textOf(request.call)).toContain("leases over 24 h need an admin's approval");

    await h.clickApproval(ADMIN, DENY_ACTION_ID, request);
    expect(await h.privateMessageTo(ALICE, (t) => t.includes('denied your request'))).toContain(`<@${ADMIN.id}>`);
    expect((await h.approvals!.get(request.id))?.status).toBe('denied');
    // A late approve changes nothing.
    await h.clickApproval(ADMIN, APPROVE_ACTION_ID, request);
    await h.slack.waitFor((calls) =>
      calls.find((c) => c.method === 'chat.postEphemeral' && String(c.args['text']).includes('already denied')),
    );
    expect(h.enqueued).toHaveLength(0);
    expectNothingInModelArts();
  });

  it('an unanswered request expires: the sweep tells the requester, and a late approval does nothing', async () => {
    // A lease-warning button asks for +4 h on a 22 h lease: 26 h needs an admin.
    const [id] = await h.seed('long', { owner: ALICE.id, leaseMs: 22 * H });
    await h.clickLeaseButton(ALICE, LEASE_ACTION_IDS.extend4h, id!, 'long-0');
    const request = await h.approvalRequest();
    expect(textOf(request.call)).toContain('extend the lease of `long-0` by 4 h');
    await expectOneWaitingNote(ALICE);
    expect(await h.approvals!.expireApprovals()).toBe(0); // not yet

    h.clock.advance(2 * H + 60_000);
    expect(await h.approvals!.expireApprovals()).toBe(1);
    expect(await h.privateMessageTo(ALICE, (t) => t.includes('expired'))).toContain('Nothing was done');
    expect((await h.approvals!.get(request.id))?.status).toBe('expired');
    await h.slack.waitFor((calls) =>
      calls.find(
        (c) => c.method === 'chat.update' && c.args['channel'] === APPROVALS_CHANNEL && textOf(c).includes('Expired'),
      ),
    );

    await h.clickApproval(ADMIN, APPROVE_ACTION_ID, request);
    await h.slack.waitFor((calls) =>
      calls.find(
        (c) =>
          c.method === 'chat.postEphemeral' &&
          c.args['user'] === ADMIN.id &&
          String(c.args['text']).includes('expired'),
      ),
    );
    expect(h.enqueued).toHaveLength(0);
    expectNothingInModelArts();
    expect((await h.audit()).map((e) => e.outcome)).toContain('expired');
  });
});
