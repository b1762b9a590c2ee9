import type { AllMiddlewareArgs, BlockAction, SlackActionMiddlewareArgs } from '@slack/bolt';
import { buildCreateModal } from '../../blocks/create-modal.js';
import type { SlackDeps } from '../../deps.js';
import { decodeMetadata } from '../../forms/metadata.js';

/**
 * "Show/Hide advanced options" in the create modal: the same modal re-rendered with the advanced
 * blocks, through views.update with the view's hash. Block and action ids are unchanged, so Slack
 * keeps everything the user already entered.
 */
export function toggleAdvanced(deps: SlackDeps) {
  return async ({ ack, body, client }: SlackActionMiddlewareArgs<BlockAction> & AllMiddlewareArgs): Promise<void> => {
    await ack();
    const view = body.view;
    if (!view) return;
    const meta = decodeMetadata(view.private_metadata);
    try {
      await client.views.update({
        view_id: view.id,
        hash: view.hash,
        view: buildCreateModal({ defaults: deps.defaults, metadata: { ...meta, advanced: !meta.advanced } }),
      });
    } catch (err) {
      deps.logger.warn({ err }, 'could not toggle advanced options');
    }
  };
}
