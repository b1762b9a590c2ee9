import { codeSpan, escapeMrkdwn } from './format.js';
import { type KnownBlock, mrkdwn } from './kit.js';

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
  {
    usage: 'adopt <name-or-id> @user',
    example: 'adopt console-notebook @alice',
    what: 'admins: make @user the owner of a notebook created outside the bot',
  },
  {
    usage: 'link <iam-user>',
    example: 'link alice.wang',
    what: 'ask to be linked to your Huawei IAM user (name or id): notebooks it created become yours once an admin approves',
  },
  {
    usage: 'link @user <iam-user>',
    example: 'link @alice alice.wang',
    what: 'admins: link @user to an IAM user, at once',
  },
  {
    usage: 'unlink [@user] <iam-user>',
    example: 'unlink alice.wang',
    what: 'admins: remove a link; its notebooks are read-only again',
  },
  {
    usage: 'who',
    example: 'who',
    what: 'admins: IAM users seen on notebooks, who each is in Slack, and notebooks nobody owns',
  },
  {
    usage: 'audit [name-or-id]',
    example: 'audit my-notebook',
    what: 'admins: show the latest audit entries (allowed and refused actions), for one notebook or all',
  },
  {
    usage: 'schedule <name-or-id> <days> <start>-<stop> [time zone]',
    example: 'schedule my-notebook weekdays 09:00-19:00 Asia/Shanghai',
    what: 'working hours: start and stop it on a weekly schedule (no arguments: a form; `<name>` shows it; `<name> off` removes it; `<name> skip next|<YYYY-MM-DD>` skips one start or stop)',
  },
  {
    usage: 'usage [month] [@user]',
    example: 'usage 2026-11 @alice',
    what: 'notebook hours and cost by person, flavor and notebook in a month (admins: anyone; others: their own)',
  },
  { usage: 'help', example: 'help', what: 'show this help' },
];

/**
 * The help message: every subcommand with what it does and an example. `unknown` is the word the
 * user typed when it was not a subcommand (shown back, escaped).
 */
export function buildHelpMessage(commandName: string, unknown?: string): { text: string; blocks: KnownBlock[] } {
  const lines = SUBCOMMANDS.map(
    (s) =>
      `• ${codeSpan(`${commandName} ${s.usage}`)} — ${escapeMrkdwn(s.what)}\n      e.g. ${codeSpan(`${commandName} ${s.example}`)}`,
  );
  const intro = unknown
    ? `:thinking_face: ${codeSpan(unknown)} is not something I know. Here is what ${escapeMrkdwn(commandName)} can do:`
    : `Manage ModelArts notebooks from Slack with ${codeSpan(commandName)}:`;
  const blocks: KnownBlock[] = [
    { type: 'section', text: mrkdwn(intro) },
    { type: 'section', text: mrkdwn(lines.join('\n')) },
    {
      type: 'context',
      elements: [
        mrkdwn('Durations: 2h, 90m, 1.5h, 1d or 3 hours (1h to 72h). Your notebooks are also on my *Home* tab.'),
      ],
    },
  ];
  return { text: `${intro} ${SUBCOMMANDS.map((s) => s.usage.split(' ')[0]).join(', ')}`, blocks };
}
