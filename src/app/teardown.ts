import type { Logger } from '../logger.js';

/**
 * What shutting down undoes, in reverse order of creation: whatever was started last (the Slack
 * receiver, the ops server) stops first, connections close last. A failing step is logged and
 * the rest still run.
 */
export class Teardown {
  private readonly steps: Array<{ name: string; run: () => Promise<void> | void }> = [];

  constructor(private readonly logger: Logger) {}

  /** Registers how to undo something just started. */
  add(name: string, run: () => Promise<void> | void): void {
    this.steps.push({ name, run });
  }

  /** Runs every registered step, newest first, once. */
  async run(): Promise<void> {
    for (const step of this.steps.splice(0).reverse()) {
      try {
        await step.run();
      } catch (err) {
        this.logger.warn({ err, step: step.name }, 'shutdown step failed; continuing');
      }
    }
  }
}
