import { Writable } from 'node:stream';
import { createLogger, type Logger } from '../../src/logger.js';

/**
 * A logger built as production builds it (redaction and all), writing into memory: `raw` holds
 * each line as written, `lines` each line parsed.
 */
export function captureLogs(level = 'debug'): { logger: Logger; raw: string[]; lines: Array<Record<string, unknown>> } {
  const raw: string[] = [];
  const lines: Array<Record<string, unknown>> = [];
  let pending = '';
  const destination = new Writable({
    write(chunk, _enc, done) {
      pending += String(chunk);
      const parts = pending.split('\n');
      pending = parts.pop() ?? '';
      for (const p of parts) {
        if (!p) continue;
        raw.push(p);
        lines.push(JSON.parse(p) as Record<string, unknown>);
      }
      done();
    },
  });
  return { logger: createLogger({ level, destination }), raw, lines };
}
