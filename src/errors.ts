/**
 * Base class for every error this bot raises on purpose. `code` is stable (tests, metrics and
 * Slack messages key on it); `userMessage` is what a person in Slack may read: what went wrong
 * and what to do next, never a stack trace or a secret.
 */
export abstract class BotError extends Error {
  abstract readonly code: string;
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = new.target.name;
  }

  /** Text safe to show in Slack. Subclasses refine it; the default is the message itself. */
  get userMessage(): string {
    return this.message;
  }
}

/** One problem with one input field. `field` is a dotted path such as `volume.capacity`. */
export interface FieldIssue {
  field: string;
  message: string;
}

/** Input rejected before any call was made. Carries every problem at once, each naming its field. */
export class ValidationError extends BotError {
  readonly code = 'validation_failed';
  readonly issues: readonly FieldIssue[];

  constructor(issues: readonly FieldIssue[]) {
    super(issues.map((i) => `${i.field}: ${i.message}`).join('; '));
    this.issues = issues;
  }
}

/** Configuration could not be loaded; the message lists every problem and how to fix it. */
export class ConfigError extends BotError {
  readonly code = 'config_invalid';
  /** The variables at fault, when known (`npm run doctor` checks what does not depend on them). */
  readonly variables: readonly string[];

  constructor(message: string, options?: { cause?: unknown; variables?: readonly string[] }) {
    super(message, options);
    this.variables = options?.variables ?? [];
  }
}
