import { LogLevel, type Logger as SlackLogger } from '@slack/web-api';
import type { Logger } from '../logger.js';

function write(logger: Logger, level: 'debug' | 'info' | 'warn' | 'error', args: unknown[]): void {
  // The SDKs log a few debug lines per Web API call: skip the formatting when nobody reads them.
  if (!logger.isLevelEnabled(level)) return;
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
 * The logger interface of the Slack SDKs (@slack/logger: what Bolt, its receivers, Socket Mode
 * and every `WebClient` take) over pino, so their lines share the bot's format, level and secret
 * redaction (the pino destination scrubs registered tokens from every line). Give every Slack
 * client one: without it the SDK logs to the console, past the redaction.
 *
 * Lines carry `component: <component>` (renamed by the SDK's `setName`, e.g. Socket Mode's
 * `socket-mode:SocketModeClient:0`). Pass a logger without a `component` binding (the root
 * logger): pino cannot replace a binding, so a second one would print the key twice; when the
 * logger has one anyway, it is kept and the SDK's names are left out.
 */
export function slackLogger(logger: Logger, component: string): SlackLogger {
  const hasComponent = logger.bindings()['component'] !== undefined;
  const named = (name: string) => (hasComponent ? logger : logger.child({ component: name }));
  let current = named(component);
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
      current = named(name);
    },
  };
}
