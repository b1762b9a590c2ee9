import { loadLua } from '../../store/index.js';

/**
 * The outbox's Lua scripts (`scripts/*.lua`, each documents its KEYS and ARGV): the state of one
 * status message (publish, take, restore, release) and the per-method budgets (rate, block).
 */
export const OUTBOX_SCRIPTS = {
  publish: loadLua(import.meta.url, 'scripts/publish.lua'),
  take: loadLua(import.meta.url, 'scripts/take.lua'),
  restore: loadLua(import.meta.url, 'scripts/restore.lua'),
  release: loadLua(import.meta.url, 'scripts/release.lua'),
  rate: loadLua(import.meta.url, 'scripts/rate.lua'),
  block: loadLua(import.meta.url, 'scripts/block.lua'),
};

/** The outbox's Redis keys, all under the configured (hash-tagged) prefix. */
export interface OutboxKeys {
  /** The latest desired state of one status message (`key`: the operation's job id). */
  message(key: string): string;
  /** Set once a one-shot message was accepted by Slack. */
  posted(key: string): string;
  /** A method's budget (per channel for posts). */
  budget(method: 'update' | 'publish' | 'post', channel?: string): string;
}

export function outboxKeys(prefix: string): OutboxKeys {
  return {
    message: (key) => `${prefix}:slack-msg:${key}`,
    posted: (key) => `${prefix}:slack-posted:${key}`,
    budget: (method, channel) => `${prefix}:slack-rate:${method}${channel ? `:${channel}` : ''}`,
  };
}
