import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { RunningBot } from '../src/app/bot.js';
import { createLogger } from '../src/logger.js';
import { createSocketModeReceiver, SlackConnectionError } from '../src/slack/socket-mode.js';
import { SocketModeSender } from '../src/slack-stand-in/fake-socket-mode.js';
import type { ViewPayload } from '../src/slack-stand-in/slack-sender.js';
import { createFormValues } from './support/create-form.js';
import { runEntryPoint } from './support/entry-point.js';
import {
  closedPort,
  FAST_SOCKET_MODE,
  probe,
  SOCKET_APP_TOKEN,
  SOCKET_BOT_TOKEN,
  type SocketWorld,
  startSocketWorld,
} from './support/socket-mode.js';
import { waitUntil } from './support/stack.js';

/**
 * The bot in Socket Mode end to end, through the composition production runs (loadConfig →
 * startBot), against a local Socket Mode server: SLACK_API_URL points at FakeSlackApi, whose
 * apps.connections.open hands out ws:// URLs of FakeSocketModeServer, which says hello, delivers
 * envelopes and asks for reconnections like Slack.
 */

const ALICE = { id: 'U0ALICE01', name: 'alice' };
const CHANNEL = 'C0SOCKET01';

const unhandled: unknown[] = [];
const onUnhandled = (reason: unknown) => unhandled.push(reason);
beforeAll(() => {
  process.on('unhandledRejection', onUnhandled);
});
afterAll(() => {
  process.off('unhandledRejection', onUnhandled);
});
afterEach(() => {
  expect(unhandled).toEqual([]);
});

const SECRETS = [SOCKET_BOT_TOKEN, SOCKET_APP_TOKEN];
function expectNoSecrets(text: string): void {
  for (const s of SECRETS) expect(text).not.toContain(s);
}

