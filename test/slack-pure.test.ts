import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { ValidationError } from '../src/errors.js';
import { createLogger, type Logger } from '../src/logger.js';
import type { CatalogFlavor, CatalogImage } from '../src/messages/catalog-options.js';
import {
  buildFlavorOptions,
  buildImageOptions,
  LOADING_VALUE,
  memoryGb,
  normalizeArch,
  pickDefaultImage,
} from '../src/messages/catalog-options.js';
import { buildCreateModal, CREATE_BLOCKS } from '../src/messages/create-modal.js';
import {
  codeSpan,
  escapeKeepingDates,
  escapeMrkdwn,
  formatDuration,
  mrkdwnToPlain,
  slackDate,
} from '../src/messages/format.js';
import { buildHelpMessage, SUBCOMMANDS } from '../src/messages/help.js';
import { buildHomeView, HOME_ACTIONS } from '../src/messages/home.js';
import { decodeMetadata, encodeMetadata } from '../src/messages/metadata.js';
import { buildListMessage, buildStatusMessage } from '../src/messages/notebook-blocks.js';
import { type NotebookSummary, safeUrl, summarize } from '../src/messages/notebook-summary.js';
import { decodePick, encodePick } from '../src/messages/pick-value.js';
import { buildDeleteConfirmMessage, buildPickerMessage } from '../src/messages/picker.js';
import { buildStartModal } from '../src/messages/start-modal.js';
import { userMessageFor } from '../src/messages/user-error.js';
import { ModelArtsTimeoutError } from '../src/modelarts/errors.js';
import { operationId } from '../src/operations/ids.js';
import { slackLogger } from '../src/operations/slack-logger.js';
import { MAX_COMMAND_TEXT, parseCommand } from '../src/slack/command.js';
import { durationArgument, parseDuration, parseLeaseDuration } from '../src/slack/duration.js';
import { readCreateForm, validateCreateDraft } from '../src/slack/forms/create-form.js';
import { issuesToErrors } from '../src/slack/forms/view-values.js';
import { type StateValues, state } from '../src/slack-stand-in/slack-sender.js';

const H = 3_600_000;
const M = 60_000;
const DEFAULTS = { flavor: 'modelarts.vm.cpu.2u', storageGb: 5, leaseHours: 1 };
const IMAGE = '278e88d1-5b71-4766-8502-b3ba72e824d9';

const EFS_ID = '3c2b8e4a-8f0e-4c57-9d6e-0b7a2f1c9e11';

describe('duration parser', () => {
  it.each([
    ['2h', 2 * H],
    ['90m', 90 * M],
    ['1d', 24 * H],
    ['3 hours', 3 * H],
    ['1.5h', 1.5 * H],
    ['45 minutes', 45 * M],
    ['1h30m', 90 * M],
    ['1h 30m', 90 * M],
    ['1 hour and 30 minutes', 90 * M],
    ['2', 2 * H],
    ['  4H ', 4 * H],
    ['2 hrs', 2 * H],
  ])('reads %j', (text, ms) => {
    expect(parseDuration(text)).toEqual({ ok: true, ms });
  });

  it.each(['', 'soon', 'h2', '2 weeks', '2h banana', '-1h'])('refuses %j with a message', (text) => {
    const r = parseDuration(text);
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.message).toMatch(/duration|unit/i);
  });

  it('checks leases against 1 to 72 hours and says what it understood', () => {
    expect(parseLeaseDuration('1h')).toEqual({ ok: true, ms: H });
    expect(parseLeaseDuration('3d')).toEqual({ ok: true, ms: 72 * H });
    const short = parseLeaseDuration('45 minutes');
    expect(short.ok).toBe(false);
    if (!short.ok) expect(short.message).toBe('45 min is too short: a notebook runs for at least 1 hour (1h to 72h).');
    const long = parseLeaseDuration('73h');
    expect(long.ok).toBe(false);
    if (!long.ok) expect(long.message).toContain('at most 72 hours');
  });

  it('writes durations back as command arguments the parser reads', () => {
    expect(durationArgument(2 * H)).toBe('2h');
    expect(durationArgument(90 * M)).toBe('90m');
    for (const ms of [H, 90 * M, 26 * H, 45 * M]) expect(parseDuration(durationArgument(ms))).toEqual({ ok: true, ms });
  });
});

