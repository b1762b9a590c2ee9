import type { Notebook } from '../modelarts/index.js';
import { codeSpan, escapeMrkdwn } from './format.js';
import type { Button, ConfirmationDialog, KnownBlock } from './kit.js';
import { mrkdwn, plain } from './kit.js';
import { encodePick, type PickValue, type PickVerb } from './pick-value.js';

/** action_id prefix of picker and confirmation buttons: `nb_pick_0`, `nb_pick_1`, … */
export const PICK_ACTION_PREFIX = 'nb_pick_';
/** Matches every picker button's action_id. */
export const PICK_ACTION_PATTERN = /^nb_pick_\d+$/;

const VERB_LABEL: Record<PickVerb, string> = {
  start: 'Start',
  stop: 'Stop',
  delete: 'Delete',
  status: 'Show',
  extend: 'Extend',
};

/** The "are you sure" dialog on every delete button. */
export function deleteConfirmation(name: string): ConfirmationDialog {
  return {
    title: plain('Delete notebook?', 100),
    text: mrkdwn(`This deletes *${escapeMrkdwn(name)}* and its EVS disk for good. Files not saved elsewhere are lost.`),
    confirm: plain('Delete', 30),
    deny: plain('Keep it', 30),
    style: 'danger',
  };
}

function pickButton(i: number, nb: Pick<Notebook, 'id' | 'name'>, value: PickValue): Button {
  return {
    type: 'button',
    action_id: `${PICK_ACTION_PREFIX}${i}`,
    text: plain(`${VERB_LABEL[value.verb]} ${nb.name || nb.id}`, 75),
    value: encodePick(value),
    ...(value.verb === 'delete' ? { style: 'danger' as const, confirm: deleteConfirmation(nb.name || nb.id) } : {}),
  };
}

/** What the request was, besides which notebook: lease for start, time for extend. */
export type PickTemplate = Omit<PickValue, 'notebookId' | 'name'>;

function describe(nb: Notebook): string {
  const parts = [nb.status, nb.flavor].filter(Boolean).map((p) => escapeMrkdwn(String(p)));
  return `*${escapeMrkdwn(nb.name || nb.id)}* · ${codeSpan(nb.id)}${parts.length ? ` · ${parts.join(' · ')}` : ''}`;
}

/**
 * The ephemeral picker shown when a name matches several notebooks (or only fuzzily): one line and
 * one button per candidate, carrying the original request so a click completes it.
 */
export function buildPickerMessage(
  query: string,
  candidates: readonly Notebook[],
  exact: boolean,
  template: PickTemplate,
) {
  const head = exact
    ? `Several notebooks are named ${codeSpan(query)}. Which one?`
    : `No notebook is named exactly ${codeSpan(query)}. Did you mean one of these?`;
  const blocks: KnownBlock[] = [
    { type: 'section', text: mrkdwn(head) },
    { type: 'section', text: mrkdwn(candidates.map((nb) => `• ${describe(nb)}`).join('\n')) },
    {
      type: 'actions',
      block_id: 'nb_picker',
      elements: candidates.map((nb, i) =>
        pickButton(i, nb, { ...template, notebookId: nb.id, name: nb.name || nb.id }),
      ),
    },
  ];
  return { text: head, blocks };
}

/** The delete confirmation: a danger button with a confirm dialog (so two steps before anything happens). */
export function buildDeleteConfirmMessage(nb: Notebook) {
  const text = `Delete ${describe(nb)}? This cannot be undone.`;
  const blocks: KnownBlock[] = [
    { type: 'section', text: mrkdwn(text) },
    {
      type: 'actions',
      block_id: 'nb_delete_confirm',
      elements: [pickButton(0, nb, { verb: 'delete', notebookId: nb.id, name: nb.name || nb.id })],
    },
  ];
  return { text, blocks };
}
