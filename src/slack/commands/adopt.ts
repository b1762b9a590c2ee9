import { adoptNotebook } from '../../access/index.js';
import { codeSpan, errorRef, escapeMrkdwn, mention, userMessageFor } from '../../messages/index.js';
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
      await ctx.reply({
        text: `No notebook is named ${codeSpan(target)}. ${codeSpan(`${deps.commandName} list all`)} shows every notebook; you can also give its id.`,
      });
      return;
    }
    if (r.kind === 'ambiguous') {
      const lines = r.candidates.map((c) => `• ${codeSpan(c.name)} ${codeSpan(c.id)} (${escapeMrkdwn(c.status)})`);
      await ctx.reply({
        text: `Several notebooks match ${codeSpan(target)}; adopt one by its id, e.g. ${codeSpan(`${deps.commandName} adopt ${r.candidates[0]?.id ?? '<id>'} @user`)}:\n${lines.join('\n')}`,
      });
      return;
    }
    nb = r.notebook;
  } catch (err) {
    const ref = errorRef();
    deps.logger.warn({ err, ref }, 'notebook lookup failed (adopt)');
    await ctx.reply({ text: `:warning: I could not look up ${codeSpan(target)}. ${userMessageFor(err, ref)}` });
    return;
  }

  const name = nb.name || nb.id;
  const before = await deps.store.get(nb.id);
  if (before?.ownerId === ownerId) {
    await ctx.reply({ text: `${mention(ownerId)} already owns ${codeSpan(name)}. Nothing changed.` });
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

  const previous = before?.ownerId ? ` (it was ${mention(before.ownerId)}'s)` : '';
  const text = `:handshake: ${mention(ctx.userId)} made ${mention(ownerId)} the owner of *${escapeMrkdwn(name)}*${previous}. ${mention(ownerId)} can now start, stop, extend and delete it from Slack.`;
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
  await ctx.reply({
    text: `:white_check_mark: ${mention(ownerId)} now owns ${codeSpan(name)}.${announced ? '' : ` I could not post that in ${mention(record.channelId)} (invite me there with \`/invite\`).`}`,
  });
  await deps.publishHome(ownerId, { live: true });
  if (before?.ownerId) await deps.publishHome(before.ownerId);
}
