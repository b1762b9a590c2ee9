import { codeSpan, escapeMrkdwn, mention } from './format.js';
import { type KnownBlock, mrkdwn } from './kit.js';

/**
 * The short private answers of the slash commands, by topic. Arguments come raw (names, ids, IAM
 * users, the command's name) and each sentence escapes what it shows; `detail` is the mrkdwn
 * sentence `userMessageFor` made of an error (what went wrong, what to do, a reference).
 */
export const commandReply = {
  /** A refusal by the access policy; `message` is the decision's own sentence. */
  refused: (message: string) => `:no_entry: ${message}`,
  /** Something failed; `detail` says what and what to do. */
  failed: (detail: string) => `:warning: ${detail}`,
  createFailed: (detail: string) => `:warning: I could not create the notebook. ${detail}`,
  startFailed: (detail: string) => `:warning: I could not start the notebook. ${detail}`,
  /** Input the command could not read (a duration, an argument): the parser's sentence. */
  invalid: (message: string) => `:warning: ${escapeMrkdwn(message)}`,
  lookupFailed: (query: string, detail: string) => `:warning: I could not look up ${codeSpan(query)}. ${detail}`,
  listFailed: (detail: string) => `:warning: I could not list the notebooks. ${detail}`,
  auditFailed: (detail: string) => `:warning: I could not read the audit trail. ${detail}`,
  /** `views.open` failed; for the create form, Slack's 3 s for a trigger is the usual cause. */
  formNotOpened: (detail: string, { slowTrigger = false }: { slowTrigger?: boolean } = {}) =>
    `:warning: I could not open the form${slowTrigger ? ' (Slack allows 3 seconds for that)' : ''}. Run the command again. ${detail}`,
  /** No notebook has that name; `mine` points to the user's own list rather than every notebook. */
  noSuchNotebook: (commandName: string, query: string, { mine = false }: { mine?: boolean } = {}) =>
    `No notebook is named ${codeSpan(query)}. ${codeSpan(`${commandName} list${mine ? '' : ' all'}`)} shows ${mine ? 'yours' : 'every notebook'}; you can also give its id.`,
  /** The notebook a button or picker named was deleted meanwhile. */
  notebookGone: (commandName: string, name: string) =>
    `*${escapeMrkdwn(name)}* no longer exists in ModelArts. ${codeSpan(`${commandName} list`)} shows what is there.`,
  auditTitle: (target: string | undefined) => (target ? `Audit trail: ${escapeMrkdwn(target)}` : 'Audit trail'),
  listTitle: (filter: { mine: true } | { status: string | undefined }) =>
    'mine' in filter ? '*Your notebooks*' : filter.status ? `*Notebooks that are ${filter.status}*` : '*All notebooks*',
  listEmpty: (status: string | undefined) =>
    status ? `No notebook is ${status}.` : 'There are no notebooks in this project.',
  /** `/notebook list` when the user owns nothing yet: how to get one. */
  listMineEmpty: (commandName: string) =>
    `You have none yet. Create one with ${codeSpan(`${commandName} create`)}, or see everyone's with ${codeSpan(`${commandName} list all`)}. Made yours in the ModelArts console? Ask to be linked to your IAM user: ${codeSpan(`${commandName} link <iam-user>`)}.`,
} as const;

/**
 * Start, stop, extend and status of one notebook (commands, pickers and App Home alike) when
 * there is nothing to queue. `name` is the notebook's raw name.
 */
export const verbReply = {
  alreadyRunning: (commandName: string, name: string) =>
    `*${escapeMrkdwn(name)}* is already running. To give it more time: ${codeSpan(`${commandName} extend ${name} 2h`)}.`,
  busy: (name: string, status: string) =>
    `*${escapeMrkdwn(name)}* is ${escapeMrkdwn(status)} right now. Wait until it settles, then try again.`,
  alreadyStopped: (name: string) => `*${escapeMrkdwn(name)}* is already stopped.`,
  /** `durationArgument` is the extension as a start would take it (`2h`). */
  notRunning: (commandName: string, name: string, status: string, durationArgument: string) =>
    `*${escapeMrkdwn(name)}* is ${escapeMrkdwn(status)}: only a running notebook can be extended. Start it with ${codeSpan(`${commandName} start ${name} ${durationArgument}`)}.`,
  statusFailed: (name: string, detail: string) =>
    `:warning: I could not get the status of *${escapeMrkdwn(name)}*. ${detail}`,
} as const;

/** `/notebook schedule …` answers outside the schedule itself (see `scheduleText` for those). */
export const scheduleCommandReply = {
  notSetUp: (adminContact: string) =>
    `Working-hours schedules are not set up on this bot. Ask ${adminContact} to turn them on; until then, start and stop it with the commands.`,
  usage: (cmd: string) =>
    `:warning: ${escapeMrkdwn(
      `${cmd} schedule <name> <days> <start>-<stop> [time zone], e.g. ${cmd} schedule resnet-exp weekdays 09:00-19:00 Asia/Shanghai (also: ${cmd} schedule <name> to see it, … off, … skip next|<YYYY-MM-DD>)`,
    )}`,
  ambiguous: (query: string, candidates: ReadonlyArray<{ id: string; name: string }>) =>
    `Several notebooks match ${codeSpan(query)}: ${candidates
      .slice(0, 5)
      .map((c) => `${codeSpan(c.name || c.id)} (${codeSpan(c.id)})`)
      .join(', ')}. Give the exact name or its id.`,
  changeFailed: (name: string, detail: string) =>
    `:warning: I could not change the schedule of ${codeSpan(name)}. ${detail}`,
  saveFailed: (detail: string) => `:warning: I could not save the schedule. ${detail}`,
} as const;

