import type { Notebook } from '../modelarts/index.js';
import { VALUE_ACTION } from './create-modal.js';
import { codeSpan } from './format.js';
import { type KnownBlock, type ModalView, mrkdwn, type Option, option, plain } from './kit.js';
import { encodeMetadata, type ModalMetadata } from './metadata.js';

/** callback_id of the start modal. */
export const START_CALLBACK_ID = 'notebook_start';
/** Block ids of the start modal (elements use action_id `value`). */
export const START_BLOCKS = { notebook: 'st_notebook', duration: 'st_duration', leaseType: 'st_lease_type' } as const;

/** Where the name lookup stands: the modal opens at once ("loading") and is updated when it is done. */
export type StartLookup =
  | { state: 'loading' }
  | { state: 'choose'; candidates: readonly Notebook[]; exact: boolean }
  | { state: 'none' }
  | { state: 'error'; message: string };

export interface StartModalInput {
  metadata: ModalMetadata;
  lookup: StartLookup;
  leaseHours: number;
}

const LEASE_TYPES: Option[] = [
  option('Stop after this long (TIMING)', 'TIMING'),
  option('Stop after being idle this long (IDLE)', 'IDLE'),
];

function notebookOption(nb: Notebook): Option {
  return option(nb.name || nb.id, nb.id, [nb.status, nb.flavor].filter(Boolean).join(' · ') || undefined);
}

function lookupBlocks(input: StartModalInput): KnownBlock[] {
  const q = codeSpan(input.metadata.query ?? '');
  const { lookup } = input;
  switch (lookup.state) {
    case 'loading':
      return [{ type: 'context', elements: [mrkdwn(`:mag: Looking up ${q}…`)] }];
    case 'none':
      return [{ type: 'section', text: mrkdwn(`No notebook matches ${q}. Check the name with \`/notebook list\`.`) }];
    case 'error':
      return [{ type: 'section', text: mrkdwn(`:warning: ${lookup.message}`) }];
    case 'choose': {
      const options = lookup.candidates.slice(0, 100).map(notebookOption);
      const only = lookup.exact && options.length === 1 ? options[0] : undefined;
      return [
        {
          type: 'input',
          block_id: START_BLOCKS.notebook,
          label: plain('Notebook'),
          element: {
            type: 'static_select',
            action_id: VALUE_ACTION,
            options,
            ...(only ? { initial_option: only } : { placeholder: plain('Pick the notebook') }),
          },
          ...(only
            ? {}
            : { hint: plain(lookup.exact ? 'Several notebooks have this name.' : 'No exact match; these are close.') }),
        },
      ];
    }
  }
}

/**
 * The start modal: which notebook (filled in once the name lookup is done), how long, and the
 * auto-stop kind. Without a match it only explains, with no submit button.
 */
export function buildStartModal(input: StartModalInput): ModalView {
  const canSubmit = input.lookup.state === 'loading' || input.lookup.state === 'choose';
  const blocks: KnownBlock[] = [...lookupBlocks(input)];
  if (canSubmit) {
    blocks.push(
      {
        type: 'input',
        block_id: START_BLOCKS.duration,
        label: plain('Run for'),
        element: {
          type: 'plain_text_input',
          action_id: VALUE_ACTION,
          initial_value: `${input.leaseHours}h`,
          max_length: 40,
        },
        hint: plain('From 1h to 72h, e.g. 2h, 90m, 1.5h, 1d.'),
      },
      {
        type: 'input',
        block_id: START_BLOCKS.leaseType,
        label: plain('Auto-stop kind'),
        element: {
          type: 'radio_buttons',
          action_id: VALUE_ACTION,
          options: LEASE_TYPES,
          initial_option: LEASE_TYPES[0]!,
        },
      },
    );
  }
  return {
    type: 'modal',
    callback_id: START_CALLBACK_ID,
    title: plain('Start notebook', 24),
    close: plain(canSubmit ? 'Cancel' : 'Close', 24),
    ...(canSubmit ? { submit: plain('Start', 24) } : {}),
    private_metadata: encodeMetadata(input.metadata),
    blocks,
  };
}
