import type { AllMiddlewareArgs, SlackViewMiddlewareArgs, ViewSubmitAction } from '@slack/bolt';
import { decodeMetadata, type ModalMetadata } from '../../../messages/index.js';
import { createReplier, type Replier } from '../../../operations/index.js';
import type { SlackDeps } from '../../deps.js';

export type ModalSubmissionArgs = SlackViewMiddlewareArgs<ViewSubmitAction> &
  AllMiddlewareArgs & {
    userId: string;
    /** The modal's private_metadata (the channel it was opened from, choices remembered). */
    meta: ModalMetadata;
    /** Private answers to the submitter, in the channel the modal was opened from (DM fallback). */
    reply: Replier;
  };

/** A modal's view_submission: the submitter, the modal's metadata and a replier, then `handle`. */
export function modalSubmission(deps: SlackDeps, handle: (args: ModalSubmissionArgs) => Promise<void>) {
  return async (args: SlackViewMiddlewareArgs<ViewSubmitAction> & AllMiddlewareArgs): Promise<void> => {
    const userId = args.body.user.id;
    const meta = decodeMetadata(args.view.private_metadata);
    const reply = createReplier(args.client, { userId, channelId: meta.channelId }, deps.logger);
    await handle({ ...args, userId, meta, reply });
  };
}
