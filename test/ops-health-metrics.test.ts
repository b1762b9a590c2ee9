import { WebClient } from '@slack/web-api';
import { describe, expect, it } from 'vitest';
import { clockFor } from '../src/app/clock.js';
import { createCorrelation } from '../src/app/correlation.js';
import { createReadiness, opsRoutes, type ReadinessCheck } from '../src/app/health.js';
import { startOpsServer } from '../src/app/ops-server.js';
import { ScaledClock, systemClock } from '../src/clock.js';
import { loadConfig } from '../src/config.js';
import { createLogger } from '../src/logger.js';
import { countSlackRateLimits, Metrics, slackRequestKind } from '../src/ops/metrics.js';
import { FakeSlackApi } from '../src/slack-stand-in/fake-slack-api.js';

const silent = createLogger({ level: 'silent' });

describe('readiness', () => {
  it('runs checks in parallel, reports each, and caches the ones that ask for it', async () => {
    let now = 1_000;
    let modelartsCalls = 0;
    let redisUp = true;
    const checks: ReadinessCheck[] = [
      {
        name: 'redis',
        run: async () => {
          if (!redisUp) throw new Error('not connected (reconnecting)');
        },
      },
      {
        name: 'modelarts',
        cacheMs: 15_000,
        run: async () => {
          modelartsCalls += 1;
        },
      },
    ];
    const readiness = createReadiness(checks, () => now);
    expect((await readiness.check()).status).toBe('ready');
    redisUp = false;
    const down = await readiness.check();
    expect(down.status).toBe('unready');
    expect(down.checks['redis']).toMatchObject({ ok: false, error: 'not connected (reconnecting)' });
    expect(down.checks['modelarts']).toMatchObject({ ok: true, cached: true });
    expect(modelartsCalls).toBe(1);
    now += 15_001;
    await readiness.check();
    expect(modelartsCalls).toBe(2);
  });

  it('bounds a check by its timeout and shares one run between concurrent probes', async () => {
    let runs = 0;
    const readiness = createReadiness([
      {
        name: 'slow',
        timeoutMs: 50,
        run: () => {
          runs += 1;
          return new Promise<void>(() => undefined);
        },
      },
    ]);
    const [a, b] = await Promise.all([readiness.check(), readiness.check()]);
    expect(runs).toBe(1);
    expect(a.checks['slow']).toMatchObject({ ok: false, error: 'no answer within 50 ms' });
    expect(b.status).toBe('unready');
  });
});

describe('ops HTTP server', () => {
  it('serves /healthz, /readyz (200 or 503 with the failing check) and /metrics', async () => {
    let ready = true;
    const metrics = new Metrics({ defaultMetrics: false });
    metrics.onCommand('command:create', 'ok');
    const readiness = createReadiness([
      {
        name: 'redis',
        run: async () => {
          if (!ready) throw new Error('not connected (connecting)');
        },
      },
    ]);
    const server = await startOpsServer({
      port: 0,
      host: '127.0.0.1',
      routes: opsRoutes({ readiness, metrics }),
      logger: silent,
    });
    const base = `http://127.0.0.1:${server.port}`;
    try {
      expect((await fetch(`${base}/healthz`)).status).toBe(200);
      expect((await fetch(`${base}/readyz`)).status).toBe(200);
      ready = false;
      const res = await fetch(`${base}/readyz`);
      expect(res.status).toBe(503);
      expect(await res.json()).toMatchObject({
        status: 'unready',
        checks: { redis: { ok: false, error: 'not connected (connecting)' } },
      });
      const text = await (await fetch(`${base}/metrics`)).text();
      expect(text).toContain('notebook_bot_commands_total{kind="command:create",outcome="ok"} 1');
      expect((await fetch(`${base}/nope`)).status).toBe(404);
      expect((await fetch(`${base}/healthz`, { method: 'POST' })).status).toBe(405);
    } finally {
      await server.close();
    }
  });
});

