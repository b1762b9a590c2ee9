import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { APPROVE_ACTION_ID } from '../src/access/approvals.js';
import { DIGEST_STOP_ACTION } from '../src/messages/costs.js';
import { CREATE_BLOCKS } from '../src/messages/create-modal.js';
import { encodePick } from '../src/messages/pick-value.js';
import type { StartOperation } from '../src/operations/types.js';
import { optionProblems } from '../src/slack-stand-in/block-limits.js';
import { currentMonth } from '../src/usage/report.js';
import {
  type AccessHarness,
  ADMIN,
  ALICE,
  APPROVALS_CHANNEL,
  BOB,
  H,
  startAccessHarness,
  textOf,
  waitUntil,
} from './support/access-e2e-harness.js';

/**
 * Costs where people decide and budgets, end to end: signed Slack requests to the real Bolt app,
 * access control with the policy's `costs`, approvals, the fake Slack (which refuses Block Kit over
 * Slack's limits), the simulator, and the real worker feeding the usage ledger.
 */

const GPU = 'modelarts.vm.gpu.t4u8';
const COSTS_CHANNEL = 'C0COSTS001';
const M = 60_000;

let h: AccessHarness;

beforeAll(async () => {
  h = await startAccessHarness({
    policy: {
      admins: [ADMIN.id],
      approvals: { channel: APPROVALS_CHANNEL, expiry_hours: 2 },
      costs: {
        currency: 'EUR',
        prices: { 'modelarts.vm.gpu.*': 8, 'modelarts.vm.cpu.2u': 0.5 },
        storage_per_gb_month: 0.1,
        budgets: { monthly_hours: 2 },
      },
    },
  });
});

afterAll(async () => {
  await h?.close();
});

beforeEach(async () => {
  await h.reset();
  const keys = await h.redis.keys(`${h.prefix}:usage:*`);
  if (keys.length) await h.redis.del(...keys);
  // Budgets count this month: keep clear of a month's first and last hours, where a run or a
  // request would fall partly in another month.
  const now = h.clock.now();
  const month = currentMonth(now);
  if (month.to - now < 4 * H) h.clock.advance(month.to - now + 3 * H);
  else if (now - month.from < 3 * H) h.clock.advance(3 * H);
});

describe('prices in the create form', () => {
  it('flavor options end with their hourly price within 75 characters; the form quotes the auto-stop', async () => {
    const view = await h.openCreateModal(ALICE);
    // Slack took the view (the fake refuses Block Kit over the limits with invalid_blocks).
    const opened = h.slack.calls.filter((c) => c.method === 'views.open');
    expect(opened.at(-1)?.response?.['ok']).toBe(true);
    const summary = JSON.stringify(
      (view.blocks as Array<{ block_id?: string }>).find((b) => b.block_id === 'nb_cost_summary'),
    );
    expect(summary).toContain('costs €0.50/h: auto-stop after');
    expect(summary).toContain('Storage: €0.10 per GB a month');

    const res = await h.sender.blockSuggestion({
      user: ALICE,
      blockId: CREATE_BLOCKS.flavor,
      actionId: 'value',
      value: '',
      view,
    });
    const answer = res.json as Record<string, unknown>;
    expect(optionProblems(answer, 'options')).toEqual([]);
    const texts = (answer['option_groups'] as Array<{ options: Array<{ text: { text: string } }> }>).flatMap((g) =>
      g.options.map((o) => o.text.text),
    );
    expect(texts.find((t) => t.startsWith(GPU))).toMatch(/ · €8\.00\/h$/);
    expect(texts.find((t) => t.startsWith('modelarts.vm.cpu.2u'))).toMatch(/ · €0\.50\/h$/);
    // Flavors without a price show none.
    expect(texts.find((t) => t.startsWith('modelarts.vm.cpu.8u'))).not.toContain('/h');

    // Typing another auto-stop re-quotes it (the view is updated in place, with its hash).
    await h.sender.blockActions({
      user: ALICE,
      view,
      actions: [{ type: 'plain_text_input', action_id: 'value', block_id: CREATE_BLOCKS.leaseDuration, value: '90m' }],
    });
    const update = await h.slack.waitFor((calls) => calls.find((c) => c.method === 'views.update'));
    expect(update.args['hash']).toBe(view.hash);
    expect(JSON.stringify(update.args['view'])).toContain('auto-stop after 1 h 30 min at €0.50/h ≈ €0.75');
  });
});

