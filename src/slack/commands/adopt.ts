import { adoptNotebook } from '../../access/index.js';
import { adoptReply, commandReply, errorRef, userMessageFor } from '../../messages/index.js';
import type { Notebook } from '../../modelarts/index.js';
import type { ActContext } from '../handlers/context.js';
import { resolveNotebook } from '../resolve.js';

/**
 * `/notebook adopt <name-or-id> @user` (admins; the listener has already checked `adopt`): the
 * notebook gets an owner in the bot's records, so that person may start, stop, extend and delete
 * it from Slack. Typically a notebook created in the console, which is read-only until then.
 *
 * The adoption is audited (by `adoptNotebook`) and announced where the notebook's messages go:
 * in its thread, or in the channel, where the announcement then becomes the notebook's thread.
 * A name that matches several notebooks is not guessed: the admin is shown their ids.
 */
export async function adoptCommand(ctx: ActContext, target: string, ownerId: string): Promise<void> {
  const { deps } = ctx;
  let nb: Notebook;
  try {
    const r = await resolveNotebook(deps.modelarts, target, { timeoutMs: deps.timing.lookupTimeoutMs });
    if (r.kind === 'none') {
      await ctx.reply({ text: commandReply.noSuchNotebook(deps.commandName, target) });
      return;
    }
    if (r.kind === 'ambiguous') {
      await ctx.reply({ text: adoptReply.ambiguous(deps.commandName, target, r.candidates) });
      return;
    }
    nb = r.notebook;
  } catch (err) {
    const ref = errorRef();
    deps.logger.warn({ err, ref }, 'notebook lookup failed (adopt)');
    await ctx.reply({ text: commandReply.lookupFailed(target, userMessageFor(err, ref)) });
    return;
  }

  const name = nb.name || nb.id;
  const before = await deps.store.get(nb.id);
  if (before?.ownerId === ownerId) {
    await ctx.reply({ text: adoptReply.alreadyOwns(ownerId, name) });
    return;
  }
  const record = await adoptNotebook({
    store: deps.store,
    notebookId: nb.id,
    name,
    ownerId,
    adminId: ctx.userId,
    ...(!before && ctx.channelId ? { channelId: ctx.channelId } : {}),
    ...(ctx.teamId ? { teamId: ctx.teamId } : {}),
    audit: deps.access,
    clock: deps.clock,
  });
  // What the start path's flavor rule and App Home read until a worker observes it.
  if (!before) {
    await deps.store.patch(nb.id, {
      ...(nb.flavor ? { flavor: nb.flavor } : {}),
      ...(nb.status ? { lastStatus: nb.status } : {}),
      updatedAt: deps.clock.now(),
    });
  }

  const text = adoptReply.announcement(ctx.userId, ownerId, name, before?.ownerId);
  let announced = true;
  try {
    const res = await ctx.client.chat.postMessage({
      channel: record.channelId,
      text,
      ...(record.threadTs ? { thread_ts: record.threadTs } : {}),
      unfurl_links: false,
    });
    // The announcement starts the notebook's thread: later operations reply under it.
    if (!record.threadTs && res.ts) await deps.store.patch(nb.id, { threadTs: res.ts, updatedAt: deps.clock.now() });
  } catch (err) {
    announced = false;
    deps.logger.warn({ err, notebookId: nb.id, channel: record.channelId }, 'could not announce the adoption');
  }
  await ctx.reply({ text: adoptReply.done(ownerId, name, announced ? undefined : record.channelId) });
  await deps.publishHome(ownerId, { live: true });
  if (before?.ownerId) await deps.publishHome(before.ownerId);
}
