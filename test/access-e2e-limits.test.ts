import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { INPUT_LIMITS } from '../src/access/input-guard.js';
import { CREATE_BLOCKS } from '../src/messages/create-modal.js';
import { HOME_ACTIONS } from '../src/messages/home.js';
import { LEASE_ACTION_IDS } from '../src/messages/lease-blocks.js';
import { encodePick } from '../src/messages/pick-value.js';
import { type StateValues, state, type ViewPayload } from '../src/slack-stand-in/slack-sender.js';
import {
  type AccessHarness,
  ADMIN,
  ALICE,
  BOB,
  CHANNEL,
  CPU,
  GPU_USER,
  H,
  startAccessHarness,
  textOf,
  V100,
  waitUntil,
} from './support/access-e2e-harness.js';
import { createFormValues } from './support/create-form.js';

/**
 * Compute and abuse limits, allowed and refused through the real entry points: per-flavor rules
 * (and the create modal offering only allowed flavors), the lease cap, the notebooks-per-user cap,
 * the per-user rate limit, and malformed or oversized input (command text, payloads, button
 * values, hook scripts). A refusal changes nothing in ModelArts and tells the user why.
 */

const POLICY = {
  admins: [ADMIN.id],
  flavors: { rules: [{ match: 'modelarts.vm.gpu.v100*', allow: [GPU_USER.id] }] },
  leases: { max_hours: 8 },
  max_notebooks_per_user: 2,
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
  await h.reset();
});

async function submitCreate(view: ViewPayload, user = ALICE, over: StateValues = {}) {
  const res = await h.sender.viewSubmission({ user, view, values: createFormValues('nb-new', over) });
  expect(res.status).toBe(200);
  return res.json as { response_action?: string; errors?: Record<string, string> } | undefined;
}

function flavorValues(json: unknown): string[] {
  const o = json as {
    options?: Array<{ value: string }>;
    option_groups?: Array<{ options: Array<{ value: string }> }>;
  };
  return [...(o.options ?? []), ...(o.option_groups ?? []).flatMap((g) => g.options)].map((x) => x.value);
}

describe('rule `flavor`', () => {
  it('the create modal offers only the flavors this user may pick', async () => {
    const view = await h.openCreateModal(ALICE);
    const suggest = async (user = ALICE) =>
      flavorValues(
        (await h.sender.blockSuggestion({ user, blockId: CREATE_BLOCKS.flavor, actionId: 'value', value: '', view }))
          .json,
      );
    const alice = await suggest(ALICE);
    expect(alice).toContain(CPU);
    expect(alice.some((f) => f.startsWith(V100))).toBe(false);
    const gpu = await suggest(GPU_USER);
    expect(gpu).toContain(V100);
    expect((await suggest(ADMIN)).some((f) => f.startsWith(V100))).toBe(true);
  });

  it('a forbidden flavor is refused in the form itself, naming the rule and who to ask; nothing is created', async () => {
    const view = await h.openCreateModal(ALICE);
    const res = await submitCreate(view, ALICE, { [CREATE_BLOCKS.flavor]: { value: state.external(V100) } });
    expect(res?.response_action).toBe('errors');
    const error = res?.errors?.[CREATE_BLOCKS.flavor] ?? '';
    expect(error).toContain(`may not use flavor ${V100}`);
    expect(error).toContain('(rule flavor)');
    expect(error).toContain(`@${ADMIN.id}`);
    // The refusal is audited after the ack, when the listener is done.
    await waitUntil(async () => (await h.audit()).length > 0);
    h.expectNothingChanged();
    expect((await h.audit())[0]).toMatchObject({
      userId: ALICE.id,
      action: 'create',
      outcome: 'refused',
      rule: 'flavor',
    });
  });

  it('starting a notebook of a forbidden flavor is refused; its allowed user starts it', async () => {
    await h.seed('gpu', { owner: ALICE.id, status: 'STOPPED', flavor: V100 });
    await h.seed('gpux', { owner: GPU_USER.id, status: 'STOPPED', flavor: V100 });
    const { responseUrl } = await h.command('start gpu-0 2h', ALICE);
    const text = await h.privateReply(responseUrl);
    expect(text).toContain('(rule `flavor`)');
    expect(text).toContain(ASK_ADMIN);
    h.expectNothingChanged();

    await h.command('start gpux-0 2h', GPU_USER);
    await waitUntil(() => h.enqueued.length === 1);
    expect(h.enqueued[0]).toMatchObject({ kind: 'start', durationMs: 2 * H, requester: { userId: GPU_USER.id } });
  });
});

