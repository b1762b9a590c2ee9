import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createAccessControl } from '../src/access/access-control.js';
import { parsePolicyObject } from '../src/access/policy.js';
import { CREATE_BLOCKS, VALUE_ACTION } from '../src/messages/create-modal.js';
import type { SlackApp } from '../src/slack/app.js';
import { inspectEnvelope, inspectSlackBody } from '../src/slack/receiver-guard.js';
import type { SlackSender } from '../src/slack-stand-in/slack-sender.js';
import { captureLogs } from './support/log-capture.js';
import { type Stack, startSlackSurface, startStack, webClient } from './support/stack.js';

/**
 * Signed requests to the real HTTP receiver whose body is not what Slack sends: each is answered
 * 400 at once and logged with the reason (never the body, never a secret), with no unhandled
 * rejection; the receiver keeps serving.
 */

const BOT_TOKEN = 'xoxb-malformed-test-bot-token-0001';
const SIGNING_SECRET = 'malformedSigningSecret0000000000001';
const ALICE = { id: 'U0ALICE01', name: 'alice' };
const CHANNEL = 'C0MALFORM1';
const FORM = 'application/x-www-form-urlencoded';
const JSON_TYPE = 'application/json';

let lines: Array<Record<string, unknown>> = [];
const unhandled: unknown[] = [];
const onUnhandled = (reason: unknown) => unhandled.push(reason);

let stack: Stack;
let app: SlackApp;
let sender: SlackSender;

beforeAll(async () => {
  process.on('unhandledRejection', onUnhandled);
  const capture = captureLogs('debug');
  lines = capture.lines;
  const logger = capture.logger;
  stack = await startStack({ botToken: BOT_TOKEN, channel: CHANNEL, label: 'malformed', logger });
  const access = createAccessControl({
    policy: parsePolicyObject({}, { source: '(test)' }),
    redis: stack.redis,
    prefix: stack.prefix,
    slack: webClient(stack),
    store: stack.store,
    logger,
    clock: stack.clock,
  });
  ({ app, sender } = await startSlackSurface(stack, { signingSecret: SIGNING_SECRET, access }));
});

afterAll(async () => {
  process.off('unhandledRejection', onUnhandled);
  await app?.stop();
  await stack?.close();
});

afterEach(() => {
  expect(unhandled).toEqual([]);
});

const form = (fields: Record<string, string>) => new URLSearchParams(fields).toString();

