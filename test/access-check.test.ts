import { Writable } from 'node:stream';
import { WebClient } from '@slack/web-api';
import type { Redis } from 'ioredis';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { type AccessControlService, createAccessControl, RULES } from '../src/access/access-control.js';
import { adoptNotebook } from '../src/access/ownership.js';
import { defaultPolicy, type Policy, parsePolicy } from '../src/access/policy.js';
import { createRateLimiter } from '../src/access/rate-limit.js';
import type { Decision } from '../src/access/types.js';
import { ManualClock } from '../src/clock.js';
import { ValidationError } from '../src/errors.js';
import { createLogger, type Logger } from '../src/logger.js';
import { FakeSlackApi } from '../src/slack-stand-in/fake-slack-api.js';
import { type NotebookRecord, NotebookStore } from '../src/store/notebooks.js';
import { deletePrefix, newRedis, uniquePrefix } from './support/redis.js';

const HOUR = 3_600_000;

function quietLogger(): { logger: Logger; lines: Array<Record<string, unknown>> } {
  const lines: Array<Record<string, unknown>> = [];
  const destination = new Writable({
    write(chunk, _enc, cb) {
      for (const l of String(chunk).split('\n').filter(Boolean)) lines.push(JSON.parse(l) as Record<string, unknown>);
      cb();
    },
  });
  return { logger: createLogger({ level: 'debug', destination }), lines };
}

function refusal(d: Decision): { rule: string; message: string } {
  if (d.allowed) throw new Error(`expected a refusal, got ${JSON.stringify(d)}`);
  return d;
}

