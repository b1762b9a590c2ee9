import type { IncomingHttpHeaders } from 'node:http';
import { type Dispatcher, request } from 'undici';
import {
  apiErrorFromResponse,
  type ModelArtsApiError,
  ModelArtsConnectionError,
  ModelArtsThrottledError,
  ModelArtsTimeoutError,
} from './errors.js';
import { canonicalQueryString, decodePath, encodePath, type Query, queryPairs } from './signer.js';

/**
 * The HTTP layer under the ModelArts client and the IAM token fetch: building a request in the
 * exact form that gets signed, sending it with a timeout, and turning every failure into one of
 * the typed errors in ./errors.ts. It knows nothing about retries or credentials.
 */

export type HttpMethod = 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';

/** A request ready to be authorized and sent. The signer and the wire read the same fields. */
export interface PreparedRequest {
  method: HttpMethod;
  /** Decoded path segments, base path included: what the signer canonicalizes. */
  pathSegments: string[];
  queryPairs: Array<[string, string]>;
  /** Path and query exactly as sent (and signed); also the URL shown in errors and logs. */
  pathAndQuery: string;
  /** Absolute URL of the request. */
  url: string;
  /** Mutable: authorization adds to it. */
  headers: Record<string, string>;
  /** JSON text, or '' for no body. */
  body: string;
}

export interface PrepareInput {
  /** Base URL of the service, e.g. `https://modelarts.cn-north-4.myhuaweicloud.com`. */
  baseUrl: URL;
  method: HttpMethod;
  /** Decoded segments after the base URL's own path, e.g. ['v1', projectId, 'notebooks']. */
  segments: readonly string[];
  query?: Query | undefined;
  /** Serialized as JSON when defined. */
  body?: unknown;
  headers?: Readonly<Record<string, string>>;
}

/**
 * Builds the request. The wire path is `encodePath(segments)` and the wire query is exactly
 * `canonicalQueryString(pairs)`: the gateway recomputes the signature from what it receives, so
 * any difference in encoding or order between the two would be a signature failure.
 */
export function prepareRequest(input: PrepareInput): PreparedRequest {
  const pathSegments = [...decodePath(input.baseUrl.pathname), ...input.segments];
  const pairs = queryPairs(input.query);
  const query = canonicalQueryString(pairs);
  const pathAndQuery = encodePath(pathSegments) + (query ? `?${query}` : '');
  return {
    method: input.method,
    pathSegments,
    queryPairs: pairs,
    pathAndQuery,
    url: `${input.baseUrl.origin}${pathAndQuery}`,
    headers: {
      'Content-Type': 'application/json',
      // URL.host omits the port when it is the scheme's default, which is how the gateway signs.
      Host: input.baseUrl.host,
      ...input.headers,
    },
    body: input.body === undefined ? '' : JSON.stringify(input.body),
  };
}

/** A complete response: status, lowercase headers, and the body read to the end. */
export interface RawResponse {
  status: number;
  headers: IncomingHttpHeaders;
  text: string;
}

export interface SendOptions {
  dispatcher: Dispatcher;
  /** Whole exchange, connect to last body byte. */
  timeoutMs: number;
  /** The caller's signal: aborting it rejects with the signal's reason, never a ModelArts error. */
  signal?: AbortSignal | undefined;
}

/**
 * Sends a prepared request and reads the whole body. Rejects with `ModelArtsTimeoutError` or
 * `ModelArtsConnectionError` when there is no complete answer, or with the caller's abort reason.
 * HTTP error statuses resolve normally: mapping them is `errorFromResponse`'s job.
 */
export async function sendRequest(req: PreparedRequest, options: SendOptions): Promise<RawResponse> {
  const timeout = AbortSignal.timeout(options.timeoutMs);
  const signal = options.signal ? AbortSignal.any([options.signal, timeout]) : timeout;
  try {
    const res = await request(req.url, {
      dispatcher: options.dispatcher,
      method: req.method,
      headers: req.headers,
      body: req.body === '' ? null : req.body,
      signal,
    });
    const text = await res.body.text();
    return { status: res.statusCode, headers: res.headers, text };
  } catch (err) {
    if (options.signal?.aborted) throw options.signal.reason;
    throw transportError(err, req, timeout.aborted, options.timeoutMs);
  }
}

const TIMEOUT_CODES = new Set(['UND_ERR_HEADERS_TIMEOUT', 'UND_ERR_BODY_TIMEOUT']);

/**
 * Failures in which the connection was never established, so not one byte of the request left
 * this process. Only these make re-sending a create safe. A reset or a closed socket is not in the
 * list: the request may have been written, and processed, before the connection dropped.
 */
const NEVER_SENT_CODES = new Set(['ECONNREFUSED', 'ENOTFOUND', 'EAI_AGAIN', 'UND_ERR_CONNECT_TIMEOUT']);

const CONNECTION_CODES = new Set([
  ...NEVER_SENT_CODES,
  'ECONNRESET',
  'EPIPE',
  'ETIMEDOUT',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'UND_ERR_SOCKET',
  'UND_ERR_CLOSED',
]);

function errorCodeOf(err: unknown): string | undefined {
  const code = (err as { code?: unknown } | null)?.code;
  return typeof code === 'string' ? code : undefined;
}

