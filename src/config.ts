import { z } from 'zod';
import { ConfigError } from './errors.js';
import { registerSecret } from './logger.js';
import { iamEndpointFor, isLoopbackUrl, MODELARTS_REGIONS, modelartsEndpointFor } from './modelarts/regions.js';

const bool = z
  .string()
  .trim()
  .toLowerCase()
  .refine((v) => ['1', '0', 'true', 'false', 'yes', 'no', 'on', 'off', ''].includes(v), {
    message: 'use true or false',
  })
  .transform((v) => ['1', 'true', 'yes', 'on'].includes(v));

const optionalString = z
  .string()
  .trim()
  .optional()
  .transform((v) => (v === '' ? undefined : v));

const int = (min: number, max: number, hint: string) =>
  z.coerce
    .number({ message: `must be a whole number (${hint})` })
    .int({ message: `must be a whole number (${hint})` })
    .min(min, { message: `must be at least ${min} (${hint})` })
    .max(max, { message: `must be at most ${max} (${hint})` });

const ROLES = ['web', 'worker', 'scheduler'] as const;
export type Role = (typeof ROLES)[number];

/** Every setting, read from the environment. The README's settings table mirrors this schema. */
const EnvSchema = z.object({
  NODE_ENV: z.enum(['development', 'production', 'test']).default('production'),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  LOG_PRETTY: bool.default(false),

  SLACK_BOT_TOKEN: optionalString.refine((v) => v === undefined || v.startsWith('xoxb-'), {
    message: 'must be a bot token starting with "xoxb-" (Slack app > OAuth & Permissions)',
  }),
  SLACK_SIGNING_SECRET: optionalString,
  SLACK_APP_TOKEN: optionalString.refine((v) => v === undefined || v.startsWith('xapp-'), {
    message:
      'must be an app-level token starting with "xapp-" (Slack app > Basic Information > App-Level Tokens, scope connections:write)',
  }),
  SLACK_API_URL: optionalString.pipe(z.url({ message: 'must be a URL such as https://slack.com/api/' }).optional()),
  PORT: int(0, 65535, 'the HTTP port for /slack/events, /healthz, /readyz and /metrics').default(3000),
  HOST: z.string().default('0.0.0.0'),

  REDIS_URL: optionalString.pipe(
    z
      .string()
      .refine((v) => /^redis\+sentinel:\/\//.test(v) || z.url().safeParse(v).success, {
        message: 'must be a redis:// or rediss:// URL, e.g. redis://localhost:6379',
      })
      .refine((v) => /^(rediss?|redis\+sentinel):\/\//.test(v), {
        message: 'must start with redis://, rediss:// or redis+sentinel://',
      })
      .optional(),
  ),
  REDIS_SENTINELS: optionalString,
  REDIS_SENTINEL_NAME: z.string().trim().min(1).default('mymaster'),
  REDIS_SENTINEL_PASSWORD: optionalString,
  REDIS_PASSWORD: optionalString,
  QUEUE_PREFIX: z
    .string()
    .regex(/^[A-Za-z0-9:{}_-]{1,64}$/, { message: 'letters, digits, ":", "_", "-" and one {hash tag} only' })
    .default('{nbbot}'),
  ROLES: z
    .string()
    .default('web,worker,scheduler')
    .transform((v) =>
      v
        .split(',')
        .map((s) => s.trim().toLowerCase())
        .filter(Boolean),
    )
    .pipe(z.array(z.enum(ROLES, { message: `each role must be one of ${ROLES.join(', ')}` })).min(1)),

  MODELARTS_REGION: optionalString,
  /** A region Huawei's SDK does not list yet is refused unless this says it is meant. */
  MODELARTS_ALLOW_UNLISTED_REGION: bool.default(false),
  /** The endpoint is a simulator (`npm run simulator`, compose's simulator profile), not Huawei Cloud. */
  MODELARTS_SIMULATOR: bool.default(false),
  MODELARTS_ENDPOINT: optionalString.pipe(
    z.url({ message: 'must be a URL such as https://modelarts.cn-north-4.myhuaweicloud.com' }).optional(),
  ),
  HUAWEICLOUD_SDK_AK: optionalString,
  HUAWEICLOUD_SDK_SK: optionalString,
  HUAWEICLOUD_SDK_PROJECT_ID: optionalString.refine((v) => v === undefined || /^[0-9a-f]{32}$/.test(v), {
    message: 'must be the 32 lowercase hex characters of the project id (console > My Credentials > Projects)',
  }),
  HUAWEICLOUD_SDK_SECURITY_TOKEN: optionalString,
  HUAWEICLOUD_IAM_ENDPOINT: optionalString.pipe(
    z.url({ message: 'must be a URL such as https://iam.cn-north-4.myhuaweicloud.com' }).optional(),
  ),
  HUAWEICLOUD_IAM_USER: optionalString,
  HUAWEICLOUD_IAM_PASSWORD: optionalString,
  HUAWEICLOUD_IAM_DOMAIN: optionalString,
  MODELARTS_TIMEOUT_MS: int(1000, 120_000, 'per-call timeout in ms').default(15_000),

  SIMULATOR_TIME_SCALE: z.coerce.number().positive({ message: 'must be a positive number' }).default(1),
  SIMULATOR_CLOCK_EPOCH: optionalString
    .refine((v) => v === undefined || /^\d{1,16}$/.test(v), {
      message: 'must be epoch milliseconds, e.g. 1767225600000 (processes sharing it agree on simulated time)',
    })
    .transform((v) => (v === undefined ? undefined : Number(v))),

  POLL_INITIAL_MS: int(100, 60_000, 'first status poll delay').default(2000),
  POLL_MAX_MS: int(100, 300_000, 'longest delay between status polls').default(15_000),
  POLL_NEAR_READY_MS: int(
    100,
    60_000,
    'poll interval once a notebook is about to be ready; default 1.5 × POLL_INITIAL_MS',
  ).optional(),
  READY_TIMEOUT_MS: int(1000, 24 * 3_600_000, 'how long to wait for RUNNING before telling the user').default(
    20 * 60_000,
  ),
  SLOW_POLL_MS: int(1000, 3_600_000, 'poll interval after the ready timeout').default(60_000),

  LEASE_SCAN_CRON: z.string().default('* * * * *'),
  LEASE_WARN_MINUTES: z
    .string()
    .default('30,5')
    .transform((v) => v.split(',').map((s) => Number(s.trim())))
    .pipe(z.array(z.number().int().positive({ message: 'each threshold must be a positive number of minutes' })).min(1))
    .transform((a) => [...new Set(a)].sort((x, y) => y - x)),
  WATCH_ALL_NOTEBOOKS: bool.default(false),
  DEFAULT_CHANNEL: optionalString,

  DEFAULT_FLAVOR: z.string().default('modelarts.vm.cpu.2u'),
  DEFAULT_IMAGE_ID: optionalString,
  DEFAULT_STORAGE_GB: int(5, 4096, 'EVS size in GB').default(5),
  DEFAULT_LEASE_HOURS: int(1, 72, 'hours').default(1),
  /** Working-hours schedules: the time zone when neither the command nor the user's Slack profile gives one. */
  SCHEDULE_DEFAULT_TIME_ZONE: z
    .string()
    .trim()
    .default('UTC')
    .refine(
      (v) => {
        try {
          new Intl.DateTimeFormat('en-US', { timeZone: v });
          return true;
        } catch {
          return false;
        }
      },
      { message: 'must be an IANA time zone such as Asia/Shanghai, Europe/Berlin or UTC' },
    ),

  POLICY_FILE: optionalString,
  ADMIN_USERS: z
    .string()
    .default('')
    .transform((v) =>
      v
        .split(',')
        .map((s) => s.trim())
        .filter(Boolean),
    )
    .pipe(
      z.array(
        z.string().regex(/^[UWS][A-Z0-9]{2,}$/, {
          message: 'each admin must be a Slack user (U…/W…) or user group (S…) id',
        }),
      ),
    ),

  SLACK_UPDATE_INTERVAL_MS: int(0, 600_000, 'least time between two updates of one status message').default(15_000),
  SLACK_UPDATES_PER_MINUTE: int(1, 100_000, 'chat.update calls a minute, all status messages together').default(50),
  SLACK_POSTS_PER_CHANNEL_PER_MINUTE: int(1, 100_000, 'thread replies a minute in one channel').default(60),
  SLACK_HOME_PUBLISHES_PER_MINUTE: int(1, 100_000, 'App Home refreshes (views.publish) a minute').default(100),
  HOME_REFRESH_DELAY_MS: int(0, 600_000, 'how long an App Home refresh waits to gather more changes').default(2000),
  WORKER_CONCURRENCY: int(1, 1000, 'operation steps one worker process runs at once').default(32),
});

