import { commandReply, errorRef, START_BLOCKS, userMessageFor, VALUE_ACTION } from '../../../messages/index.js';
import type { LeaseType } from '../../../modelarts/index.js';
import { operationId } from '../../../operations/index.js';
import { within } from '../../../timeout.js';
import type { SlackDeps } from '../../deps.js';
import { parseLeaseDuration } from '../../duration.js';
import { selectedValue, textValue } from '../../forms/view-values.js';
import type { NotebookRef } from '../../handlers/context.js';
import { creatorOf } from '../../handlers/ownership.js';
import { startNotebook } from '../../handlers/verbs.js';
import { resolveNotebook } from '../../resolve.js';
import { modalSubmission } from './modal-submission.js';

/**
 * Start modal submitted: duration and auto-stop kind are checked inline; the notebook is the one
 * picked (or, if the lookup had not finished, resolved now within a bounded wait). Then the same
 * start path as the command, with an opId from view.id.
 */
export function startSubmission(deps: SlackDeps) {
  return modalSubmission(deps, async ({ ack, body, view, client, userId, meta, reply }) => {
    const values = view.state.values;
    const durationText = textValue(values, START_BLOCKS.duration) ?? `${deps.defaults.leaseHours}h`;
    const duration = parseLeaseDuration(durationText);
    if (!duration.ok) {
      await ack({ response_action: 'errors', errors: { [START_BLOCKS.duration]: duration.message } });
      return;
    }
    const leaseType = (selectedValue(values, START_BLOCKS.leaseType) === 'IDLE' ? 'IDLE' : 'TIMING') as LeaseType;
    const picked = values[START_BLOCKS.notebook]?.[VALUE_ACTION]?.selected_option;
    let ref: NotebookRef | undefined;
    if (picked?.value) {
      ref = { id: picked.value, name: picked.text.text, flavor: meta.flavors?.[picked.value] };
    } else if (meta.query) {
      const late = await within(
        resolveNotebook(deps.modelarts, meta.query, { timeoutMs: 1800, maxRetries: 0 }).catch(() => undefined),
        1800,
      );
      if (late?.kind === 'found') {
        const nb = late.notebook;
        ref = { id: nb.id, name: nb.name || nb.id, status: nb.status, flavor: nb.flavor, creator: creatorOf(nb) };
      }
    }
    if (!ref) {
      await ack({
        response_action: 'errors',
        errors: {
          [START_BLOCKS.duration]:
            'Still looking up the notebook. Wait a moment for the form to update, then press Start again.',
        },
      });
      return;
    }
    await ack();
    try {
      await startNotebook(
        {
          deps,
          client,
          userId,
          teamId: body.team?.id,
          channelId: meta.channelId,
          reply,
          opId: operationId('start', view.id),
        },
        ref,
        duration.ms,
        leaseType,
      );
    } catch (err) {
      const ref2 = errorRef();
      deps.logger.error({ err, ref: ref2 }, 'start submission failed');
      await reply({ text: commandReply.startFailed(userMessageFor(err, ref2)) });
    }
  });
}
