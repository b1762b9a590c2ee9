import { request as httpRequest } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ConfigError } from '../src/errors.js';
import { createLogger } from '../src/logger.js';
import { createSlackApp } from '../src/slack/app.js';
import { isEventRequest } from '../src/slack/http-receiver.js';
import { SlackSender } from '../src/slack-stand-in/slack-sender.js';
import {
  ALICE,
  CHANNEL,
  SIGNING_SECRET,
  type SlackHarness,
  startSlackHarness,
  waitUntil,
} from './support/slack-harness.js';

let h: SlackHarness;
beforeAll(async () => {
  h = await startSlackHarness({
    app: {
      customRoutes: [
        {
          path: '/healthz',
          method: 'GET',
          handler: (_req, res) => {
            res.writeHead(200, { 'content-type': 'text/plain' });
            res.end('ok');
          },
        },
      ],
    },
  });
});
afterAll(async () => {
  await h.close();
});

describe('signed requests to the HTTP receiver', () => {
  it('answers a correctly signed slash command (help in the ack, ephemeral)', async () => {
    const res = await h.sender.slashCommand({ user: ALICE, channelId: CHANNEL, text: 'help' });
    expect(res.status).toBe(200);
    expect(res.json).toMatchObject({ response_type: 'ephemeral' });
    expect(res.text).toContain('/notebook create');
  });

  it('rejects a bad signature with 401 and does nothing', async () => {
    const before = h.slack.calls.length;
    const res = await h.sender.slashCommand(
      { user: ALICE, channelId: CHANNEL, text: 'list all' },
      { signature: 'v0=deadbeef' },
    );
    expect(res.status).toBe(401);
    const other = await h.sender.slashCommand(
      { user: ALICE, channelId: CHANNEL, text: 'help' },
      { signingSecret: 'another-apps-secret' },
    );
    expect(other.status).toBe(401);
    await new Promise((r) => setTimeout(r, 200));
    expect(h.slack.calls.length).toBe(before);
    expect(h.sim.stats.total).toBe(0);
  });

  it('checks the signature of every request Bolt would hand to the app, however its path is written (Bolt does not check again)', async () => {
    const before = h.slack.calls.length;
    const body =
      'command=%2Fnotebook&text=list+all&user_id=U0ALICE01&channel_id=C0CHANNEL1&team_id=T0TEAM001&trigger_id=t.1&response_url=http%3A%2F%2F127.0.0.1%3A9%2Fr';
    const port = new URL(h.baseUrl).port;
    // Paths Bolt routes to /slack/events (it parses them with new URL(path, 'http://localhost')).
    for (const path of ['/slack/events', '/slack/events?x=1', '//elsewhere/slack/events']) {
      const status = await new Promise<number>((resolve, reject) => {
        const req = httpRequest(
          {
            host: '127.0.0.1',
            port,
            path,
            method: 'POST',
            headers: {
              'content-type': 'application/x-www-form-urlencoded',
              'x-slack-request-timestamp': String(Math.floor(Date.now() / 1000)),
              'x-slack-signature': 'v0=deadbeef',
            },
          },
          (res) => {
            res.resume();
            resolve(res.statusCode ?? 0);
          },
        );
        req.on('error', reject);
        req.end(body);
      });
      expect({ path, status }).toEqual({ path, status: 401 });
    }
    await new Promise((r) => setTimeout(r, 200));
    expect(h.slack.calls.length).toBe(before);
    expect(h.sim.stats.total).toBe(0);
  });

  it('screens exactly the requests Bolt routes to the app: POST, the path as Bolt parses it', () => {
    expect(isEventRequest({ method: 'POST', url: '/slack/events' })).toBe(true);
    expect(isEventRequest({ method: 'post', url: '/slack/events?retry=1' })).toBe(true);
    expect(isEventRequest({ method: 'POST', url: '//host/slack/events' })).toBe(true);
    expect(isEventRequest({ method: 'GET', url: '/slack/events' })).toBe(false);
    expect(isEventRequest({ method: 'POST', url: '/slack/events/' })).toBe(false);
    expect(isEventRequest({ method: 'POST', url: '/healthz' })).toBe(false);
  });

  it('rejects a stale timestamp (older than 5 minutes) with 401, even when correctly signed', async () => {
    const stale = Math.floor(Date.now() / 1000) - 6 * 60;
    const res = await h.sender.slashCommand({ user: ALICE, channelId: CHANNEL, text: 'help' }, { timestamp: stale });
    expect(res.status).toBe(401);
  });

  it('signs like Slack: bolt-js fixture (secret 8f74…, timestamp 1531420618)', () => {
    const body =
      'token=xyzz0WbapA4vBCDEFasx0q6G&team_id=T1DC2JH3J&team_domain=testteamnow&channel_id=G8PSS9T3V&channel_name=foobar&user_id=U2CERLKJA&user_name=roadrunner&command=%2Fwebhook-collect&text=&response_url=https%3A%2F%2Fhooks.slack.com%2Fcommands%2FT1DC2JH3J%2F397700885554%2F96rGlfmibIGlgcZRskXaIFfN&trigger_id=398738663015.47445629121.803a0bc887a14d10d2c447fce8b6703c';
    expect(SlackSender.sign(SIGNING_SECRET, 1531420618, body)).toBe(
      'v0=a2114d57b48eac39b9ad189dd8316235a7b4a8d21a10bd27519666489c69b503',
    );
  });
});

