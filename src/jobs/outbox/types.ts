import { createHash } from 'node:crypto';
import type { KnownBlock } from '@slack/types';
import type { Job, Worker } from 'bullmq';
import type { RenderedMessage } from '../../messages/index.js';

/** Name of the queue that carries every Slack Web API call a worker makes. */
export const SLACK_QUEUE = 'slack';

/**
 * Order on the Slack queue (BullMQ `priority`: lower first). What a person is waiting for (the
 * ready or failed state of a status message, a thread reply) runs before coalesced progress,
 * which runs before App Home refreshes.
 */
export const SLACK_PRIORITY = { urgent: 1, progress: 5, home: 10 } as const;

/** A message the worker keeps up to date (the status message of one operation). */
export interface StatusMessageTarget {
  channel: string;
  ts: string;
  /**
   * Who the message is for (the requester): when its channel is gone, an outcome (ready, failed)
   * reaches them as a direct message instead.
   */
  userId?: string;
}

/** Where a posted message landed. */
export interface PostedMessage {
  channel: string;
  ts: string;
}

/** A one-shot message (a thread reply). */
export interface OneShotMessage {
  channel: string;
  text: string;
  threadTs?: string;
  blocks?: KnownBlock[];
}

/** Longest backoff between two tries of a message through transient Slack failures. */
export const SLACK_MAX_RETRY_DELAY_MS = 60_000;

/** Consecutive transient failures of a Slack job, and since when (epoch ms): the retry budget. */
export interface Failures {
  failures?: number;
  failingSince?: number;
}

export interface RenderJobData extends Failures {
  /** Message key (the operation's job id). */
  key: string;
  /** Ownership generation this job serves (see scripts/publish.lua). */
  owner: string;
}

export interface PostJobData extends OneShotMessage, Failures {
  key: string;
  /** A reserved send time in the channel's budget (epoch ms): at or after it, send without asking again. */
  slotAt?: number;
}

export interface HomeJobData extends Failures {
  userId: string;
}

export type SlackJobData = RenderJobData | PostJobData | HomeJobData;
export type SlackJobName = 'render' | 'post' | 'home';
export type SlackJob = Job<SlackJobData, void, SlackJobName>;
/** The Slack queue's worker. */
export type SlackWorker = Worker<SlackJobData, void, SlackJobName>;

/** A digest of a rendered message: equal digests, equal messages (what the notifier compares). */
export function messageDigest(message: RenderedMessage): string {
  return createHash('sha1')
    .update(message.text)
    .update('\u0000')
    .update(JSON.stringify(message.blocks))
    .digest('base64');
}

export const DAY_MS = 86_400_000;