/**
 * Rules across variables, checked on the raw values so they are reported even when a single
 * field is also wrong (zod skips object refinements once a field fails).
 */
function crossFieldIssues(raw: NodeJS.ProcessEnv): Array<{ path: string; message: string }> {
  const issues: Array<{ path: string; message: string }> = [];
  const add = (path: string, message: string) => issues.push({ path, message });
  const has = (name: string) => (raw[name] ?? '').trim() !== '';
  if (has('SLACK_BOT_TOKEN') && !has('SLACK_APP_TOKEN') && !has('SLACK_SIGNING_SECRET')) {
    add(
      'SLACK_SIGNING_SECRET',
      'is required in HTTP mode (Slack app > Basic Information > Signing Secret); or set SLACK_APP_TOKEN for Socket Mode',
    );
  }
  if ((has('SLACK_APP_TOKEN') || has('SLACK_SIGNING_SECRET')) && !has('SLACK_BOT_TOKEN')) {
    add(
      'SLACK_BOT_TOKEN',
      'is required when other Slack settings are given (Slack app > OAuth & Permissions > Bot User OAuth Token)',
    );
  }
  const ak = has('HUAWEICLOUD_SDK_AK');
  const sk = has('HUAWEICLOUD_SDK_SK');
  if (ak !== sk) add(ak ? 'HUAWEICLOUD_SDK_SK' : 'HUAWEICLOUD_SDK_AK', 'AK and SK must be set together');
  const iam = has('HUAWEICLOUD_IAM_USER') || has('HUAWEICLOUD_IAM_PASSWORD');
  if (iam) {
    if (!has('HUAWEICLOUD_IAM_USER')) add('HUAWEICLOUD_IAM_USER', 'is required for IAM password auth');
    if (!has('HUAWEICLOUD_IAM_PASSWORD')) add('HUAWEICLOUD_IAM_PASSWORD', 'is required for IAM password auth');
    if (!has('HUAWEICLOUD_IAM_DOMAIN'))
      add('HUAWEICLOUD_IAM_DOMAIN', 'is required for IAM password auth (the account name)');
    if (!has('HUAWEICLOUD_IAM_ENDPOINT') && !has('MODELARTS_REGION')) {
      add('HUAWEICLOUD_IAM_ENDPOINT', 'or MODELARTS_REGION is required to reach IAM');
    }
  }
  if (ak && iam) add('HUAWEICLOUD_IAM_USER', 'choose one: AK/SK or IAM password auth, not both');
  if ((ak || sk || iam) && !has('HUAWEICLOUD_SDK_PROJECT_ID')) {
    add('HUAWEICLOUD_SDK_PROJECT_ID', 'is required with Huawei credentials (console > My Credentials > Projects)');
  }
  if ((ak || sk || iam) && !has('MODELARTS_ENDPOINT') && !has('MODELARTS_REGION')) {
    add('MODELARTS_REGION', 'or MODELARTS_ENDPOINT is required with Huawei credentials, e.g. cn-north-4');
  }
  issues.push(...modelartsTargetIssues(raw, ak || sk || iam));
  if (has('REDIS_SENTINELS') && has('REDIS_URL')) {
    add('REDIS_SENTINELS', 'choose one: REDIS_URL or REDIS_SENTINELS, not both');
  }
  if (has('REDIS_SENTINELS')) {
    const parsed = parseHostList(raw['REDIS_SENTINELS'] ?? '');
    if (typeof parsed === 'string') add('REDIS_SENTINELS', parsed);
  }
  if (/^redis\+sentinel:\/\//.test((raw['REDIS_URL'] ?? '').trim())) {
    const parsed = parseSentinelUrl((raw['REDIS_URL'] ?? '').trim());
    if (typeof parsed === 'string') add('REDIS_URL', parsed);
  }
  const initial = Number(raw['POLL_INITIAL_MS'] ?? 2000);
  const max = Number(raw['POLL_MAX_MS'] ?? 15000);
  if (Number.isFinite(initial) && Number.isFinite(max) && initial > max)
    add('POLL_INITIAL_MS', 'must not exceed POLL_MAX_MS');
  return issues;
}

