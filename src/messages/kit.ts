import type * as types from '@slack/types';

/**
 * Block Kit types from @slack/types (a direct dependency), so the builders never import Bolt.
 */
export type KnownBlock = types.KnownBlock;
export type ModalView = types.ModalView;
export type HomeView = types.HomeView;
export type Option = types.PlainTextOption;
export type OptionGroup = { label: types.PlainTextElement; options: Option[] };
export type Button = types.Button;
export type ActionsBlockElement = types.ActionsBlockElement;
export type ConfirmationDialog = types.ConfirmationDialog;
export type InputBlock = types.InputBlock;
export type SectionBlock = types.SectionBlock;

/** A plain_text object, cut to Slack's limit for the place it goes. */
export function plain(text: string, max = 3000): types.PlainTextElement {
  return { type: 'plain_text', text: text.length > max ? `${text.slice(0, max - 1)}…` : text || ' ', emoji: true };
}

/** A mrkdwn object. The caller escapes interpolated user text (see ../escape.ts). */
export function mrkdwn(text: string, max = 3000): types.MrkdwnElement {
  return { type: 'mrkdwn', text: text.length > max ? `${text.slice(0, max - 1)}…` : text || ' ' };
}

/** A plain-text option; Slack caps option text at 75 and values at 150 characters. */
export function option(text: string, value: string, description?: string): Option {
  return {
    text: plain(text, 75),
    value: value.slice(0, 150),
    ...(description ? { description: plain(description, 75) } : {}),
  };
}
