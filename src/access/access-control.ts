import type { WebClient } from '@slack/web-api';
import type { Redis } from 'ioredis';
import type { Clock } from '../clock.js';
import type { Logger } from '../logger.js';
import { codeSpan, formatDuration, mention } from '../messages/index.js';
import { MAX_LEASE_MS } from '../modelarts/index.js';
import type { NotebookStore } from '../store/index.js';
import { hourlyPrice, UsageLedger } from '../usage/index.js';
import { type AuditTrail, createAuditTrail } from './audit.js';
import { budgetApproval } from './budgets.js';
import { createIdentityDirectory, type IdentityDirectory } from './identities.js';
import { createMembershipResolver, type MembershipResolver } from './membership.js';
import {
  type FlavorCategoryResolver,
  findFlavorRule,
  flavorMatches,
  guessFlavorCategory,
  type Policy,
} from './policy.js';
import { createRateLimiter, type RateLimiter } from './rate-limit.js';
import type { AccessAction, AccessControl, AccessRequest, AuditEntry, Decision, UsageAccounting } from './types.js';

/** Stable names of the rules `check` applies, in the order it applies them. */
export const RULES = {
  use: 'use',
  channel: 'channel',
  adminOnly: 'admin_only',
  unowned: 'unowned_read_only',
  ownership: 'ownership',
  flavor: 'flavor',
  leaseCap: 'lease_cap',
  notebookCap: 'notebook_cap',
  approvalFlavor: 'approval_flavor',
  approvalLease: 'approval_lease',
  approvalNotebooks: 'approval_notebooks',
  /** A create, start or extend that would take its requester over their monthly budget (`costs.budgets`). */
  approvalBudget: 'approval_budget',
  /** A person asking to be linked to an IAM user: always an admin's decision. */
  approvalIdentityLink: 'approval_identity_link',
  /** Not a policy rule: the check itself could not run (Slack or Redis down). Fails closed. */
  unavailable: 'check_unavailable',
} as const;

/** Actions only admins may take. */
const ADMIN_ONLY: ReadonlySet<AccessAction> = new Set(['adopt', 'audit', 'approve', 'link', 'who']);
/** Actions that change a notebook: only its owner (or an admin) may take them. */
const OWNER_ONLY: ReadonlySet<AccessAction> = new Set(['start', 'stop', 'delete', 'extend']);
/** Actions that pick compute (flavor rules apply). */
const PICKS_FLAVOR: ReadonlySet<AccessAction> = new Set(['create', 'start']);
/** Actions that ask for run time (lease cap applies). */
const ASKS_LEASE: ReadonlySet<AccessAction> = new Set(['create', 'start', 'extend']);

/** What `createAccessControl` returns: the `AccessControl` contract plus what Slack handlers need. */
export interface AccessControlService extends AccessControl {
  readonly policy: Policy;
  /** Longest lease this user may ask for, in ms (admins: the API's 72 h). */
  leaseCapMs(userId: string): Promise<number>;
  /** The membership cache (e.g. to invalidate on `subteam_members_changed`). */
  readonly membership: MembershipResolver;
}

export interface AccessControlOptions {
  policy: Policy;
  /** For the rate limiter, the audit stream and the membership cache. */
  redis: Redis;
  /** Key prefix (hash-tagged), e.g. `{nbbot}`. */
  prefix: string;
  /** For membership lookups (`usergroups.users.list`, `conversations.members`). */
  slack: WebClient;
  /** Notebook counts per owner; the records a removed identity link releases. */
  store: Pick<NotebookStore, 'countByOwner' | 'listAll' | 'remove'>;
  logger: Logger;
  clock?: Clock;
  /** Flavor id → category for `GPU`/`ASCEND`/`CPU` rules; default guesses from the id. */
  flavorCategory?: FlavorCategoryResolver;
  /** Audit stream length (default 10,000). */
  auditMaxLen?: number;
  /** Overrides (tests, or to share one instance between components). */
  membership?: MembershipResolver;
  auditTrail?: AuditTrail;
  rateLimiter?: RateLimiter;
  identities?: IdentityDirectory;
  /** The usage ledger budgets are counted from; default one on `redis` and `prefix`. */
  usageLedger?: UsageLedger;
}

