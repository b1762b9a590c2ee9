import type { AccessRequest } from '../../access/index.js';
import {
  buildStatusMessage,
  commandReply,
  errorRef,
  summarize,
  userMessageFor,
  verbReply,
} from '../../messages/index.js';
import {
  isNotFound,
  type LeaseType,
  leaseFromApi,
  MAX_LEASE_MS,
  planExtension,
  TRANSITIONAL_STATUSES,
} from '../../modelarts/index.js';
import type { Operation } from '../../operations/index.js';
import { type SubmitOutcome, submitOperation } from '../../operations/index.js';
import type { NotebookRecord } from '../../store/index.js';
import { durationArgument } from '../duration.js';
import { addRunCosts } from '../run-costs.js';
import type { ActContext, NotebookRef } from './context.js';
import { accessNotebook, creatorOf, rememberLinked } from './ownership.js';

/**
 * What each notebook verb does once the notebook is known, shared by `/notebook` subcommands,
 * picker buttons and App Home buttons: friendly early answers for obvious cases (starting a
 * running notebook), then the access check and the queue through `submitOperation`.
 */

type Verb = 'start' | 'stop' | 'delete' | 'extend';

async function context(ctx: ActContext, ref: NotebookRef, action: Verb) {
  let record = await ctx.deps.store.get(ref.id);
  // Without an owner on record, the creator decides (an identity link): ask ModelArts when the
  // request did not carry it (a form submission knows only the id).
  const creator =
    ref.creator ??
    (record?.ownerId && record.origin !== 'linked'
      ? undefined
      : creatorOf(
          await ctx.deps.modelarts
            .showNotebook(ref.id, { timeoutMs: ctx.deps.timing.lookupTimeoutMs })
            .catch(() => undefined),
        ));
  const ownership = await ctx.deps.access.identities.ownerOf(record, creator);
  record =
    (await rememberLinked(ctx.deps, { ...ref, flavor: ref.flavor ?? record?.flavor }, creator, ownership, ctx)) ??
    record;
  // A button on App Home has no channel: progress goes to the notebook's own thread, else a DM.
  const where = ctx.channelId
    ? { channelId: ctx.channelId }
    : { channelId: record?.channelId, threadTs: record?.threadTs };
  const threadTs = record?.threadTs && record.channelId === where.channelId ? record.threadTs : undefined;
  const access: AccessRequest = {
    userId: ctx.userId,
    action,
    notebook: accessNotebook(ref, ownership, creator),
    ...(ctx.teamId ? { teamId: ctx.teamId } : {}),
    ...(ctx.channelId ? { channelId: ctx.channelId } : {}),
  };
  const base = {
    opId: ctx.opId,
    requester: {
      userId: ctx.userId,
      channelId: where.channelId ?? '',
      ...(ctx.teamId ? { teamId: ctx.teamId } : {}),
    },
    requestedAt: ctx.deps.clock.now(),
    notebookId: ref.id,
    name: ref.name,
    ...(threadTs ? { threadTs } : {}),
  };
  return { record, where, access, base };
}

function submit(
  ctx: ActContext,
  op: Operation,
  access: AccessRequest,
  where: { channelId?: string | undefined; threadTs?: string | undefined },
) {
  return submitOperation(ctx.deps, ctx.client, { op, access, where, reply: ctx.reply });
}

/** Starts a notebook for `durationMs` with the given auto-stop type. */
export async function startNotebook(
  ctx: ActContext,
  ref: NotebookRef,
  durationMs: number,
  leaseType: LeaseType,
): Promise<SubmitOutcome | 'skipped'> {
  if (ref.status === 'RUNNING') {
    await ctx.reply({ text: verbReply.alreadyRunning(ctx.deps.commandName, ref.name) });
    return 'skipped';
  }
  if (ref.status && TRANSITIONAL_STATUSES.has(ref.status)) {
    await ctx.reply({ text: verbReply.busy(ref.name, ref.status) });
    return 'skipped';
  }
  const { record, where, access, base } = await context(ctx, ref, 'start');
  const flavor = ref.flavor ?? record?.flavor;
  return submit(
    ctx,
    { ...base, kind: 'start', durationMs, leaseType },
    { ...access, durationMs, ...(flavor ? { flavor } : {}) },
    where,
  );
}

