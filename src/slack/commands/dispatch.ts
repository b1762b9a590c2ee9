import { buildDeleteConfirmMessage, commandReply } from '../../messages/index.js';
import type { ParsedCommand } from '../command.js';
import { parseLeaseDuration } from '../duration.js';
import type { ActContext } from '../handlers/context.js';
import { creatorOf } from '../handlers/ownership.js';
import { extendNotebook, showStatus, stopNotebook } from '../handlers/verbs.js';
import { adoptCommand } from './adopt.js';
import { auditCommand } from './audit.js';
import { openCreateModal } from './create.js';
import { linkCommand, unlinkCommand } from './link.js';
import { listNotebooks } from './list.js';
import { scheduleCommand } from './schedule.js';
import { startWithDuration, startWithModal } from './start.js';
import { usageCommand } from './usage.js';
import { whoCommand } from './who.js';
import { withNotebook } from './with-notebook.js';

type Work = Exclude<ParsedCommand, { kind: 'help' } | { kind: 'error' }>;

/**
 * Runs a parsed `/notebook` subcommand after the ack. `create` and `start` without a duration
 * open their modal first thing (the trigger_id is still fresh); everything else may take its time.
 */
export async function dispatchCommand(ctx: ActContext, parsed: Work, triggerId: string): Promise<void> {
  switch (parsed.kind) {
    case 'create':
      await openCreateModal(ctx.deps, ctx.client, {
        triggerId,
        userId: ctx.userId,
        channelId: ctx.channelId,
        name: parsed.name,
        reply: ctx.reply,
      });
      return;
    case 'start':
      if (parsed.duration === undefined) await startWithModal(ctx, parsed.target, triggerId);
      else await startWithDuration(ctx, parsed.target, parsed.duration);
      return;
    case 'stop':
      await withNotebook(ctx, parsed.target, { verb: 'stop' }, (nb) =>
        stopNotebook(ctx, { id: nb.id, name: nb.name || nb.id, status: nb.status, creator: creatorOf(nb) }),
      );
      return;
    case 'delete':
      await withNotebook(ctx, parsed.target, { verb: 'delete' }, (nb) => ctx.reply(buildDeleteConfirmMessage(nb)));
      return;
    case 'status':
      await withNotebook(ctx, parsed.target, { verb: 'status' }, (nb) =>
        showStatus(ctx, { id: nb.id, name: nb.name || nb.id }),
      );
      return;
    case 'extend': {
      const amount = parseLeaseDuration(parsed.amount);
      if (!amount.ok) {
        await ctx.reply({ text: commandReply.invalid(amount.message) });
        return;
      }
      await withNotebook(ctx, parsed.target, { verb: 'extend', addMs: amount.ms }, (nb) =>
        extendNotebook(
          ctx,
          { id: nb.id, name: nb.name || nb.id, status: nb.status, lease: nb.lease, creator: creatorOf(nb) },
          amount.ms,
        ),
      );
      return;
    }
    case 'list':
      await listNotebooks(ctx, parsed.filter);
      return;
    case 'adopt':
      await adoptCommand(ctx, parsed.target, parsed.ownerId);
      return;
    case 'audit':
      await auditCommand(ctx, parsed.target);
      return;
    case 'link':
      await linkCommand(ctx, parsed.iam, parsed.slackUserId);
      return;
    case 'unlink':
      await unlinkCommand(ctx, parsed.iam, parsed.slackUserId);
      return;
    case 'who':
      await whoCommand(ctx);
      return;
    case 'schedule':
      await scheduleCommand(ctx, parsed, triggerId);
      return;
    case 'usage':
      await usageCommand(ctx, parsed.month, parsed.userId);
      return;
  }
}
