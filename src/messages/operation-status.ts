import type { KnownBlock } from '@slack/types';
import type { ActionProgress } from '../modelarts/index.js';
import type { Operation, OperationKind } from '../operations/index.js';
import { type CostQuote, quoteSentence } from './costs.js';
import { escapeKeepingDates, escapeMrkdwn, formatDuration } from './format.js';

/**
 * Pure Block Kit builders for the one status message each notebook operation owns. The web side
 * posts the first ("queued") version; the worker updates the same message in place as the
 * operation moves on. Everything here is a function of its input (time included), so the
 * rendering is unit-tested without Slack, and re-rendering the same state yields the same blocks
 * (which lets the notifier skip no-op `chat.update` calls).
 *
 * Never pass the notebook's Jupyter `token` here: nothing in this file asks for it, and
 * `safeNotebookUrl` strips a `token` query parameter should ModelArts ever put one in `url`.
 */

/** Where an operation stands, as the user sees it. */
export type OperationPhase =
  /** Accepted, waiting for a worker. */
  | 'queued'
  /** A worker is acting or polling ModelArts. */
  | 'working'
  /** Past the ready timeout: still not ready, the bot keeps watching (slowly). */
  | 'slow'
  /** create/start finished: the notebook is RUNNING (shows the JupyterLab button). */
  | 'ready'
  /** stop/delete/extend finished. */
  | 'done'
  | 'failed';

export type StepState = 'waiting' | 'processing' | 'completed' | 'failed';

/** One of ModelArts' `action_progress` steps (1 storage, 2 compute, 3 network, 4 init). */
export interface ProgressStep {
  step: number;
  state: StepState;
  /** ModelArts' `step_description`; user-facing text from the service, escaped on render. */
  description?: string;
}

/** Everything the status message shows. Build it, render it, post or update it. */
export interface OperationStatus {
  kind: OperationKind;
  /** The notebook's name (user text: escaped on render). */
  notebookName: string;
  /** Slack user id of the requester (`U…`), mentioned in the message. */
  requesterId: string;
  /** The working-hours schedule that asked for it (`weekdays 09:00-19:00 UTC`), when one did. */
  schedule?: string;
  phase: OperationPhase;
  /** When the request was made (epoch ms); the elapsed time counts from here. */
  requestedAt: number;
  /** "Now" for the elapsed time (epoch ms). Passed in to keep the builder pure. */
  now: number;
  /** Last ModelArts status seen (CREATING, RUNNING, …). */
  notebookStatus?: string;
  /** ModelArts `action_progress`, when the service reports it (shown for create and start only). */
  steps?: readonly ProgressStep[];
  /** JupyterLab address (phase `ready`). Must not carry the Jupyter token. */
  url?: string;
  /**
   * One plain sentence of outcome or context, e.g. "Lease extended by 1 h: it now stops <date>."
   * (escaped on render, except the date tokens `slackDate` writes).
   */
  detail?: string;
  /** Phase `failed`: what went wrong and what to try, in plain words (escaped on render). */
  failure?: { reason: string; hint?: string };
  /** What the run time the operation adds costs (create/start/extend with a priced flavor). */
  cost?: CostQuote;
}

/** A rendered message: `text` is the notification/accessibility fallback, `blocks` the body. */
export interface RenderedMessage {
  text: string;
  blocks: KnownBlock[];
}

/** `action_id` of the "Open JupyterLab" link button; Slack still sends an action for it: ack it. */
export const OPEN_JUPYTERLAB_ACTION_ID = 'notebook_open_jupyterlab';
/** `block_id` prefix of status messages (the opId-free part, stable across updates). */
export const STATUS_BLOCK_ID = 'nb_status';

export const STEP_LABELS: Readonly<Record<number, string>> = {
  1: 'Storage',
  2: 'Compute',
  3: 'Network',
  4: 'Initialisation',
};

/**
 * The kinds whose progress the steps describe. ModelArts keeps reporting the creation's
 * `action_progress` for the notebook's whole life, so on a stop, delete or extend the four
 * steps would only repeat how it was once created.
 */
const SHOWS_STEPS: ReadonlySet<OperationKind> = new Set(['create', 'start']);

const STEP_ICONS: Readonly<Record<StepState, string>> = {
  waiting: ':white_circle:',
  processing: ':arrows_counterclockwise:',
  completed: ':white_check_mark:',
  failed: ':x:',
};

const STEP_WORDS: Readonly<Record<StepState, string>> = {
  waiting: 'waiting',
  processing: 'in progress',
  completed: 'done',
  failed: 'failed',
};

const VERBS: Readonly<Record<OperationKind, { doing: string; done: string; noun: string }>> = {
  create: { doing: 'Creating', done: 'created', noun: 'create' },
  start: { doing: 'Starting', done: 'started', noun: 'start' },
  stop: { doing: 'Stopping', done: 'stopped', noun: 'stop' },
  delete: { doing: 'Deleting', done: 'deleted', noun: 'delete' },
  extend: { doing: 'Extending the lease of', done: 'lease extended', noun: 'extend the lease of' },
};

