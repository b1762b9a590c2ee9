import type { Logger } from '../logger.js';
import { createSlotCron, type SlotCron } from '../store/index.js';
import type { ScheduleTickReport } from './runner.js';
import type { ScheduleStore } from './store.js';

/** The scheduler tick on node-cron, every minute, once per tick across replicas. */
export type ScheduleCron = SlotCron<ScheduleTickReport>;

export function createScheduleCron(options: {
  store: ScheduleStore;
  log: Logger;
  run: () => Promise<ScheduleTickReport>;
  cronExpr?: string;
}): ScheduleCron {
  return createSlotCron({
    cronExpr: options.cronExpr ?? '* * * * *',
    what: 'schedule tick',
    log: options.log,
    claimSlot: (slotId, ttlMs) => options.store.claimSlot(slotId, ttlMs),
    run: options.run,
  });
}
