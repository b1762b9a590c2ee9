/**
 * Escapes text for Slack mrkdwn. `&`, `<` and `>` are what Slack asks apps to escape, and every
 * control sequence (`<!channel>`, `<@U…>`, `<https://…|label>`) starts with `<`, so that makes a
 * name or a message from ModelArts inert. Bare `@channel`, `@here` and `@everyone` only notify with
 * `link_names`, but a word joiner after the `@` keeps them inert even if a caller sets it.
 *
 * Use it for everything a person typed or a service returned that goes into mrkdwn.
 * `plain_text` objects need no escaping.
 */
export function escapeMrkdwn(text: string): string {
  return text
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/@(channel|here|everyone)\b/gi, '@\u2060$1');
}

/**
 * Escapes and wraps text in inline code. A backtick inside would end the code span early, so it
 * becomes a look-alike (ˋ) instead.
 */
export function codeSpan(text: string): string {
  return `\`${escapeMrkdwn(text).replace(/`/g, 'ˋ')}\``;
}

/**
 * Turns a mrkdwn message (e.g. an access decision, which mentions admins) into plain text for
 * places that do not render mrkdwn, such as inline modal errors: `<@U1>` → `@U1`,
 * `<!subteam^S1|@admins>` → `@admins`, `<#C1|general>` → `#general`, entities decoded, backticks
 * and bold markers dropped.
 */
export function mrkdwnToPlain(text: string): string {
  return text
    .replace(/<!subteam\^([A-Z0-9]+)(?:\|([^>]*))?>/g, (_, id: string, label?: string) => label ?? `@${id}`)
    .replace(/<@([A-Z0-9]+)(?:\|([^>]*))?>/g, (_, id: string, label?: string) => `@${label ?? id}`)
    .replace(/<#([A-Z0-9]+)(?:\|([^>]*))?>/g, (_, id: string, label?: string) => `#${label ?? id}`)
    .replace(/<(https?:[^|>]+)\|([^>]*)>/g, '$2 ($1)')
    .replace(/<(https?:[^>]+)>/g, '$1')
    .replace(/[`*]/g, '')
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&amp;/g, '&');
}

/** Cuts `text` to `max` characters, ending with an ellipsis when it was longer. */
export function truncate(text: string, max: number): string {
  if (text.length <= max) return text;
  return `${text.slice(0, Math.max(0, max - 1))}…`;
}
