import { type AccessControlService, createAccessControl } from '../../src/access/access-control.js';
import { parsePolicyObject } from '../../src/access/policy.js';
import type { OperationWorkerHandle } from '../../src/jobs/worker.js';
import type { SimulatorOptions } from '../../src/simulator/index.js';
import type { CreateSlackAppOptions, SlackApp } from '../../src/slack/app.js';
import type { SlackSender, ViewPayload } from '../../src/slack-stand-in/slack-sender.js';
import { recordCalls, type Stack, startSlackSurface, startStack, textOf, webClient } from './stack.js';

export { waitUntil } from './stack.js';

export const BOT_TOKEN = 'xoxb-test-slack-surface';
export const SIGNING_SECRET = '8f742231b10e8888abcd99yyyzzz85a5';
export const CHANNEL = 'C0SLACK001';
export const ALICE = { id: 'U0ALICE01', name: 'alice' };
export const BOB = { id: 'U0BOB0001', name: 'bob' };
/** Only this user may use V100 flavors in the test policy. */
export const GPU_USER = { id: 'U0GPU0001', name: 'gpu' };

export interface SlackHarnessOptions {
  /** Policy file object (snake_case); default: V100 only for GPU_USER, leases ≤ 24 h. */
  policy?: Record<string, unknown>;
  sim?: SimulatorOptions;
  app?: Partial<CreateSlackAppOptions>;
}

/**
 * Everything an end-to-end Slack surface test needs, all real: the shared stack (./stack.ts) with
 * access control and the Bolt app over HTTP, driven by signed requests.
 */
export interface SlackHarness extends Stack {
  /** Wall-clock time of every ModelArts call the Slack side made (the Bolt app's client only). */
  modelartsCalls: Array<{ method: string; at: number }>;
  access: AccessControlService;
  app: SlackApp;
  /** `http://127.0.0.1:<port>` of the Bolt HTTP receiver. */
  baseUrl: string;
  sender: SlackSender;
  /** Starts the real workers, refreshing App Home like the composition root does. */
  startWorker(): Promise<OperationWorkerHandle>;
  /** The latest view Slack holds for an id (after views.update). */
  view(id: string): ViewPayload;
  /** The view opened by the last views.open call. */
  lastOpenedView(): Promise<ViewPayload>;
  /** Posts to response_url and ephemeral messages, newest last, as text. */
  privateReplies(): string[];
}

/** A recorded call's text and blocks as one string. */
export const replyText = textOf;

export async function startSlackHarness(options: SlackHarnessOptions = {}): Promise<SlackHarness> {
  const stack = await startStack({
    botToken: BOT_TOKEN,
    channel: CHANNEL,
    label: 'slack',
    ...(options.sim ? { sim: options.sim } : {}),
    modelarts: { retryBaseMs: 50 },
  });
  const { slack, redis, prefix, clock, logger, store } = stack;
  const modelartsCalls: Array<{ method: string; at: number }> = [];
  const policy = parsePolicyObject(
    options.policy ?? {
      flavors: { rules: [{ match: 'modelarts.vm.gpu.v100*', allow: [GPU_USER.id] }] },
      leases: { max_hours: 24 },
      rate_limit: { per_minute: 1000 },
    },
    { source: '(test)' },
  );
  const access = createAccessControl({ policy, redis, prefix, slack: webClient(stack), store, logger, clock });
  const { app, sender, baseUrl } = await startSlackSurface(stack, {
    signingSecret: SIGNING_SECRET,
    access,
    modelarts: recordCalls(stack.modelarts, (method) => modelartsCalls.push({ method, at: Date.now() })),
    ...(options.app ? { app: options.app } : {}),
  });

  const startWorker = stack.startWorker;
  const closeStack = stack.close;
  return Object.assign(stack, {
    modelartsCalls,
    access,
    app,
    baseUrl,
    sender,
    startWorker: () => startWorker({ onNotebookChanged: (r) => (r.ownerId ? app.publishHome(r.ownerId) : undefined) }),
    view(id: string) {
      const v = slack.view(id);
      if (!v) throw new Error(`no view ${id}`);
      return v as unknown as ViewPayload;
    },
    async lastOpenedView() {
      await slack.waitFor(() => slack.openedViews().length > 0);
      return slack.openedViews().at(-1) as unknown as ViewPayload;
    },
    privateReplies() {
      return slack.calls.filter((c) => c.method === 'response_url' || c.method === 'chat.postEphemeral').map(textOf);
    },
    async close() {
      await app.stop().catch(() => undefined);
      await closeStack();
    },
  });
}
