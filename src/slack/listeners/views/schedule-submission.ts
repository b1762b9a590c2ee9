import { errorRef, SCHEDULE_BLOCKS, scheduleCommandReply, userMessageFor } from '../../../messages/index.js';
import { leaseProblem, parseDays, parseHours, parseTimeZone } from '../../../schedules/index.js';
import { scheduleTarget } from '../../commands/schedule.js';
import type { SlackDeps } from '../../deps.js';
import { textValue } from '../../forms/view-values.js';
import { modalSubmission } from './modal-submission.js';

/**
 * The schedule form submitted: each field is checked inline (the form stays open with the
 * reason beside the field), then the same path as `/notebook schedule <name> <days> <hours> <tz>`;
 * the outcome comes privately where the form was opened (a DM from App Home).
 */
export function scheduleSubmission(deps: SlackDeps) {
  return modalSubmission(deps, async ({ ack, body, view, userId, meta, reply }) => {
    const values = view.state.values;
    const name = textValue(values, SCHEDULE_BLOCKS.notebook)?.trim() ?? '';
    const daysText = textValue(values, SCHEDULE_BLOCKS.days) ?? '';
    const hoursText = textValue(values, SCHEDULE_BLOCKS.hours) ?? '';
    const tzText = textValue(values, SCHEDULE_BLOCKS.timeZone)?.trim() ?? '';
    const errors: Record<string, string> = {};
    if (!name) errors[SCHEDULE_BLOCKS.notebook] = 'Give the notebook’s name or id.';
    const days = parseDays(daysText);
    if (!days.ok) errors[SCHEDULE_BLOCKS.days] = days.message;
    const hours = parseHours(hoursText);
    if (!hours.ok) errors[SCHEDULE_BLOCKS.hours] = hours.message;
    const tz = parseTimeZone(tzText || (deps.schedules?.defaultTimeZone ?? 'UTC'));
    if (!tz.ok) errors[SCHEDULE_BLOCKS.timeZone] = tz.message;
    if (days.ok && hours.ok && tz.ok) {
      const problem = leaseProblem({ days: days.value, ...hours.value, timeZone: tz.value }, deps.clock.now());
      if (problem) errors[SCHEDULE_BLOCKS.hours] = problem;
    }
    if (Object.keys(errors).length > 0) {
      await ack({ response_action: 'errors', errors });
      return;
    }
    await ack();
    const schedules = deps.schedules;
    if (!schedules) return;
    try {
      const found = await scheduleTarget(deps, name);
      if (!found.ok) {
        await reply({ text: found.message });
        return;
      }
      const result = await schedules.set(
        {
          userId,
          ...(body.team?.id ? { teamId: body.team.id } : {}),
          ...(meta.channelId ? { channelId: meta.channelId } : {}),
        },
        found.target,
        { days: daysText, hours: hoursText, timeZone: tz.ok ? tz.value : undefined },
      );
      await reply({ text: result.message });
      if (result.ok) await deps.publishHome(found.target.ownerId ?? userId);
    } catch (err) {
      const ref = errorRef();
      deps.logger.error({ err, ref }, 'schedule form failed');
      await reply({ text: scheduleCommandReply.saveFailed(userMessageFor(err, ref)) });
    }
  });
}
