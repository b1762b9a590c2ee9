import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { jobIdForOp } from '../src/jobs/index.js';
import { createLogger } from '../src/logger.js';
import type { Operation } from '../src/operations/index.js';
import {
  createScheduleCron,
  createScheduleRunner,
  createScheduleService,
  type ScheduleService,
  ScheduleStore,
} from '../src/schedules/index.js';
import { CHANNEL, createHarness, H, type Harness, M, OWNER, THREAD, withProductionWorker } from './leases-harness.js';
import { newRedis } from './support/redis.js';
import { waitUntil } from './support/stack.js';

/**
 * The scheduler on the injected clock (ManualClock shared with the simulator), against the
 * simulator over HTTP, a real Redis, the real queue producer and the production worker: what a
 * weekday schedule does over a weekend and a DST change, after downtime, with two replicas, and
 * with a skipped stop. Every time asserted is the injected clock's.
 */

const logger = createLogger({ level: 'silent' });
const NY = 'America/New_York';
// Fri 30 Oct 2026 is EDT (UTC−4); Sun 1 Nov falls back to EST (UTC−5).
const FRI_0900 = Date.UTC(2026, 9, 30, 13);
const FRI_1900 = Date.UTC(2026, 9, 30, 23);
const MON_0900_EST = Date.UTC(2026, 10, 2, 14);
const MON_1900_EST = Date.UTC(2026, 10, 3, 0);

const until = <T>(fn: () => T | undefined | false | Promise<T | undefined | false>, timeoutMs = 15_000) =>
  waitUntil(fn, timeoutMs);

