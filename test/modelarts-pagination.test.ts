import { describe, expect, it } from 'vitest';
import { inferOffsetMode, type Page, walkAllPages } from '../src/modelarts/pagination.js';

const ids = (n: number) => Array.from({ length: n }, (_, i) => `nb-${String(i).padStart(4, '0')}`);

/** An in-memory list endpoint reading `offset` one way or the other. */
function listEndpoint(
  all: readonly string[],
  reading: 'page' | 'record',
  opts: { total?: boolean; maxLimit?: number } = {},
) {
  const calls: Array<{ offset: number; limit: number }> = [];
  const fetchPage = async (offset: number, limit: number): Promise<Page<{ id: string }>> => {
    calls.push({ offset, limit });
    const size = Math.min(limit, opts.maxLimit ?? limit);
    const start = reading === 'page' ? offset * size : offset;
    const items = all.slice(start, start + size).map((id) => ({ id }));
    return { items, ...(opts.total === false ? {} : { total: all.length }) };
  };
  return { calls, fetchPage };
}

const walk = (fetchPage: (o: number, l: number) => Promise<Page<{ id: string }>>, pageSize = 10, maxPages = 100) =>
  walkAllPages({ fetchPage, idOf: (x) => x.id, pageSize, maxPages });

describe('walkAllPages', () => {
  for (const reading of ['page', 'record'] as const) {
    for (const count of [0, 1, 9, 10, 11, 35]) {
      it(`collects all ${count} items when offset is a ${reading} ${reading === 'page' ? 'index' : 'offset'}`, async () => {
        const all = ids(count);
        const api = listEndpoint(all, reading);
        const result = await walk(api.fetchPage);
        expect(result.items.map((x) => x.id)).toEqual(all);
        expect(result.stop).toBe('complete');
        // At most one extra request over the minimum (the probe's overlap under a record offset).
        expect(api.calls.length).toBeLessThanOrEqual(Math.max(1, Math.ceil(count / 10)) + 1);
        if (count > 10) expect(result.mode).toBe(reading);
      });

      it(`collects all ${count} items without a total (${reading} reading)`, async () => {
        const all = ids(count);
        const api = listEndpoint(all, reading, { total: false });
        const result = await walk(api.fetchPage);
        expect(result.items.map((x) => x.id)).toEqual(all);
      });
    }

    it(`copes with a server capping the page size (${reading} reading)`, async () => {
      const all = ids(47);
      const api = listEndpoint(all, reading, { maxLimit: 5 });
      const result = await walk(api.fetchPage, 20);
      expect(result.items.map((x) => x.id)).toEqual(all);
    });
  }

  it('advances by records after the probe under a record offset', async () => {
    const api = listEndpoint(ids(35), 'record');
    await walk(api.fetchPage);
    expect(api.calls.map((c) => c.offset)).toEqual([0, 1, 11, 21, 31]);
  });

  it('advances by pages under a page index', async () => {
    const api = listEndpoint(ids(35), 'page');
    await walk(api.fetchPage);
    expect(api.calls.map((c) => c.offset)).toEqual([0, 1, 2, 3]);
  });

  it('stops when a server ignores offset (no new ids) instead of looping', async () => {
    const calls: number[] = [];
    const result = await walk(async (offset) => {
      calls.push(offset);
      return { items: ids(10).map((id) => ({ id })), total: 50 };
    });
    expect(result.stop).toBe('no-progress');
    expect(result.items).toHaveLength(10);
    expect(calls).toEqual([0, 1]);
  });

  it('stops at the page cap against a server that never ends', async () => {
    let n = 0;
    const result = await walk(async () => ({ items: [{ id: `x${n++}` }] }), 10, 7);
    expect(result.stop).toBe('page-cap');
    expect(result.pagesFetched).toBe(7);
    expect(result.items).toHaveLength(7);
  });

  it('deduplicates items that shift between pages while walking', async () => {
    // A notebook created after the first page pushes one item down onto the second page.
    const all = ids(25);
    let created = false;
    const result = await walk(async (offset) => {
      const list = created ? ['new', ...all] : all;
      created = true;
      return { items: list.slice(offset * 10, offset * 10 + 10).map((id) => ({ id })), total: list.length };
    });
    const got = result.items.map((x) => x.id);
    expect(new Set(got).size).toBe(got.length);
    expect(got).toEqual(expect.arrayContaining(all));
    expect(result.mode).toBe('page');
  });
});

describe('inferOffsetMode', () => {
  const first = new Set(ids(10));
  it('reads a shifted first page as a record offset', () => {
    expect(inferOffsetMode(first, ids(11).slice(1))).toBe('record');
  });
  it('reads a disjoint or slightly overlapping page as a page index', () => {
    expect(inferOffsetMode(first, ['a', 'b', 'c'])).toBe('page');
    expect(inferOffsetMode(first, ['nb-0009', 'a', 'b', 'c'])).toBe('page');
  });
  it('breaks ties towards page (the safe mistake)', () => {
    expect(inferOffsetMode(new Set(['a', 'b']), ['b', 'c'])).toBe('page');
  });
});