/**
 * Real and fake never mix: the simulator is used only when nothing points at Huawei Cloud (no
 * region, no endpoint) or when the endpoint is explicitly a simulator (`MODELARTS_SIMULATOR`, or
 * a loopback URL). A region or a remote endpoint without credentials would otherwise sign calls
 * to Huawei with the simulator's well-known keys.
 */
function modelartsTargetIssues(raw: NodeJS.ProcessEnv, credentials: boolean): Array<{ path: string; message: string }> {
  const issues: Array<{ path: string; message: string }> = [];
  const value = (name: string) => (raw[name] ?? '').trim();
  const flag = (name: string) => ['1', 'true', 'yes', 'on'].includes(value(name).toLowerCase());
  const region = value('MODELARTS_REGION');
  const endpoint = value('MODELARTS_ENDPOINT');
  const simulator = flag('MODELARTS_SIMULATOR');

  if (region && !MODELARTS_REGIONS[region] && !flag('MODELARTS_ALLOW_UNLISTED_REGION')) {
    issues.push({
      path: 'MODELARTS_REGION',
      message: `"${region.slice(0, 40)}" is not a ModelArts region Huawei's SDK knows (${Object.keys(MODELARTS_REGIONS).join(', ')}); fix the spelling, or set MODELARTS_ALLOW_UNLISTED_REGION=true for a region newer than this list`,
    });
  }
  // Processes sharing one simulator on a scaled clock must agree on when it started running
  // faster; each would otherwise count from its own start (a scale of 1 is real time: no epoch).
  const scale = Number(value('SIMULATOR_TIME_SCALE') || '1');
  if (!credentials && endpoint && scale !== 1 && !value('SIMULATOR_CLOCK_EPOCH')) {
    issues.push({
      path: 'SIMULATOR_CLOCK_EPOCH',
      message: `is required with SIMULATOR_TIME_SCALE=${value('SIMULATOR_TIME_SCALE')} and a shared simulator (MODELARTS_ENDPOINT): give the simulator and every bot process the same instant, e.g. SIMULATOR_CLOCK_EPOCH=$(date +%s000)`,
    });
  }
  if (simulator && credentials) {
    issues.push({
      path: 'MODELARTS_SIMULATOR',
      message: 'is set together with Huawei credentials: choose one (unset MODELARTS_SIMULATOR to use Huawei Cloud)',
    });
  }
  if (!credentials && !simulator) {
    const remote = endpoint && !isLoopbackUrl(endpoint);
    if (remote || (region && !endpoint)) {
      issues.push({
        path: remote ? 'MODELARTS_ENDPOINT' : 'MODELARTS_REGION',
        message: `points at Huawei Cloud, but no Huawei credentials are set: set HUAWEICLOUD_SDK_AK, HUAWEICLOUD_SDK_SK and HUAWEICLOUD_SDK_PROJECT_ID (or HUAWEICLOUD_IAM_USER, HUAWEICLOUD_IAM_PASSWORD, HUAWEICLOUD_IAM_DOMAIN and HUAWEICLOUD_SDK_PROJECT_ID); or unset ${remote ? 'MODELARTS_ENDPOINT' : 'MODELARTS_REGION'} to use the built-in simulator${remote ? ' (or set MODELARTS_SIMULATOR=true when that URL is a simulator)' : ''}`,
      });
    }
  }
  return issues;
}

