import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { ManualClock } from '../src/clock.js';
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
import { createSimulator, type Simulator } from '../src/simulator/index.js';
import { simulatorClient } from './support/stack.js';

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

  it('never comes back before Retry-After, even past maxMs (shouldRetry gives such a call up)', () => {
    expect(retryDelayMs({ ...base, attempt: 1, retryAfterMs: 3000, random: () => 0 })).toBe(3000);
    // The backoff wins when it is longer than Retry-After.
    expect(retryDelayMs({ ...base, attempt: 6, retryAfterMs: 1000, random: () => 0.99 })).toBeGreaterThan(1000);
    expect(retryDelayMs({ ...base, attempt: 1, retryAfterMs: 30_000, random: () => 0 })).toBe(30_000);
    expect(retryDelayMs({ ...base, attempt: 1, retryAfterMs: 2500.4, random: () => 0 })).toBe(2501);
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

  it('gives up rather than retry before a Retry-After longer than the caller may wait', () => {
    expect(shouldRetry({ ...base, error: throttled, retryAfterMs: 3000, maxDelayMs: 20_000 })).toBe(true);
    expect(shouldRetry({ ...base, error: throttled, retryAfterMs: 30_000, maxDelayMs: 20_000 })).toBe(false);
    expect(shouldRetry({ ...base, error: server, retryAfterMs: 30_000 })).toBe(true);
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

describe('Retry-After against the simulator (the client retry loop, waits recorded by an injected sleep)', () => {
  let sim: Simulator;
  let clock: ManualClock;
  beforeAll(async () => {
    clock = new ManualClock(Date.now());
    sim = createSimulator({ clock });
    await sim.start();
  });
  afterAll(() => sim.stop());
  beforeEach(() => sim.reset());

  function client(overrides: { retryMaxMs?: number } = {}) {
    const sleeps: number[] = [];
    const c = simulatorClient(sim, clock, {
      retryBaseMs: 1,
      random: () => 0,
      // The injected sleep records each wait and moves the shared clock on by it.
      sleep: async (ms) => {
        sleeps.push(ms);
        clock.advance(ms);
      },
      ...overrides,
    });
    return { c, sleeps };
  }

  it('two 429s with Retry-After: 3: every retry waits at least 3 s (a list, and a poll)', async () => {
    const [id] = sim.instances.seed({ count: 1, status: 'RUNNING', namePrefix: 'ra' });
    const { c, sleeps } = client();
    try {
      sim.faults.throttle({ count: 2, retryAfterSec: 3, operations: ['list'] });
      await c.listNotebooks({});
      sim.faults.throttle({ count: 2, retryAfterSec: 3, operations: ['show'] });
      await c.showNotebook(id!);
      expect(sim.stats.byStatus['429']).toBe(4);
      expect(sleeps).toHaveLength(4);
      for (const ms of sleeps) expect(ms).toBeGreaterThanOrEqual(3000);
      // And on the simulator's side (the same clock): each retry arrived ≥ 3 s after its 429.
      const log = sim.stats.log;
      for (const [i, entry] of log.entries()) {
        if (entry.status !== 429) continue;
        expect(log[i + 1]!.at - entry.at).toBeGreaterThanOrEqual(3000);
      }
    } finally {
      await c.close();
    }
  });

  it('a Retry-After beyond the longest wait is not retried early: the error goes to the caller with it', async () => {
    const { c, sleeps } = client({ retryMaxMs: 20_000 });
    try {
      sim.faults.throttle({ count: 1, retryAfterSec: 30, operations: ['list'] });
      const err = await c.listNotebooks({}).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(ModelArtsThrottledError);
      expect((err as ModelArtsThrottledError).retryAfterMs).toBe(30_000);
      expect(sleeps).toEqual([]);
      expect(sim.stats.calls.list).toBe(1);
    } finally {
      await c.close();
    }
  });
});
