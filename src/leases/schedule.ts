import cron, { type ScheduledTask } from 'node-cron';
import { ConfigError } from '../errors.js';
import type { Logger } from '../logger.js';
import type { LeaseState } from './state.js';
import type { LeaseScanReport, LeaseWatcher } from './watcher.js';

const SLOT_TTL_MS = 15 * 60_000;

/**
 * The scan on a cron schedule, once per tick across replicas: each tick claims its slot in Redis
 * (SET NX PX) and only the winner scans. Throws ConfigError for an invalid cron expression.
 */
export function createLeaseSchedule(options: {
  cronExpr: string;
  state: LeaseState;
  log: Logger;
  scan: () => Promise<LeaseScanReport>;
}): Pick<LeaseWatcher, 'start' | 'stop' | 'runTick'> {
  const { cronExpr, state, log } = options;
  if (!cron.validate(cronExpr)) {
    throw new ConfigError(`LEASE_SCAN_CRON "${cronExpr}" is not a valid cron expression (e.g. "* * * * *").`);
  }

  let task: ScheduledTask | undefined;
  let inFlight: Promise<unknown> | undefined;

  async function runTick(slot: Date): Promise<LeaseScanReport | undefined> {
    const slotId = slot.toISOString();
    if (!(await state.claimSlot(slotId, SLOT_TTL_MS))) {
      log.debug({ slot: slotId }, 'lease scan slot taken by another process');
      return undefined;
    }
    return options.scan();
  }

  const cronLogger = {
    info: (m: string) => log.debug(m),
    warn: (m: string) => log.warn(m),
    error: (m: string | Error, err?: Error) => log.error({ err: err ?? m }, 'lease scan scheduler error'),
    debug: (m: string | Error) => log.debug(String(m)),
  };

  return {
    start() {
      if (task) return;
      task = cron.schedule(
        cronExpr,
        async (ctx) => {
          const run = runTick(ctx.date).catch((err: unknown) => {
            log.error({ err }, 'lease scan failed; the next tick retries');
          });
          inFlight = run;
          await run;
        },
        { noOverlap: true, logger: cronLogger },
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
