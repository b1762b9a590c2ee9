import { afterEach, describe, expect, it } from 'vitest';
import { LOADING_VALUE, pickDefaultImage } from '../src/messages/catalog-options.js';
import { CREATE_ACTIONS, CREATE_BLOCKS } from '../src/messages/create-modal.js';
import { decodeMetadata } from '../src/messages/metadata.js';
import type { ApprovalRequest } from '../src/operations/submit.js';
import { DEFAULT_IMAGES, SIMULATOR_DEFAULT_FLAVOR } from '../src/simulator/index.js';
import { state, type ViewPayload } from '../src/slack-stand-in/slack-sender.js';
import { createFormValues } from './support/create-form.js';
import {
  ALICE,
  CHANNEL,
  GPU_USER,
  type SlackHarness,
  type SlackHarnessOptions,
  startSlackHarness,
  waitUntil,
} from './support/slack-harness.js';

const H = 3_600_000;
let h: SlackHarness;

async function start(options: SlackHarnessOptions = {}): Promise<SlackHarness> {
  h = await startSlackHarness(options);
  return h;
}
afterEach(async () => {
  await h?.close();
});

async function openCreateModal(text = 'create', user = ALICE): Promise<ViewPayload> {
  await h.sender.slashCommand({ user, channelId: CHANNEL, text });
  return h.lastOpenedView();
}

type OptionsJson = {
  options?: Array<{ value: string; text: { text: string } }>;
  option_groups?: Array<{ label: { text: string }; options: Array<{ value: string; text: { text: string } }> }>;
};

function allOptions(json: unknown): Array<{ value: string; text: string; group?: string }> {
  const o = json as OptionsJson;
  if (o.options) return o.options.map((x) => ({ value: x.value, text: x.text.text }));
  return (o.option_groups ?? []).flatMap((g) =>
    g.options.map((x) => ({ value: x.value, text: x.text.text, group: g.label.text })),
  );
}

async function suggest(view: ViewPayload, blockId: string, value: string, user = ALICE) {
  const res = await h.sender.blockSuggestion({ user, blockId, actionId: 'value', value, view });
  expect(res.status).toBe(200);
  return res;
}

