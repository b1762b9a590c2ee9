import type { WebClient } from '@slack/web-api';
import type { LeaseMessage } from '../messages/index.js';
import { decodeSlackError } from '../messages/index.js';

/**
 * Posting one lease message, with Slack's failures sorted into what the watcher does next:
 * retry on a later scan (rate limit, network, auth being fixed) or give up on this notice
 * (the channel is gone or the bot is not in it: every retry would fail the same way).
 */
export type PostOutcome =
  | { ok: true; ts: string }
  | { ok: false; kind: 'rate_limited'; retryAfterSec: number; error: string }
  | { ok: false; kind: 'permanent'; error: string }
  | { ok: false; kind: 'transient'; error: string };

/** A thread that cannot be replied to any more: post at the channel's top level instead. */
const THREAD_ERRORS: ReadonlySet<string> = new Set(['thread_not_found', 'invalid_thread_ts', 'message_not_found']);

/**
 * Sorts a WebClient failure with the one Slack-error decoder (src/slack-errors.ts). An auth
 * failure is retried on a later scan rather than given up: once the token is fixed, warnings
 * resume. Exported for tests and for the click handler's ephemeral replies.
 */
export function classifySlackError(err: unknown): Exclude<PostOutcome, { ok: true }> {
  const failure = decodeSlackError(err);
  if (!failure) return { ok: false, kind: 'transient', error: 'request_error' };
  if (failure.kind === 'rate_limited') {
    return {
      ok: false,
      kind: 'rate_limited',
      retryAfterSec: Math.ceil(failure.retryAfterMs / 1000),
      error: failure.code,
    };
  }
  if (failure.kind === 'permanent' && failure.scope !== 'auth')
    return { ok: false, kind: 'permanent', error: failure.code };
  return { ok: false, kind: 'transient', error: failure.code };
}

/**
 * `chat.postMessage` into a thread (or the channel when `threadTs` is undefined). Never throws.
 * A reply to a thread that no longer exists is retried once at the channel's top level: the
 * warning matters more than where it sits.
 */
export async function postLeaseMessage(
  slack: WebClient,
  channel: string,
  threadTs: string | undefined,
  message: LeaseMessage,
): Promise<PostOutcome> {
  const send = async (thread: string | undefined): Promise<PostOutcome> => {
    try {
      const res = await slack.chat.postMessage({
        channel,
        text: message.text,
        blocks: message.blocks,
        unfurl_links: false,
        unfurl_media: false,
        ...(thread ? { thread_ts: thread } : {}),
      });
      return { ok: true, ts: String(res.ts ?? '') };
    } catch (err) {
      return classifySlackError(err);
    }
  };
  const first = await send(threadTs);
  if (!first.ok && threadTs && THREAD_ERRORS.has(first.error)) return send(undefined);
  return first;
}
