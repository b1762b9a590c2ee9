import { describe, expect, it } from 'vitest';
import { type Page, walkAllPages } from '../src/modelarts/pagination.js';

const ids = (n: number) => Array.from({ length: n }, (_, i) => `nb-${String(i).padStart(4, '0')}`);

/** An in-memory list endpoint where `offset` is the index of the first record (Huawei's reading). */
function listEndpoint(all: readonly string[], opts: { total?: boolean; maxLimit?: number } = {}) {
  const calls: Array<{ offset: number; limit: number }> = [];
  const fetchPage = async (offset: number, limit: number): Promise<Page<{ id: string }>> => {
    calls.push({ offset, limit });
    const size = Math.min(limit, opts.maxLimit ?? limit);
    const items = all.slice(offset, offset + size).map((id) => ({ id }));
    return { items, ...(opts.total === false ? {} : { total: all.length }) };
  };
  return { calls, fetchPage };
}

const walk = (fetchPage: (o: number, l: number) => Promise<Page<{ id: string }>>, pageSize = 10, maxPages = 100) =>
  walkAllPages({ fetchPage, idOf: (x) => x.id, pageSize, maxPages });

describe('walkAllPages', () => {
  for (const count of [0, 1, 9, 10, 11, 35]) {
    it(`collects all ${count} items in the fewest requests`, async () => {
      const all = ids(count);
      const api = listEndpoint(all);
      const result = await walk(api.fetchPage);
      expect(result.items.map((x) => x.id)).toEqual(all);
      expect(result.stop).toBe('complete');
      expect(api.calls).toHaveLength(Math.max(1, Math.ceil(count / 10)));
    });

    it(`collects all ${count} items without a total`, async () => {
      const all = ids(count);
      const api = listEndpoint(all, { total: false });
      const result = await walk(api.fetchPage);
      expect(result.items.map((x) => x.id)).toEqual(all);
      // Without a total, only an empty page says the end was reached (a short page may be a cap).
      expect(api.calls).toHaveLength(count === 0 ? 1 : Math.ceil(count / 10) + 1);
    });
  }

  it('advances offset by the items each page returned (as Terraform does)', async () => {
    const api = listEndpoint(ids(35));
    await walk(api.fetchPage);
    expect(api.calls.map((c) => c.offset)).toEqual([0, 10, 20, 30]);
  });

  it('copes with a server returning shorter pages than asked for', async () => {
    const all = ids(47);
    const api = listEndpoint(all, { maxLimit: 5 });
    const result = await walk(api.fetchPage, 20);
    expect(result.items.map((x) => x.id)).toEqual(all);
    expect(api.calls.map((c) => c.offset).slice(0, 3)).toEqual([0, 5, 10]);
  });

  it('stops when a server ignores offset (no new ids) instead of looping', async () => {
    const calls: number[] = [];
    const result = await walk(async (offset) => {
      calls.push(offset);
      return { items: ids(10).map((id) => ({ id })), total: 50 };
    });
    expect(result.stop).toBe('no-progress');
    expect(result.items).toHaveLength(10);
    expect(calls).toEqual([0, 10]);
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
      return { items: list.slice(offset, offset + 10).map((id) => ({ id })), total: list.length };
    });
    const got = result.items.map((x) => x.id);
    expect(new Set(got).size).toBe(got.length);
    expect(got).toEqual(expect.arrayContaining(all));
  });
});

describe('walkAllPages with pages in parallel', () => {
  const parallel = (fetchPage: (o: number, l: number) => Promise<Page<{ id: string }>>, concurrency = 4) =>
    walkAllPages({ fetchPage, idOf: (x) => x.id, pageSize: 10, maxPages: 100, concurrency });

  for (const count of [0, 9, 10, 11, 235]) {
    it(`collects all ${count} items in order, in the same number of requests, several at once`, async () => {
      const all = ids(count);
      const api = listEndpoint(all);
      let inFlight = 0;
      let most = 0;
      const result = await parallel(async (o, l) => {
        inFlight++;
        most = Math.max(most, inFlight);
        await new Promise((r) => setTimeout(r, 1));
        try {
          return await api.fetchPage(o, l);
        } finally {
          inFlight--;
        }
      });
      expect(result.items.map((x) => x.id)).toEqual(all);
      expect(result.stop).toBe('complete');
      expect(api.calls).toHaveLength(Math.max(1, Math.ceil(count / 10)));
      expect(most).toBeLessThanOrEqual(4);
      if (count > 50) expect(most).toBe(4);
    });
  }

  it('a service that caps the page lower than asked: offsets follow the first page', async () => {
    const all = ids(47);
    const api = listEndpoint(all, { maxLimit: 5 });
    const result = await parallel(api.fetchPage);
    expect(result.items.map((x) => x.id)).toEqual(all);
    expect(api.calls.map((c) => c.offset)).toEqual([0, 5, 10, 15, 20, 25, 30, 35, 40, 45]);
  });

  it('records added while the pages were fetched are picked up by walking on', async () => {
    const all = ids(30);
    let grown = false;
    const result = await parallel(async (offset, limit) => {
      if (offset > 0 && !grown) {
        grown = true;
        all.push(...ids(45).slice(30)); // 15 more notebooks appear at the end
      }
      return { items: all.slice(offset, offset + limit).map((id) => ({ id })), total: all.length };
    });
    expect(result.items.map((x) => x.id)).toEqual(ids(45));
    expect(result.stop).toBe('complete');
  });
});
