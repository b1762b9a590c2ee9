import { describe, expect, it } from 'vitest';
import { loadConfig } from '../src/config.js';
import { ConfigError } from '../src/errors.js';

const AK = 'QTWAOYTTINDUT2QVKYUC';
const SK = 'MFyfvK41ba2giqM7Uio6PznpdUKGpownRZlmVmHc';
const PID = '0123456789abcdef0123456789abcdef';

function fails(env: NodeJS.ProcessEnv): string {
  try {
    loadConfig(env);
  } catch (err) {
    expect(err).toBeInstanceOf(ConfigError);
    return (err as Error).message;
  }
  throw new Error('expected loadConfig to fail');
}

describe('loadConfig', () => {
  it('runs with nothing set: simulator and the scripted Slack stand-in, all roles', () => {
    const c = loadConfig({});
    expect(c.slack.mode).toBe('none');
    expect(c.modelarts.auth.kind).toBe('simulator');
    expect([...c.roles].sort()).toEqual(['scheduler', 'web', 'worker']);
    expect(c.env.LEASE_WARN_MINUTES).toEqual([30, 5]);
    expect(c.env.QUEUE_PREFIX).toBe('{nbbot}');
  });

  it('chooses Socket Mode when an app token is set, HTTP mode otherwise', () => {
    expect(loadConfig({ SLACK_BOT_TOKEN: 'xoxb-1', SLACK_APP_TOKEN: 'xapp-1' }).slack.mode).toBe('socket');
    const http = loadConfig({
      SLACK_BOT_TOKEN: 'xoxb-1',
      SLACK_SIGNING_SECRET: 'sec',
      SLACK_API_URL: 'https://slack.example/api/',
    });
    expect(http.slack).toMatchObject({ mode: 'http', apiUrl: 'https://slack.example/api/' });
  });

  it('derives the endpoint from the region and keeps temporary credentials', () => {
    const c = loadConfig({
      HUAWEICLOUD_SDK_AK: AK,
      HUAWEICLOUD_SDK_SK: SK,
      HUAWEICLOUD_SDK_SECURITY_TOKEN: 'temporary-token-value',
      HUAWEICLOUD_SDK_PROJECT_ID: PID,
      MODELARTS_REGION: 'cn-north-4',
    });
    expect(c.modelarts.endpoint).toBe('https://modelarts.cn-north-4.myhuaweicloud.com');
    expect(c.modelarts.auth).toEqual({ kind: 'aksk', ak: AK, sk: SK, securityToken: 'temporary-token-value' });
  });

  it('accepts IAM password auth as the alternative', () => {
    const c = loadConfig({
      HUAWEICLOUD_IAM_USER: 'bot',
      HUAWEICLOUD_IAM_PASSWORD: 'pw-123456',
      HUAWEICLOUD_IAM_DOMAIN: 'acme',
      HUAWEICLOUD_SDK_PROJECT_ID: PID,
      MODELARTS_ENDPOINT: 'https://modelarts.ap-southeast-1.myhuaweicloud.cn',
      MODELARTS_REGION: 'ap-southeast-1',
    });
    expect(c.modelarts.auth).toMatchObject({
      kind: 'iam',
      iamEndpoint: 'https://iam.ap-southeast-1.myhuaweicloud.com',
    });
    expect(c.modelarts.endpoint).toBe('https://modelarts.ap-southeast-1.myhuaweicloud.cn');
  });

  it('lists every problem at once, each with its fix, and never echoes a secret', () => {
    const msg = fails({
      SLACK_BOT_TOKEN: 'xoxp-user-token-not-a-bot-token',
      SLACK_APP_TOKEN: 'not-an-app-token-secret',
      HUAWEICLOUD_SDK_AK: AK,
      HUAWEICLOUD_SDK_PROJECT_ID: 'NOT-HEX',
      REDIS_URL: 'http://localhost:6379',
      PORT: 'eighty',
      ROLES: 'web,cook',
      LEASE_WARN_MINUTES: '30,-5',
    });
    for (const name of [
      'SLACK_BOT_TOKEN',
      'SLACK_APP_TOKEN',
      'HUAWEICLOUD_SDK_SK',
      'HUAWEICLOUD_SDK_PROJECT_ID',
      'REDIS_URL',
      'PORT',
      'ROLES',
      'LEASE_WARN_MINUTES',
    ]) {
      expect(msg).toContain(name);
    }
    expect(msg).toMatch(/OAuth & Permissions/);
    expect(msg).not.toContain('xoxp-user-token-not-a-bot-token');
    expect(msg).not.toContain('not-an-app-token-secret');
    expect(msg).not.toContain(AK);
  });

  it('requires the signing secret in HTTP mode and the project id with credentials', () => {
    const msg = fails({ SLACK_BOT_TOKEN: 'xoxb-1', HUAWEICLOUD_SDK_AK: AK, HUAWEICLOUD_SDK_SK: SK });
    expect(msg).toContain('SLACK_SIGNING_SECRET');
    expect(msg).toContain('HUAWEICLOUD_SDK_PROJECT_ID');
    expect(msg).toContain('MODELARTS_REGION');
    expect(msg).not.toContain(SK);
  });
});

