import type { Money } from '../messages/index.js';
import type { CostPolicy, PriceBook, UsageLedger } from '../usage/index.js';
import type { AuditQuery, StoredAuditEntry } from './audit.js';
import type { IdentityDirectory } from './identities.js';

/**
 * The contract of access control (src/access/). Every entry point (commands, modals, buttons,
 * App Home, the lease watch, approvals) asks `check` before any cloud call, in one place.
 */
export const ACTIONS = [
  'use',
  'view',
  'create',
  'start',
  'stop',
  'delete',
  'extend',
  'adopt',
  'audit',
  'approve',
  /** Link or unlink a Slack user and an IAM user (admins; a user's own request goes to approval). */
  'link',
  /** `/notebook who`: IAM users, their links, unowned notebooks (admins). */
  'who',
] as const;
export type AccessAction = (typeof ACTIONS)[number];

export interface AccessRequest {
  userId: string;
  teamId?: string;
  channelId?: string;
  action: AccessAction;
  /**
   * The notebook acted on, when there is one; `ownerId` undefined = nobody owns it in Slack (see
   * `identities.ownerOf`). `creator`: its IAM user's name (or id), for the refusal's wording.
   */
  notebook?: { id: string; name: string; ownerId?: string; creator?: string };
  flavor?: string;
  /** Requested lease (create/start), or the run time from now an extension asks for, in ms. */
  durationMs?: number;
}

export type Decision =
  | { allowed: true; approval?: undefined }
  /** Allowed only after an admin says yes; `reason` says which rule asked for it. */
  | { allowed: true; approval: { rule: string; reason: string } }
  /** `message` is for the user: the rule that refused, and who to ask. */
  | { allowed: false; rule: string; message: string };

export interface AuditEntry {
  userId: string;
  action: AccessAction | string;
  notebookId?: string;
  notebookName?: string;
  channelId?: string;
  outcome: 'allowed' | 'refused' | 'approval_requested' | 'approved' | 'denied' | 'expired' | 'succeeded' | 'failed';
  /** The rule that refused or asked for approval (`Decision.rule` / `approval.rule`). */
  rule?: string;
  detail?: string;
  at?: number;
}

export interface AccessControl {
  check(request: AccessRequest): Promise<Decision>;
  isAdmin(userId: string): Promise<boolean>;
  /** The subset of `flavorIds` this user may pick (the create modal shows only these). */
  allowedFlavors(userId: string, flavorIds: readonly string[]): Promise<Set<string>>;
  /** Appends to the audit stream and the structured log. Never throws. */
  audit(entry: AuditEntry): Promise<void>;
  /**
   * Per-user limit on commands and clicks. `first` marks the first refusal of a window, so a
   * caller can audit a burst once instead of once per request.
   */
  consumeRate(userId: string): Promise<{ ok: true } | { ok: false; retryAfterSec: number; first?: boolean }>;
  /** Newest audit entries (for `/notebook audit [name]`; check `action: 'audit'` first). */
  readAudit(query?: AuditQuery): Promise<StoredAuditEntry[]>;
  /** "<@U1>, <!subteam^S2>": who to ask, for messages. */
  adminContact(): string;
  /** Slack user ↔ IAM user links, and who owns a notebook because of them. */
  readonly identities: IdentityDirectory;
  /** Usage accounting (src/usage): the ledger budgets are counted from, and the policy's prices. */
  readonly usage?: UsageAccounting;
}

/** The usage ledger with the policy's `costs` (prices, budgets, digest), for every surface that shows costs. */
export interface UsageAccounting {
  ledger: UsageLedger;
  prices?: PriceBook | undefined;
  costs?: CostPolicy | undefined;
  /** The hourly price of a flavor, when the policy sets one. */
  priceOf(flavorId: string | undefined): Money | undefined;
  /** The flavor the ledger last saw a notebook run with. */
  flavorOf(notebookId: string): Promise<string | undefined>;
}
