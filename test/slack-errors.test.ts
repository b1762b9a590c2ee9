import { LogLevel, WebClient } from '@slack/web-api';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createWorkerSlackClient } from '../src/jobs/outbox/index.js';
import { decodeSlackError, type SlackFailure } from '../src/messages/slack-errors.js';
import { FakeSlackApi } from '../src/slack-stand-in/fake-slack-api.js';

/**
 * The one Slack error decoder, fed with what the real WebClient throws against FakeSlackApi's
 * injected failures (not hand-built error objects), plus the raw shapes a fetch can throw.
 */

const TOKEN = 'xoxb-slack-errors-test';
let slack: FakeSlackApi;

beforeAll(async () => {
  slack = await new FakeSlackApi({ validTokens: [TOKEN] }).start();
});
afterAll(() => slack.stop());

/** What the worker's client (429s thrown, no retries) throws for the next chat.postMessage. */
async function failureOf(client: WebClient): Promise<SlackFailure | undefined> {
  try {
    await client.chat.postMessage({ channel: 'C0ERR0001', text: 'x' });
  } catch (err) {
    return decodeSlackError(err);
  }
  throw new Error('the call did not fail');
}

const worker = () => createWorkerSlackClient(TOKEN, { slackApiUrl: slack.apiUrl });

describe('decodeSlackError', () => {
  it('a 429 is rate_limited with Retry-After in ms', async () => {
    slack.fail('chat.postMessage', { error: 'ratelimited', retryAfterSec: 7 });
    expect(await failureOf(worker())).toEqual({ kind: 'rate_limited', code: 'ratelimited', retryAfterMs: 7000 });
  });

  it('internal_error, fatal_error, service_unavailable, request_timeout and 5xx are transient', async () => {
    for (const error of ['internal_error', 'fatal_error', 'service_unavailable', 'request_timeout']) {
      slack.fail('chat.postMessage', { error });
      expect(await failureOf(worker())).toEqual({ kind: 'transient', code: error });
    }
    slack.fail('chat.postMessage', { error: 'internal_error', status: 503 });
    expect(await failureOf(worker())).toEqual({ kind: 'transient', code: 'http_503' });
  });

  it('a network failure is transient', async () => {
    const down = new WebClient(TOKEN, {
      slackApiUrl: 'http://127.0.0.1:9/api/',
      retryConfig: { retries: 0 },
      logLevel: LogLevel.ERROR,
    });
    expect(await failureOf(down)).toEqual({ kind: 'transient', code: 'request_error' });
    expect(decodeSlackError(Object.assign(new Error('reset'), { code: 'ECONNRESET' }))).toEqual({
      kind: 'transient',
      code: 'ECONNRESET',
    });
  });

  it('permanent errors name what is wrong: the channel, the message, the thread, the token, the request', async () => {
    const cases: Array<[string, string]> = [
      ['channel_not_found', 'channel'],
      ['not_in_channel', 'channel'],
      ['is_archived', 'channel'],
      ['message_not_found', 'message'],
      ['cant_update_message', 'message'],
      ['thread_not_found', 'thread'],
      ['invalid_auth', 'auth'],
      ['token_revoked', 'auth'],
      ['invalid_blocks', 'request'],
    ];
    for (const [error, scope] of cases) {
      slack.fail('chat.postMessage', { error });
      expect(await failureOf(worker())).toEqual({ kind: 'permanent', code: error, scope });
    }
  });

  it('an unknown platform code is retried, not dropped', async () => {
    slack.fail('chat.postMessage', { error: 'some_new_slack_error' });
    expect(await failureOf(worker())).toEqual({ kind: 'transient', code: 'some_new_slack_error' });
  });

  it('a client that waited out 429s itself and gave up still reports a rate limit', async () => {
    slack.fail('chat.postMessage', { error: 'ratelimited', count: 2, retryAfterSec: 1 });
    const patient = new WebClient(TOKEN, {
      slackApiUrl: slack.apiUrl,
      retryConfig: { retries: 1, minTimeout: 0 },
      logLevel: LogLevel.ERROR,
    });
    expect(await failureOf(patient)).toEqual({ kind: 'rate_limited', code: 'ratelimited', retryAfterMs: 1000 });
  });

  it('is undefined for errors that did not come from Slack', () => {
    expect(decodeSlackError(new Error('redis down'))).toBeUndefined();
    expect(decodeSlackError('aborted')).toBeUndefined();
    expect(decodeSlackError(undefined)).toBeUndefined();
  });
});