/**
 * Maps ModelArts' `action_progress` to the four steps, in order. Unknown statuses count as
 * waiting; missing steps are omitted (the service does not always report all four).
 */
export function stepsFromActionProgress(progress: readonly ActionProgress[] | undefined): ProgressStep[] {
  if (!progress) return [];
  const out: ProgressStep[] = [];
  for (const p of progress) {
    if (typeof p.step !== 'number') continue;
    const state = toStepState(p.status);
    out.push({ step: p.step, state, ...(p.step_description ? { description: p.step_description } : {}) });
  }
  return out.sort((a, b) => a.step - b.step);
}

function toStepState(status: string | undefined): StepState {
  switch (status?.toUpperCase()) {
    case 'PROCESSING':
      return 'processing';
    case 'COMPLETED':
      return 'completed';
    case 'FAILED':
      return 'failed';
    default:
      return 'waiting';
  }
}

/**
 * Returns `url` when it is an http(s) address, with any `token` query parameter removed (the
 * Jupyter token must never reach Slack); undefined otherwise (Slack rejects bad button URLs and
 * the whole update would fail).
 */
export function safeNotebookUrl(url: string | undefined): string | undefined {
  if (!url) return undefined;
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return undefined;
  }
  if (parsed.protocol !== 'https:' && parsed.protocol !== 'http:') return undefined;
  if (parsed.searchParams.has('token')) parsed.searchParams.delete('token');
  const out = parsed.toString();
  // Slack caps button URLs at 3000 characters.
  return out.length <= 3000 ? out : undefined;
}

const STILL: Readonly<Record<OperationKind, string>> = {
  create: 'is still not ready',
  start: 'is still not ready',
  stop: 'is still stopping',
  delete: 'is still being deleted',
  extend: 'is still waiting for its lease extension',
};

function headline(s: OperationStatus): { icon: string; mrkdwn: string; plain: string } {
  const name = escapeMrkdwn(s.notebookName);
  const v = VERBS[s.kind];
  switch (s.phase) {
    case 'queued':
      return {
        icon: ':hourglass_flowing_sand:',
        mrkdwn: `Queued: ${v.noun} notebook *${name}*`,
        plain: `Queued: ${v.noun} notebook ${name}`,
      };
    case 'working':
      return {
        icon: ':gear:',
        mrkdwn: `${v.doing} notebook *${name}*…`,
        plain: `${v.doing} notebook ${name}…`,
      };
    case 'slow': {
      const still = STILL[s.kind];
      return { icon: ':warning:', mrkdwn: `Notebook *${name}* ${still}`, plain: `Notebook ${name} ${still}` };
    }
    case 'ready':
      return {
        icon: ':white_check_mark:',
        mrkdwn: `Notebook *${name}* is ready`,
        plain: `Notebook ${name} is ready`,
      };
    case 'done':
      return {
        icon: ':white_check_mark:',
        mrkdwn: `Notebook *${name}* ${v.done}`,
        plain: `Notebook ${name} ${v.done}`,
      };
    case 'failed':
      return {
        icon: ':x:',
        mrkdwn: `Could not ${v.noun} notebook *${name}*`,
        plain: `Could not ${v.noun} notebook ${name}`,
      };
  }
}

/**
 * Renders the status message of one operation. Stays well under Slack's limits (≤ 8 blocks,
 * section text truncated to 3000 characters).
 */
