/**
 * Access control: policy, checks, ownership, audit trail, abuse limits and approvals.
 * Import from here; the files behind it are free to move.
 *
 * Where it is used: every Slack entry point asks `check` before any cloud call (src/slack:
 * `handlers/access-gate.ts` before a lookup, `submitOperation` once the notebook is known; the
 * lease buttons in src/leases). Ownership: the bot's record, else the notebook creator's identity
 * link (`identities.ownerOf`; links from the policy's `identities:` or `/notebook link`). A refusal's `message` names who to ask and ends with the rule it
 * applied, e.g. "(rule `ownership`)"; refusals are audited. `/notebook adopt` uses
 * `adoptNotebook`; `/notebook audit` renders `readAudit` with `renderAuditBlocks` (src/messages). The
 * composition root (src/app) builds `createApprovals`, passes it to the Slack app as
 * `onApprovalRequired` and to `registerApprovalActions`, and sweeps `expireApprovals` every minute.
 */

export { type AccessControlOptions, type AccessControlService, createAccessControl, RULES } from './access-control.js';
export {
  APPROVAL_BLOCK_ID,
  APPROVAL_ID,
  APPROVE_ACTION_ID,
  type ApprovalDecision,
  ApprovalPostError,
  type ApprovalRecord,
  type ApprovalStatus,
  type Approvals,
  type ApprovalsOptions,
  approvalIdFor,
  createApprovals,
  DENY_ACTION_ID,
  type DecideResult,
  describeOperation,
  type HeldRequest,
  type LinkRequest,
  type RequestApprovalInput,
  type RequestApprovalResult,
} from './approvals.js';
export {
  type AuditQuery,
  type AuditTrail,
  type AuditTrailOptions,
  createAuditTrail,
  DEFAULT_AUDIT_MAXLEN,
  type StoredAuditEntry,
} from './audit.js';
export {
  createIdentityDirectory,
  describeIamUser,
  IAM_USER_PATTERN,
  type IamUser,
  type IdentityDirectory,
  type IdentityDirectoryOptions,
  type IdentityLink,
  isIamUser,
  type LinkResolver,
  type LinkResult,
  type Ownership,
  type UnlinkResult,
} from './identities.js';
export {
  guardActionValue,
  guardCommandText,
  guardFreeText,
  guardHookScript,
  guardPayloadSize,
  INPUT_LIMITS,
} from './input-guard.js';
export {
  createMembershipResolver,
  type MembershipResolver,
  type MembershipResolverOptions,
  MembershipUnavailableError,
} from './membership.js';
export { type AdoptNotebookOptions, adoptNotebook } from './ownership.js';
export {
  type ApprovalPolicy,
  defaultPolicy,
  FLAVOR_CATEGORIES,
  type FlavorCategory,
  type FlavorCategoryResolver,
  type FlavorRule,
  findFlavorRule,
  flavorCategoryResolver,
  flavorMatches,
  guessFlavorCategory,
  type LeaseOverride,
  loadPolicy,
  type Policy,
  type PolicySourceOptions,
  type Principal,
  parsePolicy,
  parsePolicyObject,
  type SchedulePolicy,
} from './policy.js';
export { createRateLimiter, type RateLimiter, type RateLimiterOptions, type RateResult } from './rate-limit.js';
export type { AccessAction, AccessControl, AccessRequest, AuditEntry, Decision } from './types.js';
export * from './types.js';
