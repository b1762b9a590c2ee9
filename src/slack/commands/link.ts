import { RULES } from '../../access/index.js';
import { errorRef, linkReply, userMessageFor } from '../../messages/index.js';
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
      await ctx.reply({ text: linkReply.already(target, iam) });
      return;
    }
    if (result.kind === 'taken') {
      await ctx.reply({
        text: linkReply.taken(deps.commandName, iam, result.link.slackUserId, result.link.source === 'policy'),
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
    await ctx.reply({ text: linkReply.linked(target, iam) });
    if (!self) {
      await ctx.client.chat
        .postMessage({
          channel: target,
          text: linkReply.linkedYou(deps.commandName, ctx.userId, iam),
        })
        .catch((err: unknown) => deps.logger.warn({ err }, 'could not tell the newly linked user'));
    }
    await deps.publishHome(target, { live: true });
  } catch (err) {
    const ref = errorRef();
    deps.logger.warn({ err, ref }, 'link failed');
    await ctx.reply({ text: linkReply.linkFailed(iam, userMessageFor(err, ref)) });
  }
}

/** A person asks to be linked to an IAM user: an admin approves it, or nothing happens. */
async function requestOwnLink(ctx: ActContext, iam: string): Promise<void> {
  const { deps } = ctx;
  const existing = await deps.access.identities.linkOf(iam);
  if (existing?.slackUserId === ctx.userId) {
    await ctx.reply({ text: linkReply.alreadyYours(iam) });
    return;
  }
  if (existing) {
    await ctx.reply({ text: linkReply.someoneElses(iam, existing.slackUserId, deps.access.adminContact()) });
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
    await ctx.reply({ text: linkReply.noApprovals(deps.commandName, iam, deps.access.adminContact()) });
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
    await ctx.reply({ text: linkReply.askFailed(userMessageFor(err, ref)) });
  }
}

/** An admin removes a link; the notebooks it gave are read-only again (audited). */
export async function unlinkCommand(ctx: ActContext, iam: string, slackUserId: string | undefined): Promise<void> {
  const { deps } = ctx;
  try {
    const existing = await deps.access.identities.linkOf(iam);
    if (existing && slackUserId && existing.slackUserId !== slackUserId) {
      await ctx.reply({ text: linkReply.notThatUser(iam, existing.slackUserId, slackUserId) });
      return;
    }
    const result = await deps.access.identities.unlink({ iam });
    if (result.kind === 'none') {
      await ctx.reply({ text: linkReply.notLinked(deps.commandName, iam) });
      return;
    }
    if (result.kind === 'policy') {
      await ctx.reply({ text: linkReply.inPolicyFile(iam, result.link.slackUserId) });
      return;
    }
    await deps.access.audit({
      userId: ctx.userId,
      action: 'unlink',
      ...(ctx.channelId ? { channelId: ctx.channelId } : {}),
      outcome: 'succeeded',
      detail: `${result.link.slackUserId} -x- IAM user ${iam}; ${result.released} notebook record(s) released`,
    });
    await ctx.reply({ text: linkReply.unlinked(result.link.slackUserId, iam) });
    await deps.publishHome(result.link.slackUserId, { live: true });
  } catch (err) {
    const ref = errorRef();
    deps.logger.warn({ err, ref }, 'unlink failed');
    await ctx.reply({ text: linkReply.unlinkFailed(iam, userMessageFor(err, ref)) });
  }
}
