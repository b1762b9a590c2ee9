import type { App } from '@slack/bolt';
import { commandReply, errorRef, userMessageFor } from '../messages/index.js';
import { createReplier } from '../operations/index.js';
import type { SlackDeps } from './deps.js';

interface LooseBody {
  user?: { id?: string } | string;
  user_id?: string;
  channel?: { id?: string } | string;
  channel_id?: string;
  response_url?: string;
}

/**
 * Last line of defence: an error no listener caught is logged with a reference and, when the
 * request names a user, they are told privately what happened: never silence, never a stack.
 */
export function installErrorHandler(app: App, deps: SlackDeps): void {
  app.error(async ({ error, body }: { error: Error & { original?: Error }; body?: unknown }) => {
    const ref = errorRef();
    deps.logger.error({ err: error, ref }, 'unhandled error in a Slack listener');
    const b = (body ?? {}) as LooseBody;
    const userId = typeof b.user === 'string' ? b.user : (b.user?.id ?? b.user_id);
    if (!userId) return;
    const channelId = typeof b.channel === 'string' ? b.channel : (b.channel?.id ?? b.channel_id);
    const reply = createReplier(app.client, { userId, channelId, responseUrl: b.response_url }, deps.logger);
    await reply({ text: commandReply.failed(userMessageFor(error.original ?? error, ref)) });
  });
}
