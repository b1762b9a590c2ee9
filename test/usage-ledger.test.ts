import type { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { UsageLedger } from '../src/usage/ledger.js';
import { deletePrefix, newRedis, uniquePrefix } from './support/redis.js';

/**
 * The ledger's promise: an observation counted twice (a retried job, a replayed scan, two
 * replicas) never doubles the hours, and an observation that arrives late never undoes a newer
 * one. Real Redis, the real Lua script.
 */

const H = 3_600_000;
const M = 60_000;
const T0 = Date.UTC(2026, 10, 2, 9);

let redis: Redis;
let prefix: string;
let ledger: UsageLedger;

beforeAll(() => {
  redis = newRedis();
  prefix = uniquePrefix('usage-ledger');
  ledger = new UsageLedger({ redis, prefix });
});

afterAll(async () => {
  await deletePrefix(redis, prefix);
  redis.disconnect();
});

async function runsOf(id: string) {
  const all = await ledger.runsBetween(T0 - 24 * H, T0 + 48 * H, T0 + 24 * H);
  return all.filter((r) => r.notebookId === id).map((r) => [r.start - T0, r.end - T0, r.open]);
}

describe('usage ledger', () => {
  it('replays and concurrent copies of the same observations count once', async () => {
    const base = { notebookId: 'dup', flavor: 'f', ownerId: 'U0A' };
    const start = { ...base, state: 'running' as const, at: T0 };
    const stop = { ...base, state: 'stopped' as const, at: T0 + 2 * H };
    expect((await Promise.all([ledger.observe(start), ledger.observe(start)])).sort()).toEqual(['open', 'opened']);
    expect(await ledger.observe({ ...start, at: T0 + H })).toBe('open');
    expect((await Promise.all([ledger.observe(stop), ledger.observe(stop), ledger.observe(stop)])).sort()).toEqual([
      'closed',
      'idle',
      'idle',
    ]);
    // A job retried after the stop replays its old RUNNING: stale, nothing reopens.
    expect(await ledger.observe({ ...start, at: T0 + H })).toBe('stale');
    expect(await runsOf('dup')).toEqual([[0, 2 * H, false]]);
  });

  it('a scan that listed before a job saw RUNNING cannot close the run the job saw', async () => {
    const base = { notebookId: 'race', flavor: 'f' };
    await ledger.observe({ ...base, state: 'running', at: T0 + 10 * M });
    // The scan's listing was taken at T0 + 5 min (the notebook was still STARTING then).
    expect(await ledger.observe({ ...base, state: 'stopped', at: T0 + 5 * M })).toBe('stale');
    expect(await runsOf('race')).toEqual([[10 * M, T0 + 24 * H - T0, true]]);
  });

  it('a run never outlasts its lease, never ends before it was last seen running, and a new run starts after the last stop', async () => {
    const base = { notebookId: 'lease', flavor: 'f' };
    await ledger.observe({ ...base, state: 'running', at: T0, leaseEnd: T0 + 3 * H });
    await ledger.observe({ ...base, state: 'running', at: T0 + H, leaseEnd: T0 + 4 * H }); // extended
    // Seen stopped long after: it ran until the lease's end (the auto-stop), not until now.
    await ledger.observe({ ...base, state: 'stopped', at: T0 + 6 * H });
    // Started again: a start hint before the last stop is clamped to it.
    await ledger.observe({ ...base, state: 'running', at: T0 + 7 * H, hint: T0 + 5 * H });
    // A stop hint before the last RUNNING sighting is clamped to that sighting.
    await ledger.observe({ ...base, state: 'running', at: T0 + 8 * H });
    await ledger.observe({ ...base, state: 'stopped', at: T0 + 9 * H, hint: T0 + 7.5 * H });
    expect(await runsOf('lease')).toEqual([
      [0, 4 * H, false],
      [6 * H, 8 * H, false],
    ]);
  });
});