/** Maps a transport failure to a typed error; anything unrecognized (a bug) is rethrown as is. */
function transportError(err: unknown, req: PreparedRequest, timedOut: boolean, timeoutMs: number): unknown {
  const code = errorCodeOf(err);
  const what = `ModelArts ${req.method} ${req.pathAndQuery}`;
  if (timedOut || (code !== undefined && TIMEOUT_CODES.has(code))) {
    return new ModelArtsTimeoutError(`${what} timed out after ${timeoutMs} ms`, { cause: err });
  }
  if (code !== undefined && CONNECTION_CODES.has(code)) {
    return new ModelArtsConnectionError(`${what} failed: ${code}`, { cause: err });
  }
  return err;
}

/**
 * False only when the request provably never reached the ModelArts service: the connection was
 * refused or never opened, or the API gateway in front of the service throttled it (APIG rejects
 * before forwarding). Everything else may have been processed.
 */
export function mayHaveReachedService(err: unknown): boolean {
  if (err instanceof ModelArtsThrottledError) return false;
  if (err instanceof ModelArtsConnectionError) {
    const code = errorCodeOf(err.cause);
    return code === undefined || !NEVER_SENT_CODES.has(code);
  }
  return true;
}

/** First value of a header (undici lowercases names; repeated headers arrive as arrays). */
export function headerValue(headers: IncomingHttpHeaders, name: string): string | undefined {
  const value = headers[name.toLowerCase()];
  return Array.isArray(value) ? value[0] : value;
}

/**
 * `Retry-After` in ms from `nowMs`: either delta-seconds or an HTTP date. Undefined when absent
 * or unreadable; a date in the past gives 0.
 */
export function parseRetryAfter(value: string | undefined, nowMs: number): number | undefined {
  if (value === undefined) return undefined;
  const trimmed = value.trim();
  if (/^\d+(\.\d+)?$/.test(trimmed)) return Math.round(Number(trimmed) * 1000);
  // An HTTP date names its weekday and month; without letters, Date.parse would read '-5' as a year.
  if (!/[a-z]/i.test(trimmed)) return undefined;
  const date = Date.parse(trimmed);
  return Number.isNaN(date) ? undefined : Math.max(0, date - nowMs);
}

const MAX_ERROR_MESSAGE_LENGTH = 300;

/**
 * The service's error code and message from any of the body shapes Huawei services use:
 * `{error_code, error_msg}`, `{error_code, error_message}`, `{error: {code, message}}`. A body
 * that is not JSON (a proxy's HTML page) yields its text, tags stripped, as the message.
 */
export function parseErrorBody(text: string): { errorCode?: string; errorMsg?: string } {
  const json = tryParseJson(text);
  if (json === undefined) return compact({ errorMsg: plainText(text) });
  if (typeof json !== 'object' || json === null) return {}; // `null`, `"oops"`: nothing to read
  const body = json as Record<string, unknown>;
  const nested =
    typeof body['error'] === 'object' && body['error'] !== null ? (body['error'] as Record<string, unknown>) : {};
  return compact({
    errorCode: firstString(body['error_code'], nested['code'], body['code']),
    errorMsg: firstString(body['error_msg'], body['error_message'], nested['message'], body['message']),
  });
}

function plainText(text: string): string | undefined {
  const plain = text
    .replace(/<[^>]*>/g, ' ')
    .replace(/\s+/g, ' ')
    .trim();
  return plain || undefined;
}

function firstString(...values: unknown[]): string | undefined {
  for (const v of values) {
    if (typeof v === 'string' && v !== '') return v;
    if (typeof v === 'number') return String(v);
  }
  return undefined;
}

function compact(parts: { errorCode?: string | undefined; errorMsg?: string | undefined }): {
  errorCode?: string;
  errorMsg?: string;
} {
  return {
    ...(parts.errorCode ? { errorCode: parts.errorCode } : {}),
    ...(parts.errorMsg ? { errorMsg: truncate(parts.errorMsg, MAX_ERROR_MESSAGE_LENGTH) } : {}),
  };
}

function truncate(text: string, max: number): string {
  return text.length <= max ? text : `${text.slice(0, max - 1)}…`;
}

/** Parses JSON; undefined when the text is not JSON. */
export function tryParseJson(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return undefined;
  }
}

/** The request id the service attached, for support tickets and log correlation. */
export function requestIdOf(headers: IncomingHttpHeaders): string | undefined {
  return headerValue(headers, 'x-request-id');
}

/** Maps an error response (status >= 400) to its typed error, with path and query only as URL. */
export function errorFromResponse(req: PreparedRequest, res: RawResponse, nowMs: number): ModelArtsApiError {
  const requestId = requestIdOf(res.headers);
  const retryAfterMs = parseRetryAfter(headerValue(res.headers, 'retry-after'), nowMs);
  return apiErrorFromResponse({
    status: res.status,
    method: req.method,
    url: req.pathAndQuery,
    ...parseErrorBody(res.text),
    ...(requestId ? { requestId } : {}),
    ...(retryAfterMs !== undefined ? { retryAfterMs } : {}),
  });
}
