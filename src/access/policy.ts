import { readFile } from 'node:fs/promises';
import { extname } from 'node:path';
import { parseDocument } from 'yaml';
import { z } from 'zod';
import { ConfigError } from '../errors.js';
import { MAX_LEASE_MS, valueAt } from '../modelarts/index.js';
import { type CostPolicy, CostsFileSchema, costsCrossChecks, normaliseCosts } from '../usage/index.js';
import { IAM_USER_PATTERN } from './identities.js';

/**
 * The access policy: who may use the bot, where, with which flavors, for how long, how many
 * notebooks, and what needs an admin's approval. Loaded once at start from `POLICY_FILE`
 * (YAML or JSON, snake_case keys) and validated with zod; every problem is reported at once.
 *
 * Principals are Slack ids: users (`U…`/`W…`), user groups (`S…`, every member counts) and
 * channels (`C…`/`G…`, every member counts). Membership is looked up through the Slack API and
 * cached (see membership.ts).
 */

/** A Slack user (`U…`/`W…`), user group (`S…`) or channel (`C…`/`G…`) id. */
export type Principal = string;

/** Flavor categories as ModelArts reports them (`ListFlavors` `category`). */
export const FLAVOR_CATEGORIES = ['CPU', 'GPU', 'ASCEND'] as const;
export type FlavorCategory = (typeof FLAVOR_CATEGORIES)[number];

/** Maps a flavor id to its category; `undefined` when unknown. */
export type FlavorCategoryResolver = (flavorId: string) => FlavorCategory | undefined;

/** One flavor rule: flavors matching `match` may be used only by `allow` (and admins). */
export interface FlavorRule {
  /** As written: a glob (`modelarts.vm.gpu.*`), an exact id, or a category (`GPU`, `ASCEND`, `CPU`). */
  match: string;
  allow: readonly Principal[];
}

export interface LeaseOverride {
  principals: readonly Principal[];
  maxMs: number;
}

export interface ApprovalPolicy {
  /** Channel where requests are posted with Approve/Deny buttons. */
  channel: string;
  /** How long a request waits for an admin before it expires. */
  expiryMs: number;
  /** Flavor patterns (same syntax as flavor rules) that always need approval. */
  flavors: readonly string[];
  /** Leases longer than this need approval. */
  leaseOverMs?: number;
  /** A create that would make the user own more than this many notebooks needs approval. */
  notebooksOver?: number;
}

/** The validated, normalised policy (times in ms). */
export interface Policy {
  /** Where it came from: a file path, or `(default)`. */
  source: string;
  /** Users and user groups with every right (adopt, audit, approve, act on any notebook). */
  admins: readonly Principal[];
  /** Who may use the bot at all. */
  users: 'everyone' | readonly Principal[];
  /**
   * Where the bot may be used: `any`, or channel ids plus the keywords `dm` (direct messages
   * with the bot) and `app_home` (the Home tab, where requests carry no channel).
   */
  channels: 'any' | readonly string[];
  flavors: { rules: readonly FlavorRule[]; unmatched: 'allow' | 'deny' };
  leases: { maxMs: number; overrides: readonly LeaseOverride[] };
  /** Most notebooks one user may own at once; `undefined` = no limit. */
  maxNotebooksPerUser?: number;
  /** Absent = nothing ever needs approval. */
  approvals?: ApprovalPolicy;
  rateLimit: { perMinute: number };
  /** How long membership lookups (user groups, channel members) are cached. */
  membershipCacheMs: number;
  /**
   * Identity links from the file: Slack user id → the Huawei IAM users (ids or names) that are
   * this person. Notebooks those IAM users created belong to them (see identities.ts).
   */
  identities: Readonly<Record<string, readonly string[]>>;
  /** Working-hours schedules (src/schedules): absent = allowed with no limits. */
  schedules?: SchedulePolicy;
  /** Prices, monthly budgets and the weekly digest (`costs:`); absent = notebook-hours only, no budgets. */
  costs?: CostPolicy;
}

/** Limits on working-hours schedules (policy key `schedules`). */
export interface SchedulePolicy {
  /** `false`: nobody but admins may set schedules. */
  enabled: boolean;
  /** Every scheduled start and stop must fall within these hours (minutes of the day, the schedule's own time zone). */
  allowedHours?: { startMinute: number; stopMinute: number };
  /** Most scheduled hours per week one person's schedules may add up to. */
  maxHoursPerWeek?: number;
}

