import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { HOME_ACTIONS } from '../src/messages/home.js';
import type { ViewPayload } from '../src/slack-stand-in/slack-sender.js';
import { ALICE, BOB, CHANNEL, type SlackHarness, startSlackHarness, waitUntil } from './support/slack-harness.js';

const H = 3_600_000;
let h: SlackHarness;

beforeEach(async () => {
  h = await startSlackHarness();
});
afterEach(async () => {
  await h.close();
});

/** One notebook of `owner`'s, 30 min into a 2 h lease, with its thread. */
async function own(prefix: string, status: string, owner = ALICE.id, threadTs = '1700000000.000001'): Promise<string> {
  const [id] = await h.seed(prefix, { status, owner, threadTs, leaseMs: 2 * H, leaseElapsedMs: 30 * 60_000 });
  return id!;
}

async function openHome(user = ALICE): Promise<ViewPayload> {
  const before = h.slack.callsTo('views.publish').length;
  const res = await h.sender.event({ type: 'app_home_opened', user: user.id, channel: 'D0HOME', tab: 'home' });
  expect(res.status).toBe(200);
  await waitUntil(() => h.slack.callsTo('views.publish').length > before);
  return h.slack.homeView(user.id) as unknown as ViewPayload;
}

type Button = { action_id: string; value?: string; url?: string };
function buttons(view: ViewPayload): Button[] {
  return (view.blocks as Array<{ type: string; elements?: Button[] }>)
    .filter((b) => b.type === 'actions')
    .flatMap((b) => b.elements ?? []);
}
function buttonFor(view: ViewPayload, actionId: string, notebookId: string): Button {
  const b = buttons(view).find((x) => x.action_id === actionId && (x.value ?? '').includes(notebookId));
  if (!b) throw new Error(`no ${actionId} button for ${notebookId}`);
  return b;
}
async function click(view: ViewPayload, b: Button, user = ALICE) {
  return h.sender.blockActions({
    user,
    view: { ...view, type: 'home' },
    actions: [{ type: 'button', block_id: 'home_nb', ...b }],
  });
}

describe('App Home', () => {
  it('renders my notebooks with live status, flavor, time left and buttons; tolerates ModelArts failures', async () => {
    const running = await own('run', 'RUNNING');
    const stopped = await own('stp', 'STOPPED');
    const gone = await own('gone', 'RUNNING');
    h.sim.instances.remove(gone);
    await own('bobs', 'RUNNING', BOB.id);

    const view = await openHome();
    const json = JSON.stringify(view);
    expect(view.type).toBe('home');
    expect(json).toContain('My notebooks');
    expect(json).toContain('run-0');
    expect(json).toContain('stp-0');
    expect(json).not.toContain('gone-0');
    expect(json).not.toContain('bobs-0');
    expect(json).toMatch(/1 h [1-3]\d min left/); // 2 h lease, 30 min in (the scaled clock keeps moving)
    expect(json).toContain('modelarts.vm.cpu.2u');
    const open = buttons(view).find((b) => b.action_id === HOME_ACTIONS.open);
    expect(open?.url).toContain(running);
    expect(open?.url).not.toContain('token');
    expect(() => buttonFor(view, HOME_ACTIONS.stop, running)).not.toThrow();
    expect(() => buttonFor(view, HOME_ACTIONS.extend, running)).not.toThrow();
    expect(() => buttonFor(view, HOME_ACTIONS.start, stopped)).not.toThrow();
    expect(() => buttonFor(view, HOME_ACTIONS.start, running)).toThrow();

    // ModelArts answering 503 to one lookup: that notebook shows its last known status.
    h.sim.faults.serverErrors({ count: 1, operations: ['show'] });
    const degraded = JSON.stringify(await openHome());
    expect(degraded).toContain('(last known)');
    expect(degraded).toContain('run-0');
    expect(degraded).toContain('stp-0');
  });

  it('does nothing for the Messages tab, and publishHome is usable directly (job pipeline)', async () => {
    await h.sender.event({ type: 'app_home_opened', user: ALICE.id, channel: 'D0HOME', tab: 'messages' });
    await new Promise((r) => setTimeout(r, 200));
    expect(h.slack.callsTo('views.publish')).toHaveLength(0);
    await own('direct', 'STOPPED');
    await h.app.publishHome(ALICE.id);
    expect(JSON.stringify(h.slack.homeView(ALICE.id))).toContain('direct-0');
  });

  it('Start queues a start with the default lease, its status in the notebook thread; double clicks dedupe', async () => {
    const id = await own('strt', 'STOPPED', ALICE.id, '1700000000.000777');
    const view = await openHome();
    const start = buttonFor(view, HOME_ACTIONS.start, id);
    const [a, b] = await Promise.all([click(view, start), click(view, start)]);
    expect(a.status).toBe(200);
    expect(b.status).toBe(200);
    await waitUntil(() => h.enqueued.length === 1);
    await new Promise((r) => setTimeout(r, 300));
    expect(h.enqueued).toHaveLength(1);
    expect(h.enqueued[0]).toMatchObject({
      kind: 'start',
      notebookId: id,
      durationMs: H,
      leaseType: 'TIMING',
      threadTs: '1700000000.000777',
    });
    const post = h.slack.callsTo('chat.postMessage');
    expect(post).toHaveLength(1);
    expect(post[0]?.args).toMatchObject({ channel: CHANNEL, thread_ts: '1700000000.000777' });
  });

  it('Extend +1h and Stop route to the same handlers as the commands', async () => {
    const id = await own('ext', 'RUNNING');
    const view = await openHome();
    await click(view, buttonFor(view, HOME_ACTIONS.extend, id));
    await waitUntil(() => h.enqueued.length === 1);
    expect(h.enqueued[0]).toMatchObject({ kind: 'extend', notebookId: id, addMs: H });
    await click(view, buttonFor(view, HOME_ACTIONS.stop, id));
    await waitUntil(() => h.enqueued.length === 2);
    expect(h.enqueued[1]).toMatchObject({ kind: 'stop', notebookId: id });
  });

  it('a forged or foreign button is refused with a message, never silence', async () => {
    const bobs = await own('foreign', 'RUNNING', BOB.id);
    await openHome(BOB);
    const view = h.slack.homeView(BOB.id) as unknown as ViewPayload;
    // Alice replays Bob's Stop button.
    await click(view, buttonFor(view, HOME_ACTIONS.stop, bobs), ALICE);
    const dm = await h.slack.waitFor((calls) =>
      calls.find((c) => c.method === 'chat.postMessage' && String(c.args['channel']).startsWith('D')),
    );
    expect(String(dm.args['text'])).toContain('belongs to');
    await click(view, { action_id: HOME_ACTIONS.stop, value: '["stop","../x","n",0,"",0]' }, ALICE);
    await waitUntil(() =>
      h.slack.callsTo('chat.postMessage').some((c) => String(c.args['text']).includes('no longer valid')),
    );
    expect(h.enqueued).toHaveLength(0);
  });
});

