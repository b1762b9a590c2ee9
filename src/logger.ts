import { type Logger, type LoggerOptions, pino } from 'pino';

export type { Logger };

/**
 * Paths pino censors wherever they appear. Secrets must never reach a log line: tokens,
 * signing secrets, AK/SK, IAM passwords, and the notebook's own Jupyter `token`.
 */
export const REDACT_PATHS = [
  'token',
  '*.token',
  '*.*.token',
  'password',
  '*.password',
  'sk',
  '*.sk',
  'secretKey',
  '*.secretKey',
  'securityToken',
  '*.securityToken',
  'authorization',
  '*.authorization',
  'headers.authorization',
  '*.headers.authorization',
  'headers["x-auth-token"]',
  'headers["x-security-token"]',
  'headers["x-subject-token"]',
  'signingSecret',
  '*.signingSecret',
  'botToken',
  '*.botToken',
  'appToken',
  '*.appToken',
];

const secrets = new Set<string>();

/**
 * Registers a secret value (a token, an SK, a password) so that `redactSecrets` removes it from
 * any free text: error messages, URLs, upstream bodies. Short values are ignored: masking "a"
 * everywhere would wreck every line and protect nothing.
 */
export function registerSecret(value: string | undefined): void {
  if (value && value.length >= 6) secrets.add(value);
}

/** Replaces every registered secret in `text` with `[redacted]`. */
export function redactSecrets(text: string): string {
  let out = text;
  for (const s of secrets) {
    if (out.includes(s)) out = out.split(s).join('[redacted]');
  }
  return out;
}

export interface CreateLoggerOptions {
  level?: string;
  pretty?: boolean;
  /** Where lines go; tests pass a stream to capture them. */
  destination?: NodeJS.WritableStream;
  base?: Record<string, unknown>;
}

/**
 * Structured JSON logs (pino). Known secret paths are censored by key; any registered secret
 * value is scrubbed from the final line as a second net, so a token hidden inside an error
 * message or a URL does not escape either.
 */
export function createLogger(options: CreateLoggerOptions = {}): Logger {
  const opts: LoggerOptions = {
    level: options.level ?? process.env['LOG_LEVEL'] ?? 'info',
    redact: { paths: REDACT_PATHS, censor: '[redacted]' },
    base: options.base ?? { service: 'notebook-bot' },
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