const ALLOW: Decision = { allowed: true };

/**
 * Builds access control over a validated policy. `check` is the one place where a request is
 * judged, in a fixed order, returning the first refusal:
 *
 *  0. admins may do anything (they are still rate limited, and the API's own 72 h cap holds);
 *  1. `use` — is this user allowed to use the bot at all;
 *  2. `channel` — may the bot be used here;
 *  3. `admin_only` — adopt, audit and approve are for admins;
 *  4. `unowned_read_only` / `ownership` — start/stop/delete/extend only by the owner; a notebook
 *     without an owner (created outside the bot) is read-only until an admin adopts it;
 *  5. `flavor` — flavor rules (create/start);
 *  6. `lease_cap` — longest lease (create/start/extend);
 *  7. `notebook_cap` — most notebooks owned at once (create);
 *  8. approval rules (flavor, lease, count, monthly budget) → `{allowed: true, approval}`.
 *
 * Every refusal names the rule (in words, and its id at the end: "(rule `ownership`)") and who
 * to ask. If a lookup it needs fails (Slack or Redis down) the request is refused with rule
 * `check_unavailable`: access control fails closed.
 */
export function createAccessControl(options: AccessControlOptions): AccessControlService {
  const { policy } = options;
  const log = options.logger.child({ component: 'access' });
  const categoryOf = options.flavorCategory ?? guessFlavorCategory;
  const membership =
    options.membership ??
    createMembershipResolver({
      client: options.slack,
      redis: options.redis,
      prefix: options.prefix,
      ttlMs: policy.membershipCacheMs,
      logger: options.logger,
      ...(options.clock ? { clock: options.clock } : {}),
    });
  const trail =
    options.auditTrail ??
    createAuditTrail({
      redis: options.redis,
      prefix: options.prefix,
      logger: options.logger,
      ...(options.auditMaxLen !== undefined ? { maxLen: options.auditMaxLen } : {}),
      ...(options.clock ? { clock: options.clock } : {}),
    });
  const limiter =
    options.rateLimiter ??
    createRateLimiter({
      redis: options.redis,
      prefix: options.prefix,
      limit: policy.rateLimit.perMinute,
      windowMs: 60_000,
      logger: options.logger,
    });

  const identities =
    options.identities ??
    createIdentityDirectory({
      redis: options.redis,
      prefix: options.prefix,
      policyLinks: policy.identities,
      store: options.store,
      ...(options.clock ? { clock: options.clock } : {}),
    });

  const ledger = options.usageLedger ?? new UsageLedger({ redis: options.redis, prefix: options.prefix });
  const usage: UsageAccounting = {
    ledger,
    prices: policy.costs?.prices,
    costs: policy.costs,
    priceOf: (flavorId) => hourlyPrice(policy.costs?.prices, flavorId),
    flavorOf: (notebookId) => ledger.flavorOf(notebookId),
  };

  const contact =
    policy.admins.length > 0
      ? policy.admins.map(mention).join(', ')
      : 'your Slack workspace admin (the bot has no admins: set `admins` in the policy file)';

  const isAdmin = async (userId: string): Promise<boolean> =>
    policy.admins.length > 0 && membership.isMemberOfAny(userId, policy.admins);

  const leaseCapFor = async (userId: string): Promise<number> => {
    let cap: number | undefined;
    for (const o of policy.leases.overrides) {
      // The largest matching override wins: being in a "long jobs" group should not be undone
      // by also being in a group with a shorter cap.
      if (await membership.isMemberOfAny(userId, o.principals)) cap = Math.max(cap ?? 0, o.maxMs);
    }
    return cap ?? policy.leases.maxMs;
  };

  // The rule's id ends every refusal: what the user quotes to an admin, and what the audit trail shows.
  const refuse = (rule: string, message: string): Decision => ({
    allowed: false,
    rule,
    message: `${message} (rule \`${rule}\`)`,
  });

  async function evaluate(req: AccessRequest): Promise<Decision> {
    const { userId, action } = req;
    if (await isAdmin(userId)) return ALLOW;

    // 1. use
    if (policy.users !== 'everyone' && !(await membership.isMemberOfAny(userId, policy.users))) {
      return refuse(
        RULES.use,
        `You are not on the list of people who may use the notebook bot. Ask ${contact} to add you.`,
      );
    }

    // 2. channel
    if (policy.channels !== 'any' && !channelAllowed(policy.channels, req.channelId)) {
      const places = describeChannels(policy.channels);
      return refuse(
        RULES.channel,
        `The notebook bot can't be used here. Use it in ${places}, or ask ${contact} to allow this channel.`,
      );
    }

    // 3. admin-only actions
    if (ADMIN_ONLY.has(action)) {
      const what = {
        adopt: 'adopt notebooks',
        audit: 'read the audit trail',
        approve: 'approve requests',
        link: 'link other people to IAM users (ask for your own link with `/notebook link <iam-user>`)',
        who: 'see who owns which IAM user',
      }[action as 'adopt' | 'audit' | 'approve' | 'link' | 'who'];
      return refuse(RULES.adminOnly, `Only admins can ${what}. Ask ${contact}.`);
    }

    // 4. ownership
    if (OWNER_ONLY.has(action) && req.notebook) {
      const nb = req.notebook;
      if (!nb.ownerId) {
        if (nb.creator) {
          return refuse(
            RULES.unowned,
            `${codeSpan(nb.name)} was created in ModelArts by IAM user ${codeSpan(nb.creator)}, who is not linked to anyone in Slack, so it is read-only here. If ${codeSpan(nb.creator)} is you, ask to be linked with ${codeSpan(`/notebook link ${nb.creator}`)} (an admin approves it); otherwise ask ${contact} to adopt it for its owner (${codeSpan(`/notebook adopt ${nb.name} @owner`)}).`,
          );
        }
        return refuse(
          RULES.unowned,
          `${codeSpan(nb.name)} was not created through the bot, so it is read-only until an admin adopts it (${codeSpan(`/notebook adopt ${nb.name}`)}). Ask ${contact}.`,
        );
      }
      if (nb.ownerId !== userId) {
        return refuse(
          RULES.ownership,
          `${codeSpan(nb.name)} belongs to ${mention(nb.ownerId)}: only its owner or an admin can ${action} it. Ask ${mention(nb.ownerId)} or an admin (${contact}).`,
        );
      }
    }

    // 5. flavor rules
    if (req.flavor && PICKS_FLAVOR.has(action) && !(await flavorAllowed(userId, req.flavor))) {
      return refuse(
        RULES.flavor,
        `You may not use flavor ${codeSpan(req.flavor)}. Pick another flavor, or ask ${contact} for access.`,
      );
    }

    // 6. lease cap
    if (req.durationMs !== undefined && ASKS_LEASE.has(action)) {
      const cap = await leaseCapFor(userId);
      if (req.durationMs > cap) {
        const what = action === 'extend' ? 'This extension would keep it running for another' : 'You asked for';
        return refuse(
          RULES.leaseCap,
          `The longest lease you may have is ${formatDuration(cap)}. ${what} ${formatDuration(req.durationMs)}. Ask for less, or ask ${contact} for a longer cap.`,
        );
      }
    }

    // 7. notebook count
    let owned: number | undefined;
    if (action === 'create' && policy.maxNotebooksPerUser !== undefined) {
      owned = await options.store.countByOwner(userId);
      if (owned >= policy.maxNotebooksPerUser) {
        return refuse(
          RULES.notebookCap,
          `You already own ${owned} notebook${owned === 1 ? '' : 's'}, the most one person may have (${policy.maxNotebooksPerUser}). Delete one first, or ask ${contact}.`,
        );
      }
    }

    // 8. approvals
    const a = policy.approvals;
    if (a && ASKS_LEASE.has(action)) {
      const reasons: Array<{ rule: string; reason: string }> = [];
      if (req.flavor && PICKS_FLAVOR.has(action) && a.flavors.some((p) => flavorMatches(p, req.flavor!, categoryOf))) {
        reasons.push({ rule: RULES.approvalFlavor, reason: `flavor ${req.flavor} needs an admin's approval` });
      }
      if (a.leaseOverMs !== undefined && req.durationMs !== undefined && req.durationMs > a.leaseOverMs) {
        reasons.push({
          rule: RULES.approvalLease,
          reason: `leases over ${formatDuration(a.leaseOverMs)} need an admin's approval`,
        });
      }
      if (a.notebooksOver !== undefined && action === 'create') {
        owned ??= await options.store.countByOwner(userId);
        if (owned + 1 > a.notebooksOver) {
          reasons.push({
            rule: RULES.approvalNotebooks,
            reason: `owning more than ${a.notebooksOver} notebook${a.notebooksOver === 1 ? '' : 's'} needs an admin's approval`,
          });
        }
      }
      const budgets = policy.costs?.budgets;
      if (budgets) {
        const overBudget = await budgetApproval(req, budgets, usage, options.clock?.now() ?? Date.now(), (p) =>
          membership.isMemberOfAny(userId, p),
        );
        if (overBudget) reasons.push({ rule: RULES.approvalBudget, reason: overBudget });
      }
      const first = reasons[0];
      if (first)
        return { allowed: true, approval: { rule: first.rule, reason: reasons.map((r) => r.reason).join('; ') } };
    }
    return ALLOW;
  }

  async function flavorAllowed(userId: string, flavorId: string): Promise<boolean> {
    const rule = findFlavorRule(policy.flavors.rules, flavorId, categoryOf);
    if (!rule) return policy.flavors.unmatched === 'allow';
    return membership.isMemberOfAny(userId, rule.allow);
  }

  const service: AccessControlService = {
    policy,
    membership,
    identities,
    usage,

    async check(req) {
      try {
        return await evaluate(req);
      } catch (err) {
        log.error({ err, userId: req.userId, action: req.action }, 'access check failed; refusing');
        return refuse(
          RULES.unavailable,
          "Could not check your access right now (Slack or the bot's database did not answer). Try again in a minute.",
        );
      }
    },

    async isAdmin(userId) {
      try {
        return await isAdmin(userId);
      } catch (err) {
        log.warn({ err, userId }, 'admin lookup failed; treating as not an admin');
        return false;
      }
    },

    async allowedFlavors(userId, flavorIds) {
      if (await service.isAdmin(userId)) return new Set(flavorIds);
      const out = new Set<string>();
      for (const id of flavorIds) {
        try {
          if (await flavorAllowed(userId, id)) out.add(id);
        } catch (err) {
          // Fail closed for this flavor only: the modal still offers what we could decide.
          log.warn({ err, userId, flavor: id }, 'flavor rule lookup failed');
        }
      }
      return out;
    },

    async audit(entry: AuditEntry) {
      await trail.append(entry);
    },

    consumeRate(userId) {
      return limiter.consume(userId);
    },

    readAudit(query) {
      return trail.readAudit(query);
    },

    adminContact() {
      return contact;
    },

    async leaseCapMs(userId) {
      if (await service.isAdmin(userId)) return MAX_LEASE_MS;
      return leaseCapFor(userId);
    },
  };
  return service;
}

function channelAllowed(list: readonly string[], channelId: string | undefined): boolean {
  // No channel means the App Home tab (or a global shortcut): allowed only when listed.
  if (!channelId) return list.includes('app_home');
  if (channelId.startsWith('D')) return list.includes('dm') || list.includes(channelId);
  return list.includes(channelId);
}

function describeChannels(list: readonly string[]): string {
  const names = list.map((c) =>
    c === 'dm' ? 'a direct message with the bot' : c === 'app_home' ? "the bot's Home tab" : mention(c),
  );
  if (names.length <= 1) return names[0] ?? 'no channel';
  return `${names.slice(0, -1).join(', ')} or ${names[names.length - 1]}`;
}
