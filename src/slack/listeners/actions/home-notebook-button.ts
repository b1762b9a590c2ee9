import { operationId } from '../../../operations/index.js';
import type { SlackDeps } from '../../deps.js';
import { pickButton } from './pick-button.js';

/**
 * Start / Stop / Extend +1h on App Home: the same verbs as the command. There is no channel, so
 * answers go by DM and progress to the notebook's thread (or the DM). The opId hashes the rendered
 * Home (view id and hash) and the button, so double clicks on the same rendering dedupe, while a
 * click after the Home was refreshed is a new request.
 */
export function homeNotebookButton(deps: SlackDeps) {
  return pickButton(deps, {
    where: () => ({}),
    opId: ({ body, action }, verb) =>
      operationId(verb, 'home', body.user.id, body.view?.id, body.view?.hash, action.action_id, action.value),
    invalid: ':warning: That button is no longer valid. Open the Home tab again.',
    failed: 'App Home action failed',
  });
}