describe('create modal options (block_suggestion)', () => {
  it('lists flavors live from ModelArts: grouped, filtered by typed text, sold out marked, only allowed ones', async () => {
    await start();
    const view = await openCreateModal();
    const all = allOptions((await suggest(view, CREATE_BLOCKS.flavor, '')).json);
    expect(new Set(all.map((o) => o.group))).toEqual(new Set(['CPU', 'GPU', 'Ascend (NPU)']));
    expect(all.find((o) => o.value === 'modelarts.vm.gpu.p100')?.text).toMatch(/sold out/);
    expect(all.find((o) => o.value === 'modelarts.vm.cpu.2u')?.text).toBe('modelarts.vm.cpu.2u · 2 vCPU · 8 GB');
    // The policy keeps V100s for GPU_USER.
    expect(all.some((o) => o.value.includes('v100'))).toBe(false);
    const gpuUser = allOptions((await suggest(view, CREATE_BLOCKS.flavor, 'v100', GPU_USER)).json);
    expect(gpuUser.length).toBeGreaterThan(0);
    expect(gpuUser.every((o) => o.value.includes('v100'))).toBe(true);

    const t4 = allOptions((await suggest(view, CREATE_BLOCKS.flavor, 'gpu t4')).json);
    expect(t4.map((o) => o.value)).toEqual(['modelarts.vm.gpu.t4u8']);
    expect(allOptions((await suggest(view, CREATE_BLOCKS.flavor, 'no-such-flavor')).json)).toEqual([]);
  });

  it('lists images matching the chosen flavor architecture, from view state or private_metadata', async () => {
    await start();
    const view = await openCreateModal();
    const withState = (flavor: string): ViewPayload => ({
      ...view,
      state: { values: { [CREATE_BLOCKS.flavor]: { value: state.external(flavor) } } },
    });
    const arm = allOptions((await suggest(withState('modelarts.vm.snt9b.xlarge.1'), CREATE_BLOCKS.image, '')).json);
    expect(arm.length).toBeGreaterThan(0);
    expect(arm.every((o) => o.text.includes('aarch64') || o.group?.includes('aarch64'))).toBe(true);
    const x86 = allOptions((await suggest(withState(SIMULATOR_DEFAULT_FLAVOR), CREATE_BLOCKS.image, '')).json);
    expect(x86.length).toBeGreaterThan(0);
    expect(x86.some((o) => o.text.includes('aarch64'))).toBe(false);
    const typed = allOptions(
      (await suggest(withState(SIMULATOR_DEFAULT_FLAVOR), CREATE_BLOCKS.image, 'tensorflow')).json,
    );
    expect(typed.length).toBeGreaterThan(0);
    expect(typed.every((o) => o.text.toLowerCase().includes('tensorflow'))).toBe(true);

    // Picking a flavor records it (and its architecture) in private_metadata with the view's hash.
    const current = h.view(view.id);
    const pick = await h.sender.blockActions({
      user: ALICE,
      view: current,
      actions: [
        {
          type: 'external_select',
          action_id: 'value',
          block_id: CREATE_BLOCKS.flavor,
          selected_option: { text: { type: 'plain_text', text: 'snt9b' }, value: 'modelarts.vm.snt9b.xlarge.1' },
        },
      ],
    });
    expect(pick.status).toBe(200);
    const update = await h.slack.waitFor((calls) => calls.find((c) => c.method === 'views.update'));
    expect(update.args['hash']).toBe(current.hash);
    const meta = decodeMetadata(h.view(view.id).private_metadata);
    expect(meta).toMatchObject({
      channelId: CHANNEL,
      flavor: 'modelarts.vm.snt9b.xlarge.1',
      arch: 'AARCH64',
      category: 'ASCEND',
    });
    // No flavor in the state (Slack may leave it out): the metadata decides.
    const fromMeta = allOptions(
      (await suggest({ ...h.view(view.id), state: { values: {} } }, CREATE_BLOCKS.image, '')).json,
    );
    expect(fromMeta.every((o) => o.text.includes('aarch64') || o.group?.includes('aarch64'))).toBe(true);
  });

  it('answers from the Redis cache when ModelArts is slow: stale while revalidating, and a bounded wait when cold', async () => {
    await start({ app: { catalog: { ttlMs: 50, waitMs: 800 } } });
    const view = await openCreateModal();
    await suggest(view, CREATE_BLOCKS.flavor, ''); // fills the cache
    await new Promise((r) => setTimeout(r, 100)); // now stale
    // ModelArts answers catalog calls only after 30 s: an answer that comes before any of those
    // did not wait for ModelArts (an ordering; no stopwatch on a busy machine).
    h.sim.faults.delay({ ms: 30_000, operations: ['listFlavors', 'listImages'] });
    const slowAnswers = () => h.sim.stats.log.filter((e) => e.fault === 'delay').length;
    const slow = await suggest(view, CREATE_BLOCKS.flavor, 'cpu');
    expect(slowAnswers()).toBe(0);
    expect(allOptions(slow.json).some((o) => o.value === 'modelarts.vm.cpu.2u')).toBe(true);

    // A cold cache (fresh prefix: drop the keys) with a slow API: a placeholder after the bounded
    // wait (waitMs), still before ModelArts answers.
    const keys = await h.redis.keys(`${h.prefix}:slack:catalog:*`);
    if (keys.length) await h.redis.del(...keys);
    const cold = await suggest(view, CREATE_BLOCKS.image, '');
    expect(allOptions(cold.json)).toEqual([expect.objectContaining({ value: LOADING_VALUE })]);
    expect(h.sim.stats.calls.listImages).toBeGreaterThan(0); // it did ask, and did not wait
    expect(slowAnswers()).toBe(0);
    // Cut the held calls short so closing the bot does not wait for them.
    await h.sim.stop();
  });
});

