import { MAX_CAPACITY_GB, MAX_DESCRIPTION_LENGTH, MAX_NAME_LENGTH, MIN_CAPACITY_GB } from '../modelarts/index.js';
import { formatHourly, formatMoney, type Money, quoteText } from './costs.js';
import { escapeMrkdwn } from './format.js';
import { type InputBlock, type KnownBlock, type ModalView, mrkdwn, type Option, option, plain } from './kit.js';
import { encodeMetadata, type ModalMetadata } from './metadata.js';

/** callback_id of the create modal. */
export const CREATE_CALLBACK_ID = 'notebook_create';

/** Block ids of the create modal; each input's element has action_id `value`. */
export const CREATE_BLOCKS = {
  name: 'nb_name',
  flavor: 'nb_flavor',
  image: 'nb_image',
  storageType: 'nb_storage_type',
  storageSize: 'nb_storage_size',
  leaseDuration: 'nb_lease_duration',
  leaseType: 'nb_lease_type',
  advancedToggle: 'nb_advanced_toggle',
  description: 'nb_description',
  sshKeys: 'nb_ssh_keys',
  sshIps: 'nb_ssh_ips',
  pool: 'nb_pool',
  workspace: 'nb_workspace',
  storageUri: 'nb_storage_uri',
  storageId: 'nb_storage_id',
  storageDewSecret: 'nb_storage_dew_secret',
  preStartType: 'nb_pre_start_type',
  preStartScript: 'nb_pre_start_script',
  postStartType: 'nb_post_start_type',
  postStartScript: 'nb_post_start_script',
} as const;

/** action_id of every input element in the create and start modals. */
export const VALUE_ACTION = 'value';
/**
 * action_ids of buttons in the create modal. The flavor and storage inputs dispatch their
 * selection too; those arrive with their block_id and action_id `value`.
 */
export const CREATE_ACTIONS = {
  toggleAdvanced: 'create_toggle_advanced',
} as const;

/** Storage choices: `CATEGORY:OWNERSHIP`. EVS is sized here; the dedicated ones need a path (advanced). */
export const STORAGE_CHOICES: ReadonlyArray<{ value: string; text: string; dedicated: boolean }> = [
  { value: 'EVS:MANAGED', text: 'EVS disk (size below)', dedicated: false },
  { value: 'EFS:DEDICATED', text: 'SFS Turbo / EFS (dedicated)', dedicated: true },
  { value: 'OBS:DEDICATED', text: 'OBS bucket (dedicated)', dedicated: true },
  { value: 'OBSFS:DEDICATED', text: 'OBS parallel file system (dedicated)', dedicated: true },
];

const LEASE_TYPE_OPTIONS: Option[] = [
  option('Stop after this long (TIMING)', 'TIMING'),
  option('Stop after being idle this long (IDLE)', 'IDLE'),
];
const HOOK_TYPE_OPTIONS: Option[] = [
  option('Command (typed below)', 'COMMAND'),
  option('Script path in the image', 'SCRIPT'),
];

/** Defaults the basic path starts from (configurable: DEFAULT_FLAVOR, DEFAULT_IMAGE_ID, …). */
export interface CreateDefaults {
  flavor: string;
  imageId?: string | undefined;
  storageGb: number;
  leaseHours: number;
}

export interface CreateModalInput {
  defaults: CreateDefaults;
  metadata: ModalMetadata;
  /** Prefilled name (`/notebook create my-nb`). */
  name?: string | undefined;
  /** Prices from the policy: the form then shows what the chosen flavor and auto-stop cost. */
  costs?: CreateCosts | undefined;
}

/** What the create form needs to show costs. */
export interface CreateCosts {
  priceOf(flavorId: string): Money | undefined;
  /** Price of one GB of storage for a month. */
  storagePerGbMonth?: Money | undefined;
}

/** `block_id` of the form's cost summary. */
export const CREATE_COST_BLOCK = 'nb_cost_summary';

/**
 * The cost summary under the auto-stop: the chosen flavor's price and what the chosen auto-stop
 * costs (or the price alone for an idle auto-stop, whose length is unknown), plus the storage.
 */
