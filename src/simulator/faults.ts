import { same, type Text, text } from './language.js';
import type { InstancePlan } from './lifecycle.js';
import type { SimOperation } from './stats.js';

/**
 * Injected failures, in two families:
 * - lifecycle faults decide how the next creates / starts / deletes end (CREATE_FAILED with a
 *   `fail_reason`, START_FAILED, hanging forever);
 * - transport faults act on the next HTTP requests before they reach the API: 429 throttling,
 *   5xx, slow answers, dropped connections. Their windows (`forMs`) and delays are real
 *   milliseconds, because they model the network, not the simulated cloud.
 * Admin endpoints are never affected.
 */

/** Which requests a transport fault applies to: a count, a fraction, a real-time window, operations. */
export interface RequestMatch {
  /** Affect the next `count` matching requests (default 1 when neither `fraction` nor `forMs` is given). */
  count?: number;
  /** Affect each matching request with this probability (0–1). */
  fraction?: number;
  /** Keep the fault for this many real milliseconds. */
  forMs?: number;
  /** Only these operations (default: every API operation, IAM included). */
  operations?: readonly SimOperation[];
}

export interface ThrottleFault extends RequestMatch {
  /** `Retry-After` in seconds (default 2, Huawei's advice being 2–5 s). */
  retryAfterSec?: number;
}

export interface ServerErrorFault extends RequestMatch {
  /** 500 (ModelArts.0010 JSON), 502 (an HTML page, as a load balancer sends), 503 or 504 (APIG JSON). Default 503. */
  status?: 500 | 502 | 503 | 504;
}

export interface DelayFault extends RequestMatch {
  /**
   * Real milliseconds to wait before answering. The request is processed first, so a client that
   * gives up still changed the state: the "lost answer" case. Without `count`, `fraction` or
   * `forMs` the delay stays until cleared.
   */
  ms: number;
}

export interface DropFault extends RequestMatch {
  /**
   * Drop the connection after the request was processed (the create happened, the answer was
   * lost) instead of before (default false: the request never arrives).
   */
  afterProcessing?: boolean;
}

/** What happens to one request. */
export type TransportAction =
  | { kind: 'throttle'; retryAfterSec: number }
  | { kind: 'server_error'; status: 500 | 502 | 503 | 504 }
  | { kind: 'drop'; afterProcessing: boolean };

export interface TransportDecision {
  delayMs: number;
  action?: TransportAction;
}

type RuleKind = 'throttle' | 'server_error' | 'drop' | 'delay';

interface Rule {
  kind: RuleKind;
  remaining?: number;
  fraction?: number;
  until?: number;
  operations?: ReadonlySet<SimOperation>;
  retryAfterSec: number;
  status: 500 | 502 | 503 | 504;
  delayMs: number;
  afterProcessing: boolean;
}

/** A JSON-friendly description of what is armed (GET /__sim/faults). */
export interface FaultsSnapshot {
  createFailures: number;
  startFailures: number;
  deleteFailures: number;
  hangCreates: number;
  hangStarts: number;
  requestFaults: Array<{
    kind: RuleKind;
    remaining?: number;
    fraction?: number;
    remainingMs?: number;
    operations?: SimOperation[];
    retryAfterSec?: number;
    status?: number;
    delayMs?: number;
    afterProcessing?: boolean;
  }>;
}

interface Queue {
  count: number;
  reason?: string;
}

/** Programmatic fault injection; the admin endpoints call the same methods. */
export class Faults {
  private createFailures: Queue = { count: 0 };
  private startFailures: Queue = { count: 0 };
  private deleteFailures: Queue = { count: 0 };
  private hangCreates = 0;
  private hangStarts = 0;
  private rules: Rule[] = [];

  constructor(
    private readonly random: () => number = Math.random,
    private readonly realNow: () => number = () => performance.now(),
  ) {}

