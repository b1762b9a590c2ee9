import type { AllMiddlewareArgs, BlockAction, SlackActionMiddlewareArgs, StaticSelectAction } from '@slack/bolt';
import { decodeMetadata, type ModalMetadata } from '../../../messages/index.js';
import type { SlackDeps } from '../../deps.js';
import { rerenderCreateModal } from '../../forms/rerender-create-modal.js';

/**
 * A select in the open create modal whose choice changes the modal: `next` turns the chosen value
 * and the modal's metadata into the new metadata (undefined: nothing to change), and the modal is
 * re-rendered with it. `what` names the change in the log line of a stale update.
 */
export function createModalSelect(
  deps: SlackDeps,
  what: string,
  next: (chosen: string | undefined, meta: ModalMetadata) => Promise<ModalMetadata | undefined>,
) {
  return async ({
    ack,
    body,
    action,
    client,
  }: SlackActionMiddlewareArgs<BlockAction<StaticSelectAction>> & AllMiddlewareArgs): Promise<void> => {
    await ack();
    const view = body.view;
    if (!view) return;
    const metadata = await next(action.selected_option?.value, decodeMetadata(view.private_metadata));
    if (metadata) await rerenderCreateModal(client, deps, view, metadata, what);
  };
}
