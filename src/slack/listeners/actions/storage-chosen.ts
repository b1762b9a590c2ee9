import { STORAGE_CHOICES } from '../../../messages/index.js';
import type { SlackDeps } from '../../deps.js';
import { createModalSelect } from './create-modal-select.js';

/** A dedicated storage kind was picked: its path lives in the advanced options, so open them. */
export function storageChosen(deps: SlackDeps) {
  return createModalSelect(deps, 'open advanced options for dedicated storage', async (value, meta) => {
    const choice = STORAGE_CHOICES.find((c) => c.value === value);
    if (!choice?.dedicated || meta.advanced) return undefined;
    return { ...meta, advanced: true };
  });
}
