import { errorRef, mention, usageReply, usageReportBlocks, userMessageFor } from '../../messages/index.js';
import { currentMonth, parseMonth, summarize } from '../../usage/index.js';
import type { ActContext } from '../handlers/context.js';

/**
 * `/notebook usage [month] [@user]`: run time and cost by person, flavor and notebook in a month
 * (UTC; default this one), from the usage ledger. Admins see anyone's; everyone else sees their
 * own (without @user, or naming themselves), and is told so when they ask for someone else's.
 * Each read is audited.
 */
export async function usageCommand(
  ctx: ActContext,
  monthText: string | undefined,
  userId: string | undefined,
): Promise<void> {
  const { deps } = ctx;
  const usage = deps.access.usage;
  if (!usage) {
    await ctx.reply({ text: usageReply.unavailable(deps.access.adminContact()) });
    return;
  }
  const now = deps.clock.now();
  const month = monthText ? parseMonth(monthText, now) : currentMonth(now);
  if (!month) {
    await ctx.reply({ text: usageReply.badMonth(deps.commandName, monthText ?? '') });
    return;
  }
  if (month.from > now) {
    await ctx.reply({ text: usageReply.notStarted(month.label) });
    return;
  }
  const admin = await deps.access.isAdmin(ctx.userId);
  let only = userId;
  if (!admin) {
    if (userId && userId !== ctx.userId) {
      await ctx.reply({ text: usageReply.othersAdminOnly(deps.commandName, deps.access.adminContact()) });
      await deps.access.audit({
        userId: ctx.userId,
        action: 'usage',
        ...(ctx.channelId ? { channelId: ctx.channelId } : {}),
        outcome: 'refused',
        rule: 'admin_only',
        detail: `asked for ${userId}'s usage in ${month.label}`,
      });
      return;
    }
    only = ctx.userId;
  }
  try {
    const runs = await usage.ledger.runsBetween(month.from, month.to, now);
    const summary = summarize(only ? runs.filter((r) => r.ownerId === only) : runs, month, usage.prices);
    await ctx.reply(usageReportBlocks({ monthLabel: month.label, summary, userId: only, partial: month.to > now }));
    await deps.access.audit({
      userId: ctx.userId,
      action: 'usage',
      ...(ctx.channelId ? { channelId: ctx.channelId } : {}),
      outcome: 'allowed',
      detail: `usage of ${only ? mention(only) : 'everyone'} in ${month.label}`,
    });
  } catch (err) {
    const ref = errorRef();
    deps.logger.warn({ err, ref }, 'usage report failed');
    await ctx.reply({ text: usageReply.readFailed(userMessageFor(err, ref)) });
  }
}