describe('signed requests whose body is not what Slack sends', () => {
  const cases: Array<[string, string, string, RegExp]> = [
    ['payload=null', form({ payload: 'null' }), FORM, /the payload is null, not a JSON object/],
    ['payload=42', form({ payload: '42' }), FORM, /the payload is a number/],
    ['payload="text"', form({ payload: '"text"' }), FORM, /the payload is a string/],
    ['payload=[]', form({ payload: '[1,2]' }), FORM, /the payload is an array/],
    ['payload={}', form({ payload: '{}' }), FORM, /no type, event or command/],
    ['payload=not JSON', form({ payload: '{xoxb-not json' }), FORM, /not valid JSON/],
    ['two payload fields', 'payload=%7B%7D&payload=%7B%7D', FORM, /no type, event or command/],
    ['a view_submission without its view', form({ payload: '{"type":"view_submission"}' }), FORM, /"view" is missing/],
    [
      'block_actions with actions not a list',
      form({ payload: '{"type":"block_actions","actions":5}' }),
      FORM,
      /"actions" is a number/,
    ],
    ['a form that is no command', form({ text: 'hi', user_id: 'U1' }), FORM, /no type, event or command/],
    ['JSON null', 'null', JSON_TYPE, /the payload is null/],
    ['JSON array', '[]', JSON_TYPE, /the payload is an array/],
    ['an event that is null', '{"type":"event_callback","event":null}', JSON_TYPE, /"event" is null/],
    ['an event without a type', '{"type":"event_callback","event":{}}', JSON_TYPE, /without a type/],
    ['invalid JSON', '{"type":', JSON_TYPE, /not valid JSON/],
  ];

  it.each(cases)('%s: 400 at once, logged with the reason', async (_label, body, contentType, reason) => {
    const before = lines.length;
    const res = await sender.send(body, contentType);
    expect(res.status).toBe(400);
    const logged = lines.slice(before).find((l) => l['status'] === 400);
    expect(logged).toMatchObject({
      level: 40,
      component: 'slack-http',
      msg: 'refused a signed Slack request whose body is not what Slack sends',
      contentType,
    });
    expect(String(logged?.['reason'])).toMatch(reason);
  });

  it('checks the signature first: an unsigned malformed request is 401', async () => {
    const res = await sender.send(form({ payload: 'null' }), FORM, { signature: 'v0=deadbeef' });
    expect(res.status).toBe(401);
  });

  it('answers app_rate_limited with 200 and logs it', async () => {
    const res = await sender.send(
      JSON.stringify({
        token: 'x',
        type: 'app_rate_limited',
        team_id: 'T0TEAM001',
        minute_rate_limited: 1_518_467_820,
      }),
      JSON_TYPE,
    );
    expect(res.status).toBe(200);
    expect(lines.some((l) => String(l['msg']).includes('app_rate_limited'))).toBe(true);
  });

  it('keeps serving real requests of every kind, and no log line holds the body or a secret', async () => {
    const help = await sender.slashCommand({ user: ALICE, channelId: CHANNEL, text: 'help' });
    expect(help.status).toBe(200);
    expect(help.text).toContain('/notebook create');
    const options = await sender.blockSuggestion({
      user: ALICE,
      blockId: CREATE_BLOCKS.flavor,
      actionId: VALUE_ACTION,
      value: '',
    });
    expect(options.status).toBe(200);
    expect(JSON.stringify(options.json)).toContain('modelarts.vm.cpu');
    const home = await sender.event({ type: 'app_home_opened', user: ALICE.id, tab: 'home' });
    expect(home.status).toBe(200);
    await stack.slack.waitFor((calls) => calls.find((c) => c.method === 'views.publish'));
    const url = await sender.send(JSON.stringify({ type: 'url_verification', challenge: 'ch4llenge' }), JSON_TYPE);
    expect(url.text).toContain('ch4llenge');
    const text = JSON.stringify(lines);
    expect(text).not.toContain(BOT_TOKEN);
    expect(text).not.toContain(SIGNING_SECRET);
    expect(text).not.toContain('xoxb-not json');
  });
});

describe('the checks themselves', () => {
  it('accept every kind of body Slack sends', () => {
    const bodies: Array<[unknown, string]> = [
      [{ ssl_check: '1' }, 'ssl_check'],
      [{ type: 'url_verification', challenge: 'c' }, 'url_verification'],
      [{ type: 'event_callback', event: { type: 'app_home_opened' } }, 'event'],
      [{ command: '/notebook', text: '' }, 'command'],
      [{ type: 'block_suggestion', value: 'a' }, 'options'],
      [{ type: 'block_actions', actions: [] }, 'action'],
      [{ type: 'shortcut', callback_id: 'x' }, 'shortcut'],
      [{ type: 'view_submission', view: { id: 'V1' } }, 'view'],
      [{ type: 'view_closed', view: { id: 'V1' } }, 'view'],
    ];
    for (const [body, kind] of bodies) expect(inspectSlackBody(body)).toEqual({ ok: true, kind });
  });

  it('pass hello and disconnect, and refuse envelopes Bolt cannot handle, keeping their id to ack', () => {
    expect(inspectEnvelope('{"type":"hello"}')).toEqual({ ok: true });
    expect(inspectEnvelope('{"type":"disconnect","reason":"refresh_requested"}')).toEqual({
      ok: true,
      disconnectReason: 'refresh_requested',
    });
    expect(inspectEnvelope('{"envelope_id":"E1","type":"slash_commands","payload":{"command":"/notebook"}}')).toEqual({
      ok: true,
    });
    expect(inspectEnvelope('{"envelope_id":"E2","type":"events_api","payload":{"event":5}}')).toMatchObject({
      ok: false,
      envelopeId: 'E2',
      type: 'events_api',
    });
    expect(inspectEnvelope('{"envelope_id":"E3","type":"interactive","payload":{"command":"/x"}}')).toMatchObject({
      ok: false,
      envelopeId: 'E3',
      reason: 'an interactive envelope carrying a command payload',
    });
    expect(inspectEnvelope('{"type":"interactive","payload":{}}')).toEqual({
      ok: false,
      reason: 'an envelope without an envelope_id',
      type: 'interactive',
    });
    expect(inspectEnvelope('nope')).toEqual({ ok: false, reason: 'the message is not JSON' });
  });
});
