import type { AllMiddlewareArgs, BlockAction, SlackActionMiddlewareArgs, StaticSelectAction } from '@slack/bolt';
import { decodeMetadata } from '../../../messages/index.js';
import type { SlackDeps } from '../../deps.js';
import { rerenderCreateModal } from '../../forms/rerender-create-modal.js';

/**
 * A flavor was picked in the create modal: remember it, with its architecture and category, in
 * private_metadata, so the image options match it even when Slack leaves the selection out of the
 * options request's view state.
 */
export function flavorChosen(deps: SlackDeps) {
  return async ({
    ack,
    body,
    action,
    client,
  }: SlackActionMiddlewareArgs<BlockAction<StaticSelectAction>> & AllMiddlewareArgs): Promise<void> => {
    await ack();
    const view = body.view;
    const flavorId = action.selected_option?.value;
    if (!view || !flavorId) return;
    const meta = decodeMetadata(view.private_metadata);
    const flavors = await deps.catalog.flavors({ waitMs: 500 }).catch(() => undefined);
    const flavor = flavors?.items.find((f) => f.id === flavorId);
    const next = {
      ...meta,
      flavor: flavorId,
      ...(flavor?.arch ? { arch: flavor.arch } : {}),
      ...(flavor?.category ? { category: flavor.category } : {}),
    };
    if (!flavor?.arch) delete next.arch;
    if (!flavor?.category) delete next.category;
    await rerenderCreateModal(client, deps, view, next, 'record the chosen flavor');
  };
}
