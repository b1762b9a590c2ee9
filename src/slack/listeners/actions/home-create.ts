import type { AllMiddlewareArgs, BlockAction, SlackActionMiddlewareArgs } from '@slack/bolt';
import { createReplier } from '../../../operations/index.js';
import { openCreateModal } from '../../commands/create.js';
import type { SlackDeps } from '../../deps.js';

/** "New notebook" on App Home: the create modal, with progress going to a DM (no channel). */
export function homeCreate(deps: SlackDeps) {
  return async ({ ack, body, client }: SlackActionMiddlewareArgs<BlockAction> & AllMiddlewareArgs): Promise<void> => {
    await ack();
    await openCreateModal(deps, client, {
      triggerId: body.trigger_id,
      userId: body.user.id,
      reply: createReplier(client, { userId: body.user.id }, deps.logger),
    });
  };
}
