import type { Feature, LeaseType, NotebookStatus } from './contract.js';
import type { LifecycleTimings, SimUser } from './defaults.js';
import { type Lang, say, type Text, text } from './language.js';

/**
 * The lifecycle of one instance, evaluated lazily: a record holds the status it entered and
 * when, plus what was planned for it (fail, hang); every read calls {@link advance}, which
 * replays the transitions whose time has come. No timers exist, so 10,000 instances cost nothing
 * while nobody looks at them, and a ManualClock or ScaledClock drives everything.
 *
 * CREATING (steps 1–4) → STARTING → RUNNING → (lease ends or stop) STOPPING → STOPPED;
 * STOPPED/START_FAILED → (start) STARTING → RUNNING; DELETING → gone.
 *
 * The lease ends the run at `lease.createAt + lease.duration` (`model_lease.go`: "创建时间+duration"),
 * so a start or a renewal that moves the end changes `duration`, never `createAt`.
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
  failCreate?: Text;
  /** Creation never finishes: step 4 stays PROCESSING. */
  hangCreate?: boolean;
  /** The next STARTING phase ends in START_FAILED with this reason. */
  failStart?: Text;
  /** The next STARTING phase never ends. */
  hangStart?: boolean;
  /** DELETING ends in DELETE_FAILED with this reason instead of removing the instance. */
  failDelete?: Text;
}

export interface VolumeState {
  category: string;
  ownership: string;
  capacity: number;
  uri?: string;
  id?: string;
  dewSecretName?: string;
  mountPath?: string;
  readOnly?: boolean;
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
  feature: Feature;
  flavor: string;
  imageId: string;
  workspaceId: string;
  poolId?: string;
  volume: VolumeState;
  endpoints: EndpointState[];
  dataVolumes: VolumeState[];
  hooks?: unknown;
  tags: Array<{ key: string; value: string }>;
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
  /** `fail_reason`, in both languages (`X-Language` picks one). */
  failReason?: Text;
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

/** Ends a phase that may be planned to fail once: `failed` with the planned reason (the plan used up), else `done`. */
function endPhase(
  rec: InstanceRecord,
  at: number,
  planned: 'failStart' | 'failDelete',
  failed: NotebookStatus,
  done: NotebookStatus,
): void {
  const reason = rec.plan[planned];
  if (reason === undefined) {
    enter(rec, done, at);
    return;
  }
  rec.failReason = reason;
  delete rec.plan[planned];
  enter(rec, failed, at);
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
      endPhase(rec, at, 'failStart', 'START_FAILED', 'RUNNING');
      return;
    case 'RUNNING':
      enter(rec, 'STOPPING', at);
      return;
    case 'STOPPING':
      enter(rec, 'STOPPED', at);
      return;
    case 'DELETING':
      endPhase(rec, at, 'failDelete', 'DELETE_FAILED', 'DELETED');
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

/** Step wording, as `{en, zh}` (the service localises `step_description` like `fail_reason`). */
const STEPS = [
  {
    waiting: text('Waiting to prepare storage', '等待准备存储'),
    processing: text('Preparing storage', '正在准备存储'),
    completed: text('Storage prepared', '存储准备完成'),
  },
  {
    waiting: text('Waiting to prepare compute resources', '等待准备计算资源'),
    processing: text('Preparing compute resources', '正在准备计算资源'),
    completed: text('Compute resources prepared', '计算资源准备完成'),
  },
  {
    waiting: text('Waiting to configure the network', '等待配置网络'),
    processing: text('Configuring the network', '正在配置网络'),
    completed: text('Network configured', '网络配置完成'),
  },
  {
    waiting: text('Waiting to initialize the instance', '等待初始化实例'),
    processing: text('Initializing the instance', '正在初始化实例'),
    completed: text('Instance initialized', '实例初始化完成'),
  },
] as const;

function step(id: string, index: number, status: StepStatus, lang: Lang, failReason?: Text): ActionProgressItem {
  const d = STEPS[index]!;
  const step_description =
    status === 'WAITING'
      ? say(d.waiting, lang)
      : status === 'PROCESSING'
        ? say(d.processing, lang)
        : status === 'COMPLETED'
          ? say(d.completed, lang)
          : lang === 'en'
            ? `${d.processing.en} failed: ${failReason?.en ?? 'unknown error'}`
            : `${d.processing.zh}失败：${failReason?.zh ?? '未知错误'}`;
  return { notebook_id: id, step: index + 1, status, step_description };
}

/** `action_progress` as of `now` (call after {@link advance}), its descriptions in `lang`. */
export function actionProgress(
  rec: InstanceRecord,
  now: number,
  t: LifecycleTimings,
  lang: Lang = 'en',
): ActionProgressItem[] {
  if (rec.createOutcome === 'done') return STEPS.map((_, i) => step(rec.id, i, 'COMPLETED', lang));
  if (rec.createOutcome === 'failed') {
    return STEPS.map((_, i) =>
      step(rec.id, i, i === 0 ? 'COMPLETED' : i === 1 ? 'FAILED' : 'WAITING', lang, rec.failReason),
    );
  }
  const elapsed = now - rec.phaseStart;
  let boundary = 0;
  return STEPS.map((_, i) => {
    const begin = boundary;
    boundary += t.createSteps[i]!;
    const isLast = i === STEPS.length - 1;
    if (elapsed >= boundary && !(isLast && rec.plan.hangCreate)) return step(rec.id, i, 'COMPLETED', lang);
    if (elapsed >= begin) return step(rec.id, i, 'PROCESSING', lang);
    return step(rec.id, i, 'WAITING', lang);
  });
}

function sum(values: readonly number[]): number {
  let s = 0;
  for (const v of values) s += v;
  return s;
}
