import type { AccessAction, AccessRequest } from '../../access/index.js';
import { commandReply, type PickValue } from '../../messages/index.js';
import type { ActContext } from './context.js';
import { accessNotebook } from './ownership.js';

/**
 * Asks access control before any lookup: the rules that need no cloud call (who may use the bot,
 * where, admin-only actions, ownership of a notebook the bot knows) refuse here, so a refused
 * request costs no ModelArts call at all. An allowed request is judged again, in full (flavor,
 * lease, approvals), by `submitOperation` once the notebook is known.
 *
 * A refusal is audited and answered privately with the decision's message (the rule and who to
 * ask). Returns whether the request may go on.
 */
export async function passesGate(
  ctx: ActContext,
  request: { action: AccessAction; notebook?: AccessRequest['notebook'] },
  /** What the audit entry calls the attempt (the subcommand or verb); default the action. */
  attempted: string = request.action,
): Promise<boolean> {
  const { deps } = ctx;
  const decision = await deps.access.check({
    userId: ctx.userId,
    action: request.action,
    ...(request.notebook ? { notebook: request.notebook } : {}),
    ...(ctx.teamId ? { teamId: ctx.teamId } : {}),
    ...(ctx.channelId ? { channelId: ctx.channelId } : {}),
  });
  if (decision.allowed) return true;
  await deps.access.audit({
    userId: ctx.userId,
    action: attempted,
    ...(request.notebook ? { notebookId: request.notebook.id, notebookName: request.notebook.name } : {}),
    ...(ctx.channelId ? { channelId: ctx.channelId } : {}),
    outcome: 'refused',
    rule: decision.rule,
  });
  await ctx.reply({ text: commandReply.refused(decision.message) });
  return false;
}

/**
 * The gate for a button that names a notebook by id (picker, delete confirmation, App Home):
 * judged on the bot's own record of the notebook, before the button's refresh from ModelArts. A
 * notebook the bot has no owner for is judged after the refresh, by its creator's link.
 */
export async function passesPickGate(ctx: ActContext, value: PickValue): Promise<boolean> {
  if (value.verb === 'status') return true; // showStatus checks `view` itself, before its lookup
  const record = await ctx.deps.store.get(value.notebookId);
  // No owner on record: its creator's identity link decides, once the refresh has read it.
  if (!record?.ownerId) return true;
  const creator = record.origin === 'linked' ? { id: record.iamUserId, name: record.iamUserName } : undefined;
  const ownership = await ctx.deps.access.identities.ownerOf(record, creator);
  return passesGate(ctx, {
    action: value.verb,
    notebook: accessNotebook({ id: value.notebookId, name: record.name || value.name }, ownership, creator),
  });
}
