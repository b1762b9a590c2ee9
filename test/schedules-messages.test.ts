import { describe, expect, it } from 'vitest';
import { buildHomeView } from '../src/messages/home.js';
import { leaseWarningMessage } from '../src/messages/lease-blocks.js';
import {
  decodeSkipStopValue,
  encodeSkipStopValue,
  SCHEDULE_ACTION_IDS,
  scheduleHomeLine,
} from '../src/messages/schedule-blocks.js';

const NOW = Date.UTC(2026, 10, 2, 18, 30);
const CLOSE = Date.UTC(2026, 10, 2, 19);

describe('working hours: what people read', () => {
  it('the warning before a scheduled stop says so and puts "Skip tonight\'s stop" beside Extend', () => {
    const item = {
      notebookId: 'nb-1',
      name: 'resnet <exp>',
      ownerId: 'U0OWNER01',
      lease: { createAt: CLOSE - 10 * 3_600_000, durationMs: 10 * 3_600_000, type: 'TIMING' as const },
    };
    const plain = leaseWarningMessage(item, NOW);
    expect(JSON.stringify(plain)).not.toContain(SCHEDULE_ACTION_IDS.skipStop);

    const msg = leaseWarningMessage(
      { ...item, scheduled: { text: 'weekdays 09:00-19:00 UTC', close: CLOSE, nextStart: CLOSE + 14 * 3_600_000 } },
      NOW,
    );
    const actions = msg.blocks.find((b) => b.type === 'actions') as {
      elements: Array<{ action_id: string; value: string; text: { text: string } }>;
    };
    expect(actions.elements.map((e) => e.text.text)).toEqual([
      'Extend +1 h',
      'Extend +4 h',
      "Skip tonight's stop",
      'Stop now',
      'Dismiss',
    ]);
    const skip = actions.elements.find((e) => e.action_id === SCHEDULE_ACTION_IDS.skipStop)!;
    expect(decodeSkipStopValue(skip.value)).toEqual({ notebookId: 'nb-1', name: 'resnet <exp>', close: CLOSE });
    expect(JSON.stringify(msg.blocks)).toContain(
      'This is the scheduled stop of `weekdays 09:00-19:00 UTC`; it starts again',
    );
    // Forged or truncated values are refused.
    for (const raw of [
      '',
      '{',
      '{"n":"x","m":"y"}',
      JSON.stringify({ n: 'x', m: 'y', s: -1 }),
      encodeSkipStopValue({ notebookId: '', name: 'y', close: 1 }),
    ]) {
      expect(decodeSkipStopValue(raw), raw).toBeUndefined();
    }
  });

  it("App Home shows the next start and stop in the notebook's section, and a Working hours button, within the block limit", () => {
    const notebooks = Array.from({ length: 30 }, (_, i) => ({
      id: `nb-${i}`,
      name: `nb-${i}`,
      status: i % 2 ? 'RUNNING' : 'STOPPED',
      live: true,
    }));
    const line = scheduleHomeLine({
      notebookId: 'nb-0',
      name: 'nb-0',
      ownerId: 'U1',
      text: 'weekdays 09:00-19:00 Asia/Shanghai',
      nextStart: CLOSE + 14 * 3_600_000,
      nextStop: CLOSE + 24 * 3_600_000,
      skips: [],
    });
    const view = buildHomeView({
      notebooks,
      startLeaseHours: 1,
      commandName: '/notebook',
      now: NOW,
      schedules: { 'nb-0': line },
    });
    expect(view.blocks.length).toBeLessThanOrEqual(100);
    const text = JSON.stringify(view.blocks);
    expect(text).toContain('weekdays 09:00-19:00 Asia/Shanghai');
    expect(text).toMatch(/next start <!date\^\d+/);
    expect(text.split(SCHEDULE_ACTION_IDS.homeSchedule).length - 1).toBe(25);
    // Without schedules configured, no button.
    expect(
      JSON.stringify(buildHomeView({ notebooks, startLeaseHours: 1, commandName: '/notebook', now: NOW }).blocks),
    ).not.toContain(SCHEDULE_ACTION_IDS.homeSchedule);
    // Schedules turned off for this user by the policy: the line stays, the button goes.
    const off = JSON.stringify(
      buildHomeView({
        notebooks,
        startLeaseHours: 1,
        commandName: '/notebook',
        now: NOW,
        schedules: { 'nb-0': line },
        refusals: { schedule: 'Schedules are turned off by the access policy here.' },
      }).blocks,
    );
    expect(off).toContain('weekdays 09:00-19:00 Asia/Shanghai');
    expect(off).not.toContain(SCHEDULE_ACTION_IDS.homeSchedule);
  });
});
