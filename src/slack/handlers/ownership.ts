import type { AccessAction, AccessRequest, Decision } from '../../access/index.js';
import { describeIamUser, type IamUser, type LinkResolver, type Ownership } from '../../access/index.js';
import type { Notebook } from '../../modelarts/index.js';
import type { NotebookRecord } from '../../store/index.js';
import type { SlackDeps } from '../deps.js';
import type { ActContext } from './context.js';

/**
 * Who owns a notebook, as every Slack entry point sees it: the bot's record, else the creator's
 * identity link (src/access identities). And what a user may do with a notebook, decided before
 * a form opens or a button is shown.
 */

/** A notebook's creator as ModelArts reports it. */
export function creatorOf(nb: Pick<Notebook, 'user'> | undefined): IamUser | undefined {
  const u = nb?.user;
  return u && (u.id || u.name) ? { id: u.id, name: u.name } : undefined;
}

/** The notebook part of an access request: owner from the record or a link, creator for the wording. */
export function accessNotebook(
  ref: { id: string; name: string },
  ownership: Ownership,
  creator: IamUser | undefined,
): NonNullable<AccessRequest['notebook']> {
  const who = describeIamUser(creator);
  return {
    id: ref.id,
    name: ref.name,
    ...(ownership.ownerId ? { ownerId: ownership.ownerId } : {}),
    ...(who ? { creator: who } : {}),
  };
}

/**
 * Writes the record of a notebook made outside the bot whose creator is linked (`origin:
 * 'linked'`), so the owner's App Home, the worker and the lease buttons know it like any other.
 * Only when the bot has no record yet, and only for its owner or an admin acting on it: a refused
 * stranger's command leaves nothing behind. Messages go to `channelId` (where the owner acted),
 * else the owner's DM.
 */
export async function rememberLinked(
  deps: Pick<SlackDeps, 'store' | 'clock' | 'access'>,
  nb: { id: string; name: string; flavor?: string | undefined; status?: string | undefined },
  creator: IamUser | undefined,
  ownership: Ownership,
  actor: { userId: string; channelId?: string | undefined; teamId?: string | undefined },
): Promise<NotebookRecord | undefined> {
  if (ownership.via !== 'link' || !ownership.ownerId) return undefined;
  const isOwner = actor.userId === ownership.ownerId;
  if (!isOwner && !(await deps.access.isAdmin(actor.userId))) return undefined;
  if (await deps.store.get(nb.id)) return undefined;
  const now = deps.clock.now();
  const record: NotebookRecord = {
    notebookId: nb.id,
    name: nb.name,
    ownerId: ownership.ownerId,
    // A user id as the channel means "the DM with the bot" (chat.postMessage opens it).
    channelId: isOwner && actor.channelId ? actor.channelId : ownership.ownerId,
    origin: 'linked',
    createdAt: now,
    updatedAt: now,
    ...(actor.teamId ? { teamId: actor.teamId } : {}),
    ...(nb.flavor ? { flavor: nb.flavor } : {}),
    ...(nb.status ? { lastStatus: nb.status } : {}),
    ...(creator?.id ? { iamUserId: creator.id } : {}),
    ...(creator?.name ? { iamUserName: creator.name } : {}),
  };
  await deps.store.put(record);
  return record;
}

/** What a user may do with each of some notebooks: those they may act on, and why not for the rest. */
export interface Permitted {
  allowed: Notebook[];
  refused: Array<{ notebook: Notebook; decision: Extract<Decision, { allowed: false }> }>;
}

/**
 * Judges `verb` on each notebook for this user, before a picker, a form or a button offers it.
 * Flavor, lease and approval rules are judged again, in full, when the request is made; this is
 * who may act on which notebook, and where.
 */
export async function sortByPermission(
  ctx: ActContext,
  verb: AccessAction,
  notebooks: readonly Notebook[],
  resolve?: LinkResolver,
): Promise<Permitted> {
  const { deps } = ctx;
  const lookup = resolve ?? (await deps.access.identities.resolver());
  const records = new Map((await deps.store.getMany(notebooks.map((n) => n.id))).map((r) => [r.notebookId, r]));
  const out: Permitted = { allowed: [], refused: [] };
  for (const nb of notebooks) {
    const creator = creatorOf(nb);
    const ownership = await deps.access.identities.ownerOf(records.get(nb.id), creator, lookup);
    const decision = await deps.access.check({
      userId: ctx.userId,
      action: verb,
      notebook: accessNotebook({ id: nb.id, name: nb.name || nb.id }, ownership, creator),
      ...(ctx.teamId ? { teamId: ctx.teamId } : {}),
      ...(ctx.channelId ? { channelId: ctx.channelId } : {}),
    });
    if (decision.allowed) out.allowed.push(nb);
    else out.refused.push({ notebook: nb, decision });
  }
  return out;
}

/** Audits a refusal decided before any form or button, and tells the user why and what to do. */
export async function refuseUpFront(ctx: ActContext, verb: string, refused: Permitted['refused']): Promise<void> {
  const first = refused[0];
  if (!first) return;
  for (const r of refused) {
    await ctx.deps.access.audit({
      userId: ctx.userId,
      action: verb,
      notebookId: r.notebook.id,
      notebookName: r.notebook.name,
      ...(ctx.channelId ? { channelId: ctx.channelId } : {}),
      outcome: 'refused',
      rule: r.decision.rule,
    });
  }
  const text =
    refused.length === 1
      ? `:no_entry: ${first.decision.message}`
      : `:no_entry: You may not ${verb} any of the notebooks that match:\n${refused
          .slice(0, 10)
          .map((r) => `• ${r.decision.message}`)
          .join('\n')}`;
  await ctx.reply({ text });
}
