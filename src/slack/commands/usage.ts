import { codeSpan, errorRef, escapeMrkdwn, mention, usageReportBlocks, userMessageFor } from '../../messages/index.js';
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
    await ctx.reply({ text: ':warning: Usage accounting is not available in this deployment.' });
    return;
  }
  const now = deps.clock.now();
  const month = monthText ? parseMonth(monthText, now) : currentMonth(now);
  if (!month) {
    await ctx.reply({
      text: `:warning: I could not read ${codeSpan(monthText ?? '')} as a month. Write it like ${codeSpan('2026-11')}, ${codeSpan('nov')}, ${codeSpan('last')} or ${codeSpan('this')}: ${codeSpan(`${deps.commandName} usage [month] [@user]`)}.`,
    });
    return;
  }
  if (month.from > now) {
    await ctx.reply({ text: `:warning: ${escapeMrkdwn(month.label)} has not started yet: no usage to show.` });
    return;
  }
  const admin = await deps.access.isAdmin(ctx.userId);
  let only = userId;
  if (!admin) {
    if (userId && userId !== ctx.userId) {
      await ctx.reply({
        text: `:no_entry: Only admins can see other people's usage. ${codeSpan(`${deps.commandName} usage`)} shows yours. Ask ${deps.access.adminContact()}.`,
      });
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
    await ctx.reply({ text: `:warning: I could not read the usage. ${userMessageFor(err, ref)}` });
  }
}
