import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../src/config.js';
import { CREATE_BLOCKS } from '../src/messages/create-modal.js';
import { ModelArtsClient } from '../src/modelarts/client.js';
import { ModelArtsAuthError } from '../src/modelarts/errors.js';
import { state } from '../src/slack-stand-in/slack-sender.js';
import {
  type AccessHarness,
  ADMIN,
  ALICE,
  CHANNEL,
  startAccessHarness,
  waitUntil,
} from './support/access-e2e-harness.js';
import { createFormValues } from './support/create-form.js';
import { captureLogs } from './support/log-capture.js';

/**
 * No secret reaches a log line or Slack. Every component logs into one captured stream at
 * `trace` (the Slack app and Bolt, the Web API clients, the workers, the ModelArts client, the
 * IAM token provider, the lease buttons, access control), through a full create → ready →
 * extend → stop flow driven by signed HTTP requests, plus authentication failures on both sides.
 * The secrets are registered the way production registers them (`loadConfig`); the notebook's
 * Jupyter `token` is never registered: it must stay out by construction.
 */

const SECRET = {
  botToken: 'xoxb-4242-secrets-capture-bot-token-k3y',
  appToken: 'xapp-test-secrets-capture-app-token-4242',
  signingSecret: 'secretsCaptureSigningSecret0000000001',
  ak: 'SECRETSCAPTUREAK0001',
  sk: 'secretsCaptureSecretKey00000000000000000001',
  iamPassword: 'Secrets"Capture\\IAM-password-01',
} as const;
const WRONG = {
  sk: 'wrongSecretKeyForTheCaptureTest000000000001',
  iamPassword: 'wrong"IAM\\password-for-the-capture-test',
};
const IAM_USER = { domain: 'capture-domain', name: 'capture-user' };

let lines: string[] = [];
let h: AccessHarness;
let jupyterToken = '';

beforeAll(async () => {
  // As production: loadConfig registers every secret it reads (AK/SK and IAM are alternatives).
  const base = {
    SLACK_BOT_TOKEN: SECRET.botToken,
    SLACK_APP_TOKEN: SECRET.appToken,
    SLACK_SIGNING_SECRET: SECRET.signingSecret,
    HUAWEICLOUD_SDK_PROJECT_ID: '0123456789abcdef0123456789abcdef',
    MODELARTS_REGION: 'cn-north-4',
    LOG_LEVEL: 'trace',
  };
  loadConfig({ ...base, HUAWEICLOUD_SDK_AK: SECRET.ak, HUAWEICLOUD_SDK_SK: SECRET.sk });
  loadConfig({
    ...base,
    HUAWEICLOUD_IAM_USER: IAM_USER.name,
    HUAWEICLOUD_IAM_DOMAIN: IAM_USER.domain,
    HUAWEICLOUD_IAM_PASSWORD: SECRET.iamPassword,
  });

  const capture = captureLogs('trace');
  lines = capture.raw;
  const logger = capture.logger;
  h = await startAccessHarness({
    policy: { admins: [ADMIN.id], rate_limit: { per_minute: 1000 } },
    logger,
    botToken: SECRET.botToken,
    signingSecret: SECRET.signingSecret,
    sim: {
      credentials: [{ ak: SECRET.ak, sk: SECRET.sk }],
      iam: { users: [{ ...IAM_USER, password: SECRET.iamPassword }] },
      lockout: false,
    },
    modelartsAuth: { kind: 'aksk', ak: SECRET.ak, sk: SECRET.sk },
  });
  await h.startWorker();
});

afterAll(async () => {
  await h?.close();
});

function expectNoSecret(text: string, where: string): void {
  const values: Array<[string, string]> = [
    ...Object.entries(SECRET),
    ['wrongSk', WRONG.sk],
    ['wrongIamPassword', WRONG.iamPassword],
    ['jupyterToken', jupyterToken],
  ];
  for (const [kind, value] of values) {
    expect(value.length, kind).toBeGreaterThan(8);
    expect(text.includes(value), `${kind} found in ${where}`).toBe(false);
    const escaped = JSON.stringify(value).slice(1, -1);
    expect(text.includes(escaped), `${kind} (JSON-escaped) found in ${where}`).toBe(false);
  }
}

