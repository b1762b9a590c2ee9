import type { SlackDeps } from '../../deps.js';
import { messageButton } from './pick-notebook.js';

/**
 * A Stop button of the weekly usage digest (a channel message many people see): the same stop as
 * `/notebook stop`, judged by access control, so only the notebook's owner (or an admin) stops
 * it; anyone else is told privately why not. A double click queues one stop.
 */
export function digestStopButton(deps: SlackDeps) {
  return messageButton(deps, 'digest', {
    invalid: ':warning: This button is no longer valid. Use `/notebook stop <name>` instead.',
    failed: 'digest stop button failed',
  });
}
