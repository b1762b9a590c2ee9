import type { Redis } from 'ioredis';

/** Calls per Redis command name (INFO commandstats), lower-case, `info` itself excluded. */
export type CommandCounts = Map<string, number>;

export async function commandCounts(redis: Redis): Promise<CommandCounts> {
  const info = await redis.info('commandstats');
  const out: CommandCounts = new Map();
  for (const line of info.split('\n')) {
    const m = /^cmdstat_([^:]+):calls=(\d+)/.exec(line.trim());
    if (m && m[1] !== 'info') out.set(m[1] as string, Number(m[2]));
  }
  return out;
}

/** What happened between two snapshots. Commands run inside Lua scripts are counted too. */
export interface CommandDelta {
  total: number;
  /** EVAL/EVALSHA/FCALL calls (each also counts its inner commands in `total`). */
  scripts: number;
  /** Busiest commands first. */
  byCommand: Array<[string, number]>;
}

export function commandDelta(before: CommandCounts, after: CommandCounts): CommandDelta {
  const byCommand: Array<[string, number]> = [];
  let total = 0;
  let scripts = 0;
  for (const [cmd, n] of after) {
    const d = n - (before.get(cmd) ?? 0);
    if (d <= 0) continue;
    byCommand.push([cmd, d]);
    total += d;
    if (cmd === 'eval' || cmd === 'evalsha' || cmd.startsWith('fcall')) scripts += d;
  }
  byCommand.sort((a, b) => b[1] - a[1]);
  return { total, scripts, byCommand };
}

/** CPU time redis-server has used so far (INFO cpu: user + system), in ms. */
export async function redisCpuMs(redis: Redis): Promise<number> {
  const info = await redis.info('cpu');
  const get = (k: string) => Number(new RegExp(`^${k}:([\\d.]+)`, 'm').exec(info)?.[1] ?? 0);
  return (get('used_cpu_user') + get('used_cpu_sys')) * 1000;
}
