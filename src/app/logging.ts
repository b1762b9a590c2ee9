import { createRequire } from 'node:module';
import type { Config } from '../config.js';
import { createLogger, type Logger } from '../logger.js';
import type { Correlation } from './correlation.js';

/** Where and how the process logs. */
export interface AppLoggerOptions {
  correlation?: Correlation;
  /** Where JSON lines go (default stdout); the demo sends them to stderr. */
  destination?: NodeJS.WritableStream;
  /** Overrides `LOG_LEVEL`. */
  level?: string;
  /** Extra fixed fields (e.g. `role`). */
  base?: Record<string, unknown>;
}

/** pino-pretty is a devDependency: present in a checkout, absent from the production image. */
function prettyAvailable(): boolean {
  try {
    createRequire(import.meta.url).resolve('pino-pretty');
    return true;
  } catch {
    return false;
  }
}

/**
 * The process logger: JSON lines (one object per line, secrets censored, correlation ids
 * mixed in), or pino-pretty's human format when `LOG_PRETTY=true` or `NODE_ENV=development`
 * and pino-pretty is installed.
 */
export function createAppLogger(config: Config, options: AppLoggerOptions = {}): Logger {
  const wantsPretty = config.env.LOG_PRETTY || config.env.NODE_ENV === 'development';
  const pretty = wantsPretty && options.destination === undefined && prettyAvailable();
  const logger = createLogger({
    level: options.level ?? config.env.LOG_LEVEL,
    pretty,
    base: { service: 'notebook-bot', ...options.base },
    ...(options.destination ? { destination: options.destination } : {}),
    ...(options.correlation ? { mixin: options.correlation.mixin } : {}),
  });
  if (wantsPretty && !pretty && options.destination === undefined) {
    logger.warn('LOG_PRETTY is set but pino-pretty is not installed (production image): logging JSON');
  }
  return logger;
}
