import type { App } from '@slack/bolt';
import type { SlackDeps } from '../../deps.js';
import { notebookCommand } from './notebook.js';

/** Registers the slash command listener. */
export function register(app: App, deps: SlackDeps): void {
  app.command(deps.commandName, notebookCommand(deps));
}
