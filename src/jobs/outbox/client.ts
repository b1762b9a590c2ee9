import { type WebClient, WebClient as WebClientImpl, type WebClientOptions } from '@slack/web-api';
import type { Logger } from '../../logger.js';
import { createSlackFetch, slackLogger } from '../../operations/index.js';
import type { OneShotMessage, PostedMessage } from './types.js';

/**
 * Builds the Web API client a worker should use: 429s are thrown (not waited out inside the
 * client) so the Slack queue can back off by `Retry-After` without holding a worker, and
 * network retries are left to the queue for the same reason. With `logger`, the client's own
 * lines go through it (and its redaction) rather than to the console.
 */
export function createWorkerSlackClient(
  token: string,
  options: Pick<WebClientOptions, 'slackApiUrl' | 'timeout' | 'teamId'> & { logger?: Logger | undefined } = {},
): WebClient {
  const { logger, ...rest } = options;
  return new WebClientImpl(token, {
    timeout: 10_000,
    // undici's request instead of the WHATWG fetch, as the web role's clients (less CPU and garbage a call).
    fetch: createSlackFetch(),
    ...rest,
    ...(logger ? { logger: slackLogger(logger, 'slack-web-api') } : {}),
    rejectRateLimitedCalls: true,
    retryConfig: { retries: 0 },
  });
}

/** Posts a message right away; where it landed. Throws Slack errors (a 429 included). */
export async function postMessage(slack: WebClient, message: OneShotMessage): Promise<PostedMessage> {
  const res = await slack.chat.postMessage({
    channel: message.channel,
    text: message.text,
    ...(message.blocks ? { blocks: message.blocks } : {}),
    ...(message.threadTs ? { thread_ts: message.threadTs } : {}),
  });
  if (!res.ts) throw new Error('chat.postMessage answered without a ts');
  return { channel: res.channel ?? message.channel, ts: res.ts };
}

/** The direct-message channel with `userId` (conversations.open, scope `im:write`). Throws Slack errors. */
export async function openDm(slack: WebClient, userId: string): Promise<string> {
  const res = await slack.conversations.open({ users: userId });
  const id = res.channel?.id;
  if (!id) throw new Error('conversations.open answered without a channel');
  return id;
}
