import { guardHookScript } from '../../../access/index.js';
import { ValidationError } from '../../../errors.js';
import {
  CREATE_BLOCKS,
  commandReply,
  errorRef,
  mrkdwnToPlain,
  userMessageFor,
  VALUE_ACTION,
} from '../../../messages/index.js';
import type { CreateOperation } from '../../../operations/index.js';
import { operationId, submitOperation } from '../../../operations/index.js';
import { within } from '../../../timeout.js';
import type { SlackDeps } from '../../deps.js';
import { checkCreateAgainstCatalog } from '../../forms/create-checks.js';
import { readCreateForm, validateCreateDraft } from '../../forms/create-form.js';
import { type BlockIssue, issuesToErrors, type ViewValues } from '../../forms/view-values.js';
import { modalSubmission } from './modal-submission.js';

/** Refusal rules whose message belongs under one input of the form (the user can fix it there). */
function blockForRule(rule: string): string | undefined {
  if (rule.includes('flavor')) return CREATE_BLOCKS.flavor;
  if (rule.includes('lease')) return CREATE_BLOCKS.leaseDuration;
  return undefined;
}

/**
 * Hook scripts as typed: bounded (12 KB, so the base64 the API takes fits its 16 KB), printable,
 * no NUL. Checked on the raw text, before it is encoded, so the message speaks of what was typed.
 */
function hookScriptIssues(values: ViewValues): BlockIssue[] {
  const issues: BlockIssue[] = [];
  for (const blockId of [CREATE_BLOCKS.preStartScript, CREATE_BLOCKS.postStartScript]) {
    const raw = values[blockId]?.[VALUE_ACTION]?.value;
    if (typeof raw !== 'string' || !raw.trim()) continue;
    try {
      guardHookScript(raw, blockId);
    } catch (err) {
      if (!(err instanceof ValidationError)) throw err;
      for (const i of err.issues) issues.push({ blockId, message: i.message.replace(/^./, (c) => c.toUpperCase()) });
    }
  }
  return issues;
}

/**
 * Create modal submitted. Before the ack (≤ ~2 s, bounded): read the form, check it against the
 * catalog and access policy, validate with the client's own CreateNotebookRequestSchema, and
 * answer every problem inline at once. After the ack (the modal closes): dedupe, one status
 * message, enqueue. opId comes from view.id, so a retry or double submit queues nothing twice.
 */
export function createSubmission(deps: SlackDeps) {
  return modalSubmission(deps, async ({ ack, body, view, client, userId, meta, reply }) => {
    const teamId = body.team?.id;
    let acked = false;
    try {
      const reading = readCreateForm(view.state.values, deps.defaults);
      const catalog = await checkCreateAgainstCatalog(deps, userId, reading.draft);
      const result = validateCreateDraft(
        reading.draft,
        [...reading.issues, ...hookScriptIssues(view.state.values), ...catalog.issues],
        Boolean(meta.advanced),
      );
      if (!result.ok) {
        acked = true;
        await ack({ response_action: 'errors', errors: issuesToErrors(result.issues) });
        if (catalog.flavorRefused) {
          await deps.access.audit({
            userId,
            action: 'create',
            ...(typeof reading.draft['name'] === 'string' ? { notebookName: reading.draft['name'] } : {}),
            ...(meta.channelId ? { channelId: meta.channelId } : {}),
            outcome: 'refused',
            rule: 'flavor',
          });
        }
        return;
      }
      const request = result.request;
      const access = {
        userId,
        action: 'create' as const,
        flavor: request.flavor,
        ...(reading.durationMs !== undefined ? { durationMs: reading.durationMs } : {}),
        ...(teamId ? { teamId } : {}),
        ...(meta.channelId ? { channelId: meta.channelId } : {}),
      };
      const checking = deps.access.check(access);
      const early = await within(checking, deps.timing.accessWaitMs);
      if (early && !early.allowed) {
        const blockId = blockForRule(early.rule);
        if (blockId) {
          acked = true;
          await ack({ response_action: 'errors', errors: { [blockId]: mrkdwnToPlain(early.message) } });
          await deps.access.audit({
            userId,
            action: 'create',
            notebookName: request.name,
            outcome: 'refused',
            rule: early.rule,
          });
          return;
        }
      }
      acked = true;
      await ack();

      const op: CreateOperation = {
        kind: 'create',
        opId: operationId('create', view.id),
        requester: { userId, channelId: meta.channelId ?? '', ...(teamId ? { teamId } : {}) },
        requestedAt: deps.clock.now(),
        request,
      };
      await submitOperation(deps, client, {
        op,
        access,
        decision: early ?? (await checking),
        where: { channelId: meta.channelId },
        reply,
      });
    } catch (err) {
      const ref = errorRef();
      deps.logger.error({ err, ref }, 'create submission failed');
      if (!acked) await ack();
      await reply({ text: commandReply.createFailed(userMessageFor(err, ref)) });
    }
  });
}
