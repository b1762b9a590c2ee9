import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { type AccessControlService, createAccessControl } from '../src/access/access-control.js';
import { parsePolicyObject } from '../src/access/policy.js';
import { createLeaseWatcher, type LeaseNoticeEvent } from '../src/leases/index.js';
import { LEASE_ACTION_IDS } from '../src/messages/lease-blocks.js';
import { SCHEDULE_ACTION_IDS } from '../src/messages/schedule-blocks.js';
import { SCHEDULE_BLOCKS, SCHEDULE_CALLBACK_ID } from '../src/messages/schedule-modal.js';
import { createScheduleService, type ScheduleService, ScheduleStore } from '../src/schedules/index.js';
import { registerLeaseActions } from '../src/slack/listeners/actions/lease-buttons.js';
import { type SlackSender, state, type UserRef, type ViewPayload } from '../src/slack-stand-in/slack-sender.js';
import { hhmm } from '../src/zoned-time.js';
import { type Stack, startSlackSurface, startStack, textOf, waitUntil, webClient } from './support/stack.js';

/**
 * Working hours through signed Slack requests to the real HTTP receiver, wired as src/app/roles.ts
 * wires it: `/notebook schedule` and its form, owner-or-admin, the policy's limits, the audit; and
 * the lease warning before a scheduled stop, whose Extend and "Skip tonight's stop" buttons work
 * end to end (the real worker changes the simulator's lease). Clock: real time (scale 1), so the
 * scheduled hours are chosen around the injected clock's now.
 */

const H = 3_600_000;
const M = 60_000;
const CHANNEL = 'C0SCHED001';
const ALICE: UserRef = { id: 'U0ALICE001', name: 'alice' };
const BOB: UserRef = { id: 'U0BOB00001', name: 'bob' };
const ADMIN: UserRef = { id: 'U0ADMIN001', name: 'admin' };
const BOT = 'xoxb-schedules-e2e-bot';
const SECRET = 'schedules-e2e-signing-secret-0001';

let stack: Stack;
let sender: SlackSender;
let access: AccessControlService;
let schedules: ScheduleService;

beforeAll(async () => {
  stack = await startStack({ botToken: BOT, channel: CHANNEL, label: 'sched', scale: 1, sim: { notFound: '404' } });
  const policy = parsePolicyObject(
    { admins: [ADMIN.id], schedules: { allowed_hours: '00:00-24:00', max_hours_per_week: 100 } },
    { source: '(e2e)' },
  );
  const web = webClient(stack);
  access = createAccessControl({
    policy,
    redis: stack.redis,
    prefix: stack.prefix,
    slack: web,
    store: stack.store,
    logger: stack.logger,
    clock: stack.clock,
  });
  schedules = createScheduleService({
    schedules: new ScheduleStore({ redis: stack.redis, prefix: stack.prefix }),
    api: stack.modelarts,
    queue: stack.recordingQueue,
    access,
    redis: stack.redis,
    prefix: stack.prefix,
    clock: stack.clock,
    logger: stack.logger,
    policy: policy.schedules,
    defaultTimeZone: 'UTC',
  });
  ({ sender } = await startSlackSurface(stack, {
    signingSecret: SECRET,
    access,
    app: { schedules },
    register: ({ app }) =>
      registerLeaseActions(app, {
        api: stack.modelarts,
        queue: stack.recordingQueue,
        access,
        store: stack.store,
        redis: stack.redis,
        prefix: stack.prefix,
        clock: stack.clock,
        logger: stack.logger,
      }),
  }));
  await stack.startWorker({ audit: (e) => access.audit(e) });
});

afterAll(async () => {
  await stack?.close();
});

beforeEach(() => {
  stack.slack.reset();
});

async function command(text: string, user = ALICE): Promise<string> {
  const res = await sender.slashCommand({ user, channelId: CHANNEL, text });
  expect(res.status).toBe(200);
  const path = new URL(res.responseUrl).pathname;
  const call = await stack.slack.waitFor((calls) =>
    calls.find((c) => c.method === 'response_url' && c.args['response_path'] === path),
  );
  return textOf(call);
}

async function audit(action: string) {
  return (await access.readAudit({})).filter((e) => e.action === action);
}

function leaseEnd(id: string): number {
  const l = stack.sim.instances.get(id)!.lease!;
  return l.create_at + l.duration;
}

