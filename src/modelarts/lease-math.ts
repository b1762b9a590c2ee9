import { type Lease, MAX_LEASE_MS, MIN_LEASE_MS } from './schemas.js';

/**
 * Pure lease arithmetic. ModelArts' `lease.duration` is the total run time counted from
 * `lease.create_at`, not the time left, and a renewal or a start changes `duration` while
 * `create_at` stays (../shared/seeds/start-notebook.current.txt):
 * so one lease is identified by (`create_at`, `duration`). Every warning, dismissal and button in
 * this folder is keyed by that pair, which is what makes a renewal re-arm the warnings and an old
 * button recognisably stale.
 */

/** The identity of one lease: a renewal yields a new identity. */
export interface LeaseIdentity {
  /** `lease.create_at`, epoch ms. */
  createAt: number;
  /** `lease.duration`: total run time from `createAt`, ms. */
  durationMs: number;
}

/** A lease as the watcher reasons about it. */
export interface LeaseInfo extends LeaseIdentity {
  /** `TIMING` (stops at the end) or `IDLE` (stops when idle, at the latest at the end). */
  type: 'TIMING' | 'IDLE';
}

/** Reads a ModelArts lease; undefined when it lacks `create_at` or `duration` (nothing to watch). */
export function leaseFromApi(lease: Lease | undefined): LeaseInfo | undefined {
  if (!lease || typeof lease.create_at !== 'number' || typeof lease.duration !== 'number') return undefined;
  if (!Number.isFinite(lease.create_at) || !Number.isFinite(lease.duration) || lease.duration <= 0) return undefined;
  return { createAt: lease.create_at, durationMs: lease.duration, type: normaliseLeaseType(lease.type) };
}

/** ModelArts sends lease types in either case (the SDK lowercases them); anything unknown is TIMING. */
export function normaliseLeaseType(type: string | undefined): 'TIMING' | 'IDLE' {
  return type?.toUpperCase() === 'IDLE' ? 'IDLE' : 'TIMING';
}

/** A compact, key-safe rendering of the identity: `<create_at>-<duration>` (no `:` for BullMQ ids). */
export function leaseKey(lease: LeaseIdentity): string {
  return `${lease.createAt}-${lease.durationMs}`;
}

/** True when both are the same lease (a renewal changes `duration`, a restart `create_at`). */
export function sameLease(a: LeaseIdentity, b: LeaseIdentity): boolean {
  return a.createAt === b.createAt && a.durationMs === b.durationMs;
}

/** When the lease ends (epoch ms). For IDLE leases this is the latest possible stop. */
export function leaseEndsAt(lease: LeaseIdentity): number {
  return lease.createAt + lease.durationMs;
}

/** `create_at + duration - now`; negative once the lease has ended. */
export function timeLeftMs(lease: LeaseIdentity, now: number): number {
  return leaseEndsAt(lease) - now;
}

/** What one scan should send for one lease. */
export interface WarningPlan {
  /** The threshold (minutes) the warning is for: the most urgent one crossed. */
  threshold: number;
  /**
   * Every threshold crossed by now, to be marked as sent together with `threshold`: after
   * downtime a stale "30 minutes left" must not follow a "5 minutes left".
   */
  covers: number[];
}

/**
 * Decides which warning, if any, is due. `thresholdsMin` are minutes before the end (any order).
 * Only the most urgent threshold crossed is ever sent; the caller skips it when already sent.
 * Nothing is due once the lease has ended: the "stopped" notice takes over.
 */
export function planWarning(remainingMs: number, thresholdsMin: readonly number[]): WarningPlan | undefined {
  if (remainingMs <= 0) return undefined;
  const covers = [...new Set(thresholdsMin)].filter((t) => remainingMs <= t * 60_000).sort((a, b) => b - a);
  const threshold = covers[covers.length - 1];
  if (threshold === undefined) return undefined;
  return { threshold, covers };
}

/** The result of adding time to a lease, within what one RenewLease accepts. */
export interface ExtensionPlan {
  /** When the notebook stops after the renewal, epoch ms: what the user is told. */
  endAt: number;
  /**
   * `LeaseReq.duration` to send: the run time counted from now (huaweicloud-sdk-go-v3
   * `model_lease_req.go`, "以当前时刻为起点"), 1–72 h. Valid only at the `now` it was planned for;
   * a later replay sends {@link renewalDurationMs} of the same `endAt`.
   */
  renewMs: number;
  /** What is really added to the current end: less than asked when capped, ≤ 0 when nothing is. */
  addedMs: number;
  /** True when the 72 h limit cut the extension short. */
  capped: boolean;
}

/**
 * Moves a lease's end by `addMs`. RenewLease takes the run time from now, not a total from
 * `create_at` and not an addition, so the new end is computed first (the current end, or now if
 * it has passed, plus `addMs`) and sent as `end − now`, kept within the 1–72 h one renewal accepts:
 * a notebook created days ago can still be extended, and never by more than asked unless the 1 h
 * minimum requires it.
 */
export function planExtension(
  lease: LeaseIdentity,
  addMs: number,
  now: number,
  maxMs: number = MAX_LEASE_MS,
): ExtensionPlan {
  const currentEnd = Math.max(leaseEndsAt(lease), now);
  const wantedEnd = currentEnd + addMs;
  const endAt = Math.max(Math.min(wantedEnd, now + maxMs), now + MIN_LEASE_MS);
  return { endAt, renewMs: endAt - now, addedMs: endAt - currentEnd, capped: wantedEnd > now + maxMs };
}

/** The RenewLease duration that makes a lease end at `endAt`, within the 1–72 h one renewal accepts. */
export function renewalDurationMs(endAt: number, now: number, maxMs: number = MAX_LEASE_MS): number {
  return Math.min(Math.max(endAt - now, MIN_LEASE_MS), maxMs);
}
