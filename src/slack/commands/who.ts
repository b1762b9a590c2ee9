import { describeIamUser, type IdentityLink } from '../../access/index.js';
import { buildWhoMessage, commandReply, errorRef, userMessageFor } from '../../messages/index.js';
import type { Notebook } from '../../modelarts/index.js';
import type { ActContext } from '../handlers/context.js';
import { creatorOf } from '../handlers/ownership.js';

/**
 * `/notebook who` (admins; the listener has already checked `who`): every IAM user seen on a
 * notebook, which Slack user it is linked to (and where the link comes from), the links no
 * notebook uses yet, and the notebooks nobody owns in Slack. One listing of the project.
 */
export async function whoCommand(ctx: ActContext): Promise<void> {
  const { deps } = ctx;
  try {
    const [notebooks, links, resolve] = await Promise.all([
      deps.modelarts.listAllNotebooks({}, { timeoutMs: deps.timing.lookupTimeoutMs }),
      deps.access.identities.list(),
      deps.access.identities.resolver(),
    ]);
    const live = notebooks.filter((n) => n.status !== 'DELETED');
    const records = new Map((await deps.store.getMany(live.map((n) => n.id))).map((r) => [r.notebookId, r]));
    const byCreator = new Map<string, { label: string; link: IdentityLink | undefined; count: number }>();
    const unowned: Notebook[] = [];
    const usedLinks = new Set<string>();
    for (const nb of live) {
      const creator = creatorOf(nb);
      const key = creator?.id || creator?.name || '(unknown)';
      const link = resolve(creator);
      if (link) usedLinks.add(link.iam);
      const entry = byCreator.get(key) ?? {
        label: creator?.name && creator.id ? `${creator.name} (${creator.id})` : describeIamUser(creator) || 'unknown',
        link,
        count: 0,
      };
      entry.count += 1;
      byCreator.set(key, entry);
      const ownership = await deps.access.identities.ownerOf(records.get(nb.id), creator, resolve);
      if (!ownership.ownerId) unowned.push(nb);
    }

    await ctx.reply(
      buildWhoMessage({
        commandName: deps.commandName,
        iamUsers: [...byCreator.values()].map((e) => ({
          label: e.label,
          notebooks: e.count,
          ...(e.link ? { link: { slackUserId: e.link.slackUserId, source: e.link.source } } : {}),
        })),
        idleLinks: links
          .filter((l) => !usedLinks.has(l.iam))
          .map((l) => ({ iam: l.iam, slackUserId: l.slackUserId, source: l.source })),
        unowned: unowned.map((n) => {
          const creator = describeIamUser(creatorOf(n));
          return { name: n.name || n.id, status: n.status, ...(creator ? { creator } : {}) };
        }),
      }),
    );
    await deps.access.audit({
      userId: ctx.userId,
      action: 'who',
      ...(ctx.channelId ? { channelId: ctx.channelId } : {}),
      outcome: 'allowed',
      detail: `${byCreator.size} IAM user(s), ${unowned.length} unowned notebook(s)`,
    });
  } catch (err) {
    const ref = errorRef();
    deps.logger.warn({ err, ref }, 'who failed');
    await ctx.reply({ text: commandReply.listFailed(userMessageFor(err, ref)) });
  }
}
