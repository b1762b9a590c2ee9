import { z } from 'zod';
import { ConfigError } from './errors.js';
import { registerSecret } from './logger.js';

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
      .url({ message: 'must be a redis:// or rediss:// URL, e.g. redis://localhost:6379' })
      .refine((v) => /^rediss?:\/\//.test(v), { message: 'must start with redis:// or rediss://' })
      .optional(),
  ),
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

  POLL_INITIAL_MS: int(100, 60_000, 'first status poll delay').default(2000),
  POLL_MAX_MS: int(100, 300_000, 'longest delay between status polls').default(15_000),
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

  POLICY_FILE: optionalString,
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
  const initial = Number(raw['POLL_INITIAL_MS'] ?? 2000);
  const max = Number(raw['POLL_MAX_MS'] ?? 15000);
  if (Number.isFinite(initial) && Number.isFinite(max) && initial > max)
    add('POLL_INITIAL_MS', 'must not exceed POLL_MAX_MS');
  return issues;
}

export type Env = z.output<typeof EnvSchema>;

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
      iamEndpoint: env.HUAWEICLOUD_IAM_ENDPOINT ?? `https://iam.${region}.myhuaweicloud.com`,
      user: env.HUAWEICLOUD_IAM_USER,
      password: env.HUAWEICLOUD_IAM_PASSWORD,
      domain: env.HUAWEICLOUD_IAM_DOMAIN,
    };
  }
  const endpoint = env.MODELARTS_ENDPOINT ?? (region ? `https://modelarts.${region}.myhuaweicloud.com` : undefined);

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
  };
}
