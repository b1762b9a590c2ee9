import { buildListMessage, codeSpan, errorRef, userMessageFor } from '../../messages/index.js';
import { NOTEBOOK_WALK_PAGE_SIZE } from '../../modelarts/index.js';
import type { ListFilter } from '../command.js';
import type { ActContext } from '../handlers/context.js';
import { loadOwnedNotebooks, summarizeListed } from '../live-status.js';

/** `/notebook list [mine|all|<status>]`: the caller's notebooks (live), or ModelArts' list. */
export async function listNotebooks(ctx: ActContext, filter: ListFilter): Promise<void> {
  const { deps } = ctx;
  try {
    if (filter.kind === 'mine') {
      const mine = await loadOwnedNotebooks(deps, ctx.userId);
      await ctx.reply(
        buildListMessage('*Your notebooks*', mine, {
          showOwner: false,
          empty: `You have none yet. Create one with ${codeSpan(`${deps.commandName} create`)}, or see everyone's with ${codeSpan(`${deps.commandName} list all`)}. Made yours in the ModelArts console? Ask to be linked to your IAM user: ${codeSpan(`${deps.commandName} link <iam-user>`)}.`,
        }),
      );
      return;
    }
    const decision = await deps.access.check({
      userId: ctx.userId,
      action: 'view',
      ...(ctx.channelId ? { channelId: ctx.channelId } : {}),
    });
    if (!decision.allowed) {
      await ctx.reply({ text: `:no_entry: ${decision.message}` });
      return;
    }
    const status = filter.kind === 'status' ? filter.status : undefined;
    const page = await deps.modelarts.listNotebooks(
      { limit: NOTEBOOK_WALK_PAGE_SIZE, ...(status ? { status } : {}) },
      { timeoutMs: deps.timing.lookupTimeoutMs },
    );
    const items = await summarizeListed(deps, page.data);
    const title = status ? `*Notebooks that are ${status}*` : '*All notebooks*';
    await ctx.reply(
      buildListMessage(title, items, {
        showOwner: true,
        more: Math.max(0, (page.total ?? items.length) - items.length),
        empty: status ? `No notebook is ${status}.` : 'There are no notebooks in this project.',
      }),
    );
  } catch (err) {
    const ref = errorRef();
    deps.logger.warn({ err, ref }, 'list failed');
    await ctx.reply({ text: `:warning: I could not list the notebooks. ${userMessageFor(err, ref)}` });
  }
}
