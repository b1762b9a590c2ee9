import type { WebClient } from '@slack/web-api';
import type { Redis } from 'ioredis';
import type { AccessControl, AccessRequest } from '../access/index.js';
import { type Clock, systemClock } from '../clock.js';
import { markBotStop } from '../leases/index.js';
import type { Logger } from '../logger.js';
import { escapeMrkdwn, scheduleText } from '../messages/index.js';
import {
  isNotFound,
  leaseEndsAt,
  leaseFromApi,
  MAX_LEASE_MS,
  MIN_LEASE_MS,
  type ModelArtsApi,
  TRANSITIONAL_STATUSES,
} from '../modelarts/index.js';
import {
  type ExtendOperation,
  type OnApprovalRequired,
  type Operation,
  type OperationQueue,
  type StartOperation,
  type StopOperation,
  type SubmitOutcome,
  submitOperation,
} from '../operations/index.js';
import { describeSpec, type ScheduleWindow, windowsBetween } from './spec.js';
import type { Schedule, ScheduleStore } from './store.js';

const MINUTE = 60_000;
const DAY = 86_400_000;
/** A start this long after the opening is "late" (the bot was down) and says so. */
const LATE_MS = 3 * MINUTE;
/** A lease ending this close to the wanted end already does what the schedule asks. */
const END_TOLERANCE_MS = 2 * MINUTE;
/** Closings are looked at for this long after they pass (a tick missed while down). */
const CLOSE_GRACE_MS = 6 * 3_600_000;
/**
 * How long a claimed opening or closing waits for its handler to finish before another tick may
 * take it over (Redis time: the handler is a ModelArts read and a queue write, seconds at most).
 */
export const CLAIM_IN_PROGRESS_MS = 2 * MINUTE;

/** What the scheduler needs; the composition root builds it from the shared services. */
export interface ScheduleRunnerDeps {
  api: ModelArtsApi;
  schedules: ScheduleStore;
  queue: OperationQueue;
  access: Pick<AccessControl, 'check' | 'audit'>;
  redis: Redis;
  prefix: string;
  /** Bot-token client: status messages and the scheduler's lines. */
  slack: WebClient;
  clock?: Clock;
  logger: Logger;
  /** The approvals flow (src/access), for policies that want an admin's yes first: the owner is told it waits. */
  onApprovalRequired?: OnApprovalRequired | undefined;
}

/** What one tick did, for logs and tests. */
export interface ScheduleTickReport {
  at: number;
  schedules: number;
  started: number;
  extended: number;
  stopped: number;
  skipped: number;
  failed: number;
}

/** Where a scheduled run should end: the window's close, or a later one when stops are skipped. */
export function stopTarget(
  schedule: Pick<Schedule, 'spec' | 'skips'>,
  window: ScheduleWindow,
  now: number,
): { endAt: number; capped: boolean } {
  let end = window.close;
  const skipped = new Set(schedule.skips.filter((s) => s.kind === 'stop').map((s) => s.at));
  for (let i = 0; i < 30 && skipped.has(end); i += 1) {
    const next = windowsBetween(schedule.spec, end + 1, end + 15 * DAY).find((w) => w.close > end);
    if (!next) break;
    end = next.close;
  }
  const cap = now + MAX_LEASE_MS;
  return end > cap ? { endAt: cap, capped: true } : { endAt: end, capped: false };
}

/**
 * One scheduler tick (`runOnce`): for every schedule, the opening of the window open now (start
 * the notebook with a lease to the window's end, or extend a running one's shorter lease), and
 * the closings passed since the last tick (stop a run the schedule started late, whose lease had
 * to outlast the window: ModelArts' minimum is 1 h). Each opening and closing is claimed once in
 * Redis (`SET NX`), and each operation's id is derived from it, so several replicas and restarts
 * act once. A window that closed while the bot was down is never started.
 */