/** `/notebook usage [month] [@user]`. */
export const usageReply = {
  unavailable: (adminContact: string) =>
    `:warning: Usage accounting is not available in this deployment. Ask ${adminContact} about notebook hours and costs.`,
  badMonth: (commandName: string, monthText: string) =>
    `:warning: I could not read ${codeSpan(monthText)} as a month. Write it like ${codeSpan('2026-11')}, ${codeSpan('nov')}, ${codeSpan('last')} or ${codeSpan('this')}: ${codeSpan(`${commandName} usage [month] [@user]`)}.`,
  notStarted: (monthLabel: string) => `:warning: ${escapeMrkdwn(monthLabel)} has not started yet: no usage to show.`,
  othersAdminOnly: (commandName: string, adminContact: string) =>
    `:no_entry: Only admins can see other people's usage. ${codeSpan(`${commandName} usage`)} shows yours. Ask ${adminContact}.`,
  readFailed: (detail: string) => `:warning: I could not read the usage. ${detail}`,
} as const;

/** `/notebook adopt <name-or-id> @user`. */
export const adoptReply = {
  ambiguous: (
    commandName: string,
    query: string,
    candidates: ReadonlyArray<{ id: string; name: string; status: string }>,
  ) => {
    const lines = candidates.map((c) => `• ${codeSpan(c.name)} ${codeSpan(c.id)} (${escapeMrkdwn(c.status)})`);
    const example = codeSpan(`${commandName} adopt ${candidates[0]?.id ?? '<id>'} @user`);
    return `Several notebooks match ${codeSpan(query)}; adopt one by its id, e.g. ${example}:\n${lines.join('\n')}`;
  },
  alreadyOwns: (ownerId: string, name: string) =>
    `${mention(ownerId)} already owns ${codeSpan(name)}. Nothing changed.`,
  /** Posted where the notebook's messages go (its thread, or the channel). */
  announcement: (adminId: string, ownerId: string, name: string, previousOwnerId: string | undefined) =>
    `:handshake: ${mention(adminId)} made ${mention(ownerId)} the owner of *${escapeMrkdwn(name)}*${previousOwnerId ? ` (it was ${mention(previousOwnerId)}'s)` : ''}. ${mention(ownerId)} can now start, stop, extend and delete it from Slack.`,
  /** To the admin; `unannouncedIn` is the channel the announcement could not be posted in. */
  done: (ownerId: string, name: string, unannouncedIn: string | undefined) =>
    `:white_check_mark: ${mention(ownerId)} now owns ${codeSpan(name)}.${unannouncedIn ? ` I could not post that in ${mention(unannouncedIn)} (invite me there with \`/invite\`).` : ''}`,
} as const;

/** `/notebook link …` and `/notebook unlink …`. */
export const linkReply = {
  already: (slackUserId: string, iam: string) =>
    `${mention(slackUserId)} is already linked to IAM user ${codeSpan(iam)}. Nothing changed.`,
  taken: (commandName: string, iam: string, holderId: string, inPolicyFile: boolean) =>
    `:no_entry: IAM user ${codeSpan(iam)} is linked to ${mention(holderId)}${inPolicyFile ? ' in the policy file (change it there)' : ''}. Unlink it first: ${codeSpan(`${commandName} unlink ${iam}`)}.`,
  linked: (slackUserId: string, iam: string) =>
    `:link: ${mention(slackUserId)} is now linked to IAM user ${codeSpan(iam)}: notebooks it created are theirs in Slack.`,
  /** The DM to the person an admin linked. */
  linkedYou: (commandName: string, adminId: string, iam: string) =>
    `:link: ${mention(adminId)} linked you to Huawei IAM user ${codeSpan(iam)}. Notebooks it created are yours in Slack now: ${codeSpan(`${commandName} list`)} shows them.`,
  linkFailed: (iam: string, detail: string) => `:warning: I could not link ${codeSpan(iam)}. ${detail}`,
  alreadyYours: (iam: string) => `You are already linked to IAM user ${codeSpan(iam)}. Nothing to do.`,
  someoneElses: (iam: string, holderId: string, adminContact: string) =>
    `:no_entry: IAM user ${codeSpan(iam)} is linked to ${mention(holderId)}. If that is wrong, ask ${adminContact}.`,
  noApprovals: (commandName: string, iam: string, adminContact: string) =>
    `:raised_hand: Linking you to IAM user ${codeSpan(iam)} needs an admin, and approvals are not set up here. Ask ${adminContact} to run ${codeSpan(`${commandName} link @you ${iam}`)}.`,
  askFailed: (detail: string) => `:warning: I could not ask the admins. ${detail}`,
  notThatUser: (iam: string, holderId: string, namedId: string) =>
    `IAM user ${codeSpan(iam)} is linked to ${mention(holderId)}, not ${mention(namedId)}. Nothing changed.`,
  notLinked: (commandName: string, iam: string) =>
    `IAM user ${codeSpan(iam)} is not linked to anyone. ${codeSpan(`${commandName} who`)} lists the links.`,
  inPolicyFile: (iam: string, holderId: string) =>
    `:no_entry: IAM user ${codeSpan(iam)} is linked to ${mention(holderId)} in the policy file (\`identities\`). Remove it there and restart the bot.`,
  unlinked: (slackUserId: string, iam: string) =>
    `:broken_chain: ${mention(slackUserId)} is no longer linked to IAM user ${codeSpan(iam)}; the notebooks it created are read-only in Slack again.`,
  unlinkFailed: (iam: string, detail: string) => `:warning: I could not unlink ${codeSpan(iam)}. ${detail}`,
} as const;

/** One IAM user seen as a notebook creator, for `/notebook who`. */
export interface WhoIamUser {
  /** `name (id)`, or whichever of the two is known. */
  label: string;
  link?: { slackUserId: string; source: 'policy' | 'admin' };
  notebooks: number;
}

export interface WhoInput {
  commandName: string;
  iamUsers: readonly WhoIamUser[];
  /** Links whose IAM user created none of the notebooks. */
  idleLinks: ReadonlyArray<{ iam: string; slackUserId: string; source: 'policy' | 'admin' }>;
  /** Notebooks nobody owns in Slack, newest listing order; `creator` as `describeIamUser` gives it. */
  unowned: ReadonlyArray<{ name: string; status: string; creator?: string }>;
}

/** Lines per section and notebooks named: one message stays under Slack's limits. */
const WHO_MAX_LINES = 40;
const WHO_MAX_UNOWNED = 30;

/** `/notebook who`: IAM users and their links, idle links, and notebooks nobody owns in Slack. */
export function buildWhoMessage(input: WhoInput): { text: string; blocks: KnownBlock[] } {
  const source = (s: 'policy' | 'admin') => (s === 'policy' ? 'policy file' : 'linked in Slack');
  const iamLines = [...input.iamUsers]
    .sort((a, b) => b.notebooks - a.notebooks || a.label.localeCompare(b.label))
    .map((e) => {
      const who = e.link ? `${mention(e.link.slackUserId)} (${source(e.link.source)})` : '_not linked_';
      return `• ${codeSpan(e.label)} → ${who} · ${e.notebooks} notebook${e.notebooks === 1 ? '' : 's'}`;
    });
  const idleLines = input.idleLinks.map(
    (l) => `• ${codeSpan(l.iam)} → ${mention(l.slackUserId)} (${source(l.source)})`,
  );
  const unownedLines = input.unowned
    .slice(0, WHO_MAX_UNOWNED)
    .map((n) => `• ${codeSpan(n.name)} · ${escapeMrkdwn(n.status)}${n.creator ? ` · by ${codeSpan(n.creator)}` : ''}`);

  const blocks: KnownBlock[] = [
    { type: 'section', text: mrkdwn(`*IAM users seen on notebooks* (${input.iamUsers.length})`) },
    { type: 'section', text: mrkdwn(clipLines(iamLines, '_No notebooks in this project._')) },
  ];
  if (idleLines.length) {
    blocks.push(
      { type: 'section', text: mrkdwn('*Links with no notebooks yet*') },
      { type: 'section', text: mrkdwn(clipLines(idleLines, '')) },
    );
  }
  blocks.push(
    { type: 'section', text: mrkdwn(`*Notebooks nobody owns in Slack* (${input.unowned.length})`) },
    { type: 'section', text: mrkdwn(clipLines(unownedLines, '_None: every notebook has an owner._')) },
  );
  if (input.unowned.length > WHO_MAX_UNOWNED) {
    blocks.push({ type: 'context', elements: [mrkdwn(`…and ${input.unowned.length - WHO_MAX_UNOWNED} more.`)] });
  }
  blocks.push({
    type: 'context',
    elements: [
      mrkdwn(
        `Link an IAM user with ${codeSpan(`${input.commandName} link @user <iam-user>`)} (or \`identities\` in the policy file), or give one notebook an owner with ${codeSpan(`${input.commandName} adopt <name> @user`)}.`,
      ),
    ],
  });
  return { text: `IAM users: ${input.iamUsers.length}, unowned notebooks: ${input.unowned.length}`, blocks };
}

/** Lines as one section's text, within Slack's 3000 characters. */
function clipLines(lines: readonly string[], empty: string): string {
  if (lines.length === 0) return empty;
  let out = '';
  let shown = 0;
  for (const l of lines.slice(0, WHO_MAX_LINES)) {
    if (out.length + l.length + 1 > 2800) break;
    out = out ? `${out}\n${l}` : l;
    shown += 1;
  }
  return shown < lines.length ? `${out}\n…and ${lines.length - shown} more.` : out;
}
