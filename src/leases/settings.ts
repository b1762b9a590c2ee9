import type { Env } from '../config.js';

/** The lease watch's share of the configuration, ready to spread into `createLeaseWatcher`. */
export interface LeaseWatchSettings {
  cron: string;
  warnMinutes: readonly number[];
  watchAll: boolean;
  defaultChannel?: string;
}

/** Maps `LEASE_SCAN_CRON`, `LEASE_WARN_MINUTES`, `WATCH_ALL_NOTEBOOKS` and `DEFAULT_CHANNEL`. */
export function leaseWatchSettings(
  env: Pick<Env, 'LEASE_SCAN_CRON' | 'LEASE_WARN_MINUTES' | 'WATCH_ALL_NOTEBOOKS' | 'DEFAULT_CHANNEL'>,
): LeaseWatchSettings {
  return {
    cron: env.LEASE_SCAN_CRON,
    warnMinutes: env.LEASE_WARN_MINUTES,
    watchAll: env.WATCH_ALL_NOTEBOOKS,
    ...(env.DEFAULT_CHANNEL ? { defaultChannel: env.DEFAULT_CHANNEL } : {}),
  };
}