describe('format: one wording of durations and moments', () => {
  it('formats durations: seconds under a minute, then minutes and hours (no days)', () => {
    expect(formatDuration(45_000)).toBe('45 s');
    expect(formatDuration(29 * M)).toBe('29 min');
    expect(formatDuration(3 * H)).toBe('3 h');
    expect(formatDuration(65 * M)).toBe('1 h 5 min');
    expect(formatDuration(90 * M)).toBe('1 h 30 min');
    expect(formatDuration(72 * H)).toBe('72 h');
    expect(formatDuration(-5)).toBe('0 s');
    // To the nearest by default; 59.6 s is a minute, not "60 s".
    expect(formatDuration(29 * M + 20_000)).toBe('29 min');
    expect(formatDuration(59_600)).toBe('1 min');
  });

  it('rounds time left up, so it never promises less than remains', () => {
    expect(formatDuration(29 * M + 1, { round: 'up' })).toBe('30 min');
    expect(formatDuration(4 * M + 30_000, { round: 'up' })).toBe('5 min');
    expect(formatDuration(20_001, { round: 'up' })).toBe('21 s');
    expect(formatDuration(59 * M + 1, { round: 'up' })).toBe('1 h');
  });

  it('writes Slack date tokens with a readable UTC fallback', () => {
    const t = Date.UTC(2026, 10, 22, 0, 21, 7);
    expect(slackDate(t)).toBe(`<!date^${t / 1000}^{date_short_pretty} at {time}|2026-11-22 00:21 UTC>`);
    expect(slackDate(t, '{time}')).toBe(`<!date^${t / 1000}^{time}|2026-11-22 00:21 UTC>`);
    expect(slackDate(t + 900, '{date_short_pretty} {time_secs}')).toBe(
      `<!date^${t / 1000}^{date_short_pretty} {time_secs}|2026-11-22 00:21:07 UTC>`,
    );
  });
});

describe('command parser', () => {
  it('parses every subcommand', () => {
    expect(parseCommand('')).toEqual({ kind: 'help' });
    expect(parseCommand('help')).toEqual({ kind: 'help' });
    expect(parseCommand('create')).toEqual({ kind: 'create' });
    expect(parseCommand('create my-nb')).toEqual({ kind: 'create', name: 'my-nb' });
    expect(parseCommand('start nb')).toEqual({ kind: 'start', target: 'nb' });
    expect(parseCommand('start nb 3 hours')).toEqual({ kind: 'start', target: 'nb', duration: '3 hours' });
    expect(parseCommand('STOP nb')).toEqual({ kind: 'stop', target: 'nb' });
    expect(parseCommand('delete nb')).toEqual({ kind: 'delete', target: 'nb' });
    expect(parseCommand('status nb')).toEqual({ kind: 'status', target: 'nb' });
    expect(parseCommand('list')).toEqual({ kind: 'list', filter: { kind: 'mine' } });
    expect(parseCommand('list all')).toEqual({ kind: 'list', filter: { kind: 'all' } });
    expect(parseCommand('list running')).toEqual({ kind: 'list', filter: { kind: 'status', status: 'RUNNING' } });
    expect(parseCommand('extend nb 2h')).toEqual({ kind: 'extend', target: 'nb', amount: '2h' });
  });

  it('answers unknown words with help and missing arguments with usage', () => {
    expect(parseCommand('frobnicate x')).toEqual({ kind: 'help', unknown: 'frobnicate' });
    expect(parseCommand('stop')).toMatchObject({
      kind: 'error',
      message: expect.stringContaining('stop <name-or-id>'),
    });
    expect(parseCommand('extend nb')).toMatchObject({ kind: 'error', message: expect.stringContaining('how long') });
    expect(parseCommand('stop a b')).toMatchObject({ kind: 'error' });
    expect(parseCommand('list bogus')).toMatchObject({ kind: 'error', message: expect.stringContaining('running') });
  });

  it('caps the text length with a clear message', () => {
    const r = parseCommand(`start ${'x'.repeat(MAX_COMMAND_TEXT)}`);
    expect(r).toMatchObject({ kind: 'error', message: expect.stringContaining(`limit is ${MAX_COMMAND_TEXT}`) });
  });

  it('help lists every subcommand with an example', () => {
    const help = JSON.stringify(buildHelpMessage('/notebook'));
    for (const s of SUBCOMMANDS) {
      expect(help).toContain(`/notebook ${s.usage.replace(/</g, '&lt;').replace(/>/g, '&gt;')}`);
      expect(help).toContain(`/notebook ${s.example}`);
    }
    expect(JSON.stringify(buildHelpMessage('/notebook', '<!here>'))).toContain('&lt;!here&gt;');
  });
});

describe('escaping', () => {
  it('makes user text inert in mrkdwn', () => {
    expect(escapeMrkdwn('<!channel> & <@U1> <https://x|y>')).toBe(
      '&lt;!channel&gt; &amp; &lt;@U1&gt; &lt;https://x|y&gt;',
    );
    expect(escapeMrkdwn('hi @here')).toBe('hi @\u2060here');
    expect(codeSpan('a`b<c>')).toBe('`aˋb&lt;c&gt;`');
  });

  it('turns mrkdwn into plain text for inline errors', () => {
    expect(mrkdwnToPlain('Ask <@U123> or <!subteam^S1|@admins> in <#C1|ops>: `x` &lt;y&gt;')).toBe(
      'Ask @U123 or @admins in #ops: x <y>',
    );
  });
});

