import { codeSpan, escapeMrkdwn, formatDuration, mention, slackDate, truncate } from './format.js';
import { type KnownBlock, mrkdwn } from './kit.js';

/**
 * Money and run time as people read them: prices, running cost, usage reports, the weekly digest
 * and budget overages. Amounts arrive as integer micro-units (millionths of the currency unit,
 * computed by src/usage); they are rounded once, here, half away from zero to the currency's
 * minor unit (2 digits for EUR/USD/CNY, 0 for JPY/KRW).
 */

/** An amount in integer millionths of `currency`'s unit (1.25 EUR = 1_250_000). */
export interface Money {
  micros: number;
  /** ISO 4217 code, upper case. */
  currency: string;
}

const digitsCache = new Map<string, number>();

/** The currency's minor-unit digits (Intl's, 2 when Intl does not know the code). */
export function currencyDigits(currency: string): number {
  let d = digitsCache.get(currency);
  if (d === undefined) {
    try {
      d = new Intl.NumberFormat('en', { style: 'currency', currency }).resolvedOptions().maximumFractionDigits ?? 2;
    } catch {
      d = 2;
    }
    digitsCache.set(currency, d);
  }
  return d;
}

/**
 * `€12.40`, `CN¥9.80`, `¥1,200` (JPY), `CHF 3.10`: `money` rounded half away from zero to the
 * currency's minor unit. `extraDigits` shows up to that many more for small unit prices
 * (a CPU at 0.0825/h), never fewer than the minor unit.
 */
export function formatMoney(money: Money, extraDigits = 0): string {
  const digits = currencyDigits(money.currency);
  const shown = Math.min(6, digits + extraDigits);
  const step = 10 ** (6 - shown);
  const rounded = (Math.sign(money.micros) * Math.round(Math.abs(money.micros) / step) * step) / 1_000_000;
  try {
    return new Intl.NumberFormat('en', {
      style: 'currency',
      currency: money.currency,
      minimumFractionDigits: digits,
      maximumFractionDigits: shown,
    }).format(rounded);
  } catch {
    return `${rounded.toFixed(shown)} ${money.currency}`;
  }
}

/** A unit price per hour: `€3.10/h` (up to 4 decimals when the price has them). */
export function formatHourly(price: Money): string {
  return `${formatMoney(price, 2)}/h`;
}

/** Hours with one decimal (`12.5 h`), or minutes under an hour (`45 min`). */
export function formatHours(ms: number): string {
  if (ms < 3_600_000) return `${Math.round(ms / 60_000)} min`;
  const tenths = Math.round(ms / 360_000);
  return `${(tenths / 10).toLocaleString('en', { minimumFractionDigits: 1, maximumFractionDigits: 1 })} h`;
}

/** `4.0 h ≈ €12.40` / `4.0 h` without a price. */
export function formatRunCost(ms: number, cost: Money | undefined): string {
  return cost ? `${formatHours(ms)} ≈ ${formatMoney(cost)}` : formatHours(ms);
}

// ------------------------------------------------------------------ sentences

/** `4 h at €3.10/h ≈ €12.40` (what a chosen run time will cost). */
export function quoteText(ms: number, price: Money): string {
  const total = Math.round((price.micros * ms) / 3_600_000);
  return `${formatDuration(ms)} at ${formatHourly(price)} ≈ ${formatMoney({ micros: total, currency: price.currency })}`;
}

/** What the status message of a start or extend says about the time it adds. */
export interface CostQuote {
  /** Run time the operation adds (a start's lease, an extension). */
  ms: number;
  price: Money;
}

/** `Cost of these 4 h: €12.40 (€3.10/h).`; `It costs €3.10/h while it runs.` when the length is unknown (idle auto-stop). */
export function quoteSentence(q: CostQuote, what: 'start' | 'extend' | 'create'): string {
  if (q.ms <= 0) return `It costs ${formatHourly(q.price)} while it runs.`;
  const total = Math.round((q.price.micros * q.ms) / 3_600_000);
  const label = what === 'extend' ? 'the added' : 'these';
  return `Cost of ${label} ${formatDuration(q.ms)}: ${formatMoney({ micros: total, currency: q.price.currency })} (${formatHourly(q.price)}).`;
}

/** `Running for 3 h 10 min in this lease ≈ €9.80 so far.` */
export function runSoFarText(ms: number, cost: Money | undefined): string {
  const base = `Running for ${formatDuration(ms)} in this lease`;
  return cost ? `${base} ≈ ${formatMoney(cost)} so far.` : `${base}.`;
}

/** One cap a request would exceed (see src/usage budget.ts). */
export interface BudgetOverageText {
  kind: 'hours' | 'amount';
  cap: number;
  total: number;
  over: number;
}

/**
 * The approval reason of a budget breach (plain text, like the other reasons: escaped where
 * shown): `this would go over the monthly budget: notebook time this month would reach 11.0 h,
 * 1.0 h over the 10.0 h budget`.
 */