export type Env = z.output<typeof EnvSchema>;

/** Every variable `loadConfig` reads: the README's settings table must name each (test/ops-deploy.test.ts). */
export const CONFIG_VARIABLES: readonly string[] = Object.keys(EnvSchema.shape);

/**
 * Variables read outside `loadConfig`, by tools around the bot: `npm start`'s env file, the local
 * redis-server it may start, and the simulator's command line.
 */
export const TOOL_VARIABLES: readonly string[] = ['ENV_FILE', 'REDIS_SERVER_BIN', 'SIMULATOR_SEED', 'SIMULATOR_URL'];

/** Where Redis is. `local`: nothing configured, so `npm start` runs a throwaway redis-server. */
export type RedisTarget =
  | { kind: 'url'; url: string }
  | {
      kind: 'sentinel';
      sentinels: ReadonlyArray<{ host: string; port: number }>;
      /** The monitored master's name (`REDIS_SENTINEL_NAME`, default `mymaster`). */
      name: string;
      username?: string;
      /** The master's (and replicas') password. */
      password?: string;
      sentinelPassword?: string;
      db?: number;
    }
  | { kind: 'local' };

const DEFAULT_SENTINEL_PORT = 26379;

/** `host:port,host:port` (port defaults to 26379), or a message saying what is wrong. */
function parseHostList(text: string): Array<{ host: string; port: number }> | string {
  const hosts = text
    .split(',')
    .map((h) => h.trim())
    .filter(Boolean);
  if (hosts.length === 0) return 'must list at least one sentinel as host:port';
  const out: Array<{ host: string; port: number }> = [];
  for (const h of hosts) {
    const m = /^(\[[0-9a-fA-F:]+\]|[^\s:/@[\]]+)(?::(\d{1,5}))?$/.exec(h);
    const port = m?.[2] === undefined ? DEFAULT_SENTINEL_PORT : Number(m[2]);
    if (!m || port < 1 || port > 65535) {
      return 'must be a comma-separated list of host:port, e.g. sentinel-1:26379,sentinel-2:26379';
    }
    out.push({ host: m[1]!.replace(/^\[|\]$/g, ''), port });
  }
  return out;
}

