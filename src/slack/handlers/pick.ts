import type { PickValue } from '../../messages/index.js';
import { commandReply } from '../../messages/index.js';
import { isNotFound } from '../../modelarts/index.js';
import { passesPickGate } from './access-gate.js';
import type { ActContext, NotebookRef } from './context.js';
import { creatorOf } from './ownership.js';
import { deleteNotebook, extendNotebook, showStatus, startNotebook, stopNotebook } from './verbs.js';

const HOUR = 3_600_000;

/**
 * Looks the notebook up again (bounded) so the verb sees its current status, flavor and lease.
 * A button may be minutes old. When ModelArts does not answer, the verb goes on with what the
 * button knew and the worker sorts it out; when the notebook is gone, the user is told.
 */
async function refresh(ctx: ActContext, value: PickValue): Promise<NotebookRef | undefined> {
  try {
    const nb = await ctx.deps.modelarts.showNotebook(value.notebookId, {
      timeoutMs: ctx.deps.timing.liveStatusTimeoutMs,
      maxRetries: 0,
    });
    return {
      id: nb.id,
      name: nb.name || value.name,
      status: nb.status,
      flavor: nb.flavor,
      lease: nb.lease,
      creator: creatorOf(nb),
    };
  } catch (err) {
    if (isNotFound(err)) {
      await ctx.reply({ text: commandReply.notebookGone(ctx.deps.commandName, value.name) });
      return undefined;
    }
    ctx.deps.logger.debug({ err, notebookId: value.notebookId }, 'refresh before action failed; going on');
    return { id: value.notebookId, name: value.name };
  }
}

/**
 * Carries out what a picker button, a delete confirmation or an App Home button asks: the same
 * verbs as the slash command, so access checks and dedupe are identical everywhere.
 */
export async function runPick(ctx: ActContext, value: PickValue): Promise<void> {
  if (value.verb === 'status') {
    await showStatus(ctx, { id: value.notebookId, name: value.name }, true);
    return;
  }
  // Refusals the bot can decide from its own records cost no ModelArts call.
  if (!(await passesPickGate(ctx, value))) return;
  const ref = await refresh(ctx, value);
  if (!ref) return;
  switch (value.verb) {
    case 'start':
      await startNotebook(
        ctx,
        ref,
        value.durationMs ?? ctx.deps.defaults.leaseHours * HOUR,
        value.leaseType ?? 'TIMING',
      );
      return;
    case 'stop':
      await stopNotebook(ctx, ref);
      return;
    case 'delete':
      await deleteNotebook(ctx, ref);
      return;
    case 'extend':
      await extendNotebook(ctx, ref, value.addMs ?? HOUR);
      return;
  }
}