export function budgetReason(overages: readonly BudgetOverageText[], currency: string | undefined): string {
  const cur = currency ?? 'EUR';
  const money = (micros: number) => formatMoney({ micros, currency: cur });
  const parts = overages.map((o) =>
    o.kind === 'hours'
      ? `notebook time this month would reach ${formatHours(o.total)}, ${formatHours(o.over)} over the ${formatHours(o.cap)} budget`
      : `notebook cost this month would reach ${money(o.total)}, ${money(o.over)} over the ${money(o.cap)} budget`,
  );
  return `this would go over the monthly budget: ${parts.join('; ')}`;
}

// ------------------------------------------------------------------ usage report and digest

/** One line of a usage breakdown, as src/usage sums it (by person, flavor or notebook). */
export interface UsageLineView {
  key: string;
  ms: number;
  /** Cost of the priced part, micro-units. */
  micros: number;
  /** Run time of flavors without a price (not in `micros`). */
  unpricedMs: number;
  /** Still running (notebook lines). */
  running?: boolean;
  /** Notebook lines: name, flavor, owner. */
  name?: string;
  flavor?: string;
  ownerKey?: string;
}

export interface UsageSummaryView {
  currency?: string;
  totalMs: number;
  totalMicros: number;
  unpricedMs: number;
  byPerson: readonly UsageLineView[];
  byFlavor: readonly UsageLineView[];
  byNotebook: readonly UsageLineView[];
}

const MAX_LINES = 15;

/** `<@U1>`, `IAM user alice.wang (not linked)`, `nobody`. */
export function personLabel(key: string): string {
  if (key.startsWith('iam:')) return `IAM user ${codeSpan(key.slice(4), 64)} (not linked)`;
  if (key === 'unowned') return 'nobody in Slack';
  return mention(key);
}

function figure(line: { ms: number; micros: number; unpricedMs: number }, currency: string | undefined): string {
  if (!currency) return formatHours(line.ms);
  const priced = line.ms - line.unpricedMs;
  const cost = formatMoney({ micros: line.micros, currency });
  if (priced <= 0) return `${formatHours(line.ms)} (no price)`;
  return line.unpricedMs > 0
    ? `${formatHours(line.ms)} ≈ ${cost} (+${formatHours(line.unpricedMs)} unpriced)`
    : `${formatHours(line.ms)} ≈ ${cost}`;
}

function notebookLine(l: UsageLineView, currency: string | undefined): string {
  const bits = [l.flavor ? codeSpan(l.flavor, 60) : undefined, l.ownerKey ? personLabel(l.ownerKey) : undefined].filter(
    Boolean,
  );
  return `• *${escapeMrkdwn(truncate(l.name ?? l.key, 60))}*${bits.length ? ` (${bits.join(', ')})` : ''} — ${figure(l, currency)}${l.running ? ' · _still running_' : ''}`;
}

function listSection(title: string, lines: readonly string[], total: number): KnownBlock {
  const more = total > lines.length ? `\n_…and ${total - lines.length} more_` : '';
  return { type: 'section', text: mrkdwn(`*${title}*\n${lines.join('\n')}${more}`) };
}

export interface UsageReportInput {
  /** `2026-11`. */
  monthLabel: string;
  summary: UsageSummaryView;
  /** Only this person's runs (`/notebook usage … @user`). */
  userId?: string | undefined;
  /** The month is not over yet. */
  partial: boolean;
}