describe('/notebook schedule', () => {
  it('sets, shows and removes a schedule; refuses others, bad hours and runs over 72 h with the reason; audits every change', async () => {
    const [id] = await stack.seed('cmd', { owner: ALICE.id, leaseMs: 2 * H });
    const set = await command('schedule cmd-0 weekdays 09:00-19:00 Asia/Shanghai');
    expect(set).toContain('Set: *cmd-0* runs `weekdays 09:00-19:00 Asia/Shanghai`');
    expect(set).toMatch(/next start/);
    expect(await command('schedule cmd-0')).toContain('runs `weekdays 09:00-19:00 Asia/Shanghai` for <@U0ALICE001>');
    // No thread of its own: the scheduler's lines go to Alice's DM, not the channel's top level.
    expect((await new ScheduleStore({ redis: stack.redis, prefix: stack.prefix }).get(id!))?.channelId).toBe(ALICE.id);

    // Someone else may not change it.
    expect(await command('schedule cmd-0 off', BOB)).toMatch(/:no_entry:.*belongs to <@U0ALICE001>/);
    expect(await command('schedule cmd-0 daily 08:00-20:00', BOB)).toMatch(/:no_entry:/);
    // Bad input gets what is wrong and what to do.
    expect(await command('schedule cmd-0 weekdays 9am-5pm')).toContain('is not a time of day');
    expect(await command('schedule cmd-0 someday 09:00-19:00')).toContain('is not a day');
    expect(await command('schedule cmd-0 weekdays 09:00-19:00 Mars/Base')).toContain('is not a time zone I know');
    expect(await command('schedule cmd-0 mon-fri 00:00-24:00 UTC')).toContain('one run of 120 h without a stop');
    // The policy's weekly limit (100 h): 7 × 15 h = 105 h.
    expect(await command('schedule cmd-0 daily 06:00-21:00 UTC')).toContain('at most 100 scheduled hours a week');
    // An admin may change it.
    expect(await command('schedule cmd-0 mon,wed,fri 10:00-18:00 UTC', ADMIN)).toContain(
      'Changed: *cmd-0* runs `mon,wed,fri 10:00-18:00 UTC`',
    );
    expect(await command('schedule cmd-0 skip next')).toMatch(/the scheduled start .* is skipped/);
    expect(await command('schedule cmd-0 off')).toContain('Removed the schedule of *cmd-0*');
    expect(await command('schedule cmd-0')).toContain('has no schedule');
    // A name that is nobody's, or several notebooks' (the list matches names fuzzily): what to give instead.
    expect(await command('schedule nosuch-nb daily 09:00-17:00')).toContain('No notebook is named `nosuch-nb`');
    await stack.seed('twin', { owner: ALICE.id, count: 2 });
    expect(await command('schedule twin daily 09:00-17:00')).toMatch(
      /Several notebooks match `twin`: `twin-0` \(`[^`]+`\), `twin-1` \(`[^`]+`\)\. Give the exact name or its id\./,
    );

    expect((await audit('schedule_set')).map((e) => [e.userId, e.outcome])).toEqual([
      [ADMIN.id, 'succeeded'],
      [ALICE.id, 'refused'],
      [BOB.id, 'refused'],
      [ALICE.id, 'succeeded'],
    ]);
    expect((await audit('schedule_remove')).map((e) => [e.userId, e.outcome])).toEqual([
      [ALICE.id, 'succeeded'],
      [BOB.id, 'refused'],
    ]);
    expect(await audit('schedule_skip')).toHaveLength(1);
    // Nothing was started or stopped by any of this.
    expect(stack.sim.instances.get(id!)!.status).toBe('RUNNING');
  });

  it('the form: opened when arguments are missing, checks each field inline, saves', async () => {
    await stack.seed('form', { owner: ALICE.id, leaseMs: 2 * H });
    await sender.slashCommand({ user: ALICE, channelId: CHANNEL, text: 'schedule form-0 weekdays' });
    await stack.slack.waitFor(() => stack.slack.openedViews().length > 0);
    const view = stack.slack.openedViews().at(-1) as unknown as ViewPayload & { callback_id: string };
    expect(view.callback_id).toBe(SCHEDULE_CALLBACK_ID);
    expect(JSON.stringify(view)).toContain('"initial_value":"form-0"');
    const values = (hours: string, tz: string) => ({
      [SCHEDULE_BLOCKS.notebook]: { value: state.text('form-0') },
      [SCHEDULE_BLOCKS.days]: { value: state.text('weekdays') },
      [SCHEDULE_BLOCKS.hours]: { value: state.text(hours) },
      [SCHEDULE_BLOCKS.timeZone]: { value: state.text(tz) },
    });
    const bad = await sender.viewSubmission({ user: ALICE, view, values: values('nine-five', 'Nowhere/City') });
    const errors = (bad.json as { errors?: Record<string, string> }).errors ?? {};
    expect(Object.keys(errors).sort()).toEqual([SCHEDULE_BLOCKS.hours, SCHEDULE_BLOCKS.timeZone].sort());
    const good = await sender.viewSubmission({ user: ALICE, view, values: values('08:30-17:30', 'Europe/Berlin') });
    expect(good.status).toBe(200);
    const saved = await stack.slack.waitFor((calls) =>
      calls.find(
        (c) =>
          c.method === 'chat.postEphemeral' &&
          String(c.args['text']).includes('runs `weekdays 08:30-17:30 Europe/Berlin`'),
      ),
    );
    expect(saved.args['user']).toBe(ALICE.id);
  });
});

