import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  defaultPolicy,
  findFlavorRule,
  flavorCategoryResolver,
  flavorMatches,
  guessFlavorCategory,
  loadPolicy,
  parsePolicy,
} from '../src/access/policy.js';
import { ConfigError } from '../src/errors.js';

const HOUR = 3_600_000;

describe('policy file', () => {
  it('loads the shipped example, normalised to ms', async () => {
    const p = await loadPolicy(join(import.meta.dirname, '..', 'policy.example.yml'));
    expect(p.admins).toEqual(['U0123ADMIN', 'S0PLATFORM']);
    expect(p.users).toEqual(['S0MLTEAM', 'C0MLPROJECTS', 'U0456GUEST']);
    expect(p.channels).toContain('dm');
    expect(p.flavors.rules[1]).toEqual({ match: 'GPU', allow: ['S0MLTEAM'] });
    expect(p.leases.maxMs).toBe(8 * HOUR);
    expect(p.leases.overrides).toEqual([
      { principals: ['S0MLTEAM'], maxMs: 24 * HOUR },
      { principals: ['S0SENIORML'], maxMs: 72 * HOUR },
    ]);
    expect(p.maxNotebooksPerUser).toBe(3);
    expect(p.approvals).toEqual({
      channel: 'C0APPROVALS',
      expiryMs: 24 * HOUR,
      flavors: ['ASCEND', 'modelarts.vm.gpu.v100*'],
      leaseOverMs: 12 * HOUR,
      notebooksOver: 2,
    });
    expect(p.rateLimit.perMinute).toBe(30);
    expect(p.membershipCacheMs).toBe(300_000);
  });

  it('without a file: everyone, any channel, 72 h, no approvals, admins only from the environment', async () => {
    const p = await loadPolicy(undefined);
    expect(p).toMatchObject({
      source: '(default)',
      admins: [],
      users: 'everyone',
      channels: 'any',
      leases: { maxMs: 72 * HOUR, overrides: [] },
      flavors: { unmatched: 'allow', rules: [] },
      rateLimit: { perMinute: 30 },
    });
    expect(p.approvals).toBeUndefined();
    expect(p.maxNotebooksPerUser).toBeUndefined();
    expect(defaultPolicy({ extraAdmins: ['U0ENVADMIN'] }).admins).toEqual(['U0ENVADMIN']);
  });

  it('adds environment admins to the file’s, without duplicates', () => {
    const p = parsePolicy('admins: [U0AAA, S0BBB]', { source: 'x.yml', extraAdmins: ['U0AAA', 'U0CCC'] });
    expect(p.admins).toEqual(['U0AAA', 'S0BBB', 'U0CCC']);
  });

  it('reads JSON by extension, and an empty file means every default', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'policy-'));
    const json = join(dir, 'p.json');
    await writeFile(json, JSON.stringify({ users: ['U0AAA'], max_notebooks_per_user: 2 }));
    expect(await loadPolicy(json)).toMatchObject({ users: ['U0AAA'], maxNotebooksPerUser: 2 });
    const empty = join(dir, 'empty.yml');
    await writeFile(empty, '# nothing yet\n');
    expect(await loadPolicy(empty)).toMatchObject({ users: 'everyone', channels: 'any' });
  });

  it('lists every problem at once, each with its path', () => {
    const text = `
admins: [U0OK, alice, C0NOTAUSER]
users: all
channels: [C0GOOD, general]
flavors:
  unmatched: maybe
  rules:
    - match: "gpu <script>"
      allow: []
leases:
  max_hours: 100
  overrides:
    - principals: [S0X]
      max_hours: 0.5
max_notebooks_per_user: 2.5
approvals:
  expiry_hours: -1
rate_limit: { per_minute: 0 }
membership_cache_seconds: 1
colour: blue
`;
    let err: unknown;
    try {
      parsePolicy(text, { source: '/etc/bot/policy.yml', extraAdmins: ['bob'] });
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(ConfigError);
    const msg = (err as ConfigError).message;
    expect(msg).toMatch(/^Policy \/etc\/bot\/policy\.yml is invalid \(\d+ problems\):/);
    for (const expected of [
      'admins.1: must be a Slack user id (U…/W…) or user group id (S…)',
      'admins.2: must be a Slack user id',
      'users: must be "everyone"',
      'channels.1: must be a channel id (C…/G…), "dm" or "app_home"',
      'flavors.unmatched: must be "allow" or "deny"',
      'flavors.rules.0.match: must be a flavor id, a glob',
      'flavors.rules.0.allow: list at least one user, group or channel',
      'leases.max_hours: max_hours must be at most 72 h',
      'leases.overrides.0.max_hours: max_hours must be at least 1 h',
      'max_notebooks_per_user: must be a whole number',
      'approvals.channel: is required',
      'approvals.expiry_hours: expiry_hours must be at least',
      'rate_limit.per_minute: must be at least 1',
      'membership_cache_seconds: must be at least 10 s',
      '(file): unknown setting "colour" (check the spelling)',
      'extra admin #1: must be a Slack user id',
    ]) {
      expect(msg).toContain(expected);
    }
    expect(msg).toContain('See policy.example.yml');
  });

  it('reports cross-field mistakes (rules that can never apply)', () => {
    expect(() =>
      parsePolicy(
        'leases: { max_hours: 8 }\nmax_notebooks_per_user: 2\napprovals: { channel: C0APPR, lease_over_hours: 8, notebooks_over: 2 }',
        { source: 'p.yml' },
      ),
    ).toThrow(
      /approvals\.lease_over_hours: 8 h is not below any lease cap[\s\S]*approvals\.notebooks_over: 2 is not below/,
    );
  });

  it('reports YAML syntax errors and duplicate keys', () => {
    expect(() => parsePolicy('users: [U0A\nadmins: U0B: x', { source: 'bad.yml' })).toThrow(
      /bad\.yml is invalid[\s\S]*\(syntax\)/,
    );
    expect(() => parsePolicy('users: everyone\nusers: [U0AAA]', { source: 'dup.yml' })).toThrow(/\(syntax\)/);
    expect(() => parsePolicy('{"users": ', { source: 'bad.json', format: 'json' })).toThrow(
      /bad\.json is invalid[\s\S]*\(syntax\)/,
    );
    expect(() => parsePolicy('- a\n- b', { source: 'list.yml' })).toThrow(/\(file\): must be a mapping/);
  });

  it('says which file cannot be read', async () => {
    await expect(loadPolicy('/nonexistent/policy.yml')).rejects.toThrow(
      /POLICY_FILE \/nonexistent\/policy\.yml cannot be read \(ENOENT\)/,
    );
  });
});

