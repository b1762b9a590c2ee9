import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import os, { cpus } from 'node:os';

/** What the numbers were measured on: they mean little without it. */
export interface MachineInfo {
  cpuModel: string;
  cores: number;
  ramGiB: number;
  node: string;
  redis: string;
  os: string;
  date: string;
}

export function machineInfo(): MachineInfo {
  const cpus = os.cpus();
  return {
    cpuModel: cpus[0]?.model.trim() ?? 'unknown',
    cores: cpus.length,
    ramGiB: Math.round((os.totalmem() / 1024 ** 3) * 10) / 10,
    node: process.version,
    redis: redisVersion(),
    os: osName(),
    date: new Date().toISOString(),
  };
}

function redisVersion(): string {
  try {
    const out = execFileSync(process.env['REDIS_SERVER_BIN'] ?? 'redis-server', ['--version'], { encoding: 'utf8' });
    return /v=(\S+)/.exec(out)?.[1] ?? out.trim();
  } catch {
    return 'not installed';
  }
}

function osName(): string {
  try {
    const rel = readFileSync('/etc/os-release', 'utf8');
    const pretty = /^PRETTY_NAME="?([^"\n]+)"?/m.exec(rel)?.[1];
    return `${pretty ?? os.type()} (kernel ${os.release()})`;
  } catch {
    return `${os.type()} ${os.release()}`;
  }
}

/** Peak and current resident set size of a process, from /proc (Linux), in MiB. */
export function procMemory(pid: number): { rssMiB: number; hwmMiB: number } | undefined {
  try {
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    const kb = (field: string) => Number(new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(status)?.[1] ?? Number.NaN);
    return { rssMiB: kb('VmRSS') / 1024, hwmMiB: kb('VmHWM') / 1024 };
  } catch {
    return undefined;
  }
}

/** CPU time (user + system) a process has used so far, in ms, from /proc/<pid>/stat. */
export function procCpuMs(pid: number): number | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // Fields after the command name (which may contain spaces) start after the last ')'.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    const utime = Number(fields[11]);
    const stime = Number(fields[12]);
    const ticks = 100; // USER_HZ is 100 on every Linux we run on
    return ((utime + stime) / ticks) * 1000;
  } catch {
    return undefined;
  }
}

function cpuTimes(): { busy: number; total: number } | undefined {
  try {
    const line = readFileSync('/proc/stat', 'utf8').split('\n')[0] ?? '';
    const v = line.trim().split(/\s+/).slice(1).map(Number);
    const idle = (v[3] ?? 0) + (v[4] ?? 0);
    const total = v.reduce((a, b) => a + b, 0);
    return { busy: total - idle, total };
  } catch {
    return undefined;
  }
}

/** How busy the whole machine is over `ms` (all processes, all cores), in percent. */
export async function machineBusyPercent(ms = 2000): Promise<number> {
  const a = cpuTimes();
  await new Promise((r) => setTimeout(r, ms));
  const b = cpuTimes();
  if (!a || !b || b.total === a.total) return Number.NaN;
  return ((b.busy - a.busy) / (b.total - a.total)) * 100;
}

/** CPU time all processes have used so far (all cores), in ms, from /proc/stat. */
export function machineCpuMs(): number {
  const t = cpuTimes();
  return t ? t.busy * 10 : Number.NaN; // USER_HZ = 100
}

/**
 * Share of the machine (all cores, percent) that processes other than `ours` used between two
 * readings: `ours` is the CPU ms of every process the bench started, over the same interval.
 */
export function othersPercent(machineMs: number, oursMs: number, wallMs: number): number {
  return (Math.max(0, machineMs - oursMs) / (wallMs * (cpus().length || 1))) * 100;
}
