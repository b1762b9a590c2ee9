import { randomUUID } from 'node:crypto';
import type { WebClient } from '@slack/web-api';
import type { Redis } from 'ioredis';
import type { Clock } from '../clock.js';
import type { Logger } from '../logger.js';
import { digestBlocks, encodePick, type LongRunView } from '../messages/index.js';
import { loadLua } from '../store/index.js';
import type { DigestPolicy } from './cost-policy.js';
import type { Run, UsageLedger } from './ledger.js';
import type { PriceBook } from './prices.js';
import { personKey, summarize, type Window } from './report.js';
import { localMidnight, localParts, localToUtc } from './zoned.js';

const DAY = 24 * 3_600_000;
/** A digest whose time passed more than this long ago (the scheduler was down) is skipped, not posted late. */
const LATE_LIMIT_MS = DAY;
const RELEASE = loadLua(import.meta.url, 'scripts/claim-release.lua');

/**
 * The last scheduled digest time at or before `now` (weekday and hour in the policy's time zone),
 * and the week it covers: the seven days before it.
 */
export function digestSlot(
  now: number,
  p: Pick<DigestPolicy, 'weekday' | 'hour' | 'timeZone'>,
): Window & { at: number } {
  const today = localParts(now, p.timeZone);
  for (let back = 0; back <= 7; back++) {
    const weekday = (today.weekday - back + 7) % 7;
    if (weekday !== p.weekday) continue;
    const at = localToUtc(p.timeZone, today.year, today.month, today.day - back, p.hour);
    if (at > now) continue;
    const from = localToUtc(p.timeZone, today.year, today.month, today.day - back - 7, p.hour);
    return { at, from, to: at };
  }
  // Unreachable: within eight days back the weekday recurs at an hour already past.
  return { at: now, from: now - 7 * DAY, to: now };
}

/**
 * The notebooks that ran through a whole night (00:00–06:00 local) or the whole weekend
 * (Saturday 00:00 to Monday 00:00 local) inside `w`, most nights first.
 */
export function longRuns(
  runs: readonly Run[],
  w: Window,
  timeZone: string,
): Array<{ run: Run; nights: number; weekend: boolean }> {
  const nights: Window[] = [];
  const weekends: Window[] = [];
  for (let day = localMidnight(w.from, timeZone); day < w.to; day = localMidnight(day, timeZone, 1)) {
    const p = localParts(day, timeZone);
    const end = localToUtc(timeZone, p.year, p.month, p.day, 6);
    if (day >= w.from && end <= w.to) nights.push({ from: day, to: end });
    if (p.weekday === 6) {
      const monday = localToUtc(timeZone, p.year, p.month, p.day + 2, 0);
      if (day >= w.from && monday <= w.to) weekends.push({ from: day, to: monday });
    }
  }
  // One notebook may have several runs: merge by notebook, counting covered nights once.
  const byNotebook = new Map<string, { run: Run; nights: Set<number>; weekend: boolean }>();
  for (const run of runs) {
    const covered = nights.filter((n) => run.start <= n.from && run.end >= n.to).map((n) => n.from);
    const weekend = weekends.some((x) => run.start <= x.from && run.end >= x.to);
    if (covered.length === 0 && !weekend) continue;
    const entry = byNotebook.get(run.notebookId) ?? { run, nights: new Set<number>(), weekend: false };
    for (const n of covered) entry.nights.add(n);
    entry.weekend ||= weekend;
    if (run.open || run.end > entry.run.end) entry.run = run;
    byNotebook.set(run.notebookId, entry);
  }
  return [...byNotebook.values()]
    .map((e) => ({ run: e.run, nights: e.nights.size, weekend: e.weekend }))
    .sort(
      (a, b) =>
        Number(b.weekend) - Number(a.weekend) ||
        b.nights - a.nights ||
        a.run.notebookId.localeCompare(b.run.notebookId),
    );
}

