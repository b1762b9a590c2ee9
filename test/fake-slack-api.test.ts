import { WebClient } from '@slack/web-api';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { FakeSlackApi } from '../src/slack-stand-in/fake-slack-api.js';

describe('FakeSlackApi', () => {
  let slack: FakeSlackApi;
  beforeEach(async () => {
    slack = await new FakeSlackApi({ validTokens: ['xoxb-test'] }).start();
  });
  afterEach(() => slack.stop());

  it('records calls made by the real WebClient and keeps message state across updates', async () => {
    const web = new WebClient('xoxb-test', { slackApiUrl: slack.apiUrl });
    const posted = await web.chat.postMessage({ channel: 'C1', text: 'hi', blocks: [{ type: 'divider' }] });
    await web.chat.update({ channel: 'C1', ts: posted.ts!, text: 'updated' });
    expect(slack.callsTo('chat.postMessage')[0]?.args['blocks']).toEqual([{ type: 'divider' }]);
    expect(slack.message('C1', posted.ts!)?.['text']).toBe('updated');
  });

  it('rejects unknown tokens and injects 429s with Retry-After', async () => {
    const bad = new WebClient('xoxb-nope', { slackApiUrl: slack.apiUrl });
    await expect(bad.auth.test()).rejects.toThrow(/invalid_auth/);
    slack.rateLimit('chat.postMessage', 1, 1);
    const web = new WebClient('xoxb-test', { slackApiUrl: slack.apiUrl, rejectRateLimitedCalls: true });
    await expect(web.chat.postMessage({ channel: 'C1', text: 'x' })).rejects.toThrow(/rate-limit/i);
    await expect(web.chat.postMessage({ channel: 'C1', text: 'x' })).resolves.toMatchObject({ ok: true });
  });
});
