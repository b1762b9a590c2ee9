import { App, LogLevel, type Receiver, type ReceiverEvent } from '@slack/bolt';
import { WebClient } from '@slack/web-api';
import type { Redis } from 'ioredis';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { type AccessControlService, createAccessControl } from '../src/access/access-control.js';
import {
  APPROVE_ACTION_ID,
  type ApprovalDecision,
  ApprovalPostError,
  type Approvals,
  approvalIdFor,
  createApprovals,
  DENY_ACTION_ID,
} from '../src/access/approvals.js';
import { parsePolicy } from '../src/access/policy.js';
import { ManualClock } from '../src/clock.js';
import { createOperationQueue } from '../src/jobs/producer.js';
import { createLogger } from '../src/logger.js';
import { CreateNotebookRequestSchema } from '../src/modelarts/schemas.js';
import type { CreateOperation, EnqueueResult, Operation, OperationQueue } from '../src/operations/types.js';
import { registerApprovalActions } from '../src/slack/listeners/actions/approval-buttons.js';
import { FakeSlackApi, type RecordedCall } from '../src/slack-stand-in/fake-slack-api.js';
import { NotebookStore } from '../src/store/notebooks.js';
import { deletePrefix, newRedis, uniquePrefix } from './support/redis.js';

const HOUR = 3_600_000;

/** Feeds payloads straight into the app, as Bolt's receivers do after verifying a request. */
class TestReceiver implements Receiver {
  private app: App | undefined;
  init(app: App): void {
    this.app = app;
  }
  start(): Promise<void> {
    return Promise.resolve();
  }
  stop(): Promise<void> {
    return Promise.resolve();
  }
  async send(body: Record<string, unknown>): Promise<void> {
    let acked = false;
    const event: ReceiverEvent = {
      body,
      ack: async () => {
        acked = true;
      },
    };
    await this.app!.processEvent(event);
    if (!acked) throw new Error('the listener did not ack');
  }
}

/** An OperationQueue that records what it is given (and can be told to fail). */
class RecordingQueue implements OperationQueue {
  readonly ops: Operation[] = [];
  failNext = 0;
  async enqueue(op: Operation): Promise<EnqueueResult> {
    if (this.failNext > 0) {
      this.failNext -= 1;
      throw new Error('redis down');
    }
    const duplicate = this.ops.some((o) => o.opId === op.opId);
    if (!duplicate) this.ops.push(op);
    return { jobId: op.opId, duplicate };
  }
}

