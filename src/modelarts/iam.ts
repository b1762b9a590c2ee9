import type { Dispatcher } from 'undici';
import type { Clock } from '../clock.js';
import { type Logger, registerSecret } from '../logger.js';
import { ModelArtsInvalidResponseError } from './errors.js';
import { errorFromResponse, headerValue, prepareRequest, sendRequest, tryParseJson } from './http.js';

/** Refresh this long before `expires_at`, so no request goes out with a token about to lapse. */
export const DEFAULT_REFRESH_MARGIN_MS = 3_600_000;
/** Tokens live 24 h; when IAM does not say, refresh after 23 h (one margin short of a day). */
export const DEFAULT_ASSUMED_LIFETIME_MS = 24 * 3_600_000;

export interface IamTokenProviderOptions {
  /** e.g. `https://iam.cn-north-4.myhuaweicloud.com`. */
  iamEndpoint: string;
  user: string;
  password: string;
  /** The account (domain) name the IAM user belongs to. */
  domain: string;
  /** The token is scoped to this project. */
  projectId: string;
  dispatcher: Dispatcher;
  clock: Clock;
  timeoutMs: number;
  logger?: Logger | undefined;
  refreshMarginMs?: number;
}

interface CachedToken {
  token: string;
  /** Clock time after which the token is not used at all. */
  expiresAt: number;
  /** Clock time after which a new token is fetched. */
  refreshAt: number;
}

/**
 * Fetches an IAM user token (password method, project scope), caches it, and refreshes it early.
 * Concurrent callers share one in-flight fetch, so a burst of requests never becomes a burst of
 * logins (IAM rate-limits token creation, and each one is an auditable sign-in).
 */
export class IamTokenProvider {
  private readonly options: IamTokenProviderOptions;
  private readonly baseUrl: URL;
  private cached: CachedToken | undefined;
  private inflight: Promise<CachedToken> | undefined;

  constructor(options: IamTokenProviderOptions) {
    this.options = options;
    this.baseUrl = new URL(options.iamEndpoint);
    registerSecret(options.password);
  }

  /**
   * A valid token. Fetches one when none is cached or the cached one is within the refresh margin.
   * If that refresh fails while the old token has not yet expired, the old one is used: a brief
   * IAM outage should not fail calls that still have a working credential.
   */
  async getToken(signal?: AbortSignal): Promise<string> {
    const now = this.options.clock.now();
    const cached = this.cached;
    if (cached && now < cached.refreshAt) return cached.token;
    try {
      return (await withAbort(this.sharedFetch(), signal)).token;
    } catch (err) {
      if (signal?.aborted || !cached || this.options.clock.now() >= cached.expiresAt) throw err;
      this.options.logger?.warn({ err }, 'IAM token refresh failed; using the current token until it expires');
      return cached.token;
    }
  }

  /**
   * Forgets `token` after the service rejected it (revoked, or the password changed), so the next
   * `getToken` fetches a new one. A token other than the cached one is ignored: another caller
   * has already replaced it.
   */
  invalidate(token: string): void {
    if (this.cached?.token === token) this.cached = undefined;
  }

  private sharedFetch(): Promise<CachedToken> {
    if (!this.inflight) {
      // No caller signal here: one caller giving up must not fail the fetch the others wait on.
      this.inflight = this.fetchToken().finally(() => {
        this.inflight = undefined;
      });
    }
    return this.inflight;
  }

  private async fetchToken(): Promise<CachedToken> {
    const { clock, logger } = this.options;
    const req = prepareRequest({
      baseUrl: this.baseUrl,
      method: 'POST',
      segments: ['v3', 'auth', 'tokens'],
      body: this.requestBody(),
    });
    const started = performance.now();
    const res = await sendRequest(req, { dispatcher: this.options.dispatcher, timeoutMs: this.options.timeoutMs });
    logger?.debug(
      {
        operation: 'IamCreateToken',
        method: req.method,
        path: req.pathAndQuery,
        status: res.status,
        ms: Math.round(performance.now() - started),
      },
      'iam call',
    );
    if (res.status >= 400) throw errorFromResponse(req, res, clock.now());
    const token = headerValue(res.headers, 'x-subject-token');
    if (!token) {
      throw new ModelArtsInvalidResponseError(`IAM answered HTTP ${res.status} without an X-Subject-Token header`);
    }
    registerSecret(token);
    const fetchedAt = clock.now();
    const expiresAt = fetchedAt + tokenLifetimeMs(res.text);
    const margin = Math.min(this.options.refreshMarginMs ?? DEFAULT_REFRESH_MARGIN_MS, (expiresAt - fetchedAt) / 2);
    this.cached = { token, expiresAt, refreshAt: expiresAt - margin };
    return this.cached;
  }

  private requestBody(): unknown {
    const { user, password, domain, projectId } = this.options;
    return {
      auth: {
        identity: { methods: ['password'], password: { user: { name: user, password, domain: { name: domain } } } },
        scope: { project: { id: projectId } },
      },
    };
  }
}

/**
 * How long the token lives, from `token.expires_at - token.issued_at` when IAM sends both. The
 * difference of two server times is immune to skew between IAM's clock and ours (or a scaled
 * simulator clock); with only `expires_at` we trust wall time; with neither, 24 h.
 */
export function tokenLifetimeMs(bodyText: string, wallNowMs = Date.now()): number {
  const body = tryParseJson(bodyText) as { token?: { expires_at?: unknown; issued_at?: unknown } } | undefined;
  const expires = parseTime(body?.token?.expires_at);
  const issued = parseTime(body?.token?.issued_at);
  if (expires !== undefined && issued !== undefined && expires > issued) return expires - issued;
  if (expires !== undefined && expires > wallNowMs) return expires - wallNowMs;
  return DEFAULT_ASSUMED_LIFETIME_MS;
}

function parseTime(value: unknown): number | undefined {
  if (typeof value !== 'string') return undefined;
  const ms = Date.parse(value);
  return Number.isNaN(ms) ? undefined : ms;
}

/** Resolves like `promise` but rejects as soon as `signal` aborts (the promise itself goes on). */
function withAbort<T>(promise: Promise<T>, signal: AbortSignal | undefined): Promise<T> {
  if (!signal) return promise;
  signal.throwIfAborted();
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(signal.reason);
    signal.addEventListener('abort', onAbort, { once: true });
    promise.then(
      (v) => {
        signal.removeEventListener('abort', onAbort);
        resolve(v);
      },
      (e: unknown) => {
        signal.removeEventListener('abort', onAbort);
        reject(e);
      },
    );
  });
}