export function renderOperationStatus(s: OperationStatus): RenderedMessage {
  const head = headline(s);
  const blocks: KnownBlock[] = [
    {
      type: 'section',
      block_id: `${STATUS_BLOCK_ID}_head`,
      text: { type: 'mrkdwn', text: clip(`${head.icon} ${head.mrkdwn}`) },
    },
  ];

  const steps = SHOWS_STEPS.has(s.kind) ? (s.steps ?? []) : [];
  if (steps.length > 0 && s.phase !== 'queued') {
    const lines = steps.map((st) => {
      const label = STEP_LABELS[st.step] ?? `Step ${st.step}`;
      const desc = st.description ? ` — ${escapeMrkdwn(st.description)}` : '';
      return `${STEP_ICONS[st.state]} ${label}: ${STEP_WORDS[st.state]}${desc}`;
    });
    blocks.push({
      type: 'section',
      block_id: `${STATUS_BLOCK_ID}_steps`,
      text: { type: 'mrkdwn', text: clip(lines.join('\n')) },
    });
  }

  if (s.phase === 'slow') {
    blocks.push({
      type: 'section',
      block_id: `${STATUS_BLOCK_ID}_slow`,
      text: {
        type: 'mrkdwn',
        text: clip(
          `It has taken ${formatDuration(s.now - s.requestedAt)} so far. The bot keeps watching and will update this message when it finishes or fails.` +
            (s.kind === 'create' || s.kind === 'start'
              ? ' Capacity may be short for this flavor: you can stop waiting by deleting it and trying another flavor.'
              : ''),
        ),
      },
    });
  }

  if (s.phase === 'failed' && s.failure) {
    const hint = s.failure.hint ? `\n*What to try:* ${escapeMrkdwn(s.failure.hint)}` : '';
    blocks.push({
      type: 'section',
      block_id: `${STATUS_BLOCK_ID}_failure`,
      text: { type: 'mrkdwn', text: clip(`*Why:* ${escapeMrkdwn(s.failure.reason)}${hint}`) },
    });
  }

  if (s.detail) {
    blocks.push({
      type: 'section',
      block_id: `${STATUS_BLOCK_ID}_detail`,
      text: { type: 'mrkdwn', text: clip(escapeKeepingDates(s.detail, escapeMrkdwn)) },
    });
  }

  const url = s.phase === 'ready' ? safeNotebookUrl(s.url) : undefined;
  if (url) {
    blocks.push(openJupyterLabActions(`${STATUS_BLOCK_ID}_open`, url));
  }

  const by = s.schedule
    ? `On schedule \`${escapeMrkdwn(s.schedule)}\` for <@${s.requesterId}>`
    : `Requested by <@${s.requesterId}>`;
  const context = [by, `elapsed ${formatDuration(s.now - s.requestedAt)}`];
  if (s.notebookStatus) context.push(`status \`${escapeMrkdwn(s.notebookStatus)}\``);
  blocks.push({
    type: 'context',
    block_id: `${STATUS_BLOCK_ID}_ctx`,
    elements: [
      { type: 'mrkdwn', text: context.join(' · ') },
      ...(s.cost && s.phase !== 'failed' && (s.kind === 'create' || s.kind === 'start' || s.kind === 'extend')
        ? [{ type: 'mrkdwn' as const, text: `:moneybag: ${quoteSentence(s.cost, s.kind)}` }]
        : []),
    ],
  });

  let text = head.plain;
  if (s.phase === 'failed' && s.failure) text += `: ${escapeMrkdwn(s.failure.reason)}`;
  return { text: clip(text), blocks };
}

/** The notebook name an operation acts on (create carries it in the request). */
export function operationNotebookName(op: Operation): string {
  return op.kind === 'create' ? op.request.name : op.name;
}

/**
 * The status of an operation that was just accepted: what the web side posts before enqueueing
 * (`renderOperationStatus(queuedOperationStatus(op, Date.now()))`).
 */
export function queuedOperationStatus(op: Operation, now: number): OperationStatus {
  return {
    kind: op.kind,
    notebookName: operationNotebookName(op),
    requesterId: op.requester.userId,
    ...(op.schedule ? { schedule: op.schedule } : {}),
    phase: 'queued',
    requestedAt: op.requestedAt,
    now,
    ...(op.cost ? { cost: op.cost } : {}),
  };
}

/**
 * The one thread reply posted when a create/start is ready: mentions the requester (a
 * notification), and carries the Open JupyterLab button itself. The status message gets the same
 * button, but its edit (chat.update, Tier 3: about 50 a minute for the whole workspace) can come
 * minutes after the reply when many notebooks finish together; the reply never waits for it.
 */
export function renderReadyReply(requesterId: string, notebookName: string, url?: string): RenderedMessage {
  const text = `<@${requesterId}> your notebook *${escapeMrkdwn(notebookName)}* is running.`;
  const open = safeNotebookUrl(url);
  if (!open) return { text, blocks: [{ type: 'section', text: { type: 'mrkdwn', text } }] };
  return {
    text,
    blocks: [
      { type: 'section', text: { type: 'mrkdwn', text } },
      openJupyterLabActions(`${STATUS_BLOCK_ID}_ready_open`, open),
    ],
  };
}

/** The Open JupyterLab link button, alone in an actions block (`url`: already token-free). */
function openJupyterLabActions(blockId: string, url: string): KnownBlock {
  return {
    type: 'actions',
    block_id: blockId,
    elements: [
      {
        type: 'button',
        action_id: OPEN_JUPYTERLAB_ACTION_ID,
        text: { type: 'plain_text', text: 'Open JupyterLab', emoji: true },
        url,
        style: 'primary',
      },
    ],
  };
}

/** The thread reply posted when the ready timeout passes (the status message shows the rest). */
export function renderSlowReply(
  kind: OperationKind,
  requesterId: string,
  notebookName: string,
  waitedMs: number,
): string {
  return (
    `<@${requesterId}> notebook *${escapeMrkdwn(notebookName)}* ${STILL[kind]} after ${formatDuration(waitedMs)}. ` +
    'The bot keeps watching and will update the status message.'
  );
}

function clip(text: string, max = 3000): string {
  return text.length <= max ? text : `${text.slice(0, max - 1)}…`;
}