export const DEFAULT_EXPIRY_HOURS = 24;
export const DEFAULT_RATE_PER_MINUTE = 30;
export const DEFAULT_MEMBERSHIP_CACHE_SECONDS = 300;
const HOUR = 3_600_000;
const MAX_LEASE_HOURS = MAX_LEASE_MS / HOUR;

const USER_OR_GROUP = /^(?:[UW]|S)[A-Z0-9]{2,}$/;
const PRINCIPAL = /^[UWSCG][A-Z0-9]{2,}$/;
const CHANNEL = /^[CG][A-Z0-9]{2,}$/;
const FLAVOR_PATTERN = /^[A-Za-z0-9._*?-]{1,128}$/;
const SLACK_USER = /^[UW][A-Z0-9]{2,}$/;

const adminId = z
  .string()
  .trim()
  .regex(USER_OR_GROUP, { message: 'must be a Slack user id (U…/W…) or user group id (S…)' });
const principal = z.string().trim().regex(PRINCIPAL, {
  message: 'must be a Slack user id (U…/W…), user group id (S…) or channel id (C…/G…)',
});
const principals = z.array(principal).min(1, { message: 'list at least one user, group or channel' });
const flavorPattern = z
  .string()
  .trim()
  .regex(FLAVOR_PATTERN, {
    message: 'must be a flavor id, a glob such as modelarts.vm.gpu.*, or a category (CPU, GPU, ASCEND)',
  })
  .transform((v) => (FLAVOR_CATEGORIES.includes(v.toUpperCase() as FlavorCategory) ? v.toUpperCase() : v));
const iamUser = z.string().trim().regex(IAM_USER_PATTERN, {
  message: 'must be an IAM user name or id (letters, digits, ".", "_", "-"; at most 64 characters)',
});
const hours = (what: string, min: number, max: number) =>
  z
    .number({ message: `${what} must be a number of hours` })
    .min(min, { message: `${what} must be at least ${min} h` })
    .max(max, { message: `${what} must be at most ${max} h` });

const PolicyFileSchema = z.strictObject({
  admins: z.array(adminId).default([]),
  users: z
    .union([z.literal('everyone'), principals], {
      message: 'must be "everyone" or a list of user, group and channel ids',
    })
    .default('everyone'),
  channels: z
    .union(
      [
        z.literal('any'),
        z
          .array(
            z
              .string()
              .trim()
              .refine((v) => v === 'dm' || v === 'app_home' || CHANNEL.test(v), {
                message: 'must be a channel id (C…/G…), "dm" or "app_home"',
              }),
          )
          .min(1, { message: 'list at least one channel, or write "any"' }),
      ],
      { message: 'must be "any" or a list of channel ids (plus "dm" and "app_home")' },
    )
    .default('any'),
  flavors: z
    .strictObject({
      unmatched: z.enum(['allow', 'deny'], { message: 'must be "allow" or "deny"' }).default('allow'),
      rules: z.array(z.strictObject({ match: flavorPattern, allow: principals })).default([]),
    })
    .default({ unmatched: 'allow', rules: [] }),
  leases: z
    .strictObject({
      max_hours: hours('max_hours', 1, MAX_LEASE_HOURS).default(MAX_LEASE_HOURS),
      overrides: z.array(z.strictObject({ principals, max_hours: hours('max_hours', 1, MAX_LEASE_HOURS) })).default([]),
    })
    .default({ max_hours: MAX_LEASE_HOURS, overrides: [] }),
  max_notebooks_per_user: z
    .number({ message: 'must be a whole number' })
    .int({ message: 'must be a whole number' })
    .min(1, { message: 'must be at least 1' })
    .max(1000, { message: 'must be at most 1000' })
    .optional(),
  approvals: z
    .strictObject({
      channel: z.string().trim().regex(CHANNEL, { message: 'must be a channel id (C…/G…)' }),
      expiry_hours: hours('expiry_hours', 0.05, 24 * 7).default(DEFAULT_EXPIRY_HOURS),
      flavors: z.array(flavorPattern).default([]),
      lease_over_hours: hours('lease_over_hours', 0, MAX_LEASE_HOURS).optional(),
      notebooks_over: z
        .number({ message: 'must be a whole number' })
        .int({ message: 'must be a whole number' })
        .min(0, { message: 'must be at least 0' })
        .optional(),
    })
    .optional(),
  rate_limit: z
    .strictObject({
      per_minute: z
        .number({ message: 'must be a whole number' })
        .int({ message: 'must be a whole number' })
        .min(1, { message: 'must be at least 1' })
        .max(10_000, { message: 'must be at most 10000' }),
    })
    .default({ per_minute: DEFAULT_RATE_PER_MINUTE }),
  membership_cache_seconds: z
    .number({ message: 'must be a number of seconds' })
    .int({ message: 'must be a whole number of seconds' })
    .min(10, { message: 'must be at least 10 s (Slack rate limits membership lookups)' })
    .max(86_400, { message: 'must be at most 86400 s' })
    .default(DEFAULT_MEMBERSHIP_CACHE_SECONDS),
  identities: z
    .record(
      z.string().regex(SLACK_USER, { message: 'must be a Slack user id (U…/W…)' }),
      z.union([iamUser.transform((v) => [v]), z.array(iamUser).min(1, { message: 'list at least one IAM user' })], {
        message: 'must be an IAM user name or id, or a list of them',
      }),
    )
    .default({}),
  schedules: z
    .strictObject({
      enabled: z.boolean({ message: 'must be true or false' }).default(true),
      allowed_hours: z
        .string({ message: 'must be hours such as "07:00-22:00"' })
        .trim()
        .regex(/^([01]?\d|2[0-3]):[0-5]\d-([01]?\d|2[0-4]):[0-5]\d$/, {
          message: 'must be hours such as "07:00-22:00" (24-hour time, start before stop)',
        })
        .refine((v) => clockMinutes(v.split('-')[0]!) < clockMinutes(v.split('-')[1]!), {
          message: 'must start before it stops, e.g. "07:00-22:00"',
        })
        .optional(),
      max_hours_per_week: hours('max_hours_per_week', 1, 168).optional(),
    })
    .optional(),
  costs: CostsFileSchema,
});

