import { afterEach } from 'vitest';
import { ManualClock } from '../../src/clock.js';
import {
  createSimulator,
  SIMULATOR_PROJECT_ID,
  type Simulator,
  type SimulatorOptions,
} from '../../src/simulator/index.js';
import { type SimRequestOptions, type SimResponse, simRequest } from '../../src/simulator/signed-request.js';

/** `/v1/{project}/notebooks` of the simulator's project. */
export const NOTEBOOKS_PATH = `/v1/${SIMULATOR_PROJECT_ID}/notebooks`;

/** The simulator a test file talks to: the current one, how to (re)start it, signed calls to it. */
export interface SimulatorUnderTest {
  /** The running simulator (after `boot`). */
  readonly sim: Simulator;
  /** Its manual clock: lifecycles follow it, and so do the signatures' dates. */
  readonly clock: ManualClock;
  /**
   * Starts a simulator (stopping one still running): on `options.clock`, or a new manual clock
   * at the wall-clock time; not-found answers are 404 unless told (the simulator's default,
   * `random`, is for the job pipeline's tests).
   */
  boot(options?: Omit<SimulatorOptions, 'clock'> & { clock?: ManualClock }): Promise<void>;
  /** A signed request dated by the simulator's clock (its `X-Sdk-Date` check reads the same clock). */
  api(o: SimRequestOptions): Promise<SimResponse>;
}

/**
 * For the simulator's own tests: one simulator at a time, stopped after each test. Call at the
 * top level of a test file (it registers the `afterEach`).
 */
export function simulatorUnderTest(): SimulatorUnderTest {
  let current: { sim: Simulator; clock: ManualClock } | undefined;
  const get = () => {
    if (!current) throw new Error('the simulator is not started: call boot() first');
    return current;
  };
  const stop = async () => {
    const running = current;
    current = undefined;
    await running?.sim.stop();
  };
  afterEach(stop);
  return {
    get sim() {
      return get().sim;
    },
    get clock() {
      return get().clock;
    },
    async boot(options = {}) {
      await stop();
      const clock = options.clock ?? new ManualClock(Date.now());
      const sim = createSimulator({ ...options, clock });
      await sim.start();
      current = { sim, clock };
    },
    api(o) {
      const { sim, clock } = get();
      return simRequest(sim.url, { date: new Date(clock.now()), ...o });
    },
  };
}
