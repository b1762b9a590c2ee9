import { NOTEBOOK_STATUSES } from '../modelarts/schemas.js';

/** Longest `/notebook` text accepted; longer input is refused with a message before any work. */
export const MAX_COMMAND_TEXT = 500;

/** What `list` shows: the caller's notebooks, everything, or everything in one status. */
export type ListFilter = { kind: 'mine' } | { kind: 'all' } | { kind: 'status'; status: string };

/** A `/notebook` invocation, parsed. `error` carries a plain-text message for the user. */
export type ParsedCommand =
  | { kind: 'help'; unknown?: string }
  | { kind: 'create'; name?: string }
  | { kind: 'start'; target: string; duration?: string }
  | { kind: 'stop'; target: string }
  | { kind: 'delete'; target: string }
  | { kind: 'status'; target: string }
  | { kind: 'list'; filter: ListFilter }
  | { kind: 'extend'; target: string; amount: string }
  | { kind: 'error'; message: string };

/** One line of help per subcommand, each with an example (the help message renders these). */
export const SUBCOMMANDS: ReadonlyArray<{ usage: string; example: string; what: string }> = [
  { usage: 'create [name]', example: 'create my-notebook', what: 'open the form to create a notebook' },
  {
    usage: 'start <name-or-id> [duration]',
    example: 'start my-notebook 3h',
    what: 'start a notebook; without a duration a form asks for it',
  },
  { usage: 'stop <name-or-id>', example: 'stop my-notebook', what: 'stop a running notebook' },
  { usage: 'delete <name-or-id>', example: 'delete my-notebook', what: 'delete a notebook (asks to confirm)' },
  { usage: 'status <name-or-id>', example: 'status my-notebook', what: 'show status, flavor and time left' },
  {
    usage: 'list [mine|all|<status>]',
    example: 'list running',
    what: 'list your notebooks, all of them, or those in one status',
  },
  {
    usage: 'extend <name-or-id> <hours>',
    example: 'extend my-notebook 2h',
    what: 'add time to a running notebook’s lease',
  },
  { usage: 'help', example: 'help', what: 'show this help' },
];

const NEEDS_TARGET: Record<string, string> = {
  start: 'start <name-or-id> [duration], e.g. start my-notebook 3h',
  stop: 'stop <name-or-id>, e.g. stop my-notebook',
  delete: 'delete <name-or-id>, e.g. delete my-notebook',
  status: 'status <name-or-id>, e.g. status my-notebook',
  extend: 'extend <name-or-id> <hours>, e.g. extend my-notebook 2h',
};

/**
 * Parses the text after `/notebook`. Pure: no I/O, so every branch is unit-tested. Names never
 * contain spaces (ModelArts allows letters, digits, `-` and `_`), so the first word after the
 * subcommand is the target and the rest is the duration (`3 hours` is two words).
 */
export function parseCommand(text: string, commandName = '/notebook'): ParsedCommand {
  if (text.length > MAX_COMMAND_TEXT) {
    return {
      kind: 'error',
      message: `That command is ${text.length} characters long; the limit is ${MAX_COMMAND_TEXT}. Try ${commandName} help.`,
    };
  }
  const words = text.trim().split(/\s+/).filter(Boolean);
  const sub = (words[0] ?? '').toLowerCase();
  const target = words[1];
  const rest = words.slice(2).join(' ');

  switch (sub) {
    case '':
    case 'help':
      return { kind: 'help' };
    case 'create':
    case 'new':
      return target ? { kind: 'create', name: target } : { kind: 'create' };
    case 'list':
    case 'ls':
      return parseList(target, commandName);
    case 'start':
    case 'stop':
    case 'delete':
    case 'status':
    case 'extend': {
      if (!target) return { kind: 'error', message: `Say which notebook: ${commandName} ${NEEDS_TARGET[sub]}.` };
      if (sub === 'start') return rest ? { kind: 'start', target, duration: rest } : { kind: 'start', target };
      if (sub === 'extend') {
        if (!rest) return { kind: 'error', message: `Say how long to add: ${commandName} ${NEEDS_TARGET[sub]}.` };
        return { kind: 'extend', target, amount: rest };
      }
      if (rest) {
        return { kind: 'error', message: `${sub} takes one notebook name or id: ${commandName} ${NEEDS_TARGET[sub]}.` };
      }
      return { kind: sub, target };
    }
    default:
      return { kind: 'help', unknown: words[0] ?? '' };
  }
}

function parseList(arg: string | undefined, commandName: string): ParsedCommand {
  const filter = (arg ?? 'mine').toLowerCase();
  if (filter === 'mine' || filter === 'my') return { kind: 'list', filter: { kind: 'mine' } };
  if (filter === 'all') return { kind: 'list', filter: { kind: 'all' } };
  const status = filter.toUpperCase();
  if ((NOTEBOOK_STATUSES as readonly string[]).includes(status))
    return { kind: 'list', filter: { kind: 'status', status } };
  return {
    kind: 'error',
    message: `I can list mine, all, or one status (${NOTEBOOK_STATUSES.map((s) => s.toLowerCase()).join(', ')}), not "${arg}". Example: ${commandName} list running.`,
  };
}
