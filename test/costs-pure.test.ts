import { describe, expect, it } from 'vitest';
import { parsePolicy, parsePolicyObject } from '../src/access/policy.js';
import { ConfigError } from '../src/errors.js';
import {
  budgetReason,
  buildCreateModal,
  buildFlavorOptions,
  type CatalogFlavor,
  formatHours,
  formatMoney,
} from '../src/messages/index.js';
import { optionProblems } from '../src/slack-stand-in/block-limits.js';
import { budgetOverages, effectiveCap } from '../src/usage/budget.js';
import { digestSlot, longRuns } from '../src/usage/digest.js';
import { costMicros, hourlyPrice, runCost } from '../src/usage/prices.js';
import { parseMonth, summarize } from '../src/usage/report.js';
import { localToUtc } from '../src/usage/zoned.js';

const H = 3_600_000;
const M = 60_000;

const COSTS = {
  currency: 'eur',
  prices: { 'modelarts.vm.gpu.*': 8, 'modelarts.vm.cpu.2u': 0.5, 'modelarts.vm.gpu.v100': 12.345678 },
  storage_per_gb_month: 0.05,
};

function policyWith(costs: Record<string, unknown>, extra: Record<string, unknown> = {}) {
  return parsePolicyObject({ costs, ...extra }, { source: 'test.yml' });
}

