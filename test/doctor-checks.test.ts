import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ScaledClock } from '../src/clock.js';
import { type DoctorOptions, runDoctor } from '../src/doctor/run-doctor.js';
import {
  createSimulator,
  SIMULATOR_AK,
  SIMULATOR_PROJECT_ID,
  SIMULATOR_SK,
  type Simulator,
} from '../src/simulator/index.js';
import { FakeSlackApi } from '../src/slack-stand-in/fake-slack-api.js';
import { runEntryPoint } from './support/entry-point.js';
import { redisUrl } from './support/redis.js';

const BOT_TOKEN = 'xoxb-doctor-good-token-0001';
const BAD_TOKEN = 'xoxb-doctor-revoked-token-0002';
const SIGNING_SECRET = 'doctorSigningSecret000000000001';
const BAD_SK = 'doctor-wrong-secret-key-000000000000000';

function capture(): { stream: NodeJS.WritableStream; text: () => string } {
  let text = '';
  const stream = new Writable({
    write(chunk, _enc, done) {
      text += String(chunk);
      done();
    },
  });
  return { stream, text: () => text };
}

describe('npm run doctor', () => {
  let sim: Simulator;
  let slack: FakeSlackApi;
  let good: NodeJS.ProcessEnv;

  beforeAll(async () => {
    sim = createSimulator({ clock: new ScaledClock({ scale: 1 }), lockout: false });
    await sim.start();
    slack = await new FakeSlackApi({ validTokens: [BOT_TOKEN] }).start();
    good = {
      REDIS_URL: redisUrl(),
      SLACK_BOT_TOKEN: BOT_TOKEN,
      SLACK_SIGNING_SECRET: SIGNING_SECRET,
      SLACK_API_URL: slack.apiUrl,
      HUAWEICLOUD_SDK_AK: SIMULATOR_AK,
      HUAWEICLOUD_SDK_SK: SIMULATOR_SK,
      HUAWEICLOUD_SDK_PROJECT_ID: SIMULATOR_PROJECT_ID,
      MODELARTS_ENDPOINT: sim.url,
    };
  });

  afterAll(async () => {
    await sim.stop();
    await slack.stop();
  });

  async function doctor(env: NodeJS.ProcessEnv, extra: Partial<DoctorOptions> = {}) {
    const out = capture();
    // Ample for checks that pass on a loaded machine; the failing ones here fail fast (refused).
    const code = await runDoctor({ env, out: out.stream, timeoutMs: 15_000, ...extra });
    return { code, text: out.text() };
  }

  function expectNoSecrets(text: string): void {
    for (const secret of [BOT_TOKEN, BAD_TOKEN, SIGNING_SECRET, SIMULATOR_SK, BAD_SK, SIMULATOR_AK]) {
      expect(text).not.toContain(secret);
    }
  }

  it('passes every check with good settings, one ✓ line each, and exits 0', async () => {
    const { code, text } = await doctor(good);
    expect(code).toBe(0);
    expect(text).toMatch(
      /✓ Configuration: valid \(roles web, worker, scheduler; Slack HTTP mode; ModelArts AK\/SK auth/,
    );
    expect(text).toMatch(/✓ Redis: redis:\/\/127\.0\.0\.1:\d+ answers PING; maxmemory-policy is noeviction/);
    expect(text).toMatch(/✓ Slack: bot @notebook-bot in workspace Fake \(T0TEAM001\)/);
    expect(text).toMatch(/✓ ModelArts: ModelArts at http:\/\/127\.0\.0\.1:\d+ \(AK\/SK auth\): credentials accepted/);
    expect(text).toMatch(/✓ Manifest: manifest\.yml is valid \(Slack manifest schema 1\.0\.0\)/);
    expect(text).toContain('All checks passed.');
    expect(slack.callsTo('auth.test').length).toBeGreaterThan(0);
    expectNoSecrets(text);
  });

  it('says the AK/SK were rejected when the SK is wrong', async () => {
    const { code, text } = await doctor({ ...good, HUAWEICLOUD_SDK_SK: BAD_SK });
    expect(code).toBe(1);
    expect(text).toMatch(
      /✗ ModelArts: the AK\/SK were rejected \(APIG\.0301\): check HUAWEICLOUD_SDK_AK and HUAWEICLOUD_SDK_SK/,
    );
    expect(text).toMatch(/✓ Slack:/);
    expect(text).toContain('1 check failed');
    expectNoSecrets(text);
  });

  it('says the Slack token was rejected when auth.test fails', async () => {
    const { code, text } = await doctor({ ...good, SLACK_BOT_TOKEN: BAD_TOKEN });
    expect(code).toBe(1);
    expect(text).toMatch(/✗ Slack: the bot token was rejected \(invalid_auth\): copy the Bot User OAuth Token/);
    expect(text).toMatch(/✓ ModelArts:/);
    expectNoSecrets(text);
  });

  it('shows configuration problems as loadConfig words them, skips only what depends on them and runs the rest', async () => {
    const { code, text } = await doctor({ ...good, HUAWEICLOUD_SDK_SK: '', PORT: 'eighty' });
    expect(code).toBe(1);
    expect(text).toMatch(/✗ Configuration: Configuration is invalid \(2 problems\):/);
    expect(text).toContain('- PORT: must be a whole number');
    expect(text).toContain('- HUAWEICLOUD_SDK_SK: AK and SK must be set together');
    // One bad value does not hide the other checks: Redis and Slack are still checked.
    expect(text).toMatch(/✓ Redis: redis:\/\/127\.0\.0\.1:\d+ answers PING/);
    expect(text).toMatch(/✓ Slack:/);
    expect(text).toMatch(/– ModelArts: not checked: fix HUAWEICLOUD_SDK_SK first \(see above\)/);
    expectNoSecrets(text);
  });

  it('reports an unreachable Redis and an invalid manifest, with each problem', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'nbbot-doctor-'));
    try {
      const manifest = join(dir, 'manifest.yml');
      await writeFile(
        manifest,
        'display_information:\n  name: Notebook Bot\nfeatures:\n  slash_commands:\n    - command: notebook\n      description: x\n',
      );
      const { code, text } = await doctor({ ...good, REDIS_URL: 'redis://127.0.0.1:1' }, { manifest: { manifest } });
      expect(code).toBe(1);
      // In plain words, not ioredis' "Reached the max retries per request limit".
      expect(text).toMatch(
        /✗ Redis: nothing is listening at redis:\/\/127\.0\.0\.1:1 \(connection refused\): start Redis there, or fix REDIS_URL/,
      );
      expect(text).not.toContain('max retries');
      expect(text).toMatch(/✗ Manifest: manifest\.yml does not match Slack's manifest schema 1\.0\.0/);
      expect(text).toMatch(/features\.slash_commands\.0\.command: must match pattern/);
      expect(text).toContain('2 checks failed');
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('exits 1 from the command line (the real entry point) when a check fails', async () => {
    const run = await runEntryPoint(['doctor'], { ENV_FILE: '', ...good, HUAWEICLOUD_SDK_SK: BAD_SK });
    const { code } = run;
    const out = run.out + run.err;
    expect(code, out).toBe(1);
    expect(out).toMatch(/✗ ModelArts: the AK\/SK were rejected \(APIG\.0301\)/);
    expectNoSecrets(out);
  });
});
