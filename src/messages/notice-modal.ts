import { type ModalView, mrkdwn, plain } from './kit.js';

/** A modal that only tells something (a refusal, a failure), with a Close button and no submit. */
export function buildNoticeModal(title: string, text: string, callbackId = 'notebook_notice'): ModalView {
  return {
    type: 'modal',
    callback_id: callbackId,
    title: plain(title, 24),
    close: plain('Close', 24),
    blocks: [{ type: 'section', text: mrkdwn(text) }],
  };
}