describe('a bot in Socket Mode', () => {
  let w: SocketWorld;
  let bot: RunningBot;
  let sender: SocketModeSender;

  beforeAll(async () => {
    w = await startSocketWorld();
    bot = await w.startBot();
    sender = new SocketModeSender(w.socket, { teamId: w.slack.teamId, responseBaseUrl: w.slack.baseUrl });
  });
  afterAll(async () => {
    await w?.close();
  });

  it('connects through SLACK_API_URL (not slack.com) with the app-level token, and is ready', async () => {
    const opens = w.slack.callsTo('apps.connections.open');
    expect(opens).toHaveLength(1);
    expect(opens[0]!.token).toBe(SOCKET_APP_TOKEN);
    expect(w.socket.connections).toHaveLength(1);
    expect(bot.slackApp?.socketStatus()).toMatchObject({ state: 'connected', connections: 1 });
    const ready = await probe(bot.httpPort, '/readyz');
    expect(ready.body['checks']).toMatchObject({ slack: { ok: true } });
  });

  it('answers /notebook help in the ack', async () => {
    const res = await sender.slashCommand({ user: ALICE, channelId: CHANNEL, text: 'help' });
    expect(res.json).toMatchObject({ response_type: 'ephemeral' });
    expect(res.text).toContain('/notebook create');
  });

  it('opens the create modal for /notebook create (views.open with the command’s trigger_id)', async () => {
    const res = await sender.slashCommand({ user: ALICE, channelId: CHANNEL, text: 'create nb-socket' });
    const open = await w.slack.waitFor((calls) =>
      calls.find((c) => c.method === 'views.open' && c.args['trigger_id'] === res.triggerId),
    );
    expect(open.token).toBe(SOCKET_BOT_TOKEN);
    expect(JSON.stringify(open.args['view'])).toContain('nb-socket');
  });

  it('reconnects after Slack’s disconnect (refresh_requested), and commands work on the new connection', async () => {
    const before = w.slack.callsTo('apps.connections.open').length;
    w.socket.disconnect('refresh_requested');
    const second = await w.socket.waitForConnections(2);
    await w.slack.waitFor((calls) => calls.filter((c) => c.method === 'apps.connections.open').length === before + 1);
    await w.socket.waitFor(() => !w.socket.connections[0]!.open, 5000, 'the old connection to close');
    const res = await sender.slashCommand({ user: ALICE, channelId: CHANNEL, text: 'help' });
    expect(res.text).toContain('/notebook create');
    expect(w.socket.acks.at(-1)!.connection).toBe(second.id);
    await waitUntil(() => bot.slackApp?.socketStatus()?.state === 'connected');
    expect(bot.slackApp?.socketStatus()).toMatchObject({ state: 'connected', connections: 2 });
    expect(w.lines.find((l) => l['msg'] === 'Slack asked to reconnect; reconnecting')).toMatchObject({
      level: 30,
      reason: 'refresh_requested',
    });
  });

  it('reconnects after a dropped connection, past a failed apps.connections.open, and reports it in /readyz', async () => {
    let failures = 1;
    w.slack.on('apps.connections.open', () =>
      failures-- > 0 ? { ok: false, error: 'internal_error' } : { ok: true, url: w.socket.issueUrl() },
    );
    try {
      const count = w.socket.connections.length;
      w.socket.active!.destroy();
      await w.socket.waitForConnections(count + 1);
      await waitUntil(() => bot.slackApp?.socketStatus()?.state === 'connected');
      expect(w.lines.some((l) => l['msg'] === 'Socket Mode connection lost; reconnecting')).toBe(true);
      expect(
        w.lines.some((l) =>
          String(l['msg']).startsWith('Socket Mode reconnection failed: Slack answered internal_error'),
        ),
      ).toBe(true);
      const res = await sender.slashCommand({ user: ALICE, channelId: CHANNEL, text: 'help' });
      expect(res.text).toContain('/notebook create');
      expect((await probe(bot.httpPort, '/readyz')).body['checks']).toMatchObject({ slack: { ok: true } });
    } finally {
      w.socket.attach(w.slack);
    }
  });

  it('handles a redelivered envelope (same envelope_id, retry_attempt 1) once: one status message, one job', async () => {
    const command = await sender.slashCommand({ user: ALICE, channelId: CHANNEL, text: 'create nb-retried' });
    await w.slack.waitFor((calls) =>
      calls.find((c) => c.method === 'views.open' && c.args['trigger_id'] === command.triggerId),
    );
    const view = w.slack.openedViews().at(-1) as unknown as ViewPayload;
    const values = createFormValues('nb-retried');
    const first = await sender.viewSubmission({ user: ALICE, view, values }, { envelopeId: 'Env-retried-1' });
    const again = await sender.viewSubmission(
      { user: ALICE, view, values },
      { envelopeId: 'Env-retried-1', retryNum: 1, retryReason: 'timeout' },
    );
    expect(first.status).toBe(200);
    expect(again.status).toBe(200);
    expect(w.socket.acks.filter((a) => a.envelopeId === 'Env-retried-1')).toHaveLength(2);
    // The second delivery reaches the dedupe and stops there.
    await waitUntil(() => w.lines.some((l) => String(l['msg']).startsWith('duplicate request ignored')));
    await waitUntil(() => w.lines.some((l) => l['msg'] === 'operation queued'));
    const jobs = await bot.queue.queue.getJobs(['waiting', 'delayed', 'active', 'completed', 'failed']);
    expect(jobs.filter((j) => j.name === 'create' && JSON.stringify(j.data).includes('nb-retried'))).toHaveLength(1);
    const statusPosts = w.slack
      .callsTo('chat.postMessage')
      .filter((c) => JSON.stringify(c.args).includes('nb-retried') && c.args['channel'] === CHANNEL);
    expect(statusPosts).toHaveLength(1);
  });

  it('acks and drops malformed envelopes (null, number, array, wrong kind, no event), keeps working', async () => {
    const malformed: Array<[string, string, unknown]> = [
      ['Env-null', 'slash_commands', null],
      ['Env-number', 'interactive', 42],
      ['Env-array', 'interactive', [1, 2]],
      ['Env-string', 'slash_commands', 'text'],
      ['Env-no-event', 'events_api', {}],
      ['Env-null-event', 'events_api', { type: 'event_callback', event: null }],
      ['Env-kind', 'slash_commands', { type: 'block_actions', actions: [] }],
      ['Env-untyped', 'interactive', {}],
    ];
    for (const [envelopeId, type, payload] of malformed) {
      const ack = await w.socket.deliver(type, payload, { envelopeId });
      expect(ack.payload ?? {}).toEqual({});
    }
    w.socket.sendRaw('this is not JSON');
    w.socket.sendRaw('null');
    w.socket.sendRaw(JSON.stringify({ type: 'slash_commands', payload: {} }));
    const res = await sender.slashCommand({ user: ALICE, channelId: CHANNEL, text: 'help' });
    expect(res.text).toContain('/notebook create');
    const dropped = w.lines.filter((l) => String(l['msg']).includes('malformed Socket Mode'));
    expect(dropped.length).toBe(malformed.length + 3);
    expect(dropped.find((l) => l['envelopeId'] === 'Env-null')).toMatchObject({
      type: 'slash_commands',
      reason: 'the payload is null, not a JSON object',
    });
    expect(bot.slackApp?.socketStatus()?.state).toBe('connected');
  });

  it('writes no token to any log line', () => {
    expectNoSecrets(JSON.stringify(w.lines));
  });
});

