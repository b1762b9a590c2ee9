import { runSoFarText } from './costs.js';
import { escapeMrkdwn, slackDate } from './format.js';
import { type ActionsBlockElement, type HomeView, type KnownBlock, mrkdwn, plain } from './kit.js';
import { statusText, timeLeftText } from './notebook-blocks.js';
import { type NotebookSummary, statusEmoji } from './notebook-summary.js';
import { encodePick } from './pick-value.js';
import { scheduleFormButton } from './schedule-blocks.js';

/** action_ids of App Home buttons. Start/Stop/Extend carry a picker value and share its handler. */
export const HOME_ACTIONS = {
  create: 'home_create',
  refresh: 'home_refresh',
  open: 'home_open',
  start: 'home_start',
  stop: 'home_stop',
  extend: 'home_extend',
} as const;

/** Most notebooks shown (3 blocks each keeps the tab under Slack's 100-block limit). */
export const MAX_HOME_NOTEBOOKS = 25;
const HOUR = 3_600_000;

export interface HomeViewInput {
  notebooks: readonly NotebookSummary[];
  /** Lease hours a Start button asks for. */
  startLeaseHours: number;
  commandName: string;
  /** Shown instead of the list when the notebooks could not be loaded at all. */
  error?: string;
  /** When it was rendered, for the footer (epoch ms). */
  now: number;
  /**
   * Working-hours schedules on: notebook id → its next scheduled start and stop (one line, in the
   * notebook's section: no extra block). Each notebook then also gets a *Working hours* button.
   */
  schedules?: Readonly<Record<string, string>>;
  /**
   * What the access policy refuses this user from App Home, decided before any button is shown:
   * `create` hides *New notebook*, and per notebook, a refused Start, Stop or Extend button is
   * left out. Each refusal's reason is shown in its place, so a button never appears only to be
   * refused when pressed.
   */
  refusals?: HomeRefusals;
}

/** Refusal messages (the access decision's own sentence), by what they refuse. */
export interface HomeRefusals {
  create?: string;
  /** Working-hours schedules are off for this user: no *Working hours* buttons. */
  schedule?: string;
  notebooks?: Readonly<Record<string, Partial<Record<HomeVerb, string>>>>;
}

export type HomeVerb = 'start' | 'stop' | 'extend';

/** The change buttons a notebook in this status offers on App Home (Open JupyterLab aside). */
export function homeVerbsFor(status: string): HomeVerb[] {
  if (status === 'STOPPED' || status === 'START_FAILED') return ['start'];
  if (status === 'RUNNING') return ['stop', 'extend'];
  return [];
}

function buttons(
  s: NotebookSummary,
  startLeaseHours: number,
  refused: Partial<Record<HomeVerb, string>>,
): ActionsBlockElement[] {
  const out: ActionsBlockElement[] = [];
  const ref = { notebookId: s.id, name: s.name };
  if (s.status === 'RUNNING' && s.url) {
    out.push({
      type: 'button',
      action_id: HOME_ACTIONS.open,
      text: plain('Open JupyterLab'),
      url: s.url,
      style: 'primary',
    });
  }
  if ((s.status === 'STOPPED' || s.status === 'START_FAILED') && !refused.start) {
    out.push({
      type: 'button',
      action_id: HOME_ACTIONS.start,
      text: plain(`Start (${startLeaseHours}h)`),
      value: encodePick({ verb: 'start', ...ref, durationMs: startLeaseHours * HOUR, leaseType: 'TIMING' }),
    });
  }
  if (s.status === 'RUNNING' && !refused.stop) {
    out.push({
      type: 'button',
      action_id: HOME_ACTIONS.stop,
      text: plain('Stop'),
      value: encodePick({ verb: 'stop', ...ref }),
      confirm: {
        title: plain('Stop notebook?', 100),
        text: mrkdwn(`Stop *${escapeMrkdwn(s.name)}*? Unsaved work in running kernels is lost.`),
        confirm: plain('Stop', 30),
        deny: plain('Cancel', 30),
      },
    });
  }
  if (s.status === 'RUNNING' && !refused.extend) {
    out.push({
      type: 'button',
      action_id: HOME_ACTIONS.extend,
      text: plain('Extend +1h'),
      value: encodePick({ verb: 'extend', ...ref, addMs: HOUR }),
    });
  }
  return out;
}

