import { afterEach, describe, expect, it } from 'vitest';
import { OPEN_JUPYTERLAB_ACTION_ID } from '../src/messages/operation-status.js';
import type { RecordedCall, SlackFault } from '../src/slack-stand-in/fake-slack-api.js';
import type { ViewPayload } from '../src/slack-stand-in/slack-sender.js';
import { createFormValues } from './support/create-form.js';
import { ALICE, CHANNEL, type SlackHarness, startSlackHarness, waitUntil } from './support/slack-harness.js';

/**
 * Nothing lost between Slack and the worker: the whole bot (Bolt app over signed HTTP, the real
 * workers, the simulator, FakeSlackApi) with Slack failing at the worst moments. Whatever a
 * passing failure hits (the first status message of a create, or the ready update and its thread
 * reply), the notebook is created exactly once and its JupyterLab URL reaches the channel; when
 * the message or the channel is gone for good, the outcome still reaches the requester.
 */

let h: SlackHarness | undefined;
afterEach(async () => {
  await h?.close();
  h = undefined;
});

const FAULTS: Array<[string, SlackFault]> = [
  ['429 with Retry-After', { error: 'ratelimited', retryAfterSec: 1, count: 3 }],
  ['internal_error', { error: 'internal_error', count: 3 }],
];

const isReady = (args: Record<string, unknown>) => JSON.stringify(args['blocks'] ?? '').includes('is ready');

function openButtonUrl(message: Record<string, unknown> | undefined): string | undefined {
  for (const b of (message?.['blocks'] as Array<Record<string, unknown>> | undefined) ?? []) {
    if (b['type'] !== 'actions') continue;
    for (const e of b['elements'] as Array<Record<string, unknown>>) {
      if (e['action_id'] === OPEN_JUPYTERLAB_ACTION_ID) return e['url'] as string;
    }
  }
  return undefined;
}

async function start(): Promise<SlackHarness> {
  h = await startSlackHarness();
  await h.startWorker();
  return h;
}

/** `/notebook create`, then the modal submitted with `name`: what a person does. */
async function submitCreate(stack: SlackHarness, name: string): Promise<void> {
  await stack.sender.slashCommand({ user: ALICE, channelId: CHANNEL, text: 'create' });
  await stack.slack.waitFor(() => stack.slack.openedViews().length > 0);
  const view = stack.slack.openedViews().at(-1) as unknown as ViewPayload;
  const res = await stack.sender.viewSubmission({ user: ALICE, view, values: createFormValues(name) });
  expect(res.status).toBe(200);
  await waitUntil(() => stack.enqueueResults.length === 1);
}

/** Top-level messages Slack accepted in `channel`. */
function topLevelPosts(stack: SlackHarness, channel: string): RecordedCall[] {
  return stack.slack.callsTo('chat.postMessage').filter((c) => c.args['channel'] === channel && !c.args['thread_ts']);
}

const tsOf = (c: RecordedCall | undefined) => String(c?.response?.['ts'] ?? '');
const refused = (stack: SlackHarness, method: string) =>
  stack.slack.calls.filter((c) => c.method.startsWith(`${method}#`));

/** The JupyterLab URL shown by the message `ts` of `channel`, once it shows one. */
function urlIn(stack: SlackHarness, channel: string, ts: string, timeoutMs = 20_000): Promise<string> {
  return waitUntil(() => openButtonUrl(stack.slack.message(channel, ts)), timeoutMs);
}