describe('App Home shows only the buttons the policy allows', () => {
  type Section = { type: string; text?: { text: string } };
  const sectionOf = (view: ViewPayload, name: string) =>
    (view.blocks as Section[]).find((b) => b.type === 'section' && (b.text?.text ?? '').includes(`*${name}*`))?.text
      ?.text ?? '';

  it('a policy that keeps the bot out of the Home tab: no New notebook, Start, Stop or Extend, and says why', async () => {
    await h.close();
    h = await startSlackHarness({ policy: { channels: [CHANNEL], rate_limit: { per_minute: 1000 } } });
    const running = await own('run', 'RUNNING');
    const stopped = await own('stp', 'STOPPED');

    const view = await openHome();
    const ids = buttons(view).map((b) => b.action_id);
    expect(ids).toContain(HOME_ACTIONS.refresh);
    expect(ids).toContain(HOME_ACTIONS.open); // opening JupyterLab changes nothing
    for (const hidden of [HOME_ACTIONS.create, HOME_ACTIONS.start, HOME_ACTIONS.stop, HOME_ACTIONS.extend]) {
      expect(ids).not.toContain(hidden);
    }
    const json = JSON.stringify(view);
    expect(json).toContain('New notebook:');
    expect(sectionOf(view, 'run-0')).toMatch(/:no_entry: _Stop, Extend:_ .*#?C0SLACK001/);
    expect(sectionOf(view, 'stp-0')).toMatch(/:no_entry: _Start:_ /);
    expect(json).not.toContain('Press *New notebook*');
    expect(buttonFor(view, HOME_ACTIONS.open, '').url).toContain(running);
    expect(() => buttonFor(view, HOME_ACTIONS.start, stopped)).toThrow();
  });

  it('a flavor the owner may not start: that Start is hidden with the reason, the others stay', async () => {
    const [gpu] = await h.seed('gpu', { status: 'STOPPED', owner: ALICE.id, flavor: 'modelarts.vm.gpu.v100' });
    const cpu = await own('cpu', 'STOPPED');
    const running = await own('run', 'RUNNING');

    const view = await openHome();
    expect(() => buttonFor(view, HOME_ACTIONS.start, cpu)).not.toThrow();
    expect(() => buttonFor(view, HOME_ACTIONS.stop, running)).not.toThrow();
    expect(() => buttonFor(view, HOME_ACTIONS.extend, running)).not.toThrow();
    expect(() => buttonFor(view, HOME_ACTIONS.start, gpu!)).toThrow();
    expect(sectionOf(view, 'gpu-0')).toMatch(/:no_entry: _Start:_ .*modelarts\.vm\.gpu\.v100/);
    expect(sectionOf(view, 'cpu-0')).not.toContain(':no_entry:');
    expect(buttons(view).map((b) => b.action_id)).toContain(HOME_ACTIONS.create);
  });
});