function clockMinutes(hhmm: string): number {
  const [h, m] = hhmm.split(':').map(Number);
  return (h ?? 0) * 60 + (m ?? 0);
}

type PolicyFile = z.output<typeof PolicyFileSchema>;

export interface PolicySourceOptions {
  /** Admin ids from the environment, added to the file's `admins` (or the only admins without a file). */
  extraAdmins?: readonly string[];
}

/**
 * The policy with no file: everyone in the workspace may manage their own notebooks, nobody may
 * touch another's, leases up to the API's 72 h, no approvals; admins only from `extraAdmins`.
 * @throws ConfigError when an extra admin id is malformed.
 */
export function defaultPolicy(options: PolicySourceOptions = {}): Policy {
  return parsePolicyObject({}, { ...options, source: '(default)' });
}

/**
 * Reads the policy file at `path` (YAML, or JSON for `.json`), or returns `defaultPolicy` when
 * `path` is undefined or empty.
 * @throws ConfigError naming the file and listing every problem (unreadable, syntax, schema).
 */
export async function loadPolicy(path: string | undefined, options: PolicySourceOptions = {}): Promise<Policy> {
  if (!path) return defaultPolicy(options);
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code ?? 'unknown error';
    throw new ConfigError(`POLICY_FILE ${path} cannot be read (${code}). Fix the path or unset POLICY_FILE.`, {
      cause: err,
    });
  }
  return parsePolicy(text, {
    ...options,
    source: path,
    format: extname(path).toLowerCase() === '.json' ? 'json' : 'yaml',
  });
}

/**
 * Parses and validates policy text.
 * @throws ConfigError listing every problem, each with its path in the file.
 */
export function parsePolicy(
  text: string,
  options: PolicySourceOptions & { source: string; format?: 'yaml' | 'json' },
): Policy {
  let raw: unknown;
  if (options.format === 'json') {
    try {
      raw = JSON.parse(text);
    } catch (err) {
      throw problems(options.source, [`(syntax): ${(err as Error).message}`]);
    }
  } else {
    const doc = parseDocument(text, { prettyErrors: true, uniqueKeys: true });
    if (doc.errors.length > 0) {
      throw problems(
        options.source,
        doc.errors.map((e) => `(syntax): ${e.message.split('\n')[0]}`),
      );
    }
    raw = doc.toJS();
  }
  // An empty file is a policy with every default: say so instead of "expected object".
  if (raw === null || raw === undefined) raw = {};
  return parsePolicyObject(raw, options);
}

/**
 * Validates an already-parsed policy object (the file's shape, snake_case).
 * @throws ConfigError listing every problem.
 */