describe('working hours: the scheduler tick', () => {
  let h: Harness;
  let store: ScheduleStore;
  let service: ScheduleService;
  const extra: Array<{ disconnect(): void }> = [];

  beforeEach(async () => {
    h = await createHarness(FRI_0900 - 60 * M);
    store = new ScheduleStore({ redis: h.redis, prefix: h.prefix });
    service = createScheduleService({
      schedules: store,
      api: h.api,
      queue: h.queue,
      access: h.access,
      redis: h.redis,
      prefix: h.prefix,
      clock: h.clock,
      logger,
      defaultTimeZone: 'UTC',
    });
  });
  afterEach(async () => {
    for (const c of extra.splice(0)) c.disconnect();
    await h.close();
  });

  function runner(redis = h.redis) {
    return createScheduleRunner({
      api: h.api,
      schedules: new ScheduleStore({ redis, prefix: h.prefix }),
      queue: h.queue,
      access: h.access,
      redis,
      prefix: h.prefix,
      slack: h.web,
      clock: h.clock,
      logger,
    });
  }

  /** A STOPPED notebook owned by OWNER with a thread in CHANNEL, scheduled as given. */
  async function scheduled(hours = '09:00-19:00', days = 'weekdays', tz = NY): Promise<string> {
    const [id] = await h.seed({ name: 'nb', durationMs: 2 * H, elapsedMs: 3 * H });
    h.sim.instances.force(id!, 'STOPPED');
    const r = await service.set(
      { userId: OWNER },
      { id: id!, name: 'nb-0', ownerId: OWNER, channelId: CHANNEL, threadTs: THREAD },
      { days, hours, timeZone: tz },
    );
    expect(r.ok, r.message).toBe(true);
    return id!;
  }

  async function job(opId: string): Promise<Operation | undefined> {
    return (await h.queue.queue.getJob(jobIdForOp(opId)))?.data.op;
  }
  function leaseEnd(id: string): number {
    const l = h.sim.instances.get(id)!.lease!;
    return l.create_at + l.duration;
  }
  const status = (id: string) => h.sim.instances.get(id)!.status;

  it('weekdays 09:00-19:00 New York: starts Friday 09:00 EDT with a lease to 19:00, nothing on the weekend, Monday 09:00 EST after the DST change', async () => {
    const id = await scheduled();
    const r = runner();

    h.clock.set(FRI_0900 - M);
    expect(await r.runOnce()).toMatchObject({ started: 0 });
    expect(await h.jobCount()).toBe(0);

    h.clock.set(FRI_0900);
    expect(await r.runOnce()).toMatchObject({ started: 1 });
    const op = await job(`sched-start-${id}-${FRI_0900}`);
    expect(op).toMatchObject({ kind: 'start', durationMs: 10 * H, leaseType: 'TIMING', requester: { userId: OWNER } });
    // The real worker starts it: the lease ModelArts reports ends at 19:00 EDT.
    await withProductionWorker(h, () => until(() => status(id) !== 'STOPPED'));
    expect(leaseEnd(id)).toBe(FRI_1900);
    // The status message in the notebook's thread says a schedule asked for it.
    const queued = h.slack.callsTo('chat.postMessage').find((c) => c.args['thread_ts'] === THREAD);
    expect(JSON.stringify(queued?.args['blocks'])).toContain('On schedule `weekdays 09:00-19:00 America/New_York`');

    // Ticks during the day do nothing more.
    h.clock.set(FRI_0900 + 30 * M);
    expect(await r.runOnce()).toMatchObject({ started: 0, extended: 0 });
    // The lease watch warns before the scheduled stop, with the Skip button beside Extend.
    const watcher = h.watcher({ scheduledStop: (nb, end) => service.scheduledStop(nb, end) });
    h.clock.set(FRI_1900 - 30 * M);
    await watcher.scanOnce();
    const warning = h.leasePosts().at(-1)!;
    expect(JSON.stringify(warning.args['blocks'])).toContain("Skip tonight's stop");
    expect(JSON.stringify(warning.args['blocks'])).toContain(
      'This is the scheduled stop of `weekdays 09:00-19:00 America/New_York`',
    );
    // ModelArts stops it at its lease end, 19:00, and not before.
    h.clock.set(FRI_1900 - M);
    expect(status(id)).toBe('RUNNING');
    h.clock.set(FRI_1900 + M);
    expect(['STOPPING', 'STOPPED']).toContain(status(id));
    expect(await r.runOnce()).toMatchObject({ stopped: 0 }); // the lease did it: no second stop
    h.clock.set(FRI_1900 + 10 * M);
    expect(status(id)).toBe('STOPPED');
    // The notice after the stop says it was the scheduled one, and when it starts again (Monday).
    await watcher.scanOnce();
    const ended = JSON.stringify(h.leasePosts().at(-1)!.args['blocks']);
    expect(ended).toContain('That was the scheduled stop of `weekdays 09:00-19:00 America/New_York`');
    expect(ended).toContain(`<!date^${MON_0900_EST / 1000}^`);

    // Saturday and Sunday, every hour: nothing, and not one ModelArts call.
    const before = await h.jobCount();
    const calls = h.sim.stats.total;
    for (let t = FRI_1900 + H; t < MON_0900_EST - H; t += H) {
      h.clock.set(t);
      await r.runOnce();
    }
    // 08:00 EST on Monday is 09:00 in the old offset: still nothing.
    h.clock.set(MON_0900_EST - H);
    await r.runOnce();
    expect(await h.jobCount()).toBe(before);
    expect(h.sim.stats.total).toBe(calls);

    h.clock.set(MON_0900_EST);
    expect(await r.runOnce()).toMatchObject({ started: 1 });
    expect(await job(`sched-start-${id}-${MON_0900_EST}`)).toMatchObject({ kind: 'start', durationMs: 10 * H });
    await withProductionWorker(h, () => until(() => status(id) !== 'STOPPED'));
    expect(leaseEnd(id)).toBe(MON_1900_EST);
  });

  it('after downtime: starts late while the window is open (and says so), never after it closed; a late start past the 1 h minimum is stopped at the close', async () => {
    const id = await scheduled();
    // Another notebook whose window (06:00-08:00) closes while the bot is down, and a third that
    // opens at noon, set up before the downtime too.
    const other = await scheduled('06:00-08:00');
    const third = await scheduled('12:00-19:00');
    const r = runner();
    // Down from before 09:00 until 11:30: started at once, lease to 19:00, a line says it is late.
    h.clock.set(FRI_0900 + 2.5 * H);
    expect(await r.runOnce()).toMatchObject({ started: 1 });
    expect(await job(`sched-start-${id}-${FRI_0900}`)).toMatchObject({ durationMs: 7.5 * H });
    const late = h.slack.callsTo('chat.postMessage').find((c) => String(c.args['text']).includes('starting late'));
    expect(late?.args).toMatchObject({ channel: CHANNEL, thread_ts: THREAD });

    // The window that closed while the bot was down: nothing, not even late.
    expect(await job(`sched-start-${other}-${Date.UTC(2026, 9, 30, 10)}`)).toBeUndefined();
    expect(status(other)).toBe('STOPPED');

    // Down again from 11:31 until 18:30: the noon start is 6.5 h late and 30 min are left.
    // ModelArts' minimum lease is 1 h, so it is started for 1 h…
    h.clock.set(FRI_1900 - 30 * M);
    expect(await r.runOnce()).toMatchObject({ started: 1 });
    expect(await job(`sched-start-${third}-${Date.UTC(2026, 9, 30, 16)}`)).toMatchObject({ durationMs: H });
    await withProductionWorker(h, () => until(() => status(third) !== 'STOPPED'));
    h.clock.set(FRI_1900 - 20 * M);
    expect(status(third)).toBe('RUNNING');
    // …and the scheduler stops it at 19:00 itself, once.
    h.clock.set(FRI_1900 + M);
    expect(await r.runOnce()).toMatchObject({ stopped: 1 });
    expect(await job(`sched-stop-${third}-${FRI_1900}`)).toMatchObject({ kind: 'stop' });
    expect(await r.runOnce()).toMatchObject({ stopped: 0 });
    await withProductionWorker(h, () => until(() => ['STOPPING', 'STOPPED'].includes(status(third))));
    h.clock.set(FRI_1900 + 2 * M);
    expect(status(third)).toBe('STOPPED');
  });

  it('at the opening: a running notebook with a shorter lease is extended to the close, a longer one is left alone, one that cannot start gets the reason in its thread', async () => {
    const set = async (id: string) => {
      const r = await service.set(
        { userId: OWNER },
        { id, name: 'nb', ownerId: OWNER, channelId: CHANNEL, threadTs: THREAD },
        { days: 'weekdays', hours: '09:00-19:00', timeZone: NY },
      );
      expect(r.ok, r.message).toBe(true);
    };
    // At 08:00: one runs until 12:00, one until 20:00, one is broken.
    const [short] = await h.seed({ name: 'short', durationMs: 4 * H });
    const [long] = await h.seed({ name: 'long', durationMs: 12 * H });
    const [broken] = await h.seed({ name: 'broken', durationMs: 2 * H });
    h.sim.instances.force(broken!, 'ERROR');
    for (const id of [short!, long!, broken!]) await set(id);

    h.clock.set(FRI_0900);
    expect(await runner().runOnce()).toMatchObject({ started: 0, extended: 1, failed: 1 });
    expect(await job(`sched-extend-${short}-${FRI_0900}`)).toMatchObject({ kind: 'extend', addMs: 7 * H });
    expect(await job(`sched-extend-${long}-${FRI_0900}`)).toBeUndefined();
    await withProductionWorker(h, () => until(() => leaseEnd(short!) === FRI_1900));
    expect(leaseEnd(long!)).toBe(FRI_0900 + 11 * H);
    const failed = h.slack.callsTo('chat.postMessage').find((c) => String(c.args['text']).includes('did not happen'));
    expect(failed?.args).toMatchObject({ channel: CHANNEL, thread_ts: THREAD });
    expect(String(failed?.args['text'])).toContain('it is `ERROR`, and only a stopped notebook can be started');
  });

  it("skip <date> leaves out that day's start only; a date without hours or a bad date is explained", async () => {
    const id = await scheduled();
    const who = { userId: OWNER };
    const nb = { id, name: 'nb-0', ownerId: OWNER };
    expect((await service.skip(who, nb, '2026-11-02')).message).toMatch(/the scheduled start .* is skipped/);
    expect((await service.skip(who, nb, '2026-11-02')).message).toContain('was already skipped');
    expect((await service.skip(who, nb, '2026-10-31')).message).toContain('has no scheduled start on 2026-10-31');
    expect((await service.skip(who, nb, '2026-02-30')).message).toContain('a date such as');
    const r = runner();
    h.clock.set(MON_0900_EST);
    expect(await r.runOnce()).toMatchObject({ started: 0, skipped: 1 });
    expect(status(id)).toBe('STOPPED');
    h.clock.set(MON_0900_EST + 24 * H);
    expect(await r.runOnce()).toMatchObject({ started: 1 });
  });

  it('two scheduler replicas start a notebook once (same tick slot, and the same opening in two slots)', async () => {
    const id = await scheduled();
    const redis2 = newRedis();
    extra.push(redis2);
    const a = runner();
    const b = runner(redis2);
    h.clock.set(FRI_0900);
    // Two processes race on the same opening.
    const [ra, rb] = await Promise.all([a.runOnce(), b.runOnce()]);
    expect(ra.started + rb.started).toBe(1);
    // Their cron ticks: one slot, one run.
    const cronA = createScheduleCron({ store, log: logger, run: () => a.runOnce() });
    const cronB = createScheduleCron({
      store: new ScheduleStore({ redis: redis2, prefix: h.prefix }),
      log: logger,
      run: () => b.runOnce(),
    });
    const slot = new Date(FRI_0900 + M);
    const ticks = await Promise.all([cronA.runTick(slot), cronB.runTick(slot)]);
    expect(ticks.filter((t) => t !== undefined)).toHaveLength(1);
    await withProductionWorker(h, () => until(() => status(id) !== 'STOPPED'));
    const starts = h.sim.stats.log.filter((l) => l.operation === 'start' && l.path.includes(id));
    expect(starts).toHaveLength(1);
    expect(h.slack.callsTo('chat.postMessage').filter((c) => c.args['thread_ts'] === THREAD)).toHaveLength(1);
  });

  it('a scheduler that died between claiming an opening and queueing the start: once its claim lapses, the next tick starts the notebook, once', async () => {
    const id = await scheduled();
    h.clock.set(FRI_0900 + M);
    // Another replica claimed the opening (in progress) and died before queueing anything.
    expect(await store.claimOccurrence(id, 'open', FRI_0900, 10 * H, 300)).toBe(true);
    const r = runner();
    expect((await r.runOnce()).started).toBe(0);
    // Its claim lapses (Redis time); the opening is still open: this tick does it.
    await until(async () => (await h.redis.pttl(`${h.prefix}:sched:done:${id}:open:${FRI_0900}`)) < 0);
    expect((await r.runOnce()).started).toBe(1);
    // Made final: later ticks in the same window leave it alone.
    h.clock.set(FRI_0900 + 5 * M);
    expect((await r.runOnce()).started).toBe(0);
    await withProductionWorker(h, () => until(() => status(id) !== 'STOPPED'));
    expect(h.sim.stats.log.filter((l) => l.operation === 'start' && l.path.includes(id))).toHaveLength(1);
  });

  it("a skipped stop is not stopped, and the next day's is", async () => {
    const id = await scheduled();
    const r = runner();
    h.clock.set(MON_0900_EST);
    const MON_STOP = MON_1900_EST;
    const TUE_STOP = MON_1900_EST + 24 * H;
    await r.runOnce();
    await withProductionWorker(h, () => until(() => status(id) !== 'STOPPED'));
    expect(leaseEnd(id)).toBe(MON_STOP);

    // At 18:35 the owner skips tonight's stop: the lease is extended to Tuesday 19:00.
    h.clock.set(MON_STOP - 25 * M);
    const skipped = await service.skip({ userId: OWNER }, { id, name: 'nb-0', ownerId: OWNER }, 'next');
    expect(skipped.message).toContain('is skipped. It keeps running until the next scheduled stop');
    expect(await job(`sched-skip-${id}-${MON_STOP}`)).toMatchObject({ kind: 'extend', addMs: 24 * H });
    await withProductionWorker(h, () => until(() => leaseEnd(id) === TUE_STOP));

    h.clock.set(MON_STOP + 5 * M);
    expect(await r.runOnce()).toMatchObject({ stopped: 0 });
    expect(status(id)).toBe('RUNNING');
    // Tuesday 09:00: running, lease long enough: left alone.
    h.clock.set(MON_STOP + 14 * H);
    expect(await r.runOnce()).toMatchObject({ started: 0, extended: 0 });
    h.clock.set(TUE_STOP - M);
    expect(status(id)).toBe('RUNNING');
    h.clock.set(TUE_STOP + M);
    expect(['STOPPING', 'STOPPED']).toContain(status(id));
  });
});
