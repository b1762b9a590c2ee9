import type { AllMiddlewareArgs, BlockAction, SlackActionMiddlewareArgs, StaticSelectAction } from '@slack/bolt';
import { decodeMetadata, STORAGE_CHOICES } from '../../../messages/index.js';
import type { SlackDeps } from '../../deps.js';
import { rerenderCreateModal } from '../../forms/rerender-create-modal.js';

/** A dedicated storage kind was picked: its path lives in the advanced options, so open them. */
export function storageChosen(deps: SlackDeps) {
  return async ({
    ack,
    body,
    action,
    client,
  }: SlackActionMiddlewareArgs<BlockAction<StaticSelectAction>> & AllMiddlewareArgs): Promise<void> => {
    await ack();
    const view = body.view;
    const choice = STORAGE_CHOICES.find((c) => c.value === action.selected_option?.value);
    if (!view || !choice?.dedicated) return;
    const meta = decodeMetadata(view.private_metadata);
    if (meta.advanced) return;
    await rerenderCreateModal(
      client,
      deps,
      view,
      { ...meta, advanced: true },
      'open advanced options for dedicated storage',
    );
  };
}
