import { ErrorCode, type WebClient } from '@slack/web-api';
import type { LeaseMessage } from './blocks.js';

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

/** Platform errors a retry cannot fix. Auth errors are not here: once fixed, warnings resume. */
const PERMANENT_ERRORS: ReadonlySet<string> = new Set([
  'channel_not_found',
  'not_in_channel',
  'is_archived',
  'restricted_action',
  'restricted_action_read_only_channel',
  'restricted_action_thread_only_channel',
  'restricted_action_non_threadable_channel',
  'cannot_reply_to_message',
  'invalid_blocks',
  'invalid_blocks_format',
  'msg_too_long',
  'too_many_attachments',
  'no_text',
]);

/** A thread that cannot be replied to any more: post at the channel's top level instead. */
const THREAD_ERRORS: ReadonlySet<string> = new Set(['thread_not_found', 'invalid_thread_ts', 'message_not_found']);

/** Sorts a WebClient failure. Exported for tests and for the click handler's ephemeral replies. */
export function classifySlackError(err: unknown): Exclude<PostOutcome, { ok: true }> {
  const e = err as { code?: string; retryAfter?: number; data?: { error?: string }; message?: string };
  if (e?.code === ErrorCode.RateLimitedError) {
    return { ok: false, kind: 'rate_limited', retryAfterSec: e.retryAfter ?? 1, error: 'ratelimited' };
  }
  if (e?.code === ErrorCode.PlatformError) {
    const error = e.data?.error ?? 'unknown_error';
    if (error === 'ratelimited') return { ok: false, kind: 'rate_limited', retryAfterSec: 1, error };
    return { ok: false, kind: PERMANENT_ERRORS.has(error) ? 'permanent' : 'transient', error };
  }
  if (e?.code === ErrorCode.HTTPError) return { ok: false, kind: 'transient', error: 'http_error' };
  return { ok: false, kind: 'transient', error: e?.code ?? 'request_error' };
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
