import { describeIamUser, type IdentityLink } from '../../access/index.js';
import { codeSpan, errorRef, type KnownBlock, mention, mrkdwn, userMessageFor } from '../../messages/index.js';
import type { Notebook } from '../../modelarts/index.js';
import type { ActContext } from '../handlers/context.js';
import { creatorOf } from '../handlers/ownership.js';

/** Lines per section and notebooks named per IAM user: one message stays under Slack's limits. */
const MAX_LINES = 40;
const MAX_UNOWNED = 30;

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

    const iamLines = [...byCreator.values()]
      .sort((a, b) => b.count - a.count || a.label.localeCompare(b.label))
      .map((e) => {
        const who = e.link
          ? `${mention(e.link.slackUserId)} (${e.link.source === 'policy' ? 'policy file' : 'linked in Slack'})`
          : '_not linked_';
        return `• ${codeSpan(e.label)} → ${who} · ${e.count} notebook${e.count === 1 ? '' : 's'}`;
      });
    const idleLinks = links
      .filter((l) => !usedLinks.has(l.iam))
      .map(
        (l) =>
          `• ${codeSpan(l.iam)} → ${mention(l.slackUserId)} (${l.source === 'policy' ? 'policy file' : 'linked in Slack'})`,
      );
    const unownedLines = unowned.slice(0, MAX_UNOWNED).map((n) => {
      const creator = describeIamUser(creatorOf(n));
      return `• ${codeSpan(n.name || n.id)} · ${n.status}${creator ? ` · by ${codeSpan(creator)}` : ''}`;
    });

    const blocks: KnownBlock[] = [
      { type: 'section', text: mrkdwn(`*IAM users seen on notebooks* (${byCreator.size})`) },
      { type: 'section', text: mrkdwn(clip(iamLines, '_No notebooks in this project._')) },
    ];
    if (idleLinks.length) {
      blocks.push(
        { type: 'section', text: mrkdwn('*Links with no notebooks yet*') },
        { type: 'section', text: mrkdwn(clip(idleLinks, '')) },
      );
    }
    blocks.push(
      { type: 'section', text: mrkdwn(`*Notebooks nobody owns in Slack* (${unowned.length})`) },
      { type: 'section', text: mrkdwn(clip(unownedLines, '_None: every notebook has an owner._')) },
    );
    if (unowned.length > MAX_UNOWNED) {
      blocks.push({ type: 'context', elements: [mrkdwn(`…and ${unowned.length - MAX_UNOWNED} more.`)] });
    }
    blocks.push({
      type: 'context',
      elements: [
        mrkdwn(
          `Link an IAM user with ${codeSpan(`${deps.commandName} link @user <iam-user>`)} (or \`identities\` in the policy file), or give one notebook an owner with ${codeSpan(`${deps.commandName} adopt <name> @user`)}.`,
        ),
      ],
    });
    await ctx.reply({ text: `IAM users: ${byCreator.size}, unowned notebooks: ${unowned.length}`, blocks });
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
    await ctx.reply({ text: `:warning: I could not list the notebooks. ${userMessageFor(err, ref)}` });
  }
}

/** Lines as one section's text, within Slack's 3000 characters. */
function clip(lines: readonly string[], empty: string): string {
  if (lines.length === 0) return empty;
  let out = '';
  let shown = 0;
  for (const l of lines.slice(0, MAX_LINES)) {
    if (out.length + l.length + 1 > 2800) break;
    out = out ? `${out}\n${l}` : l;
    shown += 1;
  }
  return shown < lines.length ? `${out}\n…and ${lines.length - shown} more.` : out;
}