describe('rule `lease_cap`', () => {
  it('start, extend and create beyond the cap are refused; within it they go through', async () => {
    await h.seed('cold', { owner: ALICE.id, status: 'STOPPED' });
    await h.seed('warm', { owner: ALICE.id, leaseMs: 4 * H });

    const start = await h.command('start cold-0 10h', ALICE);
    const startText = await h.privateReply(start.responseUrl);
    expect(startText).toContain('The longest lease you may have is 8 h. You asked for 10 h.');
    expect(startText).toContain('(rule `lease_cap`)');
    expect(startText).toContain(ASK_ADMIN);
    const extend = await h.command('extend warm-0 6h', ALICE);
    const extendText = await h.privateReply(extend.responseUrl);
    // 4 h left plus 6 h: about 10 h from now (the harness clock runs fast, so a few minutes less).
    expect(extendText).toMatch(/This extension would keep it running for another (10 h|9 h \d+ min)\./);
    expect(extendText).toContain('(rule `lease_cap`)');

    const view = await h.openCreateModal(ALICE);
    const res = await submitCreate(view, ALICE, { [CREATE_BLOCKS.leaseDuration]: { value: state.text('12h') } });
    expect(res?.errors?.[CREATE_BLOCKS.leaseDuration]).toContain('(rule lease_cap)');
    await waitUntil(async () => (await h.audit()).some((e) => e.action === 'create' && e.rule === 'lease_cap'));
    h.expectNothingChanged();

    await h.command('start cold-0 8h', ALICE);
    await h.command('extend warm-0 2h', ALICE);
    await waitUntil(() => h.enqueued.length === 2);
    expect(h.enqueued.map((o) => o.kind).sort()).toEqual(['extend', 'start']);
  });
});

describe('rule `notebook_cap`', () => {
  it('a user at the cap sees the refusal in the modal and privately on submit; below the cap, create goes through', async () => {
    await h.seed('mine', { owner: ALICE.id, count: 2 });
    const view = await h.openCreateModal(ALICE);
    // The modal opened at once, then was replaced by the refusal (nobody fills in a form for nothing).
    const notice = await h.slack.waitFor((calls) =>
      calls.find((c) => c.method === 'views.update' && JSON.stringify(c.args).includes('notebook_cap')),
    );
    expect(JSON.stringify(notice.args['view'])).toContain('You already own 2 notebooks');
    expect(JSON.stringify(notice.args['view'])).toContain(ASK_ADMIN);

    // A submit of the form anyway (e.g. opened before the second notebook existed).
    const res = await submitCreate(view, ALICE);
    expect(res?.response_action).toBeUndefined();
    const eph = await h.slack.waitFor((calls) =>
      calls.find((c) => c.method === 'chat.postEphemeral' && textOf(c).includes('notebook_cap')),
    );
    expect(eph.args['user']).toBe(ALICE.id);
    expect(String(eph.args['text'])).toContain(ASK_ADMIN);
    h.expectNothingChanged();
    expect((await h.audit()).filter((e) => e.rule === 'notebook_cap').length).toBeGreaterThanOrEqual(2);

    const bobView = await h.openCreateModal(BOB);
    await submitCreate(bobView, BOB, { [CREATE_BLOCKS.name]: { value: state.text('nb-bob') } });
    await waitUntil(() => h.enqueued.length === 1);
    expect(h.enqueued[0]).toMatchObject({ kind: 'create', request: { name: 'nb-bob' } });
  });
});

describe('rule `rate_limit`', () => {
  it('past the per-user limit, commands and clicks are refused with when to retry; one audit entry per burst', async () => {
    const strict = await startAccessHarness({ policy: { ...POLICY, rate_limit: { per_minute: 3 } } });
    try {
      const [leased] = await strict.seed('rl'); // only for a lease button's value
      for (let i = 0; i < 3; i += 1) {
        const { ack } = await strict.command('list', ALICE);
        expect(ack).not.toContain('rate_limit');
      }
      // The ack does not wait for the limit (a Redis round trip): the refusal follows it, privately.
      const { ack, responseUrl } = await strict.command('list', ALICE);
      expect(ack).not.toContain('rate_limit');
      const refusal = await strict.privateReply(responseUrl);
      expect(refusal).toContain('(rule `rate_limit`)');
      expect(refusal).toMatch(/try again in \d+ (s|min)\b/);
      expect(refusal).toContain(ASK_ADMIN);
      await strict.command('stop whatever', ALICE);
      await strict.sender.blockActions({
        user: ALICE,
        view: { id: 'VHOMEALICE', type: 'home', hash: 'h1' },
        actions: [
          {
            type: 'button',
            block_id: 'home_nb',
            action_id: HOME_ACTIONS.stop,
            value: encodePick({ verb: 'stop', notebookId: 'id-1', name: 'whatever' }),
          },
        ],
      });
      expect(await strict.privateMessageTo(ALICE, (t) => t.includes('rate_limit'))).toContain('try again in');
      // A lease button says it in the same words: the rule, when to retry, who to ask.
      strict.slack.reset();
      await strict.clickLeaseButton(ALICE, LEASE_ACTION_IDS.extend1h, leased!, 'rl-0');
      const lease = await strict.privateMessageTo(ALICE, (t) => t.includes('rate_limit'));
      expect(lease).toMatch(/going a bit fast: try again in \d+ (s|min)\b/);
      expect(lease).toContain(ASK_ADMIN);
      // Another user is not affected.
      expect((await strict.command('list', BOB)).ack).not.toContain('rate_limit');

      expect(strict.sim.stats.total).toBe(0);
      strict.expectNothingChanged();
      const limited = (await strict.audit()).filter((e) => e.rule === 'rate_limit');
      expect(limited).toHaveLength(1);
      expect(limited[0]).toMatchObject({ userId: ALICE.id, outcome: 'refused' });
    } finally {
      await strict.close();
    }
  });
});

