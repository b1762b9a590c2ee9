import type { Redis } from 'ioredis';
import type { AccessControl } from '../access/index.js';
import type { Clock } from '../clock.js';
import type { Logger } from '../logger.js';
import type { CreateDefaults } from '../messages/index.js';
import type { ModelArtsApi } from '../modelarts/index.js';
import type { OnApprovalRequired, OperationQueue } from '../operations/index.js';
import type { ScheduleService } from '../schedules/index.js';
import type { NotebookStore } from '../store/index.js';
import type { Catalog } from './catalog.js';

/** The notebook records the Slack surface reads, and writes when an admin adopts a notebook (a subset of NotebookStore). */
export type NotebookRecords = Pick<NotebookStore, 'get' | 'getMany' | 'listByOwner' | 'put' | 'patch'>;

/** Everything the listeners need, injected once by `createSlackApp`. */
export interface SlackDeps {
  modelarts: ModelArtsApi;
  queue: OperationQueue;
  store: NotebookRecords;
  access: AccessControl;
  redis: Redis;
  clock: Clock;
  logger: Logger;
  /** Redis key prefix, e.g. `{nbbot}`. */
  prefix: string;
  defaults: CreateDefaults;
  catalog: Catalog;
  /** The slash command, `/notebook` unless configured otherwise. */
  commandName: string;
  onApprovalRequired?: OnApprovalRequired | undefined;
  /** Re-renders a user's App Home tab (from the records; `live` asks ModelArts first). Never throws. */
  publishHome(userId: string, options?: { live?: boolean }): Promise<void>;
  /** Limits of the bounded waits (ms); defaults suit Slack's 3 s. */
  timing: SlackTiming;
  /** Working-hours schedules (src/schedules); absent: `/notebook schedule` says they are not set up. */
  schedules?: ScheduleService | undefined;
}

/** Bounded waits, in ms. */
export interface SlackTiming {
  /** Longest wait for the access check before a modal is acked (the check then goes on). */
  accessWaitMs: number;
  /** ModelArts calls made after the ack (name lookups, status). */
  lookupTimeoutMs: number;
  /** Per-notebook live status on App Home and `list mine`. */
  liveStatusTimeoutMs: number;
  /** Catalog wait inside an options request or a view submission. */
  catalogWaitMs: number;
}

export const DEFAULT_TIMING: SlackTiming = {
  accessWaitMs: 1500,
  lookupTimeoutMs: 10_000,
  liveStatusTimeoutMs: 2500,
  catalogWaitMs: 1200,
};
