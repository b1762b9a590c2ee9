import type { Env } from '../../config.js';

/** A sustained rate with a burst allowance (a token bucket: `burst` calls at once, then `perMinute`). */
export interface SlackRate {
  perMinute: number;
  burst: number;
}

/**
 * How fast the Slack queue may call each Web API method, per workspace, shared by every worker
 * process (the budgets live in Redis). Slack's own limits are per method: `chat.update` is Tier 3
 * (~50 a minute, short bursts tolerated), `views.publish` Tier 4 (~100 a minute),
 * `chat.postMessage` about one message a second per channel with bursts. Pacing below them keeps
 * 429s rare; a 429 still pauses the queue for its Retry-After. `false` leaves a method unpaced.
 */
export interface SlackPacing {
  /** `chat.update` of status messages, all messages together. */
  update: SlackRate | false;
  /** `chat.postMessage` of thread replies, per channel. */
  postPerChannel: SlackRate | false;
  /** `views.publish` of App Home refreshes. */
  publish: SlackRate | false;
}

export const DEFAULT_SLACK_PACING: Readonly<SlackPacing> = {
  update: { perMinute: 50, burst: 10 },
  postPerChannel: { perMinute: 60, burst: 3 },
  publish: { perMinute: 100, burst: 20 },
};

/** Pacing from the validated environment (`loadConfig().env`); bursts keep their defaults. */
export function slackPacingFromEnv(
  env: Pick<Env, 'SLACK_UPDATES_PER_MINUTE' | 'SLACK_POSTS_PER_CHANNEL_PER_MINUTE' | 'SLACK_HOME_PUBLISHES_PER_MINUTE'>,
): SlackPacing {
  const rate = (base: SlackRate | false, perMinute: number): SlackRate => ({
    perMinute,
    burst: base ? base.burst : 1,
  });
  return {
    update: rate(DEFAULT_SLACK_PACING.update, env.SLACK_UPDATES_PER_MINUTE),
    postPerChannel: rate(DEFAULT_SLACK_PACING.postPerChannel, env.SLACK_POSTS_PER_CHANNEL_PER_MINUTE),
    publish: rate(DEFAULT_SLACK_PACING.publish, env.SLACK_HOME_PUBLISHES_PER_MINUTE),
  };
}

/** A budget in the form the scripts take: least ms between calls, and how far ahead a burst may go. */
export interface Budget {
  intervalMs: number;
  toleranceMs: number;
}

export function budgetOf(rate: SlackRate | false | undefined): Budget | undefined {
  if (!rate || !(rate.perMinute > 0)) return undefined;
  const intervalMs = Math.max(1, Math.ceil(60_000 / rate.perMinute));
  return { intervalMs, toleranceMs: Math.max(0, Math.floor(rate.burst) - 1) * intervalMs };
}

/** Resolved pacing of one worker. */
export interface Pacing {
  update?: Budget | undefined;
  post?: Budget | undefined;
  publish?: Budget | undefined;
}

/**
 * The budgets a worker runs with: `pacing` over the defaults; none with `pacing: false`, nor when
 * only a plain queue-wide `limiter` is given (see SlackWorkerOptions).
 */
export function resolvePacing(options: { pacing?: Partial<SlackPacing> | false; limiter?: unknown }): Pacing {
  const paced =
    options.pacing === false
      ? undefined
      : options.pacing !== undefined
        ? { ...DEFAULT_SLACK_PACING, ...options.pacing }
        : options.limiter
          ? undefined
          : DEFAULT_SLACK_PACING;
  return {
    update: budgetOf(paced?.update),
    post: budgetOf(paced?.postPerChannel),
    publish: budgetOf(paced?.publish),
  };
}

/** Up to 20 % more, so jobs parked together do not all wake together. */
export function jitter(ms: number): number {
  return Math.round(ms * (1 + Math.random() * 0.2));
}