describe('approvals', () => {
  let slack: FakeSlackApi;
  let web: WebClient;
  let redis: Redis;
  let prefix: string;
  let clock: ManualClock;
  let queue: RecordingQueue;
  let access: AccessControlService;
  let approvals: Approvals;
  let receiver: TestReceiver;

  const decision: ApprovalDecision = {
    allowed: true,
    approval: { rule: 'approval_flavor', reason: "flavor modelarts.bm.snt9.xlarge.8 needs an admin's approval" },
  };

  function createOp(over: Partial<CreateOperation> = {}): CreateOperation {
    return {
      kind: 'create',
      opId: 'op-create-1',
      requester: { userId: 'U0ALICE', channelId: 'C0PROJ' },
      requestedAt: clock.now(),
      request: CreateNotebookRequestSchema.parse({
        name: 'big-nb',
        flavor: 'modelarts.bm.snt9.xlarge.8',
        image_id: 'e1a07296-22a8-4f05-8bc8-e936c8e54202',
        volume: { category: 'EVS', ownership: 'MANAGED', capacity: 5 },
        lease: { duration: 20 * HOUR },
      }),
      ...over,
    };
  }

  function click(userId: string, value: string, actionId = APPROVE_ACTION_ID): Promise<void> {
    return receiver.send({
      type: 'block_actions',
      team: { id: 'T0TEAM001', domain: 'fake' },
      user: { id: userId, username: userId.toLowerCase(), name: userId.toLowerCase(), team_id: 'T0TEAM001' },
      api_app_id: 'A0APP',
      token: 'legacy-verification-token',
      trigger_id: '123.456.abc',
      container: { type: 'message', message_ts: '1700000001.000001', channel_id: 'C0APPR', is_ephemeral: false },
      channel: { id: 'C0APPR', name: 'approvals' },
      message: { type: 'message', ts: '1700000001.000001', text: 'Approval needed' },
      response_url: `${slack.baseUrl}/response/T0TEAM001/1/abc`,
      state: { values: {} },
      actions: [
        {
          type: 'button',
          action_id: actionId,
          block_id: 'nbbot_approval',
          value,
          text: { type: 'plain_text', text: 'Approve' },
          action_ts: '1700000002.000000',
        },
      ],
    });
  }

  const ephemeralsTo = (user: string): string[] =>
    slack
      .callsTo('chat.postEphemeral')
      .filter((c) => c.args['user'] === user)
      .map((c) => String(c.args['text']));
  const dmsTo = (user: string): string[] =>
    slack
      .callsTo('chat.postMessage')
      .filter((c) => c.args['channel'] === user)
      .map((c) => String(c.args['text']));
  const updatesOf = (channel: string): RecordedCall[] =>
    slack.callsTo('chat.update').filter((c) => c.args['channel'] === channel);

  beforeEach(async () => {
    slack = await new FakeSlackApi().start();
    web = new WebClient('xoxb-test', { slackApiUrl: slack.apiUrl, retryConfig: { retries: 0 } });
    redis = newRedis();
    prefix = uniquePrefix('appr');
    clock = new ManualClock(Date.UTC(2026, 0, 5, 9, 0, 0));
    queue = new RecordingQueue();
    const logger = createLogger({ level: 'silent' });
    const policy = parsePolicy(
      'admins: [U0ADMIN, U0ADMIN2]\napprovals: { channel: C0APPR, expiry_hours: 24, flavors: [ASCEND] }',
      { source: 'test' },
    );
    access = createAccessControl({
      policy,
      redis,
      prefix,
      slack: web,
      store: new NotebookStore({ redis, prefix }),
      logger,
      clock,
    });
    approvals = createApprovals({ redis, prefix, client: web, access, queue, logger, clock });
    receiver = new TestReceiver();
    const app = new App({
      token: 'xoxb-test',
      receiver,
      logLevel: LogLevel.ERROR,
      clientOptions: { slackApiUrl: slack.apiUrl, retryConfig: { retries: 0 } },
    });
    registerApprovalActions(app, { approvals, access, logger });
  });

  afterEach(async () => {
    await deletePrefix(redis, prefix);
    await redis.quit();
    await slack.stop();
  });

  it('holds the operation: stored, posted with Approve/Deny, requester told, nothing enqueued', async () => {
    const op = createOp();
    const res = await approvals.requestApproval({ op, decision });
    expect(res).toEqual({ approvalId: approvalIdFor(op.opId), expiresAt: clock.now() + 24 * HOUR, duplicate: false });

    const [post] = slack.callsTo('chat.postMessage');
    expect(post?.args['channel']).toBe('C0APPR');
    expect(post?.args['text']).toBe(
      'Approval needed: <@U0ALICE> asks to create notebook big-nb (flavor modelarts.bm.snt9.xlarge.8, lease 20 h)',
    );
    const blocks = post?.args['blocks'] as Array<Record<string, unknown>>;
    expect(JSON.stringify(blocks[0])).toContain("flavor modelarts.bm.snt9.xlarge.8 needs an admin's approval");
    expect(blocks[2]).toMatchObject({
      type: 'actions',
      elements: [
        { action_id: APPROVE_ACTION_ID, value: res.approvalId, style: 'primary' },
        { action_id: DENY_ACTION_ID, value: res.approvalId, style: 'danger' },
      ],
    });

    expect(ephemeralsTo('U0ALICE')).toEqual([expect.stringContaining("needs an admin's approval")]);
    expect(ephemeralsTo('U0ALICE')[0]).toContain('It was sent to <#C0APPR>');
    expect(queue.ops).toEqual([]);
    expect(await approvals.get(res.approvalId)).toMatchObject({
      status: 'pending',
      op,
      channel: 'C0APPR',
      ts: expect.any(String),
    });
    expect((await access.readAudit())[0]).toMatchObject({
      userId: 'U0ALICE',
      action: 'create',
      outcome: 'approval_requested',
      rule: 'approval_flavor',
    });

    // A Slack retry of the same request: same approval, nothing posted again.
    expect(await approvals.requestApproval({ op, decision })).toMatchObject({
      approvalId: res.approvalId,
      duplicate: true,
    });
    expect(slack.callsTo('chat.postMessage')).toHaveLength(1);
  });

  it('an admin approves: the stored operation is enqueued exactly once, however many clicks', async () => {
    const op = createOp();
    const { approvalId } = await approvals.requestApproval({ op, decision });
    await Promise.all([click('U0ADMIN', approvalId), click('U0ADMIN', approvalId), click('U0ADMIN2', approvalId)]);

    expect(queue.ops).toEqual([op]);
    const record = await approvals.get(approvalId);
    expect(record?.status).toBe('approved');
    const winner = record?.decidedBy;
    expect(['U0ADMIN', 'U0ADMIN2']).toContain(winner);

    const update = updatesOf('C0APPR');
    expect(update).toHaveLength(1);
    expect(update[0]?.args['text']).toContain(`Approved by <@${winner}>`);
    expect(JSON.stringify(update[0]?.args['blocks'])).not.toContain(APPROVE_ACTION_ID);
    expect(dmsTo('U0ALICE')).toEqual([
      `:white_check_mark: <@${winner}> approved your request to create notebook \`big-nb\` (flavor \`modelarts.bm.snt9.xlarge.8\`, lease 20 h). It is on its way.`,
    ]);
    const losers = [...ephemeralsTo('U0ADMIN'), ...ephemeralsTo('U0ADMIN2')];
    expect(losers).toHaveLength(2);
    for (const text of losers) expect(text).toMatch(new RegExp(`^This request was already approved by <@${winner}>`));
    expect((await access.readAudit()).filter((e) => e.outcome === 'approved')).toHaveLength(1);
  });

  it('with the real BullMQ producer: approved once, one job with the stored operation', async () => {
    const producer = createOperationQueue({ connection: redis, prefix });
    const real = createApprovals({
      redis,
      prefix,
      client: web,
      access,
      queue: producer,
      logger: createLogger({ level: 'silent' }),
      clock,
    });
    const op = createOp({ opId: 'op-bullmq-1' });
    const { approvalId } = await real.requestApproval({ op, decision });
    expect(await producer.queue.count()).toBe(0); // nothing is created before approval
    const results = await Promise.all([
      real.decide({ approvalId, userId: 'U0ADMIN', approve: true }),
      real.decide({ approvalId, userId: 'U0ADMIN2', approve: true }),
    ]);
    expect(results.map((r) => r.kind).sort()).toEqual(['already', 'approved']);
    const jobs = await producer.queue.getJobs(['waiting']);
    expect(jobs).toHaveLength(1);
    expect(jobs[0]?.data.op).toEqual(op);
    await producer.queue.obliterate({ force: true });
    await producer.close();
  });

  it('an admin denies: nothing is enqueued and the requester is told', async () => {
    const { approvalId } = await approvals.requestApproval({ op: createOp(), decision });
    await click('U0ADMIN', approvalId, DENY_ACTION_ID);
    expect(queue.ops).toEqual([]);
    expect((await approvals.get(approvalId))?.status).toBe('denied');
    expect(dmsTo('U0ALICE')[0]).toMatch(
      /^:x: <@U0ADMIN> denied your request to create notebook `big-nb`.*Nothing was done\./,
    );
    expect(updatesOf('C0APPR')[0]?.args['text']).toContain('Denied by <@U0ADMIN>');
    // A late Approve changes nothing.
    await click('U0ADMIN2', approvalId);
    expect(queue.ops).toEqual([]);
    expect(ephemeralsTo('U0ADMIN2')[0]).toMatch(/^This request was already denied by <@U0ADMIN>/);
  });

  it('expires: the sweep tells the requester, and a late click is answered clearly', async () => {
    const { approvalId } = await approvals.requestApproval({ op: createOp(), decision });
    clock.advance(24 * HOUR - 1);
    expect(await approvals.expireApprovals()).toBe(0);
    clock.advance(1);
    expect(await approvals.expireApprovals()).toBe(1);
    expect(await approvals.expireApprovals()).toBe(0);
    expect((await approvals.get(approvalId))?.status).toBe('expired');
    expect(dmsTo('U0ALICE')).toEqual([
      ':hourglass: Your request to create notebook `big-nb` (flavor `modelarts.bm.snt9.xlarge.8`, lease 20 h) expired: no admin answered within 24 h. Nothing was done. Ask again, or ask <@U0ADMIN>, <@U0ADMIN2>.',
    ]);
    expect(updatesOf('C0APPR')[0]?.args['text']).toContain('Expired');

    await click('U0ADMIN', approvalId);
    expect(queue.ops).toEqual([]);
    expect(ephemeralsTo('U0ADMIN')[0]).toMatch(/^This request expired .*nothing was done/);
    expect((await access.readAudit()).map((e) => e.outcome)).toEqual(['expired', 'approval_requested']);
  });

  it('a click after the expiry but before the sweep expires it instead of approving', async () => {
    const { approvalId } = await approvals.requestApproval({ op: createOp(), decision });
    clock.advance(25 * HOUR);
    await click('U0ADMIN', approvalId);
    expect(queue.ops).toEqual([]);
    expect((await approvals.get(approvalId))?.status).toBe('expired');
    expect(ephemeralsTo('U0ADMIN')[0]).toContain('This request had expired, so it was not approved');
    expect(dmsTo('U0ALICE')[0]).toContain('expired');
    expect(await approvals.expireApprovals()).toBe(0);
  });

  it('refuses a non-admin’s click, naming the rule and the admins', async () => {
    const { approvalId } = await approvals.requestApproval({ op: createOp(), decision });
    await click('U0ALICE', approvalId);
    await click('U0MALLORY', approvalId, DENY_ACTION_ID);
    expect(queue.ops).toEqual([]);
    expect((await approvals.get(approvalId))?.status).toBe('pending');
    for (const user of ['U0ALICE', 'U0MALLORY']) {
      expect(ephemeralsTo(user).at(-1)).toBe(
        'Only admins can approve or deny requests (rule `admin_only`). Admins: <@U0ADMIN>, <@U0ADMIN2>.',
      );
    }
    expect(updatesOf('C0APPR')).toEqual([]);
    const refused = (await access.readAudit()).filter((e) => e.outcome === 'refused');
    expect(refused.map((e) => [e.userId, e.rule])).toEqual([
      ['U0MALLORY', 'admin_only'],
      ['U0ALICE', 'admin_only'],
    ]);
    // Still approvable by an admin afterwards.
    await click('U0ADMIN', approvalId);
    expect(queue.ops).toHaveLength(1);
  });

  it('with a status message, the requester sees waiting and approved in it', async () => {
    const posted = await web.chat.postMessage({ channel: 'C0PROJ', text: 'Creating big-nb…' });
    const op = createOp({ opId: 'op-with-status', statusTs: posted.ts! });
    const { approvalId } = await approvals.requestApproval({ op, decision });
    expect(slack.message('C0PROJ', posted.ts!)?.['text']).toContain("needs an admin's approval");
    expect(ephemeralsTo('U0ALICE')).toEqual([]);
    await click('U0ADMIN', approvalId);
    expect(slack.message('C0PROJ', posted.ts!)?.['text']).toContain('<@U0ADMIN> approved your request');
    expect(dmsTo('U0ALICE')).toEqual([]);
    expect(queue.ops).toEqual([op]);
  });

  it('when the queue fails, the request stays pending and the admin is asked to retry', async () => {
    const { approvalId } = await approvals.requestApproval({ op: createOp(), decision });
    queue.failNext = 1;
    await click('U0ADMIN', approvalId);
    expect(queue.ops).toEqual([]);
    expect(ephemeralsTo('U0ADMIN')[0]).toContain('could not be queued, so the request is still pending');
    expect((await approvals.get(approvalId))?.status).toBe('pending');
    expect(dmsTo('U0ALICE')).toEqual([]);
    await click('U0ADMIN', approvalId);
    expect(queue.ops).toHaveLength(1);
    // It is back in the expiry index too: once decided, the sweep has nothing to do.
    clock.advance(48 * HOUR);
    expect(await approvals.expireApprovals()).toBe(0);
  });

  it('when the request cannot be posted, nothing is kept and the caller gets ApprovalPostError', async () => {
    slack.on('chat.postMessage', () => ({ ok: false, error: 'channel_not_found' }));
    const op = createOp();
    const err = await approvals.requestApproval({ op, decision }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ApprovalPostError);
    expect((err as ApprovalPostError).userMessage).toContain('Nothing was done');
    expect(await approvals.get(approvalIdFor(op.opId))).toBeUndefined();
    expect(await redis.zcard(`${prefix}:approvals:pending`)).toBe(0);
  });

  it('answers forged or unknown button values without touching anything', async () => {
    await click('U0ADMIN', '<!channel>');
    expect(ephemeralsTo('U0ADMIN')[0]).toBe('This button is not valid. Use the buttons on an approval request.');
    await click('U0ADMIN', approvalIdFor('never-requested'));
    expect(ephemeralsTo('U0ADMIN')[1]).toContain('This request is no longer known');
    expect(queue.ops).toEqual([]);
  });

  it('escapes user text in the approval request', async () => {
    const op: Operation = {
      kind: 'extend',
      opId: 'op-ext',
      notebookId: 'nb-1',
      name: '<!channel> nb',
      addMs: 30 * HOUR,
      requester: { userId: 'U0ALICE', channelId: 'C0PROJ' },
      requestedAt: clock.now(),
    };
    await approvals.requestApproval({
      op,
      decision: { allowed: true, approval: { rule: 'approval_lease', reason: '<@U0ALL> & <!here>' } },
    });
    const post = JSON.stringify(slack.callsTo('chat.postMessage')[0]?.args);
    expect(post).not.toContain('<!channel>');
    expect(post).not.toContain('<@U0ALL>');
    expect(post).not.toContain('<!here>');
    expect(post).toContain('extend the lease of `&lt;!channel&gt; nb` by 30 h');
  });

  it('says it waits once, in the thread the requester acted in, with durations and dates in the one wording', async () => {
    const op: Operation = {
      kind: 'extend',
      opId: 'op-ext-thread',
      notebookId: 'nb-1',
      name: 'nb',
      addMs: 90 * 60_000,
      requester: { userId: 'U0ALICE', channelId: 'C0PROJ' },
      requestedAt: clock.now(),
    };
    await approvals.requestApproval({ op, decision, threadTs: '1700000000.000100' });
    const notes = slack.callsTo('chat.postEphemeral').filter((c) => c.args['user'] === 'U0ALICE');
    expect(notes).toHaveLength(1);
    expect(notes[0]?.args['thread_ts']).toBe('1700000000.000100');
    const text = String(notes[0]?.args['text']);
    expect(text).toContain('extend the lease of `nb` by 1 h 30 min');
    // Expires in 24 h: a Slack date with the readable UTC fallback.
    expect(text).toContain('expires <!date^');
    expect(text).toContain('|2026-01-06 09:00 UTC>');
  });
});
