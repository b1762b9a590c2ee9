import type { LeaseType, NotebookStatus } from '../modelarts/schemas.js';
import type { LifecycleTimings, SimUser } from './defaults.js';

/**
 * The lifecycle of one instance, evaluated lazily: a record holds the status it entered and
 * when, plus what was planned for it (fail, hang); every read calls {@link advance}, which
 * replays the transitions whose time has come. No timers exist, so 10,000 instances cost nothing
 * while nobody looks at them, and a ManualClock or ScaledClock drives everything.
 *
 * CREATING (steps 1–4) → STARTING → RUNNING → (lease ends or stop) STOPPING → STOPPED;
 * STOPPED/START_FAILED → (start) STARTING → RUNNING; DELETING → gone.
 */

export interface LeaseState {
  createAt: number;
  duration: number;
  enable: boolean;
  type: LeaseType;
  updateAt: number;
}

/** What the faults or the seeder decided for the current operation. */
export interface InstancePlan {
  /** Creation stops at step 2 (compute) with CREATE_FAILED and this reason. */
  failCreate?: string;
  /** Creation never finishes: step 4 stays PROCESSING. */
  hangCreate?: boolean;
  /** The next STARTING phase ends in START_FAILED with this reason. */
  failStart?: string;
  /** The next STARTING phase never ends. */
  hangStart?: boolean;
  /** DELETING ends in DELETE_FAILED with this reason instead of removing the instance. */
  failDelete?: string;
}

export interface VolumeState {
  category: string;
  ownership: string;
  capacity: number;
  uri?: string;
  id?: string;
  /** While `now` is before this, `volume.status` is RESIZING. */
  resizeUntil?: number;
}

export interface EndpointState {
  service: string;
  keyPairNames: string[];
  allowedAccessIps: string[];
}

/** One simulated notebook. Mutable on purpose: the table owns it and only this module moves it. */
export interface InstanceRecord {
  readonly id: string;
  /** Creation order, the tie-breaker when `create_at` is equal. */
  readonly seq: number;
  name: string;
  description: string;
  feature: 'NOTEBOOK' | 'DEFAULT';
  flavor: string;
  imageId: string;
  workspaceId: string;
  poolId?: string;
  volume: VolumeState;
  endpoints: EndpointState[];
  hooks?: unknown;
  user: SimUser;
  /** The Jupyter token of the instance. */
  token: string;
  createAt: number;
  updateAt: number;
  lease: LeaseState;

  /** Status entered at `phaseStart`; what a read shows after {@link advance}. */
  status: NotebookStatus;
  phaseStart: number;
  /** Whether the current STARTING phase follows a creation (shorter) or a start call. */
  startKind: 'create' | 'start';
  /** `pending` while CREATING; afterwards whether all steps completed or step 2 failed. */
  createOutcome: 'pending' | 'done' | 'failed';
  failReason?: string;
  plan: InstancePlan;
}

/** When the current phase ends by itself, or undefined when it is stable (or hangs). */
export function phaseEnd(rec: InstanceRecord, t: LifecycleTimings): number | undefined {
  switch (rec.status) {
    case 'CREATING': {
      if (rec.plan.hangCreate) return undefined;
      const [storage, compute] = t.createSteps;
      return rec.plan.failCreate !== undefined
        ? rec.phaseStart + storage + compute
        : rec.phaseStart + sum(t.createSteps);
    }
    case 'STARTING':
      if (rec.plan.hangStart) return undefined;
      return rec.phaseStart + (rec.startKind === 'create' ? t.createStarting : t.start);
    case 'RUNNING':
      // The lease ends the run (IDLE leases too: "time left" is an upper bound there).
      return rec.lease.enable ? Math.max(rec.lease.createAt + rec.lease.duration, rec.phaseStart) : undefined;
    case 'STOPPING':
      return rec.phaseStart + t.stop;
    case 'DELETING':
      return rec.phaseStart + t.delete;
    default:
      return undefined;
  }
}

function enter(rec: InstanceRecord, status: NotebookStatus, at: number): void {
  rec.status = status;
  rec.phaseStart = at;
  rec.updateAt = at;
}

