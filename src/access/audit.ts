import type { Redis } from 'ioredis';
import { type Clock, systemClock } from '../clock.js';
import { type Logger, redactSecrets } from '../logger.js';
import { truncate } from '../messages/index.js';
import type { AuditEntry } from './types.js';

/** An audit entry as read back: `id` is the Redis stream id, `at` always set. */
export interface StoredAuditEntry extends AuditEntry {
  id: string;
  at: number;
}

export interface AuditQuery {
  /** Only entries about this notebook (matches its id or its name exactly). */
  notebook?: string;
  /** Only entries by this user. */
  userId?: string;
  /** Newest first, at most this many (default 20, at most 200). */
  limit?: number;
}

/** The audit trail: an append-only, bounded Redis stream plus structured log lines. */
export interface AuditTrail {
  /** Appends one entry. Never throws: a failure is logged, the action goes on. */
  append(entry: AuditEntry): Promise<void>;
  /** Newest entries first, optionally for one notebook or user. */
  readAudit(query?: AuditQuery): Promise<StoredAuditEntry[]>;
}

export interface AuditTrailOptions {
  redis: Redis;
  /** Key prefix (hash-tagged), e.g. `{nbbot}`; the stream is `{prefix}:audit`. */
  prefix: string;
  logger: Logger;
  /** Approximate number of entries kept (XADD MAXLEN ~); default 10,000. */
  maxLen?: number;
  clock?: Clock;
}

export const DEFAULT_AUDIT_MAXLEN = 10_000;
const MAX_READ = 200;
const SCAN_BATCH = 500;
const FIELD_MAX_CHARS = 500;

const OUTCOMES: ReadonlySet<string> = new Set<AuditEntry['outcome']>([
  'allowed',
  'refused',
  'approval_requested',
  'approved',
  'denied',
  'expired',
  'succeeded',
  'failed',
]);

/**
 * Builds the audit trail. Every entry goes to the log first (a `pino` child with `audit: true`,
 * so a log pipeline can route it) and then to the stream `{prefix}:audit`, trimmed with
 * `MAXLEN ~` so it never grows past about `maxLen` entries. The `~` lets Redis trim whole
 * internal nodes only, which keeps XADD O(1); the stream may briefly hold up to one node
 * (~100 entries) more than `maxLen`.
 *
 * Free text is cut to 500 characters and scrubbed of registered secrets before it is stored:
 * the stream is read back into Slack, and the log's own scrubbing does not cover Redis.
 */
export function createAuditTrail(options: AuditTrailOptions): AuditTrail {
  const key = `${options.prefix}:audit`;
  const maxLen = options.maxLen ?? DEFAULT_AUDIT_MAXLEN;
  const clock = options.clock ?? systemClock;
  const log = options.logger.child({ audit: true });

  return {
    async append(entry) {
      const clean = sanitise({ ...entry, at: entry.at ?? clock.now() });
      try {
        log.info(clean, `audit ${clean.action} ${clean.outcome}`);
      } catch {
        // A broken log destination must not break the action being audited.
      }
      try {
        const fields: string[] = [];
        for (const [k, v] of Object.entries(clean)) if (v !== undefined) fields.push(k, String(v));
        await options.redis.xadd(key, 'MAXLEN', '~', String(maxLen), '*', ...fields);
      } catch (err) {
        try {
          log.error({ err, entry: clean }, 'audit stream write failed');
        } catch {
          // see above
        }
      }
    },

    async readAudit(query = {}) {
      const limit = Math.min(Math.max(1, Math.floor(query.limit ?? 20)), MAX_READ);
      const wanted = (e: StoredAuditEntry) =>
        (!query.notebook || e.notebookId === query.notebook || e.notebookName === query.notebook) &&
        (!query.userId || e.userId === query.userId);
      const out: StoredAuditEntry[] = [];
      // Filtered reads page backwards through the stream; it is bounded by maxLen, so a query for
      // a rare notebook costs at most maxLen / SCAN_BATCH round trips.
      let end = '+';
      for (;;) {
        const batch = await options.redis.xrevrange(key, end, '-', 'COUNT', SCAN_BATCH);
        for (const [id, fields] of batch) {
          const e = decode(id, fields);
          if (e && wanted(e)) {
            out.push(e);
            if (out.length >= limit) return out;
          }
        }
        const last = batch[batch.length - 1];
        if (!last || batch.length < SCAN_BATCH) return out;
        end = `(${last[0]}`;
      }
    },
  };
}

function sanitise(entry: AuditEntry & { at: number }): AuditEntry & { at: number } {
  const text = (v: string | undefined) => (v === undefined ? undefined : truncate(redactSecrets(v), FIELD_MAX_CHARS));
  return {
    userId: text(entry.userId) ?? '',
    action: text(String(entry.action)) ?? '',
    outcome: entry.outcome,
    at: entry.at,
    ...(entry.notebookId !== undefined ? { notebookId: text(entry.notebookId)! } : {}),
    ...(entry.notebookName !== undefined ? { notebookName: text(entry.notebookName)! } : {}),
    ...(entry.channelId !== undefined ? { channelId: text(entry.channelId)! } : {}),
    ...(entry.rule !== undefined ? { rule: text(entry.rule)! } : {}),
    ...(entry.detail !== undefined ? { detail: text(entry.detail)! } : {}),
  };
}

function decode(id: string, fields: string[]): StoredAuditEntry | undefined {
  const f: Record<string, string> = {};
  for (let i = 0; i + 1 < fields.length; i += 2) f[fields[i]!] = fields[i + 1]!;
  const outcome = f['outcome'];
  if (!f['userId'] || !f['action'] || !outcome || !OUTCOMES.has(outcome)) return undefined;
  const at = Number(f['at']);
  return {
    id,
    userId: f['userId'],
    action: f['action'],
    outcome: outcome as AuditEntry['outcome'],
    // The stream id starts with the server's ms timestamp: a fallback for entries without `at`.
    at: Number.isFinite(at) ? at : Number(id.split('-')[0]),
    ...(f['notebookId'] !== undefined ? { notebookId: f['notebookId'] } : {}),
    ...(f['notebookName'] !== undefined ? { notebookName: f['notebookName'] } : {}),
    ...(f['channelId'] !== undefined ? { channelId: f['channelId'] } : {}),
    ...(f['rule'] !== undefined ? { rule: f['rule'] } : {}),
    ...(f['detail'] !== undefined ? { detail: f['detail'] } : {}),
  };
}

// ------------------------------------------------------------------ Block Kit