describe('access control', () => {
  let slack: FakeSlackApi;
  let web: WebClient;
  let redis: Redis;
  let prefix: string;
  let store: NotebookStore;
  let clock: ManualClock;
  const groups: Record<string, string[]> = {};
  const channels: Record<string, string[]> = {};

  beforeEach(async () => {
    slack = await new FakeSlackApi().start();
    slack.on('usergroups.users.list', (args) => ({ ok: true, users: groups[String(args['usergroup'])] ?? [] }));
    slack.on('conversations.members', (args) => ({
      ok: true,
      members: channels[String(args['channel'])] ?? [],
      response_metadata: { next_cursor: '' },
    }));
    web = new WebClient('xoxb-test', { slackApiUrl: slack.apiUrl, retryConfig: { retries: 0 } });
    redis = newRedis();
    prefix = uniquePrefix('acl');
    store = new NotebookStore({ redis, prefix });
    clock = new ManualClock();
    for (const k of Object.keys(groups)) delete groups[k];
    for (const k of Object.keys(channels)) delete channels[k];
  });

  afterEach(async () => {
    await deletePrefix(redis, prefix);
    await redis.quit();
    await slack.stop();
  });

  function build(policy: Policy, logger: Logger = quietLogger().logger): AccessControlService {
    return createAccessControl({ policy, redis, prefix, slack: web, store, logger, clock });
  }

  async function own(userId: string, notebookId: string): Promise<void> {
    const record: NotebookRecord = {
      notebookId,
      name: notebookId,
      ownerId: userId,
      channelId: 'C0PROJ',
      origin: 'created',
      createdAt: clock.now(),
      updatedAt: clock.now(),
    };
    await store.put(record);
  }

  describe('with no policy file', () => {
    it('lets everyone manage their own notebooks and nobody touch another’s', async () => {
      const ac = build(defaultPolicy());
      const mine = { id: 'nb-1', name: 'alice-nb', ownerId: 'U0ALICE' };
      expect(
        await ac.check({ userId: 'U0ALICE', action: 'create', flavor: 'modelarts.vm.gpu.v100', durationMs: 72 * HOUR }),
      ).toEqual({
        allowed: true,
      });
      for (const action of ['start', 'stop', 'delete', 'extend'] as const) {
        expect(await ac.check({ userId: 'U0ALICE', action, notebook: mine })).toEqual({ allowed: true });
        const r = refusal(await ac.check({ userId: 'U0BOB', action, notebook: mine }));
        expect(r.rule).toBe(RULES.ownership);
        expect(r.message).toContain('<@U0ALICE>');
        expect(r.message).toContain(`only its owner or an admin can ${action} it`);
        // No admins configured: the message says how to get one rather than naming nobody.
        expect(r.message).toContain('set `admins` in the policy file');
      }
      expect(await ac.check({ userId: 'U0BOB', action: 'view', notebook: mine })).toEqual({ allowed: true });
      expect(await ac.isAdmin('U0ALICE')).toBe(false);
      expect(refusal(await ac.check({ userId: 'U0ALICE', action: 'audit' })).rule).toBe(RULES.adminOnly);
    });

    it('caps leases at the API’s 72 h', async () => {
      const ac = build(defaultPolicy());
      const r = refusal(await ac.check({ userId: 'U0ALICE', action: 'create', durationMs: 73 * HOUR }));
      expect(r.rule).toBe(RULES.leaseCap);
      expect(r.message).toContain('The longest lease you may have is 72 h. You asked for 73 h.');
    });

    it('keeps notebooks created outside the bot read-only until an admin adopts them', async () => {
      const ac = build(defaultPolicy({ extraAdmins: ['U0ADMIN'] }));
      const external = { id: 'nb-x', name: 'console-made' };
      const r = refusal(await ac.check({ userId: 'U0ALICE', action: 'stop', notebook: external }));
      expect(r.rule).toBe(RULES.unowned);
      expect(r.message).toContain('read-only until an admin adopts it');
      expect(r.message).toContain('`/notebook adopt console-made`');
      expect(r.message).toContain('<@U0ADMIN>');
      expect(await ac.check({ userId: 'U0ALICE', action: 'view', notebook: external })).toEqual({ allowed: true });
      expect(refusal(await ac.check({ userId: 'U0ALICE', action: 'adopt', notebook: external })).rule).toBe(
        RULES.adminOnly,
      );
      // Admins (here from the environment) may do anything.
      expect(await ac.isAdmin('U0ADMIN')).toBe(true);
      for (const action of ['adopt', 'stop', 'delete', 'audit', 'approve'] as const) {
        expect(await ac.check({ userId: 'U0ADMIN', action, notebook: external })).toEqual({ allowed: true });
      }
    });
  });

  describe('rules of a policy file', () => {
    const admins = 'admins: [U0ADMIN, S0OPS]\n';

    it('use: listed users, group members and channel members only', async () => {
      groups['S0ML'] = ['U0BOB'];
      channels['C0PROJ'] = ['U0CAROL'];
      const ac = build(parsePolicy(`${admins}users: [U0ALICE, S0ML, C0PROJ]`, { source: 't' }));
      for (const userId of ['U0ALICE', 'U0BOB', 'U0CAROL']) {
        expect(await ac.check({ userId, action: 'use' })).toEqual({ allowed: true });
      }
      const r = refusal(await ac.check({ userId: 'U0DAVE', action: 'use' }));
      expect(r).toEqual({
        allowed: false,
        rule: 'use',
        message:
          'You are not on the list of people who may use the notebook bot. Ask <@U0ADMIN>, <!subteam^S0OPS> to add you. (rule `use`)',
      });
    });

    it('admins through a user group', async () => {
      groups['S0OPS'] = ['U0OPSY'];
      const ac = build(parsePolicy(`${admins}users: [U0ALICE]`, { source: 't' }));
      expect(await ac.isAdmin('U0OPSY')).toBe(true);
      expect(await ac.isAdmin('U0ALICE')).toBe(false);
      expect(
        await ac.check({ userId: 'U0OPSY', action: 'delete', notebook: { id: 'n', name: 'n', ownerId: 'U0ALICE' } }),
      ).toEqual({
        allowed: true,
      });
    });

    it('channel: listed channels, DMs and the Home tab only when listed', async () => {
      const ac = build(parsePolicy(`${admins}channels: [C0OK, dm]`, { source: 't' }));
      expect(await ac.check({ userId: 'U0ALICE', action: 'create', channelId: 'C0OK' })).toEqual({ allowed: true });
      expect(await ac.check({ userId: 'U0ALICE', action: 'create', channelId: 'D0ALICE' })).toEqual({ allowed: true });
      const r = refusal(await ac.check({ userId: 'U0ALICE', action: 'create', channelId: 'C0ELSE' }));
      expect(r.rule).toBe(RULES.channel);
      expect(r.message).toContain('Use it in <#C0OK> or a direct message with the bot');
      expect(refusal(await ac.check({ userId: 'U0ALICE', action: 'create' })).rule).toBe(RULES.channel);
      const home = build(parsePolicy('channels: [C0OK, app_home]', { source: 't' }));
      expect(await home.check({ userId: 'U0ALICE', action: 'create' })).toEqual({ allowed: true });
      expect(refusal(await home.check({ userId: 'U0ALICE', action: 'create', channelId: 'D0ALICE' })).rule).toBe(
        RULES.channel,
      );
    });

    it('flavor: rules in order, categories, unmatched, and the create modal’s list', async () => {
      groups['S0ML'] = ['U0BOB', 'U0SENIOR'];
      groups['S0SENIOR'] = ['U0SENIOR'];
      const text = `${admins}flavors:
  rules:
    - { match: "modelarts.vm.gpu.v100*", allow: [S0SENIOR] }
    - { match: GPU, allow: [S0ML] }
    - { match: ASCEND, allow: [U0ALICE] }`;
      const ac = build(parsePolicy(text, { source: 't' }));
      const create = (userId: string, flavor: string) => ac.check({ userId, action: 'create', flavor });
      expect(await create('U0BOB', 'modelarts.vm.gpu.t4')).toEqual({ allowed: true });
      const r = refusal(await create('U0BOB', 'modelarts.vm.gpu.v100'));
      expect(r.rule).toBe(RULES.flavor);
      expect(r.message).toBe(
        'You may not use flavor `modelarts.vm.gpu.v100`. Pick another flavor, or ask <@U0ADMIN>, <!subteam^S0OPS> for access. (rule `flavor`)',
      );
      expect(await create('U0SENIOR', 'modelarts.vm.gpu.v100')).toEqual({ allowed: true });
      expect(refusal(await create('U0ALICE', 'modelarts.vm.gpu.t4')).rule).toBe(RULES.flavor);
      expect(await create('U0ALICE', 'modelarts.bm.snt9.xlarge.8')).toEqual({ allowed: true });
      expect(await create('U0ALICE', 'modelarts.vm.cpu.2u')).toEqual({ allowed: true });
      // start with a flavor is judged the same way; stop is not about compute.
      expect(
        refusal(
          await ac.check({
            userId: 'U0ALICE',
            action: 'start',
            flavor: 'modelarts.vm.gpu.t4',
            notebook: { id: 'a', name: 'a', ownerId: 'U0ALICE' },
          }),
        ).rule,
      ).toBe(RULES.flavor);

      const all = ['modelarts.vm.cpu.2u', 'modelarts.vm.gpu.t4', 'modelarts.vm.gpu.v100', 'modelarts.bm.snt9.xlarge.8'];
      expect([...(await ac.allowedFlavors('U0BOB', all))]).toEqual(['modelarts.vm.cpu.2u', 'modelarts.vm.gpu.t4']);
      expect((await ac.allowedFlavors('U0ADMIN', all)).size).toBe(4);

      const strict = build(parsePolicy(`${text}\n  unmatched: deny`, { source: 't' }));
      expect(
        refusal(await strict.check({ userId: 'U0ALICE', action: 'create', flavor: 'modelarts.vm.cpu.2u' })).rule,
      ).toBe(RULES.flavor);
    });

    it('lease cap: default and per group (the largest matching override wins)', async () => {
      groups['S0ML'] = ['U0BOB'];
      groups['S0LONG'] = ['U0BOB'];
      const ac = build(
        parsePolicy(
          `${admins}leases: { max_hours: 8, overrides: [{ principals: [S0ML], max_hours: 24 }, { principals: [S0LONG], max_hours: 48 }] }`,
          { source: 't' },
        ),
      );
      expect(await ac.check({ userId: 'U0ALICE', action: 'create', durationMs: 8 * HOUR })).toEqual({ allowed: true });
      const r = refusal(
        await ac.check({
          userId: 'U0ALICE',
          action: 'start',
          durationMs: 10 * HOUR,
          notebook: { id: 'a', name: 'a', ownerId: 'U0ALICE' },
        }),
      );
      expect(r.rule).toBe(RULES.leaseCap);
      expect(r.message).toBe(
        'The longest lease you may have is 8 h. You asked for 10 h. Ask for less, or ask <@U0ADMIN>, <!subteam^S0OPS> for a longer cap. (rule `lease_cap`)',
      );
      const ext = refusal(
        await ac.check({
          userId: 'U0ALICE',
          action: 'extend',
          durationMs: 9 * HOUR,
          notebook: { id: 'a', name: 'a', ownerId: 'U0ALICE' },
        }),
      );
      expect(ext.message).toContain('This extension would keep it running for another 9 h');
      expect(await ac.check({ userId: 'U0BOB', action: 'create', durationMs: 48 * HOUR })).toEqual({ allowed: true });
      expect(await ac.leaseCapMs('U0BOB')).toBe(48 * HOUR);
      expect(await ac.leaseCapMs('U0ADMIN')).toBe(72 * HOUR);
    });

    it('notebook cap: counts what the user owns in the store', async () => {
      const ac = build(parsePolicy(`${admins}max_notebooks_per_user: 2`, { source: 't' }));
      await own('U0ALICE', 'nb-1');
      expect(await ac.check({ userId: 'U0ALICE', action: 'create' })).toEqual({ allowed: true });
      await own('U0ALICE', 'nb-2');
      const r = refusal(await ac.check({ userId: 'U0ALICE', action: 'create' }));
      expect(r.rule).toBe(RULES.notebookCap);
      expect(r.message).toContain('You already own 2 notebooks, the most one person may have (2). Delete one first');
      // Other actions on existing notebooks are not capped.
      expect(
        await ac.check({
          userId: 'U0ALICE',
          action: 'start',
          notebook: { id: 'nb-1', name: 'nb-1', ownerId: 'U0ALICE' },
        }),
      ).toEqual({ allowed: true });
      expect(await ac.check({ userId: 'U0BOB', action: 'create' })).toEqual({ allowed: true });
    });

    it('approvals: flavor, long lease and notebook count ask for approval; admins never do', async () => {
      const ac = build(
        parsePolicy(
          `${admins}approvals: { channel: C0APPR, flavors: [ASCEND], lease_over_hours: 12, notebooks_over: 1 }`,
          { source: 't' },
        ),
      );
      expect(
        await ac.check({ userId: 'U0ALICE', action: 'create', flavor: 'modelarts.vm.cpu.2u', durationMs: 2 * HOUR }),
      ).toEqual({ allowed: true });
      expect(await ac.check({ userId: 'U0ALICE', action: 'create', flavor: 'modelarts.bm.snt9.xlarge.8' })).toEqual({
        allowed: true,
        approval: { rule: RULES.approvalFlavor, reason: "flavor modelarts.bm.snt9.xlarge.8 needs an admin's approval" },
      });
      const mine = { id: 'a', name: 'a', ownerId: 'U0ALICE' };
      expect(await ac.check({ userId: 'U0ALICE', action: 'extend', notebook: mine, durationMs: 13 * HOUR })).toEqual({
        allowed: true,
        approval: { rule: RULES.approvalLease, reason: "leases over 12 h need an admin's approval" },
      });
      await own('U0ALICE', 'nb-1');
      const d = await ac.check({
        userId: 'U0ALICE',
        action: 'create',
        flavor: 'modelarts.bm.snt9.xlarge.8',
        durationMs: 20 * HOUR,
      });
      expect(d).toEqual({
        allowed: true,
        approval: {
          rule: RULES.approvalFlavor,
          reason:
            "flavor modelarts.bm.snt9.xlarge.8 needs an admin's approval; leases over 12 h need an admin's approval; owning more than 1 notebook needs an admin's approval",
        },
      });
      expect(
        await ac.check({
          userId: 'U0ADMIN',
          action: 'create',
          flavor: 'modelarts.bm.snt9.xlarge.8',
          durationMs: 20 * HOUR,
        }),
      ).toEqual({
        allowed: true,
      });
    });

    it('applies the rules in a fixed order and returns the first refusal', async () => {
      const ac = build(
        parsePolicy(
          `${admins}users: [U0ALICE, U0BOB]\nchannels: [C0OK]\nleases: { max_hours: 4 }\nflavors: { rules: [{ match: GPU, allow: [U0BOB] }] }`,
          {
            source: 't',
          },
        ),
      );
      const nb = { id: 'a', name: 'a', ownerId: 'U0BOB' };
      const bad = {
        action: 'start' as const,
        channelId: 'C0BAD',
        notebook: nb,
        flavor: 'modelarts.vm.gpu.t4',
        durationMs: 10 * HOUR,
      };
      expect(refusal(await ac.check({ userId: 'U0EVE', ...bad })).rule).toBe(RULES.use);
      expect(refusal(await ac.check({ userId: 'U0ALICE', ...bad })).rule).toBe(RULES.channel);
      expect(refusal(await ac.check({ userId: 'U0ALICE', ...bad, channelId: 'C0OK' })).rule).toBe(RULES.ownership);
      expect(
        refusal(
          await ac.check({ userId: 'U0ALICE', ...bad, channelId: 'C0OK', notebook: { ...nb, ownerId: 'U0ALICE' } }),
        ).rule,
      ).toBe(RULES.flavor);
      expect(refusal(await ac.check({ userId: 'U0BOB', ...bad, channelId: 'C0OK' })).rule).toBe(RULES.leaseCap);
    });

    it('escapes user text in refusal messages', async () => {
      const ac = build(parsePolicy(admins, { source: 't' }));
      const r = refusal(
        await ac.check({
          userId: 'U0BOB',
          action: 'stop',
          notebook: { id: 'x', name: '<!channel> `x` <@U0ALL>', ownerId: 'U0ALICE' },
        }),
      );
      expect(r.message).not.toContain('<!channel>');
      expect(r.message).not.toContain('<@U0ALL>');
      expect(r.message).toContain('&lt;!channel&gt;');
    });
  });

  describe('membership lookups', () => {
    it('cost one Slack call per group per TTL, shared through Redis by every replica', async () => {
      groups['S0ML'] = ['U0BOB'];
      const policy = parsePolicy('users: [S0ML]', { source: 't' });
      const ac = build(policy);
      const checks = await Promise.all(Array.from({ length: 20 }, () => ac.check({ userId: 'U0BOB', action: 'use' })));
      expect(checks.every((d) => d.allowed)).toBe(true);
      expect(refusal(await ac.check({ userId: 'U0EVE', action: 'use' })).rule).toBe(RULES.use);
      expect(slack.callsTo('usergroups.users.list')).toHaveLength(1);

      // Another web replica: same Redis, cold memory.
      const replica = build(policy);
      expect((await replica.check({ userId: 'U0BOB', action: 'use' })).allowed).toBe(true);
      expect(slack.callsTo('usergroups.users.list')).toHaveLength(1);

      // Past the TTL in memory, the Redis copy is still fresh (real time): no call. Once it is
      // gone (expired or invalidated), Slack is asked again and a change of membership shows.
      clock.advance(policy.membershipCacheMs + 1);
      expect((await ac.check({ userId: 'U0BOB', action: 'use' })).allowed).toBe(true);
      expect(slack.callsTo('usergroups.users.list')).toHaveLength(1);
      groups['S0ML'] = ['U0EVE'];
      await ac.membership.invalidate('S0ML');
      expect((await ac.check({ userId: 'U0EVE', action: 'use' })).allowed).toBe(true);
      expect(slack.callsTo('usergroups.users.list')).toHaveLength(2);
    });

    it('pages through channel members', async () => {
      let page = 0;
      slack.on('conversations.members', (args) => {
        page += 1;
        return args['cursor']
          ? { ok: true, members: ['U0LATE'], response_metadata: { next_cursor: '' } }
          : { ok: true, members: ['U0EARLY'], response_metadata: { next_cursor: 'c2' } };
      });
      const ac = build(parsePolicy('users: [C0PROJ]', { source: 't' }));
      expect((await ac.check({ userId: 'U0LATE', action: 'use' })).allowed).toBe(true);
      expect(page).toBe(2);
    });

    it('fail closed when Slack does not answer, but never for directly listed users', async () => {
      slack.on('usergroups.users.list', () => ({ ok: false, error: 'fatal_error' }));
      const { logger, lines } = quietLogger();
      const ac = build(parsePolicy('users: [U0ALICE, S0ML]', { source: 't' }), logger);
      expect((await ac.check({ userId: 'U0ALICE', action: 'use' })).allowed).toBe(true);
      const r = refusal(await ac.check({ userId: 'U0BOB', action: 'use' }));
      expect(r.rule).toBe(RULES.unavailable);
      expect(r.message).toContain('Try again in a minute');
      // The failure is remembered briefly: a burst of clicks does not hammer Slack.
      await ac.check({ userId: 'U0BOB', action: 'use' });
      expect(slack.callsTo('usergroups.users.list')).toHaveLength(1);
      expect(lines.some((l) => l['msg'] === 'access check failed; refusing')).toBe(true);
    });

    it('treat a group Slack does not know as empty, and say so in the log', async () => {
      slack.on('usergroups.users.list', () => ({ ok: false, error: 'no_such_subteam' }));
      const { logger, lines } = quietLogger();
      const ac = build(parsePolicy('users: [S0TYPO]', { source: 't' }), logger);
      expect(refusal(await ac.check({ userId: 'U0BOB', action: 'use' })).rule).toBe(RULES.use);
      expect(lines.some((l) => l['level'] === 50 && l['slackError'] === 'no_such_subteam')).toBe(true);
    });
  });

  describe('rate limit', () => {
    it('allows per_minute requests per user, then says when to retry', async () => {
      const ac = build(parsePolicy('rate_limit: { per_minute: 3 }', { source: 't' }));
      for (let i = 0; i < 3; i += 1) expect(await ac.consumeRate('U0ALICE')).toEqual({ ok: true });
      const limited = await ac.consumeRate('U0ALICE');
      expect(limited.ok).toBe(false);
      if (!limited.ok) {
        expect(limited.retryAfterSec).toBeGreaterThanOrEqual(1);
        expect(limited.retryAfterSec).toBeLessThanOrEqual(60);
      }
      expect(await ac.consumeRate('U0BOB')).toEqual({ ok: true });
    });

    it('opens again when the window ends', async () => {
      // A minute-long window, so the three calls fall in it however slow the machine; its end is
      // its key's expiry in Redis, brought forward rather than slept through.
      const limiter = createRateLimiter({ redis, prefix, limit: 1, windowMs: 60_000, logger: quietLogger().logger });
      expect(await limiter.consume('U0A')).toEqual({ ok: true });
      const refused = await limiter.consume('U0A');
      expect(refused).toMatchObject({ ok: false, first: true });
      // Retry when the window ends: within its minute, rounded up to whole seconds.
      expect(refused.ok ? 0 : refused.retryAfterSec).toBeGreaterThanOrEqual(1);
      expect(refused.ok ? 0 : refused.retryAfterSec).toBeLessThanOrEqual(60);
      expect(await limiter.consume('U0A')).toMatchObject({ ok: false, first: false });
      const window = `${prefix}:rate:U0A`;
      expect(await redis.pttl(window)).toBeGreaterThan(0);
      await redis.pexpire(window, 1);
      while ((await redis.exists(window)) === 1) await new Promise((r) => setTimeout(r, 5));
      expect(await limiter.consume('U0A')).toEqual({ ok: true });
    });
  });

  describe('adoptNotebook', () => {
    it('gives an external notebook an owner, who may then act on it', async () => {
      const ac = build(defaultPolicy({ extraAdmins: ['U0ADMIN'] }));
      await store.put({
        notebookId: 'nb-ext',
        name: 'console-made',
        channelId: 'C0PROJ',
        origin: 'external',
        createdAt: 1,
        updatedAt: 1,
      });
      const rec = await adoptNotebook({
        store,
        notebookId: 'nb-ext',
        name: 'console-made',
        ownerId: 'U0ALICE',
        adminId: 'U0ADMIN',
        audit: ac,
        clock,
      });
      expect(rec).toMatchObject({ ownerId: 'U0ALICE', origin: 'adopted', channelId: 'C0PROJ' });
      expect(await store.get('nb-ext')).toMatchObject({ ownerId: 'U0ALICE', origin: 'adopted' });
      expect(await store.countByOwner('U0ALICE')).toBe(1);
      const nb = { id: 'nb-ext', name: 'console-made', ownerId: rec.ownerId! };
      expect(await ac.check({ userId: 'U0ALICE', action: 'stop', notebook: nb })).toEqual({ allowed: true });

      // Re-adopting to someone else moves it between owners.
      await adoptNotebook({
        store,
        notebookId: 'nb-ext',
        name: 'console-made',
        ownerId: 'U0BOB',
        adminId: 'U0ADMIN',
        clock,
      });
      expect(await store.countByOwner('U0ALICE')).toBe(0);
      expect(await store.countByOwner('U0BOB')).toBe(1);
      const [entry] = await ac.readAudit({ notebook: 'nb-ext' });
      expect(entry).toMatchObject({
        userId: 'U0ADMIN',
        action: 'adopt',
        outcome: 'succeeded',
        detail: 'owner U0ALICE',
      });
    });

    it('creates the record when the bot never saw the notebook, given a channel', async () => {
      await expect(
        adoptNotebook({ store, notebookId: 'nb-new', name: 'n', ownerId: 'U0ALICE', adminId: 'U0ADMIN' }),
      ).rejects.toBeInstanceOf(ValidationError);
      const rec = await adoptNotebook({
        store,
        notebookId: 'nb-new',
        name: 'n',
        ownerId: 'U0ALICE',
        adminId: 'U0ADMIN',
        channelId: 'C0PROJ',
        clock,
      });
      expect(rec).toEqual({
        notebookId: 'nb-new',
        name: 'n',
        ownerId: 'U0ALICE',
        channelId: 'C0PROJ',
        origin: 'adopted',
        createdAt: clock.now(),
        updatedAt: clock.now(),
      });
      expect(await store.get('nb-new')).toEqual(rec);
      await expect(
        adoptNotebook({ store, notebookId: 'nb-new', name: 'n', ownerId: 'alice', adminId: 'U0ADMIN' }),
      ).rejects.toThrow(/owner: must be a Slack user id/);
    });
  });
});
