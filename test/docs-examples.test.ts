/**
 * Every simulator command the docs show pastes and works as written: README.md's,
 * src/simulator/README.md's, `cli.ts --help`'s and the simulator's own start-up text. Each runs
 * with `bash -c` against a simulator started the documented way (`npm run simulator`). The one
 * liberty: the simulator listens on a free port instead of 8089, so `127.0.0.1:8089` in a command
 * becomes that port and `SIMULATOR_URL` points `sign` at it (as the help says to).
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ScaledClock } from '../src/clock.js';
import { freePort } from '../src/ops/local-redis.js';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const DOCUMENTED_URL = 'http://127.0.0.1:8089';
/** Generous: a safety net for a hung command, never a measure of speed. */
const COMMAND_TIMEOUT_MS = 25_000;

type Kind = 'serve' | 'help' | 'sign' | 'call';

interface Example {
  source: string;
  command: string;
}

/** Which simulator example a command is; undefined for commands about something else. */
function kindOf(command: string): Kind | undefined {
  if (command.includes('…')) return undefined; // elided on purpose ("sign …"): prose, not an example
  const cli = /^(?:npx tsx src\/simulator\/cli\.ts|npm run simulator)\b/;
  if (/^eval "\$\(npx tsx src\/simulator\/cli\.ts sign /.test(command)) return 'call';
  if (/^curl\s/.test(command)) return /\/__sim\/|127\.0\.0\.1:8089/.test(command) ? 'call' : undefined;
  if (!cli.test(command)) return undefined;
  if (/\s--help\b|\s-h\b/.test(command)) return 'help';
  if (/\ssign\s/.test(command)) return 'sign';
  return 'serve';
}

/** Commands in markdown: lines of sh code blocks (without comments) and inline code spans. */
function markdownExamples(path: string): Example[] {
  const text = readFileSync(`${ROOT}/${path}`, 'utf8');
  const commands: string[] = [];
  const prose = text.replace(/^```(\w*)\n([\s\S]*?)^```$/gm, (_block, lang: string, body: string) => {
    if (lang === 'sh' || lang === 'bash') {
      for (const line of body.split('\n')) commands.push(line.replace(/(^|\s+)#.*$/, '').trim());
    }
    return '';
  });
  for (const span of prose.matchAll(/`([^`\n]+)`/g)) commands.push(span[1]!.trim());
  return commands.filter((c) => kindOf(c)).map((command) => ({ source: path, command }));
}

/** Commands a program printed: indented lines that start like one. */
function printedExamples(source: string, text: string): Example[] {
  return text
    .split('\n')
    .filter((l) => /^\s+(curl|eval|npx|npm)\s/.test(l))
    .map((l) => l.trim())
    .filter((c) => kindOf(c))
    .map((command) => ({ source, command }));
}

interface Ran {
  code: number;
  stdout: string;
  stderr: string;
}

function bash(command: string, env: NodeJS.ProcessEnv): Promise<Ran> {
  // stdin ignored: on a socket (Node's pipes are sockets), bash may read ~/.bashrc as if over ssh.
  const child = spawn('bash', ['-c', command], { cwd: ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d: Buffer) => {
    stdout += d.toString();
  });
  child.stderr.on('data', (d: Buffer) => {
    stderr += d.toString();
  });
  const timer = setTimeout(() => child.kill('SIGKILL'), COMMAND_TIMEOUT_MS);
  return new Promise((resolve) => {
    child.once('close', (code) => {
      clearTimeout(timer);
      resolve({ code: code ?? 1, stdout, stderr });
    });
  });
}

/** The caller's environment without settings that would aim the commands elsewhere. */
function cleanEnv(extra: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env)) if (!/^(PORT|HOST|SIMULATOR_\w+)$/.test(k)) env[k] = v;
  return { ...env, ...extra };
}

/** Runs `work` over `items`, `limit` at a time (two cores: a few processes at once). */
async function pool<T, R>(items: readonly T[], limit: number, work: (item: T) => Promise<R>): Promise<R[]> {
  const results: R[] = new Array(items.length);
  let next = 0;
  const lane = async () => {
    while (next < items.length) {
      const i = next++;
      results[i] = await work(items[i]!);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, lane));
  return results;
}

/** A long-running process of ours (its own process group, so nothing it starts outlives it). */
interface Server {
  child: ChildProcess;
  url: string;
  output: () => string;
  exited: Promise<number | null>;
}

function startServer(command: string, port: number, env: NodeJS.ProcessEnv): Promise<Server> {
  // exec: the pid is the command's own (npm's, for `npm run simulator`), as in a terminal.
  const child = spawn('bash', ['-c', `exec ${command}`], {
    cwd: ROOT,
    env,
    detached: true,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  return new Promise((resolve, reject) => {
    const onData = (d: Buffer) => {
      out += d.toString();
      if (out.includes('Ctrl-C stops.')) {
        child.stdout?.off('data', onData);
        child.stdout?.on('data', (more: Buffer) => {
          out += more.toString();
        });
        resolve({ child, url: `http://127.0.0.1:${port}`, output: () => out, exited });
      }
    };
    child.stdout?.on('data', onData);
    child.stderr?.on('data', (d: Buffer) => {
      out += d.toString();
    });
    void exited.then((code) => reject(new Error(`"${command}" exited with ${code} before it was up:\n${out}`)));
  });
}