describe('create modal UX', () => {
  it('"Show advanced options" updates the modal in place (hash passed, ids kept), and back', async () => {
    await start();
    const view = await openCreateModal();
    expect(JSON.stringify(view)).not.toContain(CREATE_BLOCKS.sshKeys);
    await h.sender.blockActions({
      user: ALICE,
      view,
      actions: [
        {
          type: 'button',
          action_id: CREATE_ACTIONS.toggleAdvanced,
          block_id: CREATE_BLOCKS.advancedToggle,
          value: 'show',
        },
      ],
    });
    const update = await h.slack.waitFor((calls) => calls.find((c) => c.method === 'views.update'));
    expect(update.args['view_id']).toBe(view.id);
    expect(update.args['hash']).toBe(view.hash);
    const advanced = h.view(view.id);
    const ids = (v: ViewPayload) => (v.blocks as Array<{ block_id?: string }>).map((b) => b.block_id).filter(Boolean);
    for (const id of ids(view)) expect(ids(advanced)).toContain(id);
    for (const id of [
      CREATE_BLOCKS.description,
      CREATE_BLOCKS.sshKeys,
      CREATE_BLOCKS.sshIps,
      CREATE_BLOCKS.pool,
      CREATE_BLOCKS.workspace,
      CREATE_BLOCKS.storageUri,
      CREATE_BLOCKS.storageId,
      CREATE_BLOCKS.preStartType,
      CREATE_BLOCKS.preStartScript,
      CREATE_BLOCKS.postStartType,
      CREATE_BLOCKS.postStartScript,
    ]) {
      expect(ids(advanced)).toContain(id);
    }
    expect(decodeMetadata(advanced.private_metadata)).toMatchObject({ channelId: CHANNEL, advanced: true });
  });

  it('choosing dedicated storage opens the advanced options (where its path goes)', async () => {
    await start();
    const view = await openCreateModal();
    await h.sender.blockActions({
      user: ALICE,
      view,
      actions: [
        {
          type: 'static_select',
          action_id: 'value',
          block_id: CREATE_BLOCKS.storageType,
          selected_option: { text: { type: 'plain_text', text: 'OBS' }, value: 'OBS:DEDICATED' },
        },
      ],
    });
    await h.slack.waitFor((calls) => calls.find((c) => c.method === 'views.update'));
    expect(JSON.stringify(h.view(view.id))).toContain(CREATE_BLOCKS.storageUri);
  });
});