function formValues(overrides: StateValues = {}): StateValues {
  return {
    [CREATE_BLOCKS.name]: { value: state.text('my-nb') },
    [CREATE_BLOCKS.flavor]: { value: state.external('modelarts.vm.cpu.2u') },
    [CREATE_BLOCKS.image]: { value: state.external(IMAGE) },
    [CREATE_BLOCKS.storageType]: { value: state.select('EVS:MANAGED') },
    [CREATE_BLOCKS.storageSize]: { value: state.number('10') },
    [CREATE_BLOCKS.leaseDuration]: { value: state.text('2h') },
    [CREATE_BLOCKS.leaseType]: { value: state.radio('IDLE') },
    ...overrides,
  };
}

describe('create form', () => {
  it('reads a valid basic form into the request the client accepts', () => {
    const reading = readCreateForm(formValues() as never, DEFAULTS);
    const v = validateCreateDraft(reading.draft, reading.issues, false);
    expect(v).toEqual({
      ok: true,
      request: {
        name: 'my-nb',
        flavor: 'modelarts.vm.cpu.2u',
        image_id: IMAGE,
        volume: { category: 'EVS', ownership: 'MANAGED', capacity: 10 },
        lease: { duration: 2 * H, type: 'IDLE' },
      },
    });
    expect(reading.durationMs).toBe(2 * H);
  });

  it('reads every advanced field: SSH endpoint, pool, workspace, dedicated storage, hooks (COMMAND base64)', () => {
    const reading = readCreateForm(
      formValues({
        [CREATE_BLOCKS.storageType]: { value: state.select('EFS:DEDICATED') },
        [CREATE_BLOCKS.storageUri]: { value: state.text('192.168.0.5:/share') },
        [CREATE_BLOCKS.storageId]: { value: state.text(EFS_ID) },
        [CREATE_BLOCKS.description]: { value: state.text('For the demo') },
        [CREATE_BLOCKS.sshKeys]: { value: state.text('KeyPair-a, KeyPair-b') },
        [CREATE_BLOCKS.sshIps]: { value: state.text('203.0.113.7 198.51.100.2') },
        [CREATE_BLOCKS.pool]: { value: state.text('pool-abc') },
        [CREATE_BLOCKS.workspace]: { value: state.text('0') },
        [CREATE_BLOCKS.preStartType]: { value: state.select('COMMAND') },
        [CREATE_BLOCKS.preStartScript]: { value: state.text('pip install -r req.txt') },
        [CREATE_BLOCKS.postStartType]: { value: state.select('SCRIPT') },
        [CREATE_BLOCKS.postStartScript]: { value: state.text('/home/ma-user/work/post.sh') },
      }) as never,
      DEFAULTS,
    );
    const v = validateCreateDraft(reading.draft, reading.issues, true);
    expect(v.ok).toBe(true);
    if (!v.ok) return;
    expect(v.request).toMatchObject({
      description: 'For the demo',
      volume: { category: 'EFS', ownership: 'DEDICATED', uri: '192.168.0.5:/share', id: EFS_ID },
      endpoints: [
        {
          service: 'SSH',
          key_pair_names: ['KeyPair-a', 'KeyPair-b'],
          allowed_access_ips: ['203.0.113.7', '198.51.100.2'],
        },
      ],
      pool_id: 'pool-abc',
      workspace_id: '0',
      hooks: {
        container_hooks: {
          pre_start: { type: 'COMMAND', script: Buffer.from('pip install -r req.txt').toString('base64') },
          post_start: { type: 'SCRIPT', script: '/home/ma-user/work/post.sh' },
        },
      },
    });
    expect(v.request.volume.capacity).toBeUndefined();
  });

  it('reports every field problem at once, each on its own block', () => {
    const reading = readCreateForm(
      {
        [CREATE_BLOCKS.name]: { value: state.text('bad name!') },
        [CREATE_BLOCKS.flavor]: { value: state.external(LOADING_VALUE) },
        [CREATE_BLOCKS.image]: { value: state.external('not-an-image') },
        [CREATE_BLOCKS.storageType]: { value: state.select('EVS:MANAGED') },
        [CREATE_BLOCKS.storageSize]: { value: state.number('3') },
        [CREATE_BLOCKS.leaseDuration]: { value: state.text('30m') },
        [CREATE_BLOCKS.leaseType]: { value: state.radio('TIMING') },
        [CREATE_BLOCKS.description]: { value: state.text('a <b> & c') },
        [CREATE_BLOCKS.sshKeys]: { value: state.text('k1') },
        [CREATE_BLOCKS.sshIps]: { value: state.text('1.2.3, 1.1.1.1') },
        [CREATE_BLOCKS.pool]: { value: state.text('p'.repeat(65)) },
        [CREATE_BLOCKS.workspace]: { value: state.text('NOT-A-WORKSPACE') },
        [CREATE_BLOCKS.preStartType]: { value: state.select('SCRIPT') },
        [CREATE_BLOCKS.preStartScript]: { value: state.text('relative/path.sh') },
        [CREATE_BLOCKS.postStartType]: { value: state.select('COMMAND') },
        [CREATE_BLOCKS.postStartScript]: { value: state.text('') },
      } as never,
      DEFAULTS,
    );
    const v = validateCreateDraft(reading.draft, reading.issues, true);
    expect(v.ok).toBe(false);
    if (v.ok) return;
    const errors = issuesToErrors(v.issues);
    expect(Object.keys(errors).sort()).toEqual(
      [
        CREATE_BLOCKS.name,
        CREATE_BLOCKS.flavor,
        CREATE_BLOCKS.image,
        CREATE_BLOCKS.storageSize,
        CREATE_BLOCKS.leaseDuration,
        CREATE_BLOCKS.description,
        CREATE_BLOCKS.sshIps,
        CREATE_BLOCKS.pool,
        CREATE_BLOCKS.workspace,
        CREATE_BLOCKS.preStartScript,
        CREATE_BLOCKS.postStartScript,
      ].sort(),
    );
    expect(errors[CREATE_BLOCKS.name]).toContain('letters, digits');
    expect(errors[CREATE_BLOCKS.storageSize]).toContain('at least 5 GB');
    expect(errors[CREATE_BLOCKS.leaseDuration]).toContain('too short');
    expect(errors[CREATE_BLOCKS.sshIps]).toContain('"1.2.3": must be an IPv4 address');
    expect(errors[CREATE_BLOCKS.image]).toContain('image UUID');
    expect(errors[CREATE_BLOCKS.workspace]).toContain('workspace_id');
  });

  it('points dedicated-storage problems at the storage choice while advanced options are hidden', () => {
    const reading = readCreateForm(
      formValues({ [CREATE_BLOCKS.storageType]: { value: state.select('EFS:DEDICATED') } }) as never,
      DEFAULTS,
    );
    const hidden = validateCreateDraft(reading.draft, reading.issues, false);
    expect(hidden.ok).toBe(false);
    if (!hidden.ok) {
      const errors = issuesToErrors(hidden.issues);
      expect(Object.keys(errors)).toEqual([CREATE_BLOCKS.storageType]);
      expect(errors[CREATE_BLOCKS.storageType]).toContain('Show advanced options');
    }
    const shown = validateCreateDraft(reading.draft, reading.issues, true);
    if (!shown.ok)
      expect(Object.keys(issuesToErrors(shown.issues)).sort()).toEqual(
        [CREATE_BLOCKS.storageId, CREATE_BLOCKS.storageUri].sort(),
      );
  });

  it('asks an OBS volume for its obs:// path and the DEW secret of its access keys, in the advanced options', () => {
    const reading = readCreateForm(
      formValues({
        [CREATE_BLOCKS.storageType]: { value: state.select('OBS:DEDICATED') },
        [CREATE_BLOCKS.storageUri]: { value: state.text('bucket/dir/') },
      }) as never,
      DEFAULTS,
    );
    const v = validateCreateDraft(reading.draft, reading.issues, true);
    expect(v.ok).toBe(false);
    if (v.ok) return;
    const errors = issuesToErrors(v.issues);
    expect(errors[CREATE_BLOCKS.storageDewSecret]).toContain('DEW secret');
    expect(errors[CREATE_BLOCKS.storageUri]).toContain('obs://');

    const fixed = readCreateForm(
      formValues({
        [CREATE_BLOCKS.storageType]: { value: state.select('OBS:DEDICATED') },
        [CREATE_BLOCKS.storageUri]: { value: state.text('obs://bucket/dir/') },
        [CREATE_BLOCKS.storageDewSecret]: { value: state.text('obs-keys') },
      }) as never,
      DEFAULTS,
    );
    const ok = validateCreateDraft(fixed.draft, fixed.issues, true);
    expect(ok.ok && ok.request.volume).toEqual({
      category: 'OBS',
      ownership: 'DEDICATED',
      uri: 'obs://bucket/dir/',
      dew_secret_name: 'obs-keys',
    });
  });

  it('allows at most 5 IPs', () => {
    const reading = readCreateForm(
      formValues({
        [CREATE_BLOCKS.sshKeys]: { value: state.text('k1') },
        [CREATE_BLOCKS.sshIps]: { value: state.text('1.1.1.1, 2.2.2.2, 3.3.3.3, 4.4.4.4, 5.5.5.5, 6.6.6.6') },
      }) as never,
      DEFAULTS,
    );
    const v = validateCreateDraft(reading.draft, reading.issues, true);
    expect(v.ok ? {} : issuesToErrors(v.issues)).toEqual({ [CREATE_BLOCKS.sshIps]: 'at most 5 allowed IPs.' });
  });

  it('needs a key pair when IPs are given', () => {
    const reading = readCreateForm(
      formValues({ [CREATE_BLOCKS.sshIps]: { value: state.text('1.1.1.1') } }) as never,
      DEFAULTS,
    );
    expect(reading.issues).toEqual([{ blockId: CREATE_BLOCKS.sshKeys, message: expect.stringContaining('key pair') }]);
  });

  it('builds a modal within Slack limits, advanced options behind a toggle, same block ids either way', () => {
    const basic = buildCreateModal({ defaults: DEFAULTS, metadata: { channelId: 'C1' }, name: 'pre' });
    const advanced = buildCreateModal({ defaults: DEFAULTS, metadata: { channelId: 'C1', advanced: true } });
    const ids = (v: typeof basic) => v.blocks.map((b) => b.block_id).filter(Boolean);
    expect(ids(basic).every((id) => ids(advanced).includes(id))).toBe(true);
    expect(ids(advanced)).toContain(CREATE_BLOCKS.preStartScript);
    expect(ids(basic)).not.toContain(CREATE_BLOCKS.description);
    for (const v of [basic, advanced]) {
      expect(v.blocks.length).toBeLessThanOrEqual(100);
      expect((v.title as { text: string }).text.length).toBeLessThanOrEqual(24);
      expect(v.private_metadata!.length).toBeLessThanOrEqual(3000);
    }
    const flavor = basic.blocks.find((b) => b.block_id === CREATE_BLOCKS.flavor) as unknown as {
      element: Record<string, unknown>;
    };
    expect(flavor.element).toMatchObject({
      type: 'external_select',
      min_query_length: 0,
      initial_option: { value: DEFAULTS.flavor },
    });
    expect(JSON.stringify(basic)).toContain('Show advanced options');
    expect(JSON.stringify(advanced)).toContain('Hide advanced options');
  });
});

