import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { ErrorCode, LogLevel, WebClient, WebClientEvent, type WebClientOptions } from '@slack/web-api';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createSlackFetch } from '../src/operations/index.js';
import { encodedView } from '../src/slack/encoded-view.js';
import { FakeSlackApi } from '../src/slack-stand-in/fake-slack-api.js';

/**
 * The bot's WebClients call Slack through `createSlackFetch` (undici's request) instead of the
 * WHATWG fetch: what WebClient reads of the answer must be the same, through the real WebClient
 * against FakeSlackApi over HTTP.
 */
let slack: FakeSlackApi;
beforeAll(async () => {
  slack = await new FakeSlackApi().start();
});
afterAll(async () => {
  await slack.stop();
});

const client = (options: WebClientOptions = {}) =>
  new WebClient('xoxb-fetch-test', {
    slackApiUrl: slack.apiUrl,
    fetch: createSlackFetch(),
    retryConfig: { retries: 0 },
    logLevel: LogLevel.ERROR,
    ...options,
  });

describe('the Web API through createSlackFetch', () => {
  it('sends the call as WebClient encodes it (token, JSON fields) and returns the parsed answer', async () => {
    slack.reset();
    const blocks = [{ type: 'section', text: { type: 'mrkdwn', text: 'héllo & ünïcode ✓' } }];
    const res = await client().chat.postMessage({ channel: 'C0FETCH01', text: 'hi', blocks });
    expect(res.ok).toBe(true);
    expect(typeof res.ts).toBe('string');
    const [call] = slack.callsTo('chat.postMessage');
    expect(call?.token).toBe('xoxb-fetch-test');
    expect(call?.args).toMatchObject({ channel: 'C0FETCH01', text: 'hi', blocks });
    expect(slack.message('C0FETCH01', String(res.ts))).toMatchObject({ text: 'hi' });
  });

  it('gives WebClient the 429 and its Retry-After: a rate-limited error (rejectRateLimitedCalls) and the event', async () => {
    slack.reset();
    slack.rateLimit('chat.postMessage', 1, 7);
    const c = client({ rejectRateLimitedCalls: true });
    const seen: number[] = [];
    c.on(WebClientEvent.RATE_LIMITED, (sec: number) => seen.push(sec));
    const err = await c.chat.postMessage({ channel: 'C0FETCH01', text: 'x' }).catch((e: unknown) => e);
    expect(err).toMatchObject({ code: ErrorCode.RateLimitedError, retryAfter: 7 });
    expect(seen).toEqual([7]);
  });

  it('waits out a 429 and retries, as with the global fetch', async () => {
    slack.reset();
    slack.rateLimit('chat.postMessage', 1, 0);
    const res = await client({ retryConfig: { retries: 1, minTimeout: 10, maxTimeout: 10 } }).chat.postMessage({
      channel: 'C0FETCH01',
      text: 'again',
    });
    expect(res.ok).toBe(true);
  });

  it("a Slack error is WebClient's platform error; an HTTP 5xx its HTTP error with the status", async () => {
    slack.reset();
    slack.fail('views.update', { error: 'hash_conflict' });
    const platform = await client()
      .views.update({
        view_id: 'V1',
        hash: 'h',
        view: { type: 'modal', title: { type: 'plain_text', text: 't' }, blocks: [] },
      })
      .catch((e: unknown) => e);
    expect(platform).toMatchObject({ code: ErrorCode.PlatformError, data: { ok: false, error: 'hash_conflict' } });
    slack.fail('chat.postMessage', { error: 'internal_error', status: 503 });
    const http = await client()
      .chat.postMessage({ channel: 'C0FETCH01', text: 'x' })
      .catch((e: unknown) => e);
    expect(http).toMatchObject({ code: ErrorCode.HTTPError, statusCode: 503 });
  });

  it("WebClient's timeout aborts a call that gets no answer: a request error, not a hang", async () => {
    const silent: Server = createServer(() => {
      // never answers
    });
    await new Promise<void>((r) => silent.listen(0, '127.0.0.1', r));
    try {
      const url = `http://127.0.0.1:${(silent.address() as AddressInfo).port}/api/`;
      const err = await new WebClient('xoxb-t', {
        slackApiUrl: url,
        fetch: createSlackFetch(),
        timeout: 200,
        retryConfig: { retries: 0 },
        logLevel: LogLevel.ERROR,
      }).auth
        .test()
        .catch((e: unknown) => e);
      expect(err).toMatchObject({ code: ErrorCode.RequestError });
    } finally {
      silent.closeAllConnections();
      await new Promise<void>((r) => silent.close(() => r()));
    }
  });
});

describe('encodedView', () => {
  it('Slack receives the same view, encoded by us or by WebClient', async () => {
    slack.reset();
    const view = {
      type: 'home' as const,
      blocks: [{ type: 'section' as const, text: { type: 'mrkdwn' as const, text: 'a & b = "c" ✓ <ok>' } }],
    };
    await client().views.publish({ user_id: 'U0A', view });
    await client().views.publish({ user_id: 'U0B', view: encodedView(view) });
    const [plain, encoded] = slack.callsTo('views.publish');
    expect(plain?.args['view']).toEqual(view);
    expect(encoded?.args['view']).toEqual(plain?.args['view']);
  });
});
