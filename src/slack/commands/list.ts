import { buildListMessage, commandReply, errorRef, userMessageFor } from '../../messages/index.js';
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
        buildListMessage(commandReply.listTitle({ mine: true }), mine, {
          showOwner: false,
          empty: commandReply.listMineEmpty(deps.commandName),
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
      await ctx.reply({ text: commandReply.refused(decision.message) });
      return;
    }
    const status = filter.kind === 'status' ? filter.status : undefined;
    const page = await deps.modelarts.listNotebooks(
      { limit: NOTEBOOK_WALK_PAGE_SIZE, ...(status ? { status } : {}) },
      { timeoutMs: deps.timing.lookupTimeoutMs },
    );
    const items = await summarizeListed(deps, page.data);
    await ctx.reply(
      buildListMessage(commandReply.listTitle({ status }), items, {
        showOwner: true,
        more: Math.max(0, (page.total ?? items.length) - items.length),
        empty: commandReply.listEmpty(status),
      }),
    );
  } catch (err) {
    const ref = errorRef();
    deps.logger.warn({ err, ref }, 'list failed');
    await ctx.reply({ text: commandReply.listFailed(userMessageFor(err, ref)) });
  }
}