const FLAVORS: CatalogFlavor[] = [
  {
    id: 'modelarts.vm.cpu.8u',
    name: 'CPU: 8vCPUs 32GB',
    arch: 'X86_64',
    category: 'CPU',
    vcpus: 8,
    memory: 32 * 1024 * 1024,
  },
  {
    id: 'modelarts.vm.cpu.2u',
    name: 'CPU: 2vCPUs 8GB',
    arch: 'X86_64',
    category: 'CPU',
    vcpus: 2,
    memory: 8 * 1024 * 1024,
  },
  {
    id: 'modelarts.vm.gpu.t4u8',
    arch: 'X86_64',
    category: 'GPU',
    vcpus: 8,
    memory: 32,
    gpu: { gpu: 1, gpu_memory: 16, type: 'T4' },
  },
  {
    id: 'modelarts.vm.gpu.p100',
    arch: 'X86_64',
    category: 'GPU',
    vcpus: 8,
    memory: 64,
    sold_out: true,
    gpu: { gpu: 1, type: 'P100' },
  },
  {
    id: 'modelarts.vm.snt9b',
    arch: 'AARCH64',
    category: 'ASCEND',
    vcpus: 24,
    memory: 192,
    ascend: { npu: 1, type: 'ascend-snt9b' },
  },
];
const ALL = new Set(FLAVORS.map((f) => f.id));

