import type { WebClient } from '@slack/web-api';
import { buildCreateModal, buildNoticeModal, commandReply, errorRef, userMessageFor } from '../../messages/index.js';
import type { Replier } from '../../operations/index.js';
import type { SlackDeps } from '../deps.js';
import { encodedView } from '../encoded-view.js';
import { createCosts } from '../forms/create-costs.js';

export interface OpenCreateModalInput {
  triggerId: string;
  userId: string;
  /** Channel the command ran in; undefined from App Home (progress then goes to a DM). */
  channelId?: string | undefined;
  name?: string | undefined;
  reply: Replier;
}

/**
 * Opens the create modal with the trigger_id at once, before anything slow (the trigger lives
 * 3 s and works once). Then, with the modal open: warms the flavor/image cache for the options
 * requests to come, and checks that this user may create at all; a refusal replaces the form
 * with the reason, so nobody fills in a form for nothing.
 */
export async function openCreateModal(deps: SlackDeps, client: WebClient, input: OpenCreateModalInput): Promise<void> {
  let viewId: string | undefined;
  try {
    const res = await client.views.open({
      trigger_id: input.triggerId,
      view: encodedView(
        buildCreateModal({
          defaults: deps.defaults,
          metadata: input.channelId ? { channelId: input.channelId } : {},
          name: input.name,
          costs: createCosts(deps.access),
        }),
      ),
    });
    viewId = res.view?.id;
  } catch (err) {
    const ref = errorRef();
    deps.logger.error({ err, ref }, 'views.open failed for the create modal');
    await input.reply({ text: commandReply.formNotOpened(userMessageFor(err, ref), { slowTrigger: true }) });
    return;
  }
  deps.catalog.warm();
  const decision = await deps.access.check({
    userId: input.userId,
    action: 'create',
    ...(input.channelId ? { channelId: input.channelId } : {}),
  });
  if (!decision.allowed) {
    await deps.access.audit({
      userId: input.userId,
      action: 'create',
      ...(input.name ? { notebookName: input.name } : {}),
      ...(input.channelId ? { channelId: input.channelId } : {}),
      outcome: 'refused',
      rule: decision.rule,
    });
  }
  if (!decision.allowed && viewId) {
    await client.views
      .update({ view_id: viewId, view: buildNoticeModal('New notebook', `:no_entry: ${decision.message}`) })
      .catch((err: unknown) => deps.logger.warn({ err }, 'could not show the refusal in the modal'));
  }
}