describe('create modal submission', () => {
  it('shows every field problem inline, all at once, and queues nothing', async () => {
    await start();
    const view = await openCreateModal();
    const res = await h.sender.viewSubmission({
      user: ALICE,
      view: { ...view, private_metadata: JSON.stringify({ c: CHANNEL, a: true }) },
      values: createFormValues('nb-created', {
        [CREATE_BLOCKS.name]: { value: state.text('no spaces allowed') },
        [CREATE_BLOCKS.flavor]: { value: state.external('modelarts.vm.gpu.p100') },
        [CREATE_BLOCKS.image]: { value: state.external('zzz') },
        [CREATE_BLOCKS.storageSize]: { value: state.number('4097') },
        [CREATE_BLOCKS.leaseDuration]: { value: state.text('soon') },
        [CREATE_BLOCKS.description]: { value: state.text('no <html> please') },
        [CREATE_BLOCKS.sshKeys]: { value: state.text('kp') },
        [CREATE_BLOCKS.sshIps]: { value: state.text('300.1.1.1') },
        [CREATE_BLOCKS.workspace]: { value: state.text('ws') },
        [CREATE_BLOCKS.preStartType]: { value: state.select('SCRIPT') },
        [CREATE_BLOCKS.preStartScript]: { value: state.text('not/absolute.sh') },
        [CREATE_BLOCKS.postStartType]: { value: state.select('COMMAND') },
        [CREATE_BLOCKS.postStartScript]: { value: state.text(null) },
      }),
    });
    expect(res.status).toBe(200);
    const body = res.json as { response_action: string; errors: Record<string, string> };
    expect(body.response_action).toBe('errors');
    expect(Object.keys(body.errors).sort()).toEqual(
      [
        CREATE_BLOCKS.name,
        CREATE_BLOCKS.flavor,
        CREATE_BLOCKS.image,
        CREATE_BLOCKS.storageSize,
        CREATE_BLOCKS.leaseDuration,
        CREATE_BLOCKS.description,
        CREATE_BLOCKS.sshIps,
        CREATE_BLOCKS.workspace,
        CREATE_BLOCKS.preStartScript,
        CREATE_BLOCKS.postStartScript,
      ].sort(),
    );
    expect(body.errors[CREATE_BLOCKS.flavor]).toContain('sold out');
    expect(body.errors[CREATE_BLOCKS.storageSize]).toContain('at most 4096 GB');
    await new Promise((r) => setTimeout(r, 200));
    expect(h.enqueued).toHaveLength(0);
    expect(h.slack.callsTo('chat.postMessage')).toHaveLength(0);
  });

  it('refuses a flavor or a lease the policy does not allow, inline under that field', async () => {
    await start();
    const view = await openCreateModal();
    const flavor = await h.sender.viewSubmission({
      user: ALICE,
      view,
      values: createFormValues('nb-created', {
        [CREATE_BLOCKS.flavor]: { value: state.external('modelarts.vm.gpu.v100') },
      }),
    });
    expect(flavor.json).toMatchObject({
      response_action: 'errors',
      errors: { [CREATE_BLOCKS.flavor]: expect.stringContaining('may not use') },
    });
    const lease = await h.sender.viewSubmission({
      user: ALICE,
      view,
      values: createFormValues('nb-created', { [CREATE_BLOCKS.leaseDuration]: { value: state.text('48h') } }),
    });
    const errors = (lease.json as { errors: Record<string, string> }).errors;
    expect(errors[CREATE_BLOCKS.leaseDuration]).toContain('longest lease you may have is 24');
    expect(errors[CREATE_BLOCKS.leaseDuration]).not.toContain('<@');
    expect(h.enqueued).toHaveLength(0);
  });

  it('an approval-required decision goes to onApprovalRequired, which tells the user; nothing queued, no second note', async () => {
    const approvals: ApprovalRequest[] = [];
    await start({
      policy: { approvals: { channel: 'C0ADMINS', flavors: ['GPU'] }, rate_limit: { per_minute: 1000 } },
      app: {
        // Like src/access's approvals: the flow tells the requester it waits.
        onApprovalRequired: async (r) => {
          approvals.push(r);
          await r.client.chat.postEphemeral({
            channel: r.operation.requester.channelId,
            user: r.operation.requester.userId,
            text: 'waiting for an admin (from the approvals flow)',
          });
        },
      },
    });
    const view = await openCreateModal();
    await h.sender.viewSubmission({
      user: ALICE,
      view,
      values: createFormValues('nb-created', {
        [CREATE_BLOCKS.flavor]: { value: state.external('modelarts.vm.gpu.t4u8') },
      }),
    });
    await waitUntil(() => approvals.length === 1);
    expect(approvals[0]).toMatchObject({
      operation: { kind: 'create', request: { flavor: 'modelarts.vm.gpu.t4u8' } },
      approval: { rule: 'approval_flavor' },
    });
    await h.slack.waitFor((calls) => calls.find((c) => c.method === 'chat.postEphemeral'));
    await new Promise((r) => setTimeout(r, 300));
    expect(h.privateReplies()).toEqual([expect.stringContaining('from the approvals flow')]);
    expect(h.enqueued).toHaveLength(0);
    expect(h.slack.callsTo('chat.postMessage')).toHaveLength(0);
  });

  it('a valid submit closes the modal, posts ONE status message naming the requester, and queues the create', async () => {
    await start();
    const view = await openCreateModal();
    const res = await h.sender.viewSubmission({ user: ALICE, view, values: createFormValues('nb-created') });
    expect(res.status).toBe(200);
    expect(res.text).toBe('');
    await waitUntil(() => h.enqueued.length === 1);
    const op = h.enqueued[0]!;
    expect(op.kind).toBe('create');
    if (op.kind !== 'create') return;
    expect(op.request).toMatchObject({
      name: 'nb-created',
      flavor: SIMULATOR_DEFAULT_FLAVOR,
      volume: { category: 'EVS', ownership: 'MANAGED', capacity: 5 },
      lease: { duration: H, type: 'TIMING' },
    });
    // No image chosen: the newest built-in image for an x86 CPU flavor.
    expect(op.request.image_id).toBe(pickDefaultImage(DEFAULT_IMAGES, { arch: 'X86_64', category: 'CPU' })?.id);
    expect(op.request.image_id).toBeDefined();
    expect(op.requester).toMatchObject({ userId: ALICE.id, channelId: CHANNEL, teamId: 'T0TEAM001' });
    const posts = h.slack.callsTo('chat.postMessage');
    expect(posts).toHaveLength(1);
    expect(posts[0]?.args['channel']).toBe(CHANNEL);
    expect(JSON.stringify(posts[0]?.args)).toContain(`<@${ALICE.id}>`);
    expect(op.statusTs).toBe(h.slack.message(CHANNEL, op.statusTs!)?.['ts']);
  });

  it('Slack retries and double submits make one enqueue, one status message and one notebook', async () => {
    await start();
    await h.startWorker();
    const view = await openCreateModal();
    const values = createFormValues('nb-created', { [CREATE_BLOCKS.name]: { value: state.text('nb-once') } });
    const results = await Promise.all([
      h.sender.viewSubmission({ user: ALICE, view, values }),
      h.sender.viewSubmission({ user: ALICE, view, values }),
      h.sender.viewSubmission({ user: ALICE, view, values }, { retryNum: 1, retryReason: 'http_timeout' }),
    ]);
    for (const r of results) expect(r.status).toBe(200);
    await waitUntil(() => h.enqueued.length >= 1);
    await new Promise((r) => setTimeout(r, 300));
    const late = await h.sender.viewSubmission(
      { user: ALICE, view, values },
      { retryNum: 2, retryReason: 'http_timeout' },
    );
    expect(late.status).toBe(200);
    await new Promise((r) => setTimeout(r, 300));
    expect(h.enqueued).toHaveLength(1);
    expect(h.slack.callsTo('chat.postMessage').filter((c) => !c.args['thread_ts'])).toHaveLength(1);
    expect(await h.waitForJob(h.enqueueResults[0]!.jobId)).toBe('completed');
    expect(h.sim.stats.calls.create).toBe(1);
    expect(h.sim.instances.list().filter((n) => n.name === 'nb-once')).toHaveLength(1);
  });

  it('from App Home (no channel) the status goes to a DM with the requester', async () => {
    await start();
    await h.sender.blockActions({
      user: ALICE,
      view: { id: 'VHOME0001', type: 'home', hash: 'h1' },
      actions: [{ type: 'button', action_id: 'home_create', block_id: 'home_top', value: 'create' }],
    });
    const view = await h.lastOpenedView();
    expect(decodeMetadata(view.private_metadata).channelId).toBeUndefined();
    await h.sender.viewSubmission({
      user: ALICE,
      view,
      values: createFormValues('nb-created', { [CREATE_BLOCKS.name]: { value: state.text('nb-dm') } }),
    });
    await waitUntil(() => h.enqueued.length === 1);
    expect(h.slack.callsTo('conversations.open')[0]?.args['users']).toBe(ALICE.id);
    const post = h.slack.callsTo('chat.postMessage')[0];
    expect(String(post?.args['channel'])).toMatch(/^D/);
    expect(h.enqueued[0]?.requester.channelId).toBe(post?.args['channel']);
  });

  it('when Slack refuses the status for good after the ack, the user hears what happened and can retry', async () => {
    // A passing failure (fatal_error, 429…) queues the create anyway: test/jobs-slack-faults.test.ts.
    await start();
    const view = await openCreateModal();
    h.slack.on('chat.postMessage', () => ({ ok: false, error: 'invalid_blocks' }));
    await h.sender.viewSubmission({ user: ALICE, view, values: createFormValues('nb-created') });
    const eph = await h.slack.waitFor((calls) => calls.find((c) => c.method === 'chat.postEphemeral'));
    expect(String(eph.args['text'])).toContain('could not create');
    expect(String(eph.args['text'])).toContain('invalid_blocks');
    expect(h.enqueued).toHaveLength(0);
    // The dedupe key was released: the same submit can go through once Slack works again.
    h.slack.on('chat.postMessage', () => undefined);
    await h.sender.viewSubmission({ user: ALICE, view, values: createFormValues('nb-created') });
    await waitUntil(() => h.enqueued.length === 1);
  });
});
