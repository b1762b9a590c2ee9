import { describe, expect, it } from 'vitest';
import {
  ModelArtsApiError,
  ModelArtsAuthError,
  ModelArtsConnectionError,
  ModelArtsServerError,
  ModelArtsThrottledError,
  ModelArtsTimeoutError,
} from '../src/modelarts/errors.js';
import { mayHaveReachedService, parseErrorBody, parseRetryAfter, prepareRequest } from '../src/modelarts/http.js';
import { tokenLifetimeMs } from '../src/modelarts/iam.js';
import { retryDelayMs, shouldRetry } from '../src/modelarts/retry.js';

const base = { baseMs: 500, maxMs: 20_000 };
const apiDetails = { method: 'GET', url: '/v1/p/notebooks' };

describe('retryDelayMs', () => {
  it('doubles per attempt with equal jitter: [b/2, b]', () => {
    for (const [attempt, backoff] of [
      [1, 500],
      [2, 1000],
      [3, 2000],
      [4, 4000],
    ] as const) {
      expect(retryDelayMs({ ...base, attempt, random: () => 0 })).toBe(backoff / 2);
      expect(retryDelayMs({ ...base, attempt, random: () => 0.999999 })).toBe(backoff);
      const mid = retryDelayMs({ ...base, attempt, random: () => 0.5 });
      expect(mid).toBe(Math.round(backoff * 0.75));
    }
  });

  it('never exceeds maxMs, even for huge attempt numbers', () => {
    expect(retryDelayMs({ ...base, attempt: 10, random: () => 0.99 })).toBeLessThanOrEqual(20_000);
    expect(retryDelayMs({ ...base, attempt: 5000, random: () => 0.99 })).toBeLessThanOrEqual(20_000);
    expect(retryDelayMs({ ...base, attempt: 5000, random: () => 0 })).toBe(10_000);
  });

  it('honours Retry-After as a floor, still capped at maxMs', () => {
    expect(retryDelayMs({ ...base, attempt: 1, retryAfterMs: 3000, random: () => 0 })).toBe(3000);
    // The backoff wins when it is longer than Retry-After.
    expect(retryDelayMs({ ...base, attempt: 6, retryAfterMs: 1000, random: () => 0.99 })).toBeGreaterThan(1000);
    expect(retryDelayMs({ ...base, attempt: 1, retryAfterMs: 86_400_000, random: () => 0 })).toBe(20_000);
  });

  it('tolerates a broken random source', () => {
    expect(retryDelayMs({ ...base, attempt: 1, random: () => Number.NaN })).toBe(250);
    expect(retryDelayMs({ ...base, attempt: 1, random: () => 7 })).toBe(500);
    expect(retryDelayMs({ ...base, attempt: 0, random: () => 0 })).toBe(250);
  });
});

describe('shouldRetry', () => {
  const throttled = new ModelArtsThrottledError({ ...apiDetails, status: 429, errorCode: 'APIG.0308' });
  const server = new ModelArtsServerError({ ...apiDetails, status: 503 });
  const auth = new ModelArtsAuthError({ ...apiDetails, status: 401, errorCode: 'APIG.0301' });
  const badRequest = new ModelArtsApiError({ ...apiDetails, status: 400, errorCode: 'ModelArts.0104' });
  const timeout = new ModelArtsTimeoutError('timed out');
  const base = { idempotent: true, mayHaveReachedService: true, retriesDone: 0, maxRetries: 4 };

  it('retries transient failures of idempotent calls within the budget', () => {
    for (const error of [throttled, server, timeout, new ModelArtsConnectionError('reset')]) {
      expect(shouldRetry({ ...base, error })).toBe(true);
      expect(shouldRetry({ ...base, error, retriesDone: 4 })).toBe(false);
    }
  });

  it('never retries auth failures, other 4xx, or unknown errors', () => {
    for (const error of [auth, badRequest, new Error('bug'), new DOMException('aborted', 'AbortError')]) {
      expect(shouldRetry({ ...base, error })).toBe(false);
      expect(shouldRetry({ ...base, error, mayHaveReachedService: false })).toBe(false);
    }
  });

  it('re-sends a non-idempotent call only when it never reached the service', () => {
    expect(shouldRetry({ ...base, idempotent: false, error: server })).toBe(false);
    expect(shouldRetry({ ...base, idempotent: false, error: timeout })).toBe(false);
    expect(shouldRetry({ ...base, idempotent: false, error: throttled, mayHaveReachedService: false })).toBe(true);
  });
});

describe('mayHaveReachedService', () => {
  const withCode = (code: string) =>
    new ModelArtsConnectionError(code, { cause: Object.assign(new Error(code), { code }) });

  it('is false only for refusals before sending and gateway throttling', () => {
    expect(mayHaveReachedService(withCode('ECONNREFUSED'))).toBe(false);
    expect(mayHaveReachedService(withCode('ENOTFOUND'))).toBe(false);
    expect(mayHaveReachedService(withCode('UND_ERR_CONNECT_TIMEOUT'))).toBe(false);
    expect(mayHaveReachedService(new ModelArtsThrottledError({ ...apiDetails, status: 429 }))).toBe(false);
    expect(mayHaveReachedService(withCode('ECONNRESET'))).toBe(true);
    expect(mayHaveReachedService(withCode('UND_ERR_SOCKET'))).toBe(true);
    expect(mayHaveReachedService(new ModelArtsConnectionError('no cause'))).toBe(true);
    expect(mayHaveReachedService(new ModelArtsTimeoutError('t'))).toBe(true);
    expect(mayHaveReachedService(new ModelArtsServerError({ ...apiDetails, status: 500 }))).toBe(true);
  });
});