  /** The next `count` creates end in CREATE_FAILED after step 2 (compute), with `reason` (default: insufficient resources for the flavor). */
  failNextCreates(count = 1, reason?: string): void {
    this.createFailures = { count: this.createFailures.count + count, ...(reason ? { reason } : {}) };
  }

  /** The next `count` starts end in START_FAILED with `reason`. */
  failNextStarts(count = 1, reason?: string): void {
    this.startFailures = { count: this.startFailures.count + count, ...(reason ? { reason } : {}) };
  }

  /** The next `count` deletes end in DELETE_FAILED with `reason`. */
  failNextDeletes(count = 1, reason?: string): void {
    this.deleteFailures = { count: this.deleteFailures.count + count, ...(reason ? { reason } : {}) };
  }

  /** The next `count` creates stay CREATING forever (step 4 PROCESSING): timeout tests. */
  hangNextCreates(count = 1): void {
    this.hangCreates += count;
  }

  /** The next `count` starts stay STARTING forever. */
  hangNextStarts(count = 1): void {
    this.hangStarts += count;
  }

  /** Answers matching requests with HTTP 429 APIG.0308 and `Retry-After`. */
  throttle(fault: ThrottleFault = {}): void {
    this.addRule('throttle', fault, { retryAfterSec: fault.retryAfterSec ?? 2 });
  }

  /** Answers matching requests with a 5xx. */
  serverErrors(fault: ServerErrorFault = {}): void {
    this.addRule('server_error', fault, { status: fault.status ?? 503 });
  }

  /** Delays matching requests by `ms` real milliseconds (they are then handled normally). */
  delay(fault: DelayFault): void {
    this.addRule('delay', fault, { delayMs: fault.ms });
  }

  /** Destroys the connection of matching requests without any answer. */
  dropConnections(fault: DropFault = {}): void {
    this.addRule('drop', fault, { afterProcessing: fault.afterProcessing ?? false });
  }

  /** Disarms everything. */
  clear(): void {
    this.createFailures = { count: 0 };
    this.startFailures = { count: 0 };
    this.deleteFailures = { count: 0 };
    this.hangCreates = 0;
    this.hangStarts = 0;
    this.rules = [];
  }

  /** Consumes the lifecycle fault for one create, if any (a hang wins over a failure). */
  takeCreatePlan(flavor: string): InstancePlan {
    if (this.hangCreates > 0) {
      this.hangCreates--;
      return { hangCreate: true };
    }
    const reason = take(this.createFailures);
    return reason === undefined ? {} : { failCreate: reasonOr(reason, failureReasons.create(flavor)) };
  }

  /** Consumes the lifecycle fault for one start, if any. */
  takeStartPlan(flavor: string): InstancePlan {
    if (this.hangStarts > 0) {
      this.hangStarts--;
      return { hangStart: true };
    }
    const reason = take(this.startFailures);
    return reason === undefined ? {} : { failStart: reasonOr(reason, failureReasons.start(flavor)) };
  }

  /** Consumes the lifecycle fault for one delete, if any. */
  takeDeletePlan(): InstancePlan {
    const reason = take(this.deleteFailures);
    return reason === undefined ? {} : { failDelete: reasonOr(reason, failureReasons.delete()) };
  }

  /**
   * Decides the fate of one API request and consumes the counts it used. Delays add up with the
   * first matching drop / 5xx / throttle, in the order the faults were armed.
   */
  decide(operation: SimOperation): TransportDecision {
    if (this.rules.length === 0) return { delayMs: 0 };
    const now = this.realNow();
    this.rules = this.rules.filter(
      (r) => (r.remaining === undefined || r.remaining > 0) && (r.until === undefined || now < r.until),
    );
    let delayMs = 0;
    let action: TransportAction | undefined;
    for (const rule of this.rules) {
      if (rule.operations && !rule.operations.has(operation)) continue;
      if (rule.kind !== 'delay' && action) continue;
      if (rule.fraction !== undefined && this.random() >= rule.fraction) continue;
      if (rule.remaining !== undefined) rule.remaining--;
      switch (rule.kind) {
        case 'delay':
          delayMs = Math.max(delayMs, rule.delayMs);
          break;
        case 'throttle':
          action = { kind: 'throttle', retryAfterSec: rule.retryAfterSec };
          break;
        case 'server_error':
          action = { kind: 'server_error', status: rule.status };
          break;
        case 'drop':
          action = { kind: 'drop', afterProcessing: rule.afterProcessing };
          break;
      }
    }
    return action ? { delayMs, action } : { delayMs };
  }

