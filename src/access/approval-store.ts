import { createHash } from 'node:crypto';
import type { Redis } from 'ioredis';
import type { Operation, Requester } from '../operations/index.js';
import { loadLua } from '../store/index.js';

export type ApprovalStatus = 'pending' | 'approved' | 'denied' | 'expired';

/**
 * A person asking to be linked to an IAM user (`/notebook link <iam-user>`): held like an
 * operation until an admin decides, then applied to the identity links, never queued.
 */
export interface LinkRequest {
  kind: 'link';
  opId: string;
  requester: Requester;
  requestedAt: number;
  /** The IAM user's name or id. */
  iam: string;
  /** Link requests have no status message. */
  statusTs?: undefined;
}

/** What an approval holds: an operation to enqueue, or a link to make. */
export type HeldRequest = Operation | LinkRequest;

/** A request waiting for (or past) an admin's answer, as stored in Redis. */
export interface ApprovalRecord {
  id: string;
  /** The full operation, enqueued unchanged when approved (a link request: linked). */
  op: HeldRequest;
  requester: Requester;
  rule: string;
  reason: string;
  status: ApprovalStatus;
  createdAt: number;
  expiresAt: number;
  /** The request message in the approvals channel. */
  channel?: string;
  ts?: string;
  decidedBy?: string;
  decidedAt?: number;
}

/** What `claim` found: whoever gets `claimed` owns the outcome. */
export type ClaimResult =
  | { kind: 'claimed'; outcome: Exclude<ApprovalStatus, 'pending'> }
  | { kind: 'done'; status: Exclude<ApprovalStatus, 'pending'>; decidedBy?: string; decidedAt?: number }
  | { kind: 'missing' }
  | { kind: 'pending' };

/** The approval id for an operation: derived, so a retried request maps to the same approval. */
export function approvalIdFor(opId: string): string {
  return createHash('sha256').update(opId).digest('base64url').slice(0, 22);
}

export const APPROVAL_ID = /^[A-Za-z0-9_-]{22}$/;

/** Store only if absent, and index by expiry, in one step (a Slack retry must not post twice). */
const CREATE = loadLua(import.meta.url, 'scripts/approval-create.lua');

/**
 * The one place a request leaves "pending". Whoever gets 'claimed' back owns the outcome; every
 * other caller sees 'done'. A request past its expiry can only become 'expired', whatever the
 * click asked for, so a late Approve never creates anything.
 */
const CLAIM = loadLua(import.meta.url, 'scripts/approval-claim.lua');

/** Undo an approval whose enqueue failed, so an admin can click again. */
const REVERT = loadLua(import.meta.url, 'scripts/approval-revert.lua');

/** The approval records in Redis (see `createApprovalStore`). */
export interface ApprovalStore {
  get(id: string): Promise<ApprovalRecord | undefined>;
  /** Stores a new pending request, unless one with its id exists: false then. */
  create(record: ApprovalRecord, retainMs: number): Promise<boolean>;
  /** Where the request message was posted. */
  setMessage(id: string, channel: string, ts: string | undefined): Promise<void>;
  /** Forgets a request (its message could not be posted). */
  drop(id: string): Promise<void>;
  /** Moves a pending request to `outcome` (see CLAIM); `by` is the admin ('' for the sweep). */
  claim(id: string, outcome: ApprovalStatus, by: string, now: number, retainMs: number): Promise<ClaimResult>;
  /** Back to pending after an approval whose enqueue failed (only the approver's own approval). */
  revert(id: string, by: string, ttlMs: number): Promise<void>;
  /** Up to `limit` pending requests whose expiry is at or before `now`. */
  due(now: number, limit: number): Promise<string[]>;
}

/**
 * Keys: `{prefix}:approval:{id}` (a hash holding the operation and its state) and
 * `{prefix}:approvals:pending` (a sorted set by expiry that drives the expiry sweep). The hash
 * outlives the expiry by the workflow's `retainMs` rather than vanishing at it: the sweep needs it
 * to tell the requester "expired", and a late click deserves a clear answer.
 */
export function createApprovalStore(options: { redis: Redis; prefix: string }): ApprovalStore {
  const { redis } = options;
  const key = (id: string) => `${options.prefix}:approval:${id}`;
  const pendingKey = `${options.prefix}:approvals:pending`;
  return {
    async get(id) {
      if (!APPROVAL_ID.test(id)) return undefined;
      return decodeRecord(id, await redis.hgetall(key(id)));
    },
    async create(record, retainMs) {
      const ttlMs = record.expiresAt - record.createdAt + retainMs;
      const created = await CREATE.run(
        redis,
        [key(record.id), pendingKey],
        [record.id, record.expiresAt, ttlMs, ...encodeRecord(record)],
      );
      return created !== 0;
    },
    async setMessage(id, channel, ts) {
      await redis.hset(key(id), { channel, ...(ts ? { ts } : {}) });
    },
    async drop(id) {
      await redis.multi().del(key(id)).zrem(pendingKey, id).exec();
    },
    async claim(id, outcome, by, now, retainMs) {
      const res = (await CLAIM.run(redis, [key(id), pendingKey], [id, now, outcome, by, retainMs])) as string[];
      switch (res[0]) {
        case 'claimed':
          return { kind: 'claimed', outcome: res[1] as Exclude<ApprovalStatus, 'pending'> };
        case 'done':
          return {
            kind: 'done',
            status: res[1] as Exclude<ApprovalStatus, 'pending'>,
            ...(res[2] ? { decidedBy: res[2] } : {}),
            ...(res[3] ? { decidedAt: Number(res[3]) } : {}),
          };
        case 'pending':
          return { kind: 'pending' };
        default:
          return { kind: 'missing' };
      }
    },
    async revert(id, by, ttlMs) {
      await REVERT.run(redis, [key(id), pendingKey], [id, by, ttlMs]);
    },
    async due(now, limit) {
      return redis.zrangebyscore(pendingKey, '-inf', now, 'LIMIT', 0, limit);
    },
  };
}

function encodeRecord(r: ApprovalRecord): string[] {
  return [
    'status',
    r.status,
    'op',
    JSON.stringify(r.op),
    'requester',
    JSON.stringify(r.requester),
    'rule',
    r.rule,
    'reason',
    r.reason,
    'createdAt',
    String(r.createdAt),
    'expiresAt',
    String(r.expiresAt),
  ];
}

function decodeRecord(id: string, h: Record<string, string>): ApprovalRecord | undefined {
  if (!h['status'] || !h['op'] || !h['requester']) return undefined;
  return {
    id,
    op: JSON.parse(h['op']) as Operation,
    requester: JSON.parse(h['requester']) as Requester,
    rule: h['rule'] ?? '',
    reason: h['reason'] ?? '',
    status: h['status'] as ApprovalStatus,
    createdAt: Number(h['createdAt']),
    expiresAt: Number(h['expiresAt']),
    ...(h['channel'] ? { channel: h['channel'] } : {}),
    ...(h['ts'] ? { ts: h['ts'] } : {}),
    ...(h['decidedBy'] ? { decidedBy: h['decidedBy'] } : {}),
    ...(h['decidedAt'] ? { decidedAt: Number(h['decidedAt']) } : {}),
  };
}
