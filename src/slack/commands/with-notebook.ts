import { buildPickerMessage, commandReply, errorRef, type PickTemplate, userMessageFor } from '../../messages/index.js';
import type { Notebook } from '../../modelarts/index.js';
import type { ActContext } from '../handlers/context.js';
import { refuseUpFront, sortByPermission } from '../handlers/ownership.js';
import { resolveNotebook } from '../resolve.js';

/**
 * Resolves what the user typed and runs `act` on the one notebook it names. When several match,
 * an ephemeral picker carries the request (`template`) so one click completes it; when none
 * match, the user is told how to find the name. ModelArts failures are explained, not thrown.
 * Only notebooks the user may act on are offered; when there is none, the refusal says why.
 */
export async function withNotebook(
  ctx: ActContext,
  query: string,
  template: PickTemplate,
  act: (notebook: Notebook) => Promise<unknown>,
): Promise<void> {
  let resolution: Awaited<ReturnType<typeof resolveNotebook>>;
  try {
    resolution = await resolveNotebook(ctx.deps.modelarts, query, { timeoutMs: ctx.deps.timing.lookupTimeoutMs });
  } catch (err) {
    const ref = errorRef();
    ctx.deps.logger.warn({ err, ref }, 'notebook lookup failed');
    await ctx.reply({ text: commandReply.lookupFailed(query, userMessageFor(err, ref)) });
    return;
  }
  // Decide before any button is shown: the picker and the delete confirmation offer only
  // notebooks this user may act on, and a refusal comes at once with its reason.
  const judge = async (notebooks: readonly Notebook[]) =>
    template.verb === 'status'
      ? { allowed: [...notebooks], refused: [] }
      : sortByPermission(ctx, template.verb, notebooks);
  switch (resolution.kind) {
    case 'found': {
      const { allowed, refused } = await judge([resolution.notebook]);
      if (allowed[0]) await act(allowed[0]);
      else await refuseUpFront(ctx, template.verb, refused);
      return;
    }
    case 'ambiguous': {
      const { allowed, refused } = await judge(resolution.candidates);
      if (allowed.length === 0) await refuseUpFront(ctx, template.verb, refused);
      // Names may repeat: when only one of the notebooks with exactly that name is theirs, it is that one.
      else if (allowed.length === 1 && resolution.exact) await act(allowed[0]!);
      else await ctx.reply(buildPickerMessage(query, allowed, resolution.exact, template));
      return;
    }
    case 'none':
      await ctx.reply({ text: commandReply.noSuchNotebook(ctx.deps.commandName, query) });
      return;
  }
}