describe('catalog options', () => {
  it('groups flavors CPU / GPU / Ascend, smallest first, sold out last and marked', () => {
    const a = buildFlavorOptions(FLAVORS, '', ALL);
    expect('option_groups' in a).toBe(true);
    if (!('option_groups' in a)) return;
    expect(a.option_groups.map((g) => g.label.text)).toEqual(['CPU', 'GPU', 'Ascend (NPU)']);
    expect(a.option_groups[0]!.options.map((o) => o.value)).toEqual(['modelarts.vm.cpu.2u', 'modelarts.vm.cpu.8u']);
    expect(a.option_groups[0]!.options[0]!.text.text).toBe('modelarts.vm.cpu.2u · 2 vCPU · 8 GB');
    const gpu = a.option_groups[1]!.options;
    expect(gpu.map((o) => o.value)).toEqual(['modelarts.vm.gpu.t4u8', 'modelarts.vm.gpu.p100']);
    expect(gpu[1]!.text.text).toMatch(/^⛔ sold out/);
    expect(gpu[0]!.text.text).toContain('1× T4 16 GB');
  });

  it('filters by every typed word and by what the user may pick', () => {
    const t4 = buildFlavorOptions(FLAVORS, 'gpu T4', ALL);
    expect(JSON.stringify(t4)).toContain('t4u8');
    expect(JSON.stringify(t4)).not.toContain('p100');
    const onlyCpu = buildFlavorOptions(FLAVORS, '', new Set(['modelarts.vm.cpu.2u']));
    expect(onlyCpu).toEqual({
      option_groups: [
        { label: expect.anything(), options: [expect.objectContaining({ value: 'modelarts.vm.cpu.2u' })] },
      ],
    });
    expect(buildFlavorOptions(FLAVORS, 'nothing-like-this', ALL)).toEqual({ options: [] });
  });

  it('never answers more than 100 options', () => {
    const many = Array.from({ length: 150 }, (_, i) => ({ id: `f${i}`, category: i % 2 ? 'CPU' : 'GPU', vcpus: i }));
    const a = buildFlavorOptions(many, '', new Set(many.map((f) => f.id)));
    const count = 'option_groups' in a ? a.option_groups.reduce((n, g) => n + g.options.length, 0) : 0;
    expect(count).toBe(100);
  });

  const IMAGES: CatalogImage[] = [
    {
      id: 'old-x86',
      name: 'pytorch1.8',
      tag: 'v1',
      arch: 'X86_64',
      type: 'BUILD_IN',
      create_at: 1,
      resource_categories: ['CPU', 'GPU'],
    },
    { id: 'new-x86', name: 'pytorch2.1', arch: 'X86_64', type: 'BUILD_IN', update_at: 5, resource_categories: ['GPU'] },
    { id: 'arm', name: 'mindspore', arch: 'AARCH64', type: 'BUILD_IN', update_at: 9, resource_categories: ['ASCEND'] },
    { id: 'mine', name: 'team-custom', arch: 'X86_64', type: 'DEDICATED', update_at: 7 },
    { id: 'infer-only', name: 'infer', arch: 'X86_64', type: 'BUILD_IN', update_at: 8, dev_services: ['INFERENCE'] },
  ];

  it('filters images to the flavor architecture and category, newest first, the team’s own images apart and first', () => {
    const gpu = buildImageOptions(IMAGES, '', { arch: 'x86_64', category: 'GPU' });
    expect(gpu).toEqual({
      option_groups: [
        {
          label: expect.objectContaining({ text: 'Your images (x86_64)' }),
          options: [expect.objectContaining({ value: 'mine' })],
        },
        {
          label: expect.objectContaining({ text: 'Built-in images (x86_64)' }),
          options: [
            expect.objectContaining({ value: 'new-x86' }),
            expect.objectContaining({ value: 'old-x86', text: expect.objectContaining({ text: 'pytorch1.8:v1' }) }),
          ],
        },
      ],
    });
    const arm = buildImageOptions(IMAGES, '', { arch: 'arm64' });
    expect(JSON.stringify(arm)).toContain('"arm"');
    expect(JSON.stringify(arm)).not.toContain('x86');
    const typed = buildImageOptions(IMAGES, 'torch 1.8', {});
    expect(JSON.stringify(typed)).toContain('old-x86');
    expect(JSON.stringify(typed)).not.toContain('new-x86');
    expect(pickDefaultImage(IMAGES, { arch: 'X86_64', category: 'CPU' })?.id).toBe('old-x86');
    expect(pickDefaultImage(IMAGES, { arch: 'X86_64', category: 'GPU' })?.id).toBe('new-x86');
    expect(pickDefaultImage(IMAGES, { arch: 'AARCH64' })?.id).toBe('arm');
  });

  it('normalizes architectures and memory units', () => {
    expect(normalizeArch('amd64')).toBe('X86_64');
    expect(normalizeArch('arm64')).toBe('AARCH64');
    expect(memoryGb(8 * 1024 * 1024)).toBe(8);
    expect(memoryGb(8192)).toBe(8);
    expect(memoryGb(8)).toBe(8);
  });
});

