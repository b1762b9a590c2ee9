import type { AllMiddlewareArgs, SlackActionMiddlewareArgs } from '@slack/bolt';

/** Link buttons (Open JupyterLab) open in the browser, but Slack still sends an action: ack it. */
export function linkButton() {
  return async ({ ack }: SlackActionMiddlewareArgs & AllMiddlewareArgs): Promise<void> => {
    await ack();
  };
}
