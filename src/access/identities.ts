import type { Redis } from 'ioredis';
import { type Clock, systemClock } from '../clock.js';
import type { NotebookRecord, NotebookStore } from '../store/index.js';

/**
 * Identity links: which Slack user a Huawei IAM user is. Every ModelArts notebook names its
 * creator (`user: {id, name}`); a notebook whose creator is linked to a Slack user belongs to that
 * person, with no adopt step. Links come from the policy file (`identities:`, read-only here) or
 * from an admin (`/notebook link @user <iam-user>`, or an approved request), kept in Redis.
 *
 * An IAM user is named by its user id (32 lowercase letters and digits) or its name. A link
 * matches a notebook's creator when it equals the creator's id or, failing that, its name
 * (exactly: no guessing at case). One IAM user is linked to at most one Slack user; one Slack
 * user may have several IAM users.
 *
 * Ownership (`ownerOf`): an owner the bot recorded (it created, started or adopted the notebook)
 * wins; this keeps the owner of notebooks made by the bot's own IAM user. Otherwise the
 * creator's link decides. Records the bot wrote because of a link (`origin: 'linked'`) are
 * judged again by the link, so a link removed from the policy file stops counting at once.
 */

/** A notebook's creator as ModelArts reports it (`user.id`, `user.name`). */
export interface IamUser {
  id?: string | undefined;
  name?: string | undefined;
}

export interface IdentityLink {
  /** The IAM user's id or name, as linked. */
  iam: string;
  slackUserId: string;
  /** `policy`: from the policy file (change it there); `admin`: made in Slack. */
  source: 'policy' | 'admin';
  /** Who made an admin link, and when. */
  by?: string;
  at?: number;
}

/** Who owns a notebook, and why. */
export type Ownership =
  | { ownerId: string; via: 'record' | 'link'; link?: IdentityLink }
  | { ownerId?: undefined; via: 'none' };

export type LinkResult =
  | { kind: 'linked'; link: IdentityLink }
  | { kind: 'already'; link: IdentityLink }
  /** The IAM user is linked to someone else: unlink first. */
  | { kind: 'taken'; link: IdentityLink };

export type UnlinkResult =
  | { kind: 'unlinked'; link: IdentityLink; released: number }
  | { kind: 'policy'; link: IdentityLink }
  | { kind: 'none' };

/** Resolves a creator to its link with one snapshot of the links (for lists and scans). */
export type LinkResolver = (iam: IamUser | undefined) => IdentityLink | undefined;

export interface IdentityDirectory {
  /** Every link, policy ones first. */
  list(): Promise<IdentityLink[]>;
  /** A snapshot of the links as a lookup: one Redis read for any number of notebooks. */
  resolver(): Promise<LinkResolver>;
  /** The links of one Slack user. */
  linksOf(slackUserId: string): Promise<IdentityLink[]>;
  /** The link of one IAM user (by its id or name), if any. */
  linkOf(iam: string): Promise<IdentityLink | undefined>;
  /** Links `iam` to `slackUserId`. The caller has checked that `by` may (an admin). */
  link(input: { slackUserId: string; iam: string; by: string }): Promise<LinkResult>;
  /**
   * Removes an admin link, and the records the bot kept because of it (those notebooks are
   * read-only again). Policy links are refused: they live in the file.
   */
  unlink(input: { iam: string }): Promise<UnlinkResult>;
  /** Who owns a notebook: the bot's record, else its creator's link. */
  ownerOf(record: NotebookRecord | undefined, creator: IamUser | undefined, resolve?: LinkResolver): Promise<Ownership>;
}

export interface IdentityDirectoryOptions {
  redis: Redis;
  /** Key prefix (hash-tagged); links live in `{prefix}:identity-links`. */
  prefix: string;
  /** Links from the policy file: Slack user id → IAM users (ids or names). */
  policyLinks: Readonly<Record<string, readonly string[]>>;
  /** To release the records of a removed link. */
  store: Pick<NotebookStore, 'listAll' | 'remove'>;
  clock?: Clock;
}

/** What an IAM user id or name may look like here: letters, digits, `.`, `_`, `-`; 1–64 characters. */
export const IAM_USER_PATTERN = /^[A-Za-z0-9._-]{1,64}$/;

