import type { AllMiddlewareArgs, BlockAction, SlackActionMiddlewareArgs } from '@slack/bolt';
import { decodeMetadata } from '../../../messages/index.js';
import type { SlackDeps } from '../../deps.js';
import { rerenderCreateModal } from '../../forms/rerender-create-modal.js';

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
    await rerenderCreateModal(client, deps, view, { ...meta, advanced: !meta.advanced }, 'toggle advanced options');
  };
}
