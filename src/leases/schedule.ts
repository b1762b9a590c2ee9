import cron from 'node-cron';
import { ConfigError } from '../errors.js';
import type { Logger } from '../logger.js';
import { createSlotCron } from '../store/index.js';
import type { LeaseState } from './state.js';
import type { LeaseScanReport, LeaseWatcher } from './watcher.js';

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

  return createSlotCron({
    cronExpr,
    what: 'lease scan',
    log,
    claimSlot: (slotId, ttlMs) => state.claimSlot(slotId, ttlMs),
    run: options.scan,
  });
}