/** `/notebook usage [month] [@user]`: hours and cost by person, flavor and notebook. */
export function usageReportBlocks(input: UsageReportInput): { text: string; blocks: KnownBlock[] } {
  const { summary: s, monthLabel } = input;
  const who = input.userId ? ` of ${mention(input.userId)}` : '';
  const head = `:bar_chart: Notebook usage${who} in ${monthLabel}${input.partial ? ' (so far)' : ''}`;
  if (s.totalMs <= 0) {
    const text = `${head}: no notebook ran.`;
    return { text, blocks: [{ type: 'section', text: mrkdwn(text) }] };
  }
  const total = `*Total:* ${figure({ ms: s.totalMs, micros: s.totalMicros, unpricedMs: s.unpricedMs }, s.currency)}`;
  const blocks: KnownBlock[] = [{ type: 'section', text: mrkdwn(`${head}\n${total}`) }];
  if (!input.userId) {
    blocks.push(
      listSection(
        'By person',
        s.byPerson.slice(0, MAX_LINES).map((l) => `• ${personLabel(l.key)} — ${figure(l, s.currency)}`),
        s.byPerson.length,
      ),
    );
  }
  blocks.push(
    listSection(
      'By flavor',
      s.byFlavor.slice(0, MAX_LINES).map((l) => `• ${codeSpan(l.key, 60)} — ${figure(l, s.currency)}`),
      s.byFlavor.length,
    ),
    listSection(
      'By notebook',
      s.byNotebook.slice(0, MAX_LINES).map((l) => notebookLine(l, s.currency)),
      s.byNotebook.length,
    ),
    {
      type: 'context',
      elements: [
        mrkdwn(
          `Run time the bot observed (RUNNING, from its jobs and its scan each minute), months in UTC.${
            s.currency
              ? ` Costs at the policy's prices in ${s.currency}, rounded to the cent per line.`
              : ' No prices are set in the policy: hours only.'
          }`,
        ),
      ],
    },
  );
  return {
    text: `${head}: ${formatHours(s.totalMs)}${s.currency ? ` ≈ ${formatMoney({ micros: s.totalMicros, currency: s.currency })}` : ''}`,
    blocks,
  };
}

/** `action_id` of the digest's Stop buttons (value: a pick value, verb stop). */
export const DIGEST_STOP_ACTION = 'usage_digest_stop';

/** A notebook that ran through a night or the weekend. */
export interface LongRunView {
  notebookId: string;
  name: string;
  ownerKey: string;
  flavor?: string;
  nights: number;
  weekend: boolean;
  running: boolean;
  /** The pick value of its Stop button (present when it still runs and has an owner). */
  stopValue?: string;
}

export interface DigestInput {
  from: number;
  to: number;
  summary: UsageSummaryView;
  top: number;
  longRuns: readonly LongRunView[];
  timeZone: string;
}

const MAX_LONG_RUNS = 20;

/** The weekly digest: the team's hours and cost, the top notebooks, and the ones that ran all night or all weekend. */
export function digestBlocks(d: DigestInput): { text: string; blocks: KnownBlock[] } {
  const s = d.summary;
  const span = `${slackDate(d.from, '{date_short}')} – ${slackDate(d.to - 1, '{date_short}')}`;
  const head = `:receipt: *Notebooks last week* (${span})`;
  const people = s.byPerson.length;
  const totalLine =
    s.totalMs > 0
      ? `${figure({ ms: s.totalMs, micros: s.totalMicros, unpricedMs: s.unpricedMs }, s.currency)} across ${s.byNotebook.length} notebook${s.byNotebook.length === 1 ? '' : 's'} and ${people} ${people === 1 ? 'person' : 'people'}.`
      : 'No notebook ran.';
  const blocks: KnownBlock[] = [{ type: 'section', text: mrkdwn(`${head}\n${totalLine}`) }];
  if (s.byNotebook.length > 0) {
    blocks.push(
      listSection(
        `Top ${Math.min(d.top, s.byNotebook.length)}`,
        s.byNotebook.slice(0, d.top).map((l) => notebookLine(l, s.currency)),
        Math.min(d.top, s.byNotebook.length),
      ),
    );
  }
  if (d.longRuns.length > 0) {
    blocks.push({ type: 'divider' }, { type: 'section', text: mrkdwn('*Ran through the night or the weekend*') });
    for (const r of d.longRuns.slice(0, MAX_LONG_RUNS)) {
      const when = [
        r.nights > 0 ? `${r.nights} night${r.nights === 1 ? '' : 's'}` : undefined,
        r.weekend ? 'the whole weekend' : undefined,
      ]
        .filter(Boolean)
        .join(' and ');
      const text = `*${escapeMrkdwn(truncate(r.name, 60))}*${r.flavor ? ` (${codeSpan(r.flavor, 60)})` : ''} · ${personLabel(r.ownerKey)} · ran through ${when}${r.running ? ' · _still running_' : ''}`;
      blocks.push({
        type: 'section',
        text: mrkdwn(text),
        ...(r.stopValue
          ? {
              accessory: {
                type: 'button',
                action_id: DIGEST_STOP_ACTION,
                text: { type: 'plain_text', text: 'Stop', emoji: true },
                value: r.stopValue,
                style: 'danger',
                confirm: {
                  title: { type: 'plain_text', text: 'Stop this notebook?' },
                  text: mrkdwn(
                    `Stop *${escapeMrkdwn(truncate(r.name, 60))}*? Its storage is kept; it can be started again.`,
                  ),
                  confirm: { type: 'plain_text', text: 'Stop it' },
                  deny: { type: 'plain_text', text: 'Cancel' },
                },
              },
            }
          : {}),
      });
    }
    if (d.longRuns.length > MAX_LONG_RUNS) {
      blocks.push({ type: 'context', elements: [mrkdwn(`…and ${d.longRuns.length - MAX_LONG_RUNS} more.`)] });
    }
  }
  blocks.push({
    type: 'context',
    elements: [
      mrkdwn(
        `Night: 00:00–06:00, weekend: Saturday and Sunday, in ${escapeMrkdwn(d.timeZone)}. Stop buttons work for a notebook's owner and admins. \`/notebook usage\` has the month.`,
      ),
    ],
  });
  const text = `Notebooks last week: ${s.totalMs > 0 ? `${formatHours(s.totalMs)}${s.currency ? ` ≈ ${formatMoney({ micros: s.totalMicros, currency: s.currency })}` : ''}` : 'none ran'}`;
  return { text, blocks };
}
