import type { AllMiddlewareArgs, BlockAction, ButtonAction, SlackActionMiddlewareArgs } from '@slack/bolt';
import { decodePick, errorRef, userMessageFor } from '../../../messages/index.js';
import { createReplier, operationId, rateLimitMessage } from '../../../operations/index.js';
import type { SlackDeps } from '../../deps.js';
import { runPick } from '../../handlers/pick.js';

/**
 * A button of the ephemeral picker or of a delete confirmation. The opId hashes the message the
 * button is on and the button's value, so a double click (or a Slack retry) queues one operation.
 */
export function pickNotebook(deps: SlackDeps) {
  return async ({
    ack,
    body,
    action,
    client,
  }: SlackActionMiddlewareArgs<BlockAction<ButtonAction>> & AllMiddlewareArgs): Promise<void> => {
    await ack();
    const channelId = body.channel?.id ?? (body.container['channel_id'] as string | undefined);
    const reply = createReplier(
      client,
      { userId: body.user.id, channelId, responseUrl: body.response_url },
      deps.logger,
    );
    const value = decodePick(action.value);
    if (!value) {
      await reply({ text: ':warning: This button is no longer valid. Run the command again.' });
      return;
    }
    const slow = await rateLimitMessage(deps, body.user.id, value.verb, channelId);
    if (slow) {
      await reply({ text: slow });
      return;
    }
    const messageTs = (body.container['message_ts'] as string | undefined) ?? body.message?.ts;
    try {
      await runPick(
        {
          deps,
          client,
          userId: body.user.id,
          teamId: body.team?.id,
          channelId,
          reply,
          opId: operationId(value.verb, 'pick', body.user.id, messageTs, action.value),
        },
        value,
      );
    } catch (err) {
      const ref = errorRef();
      deps.logger.error({ err, ref }, 'picker action failed');
      await reply({ text: `:warning: ${userMessageFor(err, ref)}` });
    }
  };
}