describe('oversized and malformed input', () => {
  it('command text: too long, or not one line of printable text, is refused in the ack before any work', async () => {
    const long = await h.command(`stop ${'n'.repeat(600)}`, ALICE);
    expect(long.ack).toContain('the limit is 500');
    const control = await h.command('stop nb\u0007-0', ALICE);
    expect(control.ack).toContain('single line of printable text');
    const mention = await h.command('adopt nb-0 @bob', ADMIN);
    expect(mention.ack).toContain('I could not tell who');
    expect(h.sim.stats.total).toBe(0);
    h.expectNothingChanged();
  });

  it('a payload over the size limit is rejected by the receiver (413) without being parsed', async () => {
    const big = encodeURIComponent(
      JSON.stringify({ type: 'block_actions', filler: 'x'.repeat(INPUT_LIMITS.payloadBytes) }),
    );
    const res = await h.sender.send(`payload=${big}`, 'application/x-www-form-urlencoded');
    expect(res.status).toBe(413);
    expect(h.slack.calls).toHaveLength(0);
    expect(h.sim.stats.total).toBe(0);
  });

  it('a forged button value is answered clearly and does nothing', async () => {
    await h.sender.blockActions({
      user: ALICE,
      channelId: CHANNEL,
      messageTs: '1700000300.000100',
      actions: [{ type: 'button', action_id: 'nb_pick_0', block_id: 'nb_picker', value: '{"verb":"delete","id":"*"}' }],
    });
    const reply = await h.slack.waitFor((calls) => calls.find((c) => c.method === 'response_url'));
    expect(String(reply.args['text'])).toContain('This button is no longer valid');
    expect(h.sim.stats.total).toBe(0);
    h.expectNothingChanged();
  });

  it('hook scripts: too large, or with NUL or control characters, are refused under their field', async () => {
    const view = await h.openCreateModal(ALICE);
    const res = await submitCreate(view, ALICE, {
      [CREATE_BLOCKS.preStartType]: { value: state.select('COMMAND') },
      [CREATE_BLOCKS.preStartScript]: { value: state.text(`echo ${'a'.repeat(INPUT_LIMITS.hookScriptBytes)}`) },
      [CREATE_BLOCKS.postStartType]: { value: state.select('COMMAND') },
      [CREATE_BLOCKS.postStartScript]: { value: state.text('pip install x\u0000; rm -rf /') },
    });
    expect(res?.response_action).toBe('errors');
    expect(res?.errors?.[CREATE_BLOCKS.preStartScript]).toContain('The hook script is too large');
    expect(res?.errors?.[CREATE_BLOCKS.preStartScript]).toContain(`at most ${INPUT_LIMITS.hookScriptBytes}`);
    expect(res?.errors?.[CREATE_BLOCKS.postStartScript]).toContain('must not contain NUL characters');
    // An 'errors' ack ends the listener: nothing can be queued after it.
    h.expectNothingChanged();

    // A reasonable script goes through (base64-encoded for the API).
    const ok = await submitCreate(view, ALICE, {
      [CREATE_BLOCKS.postStartType]: { value: state.select('COMMAND') },
      [CREATE_BLOCKS.postStartScript]: { value: state.text('pip install -q pandas') },
    });
    expect(ok?.response_action).toBeUndefined();
    await waitUntil(() => h.enqueued.length === 1);
    const op = h.enqueued[0]!;
    expect(op.kind === 'create' && op.request.hooks?.container_hooks?.post_start?.script).toBe(
      Buffer.from('pip install -q pandas').toString('base64'),
    );
  });
});
