import { type Logger as BoltLogger, LogLevel } from '@slack/bolt';
import type { Logger } from '../logger.js';

function write(logger: Logger, level: 'debug' | 'info' | 'warn' | 'error', args: unknown[]): void {
  const err = args.find((a): a is Error => a instanceof Error);
  const text = args
    .filter((a) => !(a instanceof Error))
    .map((a) => (typeof a === 'string' ? a : safeJson(a)))
    .join(' ');
  if (err) logger[level]({ err }, text || err.message);
  else logger[level](text);
}

function safeJson(v: unknown): string {
  try {
    return JSON.stringify(v);
  } catch {
    return String(v);
  }
}

/**
 * Bolt's logger interface over pino, so Bolt's lines share the bot's format, level and secret
 * redaction (the pino destination scrubs registered tokens from every line).
 */
export function boltLogger(logger: Logger): BoltLogger {
  let current = logger.child({ component: 'bolt' });
  let level: LogLevel = LogLevel.INFO;
  return {
    debug: (...msg) => write(current, 'debug', msg),
    info: (...msg) => write(current, 'info', msg),
    warn: (...msg) => write(current, 'warn', msg),
    error: (...msg) => write(current, 'error', msg),
    // The bot's LOG_LEVEL governs: Bolt sets its own default level at start-up, which must not
    // make a quiet logger chatty.
    setLevel: (l) => {
      level = l;
    },
    getLevel: () => level,
    setName: (name) => {
      current = logger.child({ component: name });
    },
  };
}
