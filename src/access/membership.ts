import type { WebClient } from '@slack/web-api';
import type { Redis } from 'ioredis';
import { type Clock, systemClock } from '../clock.js';
import { BotError } from '../errors.js';
import type { Logger } from '../logger.js';
import { decodeSlackError, isSlackGroupId, isSlackUserId } from '../messages/index.js';
import type { Principal } from './policy.js';

/**
 * Who is in a user group or a channel, from Slack (`usergroups.users.list`,
 * `conversations.members`), cached so that a click never costs a Slack call: first in process
 * memory, then in Redis (shared by every web replica), each for `ttlMs`.
 */
export interface MembershipResolver {
  /** True when `userId` is `principal` itself, or a member of that group or channel. */
  isMember(userId: string, principal: Principal): Promise<boolean>;
  /** True when `userId` matches any of `principals` (direct ids first: they cost nothing). */
  isMemberOfAny(userId: string, principals: readonly Principal[]): Promise<boolean>;
  /**
   * Forgets cached members of `principal` (memory and Redis), e.g. on a `subteam_members_changed`
   * or `member_joined_channel` event. Without an argument: everything this process has cached.
   */
  invalidate(principal?: Principal): Promise<void>;
}

/** Slack did not answer a membership lookup; access cannot be decided right now. */
export class MembershipUnavailableError extends BotError {
  readonly code = 'membership_unavailable';
  override get userMessage(): string {
    return 'Could not check your access right now (Slack did not answer). Try again in a minute.';
  }
}

export interface MembershipResolverOptions {
  client: WebClient;
  /** Shared cache; without it the cache is per process. */
  redis?: Redis;
  /** Key prefix (hash-tagged), e.g. `{nbbot}`. */
  prefix: string;
  /** How long a member list is trusted (default 5 min). */
  ttlMs?: number;
  logger: Logger;
  clock?: Clock;
  /** Stop paging a huge channel after this many members (default 50,000). */
  maxMembers?: number;
}

/** A placeholder member so that an empty group is cached as "known and empty", not "unknown". */
const SENTINEL = '__cached__';
/** How long a transient failure is remembered, so a Slack outage does not turn into a call storm. */
const FAILURE_MEMORY_MS = 15_000;

interface MemoryEntry {
  members?: ReadonlySet<string>;
  failure?: MembershipUnavailableError;
  expiresAt: number;
}

/**
 * Builds the cached resolver.
 *
 * Lookups are single-flight per principal: a burst of clicks right after the cache expires
 * costs one Slack call, not one per click. An id Slack rejects outright (`channel_not_found`,
 * `no_such_subteam`, `not_in_channel`) is logged and treated as an empty list for the TTL: the
 * policy is wrong, and retrying every click would only burn rate limit. Transient failures
 * throw `MembershipUnavailableError` (and are remembered for 15 s) so callers fail closed.
 */