export function createCostSummary(input: CreateModalInput): KnownBlock | undefined {
  const costs = input.costs;
  if (!costs) return undefined;
  const flavor = input.metadata.flavor ?? input.defaults.flavor;
  const price = costs.priceOf(flavor);
  const leaseMs = input.metadata.leaseMs ?? input.defaults.leaseHours * 3_600_000;
  const lines: string[] = [];
  if (price) {
    lines.push(
      `:moneybag: *${escapeMrkdwn(flavor)}* costs ${formatHourly(price)}: auto-stop after ${quoteText(leaseMs, price)}.`,
    );
  } else {
    lines.push(`:moneybag: No price is set for *${escapeMrkdwn(flavor)}*: the bot counts its hours only.`);
  }
  if (costs.storagePerGbMonth) {
    const gb = input.defaults.storageGb;
    const monthly = { micros: costs.storagePerGbMonth.micros * gb, currency: costs.storagePerGbMonth.currency };
    lines.push(
      `Storage: ${formatMoney(costs.storagePerGbMonth, 2)} per GB a month (${gb} GB ≈ ${formatMoney(monthly)} a month, kept while the notebook exists).`,
    );
  }
  return { type: 'context', block_id: CREATE_COST_BLOCK, elements: [mrkdwn(lines.join('\n'))] };
}

function input(
  blockId: string,
  label: string,
  element: InputBlock['element'],
  extra: Partial<InputBlock> = {},
): InputBlock {
  return { type: 'input', block_id: blockId, label: plain(label, 2000), element, ...extra };
}

function text(
  blockId: string,
  label: string,
  opts: { placeholder?: string; hint?: string; max?: number; multiline?: boolean },
) {
  return input(
    blockId,
    label,
    {
      type: 'plain_text_input',
      action_id: VALUE_ACTION,
      ...(opts.placeholder ? { placeholder: plain(opts.placeholder, 150) } : {}),
      ...(opts.max ? { max_length: opts.max } : {}),
      ...(opts.multiline ? { multiline: true } : {}),
    },
    { optional: true, ...(opts.hint ? { hint: plain(opts.hint, 2000) } : {}) },
  );
}

function basicBlocks(all: CreateModalInput): KnownBlock[] {
  const { defaults, metadata, name, costs } = all;
  const summary = createCostSummary(all);
  const storage = STORAGE_CHOICES[0]!;
  return [
    input(
      CREATE_BLOCKS.name,
      'Name',
      {
        type: 'plain_text_input',
        action_id: VALUE_ACTION,
        max_length: MAX_NAME_LENGTH,
        placeholder: plain('my-notebook'),
        ...(name ? { initial_value: name.slice(0, MAX_NAME_LENGTH) } : {}),
      },
      { hint: plain('Letters, digits, - and _ only.') },
    ),
    input(
      CREATE_BLOCKS.flavor,
      'Flavor',
      {
        type: 'external_select',
        action_id: VALUE_ACTION,
        min_query_length: 0,
        placeholder: plain('Type to search: cpu, gpu, t4, 8u…'),
        initial_option: option(metadata.flavor ?? defaults.flavor, metadata.flavor ?? defaults.flavor),
      },
      { dispatch_action: true },
    ),
    input(
      CREATE_BLOCKS.image,
      'Image',
      {
        type: 'external_select',
        action_id: VALUE_ACTION,
        min_query_length: 0,
        placeholder: plain('Newest built-in image for the flavor'),
        ...(defaults.imageId ? { initial_option: option(defaults.imageId, defaults.imageId) } : {}),
      },
      { optional: true, hint: plain('Leave empty to use the newest built-in image that fits the flavor.') },
    ),
    input(
      CREATE_BLOCKS.storageType,
      'Storage',
      {
        type: 'static_select',
        action_id: VALUE_ACTION,
        options: STORAGE_CHOICES.map((c) => option(c.text, c.value)),
        initial_option: option(storage.text, storage.value),
      },
      { dispatch_action: true },
    ),
    input(
      CREATE_BLOCKS.storageSize,
      'Disk size (GB, EVS only)',
      {
        type: 'number_input',
        action_id: VALUE_ACTION,
        is_decimal_allowed: false,
        min_value: String(MIN_CAPACITY_GB),
        max_value: String(MAX_CAPACITY_GB),
        initial_value: String(defaults.storageGb),
      },
      { optional: true },
    ),
    input(
      CREATE_BLOCKS.leaseDuration,
      'Auto-stop after',
      {
        type: 'plain_text_input',
        action_id: VALUE_ACTION,
        initial_value: `${defaults.leaseHours}h`,
        max_length: 40,
        // With prices, each change re-renders the cost summary below.
        ...(costs ? { dispatch_action_config: { trigger_actions_on: ['on_character_entered' as const] } } : {}),
      },
      { hint: plain('From 1h to 72h, e.g. 2h, 90m, 1.5h, 1d.'), ...(costs ? { dispatch_action: true } : {}) },
    ),
    input(CREATE_BLOCKS.leaseType, 'Auto-stop kind', {
      type: 'radio_buttons',
      action_id: VALUE_ACTION,
      options: LEASE_TYPE_OPTIONS,
      initial_option: LEASE_TYPE_OPTIONS[0]!,
    }),
    ...(summary ? [summary] : []),
    {
      type: 'actions',
      block_id: CREATE_BLOCKS.advancedToggle,
      elements: [
        {
          type: 'button',
          action_id: CREATE_ACTIONS.toggleAdvanced,
          text: plain(metadata.advanced ? 'Hide advanced options' : 'Show advanced options'),
          value: metadata.advanced ? 'hide' : 'show',
        },
      ],
    },
  ];
}

