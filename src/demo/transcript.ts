/**
 * Renders recorded Slack Web API calls (FakeSlackApi) as a chat transcript a person can read in a
 * terminal: who said what where, message updates as "↻ updated", buttons as [Open JupyterLab],
 * modals as a titled form. Pure functions; the demo prints what they return.
 */
import type { RecordedCall } from '../slack-stand-in/fake-slack-api.js';

/** Names to show instead of Slack ids. */
export interface TranscriptNames {
  /** User id → display name (without @). */
  users: Readonly<Record<string, string>>;
  /** Channel id → name (without #). */
  channels: Readonly<Record<string, string>>;
  /** How the bot is called. */
  bot: string;
}

type Json = Record<string, unknown>;

const EMOJI: Readonly<Record<string, string>> = {
  white_check_mark: '✅',
  heavy_check_mark: '✔',
  hourglass: '⌛',
  hourglass_flowing_sand: '⏳',
  warning: '⚠️',
  x: '❌',
  no_entry: '⛔',
  no_entry_sign: '🚫',
  rocket: '🚀',
  alarm_clock: '⏰',
  stopwatch: '⏱',
  timer_clock: '⏲',
  raised_hand: '✋',
  arrows_counterclockwise: '🔄',
  large_green_circle: '🟢',
  green_circle: '🟢',
  red_circle: '🔴',
  large_yellow_circle: '🟡',
  yellow_circle: '🟡',
  white_circle: '⚪',
  black_circle: '⚫',
  large_blue_circle: '🔵',
  octagonal_sign: '🛑',
  stop_button: '⏹',
  arrow_forward: '▶',
  double_vertical_bar: '⏸',
  wastebasket: '🗑',
  hammer_and_wrench: '🛠',
  gear: '⚙',
  sparkles: '✨',
  tada: '🎉',
  mag: '🔍',
  bell: '🔔',
  information_source: 'ℹ️',
  zzz: '💤',
  computer: '💻',
  notebook: '📓',
  clock1: '🕐',
  calendar: '📅',
  lock: '🔒',
  key: '🔑',
  link: '🔗',
  bulb: '💡',
  heavy_plus_sign: '➕',
  thumbsup: '👍',
  '+1': '👍',
  eyes: '👀',
  construction: '🚧',
  fire: '🔥',
  cloud: '☁',
};

/** `:emoji:` codes as characters (plain_text also shows them). */
function emojiToText(text: string): string {
  return text.replace(/:([a-z0-9_+-]+):/g, (m, code: string) => EMOJI[code] ?? m);
}

/** Slack `mrkdwn` as plain terminal text: mentions named, links shown, bold/italic marks dropped. */
export function mrkdwnToText(text: string, names: TranscriptNames): string {
  return (
    text
      .replace(
        /<@([UW][A-Z0-9]+)(?:\|([^>]*))?>/g,
        (_, id: string, label?: string) => `@${names.users[id] ?? label ?? id}`,
      )
      .replace(
        /<#([CGD][A-Z0-9]+)(?:\|([^>]*))?>/g,
        (_, id: string, label?: string) => `#${names.channels[id] ?? label ?? id}`,
      )
      .replace(/<!subteam\^([A-Z0-9]+)(?:\|([^>]*))?>/g, (_, id: string, label?: string) => label ?? `@${id}`)
      .replace(/<!date\^\d+\^[^|>]*\|([^>]*)>/g, '$1')
      .replace(/<!(here|channel|everyone)>/g, '@$1')
      .replace(/<((?:https?|mailto):[^|>]+)\|([^>]+)>/g, '$2 ($1)')
      .replace(/<((?:https?|mailto):[^>]+)>/g, '$1')
      // Bold and italic markers around words; underscores inside names (demo_nb) stay.
      .replace(/(^|[^\p{L}\p{N}*])\*(?=\S)([^*\n]*?\S)\*(?![\p{L}\p{N}*])/gu, '$1$2')
      .replace(/(^|[^\p{L}\p{N}_])_(?=\S)([^_\n]*?\S)_(?![\p{L}\p{N}_])/gu, '$1$2')
      .replace(/(^|[^\p{L}\p{N}~])~(?=\S)([^~\n]*?\S)~(?![\p{L}\p{N}~])/gu, '$1$2')
      .replace(/:([a-z0-9_+-]+):/g, (m, code: string) => EMOJI[code] ?? m)
      .replace(/&lt;/g, '<')
      .replace(/&gt;/g, '>')
      .replace(/&amp;/g, '&')
  );
}

