/**
 * How the process reacts to being asked to stop. `main.ts` runs the bot (and the demo) until
 * the first SIGTERM or SIGINT, then shuts down gracefully.
 */
/** SIGTERM (docker stop, process managers) and SIGINT (Ctrl-C, `kill -INT`) alike stop the bot. */
const STOP_SIGNALS: readonly NodeJS.Signals[] = ['SIGTERM', 'SIGINT'];

export interface StopSignals {
  /** Settles on the first stop signal, with its name. */
  received: Promise<NodeJS.Signals>;
  /** Restores the default handling (a signal then ends the process at once). */
  dispose(): void;
}

/**
 * Handles SIGTERM and SIGINT the same way, and keeps handling them after the first: under
 * `npm start` one Ctrl-C reaches the bot twice (from the terminal, and forwarded by npm), and the
 * second must not kill it halfway through its graceful shutdown. Later signals only call `again`;
 * the shutdown deadline bounds the wait.
 */
export function stopSignals(on: {
  first(signal: NodeJS.Signals): void;
  again?(signal: NodeJS.Signals): void;
}): StopSignals {
  let resolve: (signal: NodeJS.Signals) => void = () => undefined;
  const received = new Promise<NodeJS.Signals>((r) => {
    resolve = r;
  });
  let seen = false;
  const handler = (signal: NodeJS.Signals) => {
    if (seen) {
      on.again?.(signal);
      return;
    }
    seen = true;
    on.first(signal);
    resolve(signal);
  };
  for (const signal of STOP_SIGNALS) process.on(signal, handler);
  return {
    received,
    dispose: () => {
      for (const signal of STOP_SIGNALS) process.off(signal, handler);
    },
  };
}
