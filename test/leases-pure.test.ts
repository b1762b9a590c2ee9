import type { KnownBlock } from '@slack/types';
import { describe, expect, it } from 'vitest';
import { classifySlackError } from '../src/leases/slack-post.js';
import { slackDate } from '../src/messages/format.js';
import {
  ACTIONS_BLOCK_PREFIX,
  decodeLeaseActionValue,
  describeLeaseEnd,
  encodeLeaseActionValue,
  LEASE_ACTION_IDS,
  leaseEndedMessage,
  leaseOutcomeText,
  leaseWarningDigest,
  leaseWarningMessage,
  MAX_MESSAGE_BLOCKS,
  withLeaseOutcome,
} from '../src/messages/lease-blocks.js';
import {
  leaseFromApi,
  leaseKey,
  planExtension,
  planWarning,
  renewalDurationMs,
  timeLeftMs,
} from '../src/modelarts/lease-math.js';

const H = 3_600_000;
const M = 60_000;
const T0 = Date.UTC(2026, 0, 1, 9, 0);

describe('lease maths', () => {
  it('time left is create_at + duration - now (duration is the total, not the time left)', () => {
    const lease = leaseFromApi({ create_at: T0, duration: 2 * H, type: 'timing' })!;
    expect(lease).toEqual({ createAt: T0, durationMs: 2 * H, type: 'TIMING' });
    expect(timeLeftMs(lease, T0 + 90 * M)).toBe(30 * M);
    expect(leaseKey(lease)).toBe(`${T0}-${2 * H}`);
    expect(leaseFromApi({ duration: H })).toBeUndefined();
    expect(leaseFromApi({ create_at: T0, duration: H, type: 'idle' })?.type).toBe('IDLE');
  });

  it('plans only the most urgent threshold crossed, covering the less urgent ones', () => {
    expect(planWarning(31 * M, [30, 5])).toBeUndefined();
    expect(planWarning(30 * M, [30, 5])).toEqual({ threshold: 30, covers: [30] });
    expect(planWarning(29 * M, [5, 30])).toEqual({ threshold: 30, covers: [30] });
    // After downtime both were crossed: one warning for 5, and 30 is marked with it.
    expect(planWarning(4 * M, [30, 5])).toEqual({ threshold: 5, covers: [30, 5] });
    // The lease has ended: the "stopped" notice takes over.
    expect(planWarning(0, [30, 5])).toBeUndefined();
    expect(planWarning(-M, [30, 5])).toBeUndefined();
  });

  it('plans an extension as a new end, sent as the run time from now (RenewLease counts from now)', () => {
    // Run 3 h of a 4 h lease, add 1 h: it stops 2 h from now, so RenewLease gets 2 h.
    expect(planExtension({ createAt: T0, durationMs: 4 * H }, H, T0 + 3 * H)).toEqual({
      endAt: T0 + 5 * H,
      renewMs: 2 * H,
      addedMs: H,
      capped: false,
    });
    // Created five days ago: the total is far beyond 72 h, but from now it is only 1.5 h.
    const fiveDays = 120 * H;
    expect(planExtension({ createAt: T0, durationMs: fiveDays + H }, H, T0 + fiveDays + 30 * M)).toMatchObject({
      endAt: T0 + fiveDays + 2 * H,
      renewMs: 90 * M,
      capped: false,
    });
  });

  it('keeps a renewal within 1–72 h from now and says how much was really added', () => {
    // 70 h left, +4 h: 72 h from now at most.
    expect(planExtension({ createAt: T0, durationMs: 70 * H }, 4 * H, T0)).toEqual({
      endAt: T0 + 72 * H,
      renewMs: 72 * H,
      addedMs: 2 * H,
      capped: true,
    });
    expect(planExtension({ createAt: T0, durationMs: 72 * H }, H, T0)).toMatchObject({ addedMs: 0, capped: true });
    // 5 min left, +30 min: a renewal is at least 1 h, so it runs 1 h from now.
    expect(planExtension({ createAt: T0, durationMs: H }, 30 * M, T0 + 55 * M)).toMatchObject({
      endAt: T0 + 115 * M,
      renewMs: H,
      addedMs: 55 * M,
    });
    // A lease that already ended counts from now.
    expect(planExtension({ createAt: T0, durationMs: H }, 2 * H, T0 + 2 * H)).toMatchObject({
      endAt: T0 + 4 * H,
      renewMs: 2 * H,
    });
    expect(renewalDurationMs(T0 + 5 * H, T0 + 3 * H)).toBe(2 * H);
    expect(renewalDurationMs(T0 + 5 * H, T0 + 4.5 * H)).toBe(H);
    expect(renewalDurationMs(T0 + 100 * H, T0)).toBe(72 * H);
  });

  it('describes IDLE leases as an upper bound', () => {
    const idle = { createAt: T0, durationMs: H, type: 'IDLE' as const };
    expect(describeLeaseEnd(idle, T0 + 30 * M)).toBe(`stops when idle, at the latest ${slackDate(T0 + H)} (in 30 min)`);
    const timing = { ...idle, type: 'TIMING' as const };
    expect(describeLeaseEnd(timing, T0 + 30 * M)).toBe(`stops in 30 min (${slackDate(T0 + H)})`);
    // Time left rounds up: 29 min 30 s left reads "30 min", never less than remains.
    expect(describeLeaseEnd(timing, T0 + 30 * M + 30_000)).toBe(
      `stops in 30 min (<!date^${(T0 + H) / 1000}^{date_short_pretty} at {time}|2026-01-01 10:00 UTC>)`,
    );
  });
});

