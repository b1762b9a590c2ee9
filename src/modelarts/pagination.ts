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
  for (let pagesFetched = 1; pagesFetched <= options.maxPages; pagesFetched++) {
    const page = await options.fetchPage(offset, options.pageSize);
    total = page.total ?? total;
    const added = addNew(seen, page.items, options.idOf);
    const result = { items: [...seen.values()], pagesFetched, ...(total !== undefined ? { total } : {}) };
    if (page.items.length === 0 || (total !== undefined && seen.size >= total)) return { ...result, stop: 'complete' };
    if (added === 0) return { ...result, stop: 'no-progress' };
    offset += page.items.length;
  }
  return {
    items: [...seen.values()],
    stop: 'page-cap',
    pagesFetched: options.maxPages,
    ...(total !== undefined ? { total } : {}),
  };
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
