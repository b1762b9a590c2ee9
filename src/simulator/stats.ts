/**
 * Call counters and a bounded request log, for assertions ("the client retried 3 times") and for
 * the demo. Every routed API request counts, whatever its outcome (faulted, rejected, served).
 */

/** The operations the simulator serves; `unknown` is a path or method no API matches. */
export const SIM_OPERATIONS = [
  'iamToken',
  'create',
  'list',
  'show',
  'update',
  'delete',
  'start',
  'stop',
  'showLease',
  'renewLease',
  'listFlavors',
  'switchableFlavors',
  'listImages',
  'unknown',
] as const;
export type SimOperation = (typeof SIM_OPERATIONS)[number];

/** One answered (or dropped) API request. */
export interface RequestLogEntry {
  requestId: string;
  /** Simulated time at arrival (the injected clock). */
  at: number;
  method: string;
  /** Path and query as sent. */
  path: string;
  operation: SimOperation;
  /** HTTP status; 0 when the connection was dropped. */
  status: number;
  errorCode?: string;
  /** `aksk` or `token` when authentication succeeded. */
  auth?: 'aksk' | 'token';
  /** The transport fault applied, if any. */
  fault?: 'throttle' | 'server_error' | 'drop' | 'delay';
  /** Real milliseconds spent answering. */
  durationMs: number;
}

export interface StatsSnapshot {
  total: number;
  calls: Record<SimOperation, number>;
  byStatus: Record<string, number>;
  byErrorCode: Record<string, number>;
  log: RequestLogEntry[];
}

function zeroCalls(): Record<SimOperation, number> {
  return Object.fromEntries(SIM_OPERATIONS.map((op) => [op, 0])) as Record<SimOperation, number>;
}

/** Live counters: `stats.calls.create`, `stats.total`, `stats.log`. */
export class SimulatorStats {
  /** Requests per operation, counted on arrival. */
  readonly calls: Record<SimOperation, number> = zeroCalls();
  /** Answers per HTTP status (`"0"` = dropped). */
  readonly byStatus: Record<string, number> = {};
  /** Answers per `error_code`. */
  readonly byErrorCode: Record<string, number> = {};
  private entries: RequestLogEntry[] = [];

  /** @param logLimit how many recent requests `log` keeps (older ones are discarded). */
  constructor(private readonly logLimit = 1000) {}

  /** Every API request counted so far. */
  get total(): number {
    let n = 0;
    for (const op of SIM_OPERATIONS) n += this.calls[op];
    return n;
  }

  /** The most recent requests, oldest first (at most `logLimit`). */
  get log(): readonly RequestLogEntry[] {
    if (this.entries.length > this.logLimit) this.entries = this.entries.slice(-this.logLimit);
    return this.entries;
  }

  /** Requests of the log matching `operation`. */
  requests(operation: SimOperation): RequestLogEntry[] {
    return this.log.filter((e) => e.operation === operation);
  }

  /** Counts an arriving request. */
  arrived(operation: SimOperation): void {
    this.calls[operation]++;
  }

  /** Records how a request ended. */
  finished(entry: RequestLogEntry): void {
    const s = String(entry.status);
    this.byStatus[s] = (this.byStatus[s] ?? 0) + 1;
    if (entry.errorCode) this.byErrorCode[entry.errorCode] = (this.byErrorCode[entry.errorCode] ?? 0) + 1;
    this.entries.push(entry);
    // Trim in batches so the hot path stays O(1) amortised.
    if (this.entries.length >= this.logLimit * 2) this.entries = this.entries.slice(-this.logLimit);
  }

  reset(): void {
    for (const op of SIM_OPERATIONS) this.calls[op] = 0;
    for (const k of Object.keys(this.byStatus)) delete this.byStatus[k];
    for (const k of Object.keys(this.byErrorCode)) delete this.byErrorCode[k];
    this.entries = [];
  }

  /** A JSON copy; `logTail` limits how many log entries are included (default all kept). */
  snapshot(logTail?: number): StatsSnapshot {
    const log = this.log;
    return {
      total: this.total,
      calls: { ...this.calls },
      byStatus: { ...this.byStatus },
      byErrorCode: { ...this.byErrorCode },
      log: logTail === undefined ? [...log] : log.slice(Math.max(0, log.length - logTail)),
    };
  }
}