function hookBlocks(typeBlock: string, scriptBlock: string, when: string): KnownBlock[] {
  return [
    input(
      typeBlock,
      `${when} hook`,
      { type: 'static_select', action_id: VALUE_ACTION, options: HOOK_TYPE_OPTIONS, placeholder: plain('None') },
      { optional: true },
    ),
    text(scriptBlock, `${when} command or script path`, {
      multiline: true,
      max: 3000,
      hint: 'A command is sent base64-encoded; a script is an absolute path such as /home/ma-user/work/setup.sh.',
    }),
  ];
}

function advancedBlocks(): KnownBlock[] {
  return [
    { type: 'divider' },
    { type: 'header', text: plain('Advanced options', 150) },
    text(CREATE_BLOCKS.description, 'Description', {
      multiline: true,
      max: MAX_DESCRIPTION_LENGTH,
      hint: 'No & < > " \' or /.',
    }),
    text(CREATE_BLOCKS.sshKeys, 'SSH key pair names', {
      placeholder: 'KeyPair-ma, KeyPair-dev',
      hint: 'Comma-separated. Enables remote SSH access (VS Code, PyCharm).',
    }),
    text(CREATE_BLOCKS.sshIps, 'Allowed IPs for SSH', {
      placeholder: '203.0.113.7, 198.51.100.20',
      hint: 'Up to 5 IPv4 addresses, comma-separated. Empty allows any address.',
    }),
    text(CREATE_BLOCKS.pool, 'Dedicated resource pool id', { placeholder: 'pool-…', max: 64 }),
    text(CREATE_BLOCKS.workspace, 'Workspace id', {
      placeholder: '0',
      max: 32,
      hint: '"0" (default) or a 32-character id.',
    }),
    text(CREATE_BLOCKS.storageUri, 'Dedicated storage path', {
      placeholder: 'obs://bucket/path/ or the SFS Turbo share path',
      max: 1024,
      hint: 'Needed for SFS Turbo / EFS and OBS storage.',
    }),
    text(CREATE_BLOCKS.storageId, 'SFS Turbo / EFS file system id', { max: 128 }),
    text(CREATE_BLOCKS.storageDewSecret, 'DEW secret for OBS', {
      max: 64,
      hint: 'OBS storage only: the DEW secret that holds the access keys the mount uses.',
    }),
    ...hookBlocks(CREATE_BLOCKS.preStartType, CREATE_BLOCKS.preStartScript, 'Pre-start'),
    ...hookBlocks(CREATE_BLOCKS.postStartType, CREATE_BLOCKS.postStartScript, 'Post-start'),
  ];
}

/**
 * The create modal. The basic path is name, flavor, image, storage and auto-stop; the advanced
 * options (description, SSH, pool, workspace, dedicated storage, hooks) appear below a toggle,
 * rendered by the same function with `metadata.advanced`, so a views.update keeps what the user
 * already entered (same block_id and action_id).
 */
export function buildCreateModal(inputData: CreateModalInput): ModalView {
  return {
    type: 'modal',
    callback_id: CREATE_CALLBACK_ID,
    title: plain('New notebook', 24),
    submit: plain('Create', 24),
    close: plain('Cancel', 24),
    private_metadata: encodeMetadata(inputData.metadata),
    blocks: [
      ...basicBlocks(inputData),
      ...(inputData.metadata.advanced ? advancedBlocks() : []),
      {
        type: 'context',
        elements: [mrkdwn('The notebook starts as soon as it is created; the bot posts its progress in the channel.')],
      },
    ],
  };
}
