import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { DEFAULT_TIMING } from '../src/slack/deps.js';
import { renderHome } from '../src/slack/home.js';
import { createHarness, H, type Harness, M, OWNER } from './leases-harness.js';

/**
 * "While it runs": the lease warning and App Home say how long a notebook has run in this lease
 * and (with a price) what that cost so far, from the usage ledger the lease scan feeds. Real parts:
 * the simulator on a manual clock, Redis, the lease watch posting to the fake Slack.
 */

let h: Harness;

beforeEach(async () => {
  h = await createHarness();
});

afterEach(async () => {
  await h.close();
});

describe('running time and cost so far', () => {
  it('the lease warning and App Home show the run so far; the scan opened it from its lease update_at', async () => {
    // A notebook whose 1 h lease started (and which entered RUNNING) now; the scan first sees it 35 min later.
    const [id] = await h.seed({ durationMs: H, name: 'long' });
    h.clock.advance(35 * M);
    const usage = h.access.usage!;
    const w = h.watcher({ usage });
    await w.scanOnce();
    const [warning] = h.leasePosts();
    expect(warning).toBeDefined();
    // No prices in this policy: hours only.
    expect(JSON.stringify(warning!.args['blocks'])).toContain('Running for 35 min in this lease.');

    const prices = { currency: 'EUR', rules: [{ match: 'modelarts.vm.cpu.*', microsPerHour: 1_200_000 }] };
    const view = await renderHome(
      {
        store: h.store,
        modelarts: h.api,
        clock: h.clock,
        logger: (await import('../src/logger.js')).createLogger({ level: 'silent' }),
        timing: DEFAULT_TIMING,
        defaults: { flavor: 'modelarts.vm.cpu.2u', storageGb: 5, leaseHours: 1 },
        commandName: '/notebook',
        usage: { ...usage, prices, priceOf: () => ({ micros: 1_200_000, currency: 'EUR' }) },
      },
      OWNER,
    );
    const home = JSON.stringify(view.blocks);
    // 35 min at €1.20/h = €0.70.
    expect(home).toContain('Running for 35 min in this lease ≈ €0.70 so far.');
    expect((await usage.ledger.openRuns(h.clock.now(), [id!]))[0]?.start).toBe(h.clock.now() - 35 * M);
  });
});
