import { operationId } from '../../../operations/index.js';
import type { SlackDeps } from '../../deps.js';
import { pickButton } from './pick-button.js';

/**
 * A Stop button of the weekly usage digest (a channel message many people see): the same stop as
 * `/notebook stop`, judged by access control, so only the notebook's owner (or an admin) stops
 * it; anyone else is told privately why not. The opId hashes the digest message, the clicker and
 * the notebook, so a double click queues one stop.
 */
export function digestStopButton(deps: SlackDeps) {
  return pickButton(deps, {
    where: (body) => ({
      channelId: body.channel?.id ?? (body.container['channel_id'] as string | undefined),
      responseUrl: body.response_url,
    }),
    opId: ({ body, action }, verb) => {
      const messageTs = (body.container['message_ts'] as string | undefined) ?? body.message?.ts;
      return operationId(verb, 'digest', body.user.id, messageTs, action.value);
    },
    invalid: ':warning: This button is no longer valid. Use `/notebook stop <name>` instead.',
    failed: 'digest stop button failed',
  });
}
