import type {
  CreateNotebookInput,
  Flavor,
  Image,
  Lease,
  ListFlavorsQuery,
  ListImagesQuery,
  ListNotebookStatesResponse,
  ListNotebooksQuery,
  ListNotebooksResponse,
  Notebook,
  RenewLeaseRequest,
  StartNotebookParams,
  UpdateNotebookRequest,
} from './schemas.js';

export interface CallOptions {
  signal?: AbortSignal;
  /** Overrides the client's per-call timeout. */
  timeoutMs?: number;
  /** Overrides the client's retry budget for retryable failures (0 = single attempt). */
  maxRetries?: number;
}

/**
 * Every ModelArts notebook operation the bot uses. Implemented over HTTP by `ModelArtsClient`
 * (src/modelarts/client.ts); the rest of the bot depends on this interface only.
 *
 * Inputs are validated with the zod schemas first: bad input throws `ValidationError` naming the
 * field, before any request. Failures throw the classes in ./errors.ts.
 */
export interface ModelArtsApi {
  /** POST once; never retried blindly (a lost answer must be resolved by a lookup, see jobs). */
  createNotebook(input: CreateNotebookInput, options?: CallOptions): Promise<Notebook>;
  showNotebook(id: string, options?: CallOptions): Promise<Notebook>;
  listNotebooks(query?: ListNotebooksQuery, options?: CallOptions): Promise<ListNotebooksResponse>;
  /**
   * The same page as `listNotebooks`, each notebook cut down to its state (NotebookState): what
   * the status board lists every tick, without the cost of full records.
   */
  listNotebookStates(query: ListNotebooksQuery, options?: CallOptions): Promise<ListNotebookStatesResponse>;
  /** Walks every page (50 per call, the most ListNotebooks allows) and returns all notebooks. */
  listAllNotebooks(query?: Omit<ListNotebooksQuery, 'offset' | 'limit'>, options?: CallOptions): Promise<Notebook[]>;
  startNotebook(id: string, params?: StartNotebookParams, options?: CallOptions): Promise<Notebook>;
  stopNotebook(id: string, options?: CallOptions): Promise<Notebook>;
  deleteNotebook(id: string, options?: CallOptions): Promise<void>;
  updateNotebook(id: string, body: UpdateNotebookRequest, options?: CallOptions): Promise<Notebook>;
  showLease(id: string, options?: CallOptions): Promise<Lease>;
  renewLease(id: string, body: RenewLeaseRequest, options?: CallOptions): Promise<Lease>;
  /** All pages. */
  listFlavors(query?: Omit<ListFlavorsQuery, 'offset' | 'limit'>, options?: CallOptions): Promise<Flavor[]>;
  /** Flavors an existing instance may switch to. */
  listSwitchableFlavors(id: string, options?: CallOptions): Promise<Flavor[]>;
  /** All pages. */
  listImages(query?: Omit<ListImagesQuery, 'offset' | 'limit'>, options?: CallOptions): Promise<Image[]>;
}