describe('secrets in logs and in Slack', () => {
  it('a full create → ready → extend → stop flow and auth failures leave no secret in any log line or Slack call', async () => {
    // Create through the modal; the real worker takes it to RUNNING.
    const view = await h.openCreateModal(ALICE);
    await h.sender.viewSubmission({
      user: ALICE,
      view,
      values: createFormValues('nb-secret', {
        [CREATE_BLOCKS.postStartType]: { value: state.select('COMMAND') },
        [CREATE_BLOCKS.postStartScript]: { value: state.text('echo ready') },
      }),
    });
    await waitUntil(() => h.enqueueResults.length === 1);
    expect(await h.waitForJob(h.enqueueResults[0]!.jobId)).toBe('completed');
    const nb = h.sim.instances.list().find((n) => n.name === 'nb-secret')!;
    expect(nb.status).toBe('RUNNING');
    jupyterToken = nb.token;
    expect(jupyterToken.length).toBeGreaterThan(8);

    // The notebook's live details pass through the web side too (status, App Home).
    const status = await h.command('status nb-secret', ALICE);
    expect(await h.privateReply(status.responseUrl)).toContain('RUNNING');
    await h.sender.event({ type: 'app_home_opened', user: ALICE.id, channel: 'D0HOME', tab: 'home' });
    await h.slack.waitFor((calls) => calls.find((c) => c.method === 'views.publish'));

    await h.command('extend nb-secret 2h', ALICE);
    await waitUntil(() => h.enqueueResults.length === 2);
    expect(await h.waitForJob(h.enqueueResults[1]!.jobId)).toBe('completed');
    await h.command('stop nb-secret', ALICE);
    await waitUntil(() => h.enqueueResults.length === 3);
    expect(await h.waitForJob(h.enqueueResults[2]!.jobId)).toBe('completed');
    expect(h.sim.instances.get(nb.id)?.status).toBe('STOPPED');

    // ModelArts: a wrong SK is refused (APIG.0301); IAM password auth, right and wrong.
    const wrongSk = new ModelArtsClient({
      endpoint: h.sim.url,
      projectId: h.sim.projectId,
      auth: { kind: 'aksk', ak: SECRET.ak, sk: WRONG.sk },
      clock: h.clock,
      logger: h.logger,
      maxRetries: 0,
    });
    const denied = await wrongSk.listNotebooks({ limit: 10 }).catch((err: unknown) => err);
    expect(denied).toBeInstanceOf(ModelArtsAuthError);
    expect((denied as ModelArtsAuthError).errorCode).toBe('APIG.0301');
    h.logger.error({ err: denied }, 'capture test: AK/SK rejected');
    await wrongSk.close();

    const iam = (password: string) =>
      new ModelArtsClient({
        endpoint: h.sim.url,
        projectId: h.sim.projectId,
        auth: { kind: 'iam', iamEndpoint: h.sim.url, user: IAM_USER.name, password, domain: IAM_USER.domain },
        clock: h.clock,
        logger: h.logger,
        maxRetries: 0,
      });
    const good = iam(SECRET.iamPassword);
    expect((await good.listNotebooks({ limit: 10 })).data.length).toBeGreaterThan(0);
    await good.close();
    const bad = iam(WRONG.iamPassword);
    const iamDenied = await bad.listNotebooks({ limit: 10 }).catch((err: unknown) => err);
    expect(iamDenied).toBeInstanceOf(Error);
    h.logger.error({ err: iamDenied }, 'capture test: IAM password rejected');
    await bad.close();

    // Slack: a forged signature and a request signed with another app's secret are refused.
    const forged = await h.sender.slashCommand(
      { user: ALICE, channelId: CHANNEL, text: 'list' },
      { signature: `v0=${'0'.repeat(64)}` },
    );
    expect(forged.status).toBe(401);
    const otherApp = await h.sender.slashCommand(
      { user: ALICE, channelId: CHANNEL, text: 'list' },
      { signingSecret: 'another-apps-signing-secret-000001' },
    );
    expect(otherApp.status).toBe(401);

    // Let the Slack queue and the logger settle before reading.
    await waitUntil(async () => {
      const c = await h.worker!.notifier.queue.getJobCounts('waiting', 'active', 'delayed');
      return (c.waiting ?? 0) + (c.active ?? 0) + (c.delayed ?? 0) === 0;
    });
    await new Promise<void>((r) => setImmediate(r));

    // The capture is real: every component wrote, at debug/trace too.
    const parsed = lines.map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(parsed.length).toBeGreaterThan(50);
    const components = new Set(parsed.map((l) => String(l['component'] ?? '')));
    // The Web API clients (access control, approvals, the workers') log through pino too.
    for (const c of ['slack', 'bolt', 'jobs', 'slack-web-api']) expect(components, c).toContain(c);
    // One `component` per line (a child of a child must not repeat the key).
    for (const line of lines) expect(line.match(/"component":/g)?.length ?? 0, line).toBeLessThanOrEqual(1);
    if (process.env['SECRETS_CAPTURE_DUMP']) console.log(lines.join('\n'));
    expect(parsed.some((l) => (l['level'] as number) <= 20)).toBe(true);
    expect(parsed.some((l) => l['audit'] === true && l['action'] === 'stop')).toBe(true);
    expect(parsed.some((l) => String(l['msg']).includes('AK/SK rejected'))).toBe(true);

    const all = lines.join('\n');
    expectNoSecret(all, 'the log');
    // Nothing the bot sent to Slack carries the Jupyter token (or any other secret).
    expectNoSecret(JSON.stringify(h.slack.calls.map((c) => ({ method: c.method, args: c.args }))), 'Slack calls');
    // The bot did authenticate with its token: the check above is not vacuous.
    expect(h.slack.calls.some((c) => c.token === SECRET.botToken)).toBe(true);
  });
});