function textOf(obj: unknown, names: TranscriptNames): string {
  if (!obj || typeof obj !== 'object') return '';
  const t = (obj as Json)['text'];
  if (typeof t !== 'string') return '';
  return (obj as Json)['type'] === 'mrkdwn' ? mrkdwnToText(t, names) : emojiToText(t);
}

function button(el: Json, names: TranscriptNames): string {
  const label = textOf(el['text'], names) || String(el['action_id'] ?? 'button');
  const url = typeof el['url'] === 'string' ? ` → ${el['url']}` : '';
  return `[${label}${url}]`;
}

function element(el: unknown, names: TranscriptNames): string | undefined {
  if (!el || typeof el !== 'object') return undefined;
  const e = el as Json;
  switch (e['type']) {
    case 'button':
      return button(e, names);
    case 'static_select':
    case 'external_select':
    case 'users_select':
    case 'conversations_select':
    case 'channels_select':
    case 'overflow': {
      const chosen = textOf((e['initial_option'] as Json | undefined)?.['text'], names);
      return `[${chosen || textOf(e['placeholder'], names) || 'choose'} ▾]`;
    }
    case 'mrkdwn':
    case 'plain_text':
      return textOf(e, names);
    case 'image':
      return typeof e['alt_text'] === 'string' ? `[image: ${e['alt_text']}]` : '[image]';
    default:
      return undefined;
  }
}

/** The value an input shows before anyone types: initial value or option, else its placeholder. */
function inputValue(el: Json, names: TranscriptNames): string {
  if (typeof el['initial_value'] === 'string' && el['initial_value'] !== '') return el['initial_value'];
  const option = el['initial_option'] as Json | undefined;
  if (option) return textOf(option['text'], names) || String(option['value'] ?? '');
  const placeholder = textOf(el['placeholder'], names);
  return placeholder ? `(${placeholder})` : '(empty)';
}

function richText(el: unknown, names: TranscriptNames): string {
  if (!el || typeof el !== 'object') return '';
  const e = el as Json;
  if (typeof e['text'] === 'string') return mrkdwnToText(e['text'], names);
  if (e['type'] === 'link' && typeof e['url'] === 'string') return e['url'];
  if (e['type'] === 'user' && typeof e['user_id'] === 'string') return `@${names.users[e['user_id']] ?? e['user_id']}`;
  const children = e['elements'];
  return Array.isArray(children) ? children.map((c) => richText(c, names)).join('') : '';
}

/** A context or actions block's elements on one line. */
function elementsLine(elements: unknown, names: TranscriptNames, separator: string): string {
  if (!Array.isArray(elements)) return '';
  return elements
    .map((e) => element(e, names))
    .filter(Boolean)
    .join(separator);
}

/** Block Kit blocks as lines of text. */
export function blocksToLines(blocks: readonly unknown[], names: TranscriptNames): string[] {
  const lines: string[] = [];
  const push = (text: string) => {
    for (const line of text.split('\n')) if (line.trim() !== '') lines.push(line.trimEnd());
  };
  for (const raw of blocks) {
    if (!raw || typeof raw !== 'object') continue;
    const b = raw as Json;
    switch (b['type']) {
      case 'header':
        push(textOf(b['text'], names).toUpperCase());
        break;
      case 'section': {
        const text = textOf(b['text'], names);
        const accessory = element(b['accessory'], names);
        if (text || accessory) push([text, accessory].filter(Boolean).join('  '));
        const fields = b['fields'];
        if (Array.isArray(fields) && fields.length) {
          push(
            fields
              .map((f) => textOf(f, names).replace(/\n/g, ' '))
              .filter(Boolean)
              .join(' · '),
          );
        }
        break;
      }
      case 'context':
        push(elementsLine(b['elements'], names, ' · '));
        break;
      case 'actions':
        push(elementsLine(b['elements'], names, ' '));
        break;
      case 'input': {
        const label = textOf(b['label'], names);
        const el = (b['element'] as Json | undefined) ?? {};
        push(`${label}: ${inputValue(el, names)}`);
        break;
      }
      case 'rich_text':
        push(richText(b, names));
        break;
      case 'image':
        push(typeof b['alt_text'] === 'string' ? `[image: ${b['alt_text']}]` : '[image]');
        break;
      case 'divider':
        lines.push('──────────');
        break;
      default:
        break;
    }
  }
  return lines;
}