function summary(over: { [K in keyof NotebookSummary]?: NotebookSummary[K] | undefined } = {}): NotebookSummary {
  const s = {
    id: 'id-1',
    name: 'nb',
    status: 'RUNNING',
    live: true,
    flavor: 'modelarts.vm.cpu.2u',
    remainingMs: 90 * M,
    url: 'https://lab/x',
    ...over,
  };
  for (const k of Object.keys(s) as Array<keyof typeof s>) if (s[k] === undefined) delete s[k];
  return s as NotebookSummary;
}

describe('App Home and message builders', () => {
  it('renders notebooks with status, flavor, time left and the right buttons', () => {
    const view = buildHomeView({
      notebooks: [
        summary({ name: '<!here> nb' }),
        summary({ id: 'id-2', name: 'stopped', status: 'STOPPED', remainingMs: undefined, url: undefined }),
        summary({ id: 'id-3', name: 'idle', leaseType: 'IDLE', live: false }),
      ],
      startLeaseHours: 2,
      commandName: '/notebook',
      now: Date.UTC(2026, 0, 1),
    });
    const json = JSON.stringify(view);
    expect(view.type).toBe('home');
    expect(json).toContain('My notebooks');
    expect(json).toContain('&lt;!here&gt; nb');
    expect(json).toContain(`Updated ${slackDate(Date.UTC(2026, 0, 1), '{time}')}`);
    const rendered = view.blocks.filter((b) => b.type === 'section').map((b) => JSON.stringify(b));
    expect(rendered.join('')).not.toContain('<!here>');
    expect(json).toContain('1 h 30 min left');
    expect(json).toContain('up to 1 h 30 min left (stops when idle)');
    expect(json).toContain('RUNNING (last known)');
    const actions = view.blocks
      .filter((b) => b.type === 'actions')
      .flatMap((b) => (b as { elements: Array<{ action_id: string; value?: string; url?: string }> }).elements);
    const ids = actions.map((a) => a.action_id);
    expect(ids.filter((i) => i === HOME_ACTIONS.open)).toHaveLength(2);
    expect(ids.filter((i) => i === HOME_ACTIONS.stop)).toHaveLength(2);
    expect(ids.filter((i) => i === HOME_ACTIONS.extend)).toHaveLength(2);
    const start = actions.find((a) => a.action_id === HOME_ACTIONS.start);
    expect(decodePick(start?.value)).toEqual({
      verb: 'start',
      notebookId: 'id-2',
      name: 'stopped',
      durationMs: 2 * H,
      leaseType: 'TIMING',
    });
    expect(ids).toContain(HOME_ACTIONS.create);
  });

  it('stays under 100 blocks with many notebooks and says how many were left out', () => {
    const many = Array.from({ length: 60 }, (_, i) => summary({ id: `id-${i}`, name: `nb-${i}` }));
    const view = buildHomeView({ notebooks: many, startLeaseHours: 1, commandName: '/notebook', now: 0 });
    expect(view.blocks.length).toBeLessThanOrEqual(100);
    expect(JSON.stringify(view)).toContain('and 35 more');
  });

  it('shows an empty state and an error state', () => {
    expect(JSON.stringify(buildHomeView({ notebooks: [], startLeaseHours: 1, commandName: '/nb', now: 0 }))).toContain(
      '/nb create',
    );
    expect(
      JSON.stringify(buildHomeView({ notebooks: [], startLeaseHours: 1, commandName: '/nb', now: 0, error: 'boom' })),
    ).toContain(':warning: boom');
  });

  it('lists notebooks in sections within the message limits', () => {
    const many = Array.from({ length: 400 }, (_, i) =>
      summary({ id: `id-${i}`, name: `notebook-with-a-long-name-${i}`, ownerId: 'U1' }),
    );
    const msg = buildListMessage('*All*', many, { showOwner: true, empty: 'none', more: 10 });
    expect(msg.blocks.length).toBeLessThanOrEqual(50);
    for (const b of msg.blocks)
      if (b.type === 'section')
        expect(JSON.stringify((b as { text: { text: string } }).text.text).length).toBeLessThanOrEqual(3000);
    expect(JSON.stringify(msg)).toContain('<@U1>');
    expect(JSON.stringify(msg)).toMatch(/and \d+ more/);
  });

  it('renders a status answer with an Open button only when running', () => {
    expect(JSON.stringify(buildStatusMessage(summary()))).toContain('Open JupyterLab');
    expect(JSON.stringify(buildStatusMessage(summary({ status: 'STOPPED' })))).not.toContain('Open JupyterLab');
    expect(JSON.stringify(buildStatusMessage(summary({ status: 'ERROR', failReason: '<bad>' })))).toContain(
      '&lt;bad&gt;',
    );
  });

  it('builds pickers whose buttons carry the request, with a confirm dialog for deletes', () => {
    const nbs = [
      { id: 'a', name: 'nb', status: 'STOPPED' },
      { id: 'b', name: 'nb', status: 'RUNNING' },
    ];
    const msg = buildPickerMessage('nb', nbs, true, { verb: 'start', durationMs: 2 * H, leaseType: 'TIMING' });
    const buttons = (msg.blocks[2] as { elements: Array<{ action_id: string; value: string; confirm?: unknown }> })
      .elements;
    expect(buttons.map((b) => b.action_id)).toEqual(['nb_pick_0', 'nb_pick_1']);
    expect(decodePick(buttons[1]!.value)).toEqual({
      verb: 'start',
      notebookId: 'b',
      name: 'nb',
      durationMs: 2 * H,
      leaseType: 'TIMING',
    });
    const del = buildDeleteConfirmMessage({ id: 'a', name: 'nb', status: 'STOPPED' });
    expect(JSON.stringify(del)).toContain('"confirm"');
    expect(JSON.stringify(del)).toContain('danger');
  });

  it('builds the start modal in its lookup states', () => {
    const loading = buildStartModal({ metadata: { query: 'nb' }, lookup: { state: 'loading' }, leaseHours: 1 });
    expect(loading.submit).toBeDefined();
    const none = buildStartModal({ metadata: { query: 'nb' }, lookup: { state: 'none' }, leaseHours: 1 });
    expect(none.submit).toBeUndefined();
    const one = buildStartModal({
      metadata: {},
      lookup: { state: 'choose', candidates: [{ id: 'a', name: 'nb', status: 'STOPPED' }], exact: true },
      leaseHours: 3,
    });
    expect(JSON.stringify(one)).toContain('"initial_option"');
    expect(JSON.stringify(one)).toContain('3h');
  });
});

