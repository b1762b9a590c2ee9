/**
 * The lease watch: warns owners before ModelArts stops their notebooks at the end of the lease,
 * offers extend/stop/dismiss buttons, and reports once when a lease did stop a notebook.
 *
 * Composition root: `createLeaseWatcher(...)` in the scheduler role (`start()` on boot, `stop()`
 * on SIGTERM), `registerLeaseActions(app, ...)` in the web role.
 */

export type { ScheduledStopLookup } from './plan.js';
export { type LeaseWatchSettings, leaseWatchSettings } from './settings.js';
export { LeaseState } from './state.js';
export {
  createLeaseWatcher,
  type LeaseNoticeEvent,
  type LeaseScanReport,
  type LeaseWatcher,
  type LeaseWatcherOptions,
  markBotStop,
} from './watcher.js';
