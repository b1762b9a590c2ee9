import { type Logger, type LoggerOptions, pino } from 'pino';

export type { Logger };

/**
 * Keys whose value is a secret wherever it sits in a logged object, at any depth and in any
 * letter case: Huawei AK/SK and security tokens, IAM passwords and tokens (request and response
 * headers), Slack tokens and the signing secret (camelCase options, snake_case payloads, and the
 * environment names, should `config.env` ever be logged), OAuth-style tokens, cookies, and the
 * notebook's Jupyter `token`.
 */
export const SECRET_KEYS: readonly string[] = [
  'token',
  'password',
  'passwd',
  'ak',
  'sk',
  'accessKey',
  'accessKeyId',
  'secretKey',
  'secretAccessKey',
  'securityToken',
  'security_token',
  'iamPassword',
  'authorization',
  'proxy-authorization',
  'x-auth-token',
  'x-security-token',
  'x-subject-token',
  'cookie',
  'set-cookie',
  'signingSecret',
  'signing_secret',
  'clientSecret',
  'client_secret',
  'botToken',
  'bot_token',
  'appToken',
  'app_token',
  'accessToken',
  'access_token',
  'refreshToken',
  'refresh_token',
  'SLACK_BOT_TOKEN',
  'SLACK_APP_TOKEN',
  'SLACK_SIGNING_SECRET',
  'HUAWEICLOUD_SDK_AK',
  'HUAWEICLOUD_SDK_SK',
  'HUAWEICLOUD_SDK_SECURITY_TOKEN',
  'HUAWEICLOUD_IAM_PASSWORD',
];

/**
 * The main secret keys as pino `redact` paths, for code that configures a pino instance itself.
 * `createLogger` does not use them: pino's `*` matches exactly one level, and covering every key
 * at every depth that way costs ~100× per line; it walks each logged object once instead
 * (`censorSecretKeys`).
 */
export const REDACT_PATHS: readonly string[] = SECRET_KEYS.flatMap((k) =>
  /^[A-Za-z_$][\w$]*$/.test(k) ? [k, `*.${k}`, `*.*.${k}`] : [`["${k}"]`, `*["${k}"]`, `*.*["${k}"]`],
);

const SECRET_KEY_SET: ReadonlySet<string> = new Set(SECRET_KEYS.map((k) => k.toLowerCase()));
const CENSOR = '[redacted]';
const MAX_DEPTH = 12;

/**
 * Returns `value` with the value of every secret key (see `SECRET_KEYS`, case-insensitive)
 * replaced by `[redacted]`, at any depth, in plain objects, arrays, class instances and errors
 * (their enumerable fields and their `cause`). Copy on write: an object without secrets is
 * returned as is, and the caller's objects are never modified. Errors stay errors (same
 * prototype, message and stack) so pino's error serializer still formats them.
 */
export function censorSecretKeys<T>(value: T): T {
  return censor(value, 0, new WeakSet()) as T;
}

function censor(value: unknown, depth: number, seen: WeakSet<object>): unknown {
  if (value === null || typeof value !== 'object' || depth > MAX_DEPTH) return value;
  if (seen.has(value)) return value;
  seen.add(value);
  if (Array.isArray(value)) {
    let copy: unknown[] | undefined;
    value.forEach((item, i) => {
      const next = censor(item, depth + 1, seen);
      if (next !== item) {
        copy ??= value.slice();
        copy[i] = next;
      }
    });
    return copy ?? value;
  }
  const isError = value instanceof Error;
  // Dates, Buffers, URLs and the like serialise through toJSON: nothing keyed to censor.
  if (!isError && typeof (value as { toJSON?: unknown }).toJSON === 'function') return value;
  const source = value as Record<string, unknown>;
  let changes: Record<string, unknown> | undefined;
  for (const key of Object.keys(source)) {
    const item = source[key];
    const next =
      SECRET_KEY_SET.has(key.toLowerCase()) && item !== undefined && item !== null
        ? CENSOR
        : censor(item, depth + 1, seen);
    if (next !== item) {
      changes ??= {};
      changes[key] = next;
    }
  }
  let cause: unknown;
  let causeChanged = false;
  if (isError && 'cause' in value) {
    cause = censor(value.cause, depth + 1, seen);
    causeChanged = cause !== value.cause;
  }
  if (!changes && !causeChanged) return value;
  if (isError) {
    const clone = Object.create(Object.getPrototypeOf(value)) as Error;
    for (const key of ['name', 'message', 'stack'] as const) {
      const d = Object.getOwnPropertyDescriptor(value, key);
      if (d) Object.defineProperty(clone, key, d);
    }
    Object.assign(clone, source, changes);
    if (causeChanged)
      Object.defineProperty(clone, 'cause', { value: cause, enumerable: false, writable: true, configurable: true });
    return clone;
  }
  return { ...source, ...changes };
}

