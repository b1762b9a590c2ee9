import { type Clock, ScaledClock, systemClock } from '../clock.js';
import type { Config } from '../config.js';

/**
 * The bot's clock. Against Huawei Cloud it is the system clock. Against a simulator (the
 * built-in one, or any process given `SIMULATOR_TIME_SCALE` / `SIMULATOR_CLOCK_EPOCH`) it is a
 * `ScaledClock` with the simulator's scale and epoch, so lease maths (`create_at + duration -
 * now`) agree between the bot and the simulated cloud, across processes too.
 */
export function clockFor(config: Config): Clock {
  const env = config.env;
  const simulated =
    config.modelarts.auth.kind === 'simulator' ||
    env.SIMULATOR_TIME_SCALE !== 1 ||
    env.SIMULATOR_CLOCK_EPOCH !== undefined;
  if (!simulated) return systemClock;
  return new ScaledClock({
    scale: env.SIMULATOR_TIME_SCALE,
    ...(env.SIMULATOR_CLOCK_EPOCH !== undefined ? { epoch: env.SIMULATOR_CLOCK_EPOCH } : {}),
  });
}
