import { expect } from 'vitest';
import { type AccessControlService, createAccessControl } from '../../src/access/access-control.js';
import { type Approvals, createApprovals } from '../../src/access/approvals.js';
import type { StoredAuditEntry } from '../../src/access/audit.js';
import { parsePolicyObject } from '../../src/access/policy.js';
import type { OperationWorkerHandle } from '../../src/jobs/worker.js';
import type { Logger } from '../../src/logger.js';
import { APPROVAL_BLOCK_ID, APPROVE_ACTION_ID, DENY_ACTION_ID } from '../../src/messages/approvals.js';
import { encodeLeaseActionValue } from '../../src/messages/lease-blocks.js';
import type { ModelArtsClientAuth } from '../../src/modelarts/client.js';
import { SIMULATOR_DEFAULT_FLAVOR, type SimulatorOptions } from '../../src/simulator/index.js';
import type { SlackApp } from '../../src/slack/app.js';
import { registerApprovalActions } from '../../src/slack/listeners/actions/approval-buttons.js';
import { registerLeaseActions } from '../../src/slack/listeners/actions/lease-buttons.js';
import type { RecordedCall } from '../../src/slack-stand-in/fake-slack-api.js';
import type { SenderResponse, SlackSender, UserRef, ViewPayload } from '../../src/slack-stand-in/slack-sender.js';
import { recordCalls, type Stack, startSlackSurface, startStack, textOf, waitUntil, webClient } from './stack.js';

export { textOf, waitUntil } from './stack.js';

/**
 * The end-to-end access tests' world, every part real and wired the way the composition root
 * wires it (src/app/roles.ts): the shared stack (./stack.ts: simulator, FakeSlackApi, Redis, the
 * BullMQ producer and, on demand, the real workers) with access control, approvals with their
 * buttons, the lease buttons, and the Bolt app on its real HTTP receiver, driven by signed
 * requests.
 */

export const H = 3_600_000;
export const CHANNEL = 'C0ACCESS01';
export const OTHER_CHANNEL = 'C0ELSEWHR1';
export const APPROVALS_CHANNEL = 'C0APPROVE1';
export const ADMIN: UserRef = { id: 'U0ADMIN001', name: 'admin' };
export const ALICE: UserRef = { id: 'U0ALICE001', name: 'alice' };
export const BOB: UserRef = { id: 'U0BOB00001', name: 'bob' };
/** A member of the user group S0TEAM001 (see `membership`). */
export const CAROL: UserRef = { id: 'U0CAROL001', name: 'carol' };
/** A member of the channel C0MEMBERS1 (see `membership`). */
export const DAN: UserRef = { id: 'U0DAN00001', name: 'dan' };
/** On no list at all. */
export const MALLORY: UserRef = { id: 'U0MALLORY1', name: 'mallory' };
export const GPU_USER: UserRef = { id: 'U0GPUUSER1', name: 'gpu' };
export const TEAM_GROUP = 'S0TEAM001';
export const MEMBERS_CHANNEL = 'C0MEMBERS1';
export const V100 = 'modelarts.vm.gpu.v100';
export const CPU = SIMULATOR_DEFAULT_FLAVOR;

/** The mutating ModelArts calls: a refusal must cause none of them. */
export const MUTATING = ['create', 'start', 'stop', 'delete', 'renewLease', 'update'] as const;

export interface AccessHarnessOptions {
  /** Policy file object (snake_case). */
  policy: Record<string, unknown>;
  /** Every component logs here (default: silent, or TEST_LOG_LEVEL). */
  logger?: Logger;
  botToken?: string;
  signingSecret?: string;
  sim?: SimulatorOptions;
  /** Credentials of the ModelArts client (default: the simulator's AK/SK). */
  modelartsAuth?: ModelArtsClientAuth;
  /** Clock scale (simulated ms per real ms); default 300. */
  scale?: number;
}

