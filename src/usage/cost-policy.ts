import { z } from 'zod';
import { HOUR_MS, orderRules, type PriceBook, toMicros } from './prices.js';

/**
 * The policy file's `costs` section (parsed by src/access/policy.ts with the rest of the file,
 * every problem reported at once): the prices the operator negotiated, monthly budgets per
 * person, and the weekly digest. Snake_case in the file, normalised here.
 */

export const WEEKDAYS = ['sunday', 'monday', 'tuesday', 'wednesday', 'thursday', 'friday', 'saturday'] as const;
export type Weekday = (typeof WEEKDAYS)[number];

/** A monthly cap: run hours, money (micro-units), or both (either one reached counts). */
export interface BudgetCap {
  hoursMs?: number;
  micros?: number;
}

export interface BudgetPolicy extends BudgetCap {
  /** Users, groups or channels (members of) with their own cap; the largest matching one applies, per kind. */
  overrides: ReadonlyArray<{ principals: readonly string[] } & BudgetCap>;
}

export interface DigestPolicy {
  channel: string;
  /** Day of the week (0 = Sunday) and hour at which last week's digest is posted, in `timeZone`. */
  weekday: number;
  hour: number;
  timeZone: string;
  /** How many notebooks the "top" list shows. */
  top: number;
}

export interface CostPolicy {
  /** Absent: the bot reports notebook-hours only. */
  prices?: PriceBook;
  budgets?: BudgetPolicy;
  digest?: DigestPolicy;
}

const PRINCIPAL = /^[UWSCG][A-Z0-9]{2,}$/;
const CHANNEL = /^[CG][A-Z0-9]{2,}$/;
const FLAVOR_PATTERN = /^[A-Za-z0-9._*?-]{1,128}$/;

const amount = (what: string) =>
  z
    .number({ message: `${what} must be a number` })
    .min(0, { message: `${what} must be at least 0` })
    .max(1_000_000_000, { message: `${what} must be at most 1000000000` })
    .refine((v) => Math.abs(v * 1_000_000 - Math.round(v * 1_000_000)) < 1e-6, {
      message: `${what} may have at most 6 decimals`,
    });

function validTimeZone(tz: string): boolean {
  try {
    new Intl.DateTimeFormat('en', { timeZone: tz });
    return true;
  } catch {
    return false;
  }
}

const capFields = {
  monthly_hours: z
    .number({ message: 'monthly_hours must be a number of hours' })
    .min(1, { message: 'monthly_hours must be at least 1 h' })
    .max(744, { message: 'monthly_hours must be at most 744 h (a 31-day month)' })
    .optional(),
  monthly_amount: amount('monthly_amount').optional(),
};

export const CostsFileSchema = z
  .strictObject({
    currency: z
      .string()
      .trim()
      .regex(/^[A-Za-z]{3}$/, { message: 'must be a 3-letter ISO 4217 currency code such as EUR, USD or CNY' })
      .transform((v) => v.toUpperCase())
      .optional(),
    prices: z
      .record(
        z.string().regex(FLAVOR_PATTERN, { message: 'must be a flavor id or a glob such as modelarts.vm.gpu.*' }),
        amount('a price per hour'),
      )
      .optional(),
    storage_per_gb_month: amount('storage_per_gb_month').optional(),
    budgets: z
      .strictObject({
        ...capFields,
        overrides: z
          .array(
            z.strictObject({
              principals: z
                .array(
                  z.string().trim().regex(PRINCIPAL, {
                    message: 'must be a Slack user id (U…/W…), user group id (S…) or channel id (C…/G…)',
                  }),
                )
                .min(1, { message: 'list at least one user, group or channel' }),
              ...capFields,
            }),
          )
          .default([]),
      })
      .optional(),
    digest: z
      .strictObject({
        channel: z.string().trim().regex(CHANNEL, { message: 'must be a channel id (C…/G…)' }),
        weekday: z
          .string()
          .trim()
          .toLowerCase()
          .pipe(z.enum(WEEKDAYS, { message: 'must be a day of the week (monday, …, sunday)' }))
          .default('monday'),
        hour: z
          .number({ message: 'must be an hour, 0–23' })
          .int({ message: 'must be a whole hour, 0–23' })
          .min(0, { message: 'must be an hour, 0–23' })
          .max(23, { message: 'must be an hour, 0–23' })
          .default(9),
        timezone: z
          .string()
          .trim()
          .refine(validTimeZone, { message: 'must be an IANA time zone such as Europe/Berlin or UTC' })
          .default('UTC'),
        top: z
          .number({ message: 'must be a whole number' })
          .int({ message: 'must be a whole number' })
          .min(1, { message: 'must be at least 1' })
          .max(20, { message: 'must be at most 20' })
          .default(5),
      })
      .optional(),
  })
  .optional();

