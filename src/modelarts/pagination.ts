/**
 * Walking ModelArts list endpoints to the end.
 *
 * `offset` is a record offset: the index of the first record of the page ("分页记录的起始位置偏移量",
 * huaweicloud-sdk-go-v3 `model_list_notebooks_request.go`), and Huawei's Terraform provider
 * advances it by the number of items each page returned (its pager is chnsz/golangsdk
 * `openstack/modelarts/v1/notebook/`).
 * The walker does the same, so a short page (a service that caps `limit` lower than asked) costs
 * nothing but an extra request.
 */

/** One page as the walker needs it. */
export interface Page<T> {
  items: readonly T[];
  /** Total records, when the service says. */
  total?: number | undefined;
}

export interface WalkOptions<T> {
  fetchPage: (offset: number, limit: number) => Promise<Page<T>>;
  idOf: (item: T) => string;
  pageSize: number;
  /** Hard stop against a server that keeps returning "new" ids forever. */
  maxPages: number;
  /**
   * Pages in flight at once once the first page has said how many records there are (default 1:
   * one after the other). The offsets then follow from the first page's length; what moved while
   * the pages were fetched is picked up by walking on from the last one.
   */
  concurrency?: number;
}

export interface WalkResult<T> {
  /** Every distinct item, first occurrence kept, in the order first seen. */
  items: T[];
  /** Why the walk ended. Anything but 'complete' means the list may be partial. */
  stop: 'complete' | 'no-progress' | 'page-cap';
  pagesFetched: number;
  /** The last `total` the service reported. */
  total?: number;
}

/**
 * Fetches pages until one is empty, the reported `total` is reached, a page adds no new id, or
 * `maxPages` pages were fetched. Items are deduplicated by id, so overlapping pages (notebooks
 * created while walking push the others down by one) are harmless.
 */
export async function walkAllPages<T>(options: WalkOptions<T>): Promise<WalkResult<T>> {
  const seen = new Map<string, T>();
  let total: number | undefined;
  let offset = 0;
  let pagesFetched = 0;
  const done = (stop: WalkResult<T>['stop']): WalkResult<T> => ({
    items: [...seen.values()],
    stop,
    pagesFetched,
    ...(total !== undefined ? { total } : {}),
  });

  const first = await options.fetchPage(0, options.pageSize);
  pagesFetched = 1;
  total = first.total;
  addNew(seen, first.items, options.idOf);
  if (first.items.length === 0 || (total !== undefined && seen.size >= total)) return done('complete');
  offset = first.items.length;

  // The rest of the pages at once, in bounded parallel, when the first said how many there are.
  const concurrency = Math.max(1, Math.floor(options.concurrency ?? 1));
  if (concurrency > 1 && total !== undefined) {
    const step = first.items.length;
    const offsets: number[] = [];
    for (let o = offset; o < total && pagesFetched + offsets.length < options.maxPages; o += step) offsets.push(o);
    const pages: Array<Page<T> | undefined> = new Array(offsets.length);
    let next = 0;
    await Promise.all(
      Array.from({ length: Math.min(concurrency, offsets.length) }, async () => {
        while (next < offsets.length) {
          const i = next++;
          pages[i] = await options.fetchPage(offsets[i] as number, options.pageSize);
        }
      }),
    );
    pagesFetched += offsets.length;
    for (const [i, page] of pages.entries()) {
      if (!page) continue;
      total = page.total ?? total;
      addNew(seen, page.items, options.idOf);
      if (page.items.length > 0) offset = (offsets[i] as number) + page.items.length;
    }
    if (total !== undefined && seen.size >= total) return done('complete');
    if (pagesFetched >= options.maxPages) return done('page-cap');
    // Records moved while the pages were fetched: walk on from the last page's end.
  }

  while (pagesFetched < options.maxPages) {
    const page = await options.fetchPage(offset, options.pageSize);
    pagesFetched++;
    total = page.total ?? total;
    const added = addNew(seen, page.items, options.idOf);
    if (page.items.length === 0 || (total !== undefined && seen.size >= total)) return done('complete');
    if (added === 0) return done('no-progress');
    offset += page.items.length;
  }
  return done('page-cap');
}

function addNew<T>(seen: Map<string, T>, items: readonly T[], idOf: (item: T) => string): number {
  let added = 0;
  for (const item of items) {
    const id = idOf(item);
    if (!seen.has(id)) {
      seen.set(id, item);
      added++;
    }
  }
  return added;
}
