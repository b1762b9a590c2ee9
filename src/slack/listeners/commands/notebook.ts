import type { AllMiddlewareArgs, SlackCommandMiddlewareArgs } from '@slack/bolt';
import type { AccessAction } from '../../../access/index.js';
import { guardCommandText } from '../../../access/index.js';
import {
  buildHelpMessage,
  commandReply,
  errorMessage,
  errorRef,
  escapeMrkdwn,
  userMessageFor,
} from '../../../messages/index.js';
import { createReplier, operationId, rateLimitMessage } from '../../../operations/index.js';
import { type ParsedCommand, parseCommand } from '../../command.js';
import { dispatchCommand } from '../../commands/dispatch.js';
import type { SlackDeps } from '../../deps.js';
import { passesGate } from '../../handlers/access-gate.js';

/**
 * `/notebook …`. Answers that need no work (help, a typo, too long) go in the ack itself; for the
 * rest the ack is empty and immediate, and the work follows: the per-user rate limit, then a
 * modal first when there is one. Before any lookup, access control judges what it can without
 * the notebook (who may use the bot, where, admin-only subcommands), so such a refusal costs no
 * ModelArts call.
 */
export function notebookCommand(deps: SlackDeps) {
  return async ({ command, ack, client }: SlackCommandMiddlewareArgs & AllMiddlewareArgs): Promise<void> => {
    const parsed = parseCommand(command.text ?? '', deps.commandName);
    if (parsed.kind === 'help') {
      await ack({ response_type: 'ephemeral', ...buildHelpMessage(deps.commandName, parsed.unknown) });
      return;
    }
    if (parsed.kind === 'error') {
      await ack({ response_type: 'ephemeral', ...errorMessage(escapeMrkdwn(parsed.message)) });
      return;
    }
    try {
      guardCommandText(command.text);
    } catch (err) {
      await ack({ response_type: 'ephemeral', ...errorMessage(userMessageFor(err, errorRef())) });
      return;
    }
    // Nothing else decides the ack: it goes now, and the per-user rate limit (a Redis round trip)
    // is checked right after it; a refusal is a private reply instead of the ack's text.
    await ack();

    const reply = createReplier(
      client,
      { userId: command.user_id, channelId: command.channel_id, responseUrl: command.response_url },
      deps.logger,
    );
    const slow = await rateLimitMessage(deps, command.user_id, parsed.kind, command.channel_id);
    if (slow) {
      await reply({ text: slow });
      return;
    }
    const ctx = {
      deps,
      client,
      userId: command.user_id,
      teamId: command.team_id,
      channelId: command.channel_id,
      reply,
      opId: operationId(parsed.kind, 'command', command.trigger_id),
    };
    try {
      // create opens its modal first (the trigger_id expires in 3 s) and checks with it open.
      if (parsed.kind !== 'create' && !(await passesGate(ctx, { action: gateAction(parsed, ctx.userId) }, parsed.kind)))
        return;
      await dispatchCommand(ctx, parsed, command.trigger_id);
    } catch (err) {
      const ref = errorRef();
      deps.logger.error({ err, ref, sub: parsed.kind }, 'command failed');
      await reply({ text: commandReply.failed(userMessageFor(err, ref)) });
    }
  };
}

/**
 * What a subcommand is judged as before its notebook is known. Linking someone else and
 * unlinking are for admins; asking for one's own link is open to users (an admin approves it).
 */
function gateAction(parsed: ParsedCommand, userId: string): AccessAction {
  switch (parsed.kind) {
    case 'adopt':
    case 'audit':
    case 'who':
      return parsed.kind;
    case 'unlink':
      return 'link';
    case 'link':
      return parsed.slackUserId && parsed.slackUserId !== userId ? 'link' : 'use';
    default:
      return 'use';
  }
}
