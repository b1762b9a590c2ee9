import { randomBytes } from 'node:crypto';
import { BotError, ValidationError } from '../errors.js';
import { escapeMrkdwn } from './format.js';
import { decodeSlackError } from './slack-errors.js';

/** A short reference that ties a message the user saw to the log line with the details. */
export function errorRef(): string {
  return randomBytes(4).toString('hex');
}

/**
 * What to tell a person in Slack about `err`: what happened and what to do next, as mrkdwn.
 * Never a stack trace or internal detail; `ref` points an admin to the log line.
 */
export function userMessageFor(err: unknown, ref: string): string {
  if (err instanceof ValidationError) {
    const lines = err.issues.map((i) => `• ${escapeMrkdwn(i.field)}: ${escapeMrkdwn(i.message)}`);
    return `That request did not pass the checks:\n${lines.join('\n')}\nFix it and try again.`;
  }
  if (err instanceof BotError) return escapeMrkdwn(err.userMessage);
  const slack = decodeSlackError(err);
  if (slack?.kind === 'rate_limited') return 'Slack is rate-limiting the bot right now. Try again in a minute.';
  if (slack) {
    return `Slack refused the bot's request (${escapeMrkdwn(slack.code)}). Try again; if it keeps failing, tell an admin (reference ${ref}).`;
  }
  return `Something went wrong on the bot's side. Try again in a minute; if it keeps happening, tell an admin and quote reference ${ref}.`;
}

/** What a person who is going too fast reads: when to retry, whom to ask, and the rule. */
export function rateLimitText(wait: string, adminContact: string, rule: string): string {
  return `:turtle: You're going a bit fast: try again in ${wait}. If you need a higher limit, ask ${adminContact}. (rule \`${rule}\`)`;
}