export function createMembershipResolver(options: MembershipResolverOptions): MembershipResolver {
  const ttlMs = options.ttlMs ?? 300_000;
  const clock = options.clock ?? systemClock;
  const maxMembers = options.maxMembers ?? 50_000;
  const log = options.logger.child({ component: 'access-membership' });
  const memory = new Map<Principal, MemoryEntry>();
  const inflight = new Map<Principal, Promise<ReadonlySet<string>>>();
  const redisKey = (p: Principal) => `${options.prefix}:acl:members:${p}`;

  async function fetchFromSlack(p: Principal): Promise<ReadonlySet<string>> {
    if (isSlackGroupId(p)) {
      const res = await options.client.usergroups.users.list({ usergroup: p });
      return new Set(res.users ?? []);
    }
    const out = new Set<string>();
    let cursor: string | undefined;
    do {
      const res = await options.client.conversations.members({
        channel: p,
        limit: 1000,
        ...(cursor ? { cursor } : {}),
      });
      for (const m of res.members ?? []) out.add(m);
      cursor = res.response_metadata?.next_cursor || undefined;
      if (out.size >= maxMembers) {
        log.warn({ principal: p, members: out.size }, 'channel too large; membership list truncated');
        break;
      }
    } while (cursor);
    return out;
  }

  async function readRedis(p: Principal): Promise<{ members: ReadonlySet<string>; ttl: number } | undefined> {
    if (!options.redis) return undefined;
    const [[, members], [, ttl]] = (await options.redis.multi().smembers(redisKey(p)).pttl(redisKey(p)).exec()) as [
      [unknown, string[]],
      [unknown, number],
    ];
    if (!members.includes(SENTINEL)) return undefined;
    return { members: new Set(members.filter((m) => m !== SENTINEL)), ttl };
  }

  async function writeRedis(p: Principal, members: ReadonlySet<string>): Promise<void> {
    if (!options.redis) return;
    const key = redisKey(p);
    await options.redis
      .multi()
      .del(key)
      .sadd(key, SENTINEL, ...members)
      .pexpire(key, ttlMs)
      .exec();
  }

  async function load(p: Principal): Promise<ReadonlySet<string>> {
    try {
      const cached = await readRedis(p);
      if (cached) {
        remember(p, { members: cached.members }, cached.ttl > 0 ? Math.min(cached.ttl, ttlMs) : ttlMs);
        return cached.members;
      }
    } catch (err) {
      // The cache is an optimisation: with Redis down we still ask Slack.
      log.warn({ err, principal: p }, 'membership cache read failed');
    }
    let members: ReadonlySet<string>;
    try {
      members = await fetchFromSlack(p);
    } catch (err) {
      // A permanent answer means "this id is wrong or we may not read it": the policy needs fixing.
      const failure = decodeSlackError(err);
      if (failure?.kind === 'permanent') {
        log.error(
          { principal: p, slackError: failure.code },
          'policy names a group or channel the bot cannot read; treating it as empty (check the id, scopes usergroups:read/channels:read/groups:read, and that the bot is in private channels)',
        );
        members = new Set();
      } else {
        const failure = new MembershipUnavailableError(`membership lookup for ${p} failed`, { cause: err });
        remember(p, { failure }, FAILURE_MEMORY_MS);
        log.warn({ principal: p, err }, 'membership lookup failed');
        throw failure;
      }
    }
    remember(p, { members }, ttlMs);
    try {
      await writeRedis(p, members);
    } catch (err) {
      log.warn({ err, principal: p }, 'membership cache write failed');
    }
    return members;
  }

  function remember(p: Principal, entry: Omit<MemoryEntry, 'expiresAt'>, forMs: number): void {
    memory.set(p, { ...entry, expiresAt: clock.now() + forMs });
  }

  async function membersOf(p: Principal): Promise<ReadonlySet<string>> {
    const hit = memory.get(p);
    if (hit && hit.expiresAt > clock.now()) {
      if (hit.failure) throw hit.failure;
      if (hit.members) return hit.members;
    }
    let pending = inflight.get(p);
    if (!pending) {
      pending = load(p).finally(() => inflight.delete(p));
      inflight.set(p, pending);
    }
    return pending;
  }

  const resolver: MembershipResolver = {
    async isMember(userId, p) {
      if (isSlackUserId(p)) return p === userId;
      return (await membersOf(p)).has(userId);
    },
    async isMemberOfAny(userId, principals) {
      if (principals.includes(userId)) return true;
      let failure: unknown;
      for (const p of principals) {
        if (isSlackUserId(p)) continue;
        try {
          if ((await membersOf(p)).has(userId)) return true;
        } catch (err) {
          // Another group may still say yes; only fail when none did.
          failure = err;
        }
      }
      if (failure) throw failure;
      return false;
    },
    async invalidate(p) {
      const targets = p ? [p] : [...memory.keys()];
      for (const t of targets) memory.delete(t);
      if (options.redis && targets.length > 0) await options.redis.del(...targets.map(redisKey));
    },
  };
  return resolver;
}
