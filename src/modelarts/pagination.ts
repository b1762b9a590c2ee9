/**
 * Walking ModelArts list endpoints to the end.
 *
 * The docs do not settle what `offset` means: "start offset of the records" (a record offset) in
 * one place, while responses carry `current` (a page number) and `pages`, which fit a page index.
 * The walker works under either reading: it asks for offset 0, then offset 1, and tells the two
 * readings apart by what comes back. Under a record offset, offset 1 is the first page shifted by
 * one record, so most of it was already seen; under a page index it is the next page, all new.
 * `current` is not used for this: it is 0 for the first page under both readings, and it is not
 * documented whether it counts from 0 or 1.
 */

/** One page as the walker needs it. */
export interface Page<T> {
  items: readonly T[];
  /** Total records, when the service says. */
  total?: number | undefined;
}

export type OffsetMode = 'page' | 'record';

export interface WalkOptions<T> {
  fetchPage: (offset: number, limit: number) => Promise<Page<T>>;
  idOf: (item: T) => string;
  pageSize: number;
  /** Hard stop against a server that keeps returning "new" ids forever. */
  maxPages: number;
}

export interface WalkResult<T> {
  /** Every distinct item, first occurrence kept, in the order first seen. */
  items: T[];
  /** Why the walk ended. Anything but 'complete' means the list may be partial. */
  stop: 'complete' | 'no-progress' | 'page-cap';
  pagesFetched: number;
  /** The offset reading inferred, once a second page was fetched. */
  mode?: OffsetMode;
  /** The last `total` the service reported. */
  total?: number;
}

/**
 * Fetches pages until one is empty, the reported `total` is reached, a page adds no new id, or
 * `maxPages` pages were fetched. Items are deduplicated by id, so overlapping pages (from the
 * record-offset probe, or from notebooks created while walking) are harmless.
 */
export async function walkAllPages<T>(options: WalkOptions<T>): Promise<WalkResult<T>> {
  const seen = new Map<string, T>();
  let firstPageIds: ReadonlySet<string> = new Set();
  let mode: OffsetMode | undefined;
  let total: number | undefined;
  let offset = 0;
  for (let pagesFetched = 1; pagesFetched <= options.maxPages; pagesFetched++) {
    const page = await options.fetchPage(offset, options.pageSize);
    total = page.total ?? total;
    const ids = page.items.map(options.idOf);
    const added = addNew(seen, page.items, ids);
    if (pagesFetched === 2) mode = inferOffsetMode(firstPageIds, ids);
    const result = {
      items: [...seen.values()],
      pagesFetched,
      ...(mode ? { mode } : {}),
      ...(total !== undefined ? { total } : {}),
    };
    if (page.items.length === 0 || (total !== undefined && seen.size >= total)) return { ...result, stop: 'complete' };
    if (added === 0) return { ...result, stop: 'no-progress' };
    if (pagesFetched === 1) {
      firstPageIds = new Set(ids);
      offset = 1; // the probe: page 2 under a page index, record 2 under a record offset
      continue;
    }
    offset = mode === 'page' ? offset + 1 : offset + page.items.length;
  }
  return {
    items: [...seen.values()],
    stop: 'page-cap',
    pagesFetched: options.maxPages,
    ...(mode ? { mode } : {}),
    ...(total !== undefined ? { total } : {}),
  };
}

/**
 * Which reading of `offset` the server uses, from the first page's ids and those answered for
 * offset 1. A record offset repeats all but one of the first page; a page index repeats none,
 * or a few when notebooks were created meanwhile and pushed items down. Majority decides, and a
 * tie goes to 'page': misreading a page index as a record offset would skip pages, while the
 * opposite mistake only costs extra requests (each still adds the records past the overlap).
 */
export function inferOffsetMode(firstPageIds: ReadonlySet<string>, probeIds: readonly string[]): OffsetMode {
  const repeated = probeIds.filter((id) => firstPageIds.has(id)).length;
  return repeated * 2 > probeIds.length ? 'record' : 'page';
}

function addNew<T>(seen: Map<string, T>, items: readonly T[], ids: readonly string[]): number {
  let added = 0;
  items.forEach((item, i) => {
    const id = ids[i]!;
    if (!seen.has(id)) {
      seen.set(id, item);
      added++;
    }
  });
  return added;
}
