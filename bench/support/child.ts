import { type ChildProcess, fork } from 'node:child_process';

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

/** Forks `file` (TypeScript, run through tsx) with `env` added to this process's environment. */
export async function startChild(
  file: string,
  options: {
    env?: Record<string, string>;
    args?: string[];
    /** Extra Node flags, e.g. `--cpu-prof`. */
    execArgv?: string[];
    readyTimeoutMs?: number;
    quiet?: boolean;
  } = {},
): Promise<ChildHandle> {
  const child = fork(file, options.args ?? [], {
    execArgv: ['--import', 'tsx', ...(options.execArgv ?? [])],
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

export type Handler = (args: unknown) => unknown | Promise<unknown>;

/**
 * The child side: announces `ready` with `info`, then serves `handlers` by name. `shutdown` runs
 * `onShutdown` and exits.
 */
export function serveParent(
  info: Record<string, unknown>,
  handlers: Record<string, Handler>,
  onShutdown: () => Promise<void>,
): void {
  if (!process.send) throw new Error('this script is a benchmark child: run it through its bench (no IPC channel)');
  const send = (m: unknown) => process.send?.(m);
  let closing = false;
  const shutdown = async () => {
    if (closing) return;
    closing = true;
    try {
      await onShutdown();
    } finally {
      process.exit(0);
    }
  };
  process.on('message', (raw) => {
    const msg = raw as { id: number; cmd: string; args?: unknown };
    if (msg.cmd === 'shutdown') {
      void shutdown();
      return;
    }
    const handler = handlers[msg.cmd];
    if (!handler) {
      send({ id: msg.id, ok: false, error: `unknown command ${msg.cmd}` });
      return;
    }
    Promise.resolve()
      .then(() => handler(msg.args))
      .then(
        (result) => send({ id: msg.id, ok: true, result }),
        (err: unknown) => send({ id: msg.id, ok: false, error: err instanceof Error ? err.stack : String(err) }),
      );
  });
  // The parent died or closed the channel: do not linger as an orphan holding ports.
  process.on('disconnect', () => void shutdown());
  send({ type: 'ready', ...info });
}
