import { describe, expect, it } from 'vitest';
import {
  describeSpec,
  leaseProblem,
  parseDays,
  parseHours,
  parseTimeZone,
  type ScheduleSpec,
  weeklyHours,
  windowsAt,
  windowsBetween,
} from '../src/schedules/index.js';
import { localTime, zonedEpoch } from '../src/zoned-time.js';

const H = 3_600_000;
const iso = (t: number) => new Date(t).toISOString();

describe('schedules: parsing what people type', () => {
  it('reads days as words, lists, ranges (also across the week end) and mixes', () => {
    expect(parseDays('weekdays')).toEqual({ ok: true, value: [1, 2, 3, 4, 5] });
    expect(parseDays('daily')).toEqual({ ok: true, value: [0, 1, 2, 3, 4, 5, 6] });
    expect(parseDays('Mon,Wed,FRI')).toEqual({ ok: true, value: [1, 3, 5] });
    expect(parseDays('mon-thu')).toEqual({ ok: true, value: [1, 2, 3, 4] });
    expect(parseDays('fri-mon')).toEqual({ ok: true, value: [0, 1, 5, 6] });
    expect(parseDays('weekends,wed')).toEqual({ ok: true, value: [0, 3, 6] });
    const bad = parseDays('mon,funday');
    expect(bad.ok).toBe(false);
    expect(!bad.ok && bad.message).toContain('`funday` is not a day');
  });

  it('reads hours, overnight windows and 24:00, and says what is wrong otherwise', () => {
    expect(parseHours('09:00-19:00')).toEqual({ ok: true, value: { startMinute: 540, stopMinute: 1140 } });
    expect(parseHours('9-17:30')).toEqual({ ok: true, value: { startMinute: 540, stopMinute: 1050 } });
    expect(parseHours('22:00-06:00')).toEqual({ ok: true, value: { startMinute: 1320, stopMinute: 360 } });
    expect(parseHours('00:00-24:00')).toEqual({ ok: true, value: { startMinute: 0, stopMinute: 1440 } });
    for (const text of ['9am-5pm', '25:00-26:00', '09:00', '10:00-10:00', '09:75-10:00']) {
      const r = parseHours(text);
      expect(r.ok, text).toBe(false);
      expect(!r.ok && r.message, text).toMatch(/24-hour time/);
    }
  });

  it('accepts IANA time zones in any case and refuses unknown ones with an example', () => {
    expect(parseTimeZone('asia/shanghai')).toEqual({ ok: true, value: 'Asia/Shanghai' });
    expect(parseTimeZone('UTC')).toEqual({ ok: true, value: 'UTC' });
    const r = parseTimeZone('Mars/Olympus');
    expect(!r.ok && r.message).toContain('Asia/Shanghai');
  });
});