/** Stops a notebook. */
export async function stopNotebook(ctx: ActContext, ref: NotebookRef): Promise<SubmitOutcome | 'skipped'> {
  if (ref.status === 'STOPPED') {
    await ctx.reply({ text: verbReply.alreadyStopped(ref.name) });
    return 'skipped';
  }
  const { where, access, base } = await context(ctx, ref, 'stop');
  return submit(ctx, { ...base, kind: 'stop' }, access, where);
}

/** Deletes a notebook (the caller has already asked for confirmation). */
export async function deleteNotebook(ctx: ActContext, ref: NotebookRef): Promise<SubmitOutcome> {
  const { where, access, base } = await context(ctx, ref, 'delete');
  return submit(ctx, { ...base, kind: 'delete' }, access, where);
}

/** Adds `addMs` to a running notebook's lease (capped at 72 h in total by the worker). */
export async function extendNotebook(
  ctx: ActContext,
  ref: NotebookRef,
  addMs: number,
): Promise<SubmitOutcome | 'skipped'> {
  if (ref.status && ref.status !== 'RUNNING') {
    await ctx.reply({
      text: verbReply.notRunning(ctx.deps.commandName, ref.name, ref.status, durationArgument(addMs)),
    });
    return 'skipped';
  }
  const lease =
    leaseFromApi(ref.lease) ??
    leaseFromApi(
      await ctx.deps.modelarts.showLease(ref.id, { timeoutMs: ctx.deps.timing.lookupTimeoutMs }).catch(() => undefined),
    );
  // What a lease cap limits is the run time from now that the renewal asks for; with the lease
  // unknown, the worker decides, and the cap is checked against the extension alone.
  const now = ctx.deps.clock.now();
  const ahead = lease ? planExtension(lease, addMs, now).renewMs : Math.min(MAX_LEASE_MS, addMs);
  const { where, access, base } = await context(ctx, ref, 'extend');
  return submit(ctx, { ...base, kind: 'extend', addMs }, { ...access, durationMs: ahead }, where);
}

/** Answers privately with the notebook's details (live, with the stored owner). */
export async function showStatus(ctx: ActContext, ref: NotebookRef, replaceOriginal = false): Promise<void> {
  const decision = await ctx.deps.access.check({
    userId: ctx.userId,
    action: 'view',
    notebook: { id: ref.id, name: ref.name },
    ...(ctx.channelId ? { channelId: ctx.channelId } : {}),
  });
  if (!decision.allowed) {
    await ctx.reply({ text: commandReply.refused(decision.message) });
    return;
  }
  let record: NotebookRecord | undefined;
  try {
    record = await ctx.deps.store.get(ref.id);
    const live = await ctx.deps.modelarts.showNotebook(ref.id, { timeoutMs: ctx.deps.timing.lookupTimeoutMs });
    const summary = summarize(live, record, ctx.deps.clock.now());
    // Made outside the bot by a linked IAM user: that person owns it, record or not.
    if (!summary.ownerId) {
      const ownership = await ctx.deps.access.identities.ownerOf(record, creatorOf(live));
      if (ownership.ownerId) summary.ownerId = ownership.ownerId;
    }
    await addRunCosts(ctx.deps.access.usage, [summary], ctx.deps.clock.now());
    await ctx.reply({ ...buildStatusMessage(summary), replaceOriginal });
  } catch (err) {
    if (isNotFound(err)) {
      await ctx.reply({ text: commandReply.notebookGone(ctx.deps.commandName, ref.name) });
      return;
    }
    const ref2 = errorRef();
    ctx.deps.logger.warn({ err, ref: ref2, notebookId: ref.id }, 'status lookup failed');
    await ctx.reply({ text: verbReply.statusFailed(ref.name, userMessageFor(err, ref2)) });
  }
}
