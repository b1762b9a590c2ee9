import type { AllMiddlewareArgs, BlockAction, ButtonAction, SlackActionMiddlewareArgs } from '@slack/bolt';
import { decodePick, errorRef, userMessageFor } from '../../../messages/index.js';
import { createReplier, operationId, rateLimitMessage } from '../../../operations/index.js';
import type { SlackDeps } from '../../deps.js';
import { runPick } from '../../handlers/pick.js';

/**
 * Start / Stop / Extend +1h on App Home: the same verbs as the command. There is no channel, so
 * answers go by DM and progress to the notebook's thread (or the DM). The opId hashes the rendered
 * Home (view id and hash) and the button, so double clicks on the same rendering dedupe, while a
 * click after the Home was refreshed is a new request.
 */
export function homeNotebookButton(deps: SlackDeps) {
  return async ({
    ack,
    body,
    action,
    client,
  }: SlackActionMiddlewareArgs<BlockAction<ButtonAction>> & AllMiddlewareArgs): Promise<void> => {
    await ack();
    const userId = body.user.id;
    const reply = createReplier(client, { userId }, deps.logger);
    const value = decodePick(action.value);
    if (!value) {
      await reply({ text: ':warning: That button is no longer valid. Open the Home tab again.' });
      return;
    }
    const slow = await rateLimitMessage(deps, userId, value.verb);
    if (slow) {
      await reply({ text: slow });
      return;
    }
    try {
      await runPick(
        {
          deps,
          client,
          userId,
          teamId: body.team?.id,
          reply,
          opId: operationId(value.verb, 'home', userId, body.view?.id, body.view?.hash, action.action_id, action.value),
        },
        value,
      );
    } catch (err) {
      const ref = errorRef();
      deps.logger.error({ err, ref }, 'App Home action failed');
      await reply({ text: `:warning: ${userMessageFor(err, ref)}` });
    }
  };
}
