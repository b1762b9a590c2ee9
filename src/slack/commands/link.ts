import { RULES } from '../../access/index.js';
import { codeSpan, errorRef, mention, userMessageFor } from '../../messages/index.js';
import type { ActContext } from '../handlers/context.js';

/**
 * `/notebook link …` and `/notebook unlink …`: which Slack user an IAM user is. The listener has
 * already judged `link` (admins only) for linking someone else and for unlinking; a person
 * linking themselves is judged as `use`, and goes through an admin's approval here: nobody
 * grants themselves someone's notebooks.
 */

/** An admin links `slackUserId` to `iam` at once (audited); the person is told by DM. */
export async function linkCommand(ctx: ActContext, iam: string, slackUserId: string | undefined): Promise<void> {
  const { deps } = ctx;
  const target = slackUserId ?? ctx.userId;
  const self = target === ctx.userId;
  try {
    if (self && !(await deps.access.isAdmin(ctx.userId))) {
      await requestOwnLink(ctx, iam);
      return;
    }
    const result = await deps.access.identities.link({ slackUserId: target, iam, by: ctx.userId });
    if (result.kind === 'already') {
      await ctx.reply({
        text: `${mention(target)} is already linked to IAM user ${codeSpan(iam)}. Nothing changed.`,
      });
      return;
    }
    if (result.kind === 'taken') {
      await ctx.reply({
        text: `:no_entry: IAM user ${codeSpan(iam)} is linked to ${mention(result.link.slackUserId)}${result.link.source === 'policy' ? ' in the policy file (change it there)' : ''}. Unlink it first: ${codeSpan(`${deps.commandName} unlink ${iam}`)}.`,
      });
      return;
    }
    await deps.access.audit({
      userId: ctx.userId,
      action: 'link',
      ...(ctx.channelId ? { channelId: ctx.channelId } : {}),
      outcome: 'succeeded',
      detail: `${target} -> IAM user ${iam}`,
    });
    await ctx.reply({
      text: `:link: ${mention(target)} is now linked to IAM user ${codeSpan(iam)}: notebooks it created are theirs in Slack.`,
    });
    if (!self) {
      await ctx.client.chat
        .postMessage({
          channel: target,
          text: `:link: ${mention(ctx.userId)} linked you to Huawei IAM user ${codeSpan(iam)}. Notebooks it created are yours in Slack now: ${codeSpan(`${deps.commandName} list`)} shows them.`,
        })
        .catch((err: unknown) => deps.logger.warn({ err }, 'could not tell the newly linked user'));
    }
    await deps.publishHome(target, { live: true });
  } catch (err) {
    const ref = errorRef();
    deps.logger.warn({ err, ref }, 'link failed');
    await ctx.reply({ text: `:warning: I could not link ${codeSpan(iam)}. ${userMessageFor(err, ref)}` });
  }
}

/** A person asks to be linked to an IAM user: an admin approves it, or nothing happens. */
async function requestOwnLink(ctx: ActContext, iam: string): Promise<void> {
  const { deps } = ctx;
  const existing = await deps.access.identities.linkOf(iam);
  if (existing?.slackUserId === ctx.userId) {
    await ctx.reply({ text: `You are already linked to IAM user ${codeSpan(iam)}. Nothing to do.` });
    return;
  }
  if (existing) {
    await ctx.reply({
      text: `:no_entry: IAM user ${codeSpan(iam)} is linked to ${mention(existing.slackUserId)}. If that is wrong, ask ${deps.access.adminContact()}.`,
    });
    return;
  }
  const approval = {
    rule: RULES.approvalIdentityLink,
    reason: 'being linked to an IAM user gives its notebooks to you, so an admin confirms who you are',
  };
  if (!deps.onApprovalRequired) {
    await deps.access.audit({
      userId: ctx.userId,
      action: 'link',
      outcome: 'refused',
      rule: approval.rule,
      detail: `asked for IAM user ${iam}; approvals are not set up`,
    });
    await ctx.reply({
      text: `:raised_hand: Linking you to IAM user ${codeSpan(iam)} needs an admin, and approvals are not set up here. Ask ${deps.access.adminContact()} to run ${codeSpan(`${deps.commandName} link @you ${iam}`)}.`,
    });
    return;
  }
  const dedupeKey = `${deps.prefix}:slack:op:${ctx.opId}`;
  if ((await deps.redis.set(dedupeKey, '1', 'EX', 24 * 3600, 'NX')) !== 'OK') return; // a Slack retry
  try {
    await deps.onApprovalRequired({
      operation: {
        kind: 'link',
        opId: ctx.opId,
        requester: {
          userId: ctx.userId,
          channelId: ctx.channelId ?? '',
          ...(ctx.teamId ? { teamId: ctx.teamId } : {}),
        },
        requestedAt: deps.clock.now(),
        iam,
      },
      access: { userId: ctx.userId, action: 'link', ...(ctx.channelId ? { channelId: ctx.channelId } : {}) },
      approval,
      client: ctx.client,
    });
  } catch (err) {
    await deps.redis.del(dedupeKey).catch(() => undefined);
    const ref = errorRef();
    deps.logger.error({ err, ref }, 'link approval request failed');
    await ctx.reply({ text: `:warning: I could not ask the admins. ${userMessageFor(err, ref)}` });
  }
}

/** An admin removes a link; the notebooks it gave are read-only again (audited). */
export async function unlinkCommand(ctx: ActContext, iam: string, slackUserId: string | undefined): Promise<void> {
  const { deps } = ctx;
  try {
    const existing = await deps.access.identities.linkOf(iam);
    if (existing && slackUserId && existing.slackUserId !== slackUserId) {
      await ctx.reply({
        text: `IAM user ${codeSpan(iam)} is linked to ${mention(existing.slackUserId)}, not ${mention(slackUserId)}. Nothing changed.`,
      });
      return;
    }
    const result = await deps.access.identities.unlink({ iam });
    if (result.kind === 'none') {
      await ctx.reply({
        text: `IAM user ${codeSpan(iam)} is not linked to anyone. ${codeSpan(`${deps.commandName} who`)} lists the links.`,
      });
      return;
    }
    if (result.kind === 'policy') {
      await ctx.reply({
        text: `:no_entry: IAM user ${codeSpan(iam)} is linked to ${mention(result.link.slackUserId)} in the policy file (\`identities\`). Remove it there and restart the bot.`,
      });
      return;
    }
    await deps.access.audit({
      userId: ctx.userId,
      action: 'unlink',
      ...(ctx.channelId ? { channelId: ctx.channelId } : {}),
      outcome: 'succeeded',
      detail: `${result.link.slackUserId} -x- IAM user ${iam}; ${result.released} notebook record(s) released`,
    });
    await ctx.reply({
      text: `:broken_chain: ${mention(result.link.slackUserId)} is no longer linked to IAM user ${codeSpan(iam)}; the notebooks it created are read-only in Slack again.`,
    });
    await deps.publishHome(result.link.slackUserId, { live: true });
  } catch (err) {
    const ref = errorRef();
    deps.logger.warn({ err, ref }, 'unlink failed');
    await ctx.reply({ text: `:warning: I could not unlink ${codeSpan(iam)}. ${userMessageFor(err, ref)}` });
  }
}
