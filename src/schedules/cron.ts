import cron, { type ScheduledTask } from 'node-cron';
import type { Logger } from '../logger.js';
import type { ScheduleTickReport } from './runner.js';
import type { ScheduleStore } from './store.js';

const SLOT_TTL_MS = 15 * 60_000;

/** The scheduler tick on node-cron, every minute, once per tick across replicas. */
export interface ScheduleCron {
  start(): void;
  stop(): Promise<void>;
  /** Claims the tick's slot (SET NX PX) and runs it only in the process that won it. */
  runTick(slot: Date): Promise<ScheduleTickReport | undefined>;
}

export function createScheduleCron(options: {
  store: ScheduleStore;
  log: Logger;
  run: () => Promise<ScheduleTickReport>;
  cronExpr?: string;
}): ScheduleCron {
  const cronExpr = options.cronExpr ?? '* * * * *';
  let task: ScheduledTask | undefined;
  let inFlight: Promise<unknown> | undefined;

  async function runTick(slot: Date): Promise<ScheduleTickReport | undefined> {
    if (!(await options.store.claimSlot(slot.toISOString(), SLOT_TTL_MS))) return undefined;
    return options.run();
  }

  return {
    start() {
      if (task) return;
      task = cron.schedule(
        cronExpr,
        async (ctx) => {
          const run = runTick(ctx.date).catch((err: unknown) => {
            options.log.error({ err }, 'schedule tick failed; the next tick retries');
          });
          inFlight = run;
          await run;
        },
        {
          noOverlap: true,
          logger: {
            info: (m: string) => options.log.debug(m),
            warn: (m: string) => options.log.warn(m),
            error: (m: string | Error, err?: Error) => options.log.error({ err: err ?? m }, 'schedule cron error'),
            debug: (m: string | Error) => options.log.debug(String(m)),
          },
        },
      );
    },
    async stop() {
      const t = task;
      task = undefined;
      if (t) {
        await t.stop();
        await t.destroy();
      }
      await inFlight;
    },
    runTick,
  };
}
