/**
 * Working-hours schedules: a notebook that starts and stops on a weekly schedule in a time zone,
 * with a say before each stop (the lease warning's "Skip tonight's stop").
 *
 * Composition root: `createScheduleService(...)` for the Slack side (commands, form, buttons,
 * App Home) and the lease watch (`scheduledStop`); in the scheduler role
 * `createScheduleRunner(...)` on `createScheduleCron(...)` (one tick per minute across replicas).
 */

export { createScheduleCron, type ScheduleCron } from './cron.js';
export { createScheduleRunner, type ScheduleRunnerDeps, type ScheduleTickReport, stopTarget } from './runner.js';
export {
  createScheduleService,
  type ScheduleActor,
  type ScheduledStop,
  type ScheduleResult,
  type ScheduleService,
  type ScheduleServiceDeps,
  type ScheduleTarget,
} from './service.js';
export {
  describeSpec,
  leaseProblem,
  MAX_WINDOW_MS,
  parseDays,
  parseHours,
  parseTimeZone,
  type ScheduleSpec,
  type ScheduleWindow,
  weeklyHours,
  windowsAt,
  windowsBetween,
} from './spec.js';
export { type Schedule, type ScheduleSkip, ScheduleStore } from './store.js';
