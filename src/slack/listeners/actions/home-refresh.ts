import type { AllMiddlewareArgs, BlockAction, SlackActionMiddlewareArgs } from '@slack/bolt';
import type { SlackDeps } from '../../deps.js';

/** "Refresh" on App Home. */
export function homeRefresh(deps: SlackDeps) {
  return async ({ ack, body }: SlackActionMiddlewareArgs<BlockAction> & AllMiddlewareArgs): Promise<void> => {
    await ack();
    await deps.publishHome(body.user.id, { live: true });
  };
}