describe('the warning before a scheduled stop', () => {
  it('offers Extend and "Skip tonight\'s stop"; both work end to end', async () => {
    // Daily hours that close 25 minutes from now (UTC), in which two notebooks run. The three
    // hours before the close must not cross midnight (the policy allows 00:00–24:00): from 23:35
    // to 02:35 UTC they would, so the clock moves on past them first (a CI run at 00:00 failed).
    const closeOf = (t: number) => Math.ceil((t + 25 * M) / M) * M;
    if ((closeOf(stack.clock.now()) % (24 * H)) / M < 3 * 60 + 5) stack.clock.advance(4 * H);
    const now = stack.clock.now();
    const close = closeOf(now);
    const closeMin = Math.round((close % (24 * H)) / M);
    const startMin = (closeMin - 3 * 60 + 1440) % 1440;
    const ids = await stack.seed('sch', {
      owner: ALICE.id,
      count: 2,
      leaseMs: close - now + H,
      leaseElapsedMs: H,
      threadTs: '1700000000.000200',
    });
    for (const [i] of ids.entries()) {
      expect(await command(`schedule sch-${i} daily ${hhmm(startMin)}-${hhmm(closeMin)} UTC`)).toContain('Set:');
    }
    const events: LeaseNoticeEvent[] = [];
    const watcher = createLeaseWatcher({
      api: stack.modelarts,
      store: stack.store,
      redis: stack.redis,
      prefix: stack.prefix,
      slack: webClient(stack),
      clock: stack.clock,
      logger: stack.logger,
      scheduledStop: (id, end) => schedules.scheduledStop(id, end),
      onWarningSent: (e) => events.push(e),
    });
    await watcher.scanOnce();
    expect(events.map((e) => e.notebookId).sort()).toEqual([...ids].sort());

    const buttonsOf = (id: string) => {
      const post = stack.slack
        .callsTo('chat.postMessage')
        .find((c) => JSON.stringify(c.args['blocks']).includes(`lease_actions:${id}`))!;
      const blocks = post.args['blocks'] as Array<{
        block_id?: string;
        elements?: Array<{ action_id: string; value: string; text: { text: string } }>;
      }>;
      expect(JSON.stringify(blocks)).toContain(
        `This is the scheduled stop of \`daily ${hhmm(startMin)}-${hhmm(closeMin)} UTC\``,
      );
      return blocks.find((b) => b.block_id === `lease_actions:${id}`)!.elements!;
    };
    const [a, b] = ids as [string, string];
    expect(buttonsOf(a).map((e) => e.text.text)).toEqual([
      'Extend +1 h',
      'Extend +4 h',
      "Skip tonight's stop",
      'Stop now',
      'Dismiss',
    ]);

    const click = (user: UserRef, id: string, actionId: string) => {
      const button = buttonsOf(id).find((e) => e.action_id === actionId)!;
      const event = events.find((e) => e.notebookId === id)!;
      return sender.blockActions({
        user,
        channelId: CHANNEL,
        messageTs: event.messageTs,
        isEphemeral: false,
        actions: [{ type: 'button', action_id: actionId, block_id: `lease_actions:${id}`, value: button.value }],
      });
    };

    // Bob may not skip Alice's stop; nothing is queued.
    expect((await click(BOB, b, SCHEDULE_ACTION_IDS.skipStop)).status).toBe(200);
    await stack.slack.waitFor((calls) =>
      calls.find((c) => c.method === 'chat.postEphemeral' && c.args['user'] === BOB.id),
    );
    expect(stack.enqueued.filter((o) => o.kind !== 'create' && o.notebookId === b)).toHaveLength(0);

    // Skip: recorded once (a double click is harmless), and the lease runs to tomorrow's stop.
    await click(ALICE, b, SCHEDULE_ACTION_IDS.skipStop);
    await click(ALICE, b, SCHEDULE_ACTION_IDS.skipStop);
    // (The service computes the end from its own clock when the renewal arrives: within a minute.)
    await waitUntil(() => Math.abs(leaseEnd(b) - (close + 24 * H)) < M, 20_000);
    expect(stack.enqueued.filter((o) => o.opId === `sched-skip-${b}-${close}`)).toHaveLength(1);
    const skips = (await audit('schedule_skip')).filter((e) => e.notebookId === b && e.outcome === 'succeeded');
    expect(skips).toHaveLength(1);
    // Its next warning (the lease ends at tomorrow's stop) is again a scheduled stop; tonight's is not.
    expect(await schedules.scheduledStop(b, close)).toBeUndefined();
    expect(await schedules.scheduledStop(b, close + 24 * H)).toMatchObject({ close: close + 24 * H });

    // Extend +1 h on the other warning: unchanged, the lease ends an hour after the stop.
    expect((await click(ALICE, a, LEASE_ACTION_IDS.extend1h)).status).toBe(200);
    await waitUntil(() => Math.abs(leaseEnd(a) - (close + H)) < M, 20_000);
    // It is no longer a scheduled stop, so the scheduler leaves it running at the close.
    expect(await schedules.scheduledStop(a, leaseEnd(a))).toBeUndefined();
    await watcher.stop();
  });
});