export interface AccessHarness extends Stack {
  /** ModelArts calls made by the web side (Bolt listeners, lease buttons), in order. */
  webModelArtsCalls: string[];
  access: AccessControlService;
  approvals: Approvals | undefined;
  app: SlackApp;
  sender: SlackSender;
  /** Starts the real workers (ops and Slack queues), with the audit and App Home hooks. */
  startWorker(): Promise<OperationWorkerHandle>;
  /**
   * Between tests of one file (one world per file is fast): empties the simulator, the Slack
   * log, the queue log and the web side's ModelArts calls, the notebook records and the audit.
   */
  reset(): Promise<void>;
  /** A slash command in `channelId` (default CHANNEL); asserts a fast 200. */
  command(text: string, user?: UserRef, channelId?: string): Promise<{ ack: string; responseUrl: string }>;
  /** The private answer posted on a command's response_url. */
  privateReply(responseUrl: string): Promise<string>;
  /** The newest ephemeral (chat.postEphemeral) or DM (chat.postMessage to D…) for `user`, as JSON text. */
  privateMessageTo(user: UserRef, predicate?: (text: string) => boolean): Promise<string>;
  /** The create modal, opened by `/notebook create` (waits for views.open). */
  openCreateModal(user?: UserRef, channelId?: string): Promise<ViewPayload>;
  /** A click on a lease warning's button in CHANNEL, for a seeded notebook (its live lease in the value). */
  clickLeaseButton(user: UserRef, actionId: string, notebookId: string, name: string): Promise<unknown>;
  /** Asserts that nothing was changed in ModelArts and nothing was queued. */
  expectNothingChanged(): void;
  /** Newest audit entries first. */
  audit(): Promise<StoredAuditEntry[]>;
  /**
   * The approval request posted in APPROVALS_CHANNEL (the `after`-th, default the first), with its
   * id (the buttons' value) and ts once stored; asserts it offers Approve and Deny.
   */
  approvalRequest(after?: number): Promise<{ call: RecordedCall; id: string; ts: string }>;
  /** A click on an approval request's Approve or Deny button. */
  clickApproval(user: UserRef, actionId: string, approval: { id: string; ts: string }): Promise<SenderResponse>;
}

