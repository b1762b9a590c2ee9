import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { START_BLOCKS } from '../src/messages/start-modal.js';
import type { Operation } from '../src/operations/types.js';
import { state } from '../src/slack-stand-in/slack-sender.js';
import {
  ALICE,
  BOB,
  CHANNEL,
  replyText,
  type SlackHarness,
  startSlackHarness,
  waitUntil,
} from './support/slack-harness.js';

const H = 3_600_000;
let h: SlackHarness;

beforeEach(async () => {
  h = await startSlackHarness();
});
afterEach(async () => {
  await h.close();
});

/** Notebooks in the simulator, recorded as owned by `owner` (as the worker would). */
function seed(prefix: string, status: string, count = 1, owner = ALICE.id): Promise<string[]> {
  return h.seed(prefix, { status, count, owner });
}

async function command(text: string, user = ALICE) {
  const res = await h.sender.slashCommand({ user, channelId: CHANNEL, text });
  expect(res.status).toBe(200);
  return res;
}

/** The private answer on a command's response_url. */
async function privateReply(responseUrl: string): Promise<string> {
  const path = new URL(responseUrl).pathname;
  const call = await h.slack.waitFor((calls) =>
    calls.find((c) => c.method === 'response_url' && c.args['response_path'] === path),
  );
  return replyText(call);
}

async function nextEnqueued(count = 1): Promise<Operation[]> {
  await waitUntil(() => h.enqueued.length >= count);
  return h.enqueued;
}

describe('/notebook help and input limits', () => {
  it.each(['', 'help', 'what-is-this'])('answers %j with every subcommand and an example, in the ack', async (text) => {
    const res = await command(text);
    for (const sub of ['create', 'start', 'stop', 'delete', 'status', 'list', 'extend'])
      expect(res.text).toContain(`/notebook ${sub}`);
    expect(res.text).toContain('e.g.');
    if (text === 'what-is-this') expect(res.text).toContain('what-is-this');
  });

  it('refuses text over the length cap with a clear message and does no work', async () => {
    const res = await command(`stop ${'n'.repeat(600)}`);
    expect(res.text).toContain('the limit is 500');
    expect(h.sim.stats.total).toBe(0);
  });

  it('explains a missing argument', async () => {
    expect((await command('stop')).text).toContain('Say which notebook');
  });
});

describe('/notebook create', () => {
  it('opens the modal within the trigger window, before any ModelArts call', async () => {
    const res = await command('create my-nb');
    const open = await h.slack.waitFor((calls) => calls.find((c) => c.method === 'views.open'));
    expect(open.args['trigger_id']).toBe(res.triggerId);
    expect(JSON.stringify(open.args['view'])).toContain('"initial_value":"my-nb"');
    // Any ModelArts traffic (the cache warm-up, the access check) comes after the modal is open.
    await waitUntil(() => h.modelartsCalls.length > 0);
    expect(h.modelartsCalls[0]!.at).toBeGreaterThanOrEqual(open.at);
  });
});

