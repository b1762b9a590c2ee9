import type { App } from '@slack/bolt';
import { CREATE_BLOCKS, VALUE_ACTION } from '../../../messages/index.js';
import type { SlackDeps } from '../../deps.js';
import { flavorOptions } from './flavor-options.js';
import { imageOptions } from './image-options.js';

/** Registers the external_select options (block_suggestion) listeners. */
export function register(app: App, deps: SlackDeps): void {
  app.options(
    { type: 'block_suggestion', block_id: CREATE_BLOCKS.flavor, action_id: VALUE_ACTION },
    flavorOptions(deps),
  );
  app.options({ type: 'block_suggestion', block_id: CREATE_BLOCKS.image, action_id: VALUE_ACTION }, imageOptions(deps));
}
