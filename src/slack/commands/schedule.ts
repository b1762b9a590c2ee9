import type { WebClient } from '@slack/web-api';
import {
  buildScheduleModal,
  commandReply,
  errorRef,
  scheduleCommandReply,
  userMessageFor,
} from '../../messages/index.js';
import type { ScheduleActor, ScheduleService, ScheduleTarget } from '../../schedules/index.js';
import { within } from '../../timeout.js';
import type { SlackDeps } from '../deps.js';
import { encodedView } from '../encoded-view.js';
import type { ActContext } from '../handlers/context.js';
import { creatorOf } from '../handlers/ownership.js';
import { resolveNotebook } from '../resolve.js';

/** `/notebook schedule …` as parsed: the notebook (absent: the form) and the words after it. */
export interface ScheduleArgs {
  target?: string | undefined;
  args: readonly string[];
}

/** The user's Slack time zone (`users.info`, needs `users:read`); undefined when it cannot be read in time. */
export async function userTimeZone(client: WebClient, userId: string, waitMs = 1000): Promise<string | undefined> {
  const res = await within(
    client.users.info({ user: userId }).catch(() => undefined),
    waitMs,
  ).catch(() => undefined);
  const tz = (res as { user?: { tz?: unknown } } | undefined)?.user?.tz;
  return typeof tz === 'string' && tz ? tz : undefined;
}

/** Opens the schedule form (from the command or App Home): the trigger id is fresh for 3 s only. */
export async function openScheduleModal(
  deps: SlackDeps,
  client: WebClient,
  o: {
    triggerId: string;
    userId: string;
    channelId?: string | undefined;
    name?: string | undefined;
    days?: string | undefined;
    current?: string | undefined;
  },
): Promise<void> {
  const schedules = deps.schedules as ScheduleService;
  const tz = (await userTimeZone(client, o.userId, 800)) ?? schedules.defaultTimeZone;
  await client.views.open({
    trigger_id: o.triggerId,
    view: encodedView(
      buildScheduleModal({
        metadata: { ...(o.channelId ? { channelId: o.channelId } : {}) },
        name: o.name,
        days: o.days,
        timeZone: tz,
        current: o.current,
      }),
    ),
  });
}

/** The notebook a schedule command names, with its owner and thread; a reply when there is none. */
export async function scheduleTarget(
  deps: SlackDeps,
  query: string,
): Promise<{ ok: true; target: ScheduleTarget } | { ok: false; message: string }> {
  let r: Awaited<ReturnType<typeof resolveNotebook>>;
  try {
    r = await resolveNotebook(deps.modelarts, query, { timeoutMs: deps.timing.lookupTimeoutMs });
  } catch (err) {
    const ref = errorRef();
    deps.logger.warn({ err, ref }, 'notebook lookup failed (schedule)');
    return { ok: false, message: commandReply.lookupFailed(query, userMessageFor(err, ref)) };
  }
  const nb =
    r.kind === 'found'
      ? r.notebook
      : r.kind === 'ambiguous' && r.exact && r.candidates.length === 1
        ? r.candidates[0]
        : undefined;
  if (!nb) {
    if (r.kind === 'ambiguous') return { ok: false, message: scheduleCommandReply.ambiguous(query, r.candidates) };
    return { ok: false, message: commandReply.noSuchNotebook(deps.commandName, query) };
  }
  const record = await deps.store.get(nb.id);
  const ownership = await deps.access.identities.ownerOf(record, creatorOf(nb));
  return {
    ok: true,
    target: {
      id: nb.id,
      name: nb.name || nb.id,
      ...(ownership.ownerId ? { ownerId: ownership.ownerId } : {}),
      ...(record?.channelId ? { channelId: record.channelId } : {}),
      ...(record?.threadTs ? { threadTs: record.threadTs } : {}),
    },
  };
}

/**
 * `/notebook schedule`: no notebook (or no hours) opens the form; `<name>` shows the schedule;
 * `<name> off` removes it; `<name> skip next|today|tomorrow|<date>` skips one start or stop;
 * `<name> <days> <start>-<stop> [time zone]` sets it.
 */
export async function scheduleCommand(ctx: ActContext, parsed: ScheduleArgs, triggerId: string): Promise<void> {
  const { deps } = ctx;
  const schedules = deps.schedules;
  if (!schedules) {
    await ctx.reply({ text: scheduleCommandReply.notSetUp(deps.access.adminContact()) });
    return;
  }
  const args = parsed.args;
  const first = (args[0] ?? '').toLowerCase();
  // Missing arguments: the form, opened first thing while the trigger id is fresh.
  if (!parsed.target || (args.length === 1 && first !== 'off' && first !== 'skip')) {
    await openScheduleModal(deps, ctx.client, {
      triggerId,
      userId: ctx.userId,
      channelId: ctx.channelId,
      name: parsed.target,
      days: args[0],
    });
    return;
  }
  if (args.length > 3 || (first === 'off' && args.length > 1) || (first === 'skip' && args.length > 2)) {
    await ctx.reply({ text: scheduleCommandReply.usage(deps.commandName) });
    return;
  }
  const found = await scheduleTarget(deps, parsed.target);
  if (!found.ok) {
    await ctx.reply({ text: found.message });
    return;
  }
  const target = found.target;
  const actor: ScheduleActor = {
    userId: ctx.userId,
    ...(ctx.teamId ? { teamId: ctx.teamId } : {}),
    ...(ctx.channelId ? { channelId: ctx.channelId } : {}),
  };
  try {
    let result: { ok: boolean; message: string };
    if (args.length === 0) result = await schedules.show(target, deps.commandName);
    else if (first === 'off') result = await schedules.remove(actor, target);
    else if (first === 'skip') result = await schedules.skip(actor, target, args[1] ?? 'next');
    else {
      const tz = args[2] ?? (await userTimeZone(ctx.client, ctx.userId));
      result = await schedules.set({ ...actor, ...(tz && !args[2] ? { userTimeZone: tz } : {}) }, target, {
        days: args[0]!,
        hours: args[1]!,
        timeZone: args[2],
      });
    }
    await ctx.reply({ text: result.message });
    if (args.length > 0 && result.ok) await deps.publishHome(target.ownerId ?? ctx.userId);
  } catch (err) {
    const ref = errorRef();
    deps.logger.error({ err, ref }, 'schedule command failed');
    await ctx.reply({
      text: scheduleCommandReply.changeFailed(target.name, userMessageFor(err, ref)),
    });
  }
}
