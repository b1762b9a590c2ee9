import type { WebClient } from '@slack/web-api';
import { buildHomeView } from './blocks/home.js';
import type { SlackDeps } from './deps.js';
import { loadOwnedNotebooks } from './live-status.js';

/** Re-renders one user's App Home tab. Never throws: failures are logged. */
export type PublishHome = (userId: string) => Promise<void>;

/**
 * Builds `publishHome(userId)`: loads the user's notebooks with live status (bounded, failures
 * tolerated), renders the Home tab and publishes it. Exported so the job pipeline can refresh a
 * user's Home when one of their notebooks changes (onNotebookChanged).
 */
export function createPublishHome(deps: Omit<SlackDeps, 'publishHome'>, client: WebClient): PublishHome {
  return async (userId) => {
    let view: ReturnType<typeof buildHomeView>;
    const base = { startLeaseHours: deps.defaults.leaseHours, commandName: deps.commandName };
    try {
      const notebooks = await loadOwnedNotebooks(deps, userId);
      view = buildHomeView({ ...base, notebooks, now: deps.clock.now() });
    } catch (err) {
      deps.logger.error({ err, userId }, 'could not load notebooks for App Home');
      view = buildHomeView({
        ...base,
        notebooks: [],
        now: deps.clock.now(),
        error:
          'I could not load your notebooks just now. Press *Refresh* in a minute; if it keeps failing, tell an admin.',
      });
    }
    try {
      await client.views.publish({ user_id: userId, view });
    } catch (err) {
      deps.logger.error({ err, userId }, 'views.publish failed');
    }
  };
}