describe('/notebook start', () => {
  it('starts the notebook named exactly, with the given duration: one status message, one enqueue', async () => {
    const [id] = await seed('alpha', 'STOPPED');
    const res = await command('start alpha-0 2h');
    const [op] = await nextEnqueued();
    expect(op).toMatchObject({
      kind: 'start',
      notebookId: id,
      name: 'alpha-0',
      durationMs: 2 * H,
      leaseType: 'TIMING',
    });
    expect(op?.requester).toMatchObject({ userId: ALICE.id, channelId: CHANNEL });
    const posted = h.slack.callsTo('chat.postMessage');
    expect(posted).toHaveLength(1);
    expect(posted[0]?.args['channel']).toBe(CHANNEL);
    expect(JSON.stringify(posted[0]?.args)).toContain(`<@${ALICE.id}>`);
    expect(op?.statusTs).toBeDefined();
    expect(res.text).toBe('');
  });

  it('offers a picker when the name is ambiguous; one click (even twice) starts one', async () => {
    const ids = await seed('beta', 'STOPPED', 2);
    const res = await command('start beta 3h');
    const text = await privateReply(res.responseUrl);
    expect(text).toContain('Did you mean');
    expect(h.enqueued).toHaveLength(0);
    const picker = h.slack.callsTo('response_url').at(-1)!;
    const buttons = (picker.args['blocks'] as Array<{ type: string; elements?: Array<Record<string, unknown>> }>).find(
      (b) => b.type === 'actions',
    )!.elements!;
    expect(buttons).toHaveLength(2);
    const second = buttons.find((b) => JSON.stringify(b).includes(ids[1]!))!;
    const click = () =>
      h.sender.blockActions({
        user: ALICE,
        channelId: CHANNEL,
        messageTs: '1700000000.000100',
        actions: [{ type: 'button', action_id: second['action_id'], value: second['value'], block_id: 'nb_picker' }],
      });
    const [a, b] = await Promise.all([click(), click()]);
    expect(a.status).toBe(200);
    expect(b.status).toBe(200);
    await nextEnqueued();
    await new Promise((r) => setTimeout(r, 300));
    expect(h.enqueued).toHaveLength(1);
    expect(h.enqueued[0]).toMatchObject({ kind: 'start', notebookId: ids[1], durationMs: 3 * H });
    expect(h.slack.callsTo('chat.postMessage')).toHaveLength(1);
  });

  it('says so when no notebook matches', async () => {
    const res = await command('start nothing-here 2h');
    expect(await privateReply(res.responseUrl)).toContain('No notebook is named');
    expect(h.enqueued).toHaveLength(0);
  });

  it('explains a bad duration before looking anything up', async () => {
    const res = await command('start alpha-0 45 minutes');
    expect(await privateReply(res.responseUrl)).toContain('too short');
    expect(h.sim.stats.calls.list ?? 0).toBe(0);
  });

  it('without a duration looks the notebook up first, opens the modal with it chosen, and starts it on submit', async () => {
    const [id] = await seed('gamma', 'STOPPED');
    await command('start gamma-0');
    const view = await h.lastOpenedView();
    // Decided before the form: it opens with the notebook, no "looking up" step.
    expect(JSON.stringify(view)).not.toContain('Looking up');
    const updated = h.view(view.id);
    expect(JSON.stringify(updated)).toContain(`"initial_option":{"text":{"type":"plain_text","text":"gamma-0"`);

    const bad = await h.sender.viewSubmission({
      user: ALICE,
      view: updated,
      values: {
        [START_BLOCKS.notebook]: { value: state.select(id!, 'gamma-0') },
        [START_BLOCKS.duration]: { value: state.text('100h') },
        [START_BLOCKS.leaseType]: { value: state.radio('IDLE') },
      },
    });
    expect(bad.json).toMatchObject({
      response_action: 'errors',
      errors: { [START_BLOCKS.duration]: expect.stringContaining('72') },
    });
    expect(h.enqueued).toHaveLength(0);

    const ok = await h.sender.viewSubmission({
      user: ALICE,
      view: updated,
      values: {
        [START_BLOCKS.notebook]: { value: state.select(id!, 'gamma-0') },
        [START_BLOCKS.duration]: { value: state.text('90m') },
        [START_BLOCKS.leaseType]: { value: state.radio('IDLE') },
      },
    });
    expect(ok.status).toBe(200);
    expect(ok.text).toBe('');
    const [op] = await nextEnqueued();
    expect(op).toMatchObject({ kind: 'start', notebookId: id, durationMs: 1.5 * H, leaseType: 'IDLE' });
    expect(op?.requester.channelId).toBe(CHANNEL);
  });

  it("refuses to start someone else's notebook, with the rule's message", async () => {
    await seed('delta', 'STOPPED', 1, BOB.id);
    const res = await command('start delta-0 2h');
    const text = await privateReply(res.responseUrl);
    expect(text).toContain('belongs to');
    expect(text).toContain(`<@${BOB.id}>`);
    expect(h.enqueued).toHaveLength(0);
  });
});

