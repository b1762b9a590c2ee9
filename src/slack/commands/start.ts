import { buildStartModal, type StartLookup } from '../blocks/start-modal.js';
import { parseLeaseDuration } from '../duration.js';
import { escapeMrkdwn } from '../escape.js';
import type { ActContext } from '../handlers/context.js';
import { startNotebook } from '../handlers/verbs.js';
import { resolveNotebook } from '../resolve.js';
import { errorRef, userMessageFor } from '../user-error.js';
import { withNotebook } from './with-notebook.js';

/** `/notebook start <name> <duration>`: parse the duration first (no lookup for a typo), then act. */
export async function startWithDuration(ctx: ActContext, target: string, durationText: string): Promise<void> {
  const parsed = parseLeaseDuration(durationText);
  if (!parsed.ok) {
    await ctx.reply({ text: `:warning: ${escapeMrkdwn(parsed.message)}` });
    return;
  }
  await withNotebook(ctx, target, { verb: 'start', durationMs: parsed.ms, leaseType: 'TIMING' }, (nb) =>
    startNotebook(
      ctx,
      { id: nb.id, name: nb.name || nb.id, status: nb.status, flavor: nb.flavor, lease: nb.lease },
      parsed.ms,
      'TIMING',
    ),
  );
}

/**
 * `/notebook start <name>` without a duration: the start modal opens at once with the trigger_id
 * (the name lookup would not fit in the trigger's 3 s), then is updated with the matching
 * notebooks — preselected when exactly one has that name.
 */
export async function startWithModal(ctx: ActContext, target: string, triggerId: string): Promise<void> {
  const metadata = { ...(ctx.channelId ? { channelId: ctx.channelId } : {}), query: target };
  const leaseHours = ctx.deps.defaults.leaseHours;
  let opened: { id?: string; hash?: string } | undefined;
  try {
    const res = await ctx.client.views.open({
      trigger_id: triggerId,
      view: buildStartModal({ metadata, lookup: { state: 'loading' }, leaseHours }),
    });
    opened = res.view ?? undefined;
  } catch (err) {
    const ref = errorRef();
    ctx.deps.logger.error({ err, ref }, 'views.open failed for the start modal');
    await ctx.reply({
      text: `:warning: I could not open the form. Run the command again. ${userMessageFor(err, ref)}`,
    });
    return;
  }
  if (!opened?.id) return;

  let lookup: StartLookup;
  const flavors: Record<string, string> = {};
  try {
    const r = await resolveNotebook(ctx.deps.modelarts, target, { timeoutMs: ctx.deps.timing.lookupTimeoutMs });
    const candidates = r.kind === 'found' ? [r.notebook] : r.kind === 'ambiguous' ? r.candidates : [];
    for (const nb of candidates) if (nb.flavor) flavors[nb.id] = nb.flavor;
    lookup = candidates.length
      ? { state: 'choose', candidates, exact: r.kind === 'found' || (r.kind === 'ambiguous' && r.exact) }
      : { state: 'none' };
  } catch (err) {
    const ref = errorRef();
    ctx.deps.logger.warn({ err, ref }, 'notebook lookup failed (start modal)');
    lookup = { state: 'error', message: userMessageFor(err, ref) };
  }
  try {
    await ctx.client.views.update({
      view_id: opened.id,
      ...(opened.hash ? { hash: opened.hash } : {}),
      view: buildStartModal({ metadata: { ...metadata, flavors }, lookup, leaseHours }),
    });
  } catch (err) {
    ctx.deps.logger.warn({ err }, 'could not update the start modal with the lookup');
  }
}
