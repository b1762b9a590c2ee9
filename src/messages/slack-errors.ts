import { ErrorCode } from '@slack/web-api';

/**
 * What a failed Slack Web API call means for whoever made it: the one decoder of Slack errors in
 * the codebase, so every caller retries, waits or gives up for the same reasons.
 *
 * - `rate_limited`: wait `retryAfterMs` (Slack's `Retry-After`), then try again.
 * - `transient`: Slack or the network hiccuped (`internal_error`, `fatal_error`,
 *   `service_unavailable`, `request_timeout`, HTTP 5xx, a reset or timed-out connection, an error
 *   code we do not know): try again with backoff.
 * - `permanent`: the same call will fail the same way; `scope` says what is wrong, so the caller
 *   can go around it:
 *   - `channel`: the bot cannot post in this conversation (deleted, archived, not invited,
 *     restricted): a direct message to the person reaches them instead;
 *   - `message`: this message cannot be edited any more (deleted, too old): post a new one;
 *   - `thread`: this thread cannot be replied to: post at the channel's top level;
 *   - `auth`: the token is bad, revoked or lacks a scope: nothing the bot sends will get through;
 *   - `request`: this request is malformed (our bug, or content Slack refuses).
 */
export type SlackFailure =
  | { kind: 'rate_limited'; code: string; retryAfterMs: number }
  | { kind: 'transient'; code: string }
  | { kind: 'permanent'; code: string; scope: SlackPermanentScope };

export type SlackPermanentScope = 'channel' | 'message' | 'thread' | 'auth' | 'request';

/** Slack's own "try again" answers (HTTP 200 with `ok: false`, or a 5xx). */
const TRANSIENT_CODES: ReadonlySet<string> = new Set([
  'internal_error',
  'fatal_error',
  'service_unavailable',
  'request_timeout',
  'ratelimited_by_upstream',
]);

const PERMANENT_CODES: ReadonlyMap<string, SlackPermanentScope> = new Map<string, SlackPermanentScope>([
  ...scope('channel', [
    'channel_not_found',
    'not_in_channel',
    'is_archived',
    'channel_is_archived',
    'restricted_action',
    'restricted_action_read_only_channel',
    'restricted_action_thread_only_channel',
    'restricted_action_non_threadable_channel',
    'team_access_not_granted',
    'ekm_access_denied',
    'cannot_dm_bot',
    'user_not_found',
    'user_disabled',
    'user_not_visible',
    'is_inactive',
  ]),
  ...scope('message', ['message_not_found', 'cant_update_message', 'edit_window_closed']),
  ...scope('thread', ['thread_not_found', 'invalid_thread_ts', 'cannot_reply_to_message']),
  ...scope('auth', [
    'invalid_auth',
    'not_authed',
    'account_inactive',
    'token_revoked',
    'token_expired',
    'no_permission',
    'missing_scope',
    'not_allowed_token_type',
    'org_login_required',
    'team_disabled',
    'enterprise_is_restricted',
    'access_denied',
    'two_factor_setup_required',
  ]),
  ...scope('request', [
    // A user group or channel id that does not exist (a typo in the policy, say).
    'no_such_subteam',
    'subteam_not_found',
    'invalid_blocks',
    'invalid_blocks_format',
    'invalid_attachments',
    'invalid_arguments',
    'invalid_arg_name',
    'invalid_array_arg',
    'invalid_charset',
    'invalid_form_data',
    'invalid_post_type',
    'invalid_json',
    'json_not_object',
    'missing_post_type',
    'invalid_metadata_format',
    'invalid_metadata_schema',
    'metadata_too_large',
    'markdown_text_conflict',
    'msg_too_long',
    'msg_blocks_too_long',
    'no_text',
    'too_many_attachments',
    'too_many_blocks',
    'invalid_ts',
    'method_deprecated',
    'deprecated_endpoint',
    'unknown_method',
  ]),
]);

function scope(s: SlackPermanentScope, codes: readonly string[]): Array<[string, SlackPermanentScope]> {
  return codes.map((c) => [c, s]);
}

