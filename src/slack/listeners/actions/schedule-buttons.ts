import type { AllMiddlewareArgs, BlockAction, ButtonAction, SlackActionMiddlewareArgs } from '@slack/bolt';
import type { KnownBlock } from '@slack/types';
import {
  decodeSkipStopValue,
  errorRef,
  scheduleText,
  userMessageFor,
  withLeaseOutcome,
} from '../../../messages/index.js';
import { rateLimitMessage } from '../../../operations/index.js';
import { openScheduleModal } from '../../commands/schedule.js';
import type { SlackDeps } from '../../deps.js';

type Args = SlackActionMiddlewareArgs<BlockAction> & AllMiddlewareArgs;

/**
 * "Skip tonight's stop" on a lease warning before a scheduled stop: the owner or an admin skips
 * that closing (recorded once, however often it is clicked) and the notebook's lease is extended
 * to the next scheduled stop through the one queue path; the warning is updated in place.
 */
export function skipStopClick(deps: SlackDeps) {
  return async ({ ack, body, action, client }: Args): Promise<void> => {
    await ack();
    const button = action as ButtonAction;
    const value = decodeSkipStopValue(button.value);
    const userId = body.user.id;
    const container = body.container as { channel_id?: string; message_ts?: string; thread_ts?: string } | undefined;
    const message = body.message as { ts?: string; thread_ts?: string; blocks?: KnownBlock[] } | undefined;
    const channelId = body.channel?.id ?? container?.channel_id;
    const threadTs = message?.thread_ts ?? container?.thread_ts;
    const ephemeral = async (text: string) => {
      if (!channelId) return;
      await client.chat
        .postEphemeral({ channel: channelId, user: userId, text, ...(threadTs ? { thread_ts: threadTs } : {}) })
        .catch((err: unknown) => deps.logger.warn({ err }, 'could not send an ephemeral reply'));
    };
    if (!value || !deps.schedules) {
      deps.logger.warn('skip-stop button with an unreadable value; ignored');
      return;
    }
    try {
      const slow = await rateLimitMessage(deps, userId, 'schedule_skip', channelId);
      if (slow) {
        await ephemeral(slow);
        return;
      }
      const record = await deps.store.get(value.notebookId);
      const ownerId =
        record?.origin === 'linked'
          ? (await deps.access.identities.ownerOf(record, undefined)).ownerId
          : record?.ownerId;
      const result = await deps.schedules.skipStop(
        { userId, ...(body.team?.id ? { teamId: body.team.id } : {}), ...(channelId ? { channelId } : {}) },
        {
          id: value.notebookId,
          name: record?.name || value.name,
          ...(ownerId ? { ownerId } : {}),
          ...(record?.channelId ? { channelId: record.channelId } : {}),
          ...(record?.threadTs ? { threadTs: record.threadTs } : {}),
        },
        value.close,
      );
      if (!result.ok) {
        await ephemeral(result.message);
        return;
      }
      const blocks = Array.isArray(message?.blocks) ? message.blocks : undefined;
      const outcome = result.until !== undefined ? scheduleText.skipClicked(userId, result.until) : result.message;
      const updated = blocks ? withLeaseOutcome(blocks, value.notebookId, outcome) : undefined;
      if (updated && channelId && message?.ts) {
        await client.chat
          .update({ channel: channelId, ts: message.ts, text: outcome, blocks: updated })
          .catch((err: unknown) => deps.logger.warn({ err }, 'could not update the lease warning'));
      } else {
        await ephemeral(result.message);
      }
      if (ownerId) await deps.publishHome(ownerId);
    } catch (err) {
      const ref = errorRef();
      deps.logger.error({ err, ref, notebookId: value.notebookId }, 'skip-stop button failed');
      await ephemeral(`:warning: ${userMessageFor(err, ref)}`);
    }
  };
}

/** App Home's *Working hours* button: the schedule form for that notebook. */
export function homeScheduleButton(deps: SlackDeps) {
  return async ({ ack, body, action, client }: Args): Promise<void> => {
    await ack();
    if (!deps.schedules) return;
    let name: string | undefined;
    let id: string | undefined;
    try {
      const v = JSON.parse((action as ButtonAction).value ?? '') as { n?: unknown; m?: unknown };
      if (typeof v.n === 'string') id = v.n;
      if (typeof v.m === 'string') name = v.m;
    } catch {
      // an unreadable value opens an empty form
    }
    const current = id
      ? await deps.schedules.show({ id, name: name ?? id }, deps.commandName).catch(() => undefined)
      : undefined;
    await openScheduleModal(deps, client, {
      triggerId: body.trigger_id,
      userId: body.user.id,
      name,
      ...(current && 'view' in current && current.view ? { current: current.view.text } : {}),
    });
  };
}