describe('costs policy', () => {
  it('normalises prices to micro-units, exact ids before globs, currency upper-cased', () => {
    const p = policyWith(COSTS);
    const book = p.costs?.prices;
    expect(book?.currency).toBe('EUR');
    expect(book?.rules.map((r) => r.match)).toEqual([
      'modelarts.vm.cpu.2u',
      'modelarts.vm.gpu.v100',
      'modelarts.vm.gpu.*',
    ]);
    expect(hourlyPrice(book, 'modelarts.vm.gpu.v100')).toEqual({ micros: 12_345_678, currency: 'EUR' });
    expect(hourlyPrice(book, 'modelarts.vm.gpu.t4u8')).toEqual({ micros: 8_000_000, currency: 'EUR' });
    expect(hourlyPrice(book, 'modelarts.vm.cpu.8u')).toBeUndefined();
    expect(book?.storageMicrosPerGbMonth).toBe(50_000);
  });

  it('reports every problem of the costs section at once, with its path', () => {
    let err: unknown;
    try {
      parsePolicy(
        [
          'costs:',
          '  prices:',
          '    "bad flavor!": 1',
          '    modelarts.vm.cpu.2u: -1',
          '    modelarts.vm.cpu.8u: 0.1234567',
          '  budgets:',
          '    monthly_amount: 100',
          '  digest:',
          '    channel: general',
          '    weekday: funday',
          '    timezone: Mars/Olympus',
        ].join('\n'),
        { source: 'p.yml' },
      );
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(ConfigError);
    const msg = (err as ConfigError).message;
    expect(msg).toContain('costs.prices.bad flavor!: the key must be a flavor id or a glob');
    expect(msg).toContain('costs.prices.modelarts.vm.cpu.2u: a price per hour must be at least 0');
    expect(msg).toContain('costs.prices.modelarts.vm.cpu.8u: a price per hour may have at most 6 decimals');
    expect(msg).toContain('costs.digest.channel: must be a channel id');
    expect(msg).toContain('costs.digest.weekday: must be a day of the week');
    expect(msg).toContain('costs.digest.timezone: must be an IANA time zone');
  });

  it('cross-checks: prices need a currency, money budgets need prices, budgets need approvals', () => {
    expect(() => policyWith({ prices: { 'modelarts.vm.cpu.2u': 1 } })).toThrow(
      /costs\.currency: is required with prices/,
    );
    expect(() => policyWith({ budgets: { monthly_amount: 10 } })).toThrow(
      /costs\.budgets\.monthly_amount: needs costs\.prices[\s\S]*costs\.budgets: needs an approvals section/,
    );
    const ok = policyWith(
      { ...COSTS, budgets: { monthly_hours: 100, overrides: [{ principals: ['S0TEAM'], monthly_amount: 500 }] } },
      { approvals: { channel: 'C0APPROVE1' } },
    );
    expect(ok.costs?.budgets).toEqual({
      hoursMs: 100 * H,
      overrides: [{ principals: ['S0TEAM'], micros: 500_000_000 }],
    });
  });

  it('a policy without costs has none (the bot counts hours only)', () => {
    expect(parsePolicyObject({}, { source: 'x' }).costs).toBeUndefined();
  });
});

describe('cost arithmetic and rounding', () => {
  it('is exact in micro-units and rounds half up once per run', () => {
    expect(costMicros(8_000_000, 6.25 * H)).toBe(50_000_000);
    expect(costMicros(500_000, 63.75 * H)).toBe(31_875_000);
    // 1 ms of €0.000001/h is 2.8e-10 micro: rounds to 0, never drifts.
    expect(costMicros(1, 1)).toBe(0);
    expect(costMicros(1, H / 2)).toBe(1); // half up
    // No float drift: a huge price × a long run stays exact (BigInt product).
    expect(costMicros(999_999_999_999, 31 * 24 * H)).toBe(999_999_999_999 * 744);
    expect(runCost(undefined, 'x', H)).toBeUndefined();
  });

  it('shows money rounded to the currency minor unit (half away from zero)', () => {
    expect(formatMoney({ micros: 31_875_000, currency: 'EUR' })).toBe('€31.88');
    expect(formatMoney({ micros: 159_875_000, currency: 'EUR' })).toBe('€159.88');
    expect(formatMoney({ micros: 1_234_500_000, currency: 'JPY' })).toBe('¥1,235');
    expect(formatMoney({ micros: 82_500, currency: 'USD' }, 2)).toBe('$0.0825');
    expect(formatHours(63.75 * H)).toBe('63.8 h');
    expect(formatHours(45 * M)).toBe('45 min');
  });
});

describe('usage reports', () => {
  const w = { from: Date.UTC(2026, 10, 1), to: Date.UTC(2026, 11, 1) };
  const book = policyWith(COSTS).costs?.prices;

  it('sums by person, flavor and notebook, clipped to the window; unpriced time counted apart', () => {
    const s = summarize(
      [
        // 2 h before the month, 3 h inside.
        {
          notebookId: 'a',
          start: w.from - 2 * H,
          end: w.from + 3 * H,
          open: false,
          flavor: 'modelarts.vm.gpu.t4u8',
          ownerId: 'U1',
          name: 'A',
        },
        {
          notebookId: 'b',
          start: w.from + H,
          end: w.from + 2 * H,
          open: true,
          flavor: 'modelarts.vm.cpu.8u',
          ownerId: 'U1',
          name: 'B',
        },
        {
          notebookId: 'c',
          start: w.from,
          end: w.from + 4 * H,
          open: false,
          flavor: 'modelarts.vm.cpu.2u',
          iam: 'carol',
          name: 'C',
        },
      ],
      w,
      book,
    );
    expect(s.totalMs).toBe(8 * H);
    expect(s.totalMicros).toBe(24_000_000 + 2_000_000);
    expect(s.unpricedMs).toBe(H);
    expect(s.byPerson.map((l) => [l.key, l.ms, l.micros])).toEqual([
      ['U1', 4 * H, 24_000_000],
      ['iam:carol', 4 * H, 2_000_000],
    ]);
    expect(s.byNotebook.find((l) => l.key === 'b')?.running).toBe(true);
  });

  it('reads months the way people write them', () => {
    const now = Date.UTC(2026, 1, 10);
    expect(parseMonth('2026-11', now)?.label).toBe('2026-11');
    expect(parseMonth('11/2025', now)?.label).toBe('2025-11');
    expect(parseMonth('nov', now)?.label).toBe('2025-11'); // later than February: last year's
    expect(parseMonth('January', now)?.label).toBe('2026-01');
    expect(parseMonth('last', now)?.label).toBe('2026-01');
    expect(parseMonth('this', now)?.label).toBe('2026-02');
    expect(parseMonth('2026-13', now)).toBeUndefined();
    expect(parseMonth('soon', now)).toBeUndefined();
  });
});

describe('budgets', () => {
  it('states by how much a request would exceed each cap', () => {
    const over = budgetOverages(
      { hoursMs: 10 * H, micros: 100_000_000 },
      { usedMs: 9 * H, usedMicros: 96_000_000, addMs: 2 * H, addMicros: 16_000_000 },
    );
    expect(over).toEqual([
      { kind: 'hours', cap: 10 * H, used: 9 * H, total: 11 * H, over: H },
      { kind: 'amount', cap: 100_000_000, used: 96_000_000, total: 112_000_000, over: 12_000_000 },
    ]);
    expect(budgetReason(over, 'EUR')).toBe(
      'this would go over the monthly budget: notebook time this month would reach 11.0 h, 1.0 h over the 10.0 h budget; notebook cost this month would reach €112.00, €12.00 over the €100.00 budget',
    );
    expect(
      budgetOverages({ hoursMs: 10 * H }, { usedMs: 1 * H, usedMicros: 0, addMs: 2 * H, addMicros: undefined }),
    ).toEqual([]);
  });

  it('the largest matching override wins per kind; kinds it leaves out keep the default', async () => {
    const budgets = {
      hoursMs: 10 * H,
      micros: 50,
      overrides: [
        { principals: ['S1'], hoursMs: 20 * H },
        { principals: ['S2'], hoursMs: 40 * H },
      ],
    };
    expect(await effectiveCap(budgets, async (p) => p.includes('S1') || p.includes('S2'))).toEqual({
      hoursMs: 40 * H,
      micros: 50,
    });
    expect(await effectiveCap(budgets, async () => false)).toEqual({ hoursMs: 10 * H, micros: 50 });
  });
});

describe('prices where people decide', () => {
  const flavors: CatalogFlavor[] = [
    {
      id: 'modelarts.vm.gpu.t4u8',
      category: 'GPU',
      vcpus: 8,
      memory: 32 * 1_048_576,
      gpu: { gpu: 1, type: 'T4', gpu_memory: 16 },
    },
    { id: 'modelarts.vm.cpu.2u', category: 'CPU', vcpus: 2, memory: 8 * 1_048_576 },
    { id: `modelarts.vm.gpu.${'x'.repeat(60)}`, category: 'GPU', vcpus: 64, memory: 512 * 1_048_576, sold_out: true },
  ];
  const book = policyWith(COSTS).costs?.prices;

  it('every flavor option ends with its hourly price and stays within 75 characters', () => {
    const answer = buildFlavorOptions(flavors, '', new Set(flavors.map((f) => f.id)), (id) => hourlyPrice(book, id));
    expect(optionProblems(answer as never, 'options')).toEqual([]);
    const texts = ('option_groups' in answer ? answer.option_groups.flatMap((g) => g.options) : []).map(
      (o) => o.text.text,
    );
    expect(texts).toContain('modelarts.vm.cpu.2u · 2 vCPU · 8 GB · €0.50/h');
    expect(texts.find((t) => t.startsWith('modelarts.vm.gpu.t4u8'))).toMatch(/ · €8\.00\/h$/);
    const long = texts.find((t) => t.includes('xxxx'))!;
    expect(long.length).toBeLessThanOrEqual(75);
    expect(long).toMatch(/… · €8\.00\/h$/);
  });

  it('the create form quotes the chosen flavor and auto-stop', () => {
    const costs = {
      priceOf: (id: string) => hourlyPrice(book, id),
      storagePerGbMonth: { micros: 50_000, currency: 'EUR' },
    };
    const defaults = { flavor: 'modelarts.vm.cpu.2u', storageGb: 50, leaseHours: 4 };
    const text = (meta: Record<string, unknown>) =>
      JSON.stringify(
        buildCreateModal({ defaults, metadata: meta, costs }).blocks.find((b) => b.block_id === 'nb_cost_summary'),
      );
    expect(text({})).toContain('auto-stop after 4 h at €0.50/h ≈ €2.00');
    expect(text({ flavor: 'modelarts.vm.gpu.t4u8', leaseMs: 90 * M })).toContain(
      'auto-stop after 1 h 30 min at €8.00/h ≈ €12.00',
    );
    expect(text({})).toContain('50 GB ≈ €2.50 a month');
    expect(text({ flavor: 'modelarts.vm.cpu.8u' })).toContain('No price is set');
    // Without prices, no summary and no dispatch on the auto-stop input.
    const plain = JSON.stringify(buildCreateModal({ defaults, metadata: {} }));
    expect(plain).not.toContain('nb_cost_summary');
    expect(plain).not.toContain('on_character_entered');
  });
});

describe('digest schedule and long runs', () => {
  const tz = 'Europe/Berlin';

  it('the slot is the last weekday/hour in the time zone, covering the seven days before it', () => {
    // Tuesday 2026-11-10 12:00 UTC; digest Mondays 09:00 Berlin (08:00 UTC in November).
    const slot = digestSlot(Date.UTC(2026, 10, 10, 12), { weekday: 1, hour: 9, timeZone: tz });
    expect(new Date(slot.at).toISOString()).toBe('2026-11-09T08:00:00.000Z');
    expect(new Date(slot.from).toISOString()).toBe('2026-11-02T08:00:00.000Z');
    // Just before Monday 09:00 Berlin: still the previous week's slot.
    const before = digestSlot(Date.UTC(2026, 10, 9, 7, 59), { weekday: 1, hour: 9, timeZone: tz });
    expect(new Date(before.at).toISOString()).toBe('2026-11-02T08:00:00.000Z');
    // Across the switch to summer time the week is 167 h long, and still 09:00 local at both ends.
    const dst = digestSlot(Date.UTC(2026, 2, 30, 12), { weekday: 1, hour: 9, timeZone: tz });
    expect(new Date(dst.at).toISOString()).toBe('2026-03-30T07:00:00.000Z');
    expect(dst.to - dst.from).toBe(167 * H);
  });

  it('finds the runs that covered a whole night (00–06 local) or the whole weekend', () => {
    const w = { from: localToUtc(tz, 2026, 10, 2, 9), to: localToUtc(tz, 2026, 10, 9, 9) };
    const runs = [
      // Friday 17:15 until after the window: Sat, Sun and Mon nights and the weekend.
      { notebookId: 'b', start: localToUtc(tz, 2026, 10, 6, 17) + 15 * M, end: w.to, open: true },
      // Tuesday 22:00 to Wednesday 05:00: not the whole night.
      { notebookId: 'c', start: localToUtc(tz, 2026, 10, 3, 22), end: localToUtc(tz, 2026, 10, 4, 5), open: false },
      // Two runs of one notebook, each a night.
      { notebookId: 'd', start: localToUtc(tz, 2026, 10, 3, 23), end: localToUtc(tz, 2026, 10, 4, 7), open: false },
      { notebookId: 'd', start: localToUtc(tz, 2026, 10, 4, 23), end: localToUtc(tz, 2026, 10, 5, 7), open: false },
    ];
    expect(longRuns(runs, w, tz).map((r) => [r.run.notebookId, r.nights, r.weekend])).toEqual([
      ['b', 3, true],
      ['d', 2, false],
    ]);
  });
});

describe('the shipped policy example', () => {
  it('documents a valid costs section', async () => {
    const { loadPolicy } = await import('../src/access/policy.js');
    const p = await loadPolicy(new URL('../policy.example.yml', import.meta.url).pathname);
    expect(p.costs?.prices?.currency).toBe('EUR');
    expect(hourlyPrice(p.costs?.prices, 'modelarts.vm.gpu.v100')?.micros).toBe(21_500_000);
    expect(hourlyPrice(p.costs?.prices, 'modelarts.vm.gpu.p100')?.micros).toBe(8_400_000);
    expect(p.costs?.digest).toEqual({ channel: 'C0MLCOSTS', weekday: 1, hour: 9, timeZone: 'Europe/Berlin', top: 5 });
    expect(p.costs?.budgets?.micros).toBe(1_500_000_000);
  });
});