describe('user-facing error messages', () => {
  it('say what happened and what to do, escaped, with a reference instead of internals', () => {
    expect(userMessageFor(new ValidationError([{ field: 'name', message: 'must not contain <' }]), 'r1')).toBe(
      'That request did not pass the checks:\n• name: must not contain &lt;\nFix it and try again.',
    );
    expect(userMessageFor(new ModelArtsTimeoutError('x'), 'r1')).toContain('did not answer in time');
    const slack = Object.assign(new Error('An API error occurred: channel_not_found'), {
      code: 'slack_webapi_platform_error',
      data: { error: 'channel_not_found' },
    });
    expect(userMessageFor(slack, 'r2')).toContain('channel_not_found');
    const unknown = userMessageFor(
      new TypeError('Cannot read properties of undefined (reading x) at foo.ts:12'),
      'abcd1234',
    );
    expect(unknown).toContain('abcd1234');
    expect(unknown).not.toContain('foo.ts');
    expect(unknown).not.toContain('Cannot read');
  });
});

describe('small pure helpers', () => {
  it('round-trips picker values and refuses forged ones', () => {
    const v = { verb: 'extend', notebookId: 'abc-1', name: 'nb', addMs: H } as const;
    expect(decodePick(encodePick(v))).toEqual(v);
    expect(decodePick('["rm -rf","x","y",0,"",0]')).toBeUndefined();
    expect(decodePick('["stop","../../etc","y",0,"",0]')).toBeUndefined();
    expect(decodePick('not json')).toBeUndefined();
    expect(decodePick(undefined)).toBeUndefined();
  });

  it('round-trips modal metadata compactly', () => {
    const meta = {
      channelId: 'C1',
      advanced: true,
      flavor: 'f',
      arch: 'X86_64',
      category: 'GPU',
      query: 'q',
      flavors: { a: 'f' },
    };
    expect(decodeMetadata(encodeMetadata(meta))).toEqual(meta);
    expect(decodeMetadata('garbage')).toEqual({});
    expect(encodeMetadata({ channelId: 'C1' })).toBe('{"c":"C1"}');
  });

  it('derives stable, distinct operation ids', () => {
    expect(operationId('create', 'V1')).toBe(operationId('create', 'V1'));
    expect(operationId('create', 'V1')).not.toBe(operationId('create', 'V2'));
    expect(operationId('create', 'V1')).toMatch(/^create-[0-9a-f]{32}$/);
  });

  it('computes time left as create_at + duration - now and strips the Jupyter token', () => {
    const s = summarize(
      {
        id: 'x',
        name: 'nb',
        status: 'RUNNING',
        lease: { create_at: 1000, duration: H },
        url: 'https://lab/x?token=secret&a=1',
      },
      undefined,
      1000 + 15 * M,
    );
    expect(s.remainingMs).toBe(45 * M);
    expect(s.url).toBe('https://lab/x?a=1');
    expect(safeUrl('javascript:alert(1)')).toBeUndefined();
    expect(
      summarize(
        undefined,
        {
          notebookId: 'r',
          name: 'rec',
          channelId: 'C',
          origin: 'created',
          createdAt: 0,
          updatedAt: 0,
          lastStatus: 'STOPPED',
          ownerId: 'U1',
        },
        0,
      ),
    ).toMatchObject({ status: 'STOPPED', live: false, ownerId: 'U1' });
  });
});

