import type { App, BlockAction, StaticSelectAction } from '@slack/bolt';
import { CREATE_ACTIONS, CREATE_BLOCKS, VALUE_ACTION } from '../../blocks/create-modal.js';
import { HOME_ACTIONS } from '../../blocks/home.js';
import { STATUS_OPEN_ACTION } from '../../blocks/notebook-blocks.js';
import { PICK_ACTION_PATTERN } from '../../blocks/picker.js';
import { OPEN_JUPYTERLAB_ACTION_ID } from '../../blocks/status.js';
import type { SlackDeps } from '../../deps.js';
import { flavorChosen } from './flavor-chosen.js';
import { homeCreate } from './home-create.js';
import { homeNotebookButton } from './home-notebook-button.js';
import { homeRefresh } from './home-refresh.js';
import { linkButton } from './link-button.js';
import { pickNotebook } from './pick-notebook.js';
import { storageChosen } from './storage-chosen.js';
import { toggleAdvanced } from './toggle-advanced.js';

/** Registers the block_actions listeners. */
export function register(app: App, deps: SlackDeps): void {
  app.action(CREATE_ACTIONS.toggleAdvanced, toggleAdvanced(deps));
  app.action<BlockAction<StaticSelectAction>>(
    { type: 'block_actions', block_id: CREATE_BLOCKS.flavor, action_id: VALUE_ACTION },
    flavorChosen(deps),
  );
  app.action<BlockAction<StaticSelectAction>>(
    { type: 'block_actions', block_id: CREATE_BLOCKS.storageType, action_id: VALUE_ACTION },
    storageChosen(deps),
  );
  app.action(PICK_ACTION_PATTERN, pickNotebook(deps));
  app.action(HOME_ACTIONS.create, homeCreate(deps));
  app.action(HOME_ACTIONS.refresh, homeRefresh(deps));
  for (const id of [HOME_ACTIONS.start, HOME_ACTIONS.stop, HOME_ACTIONS.extend])
    app.action(id, homeNotebookButton(deps));
  for (const id of [HOME_ACTIONS.open, OPEN_JUPYTERLAB_ACTION_ID, STATUS_OPEN_ACTION]) app.action(id, linkButton());
}