/** Performs the transition that ends the current phase, at time `at`. */
function transition(rec: InstanceRecord, at: number): void {
  switch (rec.status) {
    case 'CREATING':
      if (rec.plan.failCreate !== undefined) {
        rec.createOutcome = 'failed';
        rec.failReason = rec.plan.failCreate;
        enter(rec, 'CREATE_FAILED', at);
      } else {
        rec.createOutcome = 'done';
        rec.startKind = 'create';
        enter(rec, 'STARTING', at);
      }
      delete rec.plan.failCreate;
      return;
    case 'STARTING':
      if (rec.plan.failStart !== undefined) {
        rec.failReason = rec.plan.failStart;
        delete rec.plan.failStart;
        enter(rec, 'START_FAILED', at);
      } else {
        enter(rec, 'RUNNING', at);
      }
      return;
    case 'RUNNING':
      enter(rec, 'STOPPING', at);
      return;
    case 'STOPPING':
      enter(rec, 'STOPPED', at);
      return;
    case 'DELETING':
      if (rec.plan.failDelete !== undefined) {
        rec.failReason = rec.plan.failDelete;
        delete rec.plan.failDelete;
        enter(rec, 'DELETE_FAILED', at);
      } else {
        enter(rec, 'DELETED', at);
      }
      return;
    default:
      return;
  }
}

/**
 * Brings `rec` up to `now` by replaying every transition whose time has passed, each stamped
 * with its own time (not `now`), so `update_at` and lease maths stay exact. O(transitions).
 */
export function advance(rec: InstanceRecord, now: number, t: LifecycleTimings): void {
  // A handful of transitions at most; the bound guards against a zero-length loop.
  for (let i = 0; i < 16; i++) {
    const end = phaseEnd(rec, t);
    if (end === undefined || end > now) return;
    transition(rec, end);
  }
}

/** Starts a new operation: status `status` from `now`, clearing the last failure. */
export function beginPhase(rec: InstanceRecord, status: NotebookStatus, now: number): void {
  delete rec.failReason;
  enter(rec, status, now);
}

export type StepStatus = 'WAITING' | 'PROCESSING' | 'COMPLETED' | 'FAILED';

export interface ActionProgressItem {
  notebook_id: string;
  step: number;
  status: StepStatus;
  step_description: string;
}

const STEPS = [
  { waiting: 'Waiting to prepare storage', processing: 'Preparing storage', completed: 'Storage prepared' },
  {
    waiting: 'Waiting to prepare compute resources',
    processing: 'Preparing compute resources',
    completed: 'Compute resources prepared',
  },
  {
    waiting: 'Waiting to configure the network',
    processing: 'Configuring the network',
    completed: 'Network configured',
  },
  {
    waiting: 'Waiting to initialize the instance',
    processing: 'Initializing the instance',
    completed: 'Instance initialized',
  },
] as const;

function step(id: string, index: number, status: StepStatus, failReason?: string): ActionProgressItem {
  const d = STEPS[index]!;
  const step_description =
    status === 'WAITING'
      ? d.waiting
      : status === 'PROCESSING'
        ? d.processing
        : status === 'COMPLETED'
          ? d.completed
          : `${d.processing} failed: ${failReason ?? 'unknown error'}`;
  return { notebook_id: id, step: index + 1, status, step_description };
}

/** `action_progress` as of `now` (call after {@link advance}). */
export function actionProgress(rec: InstanceRecord, now: number, t: LifecycleTimings): ActionProgressItem[] {
  if (rec.createOutcome === 'done') return STEPS.map((_, i) => step(rec.id, i, 'COMPLETED'));
  if (rec.createOutcome === 'failed') {
    return STEPS.map((_, i) => step(rec.id, i, i === 0 ? 'COMPLETED' : i === 1 ? 'FAILED' : 'WAITING', rec.failReason));
  }
  const elapsed = now - rec.phaseStart;
  let boundary = 0;
  return STEPS.map((_, i) => {
    const begin = boundary;
    boundary += t.createSteps[i]!;
    const isLast = i === STEPS.length - 1;
    if (elapsed >= boundary && !(isLast && rec.plan.hangCreate)) return step(rec.id, i, 'COMPLETED');
    if (elapsed >= begin) return step(rec.id, i, 'PROCESSING');
    return step(rec.id, i, 'WAITING');
  });
}

function sum(values: readonly number[]): number {
  let s = 0;
  for (const v of values) s += v;
  return s;
}