export interface UsageDigestOptions {
  ledger: UsageLedger;
  redis: Redis;
  prefix: string;
  digest: DigestPolicy;
  prices?: PriceBook | undefined;
  /** Bot-token client. */
  slack: WebClient;
  clock: Clock;
  logger: Logger;
  /** How often the scheduler looks whether a digest is due. Default 1 min. */
  checkEveryMs?: number;
  /** How long a process may hold the week's claim while posting. Default 2 min. */
  claimTtlMs?: number;
}

export type DigestOutcome = 'posted' | 'not_due' | 'already_posted' | 'claimed_elsewhere' | 'too_late' | 'failed';

export interface UsageDigest {
  /** Posts the week's digest if it is due and no process posted it yet. */
  runDue(now?: number): Promise<DigestOutcome>;
  start(): void;
  stop(): Promise<void>;
}

/**
 * The weekly digest, posted once per week across every scheduler replica: the week's slot is
 * claimed in Redis (`usage:digest:<slot>`, SET NX with a short TTL), the message posted, then the
 * claim confirmed for two weeks. A failed post releases the claim and the next check retries; a
 * crash between the post and the confirmation may repeat it once (the lease notices' rule: a rare
 * duplicate over a lost message).
 */
export function createUsageDigest(o: UsageDigestOptions): UsageDigest {
  const log = o.logger.child({ component: 'usage-digest' });
  const claimTtl = o.claimTtlMs ?? 120_000;
  let timer: NodeJS.Timeout | undefined;
  let running: Promise<unknown> | undefined;

  async function compose(slot: Window, now: number) {
    const runs = await o.ledger.runsBetween(slot.from, slot.to, now);
    const summary = summarize(runs, slot, o.prices);
    const long: LongRunView[] = longRuns(runs, slot, o.digest.timeZone).map(({ run, nights, weekend }) => {
      const owner = personKey(run);
      const name = run.name ?? run.notebookId;
      return {
        notebookId: run.notebookId,
        name,
        ownerKey: owner,
        ...(run.flavor ? { flavor: run.flavor } : {}),
        nights,
        weekend,
        running: run.open,
        ...(run.open ? { stopValue: encodePick({ verb: 'stop', notebookId: run.notebookId, name }) } : {}),
      };
    });
    return digestBlocks({
      from: slot.from,
      to: slot.to,
      summary,
      top: o.digest.top,
      longRuns: long,
      timeZone: o.digest.timeZone,
    });
  }

  async function runDue(nowArg?: number): Promise<DigestOutcome> {
    const now = nowArg ?? o.clock.now();
    const slot = digestSlot(now, o.digest);
    const key = `${o.prefix}:usage:digest:${new Date(slot.at).toISOString()}`;
    const token = `R:${randomUUID()}`;
    const existing = await o.redis.get(key);
    if (existing?.startsWith('S:')) return 'already_posted';
    if (now - slot.at > LATE_LIMIT_MS) return 'too_late';
    if ((await o.redis.set(key, token, 'PX', claimTtl, 'NX')) !== 'OK') return 'claimed_elsewhere';
    try {
      const message = await compose(slot, now);
      const res = await o.slack.chat.postMessage({
        channel: o.digest.channel,
        text: message.text,
        blocks: message.blocks,
        unfurl_links: false,
        unfurl_media: false,
      });
      await o.redis.set(key, `S:${res.ts ?? now}`, 'PX', 14 * DAY);
      log.info({ slot: new Date(slot.at).toISOString(), channel: o.digest.channel }, 'weekly usage digest posted');
      return 'posted';
    } catch (err) {
      await RELEASE.run(o.redis, [key], [token]).catch(() => undefined);
      log.warn({ err, channel: o.digest.channel }, 'weekly usage digest not posted; retrying at the next check');
      return 'failed';
    }
  }

  return {
    runDue,
    start() {
      if (timer) return;
      timer = setInterval(() => {
        running ??= runDue()
          .catch((err: unknown) => log.warn({ err }, 'usage digest check failed'))
          .finally(() => {
            running = undefined;
          });
      }, o.checkEveryMs ?? 60_000);
      timer.unref();
    },
    async stop() {
      if (timer) clearInterval(timer);
      timer = undefined;
      await running;
    },
  };
}