describe('identities', () => {
  it('reads one IAM user or a list per Slack user, and refuses one IAM user linked to two people', () => {
    const p = parsePolicy('identities:\n  U0ALICE: alice.wang\n  U0BOB: [bob, 0f1e2d3c4b5a69788796a5b4c3d2e1f0]\n', {
      source: 't',
    });
    expect(p.identities).toEqual({ U0ALICE: ['alice.wang'], U0BOB: ['bob', '0f1e2d3c4b5a69788796a5b4c3d2e1f0'] });
    expect(() => parsePolicy('identities:\n  U0ALICE: shared\n  U0BOB: [shared]\n', { source: 't' })).toThrow(
      /IAM user "shared" is linked to both U0ALICE and U0BOB/,
    );
    expect(() => parsePolicy('identities:\n  alice: [alice]\n  U0BOB: ["has space"]\n', { source: 't' })).toThrow(
      /must be a Slack user id[\s\S]*IAM user name or id/,
    );
  });
});

describe('flavor matching', () => {
  it('matches globs, exact ids and categories, case-insensitively', () => {
    expect(flavorMatches('modelarts.vm.gpu.*', 'modelarts.vm.gpu.p100')).toBe(true);
    expect(flavorMatches('modelarts.vm.gpu.*', 'modelarts.vm.cpu.2u')).toBe(false);
    expect(flavorMatches('modelarts.vm.?pu.2u', 'modelarts.vm.cpu.2u')).toBe(true);
    // A dot is literal, not "any character".
    expect(flavorMatches('modelarts.vm.cpu.2u', 'modelarts-vm-cpu-2u')).toBe(false);
    expect(flavorMatches('MODELARTS.VM.CPU.2U', 'modelarts.vm.cpu.2u')).toBe(true);
    expect(flavorMatches('GPU', 'modelarts.bm.gpu.v100')).toBe(true);
    expect(flavorMatches('gpu', 'modelarts.vm.cpu.2u')).toBe(false);
    expect(flavorMatches('ASCEND', 'modelarts.bm.snt9.xlarge.8')).toBe(true);
    expect(flavorMatches('CPU', 'modelarts.vm.cpu.free')).toBe(true);
  });

  it('guesses categories from ids, and prefers a flavor list when given', () => {
    expect(guessFlavorCategory('modelarts.vm.gpu.t4')).toBe('GPU');
    expect(guessFlavorCategory('modelarts.bm.npu.arm.8snt9b3.d')).toBe('ASCEND');
    expect(guessFlavorCategory('modelarts.vm.cpu.8u')).toBe('CPU');
    expect(guessFlavorCategory('custom.flavor')).toBeUndefined();
    const resolve = flavorCategoryResolver([{ id: 'custom.flavor', category: 'gpu' }]);
    expect(resolve('custom.flavor')).toBe('GPU');
    expect(flavorMatches('GPU', 'custom.flavor', resolve)).toBe(true);
  });

  it('the first matching rule decides', () => {
    const rules = [
      { match: 'modelarts.vm.gpu.v100*', allow: ['S0SENIOR'] },
      { match: 'GPU', allow: ['S0ML'] },
    ];
    expect(findFlavorRule(rules, 'modelarts.vm.gpu.v100x8')?.allow).toEqual(['S0SENIOR']);
    expect(findFlavorRule(rules, 'modelarts.vm.gpu.t4')?.allow).toEqual(['S0ML']);
    expect(findFlavorRule(rules, 'modelarts.vm.cpu.2u')).toBeUndefined();
  });
});
