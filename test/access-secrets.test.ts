import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../src/config.js';
import { createLogger, type Logger, redactSecrets, registerSecret } from '../src/logger.js';

/** A logger whose lines are kept in memory, as the production logger would write them. */
function captured(): { logger: Logger; output: () => string; lines: () => Array<Record<string, unknown>> } {
  let text = '';
  const destination = new Writable({
    write(chunk, _enc, cb) {
      text += String(chunk);
      cb();
    },
  });
  return {
    logger: createLogger({ level: 'trace', destination }),
    output: () => text,
    lines: () =>
      text
        .split('\n')
        .filter(Boolean)
        .map((l) => JSON.parse(l) as Record<string, unknown>),
  };
}

// Made-up values, one per kind of secret. None may appear in any log line.
const S = {
  ak: 'AKFAKEACCESSKEY00001',
  sk: 'skFakeSecretKeyValue0000000000000000000001',
  securityToken: 'stsFakeSecurityToken000000000000001',
  iamPassword: 'Pa55"word\\with-quote',
  iamToken: 'MIIFakeIamSubjectToken000000000000001',
  botToken: 'xoxb-fake-bot-token-abcdefghij',
  appToken: 'xapp-fake-app-token-abcdefghij',
  signingSecret: 'fakesigningsecret0000000000000001',
  jupyterToken: 'jupyterFakeNotebookToken0000001',
  userToken: 'xoxp-fake-user-token-abcdefghij',
} as const;

function expectClean(out: string): void {
  for (const [kind, value] of Object.entries(S)) {
    expect(out.includes(value), `${kind} leaked`).toBe(false);
    const escaped = JSON.stringify(value).slice(1, -1);
    expect(out.includes(escaped), `${kind} leaked (JSON-escaped)`).toBe(false);
  }
  expect(out).toContain('[redacted]');
}

