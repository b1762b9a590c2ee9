import { type ChildProcess, fork } from 'node:child_process';
import { builtChild } from './built.js';

/**
 * A benchmark role in its own process, so the load generator never shares an event loop (or a
 * core's time slices within one process) with the code it measures. Parent and child talk over
 * Node's IPC channel: the child sends `{type: 'ready', ...}` once, then answers `{id, cmd, args}`
 * requests with `{id, ok, result | error}`.
 */
export interface ChildHandle {
  readonly process: ChildProcess;
  readonly pid: number;
  /** What the child sent with `ready` (its URLs, ports, …). */
  readonly info: Record<string, unknown>;
  call<T = unknown>(cmd: string, args?: unknown, timeoutMs?: number): Promise<T>;
  /** Asks the child to shut down, then kills it if it lingers. */
  stop(timeoutMs?: number): Promise<void>;
}

interface Reply {
  id: number;
  ok: boolean;
  result?: unknown;
  error?: string;
}

/**
 * Forks `file` with `env` added to this process's environment: TypeScript through tsx, or with
 * `built`, transpiled against dist/ and run by plain node (the processes under test: ./built.ts).
 */
export async function startChild(
  file: string,
  options: {
    env?: Record<string, string>;
    args?: string[];
    /** Extra Node flags, e.g. `--cpu-prof`. */
    execArgv?: string[];
    readyTimeoutMs?: number;
    quiet?: boolean;
    /** Run the built bot (dist/) under plain node, as production does. */
    built?: boolean;
  } = {},
): Promise<ChildHandle> {
  const script = options.built ? builtChild(file) : file;
  const child = fork(script, options.args ?? [], {
    execArgv: [...(options.built ? [] : ['--import', 'tsx']), ...(options.execArgv ?? [])],
    env: { ...process.env, ...options.env },
    stdio: ['ignore', options.quiet === false ? 'inherit' : 'ignore', 'inherit', 'ipc'],
  });
  const pending = new Map<number, { resolve: (v: unknown) => void; reject: (e: Error) => void }>();
  let nextId = 1;
  const info = await new Promise<Record<string, unknown>>((resolve, reject) => {
    const timer = setTimeout(
      () => reject(new Error(`${file} did not report ready within ${options.readyTimeoutMs ?? 60_000} ms`)),
      options.readyTimeoutMs ?? 60_000,
    );
    child.once('exit', (code, signal) => {
      clearTimeout(timer);
      reject(new Error(`${file} exited before it was ready (code ${code}, signal ${signal})`));
    });
    child.on('message', (raw) => {
      const msg = raw as { type?: string } & Partial<Reply>;
      if (msg.type === 'ready') {
        clearTimeout(timer);
        resolve(msg as Record<string, unknown>);
        return;
      }
      if (typeof msg.id === 'number') {
        const p = pending.get(msg.id);
        if (!p) return;
        pending.delete(msg.id);
        if (msg.ok) p.resolve(msg.result);
        else p.reject(new Error(msg.error ?? 'child call failed'));
      }
    });
  });
  child.on('exit', () => {
    for (const p of pending.values()) p.reject(new Error(`${file} exited`));
    pending.clear();
  });
  const pid = child.pid;
  if (pid === undefined) throw new Error(`${file} has no pid`);
  return {
    process: child,
    pid,
    info,
    call<T>(cmd: string, args?: unknown, timeoutMs = 120_000): Promise<T> {
      const id = nextId++;
      return new Promise<T>((resolve, reject) => {
        const timer = setTimeout(() => {
          pending.delete(id);
          reject(new Error(`${file}: ${cmd} timed out after ${timeoutMs} ms`));
        }, timeoutMs);
        pending.set(id, {
          resolve: (v) => {
            clearTimeout(timer);
            resolve(v as T);
          },
          reject: (e) => {
            clearTimeout(timer);
            reject(e);
          },
        });
        child.send({ id, cmd, args });
      });
    },
    async stop(timeoutMs = 10_000) {
      if (child.exitCode !== null || child.signalCode !== null) return;
      const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
      if (child.connected) child.send({ id: 0, cmd: 'shutdown' });
      const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
      await exited;
      clearTimeout(timer);
    },
  };
}

export { type Handler, serveParent } from './serve-parent.js';