describe('metrics', () => {
  it('reads queue depth on scrape and drops a queue whose read fails', async () => {
    const metrics = new Metrics({ defaultMetrics: false });
    let fail = false;
    metrics.watchQueues({
      name: 'ops',
      getJobCounts: async () => {
        if (fail) throw new Error('Redis is down');
        return { waiting: 3, active: 1, delayed: 2, failed: 0 };
      },
    });
    const body = (await metrics.render()).body;
    expect(body).toContain('notebook_bot_queue_jobs{queue="ops",state="waiting"} 3');
    expect(body).toContain('notebook_bot_queue_jobs{queue="ops",state="delayed"} 2');
    fail = true;
    expect((await metrics.render()).body).not.toContain('queue="ops"');
  });

  it('maps the job pipeline, ModelArts, Slack and lease hooks', async () => {
    const metrics = new Metrics({ defaultMetrics: false });
    metrics.operations.operationFinished('create', 'succeeded', 90_000);
    metrics.operations.modelartsThrottled('create');
    metrics.onModelArtsCall({ operation: 'ShowNotebook', status: 401, durationMs: 12, errorCode: 'APIG.0301' });
    metrics.onModelArtsCall({ operation: 'ListNotebooks', status: 200, durationMs: 30 });
    metrics.onLeaseWarning(30, 'single');
    const body = (await metrics.render()).body;
    expect(body).toContain('notebook_bot_job_duration_seconds_count{kind="create",outcome="succeeded"} 1');
    expect(body).toContain('notebook_bot_job_retries_total{kind="create",reason="throttled"} 1');
    expect(body).toContain('notebook_bot_modelarts_errors_total{operation="ShowNotebook",code="APIG.0301"} 1');
    expect(body).not.toContain('operation="ListNotebooks",code');
    expect(body).toContain('notebook_bot_lease_warnings_total{threshold="30",kind="single"} 1');
  });

  it('counts Slack 429s from a WebClient rate_limited event', async () => {
    const slack = await new FakeSlackApi().start();
    try {
      const metrics = new Metrics({ defaultMetrics: false });
      const client = new WebClient('xoxb-test', {
        slackApiUrl: slack.apiUrl,
        rejectRateLimitedCalls: true,
        retryConfig: { retries: 0 },
      });
      countSlackRateLimits(client, metrics);
      countSlackRateLimits(client, metrics); // idempotent: still one count per 429
      slack.rateLimit('chat.update', 1, 1);
      await expect(client.chat.update({ channel: 'C1', ts: '1.1', text: 'x' })).rejects.toThrow();
      expect((await metrics.render()).body).toContain('notebook_bot_slack_rate_limited_total{method="chat.update"} 1');
    } finally {
      await slack.stop();
    }
  });

  it('labels Slack requests with a bounded set of kinds', () => {
    expect(slackRequestKind({ command: '/notebook', text: 'create my-nb' })).toBe('command:create');
    expect(slackRequestKind({ command: '/notebook', text: '' })).toBe('command:help');
    expect(slackRequestKind({ command: '/notebook', text: '<script>alert(1)</script>' })).toBe('command:other');
    expect(slackRequestKind({ command: '/other', text: 'x' })).toBe('command:other');
    expect(slackRequestKind({ type: 'view_submission', view: { callback_id: 'notebook_create' } })).toBe(
      'view:notebook_create',
    );
    expect(slackRequestKind({ type: 'block_actions', actions: [{ action_id: 'nb_pick_3' }] })).toBe('action:nb_pick');
    expect(slackRequestKind({ type: 'block_suggestion', block_id: 'nb_flavor' })).toBe('options:nb_flavor');
    expect(slackRequestKind({ type: 'event_callback', event: { type: 'app_home_opened' } })).toBe(
      'event:app_home_opened',
    );
    expect(slackRequestKind({ type: 'something_new' })).toBe('other');
  });
});

