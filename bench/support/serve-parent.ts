/**
 * The child side of ./child.ts, in a file of its own: a child run on the built bot (./built.ts)
 * loads this and nothing of the parent's plumbing.
 */
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