describe('budgets', () => {
  it('a start over the monthly budget goes to approval saying by how much; the approval lets it through, quoted', async () => {
    const [id] = await h.seed('budget', { owner: ALICE.id, status: 'STOPPED', flavor: GPU });
    // Alice ran another notebook for 30 min this month.
    const now = h.clock.now();
    const ledger = h.access.usage!.ledger;
    const base = { notebookId: 'earlier-nb', ownerId: ALICE.id, flavor: GPU, name: 'earlier' };
    await ledger.observe({ ...base, state: 'running', at: now - 2 * H });
    await ledger.observe({ ...base, state: 'stopped', at: now - 2 * H + 30 * M });

    // 2 h alone would fit the 2 h budget; with the 30 min already used it is 30 min over.
    await h.command('start budget-0 2h', ALICE);
    const request = await h.approvalRequest();
    expect(textOf(request.call)).toContain(
      'this would go over the monthly budget: notebook time this month would reach 2.5 h, 30 min over the 2.0 h budget',
    );
    const requested = await waitUntil(async () => (await h.audit()).find((e) => e.outcome === 'approval_requested'));
    expect(requested.rule).toBe('approval_budget');
    expect(h.enqueued).toHaveLength(0);
    expect(h.sim.stats.calls.start ?? 0).toBe(0);

    await h.startWorker();
    await h.clickApproval(ADMIN, APPROVE_ACTION_ID, request);
    await waitUntil(() => h.enqueueResults.length >= 1);
    const op = h.enqueued[0] as StartOperation;
    expect(op).toMatchObject({ kind: 'start', notebookId: id, durationMs: 2 * H });
    // The quote travels with the operation: every state of its status message shows it.
    expect(op.cost).toEqual({ ms: 2 * H, price: { micros: 8_000_000, currency: 'EUR' } });
    expect(await h.waitForJob(h.enqueueResults[0]!.jobId)).toBe('completed');
    const status = h.slack.callsTo('chat.update').map(textOf).join('\n');
    expect(status).toContain('Cost of these 2 h: €16.00 (€8.00/h).');

    // The real worker fed the ledger: the run is open from when the job saw it RUNNING.
    const [run] = await waitUntil(async () => {
      const open = await ledger.openRuns(h.clock.now(), [id!]);
      return open.length ? open : undefined;
    });
    expect(run).toMatchObject({ notebookId: id, ownerId: ALICE.id, flavor: GPU, open: true });
    expect(run!.start).toBeGreaterThanOrEqual(now);
    expect(run!.start).toBeLessThanOrEqual(h.clock.now());

    // Status shows the run so far and its cost.
    const { responseUrl } = await h.command('status budget-0', ALICE);
    expect(await h.privateReply(responseUrl)).toMatch(/Run so far.*≈ €\d+\.\d\d in this lease/s);

    // Stopping through the bot closes the run when the job sees STOPPED.
    h.enqueueResults.length = 0;
    await h.command('stop budget-0', ALICE);
    await waitUntil(() => h.enqueueResults.length >= 1);
    expect(await h.waitForJob(h.enqueueResults[0]!.jobId)).toBe('completed');
    await waitUntil(async () => ((await ledger.openRuns(h.clock.now(), [id!])).length === 0 ? true : undefined));
    const month = currentMonth(h.clock.now());
    const closed = (await ledger.runsBetween(month.from, month.to, h.clock.now())).filter((r) => r.notebookId === id);
    expect(closed).toHaveLength(1);
    expect(closed[0]!.end).toBeGreaterThan(closed[0]!.start);
  });
});

describe('the digest Stop button', () => {
  it('stops a notebook for its owner (or an admin) only', async () => {
    const [id] = await h.seed('weekend', { owner: ALICE.id, flavor: GPU });
    const value = encodePick({ verb: 'stop', notebookId: id!, name: 'weekend-0' });
    const click = (user: typeof ALICE) =>
      h.sender.blockActions({
        user,
        channelId: COSTS_CHANNEL,
        messageTs: '1700000200.000100',
        isEphemeral: false,
        actions: [{ type: 'button', action_id: DIGEST_STOP_ACTION, block_id: 'digest', value }],
      });
    await click(BOB);
    // Told privately (on the click's response_url, never replacing the digest) why not.
    const refusal = await h.slack.waitFor((calls) =>
      calls.find((c) => c.method === 'response_url' && textOf(c).includes('(rule `ownership`)')),
    );
    expect(refusal.args['replace_original']).toBeUndefined();
    expect(h.enqueued).toHaveLength(0);
    await click(ALICE);
    await waitUntil(() => h.enqueueResults.length >= 1);
    expect(h.enqueued.map((op) => [op.kind, op.kind === 'stop' ? op.notebookId : ''])).toEqual([['stop', id]]);
  });
});

describe('/notebook usage', () => {
  it('admins see everyone by person, flavor and notebook; others see only their own', async () => {
    const now = h.clock.now();
    const ledger = h.access.usage!.ledger;
    for (const [who, hours, flavor] of [
      [ALICE.id, 2, GPU],
      [BOB.id, 1, 'modelarts.vm.cpu.2u'],
    ] as const) {
      const base = { notebookId: `nb-${who}`, ownerId: who, flavor, name: `nb-of-${who.slice(3, 8).toLowerCase()}` };
      await ledger.observe({ ...base, state: 'running', at: now - 2.5 * H });
      await ledger.observe({ ...base, state: 'stopped', at: now - 2.5 * H + hours * H });
    }
    const admin = await h.command('usage', ADMIN);
    const report = await h.privateReply(admin.responseUrl);
    expect(report).toContain('*Total:* 3.0 h ≈ €16.50');
    expect(report).toContain(`• <@${ALICE.id}> — 2.0 h ≈ €16.00`);
    expect(report).toContain(`• <@${BOB.id}> — 1.0 h ≈ €0.50`);
    expect(report).toContain(`\`${GPU}\` — 2.0 h ≈ €16.00`);

    const own = await h.command(`usage this <@${ALICE.id}|alice>`, ALICE);
    const mine = await h.privateReply(own.responseUrl);
    expect(mine).toContain(`Notebook usage of <@${ALICE.id}>`);
    expect(mine).not.toContain(BOB.id);

    const other = await h.command(`usage <@${BOB.id}|bob>`, ALICE);
    expect(await h.privateReply(other.responseUrl)).toContain("Only admins can see other people's usage");

    const bad = await h.command('usage someday', ADMIN);
    expect(await h.privateReply(bad.responseUrl)).toContain('I could not read `someday` as a month');

    const next = new Date(h.clock.now());
    const future = `${next.getUTCFullYear() + 1}-01`;
    const early = await h.command(`usage ${future}`, ADMIN);
    expect(await h.privateReply(early.responseUrl)).toContain('has not started yet: no usage to show');
  });
});