describe('Slack fails the first status message of a create', () => {
  for (const [label, fault] of FAULTS) {
    it(`${label} ×3: queued anyway, the message posted once Slack takes it, created once, URL in the channel`, {
      timeout: 60_000,
    }, async () => {
      const stack = await start();
      stack.slack.fail('chat.postMessage', { ...fault, when: (a) => !a['thread_ts'] });
      await submitCreate(stack, 'nb-hiccup');
      // Queued without a status message: the web side could not post one.
      expect(stack.enqueued[0]?.statusTs).toBeUndefined();
      expect(await stack.waitForJob(stack.enqueueResults[0]!.jobId, 45_000)).toBe('completed');

      expect(stack.sim.stats.calls.create).toBe(1);
      expect(stack.sim.instances.count()).toBe(1);
      expect(refused(stack, 'chat.postMessage')).toHaveLength(3);
      // One status message, the one Slack finally took, showing the JupyterLab button.
      const posts = topLevelPosts(stack, CHANNEL);
      expect(posts).toHaveLength(1);
      const ts = tsOf(posts[0]);
      expect(await urlIn(stack, CHANNEL, ts)).toMatch(/^https:\/\//);
      // The ready reply in its thread, once.
      await stack.slack.waitFor(() => stack.slack.callsTo('chat.postMessage').find((c) => c.args['thread_ts'] === ts));
      // The requester heard that the request waits for Slack, not silence.
      expect(stack.privateReplies().some((t) => t.includes('Your request is queued'))).toBe(true);
    });
  }
});

/**
 * Submits a create whose instance hangs in CREATING, lets the status message show progress,
 * arms `arm` (Slack failures), then lets the instance come up. Returns the status message's ts.
 */
async function createThenFailAfterRunning(stack: SlackHarness, arm: () => void): Promise<string> {
  stack.sim.faults.hangNextCreates(1);
  await submitCreate(stack, 'nb-late-hiccup');
  const ts = stack.enqueued[0]!.statusTs!;
  const id = await waitUntil(() => stack.sim.instances.list()[0]?.id);
  // The progress update went out; what fails from here is what comes after RUNNING.
  await stack.slack.waitFor(() => stack.slack.callsTo('chat.update').find((c) => c.args['ts'] === ts));
  arm();
  stack.sim.instances.force(id, 'RUNNING');
  expect(await stack.waitForJob(stack.enqueueResults[0]!.jobId, 30_000)).toBe('completed');
  return ts;
}

describe('Slack fails the ready update and its thread reply', () => {
  for (const [label, fault] of FAULTS) {
    it(`${label} ×3 on chat.update and on the reply: the URL still reaches the channel, once`, {
      timeout: 60_000,
    }, async () => {
      const stack = await start();
      const ts = await createThenFailAfterRunning(stack, () => {
        stack.slack.fail('chat.update', { ...fault, when: isReady });
        stack.slack.fail('chat.postMessage', { ...fault, when: (a) => a['thread_ts'] !== undefined });
      });
      expect(await urlIn(stack, CHANNEL, ts)).toMatch(/^https:\/\//);
      await stack.slack.waitFor(() => stack.slack.callsTo('chat.postMessage').find((c) => c.args['thread_ts'] === ts));
      expect(refused(stack, 'chat.update')).toHaveLength(3);
      expect(refused(stack, 'chat.postMessage')).toHaveLength(3);
      expect(stack.sim.stats.calls.create).toBe(1);
      // Exactly once: one ready reply, and no extra top-level message.
      await new Promise((r) => setTimeout(r, 300));
      expect(stack.slack.callsTo('chat.postMessage').filter((c) => c.args['thread_ts'] === ts)).toHaveLength(1);
      expect(topLevelPosts(stack, CHANNEL)).toHaveLength(1);
    });
  }

  it('the status message cannot be edited any more: the ready state (with its URL) is posted anew', {
    timeout: 60_000,
  }, async () => {
    const stack = await start();
    await createThenFailAfterRunning(stack, () => {
      stack.slack.fail('chat.update', { error: 'message_not_found', count: 100, when: isReady });
    });
    const fresh = await waitUntil(() => topLevelPosts(stack, CHANNEL).find((c) => isReady(c.args)));
    expect(await urlIn(stack, CHANNEL, tsOf(fresh))).toMatch(/^https:\/\//);
    expect(refused(stack, 'chat.update')).toHaveLength(1);
  });

  it('the channel is gone: the ready state (with its URL) goes to the requester as a DM', {
    timeout: 60_000,
  }, async () => {
    const stack = await start();
    await createThenFailAfterRunning(stack, () => {
      stack.slack.fail('chat.update', { error: 'channel_not_found', count: 100 });
      stack.slack.fail('chat.postMessage', {
        error: 'channel_not_found',
        count: 100,
        when: (a) => a['channel'] === CHANNEL,
      });
    });
    const dm = await waitUntil(() =>
      stack.slack.callsTo('chat.postMessage').find((c) => c.args['channel'] !== CHANNEL && isReady(c.args)),
    );
    expect(stack.slack.callsTo('conversations.open').map((c) => c.args['users'])).toContain(ALICE.id);
    expect(await urlIn(stack, String(dm.args['channel']), tsOf(dm))).toMatch(/^https:\/\//);
    expect(stack.sim.stats.calls.create).toBe(1);
  });
});