describe('secrets never reach the log', () => {
  it('censors secret keys at any depth, in any case, in arrays and child bindings', () => {
    const { logger, output, lines } = captured();
    logger.info({ auth: { kind: 'aksk', ak: S.ak, sk: S.sk, securityToken: S.securityToken } }, 'aksk');
    logger.info({ iam: { user: 'bot', password: S.iamPassword, domain: 'acme' } }, 'iam');
    logger.info(
      {
        request: {
          method: 'GET',
          headers: {
            Authorization: `SDK-HMAC-SHA256 Access=${S.ak}, SignedHeaders=host, Signature=abc`,
            'X-Auth-Token': S.iamToken,
            'x-security-token': S.securityToken,
          },
        },
        response: { headers: { 'x-subject-token': S.iamToken } },
      },
      'http',
    );
    logger.info({ slack: { botToken: S.botToken, appToken: S.appToken, signingSecret: S.signingSecret } }, 'slack');
    logger.info(
      { payload: { bot_token: S.botToken, signing_secret: S.signingSecret, access_token: S.userToken } },
      'payload',
    );
    logger.info({ notebook: { id: 'nb-1', name: 'alice-nb', token: S.jupyterToken } }, 'notebook');
    logger.info({ a: { b: { c: { d: { e: { f: { token: S.jupyterToken } } } } } } }, 'deep');
    logger.info({ list: [{ password: S.iamPassword }, { nested: [{ sk: S.sk }] }] }, 'arrays');
    logger.child({ botToken: S.botToken }).info('child');
    expectClean(output());
    // What is not secret is kept.
    const nb = lines().find((l) => l['msg'] === 'notebook') as { notebook: Record<string, unknown> };
    expect(nb.notebook).toEqual({ id: 'nb-1', name: 'alice-nb', token: '[redacted]' });
    const http = lines().find((l) => l['msg'] === 'http') as { request: { method: string } };
    expect(http.request.method).toBe('GET');
  });

  it('censors errors: their fields, their causes, and secrets in their messages', () => {
    for (const value of Object.values(S)) registerSecret(value);
    const { logger, output, lines } = captured();
    const upstream = Object.assign(new Error(`IAM said no to ${S.iamPassword}`), {
      status: 401,
      headers: { 'x-subject-token': S.iamToken, 'X-Auth-Token': 'causeHeaderTokenNotRegistered1' },
    });
    class ModelArtsError extends Error {
      readonly code = 'ModelArts.0001';
      constructor(
        message: string,
        readonly request: Record<string, unknown>,
        options?: { cause?: unknown },
      ) {
        super(message, options);
        this.name = 'ModelArtsError';
      }
    }
    const err = new ModelArtsError(
      `request failed: https://host/v1/p/notebooks?token=${S.jupyterToken}`,
      {
        headers: { authorization: `SDK-HMAC-SHA256 Access=${S.ak}, Signature=x` },
        body: { sk: S.sk, password: 'errFieldPasswordNotRegistered1' },
      },
      { cause: upstream },
    );
    logger.error({ err }, 'call failed');
    logger.error(err);
    logger.warn({ error: { message: `slack said ${S.userToken}`, data: { token: S.botToken } } }, 'slack error');
    logger.info(`bot token is ${S.botToken}, signing secret ${S.signingSecret}, sk ${S.sk}`);
    logger.info('format %s and %o', S.securityToken, { appToken: S.appToken });
    expectClean(output());
    // Values nobody registered are censored by their key, in the error and in its cause.
    expect(output()).not.toContain('errFieldPasswordNotRegistered1');
    expect(output()).not.toContain('causeHeaderTokenNotRegistered1');
    // Errors stay errors: pino still reports their type, code and stack.
    const first = lines().find((l) => l['msg'] === 'call failed') as { err: Record<string, unknown> };
    expect(first.err['type']).toBe('ModelArtsError');
    expect(first.err['code']).toBe('ModelArts.0001');
    expect(String(first.err['stack'])).toContain('ModelArtsError');
    expect(String(first.err['message'])).toContain('request failed');
    // The caller's error object is untouched (copy on write).
    expect((err.request['headers'] as Record<string, string>)['authorization']).toContain(S.ak);
  });

  it('scrubs token shapes nobody registered: Slack tokens, bearer credentials, token= in URLs', () => {
    const { logger, output } = captured();
    logger.info('unregistered xoxb-other-workspace-token-123 and xapp-1-other-app-token');
    logger.info({ url: 'https://nb.example/lab?foo=1&token=unregisteredJupyter123&x=2' }, 'url');
    logger.info({ header: 'Bearer unregisteredBearerValue123' }, 'bearer');
    const out = output();
    for (const leak of [
      'xoxb-other-workspace-token-123',
      'xapp-1-other-app-token',
      'unregisteredJupyter123',
      'unregisteredBearerValue123',
    ]) {
      expect(out).not.toContain(leak);
    }
    expect(out).toContain('token=[redacted]&x=2');
    expect(redactSecrets('Bearer abcdefghijkl')).toBe('Bearer [redacted]');
  });

  it('covers the configuration: loadConfig registers every secret, and logging the config censors them', () => {
    const config = loadConfig({
      SLACK_BOT_TOKEN: 'xoxb-cfg-bot-token-abcdefghij',
      SLACK_SIGNING_SECRET: 'cfgSigningSecret00000000000001',
      HUAWEICLOUD_SDK_AK: 'AKCFGACCESSKEY000001',
      HUAWEICLOUD_SDK_SK: 'cfgSecretKey0000000000000000000000000001',
      HUAWEICLOUD_SDK_SECURITY_TOKEN: 'cfgSecurityToken000000000001',
      HUAWEICLOUD_SDK_PROJECT_ID: '0123456789abcdef0123456789abcdef',
      MODELARTS_REGION: 'cn-north-4',
    });
    const { logger, output } = captured();
    logger.info({ config }, 'starting');
    logger.info(`settings: ${JSON.stringify(config.env)}`);
    const out = output();
    for (const value of [
      'xoxb-cfg-bot-token-abcdefghij',
      'cfgSigningSecret00000000000001',
      'AKCFGACCESSKEY000001',
      'cfgSecretKey0000000000000000000000000001',
      'cfgSecurityToken000000000001',
    ]) {
      expect(out).not.toContain(value);
    }
    expect(out).toContain('0123456789abcdef0123456789abcdef'); // the project id is not a secret
  });
});
