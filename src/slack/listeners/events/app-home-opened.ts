import type { AllMiddlewareArgs, SlackEventMiddlewareArgs } from '@slack/bolt';
import type { SlackDeps } from '../../deps.js';

/** The Home tab was opened: render the user's notebooks (the Messages tab needs nothing). */
export function appHomeOpened(deps: SlackDeps) {
  return async ({ event }: SlackEventMiddlewareArgs<'app_home_opened'> & AllMiddlewareArgs): Promise<void> => {
    if (event.tab !== 'home') return;
    await deps.publishHome(event.user, { live: true });
  };
}