function notebookBlocks(
  s: NotebookSummary,
  startLeaseHours: number,
  schedules?: Readonly<Record<string, string>>,
  refused: Partial<Record<HomeVerb, string>> = {},
  scheduleButton = true,
): KnownBlock[] {
  const details = [statusText(s), s.flavor ? escapeMrkdwn(s.flavor) : undefined, timeLeftText(s) || undefined].filter(
    Boolean,
  );
  const blocks: KnownBlock[] = [
    {
      type: 'section',
      text: mrkdwn(
        `${statusEmoji(s.status)} *${escapeMrkdwn(s.name)}*\n${details.join(' · ')}` +
          (s.runSoFar && s.status === 'RUNNING' ? `\n${runSoFarText(s.runSoFar.ms, s.runSoFar.cost)}` : '') +
          (schedules?.[s.id] ? `\n${schedules[s.id]}` : '') +
          refusalLines(s.status, refused),
      ),
    },
  ];
  const actions = buttons(s, startLeaseHours, refused);
  if (schedules && scheduleButton) actions.push(scheduleFormButton(s.id, s.name));
  if (actions.length) blocks.push({ type: 'actions', block_id: `home_nb_${s.id}`.slice(0, 255), elements: actions });
  blocks.push({ type: 'divider' });
  return blocks;
}

const VERB_LABEL: Readonly<Record<HomeVerb, string>> = { start: 'Start', stop: 'Stop', extend: 'Extend' };

/**
 * Why buttons are missing, one line per distinct reason ("Start: …", "Stop, Extend: …"), each
 * line starting on a new line of the notebook's section (no extra block: the 100-block limit).
 */
function refusalLines(status: string, refused: Partial<Record<HomeVerb, string>>): string {
  const byReason = new Map<string, string[]>();
  for (const verb of homeVerbsFor(status)) {
    const reason = refused[verb];
    if (reason) byReason.set(reason, [...(byReason.get(reason) ?? []), VERB_LABEL[verb]]);
  }
  return [...byReason].map(([reason, verbs]) => `\n:no_entry: _${verbs.join(', ')}:_ ${reason}`).join('');
}

/**
 * The App Home tab: "My notebooks" with status, flavor, time left and buttons (Open JupyterLab,
 * Start, Stop, Extend +1h), plus New notebook and Refresh. Pure; ≤ 100 blocks.
 */
export function buildHomeView(input: HomeViewInput): HomeView {
  const blocks: KnownBlock[] = [
    { type: 'header', text: plain('My notebooks', 150) },
    {
      type: 'actions',
      block_id: 'home_top',
      elements: [
        ...(input.refusals?.create
          ? []
          : [
              {
                type: 'button' as const,
                action_id: HOME_ACTIONS.create,
                text: plain('New notebook'),
                style: 'primary' as const,
                value: 'create',
              },
            ]),
        { type: 'button', action_id: HOME_ACTIONS.refresh, text: plain('Refresh'), value: 'refresh' },
      ],
    },
  ];
  if (input.refusals?.create) {
    blocks.push({ type: 'context', elements: [mrkdwn(`:no_entry: _New notebook:_ ${input.refusals.create}`)] });
  }
  if (input.error) {
    blocks.push({ type: 'section', text: mrkdwn(`:warning: ${input.error}`) });
  } else if (!input.notebooks.length) {
    blocks.push({
      type: 'section',
      text: mrkdwn(
        input.refusals?.create
          ? 'You have no notebooks yet.'
          : `You have no notebooks yet. Press *New notebook*, or type \`${escapeMrkdwn(input.commandName)} create\` in any channel.`,
      ),
    });
  } else {
    for (const s of input.notebooks.slice(0, MAX_HOME_NOTEBOOKS))
      blocks.push(
        ...notebookBlocks(
          s,
          input.startLeaseHours,
          input.schedules,
          input.refusals?.notebooks?.[s.id] ?? {},
          !input.refusals?.schedule,
        ),
      );
    const more = input.notebooks.length - MAX_HOME_NOTEBOOKS;
    if (more > 0) {
      blocks.push({
        type: 'context',
        elements: [mrkdwn(`…and ${more} more: \`${escapeMrkdwn(input.commandName)} list mine\` shows them all.`)],
      });
    }
  }
  const stale = input.notebooks.some((n) => !n.live);
  blocks.push({
    type: 'context',
    elements: [
      mrkdwn(
        `Updated ${slackDate(input.now, '{time}')}` +
          (stale ? ' · ModelArts did not answer for some notebooks: their status is the last known one.' : ''),
      ),
    ],
  });
  return { type: 'home', blocks };
}
