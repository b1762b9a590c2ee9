import type { Notebook } from '../../modelarts/schemas.js';
import { buildPickerMessage, type PickTemplate } from '../blocks/picker.js';
import { codeSpan } from '../escape.js';
import type { ActContext } from '../handlers/context.js';
import { resolveNotebook } from '../resolve.js';
import { errorRef, userMessageFor } from '../user-error.js';

/**
 * Resolves what the user typed and runs `act` on the one notebook it names. When several match,
 * an ephemeral picker carries the request (`template`) so one click completes it; when none
 * match, the user is told how to find the name. ModelArts failures are explained, not thrown.
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
    await ctx.reply({ text: `:warning: I could not look up ${codeSpan(query)}. ${userMessageFor(err, ref)}` });
    return;
  }
  switch (resolution.kind) {
    case 'found':
      await act(resolution.notebook);
      return;
    case 'ambiguous':
      await ctx.reply(buildPickerMessage(query, resolution.candidates, resolution.exact, template));
      return;
    case 'none':
      await ctx.reply({
        text: `No notebook is named ${codeSpan(query)}. ${codeSpan(`${ctx.deps.commandName} list all`)} shows every notebook; you can also give its id.`,
      });
      return;
  }
}