describe('lease blocks', () => {
  const item = (i: number, ownerId?: string) => ({
    notebookId: `nb-${i}`,
    name: `note<${i}>`,
    ...(ownerId ? { ownerId } : {}),
    lease: { createAt: T0, durationMs: 2 * H, type: 'TIMING' as const },
  });

  it('button values round-trip and reject forgeries', () => {
    const v = { notebookId: 'abc', name: 'n', createAt: T0, durationMs: H, type: 'IDLE' as const };
    expect(decodeLeaseActionValue(encodeLeaseActionValue(v))).toEqual(v);
    expect(decodeLeaseActionValue('{"n":"abc"}')).toBeUndefined();
    expect(decodeLeaseActionValue('not json')).toBeUndefined();
    expect(decodeLeaseActionValue(undefined)).toBeUndefined();
  });

  it('a warning mentions the owner, escapes the name and carries four buttons with the lease identity', () => {
    const msg = leaseWarningMessage(item(1, 'U1'), T0 + 90 * M);
    const json = JSON.stringify(msg.blocks);
    expect(msg.text).toContain('<@U1>');
    expect(json).toContain('<@U1> your notebook *note&lt;1&gt;* stops in 30 min');
    const actions = msg.blocks.find((b) => b.type === 'actions') as {
      elements: Array<{ action_id: string; value: string }>;
    };
    expect(actions.elements.map((e) => e.action_id)).toEqual([
      LEASE_ACTION_IDS.extend1h,
      LEASE_ACTION_IDS.extend4h,
      LEASE_ACTION_IDS.stop,
      LEASE_ACTION_IDS.dismiss,
    ]);
    expect(decodeLeaseActionValue(actions.elements[0]?.value)).toMatchObject({
      notebookId: 'nb-1',
      createAt: T0,
      durationMs: 2 * H,
    });
  });

  it('a warning without owner says nobody was mentioned', () => {
    const msg = leaseWarningMessage(item(1), T0 + 90 * M);
    expect(JSON.stringify(msg.blocks)).toContain('No owner in Slack');
    expect(msg.text).not.toContain('<@');
  });

  it('a digest keeps per-notebook buttons while the 50-block cap allows, else a compact list', () => {
    const small = leaseWarningDigest(
      [1, 2, 3, 4, 5, 6, 7].map((i) => item(i, `U${i}`)),
      T0 + 90 * M,
    );
    expect(small.blocks.filter((b) => b.type === 'actions')).toHaveLength(7);
    const big = leaseWarningDigest(
      Array.from({ length: 200 }, (_, i) => item(i, `U${i}`)),
      T0 + 90 * M,
    );
    expect(big.blocks.length).toBeLessThanOrEqual(MAX_MESSAGE_BLOCKS);
    expect(big.blocks.filter((b) => b.type === 'actions')).toHaveLength(0);
    const text = JSON.stringify(big.blocks);
    expect(text).toContain('<@U199>');
    for (const b of big.blocks) {
      if (b.type === 'section') expect((b as { text: { text: string } }).text.text.length).toBeLessThanOrEqual(3000);
    }
  });

  it('the ended notice offers "Start again"', () => {
    const msg = leaseEndedMessage(item(3, 'U3'));
    expect(JSON.stringify(msg.blocks)).toContain('stopped: its lease ended');
    expect(JSON.stringify(msg.blocks)).toContain(LEASE_ACTION_IDS.startAgain);
  });

  it('after a click, only that notebook loses its buttons', () => {
    const digest = leaseWarningDigest([item(1, 'U1'), item(2, 'U2')], T0);
    const out = withLeaseOutcome(digest.blocks, 'nb-2', leaseOutcomeText({ kind: 'stopped', userId: 'U2' }));
    expect(out).toBeDefined();
    const ids = (out as KnownBlock[]).map((b) => b.block_id);
    expect(ids).toContain(`${ACTIONS_BLOCK_PREFIX}nb-1`);
    expect(ids).not.toContain(`${ACTIONS_BLOCK_PREFIX}nb-2`);
    expect(JSON.stringify(out)).toContain('<@U2> stopped it.');
    // A second update for the same notebook finds nothing to replace.
    expect(withLeaseOutcome(out as KnownBlock[], 'nb-2', 'x')).toBeUndefined();
  });

  it('says when the 72 h cap cut an extension short', () => {
    const text = leaseOutcomeText({
      kind: 'extended',
      userId: 'U1',
      requestedMs: 4 * H,
      plan: planExtension({ createAt: T0, durationMs: 70 * H }, 4 * H, T0),
    });
    expect(text).toContain('<@U1> extended by 2 h (asked 4 h)');
    expect(text).toContain(`it now stops ${slackDate(T0 + 72 * H)}, 72 h from now, the most ModelArts allows`);
  });
});

