import type { CostQuote } from '../messages/index.js';
import type { CreateNotebookRequest, LeaseType } from '../modelarts/index.js';

/**
 * The contract between the Slack side (which enqueues) and the workers (which act).
 * Job data is JSON in Redis: keep it small, and never put a secret or the notebook token in it.
 */
export const OPERATION_KINDS = ['create', 'start', 'stop', 'delete', 'extend'] as const;
export type OperationKind = (typeof OPERATION_KINDS)[number];

/** Who asked, and where progress goes. */
export interface Requester {
  userId: string;
  teamId?: string;
  /** Channel (or DM) of the status message. */
  channelId: string;
}

interface OperationBase {
  /** Stable id of this request (also the BullMQ job id): a replay of the same request maps to it. */
  opId: string;
  requester: Requester;
  /** The status message the web side posted for this operation (updated in place by the worker). */
  statusTs?: string;
  /**
   * The thread the web side posted `statusTs` in, when it did (a button on App Home answers in
   * the notebook's thread); absent = the top level of `requester.channelId`. A status message the
   * worker posts itself goes in `threadTs`.
   */
  statusThreadTs?: string;
  /** Thread to reply in, when the notebook already has one. */
  threadTs?: string;
  requestedAt: number;
  /** Set when a working-hours schedule asked for it (src/schedules): how the schedule reads. */
  schedule?: string;
  /**
   * What the run time this operation adds costs (create/start: the lease; extend: the added
   * time) at the policy's price for its flavor, quoted when it was submitted; shown in every
   * state of its status message. Absent without a price.
   */
  cost?: CostQuote;
}

export interface CreateOperation extends OperationBase {
  kind: 'create';
  /** Already validated with CreateNotebookRequestSchema. */
  request: CreateNotebookRequest;
}

export interface StartOperation extends OperationBase {
  kind: 'start';
  notebookId: string;
  name: string;
  durationMs: number;
  leaseType: LeaseType;
}

export interface StopOperation extends OperationBase {
  kind: 'stop';
  notebookId: string;
  name: string;
}

export interface DeleteOperation extends OperationBase {
  kind: 'delete';
  notebookId: string;
  name: string;
}

/**
 * Adds `addMs` to the lease. RenewLease's `duration` is the total run time counted from
 * `lease.create_at`, so the new duration is the current one plus `addMs`, capped at 72 h
 * (the API's maximum); the user is told when the cap applied.
 */
export interface ExtendOperation extends OperationBase {
  kind: 'extend';
  notebookId: string;
  name: string;
  addMs: number;
}

export type Operation = CreateOperation | StartOperation | StopOperation | DeleteOperation | ExtendOperation;

/** What a worker persists in the job as it goes, so a re-run after a crash resumes, not repeats. */
export interface OperationProgress {
  /** Set right after the create POST answers (or after a lookup found the instance). */
  notebookId?: string;
  step?: string;
  /** When polling started (for the ready timeout). */
  pollStartedAt?: number;
  pollDelayMs?: number;
  timeoutNotified?: boolean;
  readyNotified?: boolean;
  statusTs?: string;
  /**
   * The conversation the worker posted the status message in, when not `requester.channelId`
   * (a direct message: the bot could not post in the channel, or the web side knew no channel).
   */
  statusChannel?: string;
  /** Consecutive times Slack did not take the status message (429, 5xx, no answer); reset once it did. */
  slackFailures?: number;
  /**
   * Clock time just before the first create POST was sent. Present means a POST may have reached
   * ModelArts, so a re-run looks the instance up by name (created at/after this, minus a skew)
   * before it may POST again. Absent means no POST was ever sent.
   */
  createAttemptedAt?: number;
  /**
   * Extend: when the lease is to end (epoch ms), computed once and saved before the renewal, so a
   * re-run sends `end − now` for the same end instead of adding again.
   */
  leaseEndAt?: number;
  /** Extend: the 72 h limit reduced the extension. */
  leaseCapped?: boolean;
  /** Consecutive transient ModelArts failures (5xx, timeouts, connection); reset on success. */
  transientFailures?: number;
  /** Last ModelArts status seen. */
  lastStatus?: string;
  /**
   * Digest of the status message content last handed to the Slack queue: a poll that would show
   * the same thing again publishes nothing (no Redis write, no render job).
   */
  statusHash?: string;
  /** The observed record fields this job last wrote (status, url, lease, flavor): unchanged, no write. */
  observedKey?: string;
}

/** What a job of the `ops` queue carries: the request, and what was done so far. */
export interface OperationJobData {
  op: Operation;
  progress: OperationProgress;
}

/** A job's return value (kept in Redis with the finished job: no secrets, no token). */
export interface OperationResult {
  /** `ready`: create/start reached RUNNING; `done`: stop/delete/extend finished. */
  outcome: 'ready' | 'done';
  notebookId?: string;
  status?: string;
  /** The outcome sentence shown to the user. */
  detail?: string;
}

export interface EnqueueResult {
  jobId: string;
  /** True when this request was already queued (Slack retry, double click): nothing new was done. */
  duplicate: boolean;
}

/** Implemented by src/jobs/producer.ts. */
export interface OperationQueue {
  enqueue(op: Operation): Promise<EnqueueResult>;
}
