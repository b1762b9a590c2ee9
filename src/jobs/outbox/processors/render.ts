import type { KnownBlock } from '@slack/types';
import { DelayedError, type Job } from 'bullmq';
import { decodeSlackError, type SlackFailure } from '../../../messages/index.js';
import { openDm, postMessage } from '../client.js';
import { clearFailures, type ProcessorContext } from '../context.js';
import { jitter } from '../pacing.js';
import { OUTBOX_SCRIPTS } from '../scripts.js';
import { type PostedMessage, type RenderJobData, SLACK_PRIORITY } from '../types.js';

/**
 * A `render` job: sends the latest state of one status message (scripts/take.lua decides whether,
 * when and how), one send per activation so the budgets pace Slack calls.
 */
export async function processRender(ctx: ProcessorContext, job: Job<RenderJobData>, token: string): Promise<void> {
  const key = ctx.keys.message(job.data.key);
  const owner = job.data.owner;
  const budget = ctx.pacing.update;
  // One send per activation, so budgets pace Slack calls; the loop only continues for an
  // urgent state that arrived during the send, or one that must go another way.
  for (;;) {
    const taken = (await OUTBOX_SCRIPTS.take.run(
      ctx.redis,
      [key, ctx.keys.budget('update')],
      [
        Date.now(),
        owner,
        budget?.intervalMs ?? 0,
        budget?.toleranceMs ?? 0,
        Math.max(ctx.minUpdateIntervalMs, budget?.intervalMs ?? 0),
      ],
    )) as string[];
    const verdict = taken[0];
    if (verdict === 'stale' || verdict === 'done') return;
    if (verdict === 'wait') {
      const urgent = taken[2] === '1';
      // After an urgent send, the progress that follows goes back behind other urgent work.
      if (!urgent && job.priority === SLACK_PRIORITY.urgent)
        await job.changePriority({ priority: SLACK_PRIORITY.progress }).catch(() => undefined);
      await job.moveToDelayed(Date.now() + (urgent ? Number(taken[1]) : jitter(Number(taken[1]))), token);
      // An urgent state published while this job was deciding to park (its publisher saw the
      // job active, so did not wake it): wake it now rather than after the park.
      if (!urgent && (await ctx.redis.hget(key, 'urgent')) === '1') {
        await job.changePriority({ priority: SLACK_PRIORITY.urgent }).catch(() => undefined);
        await job.promote().catch(() => undefined);
      }
      throw new DelayedError();
    }
    const [, , channel, ts, text, blocks, digest, urgentFlag, mode, user] = taken;
    if (!channel || !ts) {
      await OUTBOX_SCRIPTS.release.run(ctx.redis, [key], [owner]);
      return;
    }
    const urgent = urgentFlag === '1';
    const message = { text: text ?? '', blocks: JSON.parse(blocks ?? '[]') as KnownBlock[] };
    let movedTo: PostedMessage | undefined;
    try {
      if (mode === 'post') movedTo = await postMessage(ctx.slack, { channel, ...message });
      else if (mode === 'dm' && user)
        movedTo = await postMessage(ctx.slack, { channel: await openDm(ctx.slack, user), ...message });
      else await ctx.slack.chat.update({ channel, ts, ...message });
    } catch (err) {
      const failure = decodeSlackError(err);
      if (failure?.kind === 'permanent') {
        const next = urgent ? fallbackMode(mode ?? '', failure, user) : undefined;
        if (next) {
          // The outcome must reach the person: a new message in the channel when this one
          // cannot be edited, a direct message when the channel itself is gone.
          ctx.logger.warn(
            { code: failure.code, channel, ts, via: next },
            'status message cannot be updated; sending the outcome another way',
          );
          await OUTBOX_SCRIPTS.restore.run(ctx.redis, [key], [owner, 0, '1', next]);
          continue;
        }
        // message_not_found on a progress update, invalid_blocks, invalid_auth…: retrying will
        // not help; a later publish tries again with fresh content.
        const line = { code: failure.code, scope: failure.scope, channel, ts };
        if (urgent) ctx.logger.error(line, 'Slack refused the outcome of an operation; giving it up');
        else ctx.logger.warn(line, 'Slack refused a progress update; giving this state up');
        await OUTBOX_SCRIPTS.release.run(ctx.redis, [key], [owner]);
        return;
      }
      const blockedUntil = failure?.kind === 'rate_limited' ? Date.now() + failure.retryAfterMs : 0;
      await OUTBOX_SCRIPTS.restore.run(ctx.redis, [key], [owner, blockedUntil, urgent ? '1' : '0', '']);
      throw err;
    }
    await clearFailures(job);
    const tx = ctx.redis.multi();
    if (movedTo) {
      tx.hset(key, 'channel', movedTo.channel, 'ts', movedTo.ts, 'moved', '1').hdel(key, 'mode');
      ctx.logger.info({ channel: movedTo.channel, ts: movedTo.ts }, 'status message moved to a new message');
    }
    await tx
      .hset(key, 'nextAt', String(Date.now() + ctx.minUpdateIntervalMs), 'sentHash', digest ?? '')
      .pexpire(key, ctx.stateTtlMs)
      .exec();
  }
}

/**
 * How an urgent state goes next after Slack refused it for good (`undefined`: it cannot go):
 * an edit of a message that is gone or too old becomes a new message in the channel; a message
 * to a channel that is gone becomes a direct message to the requester.
 */
function fallbackMode(
  mode: string,
  failure: Extract<SlackFailure, { kind: 'permanent' }>,
  user: string | undefined,
): 'post' | 'dm' | undefined {
  if (failure.scope === 'channel') return mode !== 'dm' && user ? 'dm' : undefined;
  if (failure.scope === 'message' || failure.scope === 'thread') return mode === '' ? 'post' : undefined;
  return undefined;
}
