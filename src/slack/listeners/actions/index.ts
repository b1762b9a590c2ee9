import type { AllMiddlewareArgs, App, BlockAction, SlackActionMiddlewareArgs } from '@slack/bolt';
import {
  CREATE_ACTIONS,
  CREATE_BLOCKS,
  DIGEST_STOP_ACTION,
  HOME_ACTIONS,
  OPEN_JUPYTERLAB_ACTION_ID,
  PICK_ACTION_PATTERN,
  SCHEDULE_ACTION_IDS,
  STATUS_OPEN_ACTION,
  VALUE_ACTION,
} from '../../../messages/index.js';
import type { SlackDeps } from '../../deps.js';
import { digestStopButton } from './digest-stop.js';
import { flavorChosen } from './flavor-chosen.js';
import { homeCreate } from './home-create.js';
import { homeNotebookButton } from './home-notebook-button.js';
import { homeRefresh } from './home-refresh.js';
import { leaseTyped } from './lease-typed.js';
import { linkButton } from './link-button.js';
import { pickNotebook } from './pick-notebook.js';
import { homeScheduleButton, skipStopClick } from './schedule-buttons.js';
import { storageChosen } from './storage-chosen.js';
import { toggleAdvanced } from './toggle-advanced.js';

type ActionArgs = SlackActionMiddlewareArgs<BlockAction> & AllMiddlewareArgs;
type ActionHandler = (args: ActionArgs) => Promise<void>;

function escapeRegExp(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/**
 * Registers the block_actions listeners as ONE Bolt listener that dispatches on the action id:
 * Bolt runs every registered listener's middleware chain for every request it receives (commands
 * and submissions included), so each listener costs every request some time and garbage, and the
 * matching one acks only after those before it ran.
 */
export function register(app: App, deps: SlackDeps): void {
  const home = homeNotebookButton(deps) as ActionHandler;
  const link = linkButton() as ActionHandler;
  const byActionId = new Map<string, ActionHandler>([
    [CREATE_ACTIONS.toggleAdvanced, toggleAdvanced(deps)],
    [HOME_ACTIONS.create, homeCreate(deps) as ActionHandler],
    [HOME_ACTIONS.refresh, homeRefresh(deps)],
    [HOME_ACTIONS.start, home],
    [HOME_ACTIONS.stop, home],
    [HOME_ACTIONS.extend, home],
    [HOME_ACTIONS.open, link],
    [OPEN_JUPYTERLAB_ACTION_ID, link],
    [STATUS_OPEN_ACTION, link],
    [SCHEDULE_ACTION_IDS.skipStop, skipStopClick(deps)],
    [SCHEDULE_ACTION_IDS.homeSchedule, homeScheduleButton(deps)],
    [DIGEST_STOP_ACTION, digestStopButton(deps) as ActionHandler],
  ]);
  // The create modal's selects share the action id `value`: told apart by their block.
  const byValueBlock = new Map<string, ActionHandler>([
    [CREATE_BLOCKS.flavor, flavorChosen(deps) as unknown as ActionHandler],
    [CREATE_BLOCKS.storageType, storageChosen(deps) as unknown as ActionHandler],
    [CREATE_BLOCKS.leaseDuration, leaseTyped(deps) as unknown as ActionHandler],
  ]);
  const pick = pickNotebook(deps) as unknown as ActionHandler;
  const ids = [...byActionId.keys(), VALUE_ACTION].map(escapeRegExp).join('|');
  const matcher = new RegExp(`^(?:${ids}|${PICK_ACTION_PATTERN.source.replace(/^\^|\$$/g, '')})$`);
  app.action<BlockAction>(matcher, async (args) => {
    const { action } = args;
    const id = action.action_id;
    const handler =
      byActionId.get(id) ??
      (id === VALUE_ACTION ? byValueBlock.get(action.block_id) : undefined) ??
      (PICK_ACTION_PATTERN.test(id) ? pick : undefined);
    if (handler) await handler(args);
    else await args.ack(); // an input of ours that needs nothing (no dispatch planned for it)
  });
}
