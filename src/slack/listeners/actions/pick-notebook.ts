import { operationId } from '../../../operations/index.js';
import type { SlackDeps } from '../../deps.js';
import { pickButton } from './pick-button.js';

/**
 * A button of the ephemeral picker or of a delete confirmation. The opId hashes the message the
 * button is on and the button's value, so a double click (or a Slack retry) queues one operation.
 */
export function pickNotebook(deps: SlackDeps) {
  return messageButton(deps, 'pick', {
    invalid: ':warning: This button is no longer valid. Run the command again.',
    failed: 'picker action failed',
  });
}

/**
 * A notebook button on a message (a picker, a confirmation, the usage digest): acts like the
 * command it stands for, where the message is. `source` and the clicker go into the opId with
 * the message and the button's value, so a double click queues one operation.
 */
export function messageButton(deps: SlackDeps, source: string, texts: { invalid: string; failed: string }) {
  return pickButton(deps, {
    where: (body) => ({
      channelId: body.channel?.id ?? (body.container['channel_id'] as string | undefined),
      responseUrl: body.response_url,
    }),
    opId: ({ body, action }, verb) => {
      const messageTs = (body.container['message_ts'] as string | undefined) ?? body.message?.ts;
      return operationId(verb, source, body.user.id, messageTs, action.value);
    },
    ...texts,
  });
}
