import type { WebClient } from '@slack/web-api';
import { request } from 'undici';
import type { Logger } from '../logger.js';
import type { KnownBlock } from '../messages/index.js';

/** Who to answer privately and through which channels. */
export interface ReplyTarget {
  userId: string;
  /** Channel of the interaction, for chat.postEphemeral. Absent for App Home. */
  channelId?: string | undefined;
  /** `response_url` of a command or a message action: works even where the bot is not a member. */
  responseUrl?: string | undefined;
}

/** A private message: mrkdwn `text` (the fallback), optional blocks. */
export interface ReplyMessage {
  text: string;
  blocks?: KnownBlock[];
  /** Replace the ephemeral message the action came from (response_url only). */
  replaceOriginal?: boolean;
}

/** Sends one private message to the person who acted. Never throws: failures are logged. */
export type Replier = (message: ReplyMessage) => Promise<void>;

/**
 * A replier that tries, in order: the `response_url` (ephemeral), chat.postEphemeral in the
 * channel, then a DM through conversations.open (App Home, or a channel the bot cannot post in).
 * The first that works wins, so the user always hears back.
 */
export function createReplier(client: WebClient, target: ReplyTarget, logger: Logger): Replier {
  return async (message) => {
    const blocks = message.blocks ? { blocks: message.blocks } : {};
    if (target.responseUrl) {
      try {
        const res = await request(target.responseUrl, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({
            response_type: 'ephemeral',
            text: message.text,
            ...blocks,
            ...(message.replaceOriginal ? { replace_original: true } : {}),
          }),
          headersTimeout: 5000,
          bodyTimeout: 5000,
        });
        // Always drain the body: an unread body keeps the pooled connection busy until GC.
        await res.body.dump();
        if (res.statusCode >= 200 && res.statusCode < 300) return;
        logger.warn({ status: res.statusCode }, 'response_url refused the reply; trying chat.postEphemeral');
      } catch (err) {
        logger.warn({ err }, 'response_url failed; trying chat.postEphemeral');
      }
    }
    if (target.channelId) {
      try {
        await client.chat.postEphemeral({
          channel: target.channelId,
          user: target.userId,
          text: message.text,
          ...blocks,
        });
        return;
      } catch (err) {
        logger.warn({ err, channel: target.channelId }, 'chat.postEphemeral failed; sending a DM');
      }
    }
    try {
      const dm = await openDm(client, target.userId);
      await client.chat.postMessage({ channel: dm, text: message.text, ...blocks });
    } catch (err) {
      logger.error({ err, userId: target.userId }, 'could not reach the user by any route');
    }
  };
}

/** The DM channel between the bot and `userId` (needs the `im:write` scope). */
export async function openDm(client: WebClient, userId: string): Promise<string> {
  const res = await client.conversations.open({ users: userId });
  const id = res.channel?.id;
  if (!id) throw new Error('conversations.open returned no channel');
  return id;
}