describe('/notebook stop, delete, extend, status, list', () => {
  it('stop enqueues a stop', async () => {
    const [id] = await seed('eps', 'RUNNING');
    await command('stop eps-0');
    const [op] = await nextEnqueued();
    expect(op).toMatchObject({ kind: 'stop', notebookId: id, name: 'eps-0' });
  });

  it('delete asks to confirm first (button with a confirm dialog), then enqueues on the click', async () => {
    const [id] = await seed('zeta', 'STOPPED');
    const res = await command('delete zeta-0');
    const text = await privateReply(res.responseUrl);
    expect(text).toContain('cannot be undone');
    expect(text).toContain('"confirm"');
    expect(h.enqueued).toHaveLength(0);
    const msg = h.slack.callsTo('response_url').at(-1)!;
    const button = (msg.args['blocks'] as Array<{ type: string; elements?: Array<Record<string, unknown>> }>).find(
      (b) => b.type === 'actions',
    )!.elements![0]!;
    await h.sender.blockActions({
      user: ALICE,
      channelId: CHANNEL,
      messageTs: '1700000000.000200',
      actions: [
        { type: 'button', action_id: button['action_id'], value: button['value'], block_id: 'nb_delete_confirm' },
      ],
    });
    const [op] = await nextEnqueued();
    expect(op).toMatchObject({ kind: 'delete', notebookId: id });
  });

  it('extend adds time to a running notebook; a stopped one gets advice instead', async () => {
    const [id] = await seed('eta', 'RUNNING');
    await command('extend eta-0 2');
    const [op] = await nextEnqueued();
    expect(op).toMatchObject({ kind: 'extend', notebookId: id, addMs: 2 * H });
    await seed('theta', 'STOPPED');
    const res = await command('extend theta-0 2h');
    expect(await privateReply(res.responseUrl)).toContain('only a running notebook can be extended');
  });

  it('status shows status, flavor and time left, privately', async () => {
    await seed('iota', 'RUNNING');
    const res = await command('status iota-0');
    const text = await privateReply(res.responseUrl);
    expect(text).toContain('RUNNING');
    expect(text).toContain('modelarts.vm.cpu.2u');
    expect(text).toMatch(/\d+ (h|min)( \d+ min)? left/);
    expect(text).toContain(`<@${ALICE.id}>`);
  });

  it('list mine / all / <status>', async () => {
    await seed('kappa', 'RUNNING', 2);
    await seed('lam', 'STOPPED', 1, BOB.id);
    const mine = await command('list');
    const mineText = await privateReply(mine.responseUrl);
    expect(mineText).toContain('kappa-0');
    expect(mineText).not.toContain('lam-0');
    const all = await command('list all');
    const allText = await privateReply(all.responseUrl);
    expect(allText).toContain('lam-0');
    expect(allText).toContain(`<@${BOB.id}>`);
    const stopped = await command('list stopped');
    const stoppedText = await privateReply(stopped.responseUrl);
    expect(stoppedText).toContain('lam-0');
    expect(stoppedText).not.toContain('kappa-0');
  });
});

describe('failures reach the user', () => {
  it('ModelArts down: an ephemeral says what happened and what to do, never a stack', async () => {
    h.sim.faults.serverErrors({ forMs: 60_000, status: 503 });
    const res = await command('status anything');
    const text = await privateReply(res.responseUrl);
    expect(text).toMatch(/ModelArts/);
    expect(text).toMatch(/try again/i);
    expect(text).not.toMatch(/at .*\.ts:\d+/);
    h.sim.faults.clear?.();
  });

  it('a notebook that vanished: the user is told how to find what exists', async () => {
    const [id] = await seed('mu', 'RUNNING');
    h.sim.instances.remove(id!);
    const res = await command(`status ${id}`);
    expect(await privateReply(res.responseUrl)).toMatch(/No notebook is named|no longer exists/);
  });
});
