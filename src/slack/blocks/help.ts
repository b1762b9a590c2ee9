import { SUBCOMMANDS } from '../command.js';
import { codeSpan, escapeMrkdwn } from '../escape.js';
import { type KnownBlock, mrkdwn } from './kit.js';

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
