import { commandReply, errorRef, renderAuditBlocks, userMessageFor } from '../../messages/index.js';
import type { ActContext } from '../handlers/context.js';

/** Entries shown by `/notebook audit`: enough to see what just happened, within one message. */
const AUDIT_ENTRIES = 30;

/**
 * `/notebook audit [name-or-id]` (admins; the listener has already checked `audit`): the newest
 * audit entries, allowed and refused alike, for one notebook (its name or id, exactly) or for
 * all, as an ephemeral message. Reading the trail is itself recorded, after the read.
 */
export async function auditCommand(ctx: ActContext, target: string | undefined): Promise<void> {
  const { deps } = ctx;
  try {
    const entries = await deps.access.readAudit({ ...(target ? { notebook: target } : {}), limit: AUDIT_ENTRIES });
    await ctx.reply({
      text: commandReply.auditTitle(target),
      blocks: renderAuditBlocks(entries, target ? { notebook: target } : {}),
    });
    await deps.access.audit({
      userId: ctx.userId,
      action: 'audit',
      ...(target ? { notebookName: target } : {}),
      ...(ctx.channelId ? { channelId: ctx.channelId } : {}),
      outcome: 'allowed',
      detail: `read ${entries.length} entr${entries.length === 1 ? 'y' : 'ies'}`,
    });
  } catch (err) {
    const ref = errorRef();
    deps.logger.warn({ err, ref }, 'audit read failed');
    await ctx.reply({ text: commandReply.auditFailed(userMessageFor(err, ref)) });
  }
}
