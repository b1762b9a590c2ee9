import { BotError } from '../errors.js';

/** Base of every failure talking to ModelArts. */
export abstract class ModelArtsError extends BotError {}

export interface ApiErrorDetails {
  status: number;
  /** `ModelArts.6309`, `APIG.0308`, … when the service sent one. */
  errorCode?: string;
  errorMsg?: string;
  requestId?: string;
  method: string;
  /** Path and query only: never credentials. */
  url: string;
  /** Milliseconds from `Retry-After`, when the service sent it. */
  retryAfterMs?: number;
}

/** The service answered with an error status. Subclasses name the families callers react to. */
export class ModelArtsApiError extends ModelArtsError {
  readonly code: string = 'modelarts_api_error';
  readonly status: number;
  readonly errorCode: string | undefined;
  readonly errorMsg: string | undefined;
  readonly requestId: string | undefined;
  readonly method: string;
  readonly url: string;
  readonly retryAfterMs: number | undefined;

  constructor(details: ApiErrorDetails, options?: { cause?: unknown }) {
    super(
      `ModelArts ${details.method} ${details.url} failed: HTTP ${details.status}` +
        (details.errorCode ? ` ${details.errorCode}` : '') +
        (details.errorMsg ? ` ${details.errorMsg}` : '') +
        (details.requestId ? ` (request ${details.requestId})` : ''),
      options,
    );
    this.status = details.status;
    this.errorCode = details.errorCode;
    this.errorMsg = details.errorMsg;
    this.requestId = details.requestId;
    this.method = details.method;
    this.url = details.url;
    this.retryAfterMs = details.retryAfterMs;
  }

  override get userMessage(): string {
    const what = this.errorMsg ?? `HTTP ${this.status}`;
    return `ModelArts refused the request: ${what}${this.errorCode ? ` (${this.errorCode})` : ''}.`;
  }
}

/** 404, or 400 with ModelArts.6309 / 6357 / 6404. */
export class ModelArtsNotFoundError extends ModelArtsApiError {
  override readonly code = 'modelarts_not_found';
  override get userMessage(): string {
    return 'That notebook no longer exists in ModelArts. Use `/notebook list` to see what is there.';
  }
}

/** 429 or APIG.0308: retried with backoff, honouring Retry-After. */
export class ModelArtsThrottledError extends ModelArtsApiError {
  override readonly code = 'modelarts_throttled';
  override get userMessage(): string {
    return 'ModelArts is throttling requests right now. The bot will keep retrying; try again in a minute if it gives up.';
  }
}

/** 401/403, APIG.0301/0303: never retried (repeated signature failures lock the AK). */
export class ModelArtsAuthError extends ModelArtsApiError {
  override readonly code = 'modelarts_auth';
  override get userMessage(): string {
    return 'The bot could not authenticate to Huawei Cloud (credentials rejected or not allowed). Ask an admin to check its AK/SK or IAM settings with `npm run doctor`.';
  }
}

/** 5xx: retried with backoff. */
export class ModelArtsServerError extends ModelArtsApiError {
  override readonly code = 'modelarts_server';
  override get userMessage(): string {
    return `ModelArts had an internal error (HTTP ${this.status}). The bot retried; try again in a few minutes.`;
  }
}

/** The call did not finish within its timeout. */
export class ModelArtsTimeoutError extends ModelArtsError {
  readonly code = 'modelarts_timeout';
  override get userMessage(): string {
    return 'ModelArts did not answer in time. Try again in a minute.';
  }
}

/** No HTTP answer at all (DNS, refused, reset). */
export class ModelArtsConnectionError extends ModelArtsError {
  readonly code = 'modelarts_unreachable';
  override get userMessage(): string {
    return 'The bot could not reach ModelArts. Try again in a few minutes; if it persists, ask an admin to run `npm run doctor`.';
  }
}

/**
 * The service answered 2xx but the body is not what the API documents (not JSON, or a required
 * field such as `id` missing). Not retried: the same request would get the same answer, and for a
 * create the instance may exist anyway, so the caller resolves it by a lookup.
 */
export class ModelArtsInvalidResponseError extends ModelArtsError {
  readonly code = 'modelarts_bad_response';
  override get userMessage(): string {
    return 'ModelArts sent an answer the bot could not read. Try again in a minute; if it persists, ask an admin to check the logs.';
  }
}

const NOT_FOUND_CODES = new Set(['ModelArts.6309', 'ModelArts.6357', 'ModelArts.6404']);
const THROTTLE_CODES = new Set(['APIG.0308', 'APIGW.0308']);
const AUTH_CODES = new Set(['APIG.0301', 'APIGW.0301', 'APIG.0303', 'APIGW.0303']);

/** Maps an error response to its class, in one place. */
export function apiErrorFromResponse(details: ApiErrorDetails): ModelArtsApiError {
  const code = details.errorCode;
  if (details.status === 404 || (code !== undefined && NOT_FOUND_CODES.has(code)))
    return new ModelArtsNotFoundError(details);
  if (details.status === 429 || (code !== undefined && THROTTLE_CODES.has(code)))
    return new ModelArtsThrottledError(details);
  if (details.status === 401 || details.status === 403 || (code !== undefined && AUTH_CODES.has(code))) {
    return new ModelArtsAuthError(details);
  }
  if (details.status >= 500) return new ModelArtsServerError(details);
  return new ModelArtsApiError(details);
}

export function isNotFound(err: unknown): err is ModelArtsNotFoundError {
  return err instanceof ModelArtsNotFoundError;
}

/** Throttling, 5xx, timeouts and connection failures may succeed later; everything else will not. */
export function isRetryable(err: unknown): boolean {
  return (
    err instanceof ModelArtsThrottledError ||
    err instanceof ModelArtsServerError ||
    err instanceof ModelArtsTimeoutError ||
    err instanceof ModelArtsConnectionError
  );
}
