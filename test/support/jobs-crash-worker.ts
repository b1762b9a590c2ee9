/**
 * A worker process for the crash test (test/jobs-crash.test.ts): the real worker over the real
 * client, simulator and fake Slack, configured by environment, with the production lock and
 * stalled-check settings (no test knobs: recovery time is what production gets), and two hooks
 * that park the process at the worst moments so the test can SIGKILL (or SIGTERM) it there:
 * - HANG_AFTER_CREATE=1: after the create POST answered, before the id is saved in the job;
 * - HANG_AFTER_SHOW=1: in the middle of a poll (a GET answered, nothing saved yet). The hang
 *   ends like a slow call would when the worker aborts it (graceful shutdown).
 * It prints one line per hook (`CREATED`, `SHOWN`) so the parent knows when to kill it. SIGTERM
 * closes the worker gracefully, as `npm start` does.
 */
import { Redis } from 'ioredis';
import { buildWorker } from '../../src/app/worker.js';
import { ScaledClock } from '../../src/clock.js';
import { createLogger } from '../../src/logger.js';
import type { ModelArtsApi } from '../../src/modelarts/api.js';
import { ModelArtsClient } from '../../src/modelarts/client.js';
import { SIMULATOR_AK, SIMULATOR_SK } from '../../src/simulator/index.js';
import { TEST_WORKER_KNOBS } from './stack.js';

function env(name: string): string {
  const v = process.env[name];
  if (!v) throw new Error(`${name} is required`);
  return v;
}

const clock = new ScaledClock({ epoch: Number(env('CLOCK_EPOCH')), scale: Number(env('CLOCK_SCALE')) });
const client = new ModelArtsClient({
  endpoint: env('SIM_URL'),
  projectId: env('SIM_PROJECT_ID'),
  auth: { kind: 'aksk', ak: SIMULATOR_AK, sk: SIMULATOR_SK },
  clock,
  timeoutMs: 5000,
});

const parkForever = (): Promise<never> => new Promise<never>(() => undefined);

/** Parks until `signal` aborts (a worker shutting down cuts its steps short), then rejects like an aborted call. */
const parkUntilAborted = (signal: AbortSignal | undefined): Promise<never> =>
  new Promise<never>((_, reject) => {
    signal?.addEventListener('abort', () => reject(new DOMException('aborted', 'AbortError')), { once: true });
  });

// A hook around the real client: the worker cannot tell the difference.
const modelarts: ModelArtsApi = new Proxy(client, {
  get(target, prop, receiver) {
    const value = Reflect.get(target, prop, receiver);
    if (prop === 'createNotebook' && process.env['HANG_AFTER_CREATE'] === '1') {
      return async (...args: Parameters<ModelArtsApi['createNotebook']>) => {
        await target.createNotebook(...args);
        process.stdout.write('CREATED\n');
        return parkForever();
      };
    }
    if (prop === 'showNotebook' && process.env['HANG_AFTER_SHOW'] === '1') {
      return async (...args: Parameters<ModelArtsApi['showNotebook']>) => {
        await target.showNotebook(...args);
        process.stdout.write('SHOWN\n');
        return parkUntilAborted(args[1]?.signal);
      };
    }
    return typeof value === 'function' ? value.bind(target) : value;
  },
});

const redis = new Redis(env('REDIS_URL'), { maxRetriesPerRequest: null });
const worker = buildWorker({
  connection: redis,
  prefix: env('QUEUE_PREFIX'),
  modelarts,
  slack: { botToken: env('SLACK_TOKEN'), apiUrl: env('SLACK_API_URL') },
  clock,
  logger: createLogger({ level: process.env['TEST_LOG_LEVEL'] ?? 'silent' }),
  home: false,
  // The stack's knobs (fast polls); the locks and stalled checks stay production's.
  testing: TEST_WORKER_KNOBS,
});
await worker.waitUntilReady();
process.stdout.write('READY\n');

process.once('SIGTERM', () => {
  void worker
    .close()
    .then(() => redis.quit())
    .then(() => client.close())
    .then(() => process.exit(0));
});