describe('schedules: windows in a time zone', () => {
  const ny: ScheduleSpec = { days: [1, 2, 3, 4, 5], startMinute: 540, stopMinute: 1140, timeZone: 'America/New_York' };

  it('keeps 09:00–19:00 wall time across the autumn DST change and skips the weekend', () => {
    // Fri 30 Oct 2026 is EDT (UTC−4); Sunday 1 Nov 02:00 falls back to EST (UTC−5).
    const ws = windowsBetween(ny, Date.UTC(2026, 9, 30), Date.UTC(2026, 10, 3, 15));
    expect(ws.map((w) => [iso(w.open), iso(w.close)])).toEqual([
      ['2026-10-30T13:00:00.000Z', '2026-10-30T23:00:00.000Z'],
      ['2026-11-02T14:00:00.000Z', '2026-11-03T00:00:00.000Z'],
      ['2026-11-03T14:00:00.000Z', '2026-11-04T00:00:00.000Z'],
    ]);
  });

  it('across the spring change: a start inside the gap happens at its end; the night is an hour shorter', () => {
    // 8 Mar 2026: 02:00 EST jumps to 03:00 EDT. A daily 01:30–02:30 window would open at 01:30 EST
    // and its 02:30 close does not exist: it closes at 03:30 EDT (= 07:30Z), an hour of real time.
    const spec: ScheduleSpec = { days: [0], startMinute: 90, stopMinute: 150, timeZone: 'America/New_York' };
    const [w] = windowsBetween(spec, Date.UTC(2026, 2, 7), Date.UTC(2026, 2, 9));
    expect(iso(w!.open)).toBe('2026-03-08T06:30:00.000Z');
    expect(iso(w!.close)).toBe('2026-03-08T07:30:00.000Z');
    // Overnight 22:00–06:00 on the night of the change lasts 7 h, not 8.
    const night: ScheduleSpec = { days: [6], startMinute: 1320, stopMinute: 360, timeZone: 'America/New_York' };
    const [n] = windowsBetween(night, Date.UTC(2026, 2, 7), Date.UTC(2026, 2, 9));
    expect((n!.close - n!.open) / H).toBe(7);
    // The autumn overlap: 01:30 happens twice; the first one counts.
    expect(iso(zonedEpoch({ y: 2026, m: 11, d: 1 }, 90, 'America/New_York'))).toBe('2026-11-01T05:30:00.000Z');
  });

  it('crosses month and year ends (overnight windows, 31st to 1st)', () => {
    const spec: ScheduleSpec = {
      days: [0, 1, 2, 3, 4, 5, 6],
      startMinute: 1320,
      stopMinute: 360,
      timeZone: 'Asia/Shanghai',
    };
    const dec31 = windowsBetween(spec, Date.UTC(2026, 11, 31, 12), Date.UTC(2026, 11, 31, 15)); // 20:00–23:00 CST
    expect(dec31.map((w) => [iso(w.open), iso(w.close)])).toEqual([
      ['2026-12-31T14:00:00.000Z', '2026-12-31T22:00:00.000Z'], // 22:00 on the 31st to 06:00 on 1 Jan
    ]);
    const feb = windowsBetween({ ...spec, days: [6] }, Date.UTC(2027, 1, 27), Date.UTC(2027, 1, 28, 12));
    expect(localTime(feb[0]!.close, 'Asia/Shanghai')).toMatchObject({ y: 2027, m: 2, d: 28, minute: 360 });
  });

  it('tells the window open now from the next one', () => {
    const at = Date.UTC(2026, 10, 2, 15); // Mon 10:00 EST
    const { current, next } = windowsAt(ny, at);
    expect(iso(current!.close)).toBe('2026-11-03T00:00:00.000Z');
    expect(iso(next!.open)).toBe('2026-11-03T14:00:00.000Z');
    expect(windowsAt(ny, Date.UTC(2026, 10, 1, 15)).current).toBeUndefined(); // Sunday
  });
});

describe('schedules: what a lease can hold', () => {
  const at = Date.UTC(2026, 10, 2);

  it('merges touching windows and refuses a run longer than 72 h with the reason', () => {
    const allWeek: ScheduleSpec = { days: [1, 2, 3, 4, 5], startMinute: 0, stopMinute: 1440, timeZone: 'UTC' };
    expect(leaseProblem(allWeek, at)).toMatch(
      /one run of 120 h without a stop \(mon 00:00 to sat 00:00\).*at most 72 h/,
    );
    // Three touching days are 72 h: allowed.
    expect(leaseProblem({ ...allWeek, days: [1, 2, 3] }, at)).toBeUndefined();
    expect(leaseProblem({ ...allWeek, days: [1, 2, 3, 4] }, at)).toMatch(/96 h/);
  });

  it('refuses a window shorter than the 1 h minimum lease', () => {
    expect(leaseProblem({ days: [1], startMinute: 540, stopMinute: 570, timeZone: 'UTC' }, at)).toMatch(
      /30 min is shorter than the 1 h/,
    );
  });

  it('counts scheduled hours per week and reads back as typed', () => {
    const spec: ScheduleSpec = { days: [1, 2, 3, 4, 5], startMinute: 540, stopMinute: 1140, timeZone: 'Asia/Shanghai' };
    expect(weeklyHours(spec, at)).toBe(50);
    expect(describeSpec(spec)).toBe('weekdays 09:00-19:00 Asia/Shanghai');
    expect(describeSpec({ ...spec, days: [5, 1, 3] })).toBe('mon,wed,fri 09:00-19:00 Asia/Shanghai');
  });
});