const secrets = new Set<string>();
/** Longest first, so a secret that contains another is replaced whole. */
let ordered: string[] = [];

/**
 * Secrets recognisable by shape, scrubbed even when nobody registered them: Slack tokens
 * (`xoxb-…`, `xoxp-…`, `xapp-…`), bearer credentials, the AK in a Huawei `Authorization` header
 * value, and `token=` / `access_token=` /
 * `X-Auth-Token=` in URLs or query strings (a Jupyter URL carries the notebook's token this way).
 */
const SECRET_SHAPES: ReadonlyArray<[RegExp, string]> = [
  [/\bxox[abeoprs]-[A-Za-z0-9-]{6,}/g, '[redacted]'],
  [/\bxapp-[A-Za-z0-9-]{6,}/g, '[redacted]'],
  [/\b(Bearer\s+)[A-Za-z0-9._~+/=-]{8,}/gi, '$1[redacted]'],
  [/(SDK-HMAC-SHA256\s+Access=)[^,\s"]+/g, '$1[redacted]'],
  [/([?&;](?:token|access_token|refresh_token|x-auth-token|x-security-token)=)[^&\s"'#<>]+/gi, '$1[redacted]'],
];

/**
 * Registers a secret value (a token, an SK, a password) so that `redactSecrets` removes it from
 * any free text: error messages, URLs, upstream bodies. Short values are ignored: masking "a"
 * everywhere would wreck every line and protect nothing. The JSON-escaped form is registered
 * too: a password with `"` or `\` appears escaped in a JSON log line, and the final scrub runs
 * on that line.
 */
export function registerSecret(value: string | undefined): void {
  if (!value || value.length < 6) return;
  secrets.add(value);
  const escaped = JSON.stringify(value).slice(1, -1);
  if (escaped !== value) secrets.add(escaped);
  ordered = [...secrets].sort((a, b) => b.length - a.length);
}

/** Replaces every registered secret, and anything shaped like a token, in `text` with `[redacted]`. */
export function redactSecrets(text: string): string {
  let out = text;
  for (const s of ordered) {
    if (out.includes(s)) out = out.split(s).join('[redacted]');
  }
  for (const [re, replacement] of SECRET_SHAPES) out = out.replace(re, replacement);
  return out;
}

export interface CreateLoggerOptions {
  level?: string;
  pretty?: boolean;
  /** Where lines go; tests pass a stream to capture them. */
  destination?: NodeJS.WritableStream;
  base?: Record<string, unknown>;
  /**
   * Fields added to every line, computed per line: the composition root passes the current
   * request or job correlation ids (kept in an AsyncLocalStorage) this way.
   */
  mixin?: () => Record<string, unknown>;
}

/**
 * Structured JSON logs (pino). Values under secret keys (`SECRET_KEYS`) are censored at any
 * depth, errors and their causes included; then every registered secret value, and anything
 * shaped like a Slack token, a bearer credential or a `token=` query parameter, is scrubbed
 * from the final line as a second net, so a token hidden inside an error message or a URL does
 * not escape either.
 */
export function createLogger(options: CreateLoggerOptions = {}): Logger {
  const base = options.base ?? { service: 'notebook-bot' };
  const baseKeys = new Set(Object.keys(base));
  const opts: LoggerOptions = {
    level: options.level ?? process.env['LOG_LEVEL'] ?? 'info',
    formatters: {
      // Runs before pino's serializers, on every line's own object and on child bindings.
      log: (obj) => censorSecretKeys(withoutKeys(obj, baseKeys)),
      bindings: (bindings) => censorSecretKeys(bindings),
    },
    base,
    ...(options.mixin ? { mixin: options.mixin } : {}),
    hooks: {
      streamWrite: (line) => redactSecrets(line),
    },
  };
  if (options.pretty) {
    return pino({
      ...opts,
      transport: { target: 'pino-pretty', options: { colorize: true, translateTime: 'SYS:HH:MM:ss' } },
    });
  }
  const dest = options.destination ?? pino.destination({ sync: false });
  return pino(opts, dest as pino.DestinationStream);
}

/**
 * A line's fields without the ones the logger already writes on every line (`base`): pino would
 * write such a key twice (`"roles":…,"roles":…`), and JSON readers disagree on which one counts.
 */
function withoutKeys(obj: Record<string, unknown>, keys: ReadonlySet<string>): Record<string, unknown> {
  let copy: Record<string, unknown> | undefined;
  for (const key of keys) {
    if (!Object.hasOwn(obj, key)) continue;
    copy ??= { ...obj };
    delete copy[key];
  }
  return copy ?? obj;
}
