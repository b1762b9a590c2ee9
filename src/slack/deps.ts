import type { WebClient } from '@slack/web-api';
import type { Redis } from 'ioredis';
import type { HeldRequest } from '../access/approvals.js';
import type { AccessControl, AccessRequest } from '../access/types.js';
import type { Clock } from '../clock.js';
import type { OperationQueue } from '../jobs/types.js';
import type { Logger } from '../logger.js';
import type { CreateDefaults } from '../messages/create-modal.js';
import type { ModelArtsApi } from '../modelarts/api.js';
import type { NotebookStore } from '../store/notebooks.js';
import type { Catalog } from './catalog.js';

/** The notebook records the Slack surface reads, and writes when an admin adopts a notebook (a subset of NotebookStore). */
export type NotebookRecords = Pick<NotebookStore, 'get' | 'getMany' | 'listByOwner' | 'put' | 'patch'>;

/** An operation that an access rule says needs an admin's approval before it may run. */
export interface ApprovalRequest {
  /**
   * The operation, ready to enqueue once approved (no status message posted yet), or a person's
   * request to be linked to an IAM user (applied, not queued, once approved).
   */
  operation: HeldRequest;
  /** The request the access check judged. */
  access: AccessRequest;
  /** Which rule asked, and why (for the admins' message). */
  approval: { rule: string; reason: string };
  /** Bot client, to message admins. */
  client: WebClient;
}

/**
 * Hook for the approval flow (src/access `Approvals.requestApproval`). Called instead of
 * enqueueing when `check` answers `{allowed: true, approval}`; the flow asks the admins, audits
 * the request, tells the requester it waits, and enqueues the operation once approved.
 */
export type OnApprovalRequired = (request: ApprovalRequest) => Promise<void>;

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