describe('loadConfig: real and fake never mix', () => {
  it('refuses a region alone: it would sign calls to Huawei with the simulator keys', () => {
    const msg = fails({ MODELARTS_REGION: 'cn-north-4' });
    expect(msg).toContain('MODELARTS_REGION: points at Huawei Cloud, but no Huawei credentials are set');
    for (const name of ['HUAWEICLOUD_SDK_AK', 'HUAWEICLOUD_SDK_SK', 'HUAWEICLOUD_SDK_PROJECT_ID']) {
      expect(msg).toContain(name);
    }
  });

  it('refuses a remote endpoint without credentials unless it is declared a simulator', () => {
    expect(fails({ MODELARTS_ENDPOINT: 'https://modelarts.cn-north-4.myhuaweicloud.com' })).toContain(
      'MODELARTS_SIMULATOR=true',
    );
    const sim = loadConfig({ MODELARTS_ENDPOINT: 'http://simulator:8089', MODELARTS_SIMULATOR: 'true' });
    expect(sim.modelarts).toMatchObject({ auth: { kind: 'simulator' }, endpoint: 'http://simulator:8089' });
    // A loopback URL is a simulator on this machine (npm run simulator).
    expect(loadConfig({ MODELARTS_ENDPOINT: 'http://127.0.0.1:8089' }).modelarts.auth.kind).toBe('simulator');
    // A region names the simulated region; it does not turn into Huawei's URL.
    expect(loadConfig({ MODELARTS_SIMULATOR: '1', MODELARTS_REGION: 'cn-north-4' }).modelarts.endpoint).toBeUndefined();
  });

  it('asks processes sharing a simulator on a scaled clock for one epoch', () => {
    const shared = { MODELARTS_ENDPOINT: 'http://simulator:8089', MODELARTS_SIMULATOR: 'true' };
    expect(fails({ ...shared, SIMULATOR_TIME_SCALE: '10' })).toContain('SIMULATOR_CLOCK_EPOCH: is required');
    expect(
      loadConfig({ ...shared, SIMULATOR_TIME_SCALE: '10', SIMULATOR_CLOCK_EPOCH: '1767225600000' }).env,
    ).toMatchObject({ SIMULATOR_CLOCK_EPOCH: 1_767_225_600_000 });
    // Real time needs no epoch, nor does the built-in simulator (one process).
    expect(loadConfig(shared).modelarts.auth.kind).toBe('simulator');
    expect(loadConfig({ SIMULATOR_TIME_SCALE: '60' }).modelarts.endpoint).toBeUndefined();
  });

  it('refuses the simulator flag together with credentials', () => {
    const msg = fails({
      MODELARTS_SIMULATOR: 'true',
      HUAWEICLOUD_SDK_AK: AK,
      HUAWEICLOUD_SDK_SK: SK,
      HUAWEICLOUD_SDK_PROJECT_ID: PID,
      MODELARTS_REGION: 'cn-north-4',
    });
    expect(msg).toContain('MODELARTS_SIMULATOR: is set together with Huawei credentials');
  });

  it('checks regions against the list in Huawei’s SDK, with an override for newer ones', () => {
    const real = { HUAWEICLOUD_SDK_AK: AK, HUAWEICLOUD_SDK_SK: SK, HUAWEICLOUD_SDK_PROJECT_ID: PID };
    expect(fails({ ...real, MODELARTS_REGION: 'nowhere-1' })).toContain(
      'MODELARTS_REGION: "nowhere-1" is not a ModelArts region',
    );
    const newer = loadConfig({ ...real, MODELARTS_REGION: 'xx-new-1', MODELARTS_ALLOW_UNLISTED_REGION: 'true' });
    expect(newer.modelarts.endpoint).toBe('https://modelarts.xx-new-1.myhuaweicloud.com');
    // The SDK's own endpoint, where it is not the usual pattern.
    expect(loadConfig({ ...real, MODELARTS_REGION: 'ap-southeast-1' }).modelarts.endpoint).toBe(
      'https://modelarts.ap-southeast-1.myhuaweicloud.cn',
    );
  });
});
