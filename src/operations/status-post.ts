import type { WebClient } from '@slack/web-api';
import type { KnownBlock } from '../messages/index.js';
import { decodeSlackError } from '../messages/index.js';
import { openDm } from './reply.js';

/** Where a status message landed. `movedToDm` when the channel refused the bot. */
export interface PostedStatus {
  channelId: string;
  ts: string;
  movedToDm: boolean;
}

/** "The bot cannot post here" (not "Slack is down"): fall back to a DM. */
function cannotPostHere(err: unknown): boolean {
  const failure = decodeSlackError(err);
  return failure?.kind === 'permanent' && (failure.scope === 'channel' || failure.scope === 'thread');
}

/**
 * Posts an operation's status message in `channelId` (in `threadTs` when given), or in a DM with
 * the requester when there is no channel (App Home) or the bot may not post there (not invited,
 * archived). The worker later updates this message in place.
 */
export async function postStatusMessage(
  client: WebClient,
  where: { channelId?: string | undefined; threadTs?: string | undefined; userId: string },
  message: { text: string; blocks: KnownBlock[] },
): Promise<PostedStatus> {
  if (where.channelId) {
    try {
      const res = await client.chat.postMessage({
        channel: where.channelId,
        text: message.text,
        blocks: message.blocks,
        ...(where.threadTs ? { thread_ts: where.threadTs } : {}),
      });
      if (res.ts) return { channelId: res.channel ?? where.channelId, ts: res.ts, movedToDm: false };
    } catch (err) {
      if (!cannotPostHere(err)) throw err;
    }
  }
  const dm = await openDm(client, where.userId);
  const res = await client.chat.postMessage({ channel: dm, text: message.text, blocks: message.blocks });
  if (!res.ts) throw new Error('chat.postMessage returned no ts');
  return { channelId: res.channel ?? dm, ts: res.ts, movedToDm: Boolean(where.channelId) };
}
