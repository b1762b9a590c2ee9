import { VALUE_ACTION } from './create-modal.js';
import { type ModalView, mrkdwn, plain } from './kit.js';
import { encodeMetadata, type ModalMetadata } from './metadata.js';

/** callback_id of the schedule form. */
export const SCHEDULE_CALLBACK_ID = 'notebook_schedule';
/** Block ids of the schedule form (plain-text inputs, action_id `value`). */
export const SCHEDULE_BLOCKS = {
  notebook: 'sc_notebook',
  days: 'sc_days',
  hours: 'sc_hours',
  timeZone: 'sc_tz',
} as const;

export interface ScheduleModalInput {
  metadata: ModalMetadata;
  name?: string | undefined;
  days?: string | undefined;
  hours?: string | undefined;
  timeZone: string;
  /** The schedule the notebook has now, shown above the fields. */
  current?: string | undefined;
}

function input(blockId: string, label: string, initial: string | undefined, placeholder: string, hint: string) {
  return {
    type: 'input' as const,
    block_id: blockId,
    label: plain(label),
    element: {
      type: 'plain_text_input' as const,
      action_id: VALUE_ACTION,
      ...(initial ? { initial_value: initial.slice(0, 150) } : {}),
      placeholder: plain(placeholder, 150),
      max_length: 150,
    },
    hint: plain(hint, 2000),
  };
}

/** The schedule form: the same four things `/notebook schedule` takes. */
export function buildScheduleModal(i: ScheduleModalInput): ModalView {
  return {
    type: 'modal',
    callback_id: SCHEDULE_CALLBACK_ID,
    private_metadata: encodeMetadata(i.metadata),
    title: plain('Working hours', 24),
    submit: plain('Save', 24),
    close: plain('Cancel', 24),
    blocks: [
      {
        type: 'section',
        text: mrkdwn(
          'The notebook starts at the start time on these days and stops at the stop time; before each stop you are ' +
            'warned and can extend or skip it.' +
            (i.current ? `\nNow: \`${i.current}\`` : ''),
        ),
      },
      input(SCHEDULE_BLOCKS.notebook, 'Notebook', i.name, 'resnet-exp', 'Its name or id.'),
      input(
        SCHEDULE_BLOCKS.days,
        'Days',
        i.days ?? 'weekdays',
        'weekdays',
        '`weekdays`, `daily`, `weekends`, `mon,wed,fri` or `mon-thu`.',
      ),
      input(
        SCHEDULE_BLOCKS.hours,
        'Hours',
        i.hours ?? '09:00-19:00',
        '09:00-19:00',
        'Start-stop, 24-hour time; `22:00-06:00` runs overnight. At most 72 h without a stop.',
      ),
      input(
        SCHEDULE_BLOCKS.timeZone,
        'Time zone',
        i.timeZone,
        'Asia/Shanghai',
        'An IANA name such as Asia/Shanghai, Europe/Berlin or UTC.',
      ),
    ],
  };
}