describe('correlation ids', () => {
  it('adds the current request id to every log line written inside it', async () => {
    const correlation = createCorrelation();
    const lines: string[] = [];
    const logger = createLogger({
      level: 'info',
      mixin: correlation.mixin,
      destination: { write: (l: string) => lines.push(l) } as unknown as NodeJS.WritableStream,
    });
    await correlation.run({ requestId: 'abc123' }, async () => {
      await new Promise((r) => setTimeout(r, 5));
      logger.child({ component: 'deep' }).info('inside');
    });
    logger.info('outside');
    expect(JSON.parse(lines[0]!)).toMatchObject({ requestId: 'abc123', component: 'deep', msg: 'inside' });
    expect(JSON.parse(lines[1]!)).not.toHaveProperty('requestId');
  });
});

describe('Redis and clock settings', () => {
  it('reads REDIS_URL, Sentinel URLs and REDIS_SENTINELS, and registers Redis passwords as secrets', () => {
    expect(loadConfig({}).redis).toEqual({ kind: 'local' });
    expect(loadConfig({ REDIS_URL: 'redis://localhost:6379/2' }).redis).toEqual({
      kind: 'url',
      url: 'redis://localhost:6379/2',
    });
    expect(loadConfig({ REDIS_URL: 'redis+sentinel://:p%40ss@s1:26379,s2/mymaster/3' }).redis).toEqual({
      kind: 'sentinel',
      sentinels: [
        { host: 's1', port: 26379 },
        { host: 's2', port: 26379 },
      ],
      name: 'mymaster',
      password: 'p@ss',
      db: 3,
    });
    expect(
      loadConfig({
        REDIS_SENTINELS: 'sentinel-1:26380, [::1]:26381',
        REDIS_SENTINEL_NAME: 'bot',
        REDIS_PASSWORD: 'master-password-1',
        REDIS_SENTINEL_PASSWORD: 'sentinel-password-1',
      }).redis,
    ).toEqual({
      kind: 'sentinel',
      sentinels: [
        { host: 'sentinel-1', port: 26380 },
        { host: '::1', port: 26381 },
      ],
      name: 'bot',
      password: 'master-password-1',
      sentinelPassword: 'sentinel-password-1',
    });
  });

  it('says what is wrong with Redis settings, without echoing passwords', () => {
    const problems = (env: NodeJS.ProcessEnv) => {
      try {
        loadConfig(env);
        return '';
      } catch (err) {
        return (err as Error).message;
      }
    };
    expect(problems({ REDIS_URL: 'redis+sentinel://:hunter2secret@s1:26379' })).toMatch(
      /REDIS_URL: must look like redis\+sentinel:/,
    );
    expect(problems({ REDIS_URL: 'redis+sentinel://:hunter2secret@s1:26379' })).not.toContain('hunter2secret');
    expect(problems({ REDIS_SENTINELS: 's1:99999' })).toMatch(/REDIS_SENTINELS: must be a comma-separated list/);
    expect(problems({ REDIS_SENTINELS: 's1', REDIS_URL: 'redis://x:6379' })).toMatch(/choose one/);
    expect(problems({ ADMIN_USERS: 'U0ADMIN01, alice' })).toMatch(/ADMIN_USERS/);
    expect(loadConfig({ ADMIN_USERS: 'U0ADMIN01, S0PLATFORM' }).env.ADMIN_USERS).toEqual(['U0ADMIN01', 'S0PLATFORM']);
  });

  it('runs a scaled clock against a simulator, sharing an epoch when given, and the system clock otherwise', () => {
    const sim = clockFor(loadConfig({ SIMULATOR_TIME_SCALE: '60', SIMULATOR_CLOCK_EPOCH: '1767225600000' }));
    expect(sim).toBeInstanceOf(ScaledClock);
    expect((sim as ScaledClock).epoch).toBe(1_767_225_600_000);
    expect((sim as ScaledClock).scale).toBe(60);
    const real = clockFor(
      loadConfig({
        HUAWEICLOUD_SDK_AK: 'AKAKAKAKAKAKAKAKAKAK',
        HUAWEICLOUD_SDK_SK: 'sk-sk-sk-sk-sk-sk-sk-sk',
        HUAWEICLOUD_SDK_PROJECT_ID: '0123456789abcdef0123456789abcdef',
        MODELARTS_REGION: 'cn-north-4',
      }),
    );
    expect(real).toBe(systemClock);
  });
});
