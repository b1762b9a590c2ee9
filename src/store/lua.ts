import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import type { Redis } from 'ioredis';

/**
 * A Lua script kept in a `.lua` file next to the code that owns its keys (as BullMQ keeps its
 * commands), read once when its module loads and run with EVALSHA, falling back to EVAL once when
 * the server does not have it (first use, or after a restart or SCRIPT FLUSH). Not
 * `redis.defineCommand`, which would patch a connection that other modules share.
 *
 * The build copies every `src/**\/*.lua` next to its compiled module (`scripts/copy-lua.mjs`), so
 * a missing file fails at start, not at the first call.
 */
export class LuaScript {
  readonly sha: string;

  constructor(readonly source: string) {
    this.sha = createHash('sha1').update(source).digest('hex');
  }

  /** Runs the script; `keys` are KEYS, `args` ARGV (numbers are sent as their decimal text). */
  async run(redis: Redis, keys: readonly string[], args: ReadonlyArray<string | number> = []): Promise<unknown> {
    try {
      return await redis.evalsha(this.sha, keys.length, ...keys, ...args);
    } catch (err) {
      if (!(err instanceof Error) || !err.message.startsWith('NOSCRIPT')) throw err;
      return redis.eval(this.source, keys.length, ...keys, ...args);
    }
  }
}

/**
 * Reads `file` (relative to `base`, the caller's `import.meta.url`), e.g.
 * `loadLua(import.meta.url, 'scripts/claim.lua')`.
 */
export function loadLua(base: string, file: string): LuaScript {
  return new LuaScript(readFileSync(new URL(file, base), 'utf8'));
}
