import { randomUUID } from 'node:crypto';
import type { WebClient } from '@slack/web-api';
import type { Logger } from '../logger.js';
import {
  type LeaseMessage,
  leaseEndedDigest,
  leaseEndedMessage,
  leaseWarningDigest,
  leaseWarningMessage,
} from '../messages/index.js';
import type { DueNotice } from './plan.js';
import { type PostOutcome, postLeaseMessage } from './slack-post.js';
import type { LeaseState } from './state.js';
import type { LeaseNoticeEvent, LeaseScanReport } from './watcher.js';

export interface NoticeDeliveryOptions {
  slack: WebClient;
  state: LeaseState;
  log: Logger;
  digestThreshold: number;
  reservationTtlMs: number;
  onWarningSent?: ((event: LeaseNoticeEvent) => void) | undefined;
  onSlackRateLimited?: ((method: string) => void) | undefined;
}

/**
 * The last phase of a scan: the due notices posted, grouped by channel (a digest instead of a
 * flood), each reserved, posted, then confirmed (or released for the next scan, or given up when
 * Slack will refuse it every time). Counts what it did into the scan's report.
 */
export function createNoticeDelivery(options: NoticeDeliveryOptions): {
  deliver(due: readonly DueNotice[], now: number, report: LeaseScanReport): Promise<void>;
} {
  const { state, log, digestThreshold, reservationTtlMs } = options;

  const emit = (event: LeaseNoticeEvent) => {
    try {
      options.onWarningSent?.(event);
    } catch (err) {
      log.warn({ err }, 'onWarningSent hook threw');
    }
  };

  async function deliver(due: readonly DueNotice[], now: number, report: LeaseScanReport): Promise<void> {
    const byChannel = new Map<string, DueNotice[]>();
    for (const d of due) {
      const list = byChannel.get(d.channelId) ?? [];
      list.push(d);
      byChannel.set(d.channelId, list);
    }
    for (const [channelId, list] of byChannel) {
      let rateLimited = false;
      // Warnings first: they can still change the outcome; expiry notices cannot.
      for (const kind of ['warning', 'ended'] as const) {
        const group = list.filter((d) => d.kind === kind);
        if (group.length === 0) continue;
        if (rateLimited) {
          report.deferred += group.length;
          continue;
        }
        const token = randomUUID();
        const mine: DueNotice[] = [];
        for (const d of group) {
          const r = await state.reserve(d.key, token, reservationTtlMs);
          if (r === 'reserved') mine.push(d);
          else if (r === 'sent' || r === 'failed') {
            if (d.kind === 'ended') await state.removeRunning([d.item.notebookId]);
          }
          // busy: another process is posting it right now.
        }
        if (mine.length === 0) continue;
        if (mine.length > digestThreshold) {
          const msg =
            kind === 'warning'
              ? leaseWarningDigest(
                  mine.map((d) => d.item),
                  now,
                )
              : leaseEndedDigest(mine.map((d) => d.item));
          const outcome = await postLeaseMessage(options.slack, channelId, undefined, msg);
          await settle(mine, outcome, token, now, report, true);
          if (!outcome.ok && outcome.kind === 'rate_limited') rateLimited = true;
          continue;
        }
        let posted = 0;
        for (const d of mine) {
          if (rateLimited) break;
          const msg: LeaseMessage = d.kind === 'warning' ? leaseWarningMessage(d.item, now) : leaseEndedMessage(d.item);
          const outcome = await postLeaseMessage(options.slack, channelId, d.threadTs, msg);
          await settle([d], outcome, token, now, report, false);
          posted += 1;
          if (!outcome.ok && outcome.kind === 'rate_limited') rateLimited = true;
        }
        // Free what we reserved but did not try, so the next scan (in any process) can.
        for (const d of mine.slice(posted)) await state.release(d.key, token);
        report.deferred += mine.length - posted;
      }
    }
  }

  async function settle(
    notices: readonly DueNotice[],
    outcome: PostOutcome,
    token: string,
    now: number,
    report: LeaseScanReport,
    digest: boolean,
  ): Promise<void> {
    if (outcome.ok) {
      for (const d of notices) {
        await state.confirm([d.key, ...d.alsoConfirm], d.sentTtlMs, now);
        if (d.kind === 'ended') {
          await state.removeRunning([d.item.notebookId]);
          report.expired += 1;
        } else {
          report.warned += 1;
        }
        emit({
          kind: d.kind === 'ended' ? 'expired' : digest ? 'digest' : 'single',
          threshold: d.threshold,
          notebookId: d.item.notebookId,
          channelId: d.channelId,
          messageTs: outcome.ts,
        });
      }
      if (digest) report.digests += 1;
      return;
    }
    const channelId = notices[0]?.channelId;
    if (outcome.kind === 'rate_limited') options.onSlackRateLimited?.('chat.postMessage');
    if (outcome.kind === 'permanent') {
      // Slack will refuse this every time (channel gone, bot removed): stop retrying this notice.
      log.warn(
        { channelId, error: outcome.error, count: notices.length },
        'lease notice undeliverable; giving up on it',
      );
      for (const d of notices) {
        await state.giveUp(d.key, outcome.error, d.sentTtlMs);
        if (d.kind === 'ended') await state.removeRunning([d.item.notebookId]);
      }
      return;
    }
    log.warn(
      { channelId, error: outcome.error, kind: outcome.kind, count: notices.length },
      'lease notice not posted; the next scan retries it',
    );
    for (const d of notices) await state.release(d.key, token);
    report.deferred += notices.length;
  }

  return { deliver };
}