describe('parseRetryAfter', () => {
  const now = Date.UTC(2026, 0, 1, 12, 0, 0);
  it('reads delta-seconds and HTTP dates', () => {
    expect(parseRetryAfter('3', now)).toBe(3000);
    expect(parseRetryAfter(' 0 ', now)).toBe(0);
    expect(parseRetryAfter('1.5', now)).toBe(1500);
    expect(parseRetryAfter(new Date(now + 7000).toUTCString(), now)).toBe(7000);
    expect(parseRetryAfter(new Date(now - 7000).toUTCString(), now)).toBe(0);
  });
  it('ignores absent or unreadable values', () => {
    expect(parseRetryAfter(undefined, now)).toBeUndefined();
    expect(parseRetryAfter('soon', now)).toBeUndefined();
    expect(parseRetryAfter('-5', now)).toBeUndefined();
  });
});

describe('parseErrorBody', () => {
  it('reads every body shape Huawei services use', () => {
    expect(parseErrorBody('{"error_code":"ModelArts.6309","error_msg":"not found"}')).toEqual({
      errorCode: 'ModelArts.6309',
      errorMsg: 'not found',
    });
    expect(parseErrorBody('{"error_code":"APIG.0308","error_message":"throttled"}')).toEqual({
      errorCode: 'APIG.0308',
      errorMsg: 'throttled',
    });
    expect(
      parseErrorBody('{"error":{"code":"APIGW.0301","message":"Incorrect IAM authentication information"}}'),
    ).toEqual({
      errorCode: 'APIGW.0301',
      errorMsg: 'Incorrect IAM authentication information',
    });
  });
  it('keeps a short plain-text message from non-JSON bodies', () => {
    expect(parseErrorBody('<html><body><h1>502 Bad Gateway</h1></body></html>')).toEqual({
      errorMsg: '502 Bad Gateway',
    });
    expect(parseErrorBody('')).toEqual({});
    expect(parseErrorBody('null')).toEqual({});
    expect(parseErrorBody('x'.repeat(1000)).errorMsg?.length).toBeLessThanOrEqual(300);
  });
});

describe('prepareRequest', () => {
  it('puts the port in Host only when it is not the default', () => {
    const segments = ['v1', 'p', 'notebooks'];
    const host = (url: string) => prepareRequest({ baseUrl: new URL(url), method: 'GET', segments }).headers['Host'];
    expect(host('https://modelarts.cn-north-4.myhuaweicloud.com')).toBe('modelarts.cn-north-4.myhuaweicloud.com');
    expect(host('https://modelarts.cn-north-4.myhuaweicloud.com:443')).toBe('modelarts.cn-north-4.myhuaweicloud.com');
    expect(host('http://example.com:80')).toBe('example.com');
    expect(host('https://example.com:8443')).toBe('example.com:8443');
  });

  it('sends exactly the canonical query and the encoded path, and keeps a base path', () => {
    const req = prepareRequest({
      baseUrl: new URL('http://127.0.0.1:9000/prefix/'),
      method: 'GET',
      segments: ['v1', 'p', 'notebooks', 'a b'],
      query: { z: 'x y', a: '(1)*', skip: undefined },
    });
    expect(req.pathSegments).toEqual(['prefix', 'v1', 'p', 'notebooks', 'a b']);
    expect(req.pathAndQuery).toBe('/prefix/v1/p/notebooks/a%20b?a=%281%29%2A&z=x%20y');
    expect(req.url).toBe('http://127.0.0.1:9000/prefix/v1/p/notebooks/a%20b?a=%281%29%2A&z=x%20y');
    expect(req.body).toBe('');
  });
});

describe('tokenLifetimeMs', () => {
  it('prefers expires_at - issued_at (immune to clock skew)', () => {
    const body = JSON.stringify({
      token: { issued_at: '2020-01-01T00:00:00.000000Z', expires_at: '2020-01-02T00:00:00.000000Z' },
    });
    expect(tokenLifetimeMs(body)).toBe(24 * 3_600_000);
  });
  it('falls back to expires_at against wall time, then to 24 h', () => {
    const wall = Date.UTC(2026, 0, 1);
    const body = JSON.stringify({ token: { expires_at: new Date(wall + 5 * 3_600_000).toISOString() } });
    expect(tokenLifetimeMs(body, wall)).toBe(5 * 3_600_000);
    expect(tokenLifetimeMs('{}', wall)).toBe(24 * 3_600_000);
    expect(tokenLifetimeMs('not json', wall)).toBe(24 * 3_600_000);
  });
});
