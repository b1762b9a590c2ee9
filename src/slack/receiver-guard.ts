/**
 * Pure checks of what reaches a receiver, before Bolt sees it. Bolt assumes every body is one of
 * the objects Slack sends: `null`, a number, an array, or an object it cannot type makes it throw
 * outside any handler (HTTP: the request is never answered) or wait for an ack nobody sends. The
 * receivers refuse those at once instead (HTTP 400; Socket Mode: ack and drop), and log why.
 */

/** What a body Slack sends is, in Bolt's terms (`getTypeAndConversation`, same order). */
export type SlackBodyKind =
  | 'ssl_check'
  | 'url_verification'
  | 'app_rate_limited'
  | 'event'
  | 'command'
  | 'options'
  | 'action'
  | 'shortcut'
  | 'view';

export type BodyVerdict = { ok: true; kind: SlackBodyKind } | { ok: false; reason: string };

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

const article = (word: string) => (/^[aeiou]/i.test(word) ? 'an' : 'a');

function describe(v: unknown): string {
  if (v === null) return 'null';
  if (v === undefined) return 'missing';
  if (Array.isArray(v)) return 'an array';
  return `${article(typeof v)} ${typeof v}`;
}

const ok = (kind: SlackBodyKind): BodyVerdict => ({ ok: true, kind });
const bad = (reason: string): BodyVerdict => ({ ok: false, reason });

/**
 * Whether a parsed body (a JSON event, a slash command's form fields, or an interactivity
 * `payload`) is something Slack sends and Bolt can dispatch. Never throws. The reason names the
 * shape only, never a value (it is logged).
 */
export function inspectSlackBody(body: unknown): BodyVerdict {
  if (!isObject(body)) return bad(`the payload is ${describe(body)}, not a JSON object`);
  if (body['ssl_check'] !== undefined) return ok('ssl_check');
  const type = body['type'];
  if (type === 'url_verification') {
    return typeof body['challenge'] === 'string' ? ok('url_verification') : bad('url_verification without a challenge');
  }
  if (type === 'app_rate_limited') return ok('app_rate_limited');
  if (body['event'] !== undefined) {
    const event = body['event'];
    return isObject(event) && typeof event['type'] === 'string'
      ? ok('event')
      : bad(`"event" is ${isObject(event) ? 'an object without a type' : describe(event)}`);
  }
  if (body['command'] !== undefined) {
    return typeof body['command'] === 'string' ? ok('command') : bad(`"command" is ${describe(body['command'])}`);
  }
  if (body['name'] !== undefined || type === 'block_suggestion') return ok('options');
  if (body['actions'] !== undefined) {
    return Array.isArray(body['actions']) ? ok('action') : bad(`"actions" is ${describe(body['actions'])}`);
  }
  if (type === 'dialog_submission') return ok('action');
  if (type === 'shortcut' || type === 'message_action') return ok('shortcut');
  if (type === 'view_submission' || type === 'view_closed') {
    return isObject(body['view']) ? ok('view') : bad(`${type} whose "view" is ${describe(body['view'])}`);
  }
  return bad(
    typeof type === 'string'
      ? `an object of type "${type.slice(0, 40)}", which is no event, command or interaction`
      : 'an object with no type, event or command',
  );
}

/** Which body kinds each Socket Mode envelope type may carry. */
const ENVELOPE_KINDS: Readonly<Record<string, readonly SlackBodyKind[]>> = {
  events_api: ['event'],
  slash_commands: ['command'],
  interactive: ['options', 'action', 'shortcut', 'view'],
};

export type EnvelopeVerdict =
  /** `disconnect`: Slack's reason (`refresh_requested`, `warning`, `link_disabled`). */
  | { ok: true; disconnectReason?: string }
  | { ok: false; reason: string; envelopeId?: string | undefined; type?: string | undefined };

/**
 * Whether a Socket Mode message is safe to hand to the Socket Mode client: `hello` and
 * `disconnect` always are; an envelope needs an `envelope_id` and, for the types Bolt handles, a
 * payload of the matching kind. A refused envelope keeps its id so the receiver can ack it (Slack
 * would otherwise send it again).
 */
export function inspectEnvelope(text: string): EnvelopeVerdict {
  let message: unknown;
  try {
    message = JSON.parse(text);
  } catch {
    return { ok: false, reason: 'the message is not JSON' };
  }
  if (!isObject(message)) return { ok: false, reason: `the message is ${describe(message)}, not a JSON object` };
  const type = typeof message['type'] === 'string' ? message['type'] : undefined;
  if (type === 'hello') return { ok: true };
  if (type === 'disconnect') {
    return {
      ok: true,
      disconnectReason: typeof message['reason'] === 'string' ? message['reason'].slice(0, 40) : 'unknown',
    };
  }
  const envelopeId = typeof message['envelope_id'] === 'string' ? message['envelope_id'] : undefined;
  if (!envelopeId) return { ok: false, reason: 'an envelope without an envelope_id', type };
  if (!type) return { ok: false, reason: 'an envelope without a type', envelopeId };
  const payload = message['payload'];
  const kinds = ENVELOPE_KINDS[type];
  if (!kinds) {
    return isObject(payload)
      ? { ok: true }
      : { ok: false, reason: `the payload is ${describe(payload)}, not a JSON object`, envelopeId, type };
  }
  const verdict = inspectSlackBody(payload);
  if (!verdict.ok) return { ok: false, reason: verdict.reason, envelopeId, type };
  if (!kinds.includes(verdict.kind)) {
    return {
      ok: false,
      reason: `${article(type)} ${type} envelope carrying ${article(verdict.kind)} ${verdict.kind} payload`,
      envelopeId,
      type,
    };
  }
  return { ok: true };
}