  snapshot(): FaultsSnapshot {
    const now = this.realNow();
    return {
      createFailures: this.createFailures.count,
      startFailures: this.startFailures.count,
      deleteFailures: this.deleteFailures.count,
      hangCreates: this.hangCreates,
      hangStarts: this.hangStarts,
      requestFaults: this.rules
        .filter((r) => (r.remaining === undefined || r.remaining > 0) && (r.until === undefined || now < r.until))
        .map((r) => ({
          kind: r.kind,
          ...(r.remaining !== undefined ? { remaining: r.remaining } : {}),
          ...(r.fraction !== undefined ? { fraction: r.fraction } : {}),
          ...(r.until !== undefined ? { remainingMs: Math.max(0, Math.round(r.until - now)) } : {}),
          ...(r.operations ? { operations: [...r.operations] } : {}),
          ...(r.kind === 'throttle' ? { retryAfterSec: r.retryAfterSec } : {}),
          ...(r.kind === 'server_error' ? { status: r.status } : {}),
          ...(r.kind === 'delay' ? { delayMs: r.delayMs } : {}),
          ...(r.kind === 'drop' ? { afterProcessing: r.afterProcessing } : {}),
        })),
    };
  }

  private addRule(kind: RuleKind, m: RequestMatch, extra: Partial<Rule>): void {
    const bounded = m.count !== undefined || m.fraction !== undefined || m.forMs !== undefined;
    this.rules.push({
      kind,
      retryAfterSec: 2,
      status: 503,
      delayMs: 0,
      afterProcessing: false,
      ...extra,
      ...(m.count !== undefined ? { remaining: m.count } : bounded || kind === 'delay' ? {} : { remaining: 1 }),
      ...(m.fraction !== undefined ? { fraction: m.fraction } : {}),
      ...(m.forMs !== undefined ? { until: this.realNow() + m.forMs } : {}),
      ...(m.operations && m.operations.length > 0 ? { operations: new Set(m.operations) } : {}),
    });
  }
}

/** The default `fail_reason` of each injected or sold-out failure, in both languages. */
export const failureReasons = {
  create: (flavor: string): Text =>
    text(
      `Insufficient resources for flavor ${flavor}. Try another flavor or try again later.`,
      `规格${flavor}资源不足，请更换规格或稍后重试。`,
    ),
  createSoldOut: (flavor: string): Text =>
    text(
      `Insufficient resources for flavor ${flavor} (sold out). Try another flavor or try again later.`,
      `规格${flavor}已售罄，资源不足，请更换规格或稍后重试。`,
    ),
  start: (flavor: string): Text =>
    text(`Insufficient resources for flavor ${flavor}. Try again later.`, `规格${flavor}资源不足，请稍后重试。`),
  startSoldOut: (flavor: string): Text =>
    text(
      `Insufficient resources for flavor ${flavor} (sold out). Try again later.`,
      `规格${flavor}已售罄，资源不足，请稍后重试。`,
    ),
  delete: (): Text => text('Failed to release the storage of the instance.', '释放实例存储失败。'),
  seeded: (): Text => text('Simulated failure (seeded).', '模拟失败（预置）。'),
} as const;

/** A reason a test chose reads the same in both languages; '' means the default. */
const reasonOr = (reason: string, fallback: Text): Text => (reason ? same(reason) : fallback);

/** Takes one from a queue: the reason ('' = default) or undefined when empty. */
function take(q: Queue): string | undefined {
  if (q.count <= 0) return undefined;
  q.count--;
  return q.reason ?? '';
}