describe('health while connecting', () => {
  let w: SocketWorld;
  beforeAll(async () => {
    w = await startSocketWorld();
  });
  afterAll(async () => {
    await w?.close();
  });

  it('serves /healthz (200) and /readyz (503) before Slack says hello; ready once it has', async () => {
    w.socket.holdHello(true);
    let reportPort: (port: number) => void = () => undefined;
    const opsPort = new Promise<number>((resolve) => {
      reportPort = resolve;
    });
    const starting = w.startBot(
      {},
      { onOpsListening: reportPort, socketMode: { ...FAST_SOCKET_MODE, connectTimeoutMs: 20_000 } },
    );
    starting.catch(() => undefined);
    const port = await opsPort;
    await w.socket.waitForConnections(1);

    expect((await probe(port, '/healthz')).status).toBe(200);
    const connecting = await probe(port, '/readyz');
    expect(connecting.status).toBe(503);
    expect(connecting.body['checks']).toMatchObject({
      slack: { ok: false, error: expect.stringContaining('Socket Mode connecting') },
    });

    w.socket.sayHello();
    const bot = await starting;
    expect(bot.httpPort).toBe(port);
    const ready = await probe(port, '/readyz');
    expect(ready.body['checks']).toMatchObject({ slack: { ok: true } });
  });
});

