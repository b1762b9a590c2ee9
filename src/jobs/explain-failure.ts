import { BotError } from '../errors.js';
import { ModelArtsApiError } from '../modelarts/index.js';

/** A failure in plain words: what went wrong, and what the user can try next. */
export interface FailureExplanation {
  reason: string;
  hint?: string;
}

interface Rule {
  test: RegExp;
  reason: string;
  hint: string;
}

/**
 * Known shapes of ModelArts' `fail_reason` texts, most specific first. The service's wording is
 * not documented and varies by region and language, so these match loosely on keywords; anything
 * else falls back to the service's own text.
 */
const FAIL_REASON_RULES: readonly Rule[] = [
  {
    test: /quota|0113|limit exceeded|exceeds? the (maximum|limit)/i,
    reason: 'The project has run out of ModelArts quota for this resource.',
    hint: 'Stop or delete notebooks you no longer use, pick a smaller flavor, or ask an admin to raise the quota.',
  },
  {
    test: /sold.?out|insufficient (resource|capacit|stock)|no (available |enough )?(resource|capacity|node|stock)|resources? (are |is )?(not enough|insufficient|unavailable)|out of stock/i,
    reason: 'ModelArts has no free capacity for this flavor right now.',
    hint: 'Try another flavor (a smaller GPU or a CPU one), or try again later.',
  },
  {
    test: /disk|storage|volume|\bevs\b|\bsfs\b|\befs\b|\bobs\b|mount/i,
    reason: 'The notebook storage could not be prepared.',
    hint: 'Try a smaller disk size or another storage type; if it keeps failing, ask an admin.',
  },
  {
    test: /image|swr|pull/i,
    reason: 'The notebook image could not be used.',
    hint: 'Pick another image (a built-in one is the safest choice).',
  },
  {
    test: /network|vpc|subnet|security group|\bip\b|endpoint/i,
    reason: 'The notebook network could not be set up.',
    hint: 'Try again in a few minutes; if it persists, ask an admin to check the workspace network.',
  },
  {
    test: /time.?out|timed out/i,
    reason: 'ModelArts gave up waiting for the notebook to come up.',
    hint: 'Try again, perhaps with another flavor.',
  },
];

/** ModelArts error codes (HTTP 400) with a better explanation than the service's message. */
const ERROR_CODE_RULES: Readonly<Record<string, FailureExplanation>> = {
  'ModelArts.0113': {
    reason: 'The project has run out of ModelArts quota.',
    hint: 'Stop or delete notebooks you no longer use, or ask an admin to raise the quota.',
  },
  'ModelArts.6301': {
    reason: 'A notebook with this name already exists.',
    hint: 'Pick another name, or use the existing notebook.',
  },
  'ModelArts.6302': {
    reason: 'The project already has as many notebooks as it may.',
    hint: 'Delete a notebook you no longer use, then try again.',
  },
  'ModelArts.6304': {
    reason: 'The notebook must be stopped before it can be deleted.',
    hint: 'Stop it first, then delete it.',
  },
};

const GENERIC_HINT = 'Try again, perhaps with another flavor or a smaller disk; if it keeps failing, ask an admin.';
const MAX_REASON_CHARS = 400;

/**
 * Explains a failure for Slack, in plain words with what to try next. Accepts ModelArts'
 * `fail_reason` text (from a CREATE_FAILED / START_FAILED / ERROR notebook) or a thrown error.
 * Pure: the same input always gives the same words. Never exposes a stack trace, and only
 * exposes an error's message when it is one of ours (`BotError.userMessage` is written for users).
 */
export function explainFailure(input: string | unknown): FailureExplanation {
  if (typeof input === 'string' || input === undefined || input === null) return explainFailReason(input ?? undefined);
  if (input instanceof ModelArtsApiError) {
    const byCode = input.errorCode ? ERROR_CODE_RULES[input.errorCode] : undefined;
    if (byCode) return byCode;
    if (input.errorMsg) {
      const matched = matchRule(input.errorMsg);
      if (matched) return matched;
    }
    return {
      reason: input.userMessage,
      hint: input.status >= 500 || input.status === 429 ? 'Try again in a few minutes.' : GENERIC_HINT,
    };
  }
  if (input instanceof BotError) return { reason: input.userMessage };
  return {
    reason: 'The bot hit an internal error while handling this request.',
    hint: 'Try again in a minute; if it keeps failing, ask an admin to check the bot logs.',
  };
}

function explainFailReason(failReason: string | undefined): FailureExplanation {
  const text = failReason?.trim();
  if (!text) return { reason: 'ModelArts reported a failure but gave no reason.', hint: GENERIC_HINT };
  const matched = matchRule(text);
  const quoted = text.length > MAX_REASON_CHARS ? `${text.slice(0, MAX_REASON_CHARS - 1)}…` : text;
  // Keep the service's own words next to ours: they are what an admin searches for.
  if (matched)
    return {
      reason: `${matched.reason} (ModelArts said: "${quoted}")`,
      ...(matched.hint ? { hint: matched.hint } : {}),
    };
  return { reason: `ModelArts said: "${quoted}"`, hint: GENERIC_HINT };
}

function matchRule(text: string): FailureExplanation | undefined {
  const rule = FAIL_REASON_RULES.find((r) => r.test.test(text));
  return rule ? { reason: rule.reason, hint: rule.hint } : undefined;
}