export function createScheduleRunner(deps: ScheduleRunnerDeps): {
  runOnce(now?: number): Promise<ScheduleTickReport>;
} {
  const clock = deps.clock ?? systemClock;
  const log = deps.logger.child({ component: 'schedules' });

  async function post(s: Schedule, text: string): Promise<void> {
    try {
      await deps.slack.chat.postMessage({
        channel: s.channelId,
        text,
        ...(s.threadTs ? { thread_ts: s.threadTs } : {}),
        unfurl_links: false,
      });
    } catch (err) {
      log.warn({ err, notebookId: s.notebookId }, 'could not post a schedule notice');
    }
  }

  async function submit(s: Schedule, op: Operation, access: AccessRequest): Promise<SubmitOutcome> {
    return submitOperation(
      {
        logger: deps.logger,
        access: deps.access,
        redis: deps.redis,
        prefix: deps.prefix,
        clock,
        queue: deps.queue,
        ...(deps.onApprovalRequired ? { onApprovalRequired: deps.onApprovalRequired } : {}),
      },
      deps.slack,
      {
        op,
        access,
        where: { channelId: s.channelId, ...(s.threadTs ? { threadTs: s.threadTs } : {}) },
        // A refusal or failure reaches the owner where the schedule's lines go.
        reply: async (m) => post(s, scheduleText.startFailed(s.name, s.ownerId, m.text.replace(/^:\w+: /, ''))),
      },
    );
  }

  function base(s: Schedule, kind: string, at: number, now: number) {
    return {
      opId: `sched-${kind}-${s.notebookId}-${at}`,
      requester: { userId: s.ownerId, channelId: s.channelId },
      ...(s.threadTs ? { threadTs: s.threadTs } : {}),
      requestedAt: now,
      schedule: describeSpec(s.spec),
      notebookId: s.notebookId,
      name: s.name,
    };
  }

  /**
   * Runs `act` for one opening or closing, once across replicas and restarts: claimed for
   * `CLAIM_IN_PROGRESS_MS`, made final when `act` returns, given back at once when it asks to
   * retry (ModelArts did not answer), and left to lapse when it throws or the process dies.
   */
  async function once(
    id: string,
    what: 'open' | 'close',
    at: number,
    ttlMs: number,
    act: () => Promise<'retry' | undefined>,
  ): Promise<void> {
    if (!(await deps.schedules.claimOccurrence(id, what, at, ttlMs, CLAIM_IN_PROGRESS_MS))) return;
    if ((await act()) === 'retry') await deps.schedules.releaseOccurrence(id, what, at);
    else await deps.schedules.confirmOccurrence(id, what, at, ttlMs);
  }

  async function opening(
    s: Schedule,
    w: ScheduleWindow,
    now: number,
    r: ScheduleTickReport,
  ): Promise<'retry' | undefined> {
    const id = s.notebookId;
    if (s.skips.some((k) => k.kind === 'start' && k.at === w.open)) {
      log.info({ notebookId: id, open: w.open }, 'scheduled start skipped');
      r.skipped += 1;
      return;
    }
    let nb: Awaited<ReturnType<ModelArtsApi['showNotebook']>>;
    try {
      nb = await deps.api.showNotebook(id);
    } catch (err) {
      if (isNotFound(err)) {
        await deps.schedules.remove(id);
        await post(s, scheduleText.notebookGone(s.name, s.ownerId));
        await deps.access.audit({
          userId: s.ownerId,
          action: 'schedule_remove',
          notebookId: id,
          notebookName: s.name,
          outcome: 'succeeded',
          detail: 'notebook gone',
          at: now,
        });
        return;
      }
      // ModelArts did not answer: give the opening back, the next tick tries again.
      log.warn({ err, notebookId: id }, 'scheduled start: cannot read the notebook; retrying next tick');
      return 'retry';
    }
    const target = stopTarget(s, w, now);
    const owner = { id, name: s.name, ownerId: s.ownerId };
    if (nb.status === 'RUNNING') {
      const lease = leaseFromApi(nb.lease);
      const end = lease ? leaseEndsAt(lease) : undefined;
      if (end !== undefined && end >= target.endAt - END_TOLERANCE_MS) {
        await deps.schedules.setPlanned(id, { close: w.close, endAt: end }, target.endAt - now + DAY);
        return; // running already, long enough: left alone
      }
      const addMs = target.endAt - Math.max(end ?? now, now);
      const op: ExtendOperation = { ...base(s, 'extend', w.open, now), kind: 'extend', addMs };
      const outcome = await submit(s, op, {
        userId: s.ownerId,
        action: 'extend',
        notebook: owner,
        durationMs: target.endAt - now,
      });
      if (outcome === 'queued' || outcome === 'duplicate') {
        await deps.schedules.setPlanned(id, { close: w.close, endAt: target.endAt }, target.endAt - now + DAY);
        r.extended += 1;
      } else if (outcome !== 'approval') r.failed += 1;
      return;
    }
    // STOPPING too: the start waits for STOPPED, then starts (jobs/processors/start.ts).
    if (nb.status === 'STOPPED' || nb.status === 'START_FAILED' || nb.status === 'STOPPING') {
      const durationMs = Math.min(Math.max(target.endAt - now, MIN_LEASE_MS), MAX_LEASE_MS);
      const op: StartOperation = {
        ...base(s, 'start', w.open, now),
        kind: 'start',
        durationMs,
        leaseType: 'TIMING',
      };
      if (now - w.open > LATE_MS) await post(s, scheduleText.startedLate(s.name, w.open, w.close));
      const outcome = await submit(s, op, { userId: s.ownerId, action: 'start', notebook: owner, durationMs });
      if (outcome === 'queued' || outcome === 'duplicate') {
        await deps.schedules.setPlanned(id, { close: w.close, endAt: now + durationMs }, durationMs + DAY);
        r.started += 1;
      } else if (outcome !== 'approval') r.failed += 1;
      return;
    }
    if (TRANSITIONAL_STATUSES.has(nb.status)) {
      log.info({ notebookId: id, status: nb.status }, 'scheduled start: notebook busy; left alone');
      return;
    }
    r.failed += 1;
    await post(
      s,
      scheduleText.startFailed(
        s.name,
        s.ownerId,
        `it is \`${escapeMrkdwn(nb.status)}\`, and only a stopped notebook can be started.`,
      ),
    );
  }

  async function closing(
    s: Schedule,
    w: ScheduleWindow,
    now: number,
    r: ScheduleTickReport,
  ): Promise<'retry' | undefined> {
    const id = s.notebookId;
    if (s.skips.some((k) => k.kind === 'stop' && k.at === w.close)) return;
    const planned = await deps.schedules.planned(id);
    // Only a run this schedule started or extended for this window, whose lease outlasts it.
    if (!planned || planned.close !== w.close || planned.endAt <= w.close + END_TOLERANCE_MS) return;
    let nb: Awaited<ReturnType<ModelArtsApi['showNotebook']>>;
    try {
      nb = await deps.api.showNotebook(id);
    } catch (err) {
      return isNotFound(err) ? undefined : 'retry';
    }
    const lease = leaseFromApi(nb.lease);
    if (nb.status !== 'RUNNING' || !lease) return;
    const end = leaseEndsAt(lease);
    // Extended by someone since (past what the schedule asked): their choice wins.
    if (end <= w.close + END_TOLERANCE_MS || end > planned.endAt + END_TOLERANCE_MS) return;
    await markBotStop(deps.redis, deps.prefix, id);
    const op: StopOperation = { ...base(s, 'stop', w.close, now), kind: 'stop' };
    const outcome = await submit(s, op, {
      userId: s.ownerId,
      action: 'stop',
      notebook: { id, name: s.name, ownerId: s.ownerId },
    });
    if (outcome === 'queued' || outcome === 'duplicate') r.stopped += 1;
    else r.failed += 1;
  }

  async function runOnce(nowArg?: number): Promise<ScheduleTickReport> {
    const now = nowArg ?? clock.now();
    const all = await deps.schedules.list();
    const r: ScheduleTickReport = {
      at: now,
      schedules: all.length,
      started: 0,
      extended: 0,
      stopped: 0,
      skipped: 0,
      failed: 0,
    };
    for (const s of all) {
      try {
        // One pass over the calendar: the closings of the last hours, and the window open now.
        const recent = windowsBetween(s.spec, now - CLOSE_GRACE_MS, now + 1);
        for (const w of recent) {
          if (w.close <= now && w.close > now - CLOSE_GRACE_MS) {
            await once(s.notebookId, 'close', w.close, CLOSE_GRACE_MS + DAY, () => closing(s, w, now, r));
          }
        }
        const current = recent.find((w) => w.open <= now && now < w.close);
        if (current) {
          await once(s.notebookId, 'open', current.open, current.close - now + DAY, () => opening(s, current, now, r));
        }
        await deps.schedules.pruneSkips(s.notebookId, now - DAY);
      } catch (err) {
        r.failed += 1;
        log.error({ err, notebookId: s.notebookId }, 'schedule tick failed for one notebook; the next tick retries');
      }
    }
    if (r.started || r.extended || r.stopped || r.failed) log.info(r, 'schedule tick');
    return r;
  }

  return { runOnce };
}
