import { isIamUser } from '../access/index.js';
import { NOTEBOOK_STATUSES } from '../modelarts/index.js';

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
  /** Admins: give a notebook (typically one created outside the bot) an owner. */
  | { kind: 'adopt'; target: string; ownerId: string }
  /** Admins: the latest audit entries, optionally about one notebook. */
  | { kind: 'audit'; target?: string }
  /**
   * Link a Slack user to an IAM user (name or id). With `slackUserId`: an admin linking someone;
   * without: the caller asking for their own link (an admin approves it).
   */
  | { kind: 'link'; iam: string; slackUserId?: string }
  /** Admins: remove a link (`slackUserId`, when given, must be the one linked). */
  | { kind: 'unlink'; iam: string; slackUserId?: string }
  /** Admins: IAM users seen on notebooks, who each is in Slack, and the notebooks nobody owns. */
  | { kind: 'who' }
  /** Working-hours schedules: no target = the form; the words after the target say what to do. */
  | { kind: 'schedule'; target?: string; args: string[] }
  /** Run time and cost by person, flavor and notebook in a month (admins; others: their own). */
  | { kind: 'usage'; month?: string; userId?: string }
  | { kind: 'error'; message: string };

const NEEDS_TARGET: Record<string, string> = {
  start: 'start <name-or-id> [duration], e.g. start my-notebook 3h',
  stop: 'stop <name-or-id>, e.g. stop my-notebook',
  delete: 'delete <name-or-id>, e.g. delete my-notebook',
  status: 'status <name-or-id>, e.g. status my-notebook',
  extend: 'extend <name-or-id> <hours>, e.g. extend my-notebook 2h',
  adopt: 'adopt <name-or-id> @user, e.g. adopt console-notebook @alice',
  link: 'link <iam-user> (your own, an admin approves) or link @user <iam-user> (admins), e.g. link alice.wang',
  unlink: 'unlink [@user] <iam-user>, e.g. unlink alice.wang',
};

/**
 * A user as a slash command carries it: `<@U123|alice>` or `<@U123>` when the command escapes
 * users (manifest `should_escape: true`), or a bare member id. Undefined for anything else.
 */
export function parseUserRef(word: string): string | undefined {
  const m = /^<@([UW][A-Z0-9]{2,})(?:\|[^>]*)?>$/.exec(word) ?? /^([UW][A-Z0-9]{2,})$/.exec(word);
  return m?.[1];
}

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
    case 'adopt': {
      const owner = words[2];
      if (!target || !owner) {
        return {
          kind: 'error',
          message: `Say which notebook and who will own it: ${commandName} ${NEEDS_TARGET['adopt']}.`,
        };
      }
      if (words.length > 3) {
        return {
          kind: 'error',
          message: `adopt takes a notebook and one person: ${commandName} ${NEEDS_TARGET['adopt']}.`,
        };
      }
      const ownerId = parseUserRef(owner);
      if (!ownerId) {
        return {
          kind: 'error',
          message: `I could not tell who "${owner}" is. Mention them with @ so Slack sends their member id (${commandName} ${NEEDS_TARGET['adopt']}), or give the id itself (U…, in their profile under "Copy member ID").`,
        };
      }
      return { kind: 'adopt', target, ownerId };
    }
    case 'link':
    case 'unlink':
      return parseLink(sub, words.slice(1), commandName);
    case 'who':
      if (words.length > 1) return { kind: 'error', message: `who takes nothing after it: ${commandName} who.` };
      return { kind: 'who' };
    case 'usage':
      return parseUsage(words.slice(1), commandName);
    case 'audit':
      if (words.length > 2) {
        return {
          kind: 'error',
          message: `audit takes at most one notebook name or id, e.g. ${commandName} audit my-notebook.`,
        };
      }
      return target ? { kind: 'audit', target } : { kind: 'audit' };
    case 'schedule':
    case 'hours':
      return target ? { kind: 'schedule', target, args: words.slice(2) } : { kind: 'schedule', args: [] };
    default:
      return { kind: 'help', unknown: words[0] ?? '' };
  }
}

function parseLink(sub: 'link' | 'unlink', args: readonly string[], commandName: string): ParsedCommand {
  const usage = `${commandName} ${NEEDS_TARGET[sub]}`;
  if (args.length === 0 || args.length > 2) {
    return { kind: 'error', message: `Say which IAM user: ${usage}.` };
  }
  let slackUserId: string | undefined;
  if (args.length === 2) {
    slackUserId = parseUserRef(args[0]!);
    if (!slackUserId) {
      return {
        kind: 'error',
        message: `I could not tell who "${args[0]}" is. Mention them with @ so Slack sends their member id (${usage}).`,
      };
    }
  }
  const iam = args[args.length - 1]!;
  if (parseUserRef(iam)) return { kind: 'error', message: `Put the person first, then the IAM user: ${usage}.` };
  if (!isIamUser(iam)) {
    return {
      kind: 'error',
      message: `"${iam}" is not an IAM user name or id (letters, digits, ".", "_" and "-", at most 64 characters; IAM console > Users). ${usage}.`,
    };
  }
  return { kind: sub, iam, ...(slackUserId ? { slackUserId } : {}) };
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

/** `usage [month] [@user]`, in either order; the month is checked by the command (it needs the date). */
function parseUsage(args: readonly string[], commandName: string): ParsedCommand {
  const users = args.map(parseUserRef).filter((u): u is string => u !== undefined);
  const month = args.filter((w) => parseUserRef(w) === undefined).join(' ');
  const looksLikeUser = args.some((w) => w.startsWith('<@') || w.startsWith('@'));
  if (users.length > 1) {
    return { kind: 'error', message: `usage takes at most one person: ${commandName} usage [month] [@user].` };
  }
  if (looksLikeUser && users.length === 0) {
    return {
      kind: 'error',
      message: `I could not tell who that is. Mention them with @ so Slack sends their member id: ${commandName} usage [month] [@user].`,
    };
  }
  return { kind: 'usage', ...(month ? { month } : {}), ...(users[0] ? { userId: users[0] } : {}) };
}
