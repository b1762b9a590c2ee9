import { Writable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runDoctor } from '../src/doctor/run-doctor.js';
import { SOCKET_APP_TOKEN, SOCKET_BOT_TOKEN, type SocketWorld, startSocketWorld } from './support/socket-mode.js';
import { waitUntil } from './support/stack.js';

/**
 * `npm run doctor` in Socket Mode opens a connection the way the bot does (createSocketModeReceiver,
 * at SLACK_API_URL), passes only when Slack says hello, and closes it.
 */

/** Checks that must pass get a timeout no loaded machine reaches; only a test of the timeout sets a short one. */
async function doctor(env: NodeJS.ProcessEnv, timeoutMs = 15_000): Promise<{ code: number; text: string }> {
  let text = '';
  const out = new Writable({
    write(chunk, _enc, done) {
      text += String(chunk);
      done();
    },
  });
  const code = await runDoctor({ env, out, timeoutMs });
  return { code, text };
}

const slackLine = (text: string) => text.split('\n').find((l) => l.includes(' Slack: ')) ?? '';

describe('npm run doctor in Socket Mode', () => {
  let w: SocketWorld;
  beforeAll(async () => {
    w = await startSocketWorld();
  });
  afterAll(async () => {
    await w?.close();
  });

  it('passes when Slack says hello on a connection opened through SLACK_API_URL, then closes it', async () => {
    const { text } = await doctor(w.env);
    expect(slackLine(text)).toMatch(
      /✓ Slack: bot @notebook-bot in workspace Fake \(T0TEAM001\); Socket Mode connection opened/,
    );
    expect(slackLine(text)).toContain('(Slack said hello)');
    const opens = w.slack.callsTo('apps.connections.open');
    expect(opens).toHaveLength(1);
    expect(opens[0]!.token).toBe(SOCKET_APP_TOKEN);
    expect(w.socket.connections).toHaveLength(1);
    await waitUntil(() => !w.socket.connections[0]!.open);
    for (const secret of [SOCKET_APP_TOKEN, SOCKET_BOT_TOKEN]) expect(text).not.toContain(secret);
  });

  it('fails when the connection opens but Slack never says hello (apps.connections.open alone proves nothing)', async () => {
    w.socket.holdHello(true);
    try {
      const { code, text } = await doctor(w.env, 800);
      expect(code).toBe(1);
      expect(slackLine(text)).toMatch(
        /✗ Slack: the bot token works .*, but the bot could not open a Socket Mode connection/,
      );
      expect(slackLine(text)).toMatch(/Slack sent no hello within 0\.8 s/);
      await waitUntil(() => w.socket.connections.every((c) => !c.open));
    } finally {
      w.socket.holdHello(false);
    }
  });

  it('fails naming the cause when Slack rejects the app-level token', async () => {
    const { code, text } = await doctor({ ...w.env, SLACK_APP_TOKEN: 'xapp-1-fake-revoked-app-token' });
    expect(code).toBe(1);
    expect(slackLine(text)).toMatch(
      /✗ Slack: .*Slack rejected SLACK_APP_TOKEN \(invalid_auth\)\. To fix: create an app-level token/,
    );
    expect(text).not.toContain('revokedtoken');
  });
});
