import type { AllMiddlewareArgs, BlockAction, PlainTextInputAction, SlackActionMiddlewareArgs } from '@slack/bolt';
import { decodeMetadata } from '../../../messages/index.js';
import type { SlackDeps } from '../../deps.js';
import { parseLeaseDuration } from '../../duration.js';
import { rerenderCreateModal } from '../../forms/rerender-create-modal.js';

/**
 * The auto-stop typed in the create form (dispatched only when the policy has prices): once it
 * reads as a valid duration different from the one quoted, the form is re-rendered so its cost
 * summary quotes it. Anything not (yet) a duration changes nothing: the submission still says
 * what is wrong with it.
 */
export function leaseTyped(deps: SlackDeps) {
  return async ({
    ack,
    body,
    action,
    client,
  }: SlackActionMiddlewareArgs<BlockAction<PlainTextInputAction>> & AllMiddlewareArgs): Promise<void> => {
    await ack();
    const view = body.view;
    if (!view) return;
    const parsed = parseLeaseDuration(action.value ?? '');
    if (!parsed.ok) return;
    const meta = decodeMetadata(view.private_metadata);
    if (meta.leaseMs === parsed.ms) return;
    await rerenderCreateModal(client, deps, view, { ...meta, leaseMs: parsed.ms }, 'quote the typed auto-stop');
  };
}