describe('a connection that cannot be opened', () => {
  let w: SocketWorld;
  beforeAll(async () => {
    w = await startSocketWorld();
  });
  afterAll(async () => {
    await w?.close();
  });

  it('fails the start at once when Slack rejects the app-level token, naming it and the fix', async () => {
    const err = await w.startBot({ SLACK_APP_TOKEN: 'xapp-1-fake-revoked-app-token' }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(SlackConnectionError);
    expect((err as SlackConnectionError).reason).toBe('invalid_auth');
    expect((err as Error).message).toMatch(/Slack rejected SLACK_APP_TOKEN \(invalid_auth\)/);
    expect((err as Error).message).toMatch(/App-Level Tokens/);
    expect(w.socket.connections).toHaveLength(0);
  });

  it('names the refused WebSocket, not the deadline, when the deadline falls in apps.connections.open', async () => {
    // Two refused attempts, then Slack stops answering apps.connections.open: the deadline cuts
    // that call. The cut knows only that time ran out; the refusals before it name the cause.
    const port = await closedPort();
    w.slack.on('apps.connections.open', () => ({ ok: true, url: `ws://127.0.0.1:${port}/link/?ticket=never` }));
    const answeredBefore = w.slack.callsTo('apps.connections.open').length;
    let opens = 0;
    w.slack.fail('apps.connections.open', { error: 'no_answer', when: () => ++opens > 2 });
    try {
      const err = await w
        .startBot({}, { socketMode: { ...FAST_SOCKET_MODE, connectTimeoutMs: 3000 } })
        .catch((e: unknown) => e);
      expect(err).toBeInstanceOf(SlackConnectionError);
      expect((err as Error).message).toMatch(/within 3 s/);
      expect((err as Error).message).toContain(`WebSocket connection to ws://127.0.0.1:${port}/link/ failed`);
      expect((err as Error).message).toContain('ECONNREFUSED');
      expect((err as Error).message).not.toContain('did not answer');
      expect(w.slack.callsTo('apps.connections.open').length - answeredBefore).toBe(2);
      expect(w.slack.callsTo('apps.connections.open#no_answer')).toHaveLength(1);
    } finally {
      w.slack.clearFaults();
      w.socket.attach(w.slack);
    }
  });

  it('fails within the deadline when the WebSocket URL refuses connections, naming the cause', async () => {
    const port = await closedPort();
    w.slack.on('apps.connections.open', () => ({ ok: true, url: `ws://127.0.0.1:${port}/link/?ticket=never` }));
    try {
      const err = await w
        // Long enough for a few refused attempts on a busy machine: the cause comes from them.
        .startBot({}, { socketMode: { ...FAST_SOCKET_MODE, connectTimeoutMs: 4000 } })
        .catch((e: unknown) => e);
      expect(err).toBeInstanceOf(SlackConnectionError);
      expect((err as Error).message).toMatch(/within 4 s/);
      expect((err as Error).message).toContain(`WebSocket connection to ws://127.0.0.1:${port}/link/ failed`);
      expect((err as Error).message).toContain('ECONNREFUSED');
      expect((err as Error).message).not.toContain('ticket=');
      // It retried until the deadline instead of giving up on the first refusal.
      expect(w.slack.callsTo('apps.connections.open').length).toBeGreaterThan(1);
    } finally {
      w.socket.attach(w.slack);
    }
  });

  it('fails within the deadline when Slack never says hello', async () => {
    w.socket.holdHello(true);
    try {
      const err = await w
        .startBot({}, { socketMode: { ...FAST_SOCKET_MODE, connectTimeoutMs: 1000 } })
        .catch((e: unknown) => e);
      expect(err).toBeInstanceOf(SlackConnectionError);
      expect((err as SlackConnectionError).reason).toBe('no_hello');
      expect((err as Error).message).toMatch(/opened, but Slack sent no hello within 1 s/);
      await w.socket.waitFor(() => w.socket.connections.every((c) => !c.open), 5000, 'every connection closed');
    } finally {
      w.socket.holdHello(false);
    }
  });

  it('names an unreachable SLACK_API_URL and a bot token given as the app token', async () => {
    const logger = createLogger({ level: 'silent' });
    const port = await closedPort();
    const unreachable = createSocketModeReceiver({
      appToken: SOCKET_APP_TOKEN,
      slackApiUrl: `http://127.0.0.1:${port}/api/`,
      logger,
      settings: { ...FAST_SOCKET_MODE, connectTimeoutMs: 800 },
    }).connection;
    const down = await unreachable.open().catch((e: unknown) => e);
    expect((down as SlackConnectionError).reason).toBe('ECONNREFUSED');
    expect((down as Error).message).toContain(`could not reach http://127.0.0.1:${port}/api/ (ECONNREFUSED`);
    expect((down as Error).message).toMatch(/check SLACK_API_URL/);
    expect(unreachable.status()).toMatchObject({ state: 'failed' });

    const wrongType = createSocketModeReceiver({
      appToken: SOCKET_BOT_TOKEN,
      slackApiUrl: w.slack.apiUrl,
      logger,
      settings: FAST_SOCKET_MODE,
    }).connection;
    const refused = await wrongType.open().catch((e: unknown) => e);
    expect((refused as SlackConnectionError).reason).toBe('not_allowed_token_type');
    expect((refused as Error).message).toMatch(/not the bot token/);
  });

  it('exits 1 from the command line with the cause in one line, no stack trace', async () => {
    const { code, out, err } = await runEntryPoint([], {
      ...w.env,
      SLACK_APP_TOKEN: 'xapp-1-fake-revoked-app-token',
      LOG_LEVEL: 'warn',
    });
    expect(code, out + err).toBe(1);
    expect(err).toMatch(
      /notebook-bot: Could not open a Socket Mode connection to Slack: Slack rejected SLACK_APP_TOKEN \(invalid_auth\)/,
    );
    expect(err).not.toMatch(/\n\s+at /);
    expectNoSecrets(out + err);
  });
});