describe('connection modes and extra routes', () => {
  it('serves custom routes (for /healthz, /readyz, /metrics) on the same HTTP server', async () => {
    const res = await fetch(`${h.baseUrl}/healthz`);
    expect(res.status).toBe(200);
    expect(await res.text()).toBe('ok');
  });

  /** What every Slack app needs besides its mode and tokens. */
  const appDeps = () => ({
    modelarts: h.modelarts,
    queue: h.queue,
    store: h.store,
    access: h.access,
    redis: h.redis,
    prefix: h.prefix,
    logger: createLogger({ level: 'silent' }),
    defaults: { flavor: 'f', storageGb: 5, leaseHours: 1 },
  });

  it('builds Socket Mode when an app token is given, HTTP mode otherwise (which needs the signing secret)', () => {
    const base = { botToken: 'xoxb-x', ...appDeps() };
    expect(createSlackApp({ ...base, appToken: 'xapp-1-A1-1-abc' }).mode).toBe('socket');
    expect(createSlackApp({ ...base, signingSecret: 's' }).mode).toBe('http');
    expect(() => createSlackApp(base)).toThrow(ConfigError);
  });

  it('start() fails clearly when Slack rejects the bot token (nothing is called before start)', async () => {
    const before = h.slack.calls.length;
    const app = createSlackApp({
      botToken: 'xoxb-wrong',
      signingSecret: 's',
      slackApiUrl: h.slack.apiUrl,
      port: 0,
      host: '127.0.0.1',
      ...appDeps(),
    });
    expect(h.slack.calls.length).toBe(before);
    await expect(app.start()).rejects.toThrow(/invalid_auth/);
  });
});

describe('user text and limits', () => {
  it('escapes what the user typed in every answer', async () => {
    const res = await h.sender.slashCommand({ user: ALICE, channelId: CHANNEL, text: 'start <!channel>&x 2h' });
    expect(res.status).toBe(200);
    const path = new URL(res.responseUrl).pathname;
    const reply = await h.slack.waitFor((calls) =>
      calls.find((c) => c.method === 'response_url' && c.args['response_path'] === path),
    );
    const text = JSON.stringify(reply.args);
    expect(text).toContain('&lt;!channel&gt;&amp;x');
    expect(text).not.toContain('<!channel>');
  });
});

describe('ModelArts too slow', () => {
  it('a lookup that times out tells the user to try again, never silence', async () => {
    const slow = await startSlackHarness({ app: { timing: { lookupTimeoutMs: 300 } } });
    try {
      slow.sim.faults.delay({ ms: 1500, operations: ['list'], forMs: 5000 });
      const res = await slow.sender.slashCommand({ user: ALICE, channelId: CHANNEL, text: 'stop some-notebook' });
      expect(res.status).toBe(200);
      const reply = await slow.slack.waitFor((calls) => calls.find((c) => c.method === 'response_url'), 10_000);
      expect(String(reply.args['text'])).toContain('did not answer in time');
    } finally {
      await slow.close();
    }
  });
});

describe('rate limit', () => {
  it('slows down a user who sends too many commands, with a message', async () => {
    const limited = await startSlackHarness({ policy: { rate_limit: { per_minute: 2 } } });
    try {
      const send = () => limited.sender.slashCommand({ user: ALICE, channelId: CHANNEL, text: 'list' });
      await send();
      await send();
      const third = await send();
      // The ack does not wait for the limit: the refusal follows it, privately (response_url).
      expect(third.text ?? '').not.toContain('going a bit fast');
      await waitUntil(() =>
        limited.slack.callsTo('response_url').some((c) => String(c.args['text']).includes('going a bit fast')),
      );
      await waitUntil(() => limited.slack.callsTo('response_url').length >= 3);
    } finally {
      await limited.close();
    }
  });
});
