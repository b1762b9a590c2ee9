import type { Redis } from 'ioredis';
import type { AccessControl, SchedulePolicy } from '../access/index.js';
import { type Clock, systemClock } from '../clock.js';
import type { Logger } from '../logger.js';
import { type ScheduleView, scheduleText } from '../messages/index.js';
import { isNotFound, leaseEndsAt, leaseFromApi, type ModelArtsApi } from '../modelarts/index.js';
import { type ExtendOperation, enqueueDecided, type OperationQueue } from '../operations/index.js';
import { addDays, hhmm, isoDate, type LocalDate, localTime, parseIsoDate } from '../zoned-time.js';
import { stopTarget } from './runner.js';
import {
  describeSpec,
  leaseProblem,
  parseDays,
  parseHours,
  parseTimeZone,
  type ScheduleSpec,
  type ScheduleWindow,
  weeklyHours,
  windowsAt,
  windowsBetween,
} from './spec.js';
import type { Schedule, ScheduleStore } from './store.js';

const DAY = 86_400_000;
const MINUTE = 60_000;
/** A lease ending this close to a scheduled closing is that closing's stop. */
const STOP_MATCH_MS = 2 * MINUTE;

export interface ScheduleServiceDeps {
  schedules: ScheduleStore;
  api: ModelArtsApi;
  queue: OperationQueue;
  access: Pick<AccessControl, 'check' | 'audit' | 'isAdmin'>;
  redis: Redis;
  prefix: string;
  clock?: Clock;
  logger: Logger;
  /** The policy file's `schedules` limits (absent: none). */
  policy?: SchedulePolicy | undefined;
  /** `SCHEDULE_DEFAULT_TIME_ZONE`: when neither the command nor the user's Slack profile gives one. */
  defaultTimeZone: string;
}

/** The notebook a schedule change is about, as the caller resolved it. */
export interface ScheduleTarget {
  id: string;
  name: string;
  ownerId?: string | undefined;
  /** Where its lines go (the notebook's thread), when the bot knows one. */
  channelId?: string | undefined;
  threadTs?: string | undefined;
}

/** Who asks, and from where. */
export interface ScheduleActor {
  userId: string;
  teamId?: string | undefined;
  channelId?: string | undefined;
  /** The user's Slack time zone (`users.info`), when known. */
  userTimeZone?: string | undefined;
}

export type ScheduleResult = { ok: true; message: string; view?: ScheduleView } | { ok: false; message: string };

/** What the lease warning needs to know about a scheduled stop. */
export interface ScheduledStop {
  /** `weekdays 09:00-19:00 UTC`. */
  text: string;
  /** The closing this lease end is. */
  close: number;
  nextStart?: number;
}

export interface ScheduleService {
  /** `SCHEDULE_DEFAULT_TIME_ZONE`. */
  readonly defaultTimeZone: string;
  /** Parses, validates (lease limits, policy), authorises, stores and audits a schedule. */
  set(
    actor: ScheduleActor,
    nb: ScheduleTarget,
    input: { days: string; hours: string; timeZone?: string | undefined },
  ): Promise<ScheduleResult>;
  show(nb: ScheduleTarget, commandName: string): Promise<ScheduleResult>;
  remove(actor: ScheduleActor, nb: ScheduleTarget): Promise<ScheduleResult>;
  /** `next`, `today`, `tomorrow` or `YYYY-MM-DD` (the schedule's time zone). */
  skip(actor: ScheduleActor, nb: ScheduleTarget, when: string): Promise<ScheduleResult>;
  /** The "Skip tonight's stop" button: skips the closing `close` and keeps the notebook running. */
  skipStop(actor: ScheduleActor, nb: ScheduleTarget, close: number): Promise<ScheduleResult & { until?: number }>;
  /** The schedule's view (next start/stop) for App Home and messages. */
  view(schedule: Schedule, now?: number): ScheduleView;
  listByOwner(ownerId: string): Promise<Schedule[]>;
  /** Whether a lease ending at `leaseEnd` is a scheduled (not skipped) stop. */
  scheduledStop(notebookId: string, leaseEnd: number): Promise<ScheduledStop | undefined>;
  /** Why this user may not set schedules at all (the policy turned them off), or undefined. */
  refusalFor(userId: string): Promise<string | undefined>;
}

const SCHEDULES_OFF = 'Schedules are turned off by the access policy here; ask an admin to set one for you.';