export async function startAccessHarness(options: AccessHarnessOptions): Promise<AccessHarness> {
  const botToken = options.botToken ?? 'xoxb-access-e2e-bot-token';
  const signingSecret = options.signingSecret ?? 'access-e2e-signing-secret-000001';
  const stack = await startStack({
    botToken,
    channel: CHANNEL,
    label: 'acc',
    ...(options.scale ? { scale: options.scale } : {}),
    sim: { notFound: '404', ...options.sim },
    modelarts: { retryBaseMs: 50, ...(options.modelartsAuth ? { auth: options.modelartsAuth } : {}) },
    ...(options.logger ? { logger: options.logger } : {}),
  });
  const { sim, slack, redis, prefix, clock, logger, store, enqueued, recordingQueue } = stack;
  // Membership as Slack reports it: one user group, one channel.
  slack.on('usergroups.users.list', (args) =>
    args['usergroup'] === TEAM_GROUP ? { ok: true, users: [CAROL.id] } : { ok: true, users: [] },
  );
  slack.on('conversations.members', (args) =>
    args['channel'] === MEMBERS_CHANNEL
      ? { ok: true, members: [DAN.id], response_metadata: { next_cursor: '' } }
      : undefined,
  );
  // The web side's ModelArts calls, recorded by a decorator over the real client (not a mock).
  const webModelArtsCalls: string[] = [];
  const webModelArts = recordCalls(stack.modelarts, (method) => webModelArtsCalls.push(method));

  const policy = parsePolicyObject(options.policy, { source: '(e2e)' });
  // Web API clients log through the bot's logger too (its redaction covers their lines).
  const web = webClient(stack);
  const access = createAccessControl({ policy, redis, prefix, slack: web, store, logger, clock });
  const approvals = policy.approvals
    ? createApprovals({ redis, prefix, client: web, access, queue: recordingQueue, logger, clock })
    : undefined;
  const { app, sender } = await startSlackSurface(stack, {
    signingSecret,
    access,
    modelarts: webModelArts,
    app: {
      // As src/app/roles.ts wires it.
      ...(approvals
        ? {
            onApprovalRequired: async (req) => {
              await approvals.requestApproval({
                op: req.operation,
                decision: { allowed: true, approval: req.approval },
              });
            },
          }
        : {}),
    },
    register: ({ app }) => {
      registerLeaseActions(app, {
        api: webModelArts,
        queue: recordingQueue,
        access,
        store,
        redis,
        prefix,
        clock,
        logger,
        ...(approvals ? { approvals } : {}),
      });
      if (approvals) registerApprovalActions(app, { approvals, access, logger });
    },
  });

  const startWorker = stack.startWorker;
  const closeStack = stack.close;
  const extras: Omit<AccessHarness, keyof Stack> & Pick<AccessHarness, 'startWorker' | 'close'> = {
    webModelArtsCalls,
    access,
    approvals,
    app,
    sender,

    startWorker: () =>
      startWorker({
        audit: (entry) => access.audit(entry),
        onNotebookChanged: (r) => (r.ownerId ? app.publishHome(r.ownerId) : undefined),
      }),

    async reset() {
      // Operations a test queued but never ran (no worker) must not run in the next test's worker.
      await stack.queue.queue.obliterate({ force: true });
      sim.reset();
      slack.reset();
      enqueued.length = 0;
      stack.enqueueResults.length = 0;
      webModelArtsCalls.length = 0;
      const keys = await redis.keys(`${prefix}:nb*`);
      if (keys.length) await redis.del(...keys);
      await redis.del(`${prefix}:audit`);
    },

    async approvalRequest(after = 0) {
      const call = await slack.waitFor(
        (calls) =>
          calls.filter((c) => c.method === 'chat.postMessage' && c.args['channel'] === APPROVALS_CHANNEL)[after],
      );
      const actions = (
        call.args['blocks'] as Array<{ type: string; elements?: Array<{ action_id: string; value: string }> }>
      ).find((b) => b.type === 'actions')!.elements!;
      expect(actions.map((a) => a.action_id)).toEqual([APPROVE_ACTION_ID, DENY_ACTION_ID]);
      const id = actions[0]!.value;
      const record = await waitUntil(async () => {
        const r = await approvals?.get(id);
        return r?.ts ? r : undefined;
      });
      return { call, id, ts: record.ts! };
    },

    clickApproval(user, actionId, approval) {
      return sender.blockActions({
        user,
        channelId: APPROVALS_CHANNEL,
        messageTs: approval.ts,
        isEphemeral: false,
        actions: [{ type: 'button', action_id: actionId, block_id: APPROVAL_BLOCK_ID, value: approval.id }],
      });
    },

    async command(text, user = ALICE, channelId = CHANNEL) {
      const res = await sender.slashCommand({ user, channelId, text });
      expect(res.status).toBe(200);
      const ack = res.json as { text?: string; blocks?: unknown } | undefined;
      return { ack: ack ? JSON.stringify(ack) : '', responseUrl: res.responseUrl };
    },

    async privateReply(responseUrl) {
      const path = new URL(responseUrl).pathname;
      const call = await slack.waitFor((calls) =>
        calls.find((c) => c.method === 'response_url' && c.args['response_path'] === path),
      );
      return textOf(call);
    },

    async privateMessageTo(user, predicate = () => true) {
      const call = await slack.waitFor((calls) =>
        [...calls]
          .reverse()
          .find(
            (c) =>
              ((c.method === 'chat.postEphemeral' && c.args['user'] === user.id) ||
                (c.method === 'chat.postMessage' &&
                  (c.args['channel'] === user.id || String(c.args['channel']) === `D${user.id.slice(1)}`))) &&
              predicate(textOf(c)),
          ),
      );
      return textOf(call);
    },

    async openCreateModal(user = ALICE, channelId = CHANNEL) {
      const before = slack.openedViews().length;
      await sender.slashCommand({ user, channelId, text: 'create' });
      await slack.waitFor(() => slack.openedViews().length > before);
      return slack.openedViews().at(-1) as unknown as ViewPayload;
    },

    clickLeaseButton(user, actionId, notebookId, name) {
      const live = sim.instances.get(notebookId)!;
      return sender.blockActions({
        user,
        channelId: CHANNEL,
        messageTs: '1700000100.000100',
        isEphemeral: false,
        actions: [
          {
            type: 'button',
            action_id: actionId,
            block_id: `lease_actions:${notebookId}`,
            value: encodeLeaseActionValue({
              notebookId,
              name,
              createAt: live.lease.create_at,
              durationMs: live.lease.duration,
              type: 'TIMING',
            }),
          },
        ],
      });
    },

    expectNothingChanged() {
      for (const op of MUTATING) expect(sim.stats.calls[op], `ModelArts ${op} calls`).toBe(0);
      expect(enqueued, 'operations queued').toHaveLength(0);
    },

    audit() {
      return access.readAudit({ limit: 200 });
    },

    async close() {
      await app.stop().catch(() => undefined);
      await closeStack();
    },
  };
  return Object.assign(stack, extras);
}