function stopGroup(server: Server | undefined): void {
  const pid = server?.child.pid;
  if (pid === undefined || server?.child.exitCode !== null) return;
  try {
    process.kill(-pid, 'SIGKILL');
  } catch {
    // already gone
  }
}

async function getJson<T>(url: string): Promise<T> {
  const res = await fetch(url);
  expect(res.status, url).toBe(200);
  return (await res.json()) as T;
}

describe('documented simulator commands', () => {
  const docs = [...markdownExamples('README.md'), ...markdownExamples('src/simulator/README.md')];
  let sim: Server;
  let env: NodeJS.ProcessEnv;
  let startup: Example[];
  let help: Example[];

  beforeAll(async () => {
    // The README starts it with `npm run simulator`; a newcomer runs that, so the test does.
    expect(docs.map((e) => e.command)).toContain('npm run simulator');
    const port = await freePort();
    const helpCommand = docs.find((e) => kindOf(e.command) === 'help');
    expect(helpCommand, 'the README points at --help').toBeDefined();
    const [started, shown] = await Promise.all([
      startServer('npm run simulator', port, cleanEnv({ PORT: String(port) })),
      bash(helpCommand!.command, cleanEnv({})),
    ]);
    sim = started;
    env = cleanEnv({ SIMULATOR_URL: sim.url });
    startup = printedExamples('start-up text', sim.output());
    expect(shown.code, shown.stderr).toBe(0);
    // Its examples, not its usage lines ([--port N] is syntax).
    help = printedExamples('--help', shown.stdout.slice(shown.stdout.indexOf('\nExamples:')));
  }, 40_000);

  afterAll(() => stopGroup(sim));

  /** The command as the test runs it: on the test's port instead of 8089. */
  const local = (command: string) => command.replaceAll(DOCUMENTED_URL, sim.url);

  async function expectAnswered(example: Example, command: string): Promise<void> {
    const ran = await bash(command, env);
    const where = `${example.source}: ${example.command}\n${ran.stderr}${ran.stdout}`;
    expect(ran.code, where).toBe(0);
    const body = JSON.parse(ran.stdout) as Record<string, unknown>;
    expect(body, where).not.toHaveProperty('error_code');
    expect(body, where).not.toHaveProperty('error');
  }

  it('signed calls (sign, then the printed curl; eval "$(… sign …)") are answered 200', async () => {
    const all = [...docs, ...help, ...startup];
    for (const source of ['README.md', 'src/simulator/README.md', '--help', 'start-up text']) {
      expect(
        all.some((e) => e.source === source && isSignedCall(e)),
        `${source} shows a signed call`,
      ).toBe(true);
    }
    const unique = new Map<string, Example>();
    for (const e of all) if (isSignedCall(e) && !unique.has(local(e.command))) unique.set(local(e.command), e);
    const signed = [...unique.values()];
    // The docs show both forms, and the start-up text shows them on its own port.
    expect(signed.filter((e) => kindOf(e.command) === 'sign').length).toBeGreaterThanOrEqual(2);
    expect(signed.filter((e) => e.command.startsWith('eval')).length).toBeGreaterThanOrEqual(3);
    expect(startup.filter((e) => e.command.includes(`--url ${sim.url}`)).length).toBeGreaterThanOrEqual(3);

    const before = await getJson<{ total: number }>(`${sim.url}/__sim/stats?log=0`);
    await pool(signed, 3, async (example) => {
      if (kindOf(example.command) === 'sign') {
        const printed = await bash(local(example.command), env);
        expect(printed.code, printed.stderr).toBe(0);
        const lines = printed.stdout.trim().split('\n');
        expect(lines, `${example.source}: ${example.command}`).toHaveLength(1);
        expect(lines[0]).toMatch(/^curl -sS -X [A-Z]+ 'http:\/\/127\.0\.0\.1:\d+\/v1\/[0-9a-f]{32}\//);
        // English messages unless told otherwise; --lang none signs without X-Language (Chinese).
        if (example.command.includes('--lang none')) expect(lines[0]).not.toContain('X-Language');
        else expect(lines[0]).toContain("-H 'X-Language: en-us'");
        await expectAnswered(example, lines[0]!);
      } else {
        await expectAnswered(example, local(example.command));
      }
    });
    // The simulator's own log: each of them was one API request, answered 2xx.
    const after = await getJson<{ total: number; log: Array<{ status: number; path: string; errorCode?: string }> }>(
      `${sim.url}/__sim/stats?log=${signed.length}`,
    );
    expect(after.total - before.total).toBe(signed.length);
    for (const entry of after.log) expect(entry.status, `${entry.path} ${entry.errorCode ?? ''}`).toBeLessThan(300);
    expect(signed.some((e) => kindOf(e.command) === 'sign' && e.command.includes('--lang none'))).toBe(true);
  }, 60_000);

  it('admin calls (curl /__sim/…) answer JSON, in the order shown', async () => {
    const admin = [...docs, ...startup].filter((e) => kindOf(e.command) === 'call' && !isSignedCall(e));
    expect(admin.some((e) => e.source === 'README.md')).toBe(true);
    expect(admin.filter((e) => e.source === 'start-up text').length).toBeGreaterThanOrEqual(5);
    // In order: the start-up text arms faults, then ends with a reset.
    for (const example of admin) await expectAnswered(example, local(example.command));
  }, 30_000);

  it('other serve examples start, honouring their flags and SIMULATOR_CLOCK_EPOCH', async () => {
    const serves = [...docs, ...help].filter((e) => kindOf(e.command) === 'serve' && e.command !== 'npm run simulator');
    expect(serves.map((e) => e.source)).toContain('--help');
    for (const example of serves) {
      const port = await freePort();
      const command = example.command.replace(/--port \d+/, `--port ${port}`);
      // An hour ago, as compose pins it: every process on this epoch and scale agrees on "now".
      const epoch = Date.now() - 3_600_000;
      const scale = Number(/--scale (\d+)/.exec(command)?.[1] ?? '1');
      const server = await startServer(command, port, { ...env, SIMULATOR_CLOCK_EPOCH: String(epoch) });
      try {
        expect(server.output()).toContain(`from epoch ${epoch} (SIMULATOR_CLOCK_EPOCH)`);
        const clock = new ScaledClock({ epoch, scale });
        const earliest = clock.now();
        const { now } = await getJson<{ now: number }>(`${server.url}/__sim/clock`);
        const latest = clock.now();
        expect(now).toBeGreaterThanOrEqual(earliest);
        expect(now).toBeLessThanOrEqual(latest);
        const seed = /--seed (\d+)/.exec(command)?.[1];
        if (seed) {
          const listed = await getJson<{ total: number }>(`${server.url}/__sim/instances?limit=1`);
          expect(listed.total).toBe(Number(seed));
        }
      } finally {
        stopGroup(server);
      }
    }
  }, 30_000);

  // `npm run simulator` is `node --import tsx …`, one process: tsx's own CLI relays a SIGINT to its
  // child and SIGKILLs it when the child has not reported the signal within 30 ms (exit 130 on a
  // busy machine: a CI run failed on it).
  it('npm run simulator stops on one SIGINT to npm, as from a process manager', async () => {
    process.kill(sim.child.pid!, 'SIGINT'); // npm's pid: see startServer
    expect(await sim.exited).toBe(0);
    await expect(fetch(`${sim.url}/__sim/health`)).rejects.toThrow();
  }, 20_000);
});

/** A call through the signed API (not the unsigned admin endpoints). */
function isSignedCall(example: Example): boolean {
  const kind = kindOf(example.command);
  return kind === 'sign' || (kind === 'call' && !example.command.includes('/__sim/'));
}