describe('Slack SDK logger adapter', () => {
  function capture(): { logger: Logger; lines: string[] } {
    const lines: string[] = [];
    const destination = new Writable({
      write(chunk, _enc, cb) {
        lines.push(...String(chunk).split('\n').filter(Boolean));
        cb();
      },
    });
    return { logger: createLogger({ level: 'debug', destination }), lines };
  }

  it('names its lines once, and follows the SDK renaming it', () => {
    const { logger, lines } = capture();
    const log = slackLogger(logger, 'slack-web-api');
    log.info('apiCall start', { method: 'chat.postMessage' });
    log.setName('socket-mode:SocketModeClient:0');
    log.warn(new Error('boom'));
    expect(lines.map((l) => JSON.parse(l).component)).toEqual(['slack-web-api', 'socket-mode:SocketModeClient:0']);
    expect(JSON.parse(lines[0]!).msg).toBe('apiCall start {"method":"chat.postMessage"}');
    expect(JSON.parse(lines[1]!).err.message).toBe('boom');
  });

  it('keeps a component the logger already has rather than writing the key twice', () => {
    const { logger, lines } = capture();
    slackLogger(logger.child({ component: 'slack' }), 'bolt').info('hello');
    expect(lines).toHaveLength(1);
    expect(lines[0]!.match(/"component":/g)).toHaveLength(1);
    expect(JSON.parse(lines[0]!).component).toBe('slack');
  });
});

describe('escapeKeepingDates', () => {
  it('escapes our sentences but keeps the date tokens slackDate writes, so each reader sees local time', () => {
    const at = Date.UTC(2026, 11, 1, 17, 22);
    const text = escapeKeepingDates(`Lease <b> & co: it now stops ${slackDate(at)}.`, escapeMrkdwn);
    expect(text).toBe(`Lease &lt;b&gt; &amp; co: it now stops ${slackDate(at)}.`);
    // Anything that only looks like a date token is escaped like the rest.
    expect(escapeKeepingDates('<!date^1^{evil}|x>', escapeMrkdwn)).toBe('&lt;!date^1^{evil}|x&gt;');
  });
});
