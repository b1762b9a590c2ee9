import {
  buildNoticeModal,
  buildStartModal,
  commandReply,
  errorRef,
  type StartLookup,
  userMessageFor,
} from '../../messages/index.js';
import type { Notebook } from '../../modelarts/index.js';
import { within } from '../../timeout.js';
import { parseLeaseDuration } from '../duration.js';
import { encodedView } from '../encoded-view.js';
import type { ActContext } from '../handlers/context.js';
import { creatorOf, type Permitted, refuseUpFront, sortByPermission } from '../handlers/ownership.js';
import { startNotebook } from '../handlers/verbs.js';
import { resolveNotebook } from '../resolve.js';
import { withNotebook } from './with-notebook.js';

/** `/notebook start <name> <duration>`: parse the duration first (no lookup for a typo), then act. */
export async function startWithDuration(ctx: ActContext, target: string, durationText: string): Promise<void> {
  const parsed = parseLeaseDuration(durationText);
  if (!parsed.ok) {
    await ctx.reply({ text: commandReply.invalid(parsed.message) });
    return;
  }
  await withNotebook(ctx, target, { verb: 'start', durationMs: parsed.ms, leaseType: 'TIMING' }, (nb) =>
    startNotebook(
      ctx,
      {
        id: nb.id,
        name: nb.name || nb.id,
        status: nb.status,
        flavor: nb.flavor,
        lease: nb.lease,
        creator: creatorOf(nb),
      },
      parsed.ms,
      'TIMING',
    ),
  );
}

/** The notebooks a name matches, narrowed to those this user may start. */
type StartTargets =
  | { kind: 'choose'; candidates: Notebook[]; exact: boolean; flavors: Record<string, string> }
  | { kind: 'none' }
  | { kind: 'refused'; refused: Permitted['refused'] }
  | { kind: 'error'; message: string };

async function startTargets(ctx: ActContext, target: string): Promise<StartTargets> {
  try {
    const r = await resolveNotebook(ctx.deps.modelarts, target, { timeoutMs: ctx.deps.timing.lookupTimeoutMs });
    const found = r.kind === 'found' ? [r.notebook] : r.kind === 'ambiguous' ? r.candidates : [];
    if (found.length === 0) return { kind: 'none' };
    const { allowed, refused } = await sortByPermission(ctx, 'start', found);
    if (allowed.length === 0) return { kind: 'refused', refused };
    const flavors: Record<string, string> = {};
    for (const nb of allowed) if (nb.flavor) flavors[nb.id] = nb.flavor;
    const exact = r.kind === 'found' || (r.kind === 'ambiguous' && r.exact);
    return { kind: 'choose', candidates: allowed, exact, flavors };
  } catch (err) {
    const ref = errorRef();
    ctx.deps.logger.warn({ err, ref }, 'notebook lookup failed (start modal)');
    return { kind: 'error', message: userMessageFor(err, ref) };
  }
}

function lookupOf(t: StartTargets): StartLookup {
  switch (t.kind) {
    case 'choose':
      return { state: 'choose', candidates: t.candidates, exact: t.exact };
    case 'none':
      return { state: 'none' };
    case 'error':
      return { state: 'error', message: t.message };
    case 'refused':
      return { state: 'none' };
  }
}

/**
 * `/notebook start <name>` without a duration. What the user may start is decided before the
 * form opens: the name is looked up and judged within the trigger's budget (`accessWaitMs`), so
 * a notebook they may not start is refused at once, with the reason and what to do, and no form
 * is ever shown for it; an unknown name is answered without a form too. The form lists only the
 * notebooks they may start (preselected when exactly one has that name).
 *
 * When ModelArts is slower than that budget the trigger would expire, so the form opens with
 * "looking up…" and is updated with the same narrowed list, or replaced by the refusal.
 */
export async function startWithModal(ctx: ActContext, target: string, triggerId: string): Promise<void> {
  const metadata = { ...(ctx.channelId ? { channelId: ctx.channelId } : {}), query: target };
  const leaseHours = ctx.deps.defaults.leaseHours;
  const lookup = startTargets(ctx, target);
  const early = await within(lookup, ctx.deps.timing.accessWaitMs);
  if (early && early.kind !== 'choose') {
    await answerWithoutForm(ctx, target, early);
    return;
  }
  let opened: { id?: string; hash?: string } | undefined;
  try {
    const res = await ctx.client.views.open({
      trigger_id: triggerId,
      view: encodedView(
        early
          ? buildStartModal({ metadata: { ...metadata, flavors: early.flavors }, lookup: lookupOf(early), leaseHours })
          : buildStartModal({ metadata, lookup: { state: 'loading' }, leaseHours }),
      ),
    });
    opened = res.view ?? undefined;
  } catch (err) {
    const ref = errorRef();
    ctx.deps.logger.error({ err, ref }, 'views.open failed for the start modal');
    await ctx.reply({ text: commandReply.formNotOpened(userMessageFor(err, ref)) });
    return;
  }
  if (early || !opened?.id) return;

  const late = await lookup;
  try {
    const view =
      late.kind === 'refused'
        ? buildNoticeModal(
            'Start notebook',
            commandReply.refused(late.refused.map((r) => r.decision.message).join('\n')),
          )
        : buildStartModal({
            metadata: { ...metadata, flavors: late.kind === 'choose' ? late.flavors : {} },
            lookup: lookupOf(late),
            leaseHours,
          });
    await ctx.client.views.update({
      view_id: opened.id,
      ...(opened.hash ? { hash: opened.hash } : {}),
      view: encodedView(view),
    });
  } catch (err) {
    ctx.deps.logger.warn({ err }, 'could not update the start modal with the lookup');
  }
  if (late.kind === 'refused') await refuseUpFront(ctx, 'start', late.refused);
}

/** A start that needs no form: the name matches nothing, the user may start none of it, or the lookup failed. */
async function answerWithoutForm(
  ctx: ActContext,
  target: string,
  t: Exclude<StartTargets, { kind: 'choose' }>,
): Promise<void> {
  switch (t.kind) {
    case 'refused':
      await refuseUpFront(ctx, 'start', t.refused);
      return;
    case 'none':
      await ctx.reply({ text: commandReply.noSuchNotebook(ctx.deps.commandName, target, { mine: true }) });
      return;
    case 'error':
      await ctx.reply({ text: commandReply.lookupFailed(target, t.message) });
      return;
  }
}
