import type { WebClient } from '@slack/web-api';
import { type AccessRequest, RULES, type UsageAccounting } from '../access/index.js';
import {
  buildHomeView,
  type HomeRefusals,
  type HomeVerb,
  homeVerbsFor,
  MAX_HOME_NOTEBOOKS,
  type NotebookSummary,
  scheduleHomeLine,
} from '../messages/index.js';
import type { SlackDeps } from './deps.js';
import { encodedView } from './encoded-view.js';
import { loadOwnedNotebooks } from './live-status.js';
import { addRunCosts } from './run-costs.js';

export interface PublishHomeOptions {
  /**
   * Ask ModelArts for each notebook's live status first (bounded): for a person looking at the
   * tab (App Home opened, Refresh). Default false: render the notebook records as they are, which
   * the worker keeps up to date with what it observes.
   */
  live?: boolean;
}

/** Re-renders one user's App Home tab. Never throws: failures are logged. */
export type PublishHome = (userId: string, options?: PublishHomeOptions) => Promise<void>;

/** What rendering the Home tab needs (ModelArts only for `live`). */
export type HomeDeps = Pick<
  SlackDeps,
  'store' | 'modelarts' | 'clock' | 'logger' | 'timing' | 'defaults' | 'commandName'
> &
  /** With access control, a live render also lists the notebooks of the user's linked IAM users. */
  Partial<Pick<SlackDeps, 'access'>> &
  /** With schedules, each notebook shows its next scheduled start and stop. */
  Partial<Pick<SlackDeps, 'schedules'>> & {
    /** Run time and cost so far of running notebooks (default: `access.usage`). */
    usage?: UsageAccounting | undefined;
  };

/** The user's Home view; an apology view when the notebooks could not be loaded. Never throws. */
export async function renderHome(
  deps: HomeDeps,
  userId: string,
  options: PublishHomeOptions = {},
): Promise<ReturnType<typeof buildHomeView>> {
  const base = { startLeaseHours: deps.defaults.leaseHours, commandName: deps.commandName };
  try {
    const notebooks = await loadOwnedNotebooks(deps, userId, { live: options.live === true });
    const schedules = await scheduleLines(deps, userId);
    await addRunCosts(deps.usage ?? deps.access?.usage, notebooks, deps.clock.now());
    const refusals = await homeRefusals(deps, userId, notebooks);
    return buildHomeView({
      ...base,
      notebooks,
      now: deps.clock.now(),
      ...(schedules ? { schedules } : {}),
      ...(refusals ? { refusals } : {}),
    });
  } catch (err) {
    deps.logger.error({ err, userId }, 'could not load notebooks for App Home');
    return buildHomeView({
      ...base,
      notebooks: [],
      now: deps.clock.now(),
      error:
        'I could not load your notebooks just now. Press *Refresh* in a minute; if it keeps failing, tell an admin.',
    });
  }
}

/**
 * What the policy refuses this user on App Home (requests from the Home tab carry no channel),
 * judged the way a click would be: New notebook, and each notebook's Start (its flavor, the
 * default lease), Stop and Extend (+1 h). A refusal because the check itself failed (Redis or
 * Slack down) hides nothing: the click judges again. Approvals hide nothing either: the click
 * says how to ask.
 */
async function homeRefusals(
  deps: HomeDeps,
  userId: string,
  notebooks: readonly NotebookSummary[],
): Promise<HomeRefusals | undefined> {
  const access = deps.access;
  if (!access) return undefined;
  const refused = async (request: AccessRequest): Promise<string | undefined> => {
    const decision = await access.check(request);
    return decision.allowed || decision.rule === RULES.unavailable ? undefined : decision.message;
  };
  const create = await refused({ userId, action: 'create' });
  const schedule = await deps.schedules?.refusalFor(userId);
  const byNotebook: Record<string, Partial<Record<HomeVerb, string>>> = {};
  for (const s of notebooks.slice(0, MAX_HOME_NOTEBOOKS)) {
    const notebook = { id: s.id, name: s.name, ownerId: s.ownerId ?? userId };
    const verbs: Partial<Record<HomeVerb, string>> = {};
    for (const verb of homeVerbsFor(s.status)) {
      const reason = await refused({
        userId,
        action: verb,
        notebook,
        ...(verb === 'start' && s.flavor ? { flavor: s.flavor } : {}),
        ...(verb === 'start' ? { durationMs: deps.defaults.leaseHours * HOUR } : {}),
        ...(verb === 'extend' ? { durationMs: (s.remainingMs ?? 0) + HOUR } : {}),
      });
      if (reason) verbs[verb] = reason;
    }
    if (Object.keys(verbs).length) byNotebook[s.id] = verbs;
  }
  if (!create && !schedule && !Object.keys(byNotebook).length) return undefined;
  return { ...(create ? { create } : {}), ...(schedule ? { schedule } : {}), notebooks: byNotebook };
}

const HOUR = 3_600_000;

/** Notebook id → "next start … · stop …" for the user's schedules; undefined without schedules. */
async function scheduleLines(deps: HomeDeps, userId: string): Promise<Record<string, string> | undefined> {
  if (!deps.schedules) return undefined;
  const service = deps.schedules;
  try {
    const now = deps.clock.now();
    const mine = await service.listByOwner(userId);
    return Object.fromEntries(mine.map((s) => [s.notebookId, scheduleHomeLine(service.view(s, now))]));
  } catch (err) {
    deps.logger.warn({ err, userId }, 'could not load schedules for App Home');
    return {};
  }
}

/**
 * Builds `publishHome(userId, options)`: renders the Home tab (from the records, or with live
 * status when `live`) and publishes it. Used by the Bolt app's listeners; the job pipeline uses
 * `createHomeRefresher` instead (through its Slack queue).
 */
export function createPublishHome(deps: Omit<SlackDeps, 'publishHome'>, client: WebClient): PublishHome {
  return async (userId, options = {}) => {
    const view = await renderHome(deps, userId, options);
    try {
      await client.views.publish({ user_id: userId, view: encodedView(view) });
    } catch (err) {
      deps.logger.error({ err, userId }, 'views.publish failed');
    }
  };
}

/**
 * The job pipeline's App Home refresh (`refreshHome` of the operation worker): renders from the
 * records, no ModelArts call, and lets Slack errors through so the Slack queue handles them like
 * any other call (a 429 pauses it for Retry-After, a 5xx is retried). Give it a client that
 * rejects rate-limited calls (`createWorkerSlackClient`).
 */
export function createHomeRefresher(deps: HomeDeps, client: WebClient): (userId: string) => Promise<void> {
  return async (userId) => {
    const view = await renderHome(deps, userId, { live: false });
    await client.views.publish({ user_id: userId, view: encodedView(view) });
  };
}