/** True for a string that can name an IAM user (id or name). */
export function isIamUser(value: string): boolean {
  return IAM_USER_PATTERN.test(value);
}

/** How a creator reads in messages: its name, else its id. */
export function describeIamUser(iam: IamUser | undefined): string | undefined {
  return iam?.name || iam?.id || undefined;
}

export function createIdentityDirectory(options: IdentityDirectoryOptions): IdentityDirectory {
  const key = `${options.prefix}:identity-links`;
  const clock = options.clock ?? systemClock;
  const policy: IdentityLink[] = [];
  for (const [slackUserId, iams] of Object.entries(options.policyLinks)) {
    for (const iam of iams) policy.push({ iam, slackUserId, source: 'policy' });
  }
  const policyByIam = new Map(policy.map((l) => [l.iam, l]));

  async function adminLinks(): Promise<IdentityLink[]> {
    const raw = await options.redis.hgetall(key);
    const out: IdentityLink[] = [];
    for (const [iam, value] of Object.entries(raw)) {
      try {
        const v = JSON.parse(value) as { slackUserId?: string; by?: string; at?: number };
        if (!v.slackUserId || policyByIam.has(iam)) continue;
        out.push({
          iam,
          slackUserId: v.slackUserId,
          source: 'admin',
          ...(v.by ? { by: v.by } : {}),
          ...(v.at ? { at: v.at } : {}),
        });
      } catch {
        // A field we did not write: ignore it rather than fail every ownership decision.
      }
    }
    return out.sort((a, b) => a.iam.localeCompare(b.iam));
  }

  async function list(): Promise<IdentityLink[]> {
    return [...policy, ...(await adminLinks())];
  }

  async function resolver(): Promise<LinkResolver> {
    const byIam = new Map((await list()).map((l) => [l.iam, l]));
    return (iam) => {
      if (!iam) return undefined;
      return (iam.id ? byIam.get(iam.id) : undefined) ?? (iam.name ? byIam.get(iam.name) : undefined);
    };
  }

  async function linkOf(iam: string): Promise<IdentityLink | undefined> {
    const fromPolicy = policyByIam.get(iam);
    if (fromPolicy) return fromPolicy;
    return (await adminLinks()).find((l) => l.iam === iam);
  }

  return {
    list,
    resolver,
    linkOf,

    async linksOf(slackUserId) {
      return (await list()).filter((l) => l.slackUserId === slackUserId);
    },

    async link({ slackUserId, iam, by }) {
      const existing = await linkOf(iam);
      if (existing)
        return existing.slackUserId === slackUserId
          ? { kind: 'already', link: existing }
          : { kind: 'taken', link: existing };
      const at = clock.now();
      const link: IdentityLink = { iam, slackUserId, source: 'admin', by, at };
      // HSETNX: two admins linking one IAM user at once cannot both win.
      const set = await options.redis.hsetnx(key, iam, JSON.stringify({ slackUserId, by, at }));
      if (set === 0) {
        const now = await linkOf(iam);
        if (now) return now.slackUserId === slackUserId ? { kind: 'already', link: now } : { kind: 'taken', link: now };
      }
      return { kind: 'linked', link };
    },

    async unlink({ iam }) {
      const existing = await linkOf(iam);
      if (!existing) return { kind: 'none' };
      if (existing.source === 'policy') return { kind: 'policy', link: existing };
      await options.redis.hdel(key, iam);
      let released = 0;
      for (const r of await options.store.listAll()) {
        if (r.origin === 'linked' && (r.iamUserId === iam || r.iamUserName === iam)) {
          await options.store.remove(r.notebookId);
          released += 1;
        }
      }
      return { kind: 'unlinked', link: existing, released };
    },

    async ownerOf(record, creator, resolve) {
      if (record?.ownerId && record.origin !== 'linked') return { ownerId: record.ownerId, via: 'record' };
      const iam: IamUser | undefined =
        record?.origin === 'linked' ? { id: record.iamUserId, name: record.iamUserName } : creator;
      const lookup = resolve ?? (await resolver());
      const link = lookup(iam) ?? (record?.origin === 'linked' ? lookup(creator) : undefined);
      return link ? { ownerId: link.slackUserId, via: 'link', link } : { via: 'none' };
    },
  };
}
