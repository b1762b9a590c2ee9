import cron, { type ScheduledTask } from 'node-cron';
import type { Logger } from '../logger.js';

/** How long a claimed slot stays taken: longer than any tick runs, short enough to expire. */
const SLOT_TTL_MS = 15 * 60_000;

/** A cron job that runs in one replica per tick (the lease scan, the working-hours tick). */
export interface SlotCron<T> {
  start(): void;
  /** Stops the schedule and waits for a tick in progress. */
  stop(): Promise<void>;
  /** Claims the tick's slot and runs it only in the process that won it; undefined elsewhere. */
  runTick(slot: Date): Promise<T | undefined>;
}

/**
 * Runs `run` on `cronExpr`, once per tick across replicas: each tick claims its slot (`claimSlot`,
 * a SET NX PX in Redis, keyed by the tick's time) and only the winner runs. A failed tick is
 * logged; the next one tries again. `what` names it in the logs ("lease scan").
 */
export function createSlotCron<T>(options: {
  cronExpr: string;
  what: string;
  log: Logger;
  claimSlot: (slotId: string, ttlMs: number) => Promise<boolean>;
  run: () => Promise<T>;
}): SlotCron<T> {
  const { log, what } = options;
  let task: ScheduledTask | undefined;
  let inFlight: Promise<unknown> | undefined;

  async function runTick(slot: Date): Promise<T | undefined> {
    const slotId = slot.toISOString();
    if (!(await options.claimSlot(slotId, SLOT_TTL_MS))) {
      log.debug({ slot: slotId }, `${what} slot taken by another process`);
      return undefined;
    }
    return options.run();
  }

  return {
    start() {
      if (task) return;
      task = cron.schedule(
        options.cronExpr,
        async (ctx) => {
          const run = runTick(ctx.date).catch((err: unknown) => {
            log.error({ err }, `${what} failed; the next tick retries`);
          });
          inFlight = run;
          await run;
        },
        {
          noOverlap: true,
          logger: {
            info: (m: string) => log.debug(m),
            warn: (m: string) => log.warn(m),
            error: (m: string | Error, err?: Error) => log.error({ err: err ?? m }, `${what} scheduler error`),
            debug: (m: string | Error) => log.debug(String(m)),
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
