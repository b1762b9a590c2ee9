import type { AllMiddlewareArgs, App, BlockAction, ButtonAction, SlackActionMiddlewareArgs } from '@slack/bolt';
import {
  type AccessControlService,
  APPROVAL_ID,
  APPROVE_ACTION_ID,
  type Approvals,
  DENY_ACTION_ID,
  guardActionValue,
} from '../../../access/index.js';
import type { Logger } from '../../../logger.js';
import { approvalClickReply } from '../../../messages/index.js';

export interface RegisterApprovalActionsDeps {
  approvals: Approvals;
  access: Pick<AccessControlService, 'adminContact'>;
  logger: Logger;
}

/**
 * Registers the Approve/Deny button listeners on a Bolt app. Each acks at once, then decides
 * through `approvals.decide` (atomic, so double clicks and two admins yield one decision) and
 * answers the clicker with an ephemeral message when there is something to say: not an admin,
 * already decided, expired, or the queue failed.
 */
export function registerApprovalActions(app: App, deps: RegisterApprovalActionsDeps): void {
  const log = deps.logger.child({ component: 'access-approvals' });
  const handler =
    (approve: boolean) =>
    async ({
      ack,
      body,
      action,
      client,
      respond,
    }: SlackActionMiddlewareArgs<BlockAction<ButtonAction>> & AllMiddlewareArgs) => {
      await ack();
      const userId = body.user.id;
      const reply = async (text: string) => {
        try {
          if (body.channel?.id) await client.chat.postEphemeral({ channel: body.channel.id, user: userId, text });
          else await respond({ text, response_type: 'ephemeral', replace_original: false });
        } catch (err) {
          log.warn({ err, userId }, 'could not answer the approval click');
        }
      };
      let approvalId: string;
      try {
        approvalId = guardActionValue(action.value, 'value', APPROVAL_ID);
      } catch {
        await reply('This button is not valid. Use the buttons on an approval request.');
        return;
      }
      try {
        const result = await deps.approvals.decide({ approvalId, userId, approve });
        const text = approvalClickReply(result, deps.access.adminContact());
        if (text) await reply(text);
      } catch (err) {
        log.error({ err, approvalId, userId }, 'approval decision failed');
        await reply('Something went wrong while recording your decision; nothing was changed. Try again in a minute.');
      }
    };
  // One Bolt listener for both buttons: Bolt runs every listener's chain for every request.
  const approve = handler(true);
  const deny = handler(false);
  app.action<BlockAction<ButtonAction>>(
    { type: 'block_actions', action_id: new RegExp(`^(?:${APPROVE_ACTION_ID}|${DENY_ACTION_ID})$`) },
    (args) => (args.action.action_id === APPROVE_ACTION_ID ? approve(args) : deny(args)),
  );
}
