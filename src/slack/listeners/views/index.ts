import type { App } from '@slack/bolt';
import { CREATE_CALLBACK_ID, SCHEDULE_CALLBACK_ID, START_CALLBACK_ID } from '../../../messages/index.js';
import type { SlackDeps } from '../../deps.js';
import { createSubmission } from './create-submission.js';
import { scheduleSubmission } from './schedule-submission.js';
import { startSubmission } from './start-submission.js';

/** Registers the modal submission listeners. */
export function register(app: App, deps: SlackDeps): void {
  app.view({ callback_id: CREATE_CALLBACK_ID, type: 'view_submission' }, createSubmission(deps));
  app.view({ callback_id: START_CALLBACK_ID, type: 'view_submission' }, startSubmission(deps));
  app.view({ callback_id: SCHEDULE_CALLBACK_ID, type: 'view_submission' }, scheduleSubmission(deps));
}