/** Connection failures Node and undici report before any Slack answer. */
const NETWORK_CODES: ReadonlySet<string> = new Set([
  'ECONNRESET',
  'ECONNREFUSED',
  'ECONNABORTED',
  'ETIMEDOUT',
  'EPIPE',
  'ENOTFOUND',
  'EAI_AGAIN',
  'ENETUNREACH',
  'EHOSTUNREACH',
  'UND_ERR_SOCKET',
  'UND_ERR_CONNECT_TIMEOUT',
  'UND_ERR_HEADERS_TIMEOUT',
  'UND_ERR_BODY_TIMEOUT',
  'UND_ERR_CLOSED',
]);

/** Least wait after a 429 that named no usable Retry-After: Slack's own advice is "about a second". */
const DEFAULT_RETRY_AFTER_MS = 1000;

/**
 * Decodes what went wrong with a Slack Web API call (`@slack/web-api` errors, and the raw
 * network errors a fetch may throw). `undefined` when `err` did not come from talking to Slack
 * (our own bug, Redis trouble): the caller handles it as any other error.
 */
export function decodeSlackError(err: unknown): SlackFailure | undefined {
  if (typeof err !== 'object' || err === null) return undefined;
  const e = err as {
    code?: unknown;
    retryAfter?: unknown;
    data?: { error?: unknown; response_metadata?: { retryAfter?: unknown } };
    statusCode?: unknown;
    headers?: Record<string, unknown>;
    original?: unknown;
    name?: unknown;
    cause?: unknown;
  };
  switch (e.code) {
    case ErrorCode.RateLimitedError:
      return rateLimited('ratelimited', seconds(e.retryAfter));
    case ErrorCode.PlatformError: {
      const code = typeof e.data?.error === 'string' && e.data.error ? e.data.error : 'unknown_error';
      return fromPlatformCode(code, seconds(e.data?.response_metadata?.retryAfter));
    }
    case ErrorCode.HTTPError: {
      const status = typeof e.statusCode === 'number' ? e.statusCode : 0;
      if (status === 429) return rateLimited('ratelimited', seconds(e.headers?.['retry-after']));
      if (status >= 500 || status === 408 || status === 0) return { kind: 'transient', code: `http_${status}` };
      return {
        kind: 'permanent',
        code: `http_${status}`,
        scope: status === 401 || status === 403 ? 'auth' : 'request',
      };
    }
    case ErrorCode.RequestError: {
      // A WebClient that waits out 429s itself (rejectRateLimitedCalls: false) gives up with a
      // plain error naming the Retry-After, wrapped as a request error: still a rate limit.
      const message = e.original instanceof Error ? e.original.message : '';
      const waited = /A rate limit was exceeded .*retry-after: (\d+)/.exec(message);
      if (waited) return rateLimited('ratelimited', Number(waited[1]));
      return { kind: 'transient', code: 'request_error' };
    }
  }
  if (typeof e.code === 'string' && NETWORK_CODES.has(e.code)) return { kind: 'transient', code: e.code };
  if (e.name === 'AbortError' || e.name === 'TimeoutError') return { kind: 'transient', code: 'timeout' };
  return undefined;
}

/** What a platform error code (`data.error`) means. Unknown codes are taken as transient. */
function fromPlatformCode(code: string, retryAfterSec: number | undefined): SlackFailure {
  if (code === 'ratelimited' || code === 'rate_limited') return rateLimited(code, retryAfterSec);
  if (TRANSIENT_CODES.has(code)) return { kind: 'transient', code };
  const permanent = PERMANENT_CODES.get(code);
  if (permanent) return { kind: 'permanent', code, scope: permanent };
  // A code this list does not know yet: retrying with backoff (bounded by the caller) loses
  // nothing, while giving up at once could lose a message that a second try would have sent.
  return { kind: 'transient', code };
}

function rateLimited(code: string, retryAfterSec: number | undefined): SlackFailure {
  const ms = retryAfterSec !== undefined ? retryAfterSec * 1000 : DEFAULT_RETRY_AFTER_MS;
  return { kind: 'rate_limited', code, retryAfterMs: Math.max(DEFAULT_RETRY_AFTER_MS, Math.ceil(ms)) };
}

function seconds(value: unknown): number | undefined {
  const n = typeof value === 'string' ? Number(value) : value;
  return typeof n === 'number' && Number.isFinite(n) && n >= 0 ? n : undefined;
}

/** The Slack error code of a failure (`channel_not_found`, `ratelimited`, `http_503`, …), for logs and messages. */
export function slackErrorCode(err: unknown): string | undefined {
  return decodeSlackError(err)?.code;
}
