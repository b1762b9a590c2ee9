import type { WebClient } from '@slack/web-api';
import type { ModalMetadata } from '../../messages/index.js';
import { buildCreateModal } from '../../messages/index.js';
import type { SlackDeps } from '../deps.js';
import { encodedView } from '../encoded-view.js';
import { createCosts } from './create-costs.js';

/**
 * Re-renders the open create modal with new metadata. views.update carries the view's hash, so
 * if the user changed the modal meanwhile Slack refuses the stale update (logged, harmless); block
 * and action ids stay the same, so everything already typed is kept.
 */
export async function rerenderCreateModal(
  client: WebClient,
  deps: Pick<SlackDeps, 'defaults' | 'logger'> & Partial<Pick<SlackDeps, 'access'>>,
  view: { id: string; hash: string },
  metadata: ModalMetadata,
  what: string,
): Promise<void> {
  try {
    await client.views.update({
      view_id: view.id,
      hash: view.hash,
      view: encodedView(
        buildCreateModal({
          defaults: deps.defaults,
          metadata,
          ...(deps.access ? { costs: createCosts(deps.access) } : {}),
        }),
      ),
    });
  } catch (err) {
    deps.logger.debug({ err }, `could not ${what} (the view changed meanwhile)`);
  }
}
