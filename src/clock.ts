/**
 * Time as the bot and the simulator see it. Production uses the system clock; tests, the demo
 * and benchmarks share a scaled clock with the simulator so that a 1-hour lease or a 10-minute
 * creation passes in seconds, and lease maths (`create_at + duration - now`) stays consistent.
 */
export interface Clock {
  now(): number;
}

export const systemClock: Clock = { now: () => Date.now() };

export interface ScaledClockOptions {
  /** Real epoch ms at which scaled time equals real time. Processes sharing it agree on "now". */
  epoch?: number;
  /** How many simulated ms pass per real ms (1 = real time). */
  scale: number;
}

/** Simulated time runs `scale` times faster than real time from `epoch`. */
export class ScaledClock implements Clock {
  readonly epoch: number;
  readonly scale: number;
  private offset = 0;

  constructor(options: ScaledClockOptions) {
    this.epoch = options.epoch ?? Date.now();
    this.scale = options.scale;
  }

  now(): number {
    const real = Date.now();
    return Math.round(this.epoch + (real - this.epoch) * this.scale) + this.offset;
  }

  /** Jumps forward (tests: "an hour later"). */
  advance(ms: number): void {
    this.offset += ms;
  }

  /** Real milliseconds that correspond to `simMs` of simulated time. */
  toRealMs(simMs: number): number {
    return simMs / this.scale;
  }
}

/** A clock that only moves when told to: fully deterministic tests. */
export class ManualClock implements Clock {
  private t: number;
  constructor(start = Date.UTC(2026, 0, 1)) {
    this.t = start;
  }
  now(): number {
    return this.t;
  }
  advance(ms: number): void {
    this.t += ms;
  }
  set(ms: number): void {
    this.t = ms;
  }
}
