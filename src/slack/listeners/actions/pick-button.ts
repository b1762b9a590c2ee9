import type { AllMiddlewareArgs, BlockAction, ButtonAction, SlackActionMiddlewareArgs } from '@slack/bolt';
import { commandReply, decodePick, errorRef, userMessageFor } from '../../../messages/index.js';
import { createReplier, rateLimitMessage } from '../../../operations/index.js';
import type { SlackDeps } from '../../deps.js';
import { runPick } from '../../handlers/pick.js';

type PickButtonArgs = SlackActionMiddlewareArgs<BlockAction<ButtonAction>> & AllMiddlewareArgs;

/** Where a notebook button was clicked, and how its clicks are told apart. */
export interface PickButtonSurface {
  /** The channel it was clicked in (none on App Home: answers go by DM) and its response_url. */
  where(body: PickButtonArgs['body']): { channelId?: string | undefined; responseUrl?: string | undefined };
  /** The operation id of a click on this rendering of the button (see `operationId`). */
  opId(args: PickButtonArgs, verb: string): string;
  /** The reply to a button whose value no longer decodes. */
  invalid: string;
  /** The log line of a failure. */
  failed: string;
}

/**
 * A button that runs a verb on a notebook (App Home, the ephemeral picker, a delete confirmation):
 * ack, decode the button, the rate limit, then `runPick`; any failure is a private reply.
 */
export function pickButton(deps: SlackDeps, surface: PickButtonSurface) {
  return async (args: PickButtonArgs): Promise<void> => {
    const { ack, body, action, client } = args;
    await ack();
    const userId = body.user.id;
    const where = surface.where(body);
    const reply = createReplier(client, { userId, ...where }, deps.logger);
    const value = decodePick(action.value);
    if (!value) {
      await reply({ text: surface.invalid });
      return;
    }
    const slow = await rateLimitMessage(deps, userId, value.verb, where.channelId);
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
          ...('channelId' in where ? { channelId: where.channelId } : {}),
          reply,
          opId: surface.opId(args, value.verb),
        },
        value,
      );
    } catch (err) {
      const ref = errorRef();
      deps.logger.error({ err, ref }, surface.failed);
      await reply({ text: commandReply.failed(userMessageFor(err, ref)) });
    }
  };
}