describe('Slack error classification', () => {
  it('sorts rate limits, permanent and transient failures', () => {
    expect(classifySlackError({ code: 'slack_webapi_rate_limited_error', retryAfter: 3 })).toMatchObject({
      kind: 'rate_limited',
      retryAfterSec: 3,
    });
    expect(
      classifySlackError({ code: 'slack_webapi_platform_error', data: { error: 'channel_not_found' } }),
    ).toMatchObject({
      kind: 'permanent',
    });
    expect(classifySlackError({ code: 'slack_webapi_platform_error', data: { error: 'invalid_auth' } })).toMatchObject({
      kind: 'transient',
    });
    expect(classifySlackError(new Error('socket hang up'))).toMatchObject({ kind: 'transient' });
  });
});

describe('lease blocks escaping', () => {
  it('keeps a hostile name inert in blocks and fallback text', () => {
    const evil = {
      notebookId: 'x',
      name: '<!channel> @here',
      lease: { createAt: T0, durationMs: H, type: 'TIMING' as const },
    };
    for (const msg of [leaseWarningMessage(evil, T0), leaseEndedMessage(evil), leaseWarningDigest([evil], T0)]) {
      // Button values are data, never rendered: only what Slack renders must be inert.
      const rendered = JSON.stringify(msg.blocks, (k, v) => (k === 'value' ? undefined : v));
      const all = msg.text + rendered;
      expect(all).not.toContain('<!channel>');
      expect(all).not.toMatch(/@here/);
    }
  });
});
