import { type KnownBlock, mrkdwn } from './kit.js';

/** A message with one section of mrkdwn (already escaped by the caller) and the same fallback text. */
export function textMessage(text: string): { text: string; blocks: KnownBlock[] } {
  return { text, blocks: [{ type: 'section', text: mrkdwn(text) }] };
}

/** An error message: what happened and what to do, with a warning sign. */
export function errorMessage(text: string): { text: string; blocks: KnownBlock[] } {
  return textMessage(`:warning: ${text}`);
}
