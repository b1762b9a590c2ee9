import { ValidationError } from '../errors.js';

/**
 * Limits on what people may send the bot, and the one escaping function for putting their text
 * into Slack markup. Pure functions: no I/O, no clock, trivially unit-tested.
 *
 * The numbers are deliberately far below Slack's own ceilings: they bound the work one request
 * can cause (Redis writes, log volume, Block Kit size), not what Slack would accept.
 */
export const INPUT_LIMITS = {
  /** Slash command text (`/notebook create …`): our grammar never needs more. */
  commandTextChars: 1000,
  /**
   * A whole request body (form-encoded command, interactivity `payload`, event JSON). Bolt's own
   * limit is 4 MB; our largest legitimate payload is a create modal with a hook script (~20 KB).
   */
  payloadBytes: 256 * 1024,
  /** A button `value` (Slack's limit is 2000 characters). */
  actionValueChars: 2000,
  /** A view's `private_metadata` (Slack's limit is 3000 characters). */
  privateMetadataChars: 3000,
  /**
   * A hook script as typed, in UTF-8 bytes. The API takes it base64-encoded in at most 16 KB
   * (HookConfigSchema), and base64 turns 3 bytes into 4: 12 KB of text is the most that fits.
   */
  hookScriptBytes: 12 * 1024,
  /** Free text we store or echo (descriptions, deny reasons, audit details). */
  freeTextChars: 1000,
} as const;

/** Control characters other than tab, LF and CR; DEL; C1 controls. */
const CONTROL = /[\u0000-\u0008\u000B\u000C\u000E-\u001F\u007F-\u009F]/;
/** Same set without the line breaks: a command is a single line. */
const CONTROL_OR_NEWLINE = /[\u0000-\u0008\u000A-\u001F\u007F-\u009F]/;

/** A UTF-16 surrogate without its pair: not valid Unicode, and it breaks JSON and UTF-8 encoders. */
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

function hasLoneSurrogate(text: string): boolean {
  return LONE_SURROGATE.test(text);
}

function fail(field: string, message: string): never {
  throw new ValidationError([{ field, message }]);
}

/**
 * Checks slash command text and returns it trimmed, with runs of whitespace collapsed.
 * @throws ValidationError (`field: 'text'`) when too long or carrying control characters.
 */
export function guardCommandText(text: string | undefined): string {
  const value = (text ?? '').replace(/[\t ]+/g, ' ').trim();
  if (value.length > INPUT_LIMITS.commandTextChars) {
    fail('text', `the command is too long (at most ${INPUT_LIMITS.commandTextChars} characters)`);
  }
  if (CONTROL_OR_NEWLINE.test(value)) fail('text', 'the command must be a single line of printable text');
  if (hasLoneSurrogate(value)) fail('text', 'the command contains invalid characters');
  return value;
}

/**
 * Checks the size of a raw request body before it is parsed: parsing is where an oversized or
 * deeply nested payload costs memory and CPU.
 * @throws ValidationError (`field: 'payload'`) above `limitBytes`.
 */
export function guardPayloadSize(body: string | Uint8Array, limitBytes: number = INPUT_LIMITS.payloadBytes): void {
  const bytes = typeof body === 'string' ? Buffer.byteLength(body, 'utf8') : body.byteLength;
  if (bytes > limitBytes) fail('payload', `the request is too large (${bytes} bytes, at most ${limitBytes})`);
}

/**
 * Checks a button `value` or similar opaque token we put into Slack and get back: it must be
 * short and made of safe characters, because anyone can forge a payload with any value.
 * @throws ValidationError (`field`) when it does not look like one of ours.
 */
export function guardActionValue(
  value: unknown,
  field = 'value',
  pattern: RegExp = /^[A-Za-z0-9_.:-]{1,128}$/,
): string {
  if (typeof value !== 'string' || value.length > INPUT_LIMITS.actionValueChars || !pattern.test(value)) {
    fail(field, 'this button is not valid any more; open the menu again');
  }
  return value;
}

/**
 * Checks a hook script typed by a user (before base64 encoding): bounded size, well-formed
 * printable text, no NUL. Returns the script with CRLF normalised to LF, which is what a shell
 * in the container expects.
 * @throws ValidationError (`field`, default `hooks.script`) listing each problem.
 */
export function guardHookScript(script: string, field = 'hooks.script'): string {
  const issues: string[] = [];
  const value = script.replace(/\r\n?/g, '\n');
  const bytes = Buffer.byteLength(value, 'utf8');
  if (value.trim().length === 0) issues.push('the hook script is empty');
  if (bytes > INPUT_LIMITS.hookScriptBytes) {
    issues.push(`the hook script is too large (${bytes} bytes, at most ${INPUT_LIMITS.hookScriptBytes})`);
  }
  if (value.includes('\u0000')) issues.push('the hook script must not contain NUL characters');
  else if (CONTROL.test(value)) issues.push('the hook script must be printable text (no control characters)');
  if (hasLoneSurrogate(value)) issues.push('the hook script contains invalid Unicode');
  if (issues.length > 0) throw new ValidationError(issues.map((message) => ({ field, message })));
  return value;
}

/**
 * Checks free text (a description, a deny reason) for length and control characters.
 * @throws ValidationError (`field`).
 */
export function guardFreeText(text: string, field: string, maxChars: number = INPUT_LIMITS.freeTextChars): string {
  const value = text.replace(/\r\n?/g, '\n').trim();
  if (value.length > maxChars) fail(field, `must be at most ${maxChars} characters`);
  if (CONTROL.test(value) || hasLoneSurrogate(value)) fail(field, 'must be printable text');
  return value;
}