export function createScheduleService(deps: ScheduleServiceDeps): ScheduleService {
  const clock = deps.clock ?? systemClock;
  const log = deps.logger.child({ component: 'schedules' });
  const store = deps.schedules;

  function view(s: Schedule, now = clock.now()): ScheduleView {
    const { current, next } = windowsAt(s.spec, now);
    const skippedStart = new Set(s.skips.filter((k) => k.kind === 'start').map((k) => k.at));
    const upcoming = windowsBetween(s.spec, now, now + 30 * DAY).filter(
      (w) => w.open > now && !skippedStart.has(w.open),
    );
    const openUntil = current ? stopTarget(s, current, now).endAt : undefined;
    const nextWindow = upcoming[0] ?? next;
    return {
      notebookId: s.notebookId,
      name: s.name,
      ownerId: s.ownerId,
      text: describeSpec(s.spec),
      ...(openUntil !== undefined ? { openUntil } : {}),
      ...(nextWindow ? { nextStart: nextWindow.open, nextStop: stopTarget(s, nextWindow, nextWindow.open).endAt } : {}),
      skips: s.skips.filter((k) => k.at >= now),
    };
  }

  async function audit(
    actor: ScheduleActor,
    nb: ScheduleTarget,
    action: string,
    outcome: 'succeeded' | 'refused',
    detail: string,
    rule?: string,
  ) {
    await deps.access.audit({
      userId: actor.userId,
      action,
      notebookId: nb.id,
      notebookName: nb.name,
      ...(actor.channelId ? { channelId: actor.channelId } : {}),
      outcome,
      ...(rule ? { rule } : {}),
      detail,
      at: clock.now(),
    });
  }

  /** Owner or admin (and the rest of the access rules for `action`), audited when refused. */
  async function authorise(
    actor: ScheduleActor,
    nb: ScheduleTarget,
    auditAction: string,
    durationMs?: number,
  ): Promise<string | undefined> {
    const decision = await deps.access.check({
      userId: actor.userId,
      ...(actor.teamId ? { teamId: actor.teamId } : {}),
      ...(actor.channelId ? { channelId: actor.channelId } : {}),
      action: 'start',
      notebook: { id: nb.id, name: nb.name, ...(nb.ownerId ? { ownerId: nb.ownerId } : {}) },
      ...(durationMs !== undefined ? { durationMs } : {}),
    });
    if (decision.allowed) return undefined;
    await audit(actor, nb, auditAction, 'refused', decision.message, decision.rule);
    return `:no_entry: ${decision.message}`;
  }

  async function policyProblem(
    actor: ScheduleActor,
    nb: ScheduleTarget,
    spec: ScheduleSpec,
    now: number,
  ): Promise<string | undefined> {
    const p = deps.policy;
    if (!p || (await deps.access.isAdmin(actor.userId))) return undefined;
    if (!p.enabled) return SCHEDULES_OFF;
    if (p.allowedHours) {
      const { startMinute: a, stopMinute: b } = p.allowedHours;
      const overnight = spec.stopMinute <= spec.startMinute;
      if (overnight || spec.startMinute < a || spec.stopMinute > b) {
        return `The access policy allows scheduled hours only between ${hhmm(a)} and ${hhmm(b)} (in the schedule's time zone); ${hhmm(spec.startMinute)}-${hhmm(spec.stopMinute)} is outside them.`;
      }
    }
    if (p.maxHoursPerWeek !== undefined) {
      const owner = nb.ownerId ?? actor.userId;
      const others = (await store.listByOwner(owner)).filter((s) => s.notebookId !== nb.id);
      const used = others.reduce((sum, s) => sum + weeklyHours(s.spec, now), 0);
      const mine = weeklyHours(spec, now);
      if (used + mine > p.maxHoursPerWeek + 1e-9) {
        return `This schedule runs ${Math.round(mine)} h a week${used > 0 ? ` and <@${owner}>'s other schedules ${Math.round(used)} h` : ''}; the access policy allows at most ${p.maxHoursPerWeek} scheduled hours a week per person.`;
      }
    }
    return undefined;
  }

  /** Extends a running notebook whose lease ends at `close` to the next scheduled stop. */
  async function keepRunning(
    actor: ScheduleActor,
    s: Schedule,
    window: ScheduleWindow,
    now: number,
  ): Promise<{ until: number; capped: boolean } | undefined> {
    let nb: Awaited<ReturnType<ModelArtsApi['showNotebook']>>;
    try {
      nb = await deps.api.showNotebook(s.notebookId);
    } catch (err) {
      if (isNotFound(err)) return undefined;
      throw err;
    }
    const lease = leaseFromApi(nb.lease);
    if (nb.status !== 'RUNNING' || !lease) return undefined;
    const end = leaseEndsAt(lease);
    const target = stopTarget(s, window, now);
    if (end < target.endAt - STOP_MATCH_MS) {
      const op: ExtendOperation = {
        kind: 'extend',
        opId: `sched-skip-${s.notebookId}-${window.close}`,
        requester: { userId: actor.userId, channelId: s.channelId },
        ...(s.threadTs ? { threadTs: s.threadTs } : {}),
        requestedAt: now,
        schedule: describeSpec(s.spec),
        notebookId: s.notebookId,
        name: s.name,
        addMs: target.endAt - Math.max(end, now),
      };
      await enqueueDecided({ redis: deps.redis, prefix: deps.prefix, clock, queue: deps.queue }, op);
    }
    await store.setPlanned(s.notebookId, { close: target.endAt, endAt: target.endAt }, target.endAt - now + DAY);
    return { until: Math.max(end, target.endAt), capped: target.capped };
  }

  async function skipStopOf(
    actor: ScheduleActor,
    nb: ScheduleTarget,
    s: Schedule,
    window: ScheduleWindow,
    now: number,
  ) {
    const fresh = await store.addSkip(s.notebookId, { kind: 'stop', at: window.close });
    if (!fresh) return { ok: true as const, message: scheduleText.alreadySkipped(s.name, 'stop', window.close) };
    const updated: Schedule = { ...s, skips: [...s.skips, { kind: 'stop', at: window.close }] };
    const kept = await keepRunning(actor, updated, window, now);
    await audit(actor, nb, 'schedule_skip', 'succeeded', `stop ${new Date(window.close).toISOString()}`);
    const extra = kept ? scheduleText.skipKeepsRunning(kept.until, kept.capped) : scheduleText.skipNotRunning();
    return {
      ok: true as const,
      message: scheduleText.skipped(s.name, 'stop', window.close, extra),
      ...(kept ? { until: kept.until } : {}),
    };
  }

  return {
    defaultTimeZone: deps.defaultTimeZone,
    view,
    listByOwner: (ownerId) => store.listByOwner(ownerId),

    async set(actor, nb, input) {
      const now = clock.now();
      const days = parseDays(input.days);
      if (!days.ok) return days;
      const hours = parseHours(input.hours);
      if (!hours.ok) return hours;
      const tzText = input.timeZone?.trim() || actor.userTimeZone || deps.defaultTimeZone;
      const tz = parseTimeZone(tzText);
      if (!tz.ok) return tz;
      const spec: ScheduleSpec = { days: days.value, ...hours.value, timeZone: tz.value };
      const problem = leaseProblem(spec, now);
      if (problem) return { ok: false, message: problem };
      const longest = Math.max(...windowsBetween(spec, now, now + 28 * DAY).map((w) => w.close - w.open));
      const refused = await authorise(actor, nb, 'schedule_set', longest);
      if (refused) return { ok: false, message: refused };
      const policy = await policyProblem(actor, nb, spec, now);
      if (policy) {
        await audit(actor, nb, 'schedule_set', 'refused', policy, 'schedules');
        return { ok: false, message: `:no_entry: ${policy}` };
      }
      const before = await store.get(nb.id);
      const schedule: Schedule = {
        notebookId: nb.id,
        name: nb.name,
        ownerId: nb.ownerId ?? actor.userId,
        // The notebook's thread when it has one, else the owner's DM (a user id as the channel:
        // chat.postMessage opens the DM): never a channel's top level, every working day.
        ...where(nb, nb.ownerId ?? actor.userId),
        spec,
        skips: [],
        setBy: actor.userId,
        createdAt: before?.createdAt ?? now,
        updatedAt: now,
      };
      await store.put(schedule);
      // The window open now is left as it is: the schedule acts from its next opening.
      const { current } = windowsAt(spec, now);
      if (current) await store.claimOccurrence(nb.id, 'open', current.open, current.close - now + DAY);
      await audit(actor, nb, 'schedule_set', 'succeeded', describeSpec(spec));
      log.info({ notebookId: nb.id, schedule: describeSpec(spec), by: actor.userId }, 'schedule set');
      const v = view(schedule, now);
      return { ok: true, message: scheduleText.set(v, Boolean(before), Boolean(current)), view: v };
    },

    async show(nb, commandName) {
      const s = await store.get(nb.id);
      if (!s) return { ok: true, message: scheduleText.none(nb.name, commandName) };
      const v = view(s);
      return { ok: true, message: scheduleText.show(v), view: v };
    },

    async remove(actor, nb) {
      const refused = await authorise(actor, nb, 'schedule_remove');
      if (refused) return { ok: false, message: refused };
      const removed = await store.remove(nb.id);
      if (!removed) return { ok: true, message: scheduleText.none(nb.name, '/notebook') };
      await audit(actor, nb, 'schedule_remove', 'succeeded', 'schedule removed');
      return { ok: true, message: scheduleText.removed(nb.name) };
    },

    async skip(actor, nb, when) {
      const s = await store.get(nb.id);
      if (!s) return { ok: false, message: scheduleText.none(nb.name, '/notebook') };
      const refused = await authorise(actor, nb, 'schedule_skip');
      if (refused) return { ok: false, message: refused };
      const now = clock.now();
      const { current, next } = windowsAt(s.spec, now);
      const w = when.trim().toLowerCase();
      let window: ScheduleWindow | undefined;
      if (w === 'next' || w === '') {
        if (current) return skipStopOf(actor, nb, s, current, now);
        window = next;
      } else {
        const today = localTime(now, s.spec.timeZone);
        const date: LocalDate | undefined =
          w === 'today' ? today : w === 'tomorrow' ? addDays(today, 1) : parseIsoDate(w);
        if (!date) {
          return {
            ok: false,
            message: 'Say which one to skip: `next`, `today`, `tomorrow` or a date such as `2026-12-24`.',
          };
        }
        const dayStart = Date.UTC(date.y, date.m - 1, date.d) - 14 * 3_600_000;
        window = windowsBetween(s.spec, dayStart, dayStart + 2 * DAY).find(
          (x) => isoDate(localTime(x.open, s.spec.timeZone)) === isoDate(date),
        );
        if (!window) return { ok: false, message: scheduleText.noWindowThatDay(s.name, isoDate(date)) };
        if (current && window.open === current.open) return skipStopOf(actor, nb, s, current, now);
        if (window.close <= now)
          return { ok: false, message: `The hours of ${isoDate(date)} are over already: nothing to skip.` };
      }
      if (!window) return { ok: false, message: scheduleText.none(nb.name, '/notebook') };
      const fresh = await store.addSkip(s.notebookId, { kind: 'start', at: window.open });
      if (!fresh) return { ok: true, message: scheduleText.alreadySkipped(s.name, 'start', window.open) };
      await audit(actor, nb, 'schedule_skip', 'succeeded', `start ${new Date(window.open).toISOString()}`);
      return { ok: true, message: scheduleText.skipped(s.name, 'start', window.open) };
    },

    async skipStop(actor, nb, close) {
      const s = await store.get(nb.id);
      if (!s) return { ok: false, message: scheduleText.skipStale() };
      const refused = await authorise(actor, nb, 'schedule_skip');
      if (refused) return { ok: false, message: refused };
      const now = clock.now();
      const window = windowsBetween(s.spec, now, close + 1).find((x) => x.close === close);
      if (!window || close <= now) return { ok: false, message: scheduleText.skipStale() };
      return skipStopOf(actor, nb, s, window, now);
    },

    async refusalFor(userId) {
      if (!deps.policy || deps.policy.enabled || (await deps.access.isAdmin(userId))) return undefined;
      return SCHEDULES_OFF;
    },

    async scheduledStop(notebookId, leaseEnd) {
      const s = await store.get(notebookId);
      if (!s) return undefined;
      const w = windowsBetween(s.spec, leaseEnd - STOP_MATCH_MS, leaseEnd + STOP_MATCH_MS).find(
        (x) => Math.abs(x.close - leaseEnd) <= STOP_MATCH_MS,
      );
      if (!w || s.skips.some((k) => k.kind === 'stop' && k.at === w.close)) return undefined;
      const after = windowsBetween(s.spec, w.close, w.close + 15 * DAY).find((x) => x.open >= w.close);
      return { text: describeSpec(s.spec), close: w.close, ...(after ? { nextStart: after.open } : {}) };
    },
  };
}

/** Where a schedule's lines go: the notebook's thread, or a DM (its channel is a user id). */
function where(nb: ScheduleTarget, ownerId: string): { channelId: string; threadTs?: string } {
  if (nb.channelId && nb.threadTs) return { channelId: nb.channelId, threadTs: nb.threadTs };
  if (nb.channelId && /^[UW]/.test(nb.channelId)) return { channelId: nb.channelId };
  return { channelId: ownerId };
}