export function parsePolicyObject(raw: unknown, options: PolicySourceOptions & { source: string }): Policy {
  const lines: string[] = [];
  const isMapping = raw !== null && typeof raw === 'object' && !Array.isArray(raw);
  if (!isMapping) lines.push('(file): must be a mapping of settings (admins, users, channels, …)');
  const parsed = PolicyFileSchema.safeParse(isMapping ? raw : {});
  if (!parsed.success) {
    for (const issue of parsed.error.issues) {
      const at = issue.path.map(String).join('.') || '(file)';
      // zod's own wording for these two is about types, not about the file a person wrote.
      if (issue.code === 'unrecognized_keys') {
        const keys = issue.keys.map((k) => `"${k}"`).join(', ');
        lines.push(`${at}: unknown setting${issue.keys.length === 1 ? '' : 's'} ${keys} (check the spelling)`);
      } else if (issue.code === 'invalid_key' && issue.path[0] === 'costs') {
        lines.push(`${at}: the key must be a flavor id or a glob such as modelarts.vm.gpu.*`);
      } else if (issue.code === 'invalid_key') {
        // The only keyed map is `identities`, keyed by Slack user (zod 4 drops the key's own message).
        lines.push(`${at}: the key must be a Slack user id (U…/W…)`);
      } else if (issue.code === 'invalid_type' && valueAt(raw, issue.path) === undefined) {
        lines.push(`${at}: is required`);
      } else {
        lines.push(`${at}: ${issue.message}`);
      }
    }
  }
  const extra = options.extraAdmins ?? [];
  extra.forEach((id, i) => {
    if (!USER_OR_GROUP.test(id))
      lines.push(`extra admin #${i + 1}: must be a Slack user id (U…/W…) or user group id (S…)`);
  });
  if (parsed.success) lines.push(...crossChecks(parsed.data));
  if (lines.length > 0 || !parsed.success) throw problems(options.source, lines);
  return normalise(parsed.data, options.source, extra);
}

/** Rules that involve more than one field. */
function crossChecks(p: PolicyFile): string[] {
  const out: string[] = [];
  const a = p.approvals;
  if (a && a.lease_over_hours !== undefined && a.lease_over_hours >= p.leases.max_hours) {
    const overrides = p.leases.overrides.some((o) => o.max_hours > (a.lease_over_hours ?? 0));
    if (!overrides) {
      out.push(
        `approvals.lease_over_hours: ${a.lease_over_hours} h is not below any lease cap (leases.max_hours ${p.leases.max_hours} h), so it can never apply`,
      );
    }
  }
  if (
    a &&
    a.notebooks_over !== undefined &&
    p.max_notebooks_per_user !== undefined &&
    a.notebooks_over >= p.max_notebooks_per_user
  ) {
    out.push(
      `approvals.notebooks_over: ${a.notebooks_over} is not below max_notebooks_per_user (${p.max_notebooks_per_user}), so it can never apply`,
    );
  }
  out.push(...costsCrossChecks(p.costs, Boolean(a)));
  const linkedTo = new Map<string, string>();
  for (const [slackUser, iams] of Object.entries(p.identities)) {
    for (const iam of iams) {
      const other = linkedTo.get(iam);
      if (other && other !== slackUser) {
        out.push(
          `identities: IAM user "${iam}" is linked to both ${other} and ${slackUser}; one IAM user is one person`,
        );
      }
      linkedTo.set(iam, slackUser);
    }
  }
  return out;
}

function problems(source: string, lines: readonly string[]): ConfigError {
  return new ConfigError(
    `Policy ${source} is invalid (${lines.length} problem${lines.length === 1 ? '' : 's'}):\n${lines
      .map((l) => `  - ${l}`)
      .join('\n')}\nSee policy.example.yml for the format.`,
  );
}