export type CostsFile = z.output<typeof CostsFileSchema>;

/**
 * Rules involving more than one field, as lines `costs.<field>: <problem>`; `hasApprovals`:
 * whether the policy has an `approvals` section (budgets need one to send breaches to).
 */
export function costsCrossChecks(c: CostsFile, hasApprovals: boolean): string[] {
  if (!c) return [];
  const out: string[] = [];
  const hasPrices = Boolean(c.prices && Object.keys(c.prices).length > 0);
  if ((hasPrices || c.storage_per_gb_month !== undefined) && !c.currency) {
    out.push('costs.currency: is required with prices (a 3-letter code such as EUR, USD or CNY)');
  }
  const b = c.budgets;
  if (b) {
    const caps = [b, ...b.overrides];
    caps.forEach((cap, i) => {
      const at = i === 0 ? 'costs.budgets' : `costs.budgets.overrides.${i - 1}`;
      if (cap.monthly_hours === undefined && cap.monthly_amount === undefined) {
        if (i > 0) out.push(`${at}: set monthly_hours, monthly_amount or both`);
      }
      if (cap.monthly_amount !== undefined && !hasPrices) {
        out.push(`${at}.monthly_amount: needs costs.prices (a money budget cannot be counted without prices)`);
      }
    });
    if (b.monthly_hours === undefined && b.monthly_amount === undefined && b.overrides.length === 0) {
      out.push('costs.budgets: set monthly_hours, monthly_amount or overrides');
    }
    if (!hasApprovals) {
      out.push('costs.budgets: needs an approvals section (a request over budget is sent to the approvals channel)');
    }
  }
  return out;
}

/** The validated `costs` section, normalised (undefined when the file has none). */
export function normaliseCosts(c: CostsFile): CostPolicy | undefined {
  if (!c) return undefined;
  const cap = (x: { monthly_hours?: number | undefined; monthly_amount?: number | undefined }): BudgetCap => ({
    ...(x.monthly_hours !== undefined ? { hoursMs: Math.round(x.monthly_hours * HOUR_MS) } : {}),
    ...(x.monthly_amount !== undefined ? { micros: toMicros(x.monthly_amount) } : {}),
  });
  const currency = c.currency ?? 'EUR';
  const rules = Object.entries(c.prices ?? {}).map(([match, price]) => ({ match, microsPerHour: toMicros(price) }));
  const prices: PriceBook | undefined =
    rules.length > 0 || c.storage_per_gb_month !== undefined
      ? {
          currency,
          rules: orderRules(rules),
          ...(c.storage_per_gb_month !== undefined
            ? { storageMicrosPerGbMonth: toMicros(c.storage_per_gb_month) }
            : {}),
        }
      : undefined;
  return {
    ...(prices ? { prices } : {}),
    ...(c.budgets
      ? {
          budgets: {
            ...cap(c.budgets),
            overrides: c.budgets.overrides.map((o) => ({ principals: o.principals, ...cap(o) })),
          },
        }
      : {}),
    ...(c.digest
      ? {
          digest: {
            channel: c.digest.channel,
            weekday: WEEKDAYS.indexOf(c.digest.weekday),
            hour: c.digest.hour,
            timeZone: c.digest.timezone,
            top: c.digest.top,
          },
        }
      : {}),
  };
}
