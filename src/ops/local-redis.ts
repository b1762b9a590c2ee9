import { type ChildProcess, spawn } from 'node:child_process';
import { createServer } from 'node:net';

/** A free loopback port (redis-server cannot listen on port 0 and report it back). */
export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const addr = srv.address();
      const port = typeof addr === 'object' && addr ? addr.port : 0;
      srv.close(() => resolve(port));
    });
  });
}

export interface LocalRedisHandle {
  url: string;
  port: number;
  stop(): Promise<void>;
  /** Starts it again on the same port (readiness tests stop and restart it). */
  start(): Promise<void>;
}

/** redis-server is not installed: the message names the fix. */
export class RedisServerMissingError extends Error {
  constructor(cause: unknown) {
    super(
      'No REDIS_URL is set and redis-server is not installed, so there is no Redis to use.\n' +
        'Fix one of:\n' +
        '  - install it: sudo apt-get install redis-server   (macOS: brew install redis)\n' +
        '  - or point the bot at a Redis: REDIS_URL=redis://localhost:6379',
      { cause },
    );
    this.name = 'RedisServerMissingError';
  }
}

/**
 * Starts a throwaway `redis-server` on loopback with no persistence: for the demo (when
 * REDIS_URL is not set) and for tests (BullMQ runs Lua scripts that Redis mocks cannot).
 */
export async function startLocalRedis(options: { port?: number; bin?: string } = {}): Promise<LocalRedisHandle> {
  const port = options.port ?? (await freePort());
  const bin = options.bin ?? process.env['REDIS_SERVER_BIN'] ?? 'redis-server';
  let child: ChildProcess | undefined;

  const start = async (): Promise<void> => {
    const proc = spawn(bin, ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    child = proc;
    await new Promise<void>((resolve, reject) => {
      let out = '';
      const timer = setTimeout(() => reject(new Error(`redis-server did not start on port ${port}: ${out}`)), 10_000);
      proc.once('error', (err) => {
        clearTimeout(timer);
        reject(new RedisServerMissingError(err));
      });
      proc.stdout?.on('data', (d: Buffer) => {
        out += d.toString();
        if (out.includes('Ready to accept connections')) {
          clearTimeout(timer);
          resolve();
        }
      });
    });
  };

  await start();
  return {
    url: `redis://127.0.0.1:${port}`,
    port,
    start,
    stop: async () => {
      const c = child;
      if (!c || c.exitCode !== null || c.signalCode !== null) return;
      await new Promise<void>((resolve) => {
        c.once('exit', () => resolve());
        c.kill('SIGKILL');
      });
    },
  };
}