function normalise(p: PolicyFile, source: string, extraAdmins: readonly string[]): Policy {
  const approvals: ApprovalPolicy | undefined = p.approvals
    ? {
        channel: p.approvals.channel,
        expiryMs: Math.round(p.approvals.expiry_hours * HOUR),
        flavors: p.approvals.flavors,
        ...(p.approvals.lease_over_hours !== undefined
          ? { leaseOverMs: Math.round(p.approvals.lease_over_hours * HOUR) }
          : {}),
        ...(p.approvals.notebooks_over !== undefined ? { notebooksOver: p.approvals.notebooks_over } : {}),
      }
    : undefined;
  return {
    source,
    admins: [...new Set([...p.admins, ...extraAdmins])],
    users: p.users,
    channels: p.channels,
    flavors: { unmatched: p.flavors.unmatched, rules: p.flavors.rules },
    leases: {
      maxMs: Math.round(p.leases.max_hours * HOUR),
      overrides: p.leases.overrides.map((o) => ({ principals: o.principals, maxMs: Math.round(o.max_hours * HOUR) })),
    },
    ...(p.max_notebooks_per_user !== undefined ? { maxNotebooksPerUser: p.max_notebooks_per_user } : {}),
    ...(approvals ? { approvals } : {}),
    rateLimit: { perMinute: p.rate_limit.per_minute },
    membershipCacheMs: p.membership_cache_seconds * 1000,
    identities: Object.fromEntries(Object.entries(p.identities).map(([u, iams]) => [u, [...new Set(iams)]])),
    ...(p.schedules ? { schedules: normaliseSchedules(p.schedules) } : {}),
    ...(p.costs ? { costs: normaliseCosts(p.costs) as CostPolicy } : {}),
  };
}

function normaliseSchedules(s: NonNullable<PolicyFile['schedules']>): SchedulePolicy {
  const [from, to] = s.allowed_hours?.split('-') ?? [];
  return {
    enabled: s.enabled,
    ...(from && to ? { allowedHours: { startMinute: clockMinutes(from), stopMinute: clockMinutes(to) } } : {}),
    ...(s.max_hours_per_week !== undefined ? { maxHoursPerWeek: s.max_hours_per_week } : {}),
  };
}

// ------------------------------------------------------------------ flavor matching

/**
 * Best-effort category from a flavor id, for when the caller has no flavor list at hand.
 * ModelArts ids name the accelerator (`modelarts.vm.gpu.v100`, `modelarts.bm.snt9.xlarge.8`,
 * `….npu.…`); prefer a resolver built from `ListFlavors` (`category`) where possible.
 */
export const guessFlavorCategory: FlavorCategoryResolver = (flavorId) => {
  const id = flavorId.toLowerCase();
  if (/(^|[.-])(npu|ascend|snt\d\w*|d910\w*|d310\w*|kat1\w*)([.-]|$)/.test(id)) return 'ASCEND';
  if (/(^|[.-])(gpu|p100|v100|a100|t4|pnt1|pi2)([.-]|$)/.test(id)) return 'GPU';
  if (/(^|[.-])cpu([.-]|$)/.test(id)) return 'CPU';
  return undefined;
};

/** Builds a resolver from a flavor list (e.g. `ModelArtsApi.listFlavors()`), falling back to the guess. */
export function flavorCategoryResolver(
  flavors: ReadonlyArray<{ id: string; category?: string | undefined }>,
): FlavorCategoryResolver {
  const known = new Map<string, FlavorCategory>();
  for (const f of flavors) {
    const c = f.category?.toUpperCase();
    if (c && (FLAVOR_CATEGORIES as readonly string[]).includes(c)) known.set(f.id, c as FlavorCategory);
  }
  return (id) => known.get(id) ?? guessFlavorCategory(id);
}

const globCache = new Map<string, RegExp>();

/**
 * True when `flavorId` matches `pattern`: a category keyword (`GPU`, `ASCEND`, `CPU`, through
 * `categoryOf`), a glob (`*` any run of characters including dots, `?` one character), or an
 * exact id. Matching is case-insensitive: ModelArts ids are lowercase but people type `GPU`.
 */
export function flavorMatches(
  pattern: string,
  flavorId: string,
  categoryOf: FlavorCategoryResolver = guessFlavorCategory,
): boolean {
  const upper = pattern.toUpperCase();
  if ((FLAVOR_CATEGORIES as readonly string[]).includes(upper)) return categoryOf(flavorId) === upper;
  let re = globCache.get(pattern);
  if (!re) {
    const source = pattern
      .split('')
      .map((ch) => (ch === '*' ? '.*' : ch === '?' ? '.' : ch.replace(/[.+^${}()|[\]\\-]/g, '\\$&')))
      .join('');
    re = new RegExp(`^${source}$`, 'i');
    globCache.set(pattern, re);
  }
  return re.test(flavorId);
}

/** The first rule whose pattern matches `flavorId` (rules are ordered: most specific first). */
export function findFlavorRule(
  rules: readonly FlavorRule[],
  flavorId: string,
  categoryOf: FlavorCategoryResolver = guessFlavorCategory,
): FlavorRule | undefined {
  return rules.find((r) => flavorMatches(r.match, flavorId, categoryOf));
}