/** A message's visible content: its blocks when it has any, else its text. */
export function messageLines(args: Json, names: TranscriptNames): string[] {
  const blocks = args['blocks'];
  if (Array.isArray(blocks) && blocks.length > 0) return blocksToLines(blocks, names);
  const text = typeof args['text'] === 'string' ? mrkdwnToText(args['text'], names) : '';
  return text.split('\n').filter((l) => l.trim() !== '');
}

/** One transcript entry: a heading line and the indented content under it. */
export interface TranscriptEntry {
  heading: string;
  lines: string[];
}

function where(args: Json, names: TranscriptNames): string {
  const channel = typeof args['channel'] === 'string' ? args['channel'] : '';
  if (!channel) return '';
  if (channel.startsWith('D')) return 'DM';
  return `#${names.channels[channel] ?? channel}`;
}

/**
 * What one Web API call looks like in the chat, or undefined for calls a person never sees
 * (auth.test, lookups, conversations.open).
 */
export function renderCall(call: RecordedCall, names: TranscriptNames): TranscriptEntry | undefined {
  const a = call.args;
  const bot = names.bot;
  const user = (id: unknown) => `@${typeof id === 'string' ? (names.users[id] ?? id) : 'someone'}`;
  switch (call.method) {
    case 'chat.postMessage': {
      const thread = typeof a['thread_ts'] === 'string' ? '  ↳ in thread' : '';
      return { heading: `${where(a, names)}  ${bot}:${thread}`, lines: messageLines(a, names) };
    }
    case 'chat.update':
      return { heading: `${where(a, names)}  ↻ updated ${bot}'s message:`, lines: messageLines(a, names) };
    case 'chat.postEphemeral':
      return {
        heading: `${where(a, names)}  ${bot} (only visible to ${user(a['user'])}):`,
        lines: messageLines(a, names),
      };
    case 'response_url':
      return { heading: `${bot} (only visible to you):`, lines: messageLines(a, names) };
    case 'chat.delete':
      return { heading: `${where(a, names)}  ${bot} deleted a message`, lines: [] };
    case 'views.open':
    case 'views.push':
    case 'views.update': {
      const view = (a['view'] as Json | undefined) ?? {};
      const title = textOf(view['title'], names) || 'a modal';
      const verb = call.method === 'views.update' ? '↻ modal updated' : `${bot} opened a modal`;
      const buttons = [textOf(view['submit'], names), textOf(view['close'], names)]
        .filter(Boolean)
        .map((t) => `[${t}]`)
        .join(' ');
      const blocks = Array.isArray(view['blocks']) ? blocksToLines(view['blocks'], names) : [];
      return { heading: `${verb}: “${title}”`, lines: [...blocks, ...(buttons ? [buttons] : [])] };
    }
    case 'views.publish':
      return { heading: `🏠 ${bot} refreshed ${user(a['user_id'])}'s App Home`, lines: [] };
    default:
      return undefined;
  }
}

/** Formats an entry under a time column: `  3.2s  heading` then indented lines. */
export function formatEntry(entry: TranscriptEntry, elapsedMs: number): string {
  const time = `${(elapsedMs / 1000).toFixed(1)}s`.padStart(6);
  const body = entry.lines.map((l) => `          ${l}`);
  return [`${time}  ${entry.heading}`, ...body].join('\n');
}