/**
 * `redis+sentinel://[[user]:password@]host[:port][,host[:port]…]/master-name[/db]`, or a message
 * saying what is wrong. The password is the master's; sentinels' own password is
 * `REDIS_SENTINEL_PASSWORD`.
 */
function parseSentinelUrl(url: string): Extract<RedisTarget, { kind: 'sentinel' }> | string {
  const shape =
    'must look like redis+sentinel://[:password@]host:26379[,host:26379]/master-name[/db], e.g. redis+sentinel://sentinel-1:26379,sentinel-2:26379/mymaster';
  const m = /^redis\+sentinel:\/\/(?:([^:@/]*)(?::([^@/]*))?@)?([^/]+)\/([^/?#]+)(?:\/(\d{1,2}))?\/?$/.exec(url);
  if (!m) return shape;
  const sentinels = parseHostList(m[3]!);
  if (typeof sentinels === 'string') return shape;
  const decode = (v: string | undefined) => (v ? decodeURIComponent(v) : undefined);
  const username = decode(m[1]);
  const password = decode(m[2]);
  return {
    kind: 'sentinel',
    sentinels,
    name: decodeURIComponent(m[4]!),
    ...(username ? { username } : {}),
    ...(password ? { password } : {}),
    ...(m[5] !== undefined ? { db: Number(m[5]) } : {}),
  };
}

/** The Redis target from validated settings (cross-field checks already passed). */
function redisTargetFrom(env: Env): RedisTarget {
  const sentinelExtras = {
    ...(env.REDIS_SENTINEL_PASSWORD ? { sentinelPassword: env.REDIS_SENTINEL_PASSWORD } : {}),
  };
  if (env.REDIS_URL?.startsWith('redis+sentinel://')) {
    const parsed = parseSentinelUrl(env.REDIS_URL);
    if (typeof parsed === 'string') throw new ConfigError(`REDIS_URL ${parsed}`);
    return {
      ...parsed,
      ...(parsed.password === undefined && env.REDIS_PASSWORD ? { password: env.REDIS_PASSWORD } : {}),
      ...sentinelExtras,
    };
  }
  if (env.REDIS_URL) return { kind: 'url', url: env.REDIS_URL };
  if (env.REDIS_SENTINELS) {
    const sentinels = parseHostList(env.REDIS_SENTINELS);
    if (typeof sentinels === 'string') throw new ConfigError(`REDIS_SENTINELS ${sentinels}`);
    return {
      kind: 'sentinel',
      sentinels,
      name: env.REDIS_SENTINEL_NAME,
      ...(env.REDIS_PASSWORD ? { password: env.REDIS_PASSWORD } : {}),
      ...sentinelExtras,
    };
  }
  return { kind: 'local' };
}

/** The password inside a Redis URL, if any (registered as a secret so logs never show it). */
function redisUrlPassword(url: string | undefined): string | undefined {
  const m = url ? /^[a-z+]+:\/\/[^:@/]*:([^@/]+)@/.exec(url) : null;
  if (!m?.[1]) return undefined;
  try {
    return decodeURIComponent(m[1]);
  } catch {
    return m[1];
  }
}

export type ModelArtsAuth =
  | { kind: 'aksk'; ak: string; sk: string; securityToken?: string }
  | { kind: 'iam'; iamEndpoint: string; user: string; password: string; domain: string }
  /** No Huawei credentials: the bot runs against its built-in simulator. */
  | { kind: 'simulator' };

export interface Config {
  env: Env;
  roles: ReadonlySet<Role>;
  slack:
    | { mode: 'socket'; botToken: string; appToken: string; signingSecret?: string; apiUrl?: string }
    | { mode: 'http'; botToken: string; signingSecret: string; apiUrl?: string }
    /** No Slack credentials: the scripted demo runs against a local stand-in for Slack. */
    | { mode: 'none' };
  modelarts: { auth: ModelArtsAuth; endpoint?: string; projectId?: string; region?: string; timeoutMs: number };
  /** Where Redis is: a URL, Sentinel, or none (a local redis-server is started for `npm start`). */
  redis: RedisTarget;
}

/**
 * Reads and validates the environment. On any problem, throws one ConfigError that lists every
 * problem with its fix. Values are never echoed: a secret pasted into the wrong variable must
 * not end up in a log.
 */
export function loadConfig(source: NodeJS.ProcessEnv = process.env): Config {
  const parsed = EnvSchema.safeParse(source);
  const problems = [
    ...(parsed.success ? [] : parsed.error.issues.map((i) => ({ path: i.path.join('.'), message: i.message }))),
    ...crossFieldIssues(source),
  ];
  if (!parsed.success || problems.length > 0) {
    const lines = problems.map((i) => `  - ${i.path || '(environment)'}: ${i.message}`);
    throw new ConfigError(
      `Configuration is invalid (${lines.length} problem${lines.length === 1 ? '' : 's'}):\n${lines.join('\n')}\nSee the settings table in README.md.`,
      { variables: [...new Set(problems.map((i) => i.path.split('.')[0] ?? '').filter(Boolean))] },
    );
  }
  const env = parsed.data;
  for (const s of [
    // The AK is an identifier rather than a secret, but it names the account: keep it out of logs too.
    env.HUAWEICLOUD_SDK_AK,
    env.SLACK_BOT_TOKEN,
    env.SLACK_APP_TOKEN,
    env.SLACK_SIGNING_SECRET,
    env.HUAWEICLOUD_SDK_SK,
    env.HUAWEICLOUD_SDK_SECURITY_TOKEN,
    env.HUAWEICLOUD_IAM_PASSWORD,
    env.REDIS_PASSWORD,
    env.REDIS_SENTINEL_PASSWORD,
    redisUrlPassword(env.REDIS_URL),
  ]) {
    registerSecret(s);
  }

  const region = env.MODELARTS_REGION;
  let auth: ModelArtsAuth = { kind: 'simulator' };
  if (env.HUAWEICLOUD_SDK_AK && env.HUAWEICLOUD_SDK_SK) {
    auth = {
      kind: 'aksk',
      ak: env.HUAWEICLOUD_SDK_AK,
      sk: env.HUAWEICLOUD_SDK_SK,
      ...(env.HUAWEICLOUD_SDK_SECURITY_TOKEN ? { securityToken: env.HUAWEICLOUD_SDK_SECURITY_TOKEN } : {}),
    };
  } else if (env.HUAWEICLOUD_IAM_USER && env.HUAWEICLOUD_IAM_PASSWORD && env.HUAWEICLOUD_IAM_DOMAIN) {
    auth = {
      kind: 'iam',
      // crossFieldIssues requires HUAWEICLOUD_IAM_ENDPOINT or MODELARTS_REGION with IAM auth.
      iamEndpoint: env.HUAWEICLOUD_IAM_ENDPOINT ?? iamEndpointFor(region ?? ''),
      user: env.HUAWEICLOUD_IAM_USER,
      password: env.HUAWEICLOUD_IAM_PASSWORD,
      domain: env.HUAWEICLOUD_IAM_DOMAIN,
    };
  }
  // Against a simulator, a region only names it: the endpoint is the simulator's, or in-process.
  const endpoint =
    env.MODELARTS_ENDPOINT ?? (region && auth.kind !== 'simulator' ? modelartsEndpointFor(region) : undefined);

  let slack: Config['slack'] = { mode: 'none' };
  if (env.SLACK_BOT_TOKEN && env.SLACK_APP_TOKEN) {
    slack = {
      mode: 'socket',
      botToken: env.SLACK_BOT_TOKEN,
      appToken: env.SLACK_APP_TOKEN,
      ...(env.SLACK_SIGNING_SECRET ? { signingSecret: env.SLACK_SIGNING_SECRET } : {}),
      ...(env.SLACK_API_URL ? { apiUrl: env.SLACK_API_URL } : {}),
    };
  } else if (env.SLACK_BOT_TOKEN && env.SLACK_SIGNING_SECRET) {
    slack = {
      mode: 'http',
      botToken: env.SLACK_BOT_TOKEN,
      signingSecret: env.SLACK_SIGNING_SECRET,
      ...(env.SLACK_API_URL ? { apiUrl: env.SLACK_API_URL } : {}),
    };
  }

  return {
    env,
    roles: new Set(env.ROLES),
    slack,
    modelarts: {
      auth,
      ...(endpoint ? { endpoint } : {}),
      ...(env.HUAWEICLOUD_SDK_PROJECT_ID ? { projectId: env.HUAWEICLOUD_SDK_PROJECT_ID } : {}),
      ...(region ? { region } : {}),
      timeoutMs: env.MODELARTS_TIMEOUT_MS,
    },
    redis: redisTargetFrom(env),
  };
}
