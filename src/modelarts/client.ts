import { setTimeout as delay } from 'node:timers/promises';
import { Agent, type Dispatcher } from 'undici';
import { z } from 'zod';
import { type Clock, systemClock } from '../clock.js';
import type { ModelArtsAuth } from '../config.js';
import { ConfigError, type FieldIssue, ValidationError } from '../errors.js';
import { type Logger, registerSecret } from '../logger.js';
import type { CallOptions, ModelArtsApi } from './api.js';
import { akskAuthorizer, iamTokenAuthorizer, type RequestAuthorizer } from './auth.js';
import {
  ModelArtsApiError,
  ModelArtsAuthError,
  ModelArtsError,
  ModelArtsInvalidResponseError,
  ModelArtsThrottledError,
} from './errors.js';
import {
  errorFromResponse,
  type HttpMethod,
  mayHaveReachedService,
  type PreparedRequest,
  prepareRequest,
  type RawResponse,
  requestIdOf,
  sendRequest,
  tryParseJson,
} from './http.js';
import { IamTokenProvider } from './iam.js';
import { type WalkResult, walkAllPages } from './pagination.js';
import { retryDelayMs, shouldRetry } from './retry.js';
import {
  type CreateNotebookInput,
  CreateNotebookRequestSchema,
  type Flavor,
  type Image,
  type Lease,
  LeaseSchema,
  type ListFlavorsQuery,
  ListFlavorsQuerySchema,
  ListFlavorsResponseSchema,
  type ListImagesQuery,
  ListImagesQuerySchema,
  ListImagesResponseSchema,
  type ListNotebookStatesResponse,
  ListNotebookStatesResponseSchema,
  type ListNotebooksQuery,
  ListNotebooksQuerySchema,
  type ListNotebooksResponse,
  ListNotebooksResponseSchema,
  NOTEBOOK_WALK_PAGE_SIZE,
  type Notebook,
  NotebookSchema,
  type RenewLeaseRequest,
  RenewLeaseRequestSchema,
  type StartNotebookParams,
  StartNotebookParamsSchema,
  type UpdateNotebookRequest,
  UpdateNotebookRequestSchema,
  zodIssuesToFields,
} from './schemas.js';
import type { Query } from './signer.js';

/** Credentials the client can use. 'simulator' is resolved by the composition root into AK/SK. */
export type ModelArtsClientAuth = Exclude<ModelArtsAuth, { kind: 'simulator' }>;

/** One HTTP attempt, reported to `onCall` (metrics). */
export interface CallInfo {
  /** API operation name, e.g. `ShowNotebook`. */
  operation: string;
  method: HttpMethod;
  /** HTTP status, or 0 when there was no answer (timeout, connection failure, abort). */
  status: number;
  durationMs: number;
  /** The service's code (`ModelArts.6309`), or ours (`modelarts_timeout`) when there was no answer. */
  errorCode?: string;
  /** 1 for the first attempt of a call, 2 for its first retry, … */
  attempt: number;
}

export interface ModelArtsClientOptions {
  /** Base URL, e.g. `https://modelarts.cn-north-4.myhuaweicloud.com` or the simulator's. */
  endpoint: string;
  /** 32 hex characters; every path starts with `/v1/{projectId}`. */
  projectId: string;
  auth: ModelArtsClientAuth;
  /** Defaults to one keep-alive `Agent` owned (and closed) by the client. */
  dispatcher?: Dispatcher;
  /** Per HTTP attempt, connect to last body byte. Default 15 000. */
  timeoutMs?: number;
  /** Retries after the first attempt, for retryable failures only. Default 4. */
  maxRetries?: number;
  /** Backoff before the first retry (before jitter). Default 500. */
  retryBaseMs?: number;
  /** Longest wait between attempts, `Retry-After` included. Default 20 000. */
  retryMaxMs?: number;
  /** Least wait after a throttle without `Retry-After`; Huawei advises 2–5 s. Default 2 000. */
  throttleMinDelayMs?: number;
  logger?: Logger;
  /** Dates signatures (`X-Sdk-Date`) and times token expiry. Default: the system clock. */
  clock?: Clock;
  /** Waits between attempts; tests inject an instant one. Must reject when `signal` aborts. */
  sleep?: (ms: number, signal?: AbortSignal) => Promise<void>;
  /** Jitter source in [0, 1). Default `Math.random`. */
  random?: () => number;
  /** Called after every HTTP attempt; exceptions it throws are logged and ignored. */
  onCall?: (info: CallInfo) => void;
}

const DEFAULTS = {
  timeoutMs: 15_000,
  maxRetries: 4,
  retryBaseMs: 500,
  retryMaxMs: 20_000,
  throttleMinDelayMs: 2_000,
  flavorPageSize: 100,
  imagePageSize: 200,
  /** 2000 pages of 50 is far beyond any project's quota; reaching it means a misbehaving server. */
  maxPages: 2000,
  /**
   * Pages of one list walk in flight at once once the first has given the total: a lease scan of
   * 10,000 notebooks is 200 pages of 50, which one after the other take longer than its tick.
   */
  listConcurrency: 4,
} as const;

/** A notebook id as a path segment: one segment, never a path of its own. */
const NotebookIdSchema = z
  .string({ message: 'id is required' })
  .trim()
  .min(1, { message: 'id is required' })
  .max(128, { message: 'id must be at most 128 characters' })
  .refine((v) => !v.includes('/') && v !== '.' && v !== '..', { message: 'id must be a notebook id, not a path' });

const ListAllNotebooksQuerySchema = ListNotebooksQuerySchema.omit({ offset: true, limit: true });
const ListAllFlavorsQuerySchema = ListFlavorsQuerySchema.omit({ offset: true, limit: true });
const ListAllImagesQuerySchema = ListImagesQuerySchema.omit({ offset: true, limit: true });

/** Reads a 2xx response. */
type Decoder<T> = (res: RawResponse, req: PreparedRequest) => T;

/** What every ModelArts list answer has in common. */
interface ListPage<T> {
  data: T[];
  total?: number | undefined;
}

/** One API operation, described once and executed by the retry loop. */
interface Operation<T> {
  /** API name, for logs and metrics. */
  name: string;
  method: HttpMethod;
  /** Segments after `/v1/{project_id}`. */
  path: readonly string[];
  query?: Query;
  body?: unknown;
  /** False for create only: see `ModelArtsClient.createNotebook`. */
  idempotent: boolean;
  decode: Decoder<T>;
}

type Outcome<T> =
  | { ok: true; value: T }
  /** `sent` is false when the attempt failed before the request left (e.g. fetching a token). */
  | { ok: false; error: unknown; sent: boolean; req: PreparedRequest };

/**
 * ModelArts notebook API over HTTP (undici), implementing `ModelArtsApi`.
 *
 * - Inputs are validated with the zod schemas before anything is sent; bad input throws
 *   `ValidationError` listing every problem by field.
 * - Every attempt is authorized afresh: AK/SK requests are re-signed with a new `X-Sdk-Date`;
 *   IAM tokens come from a shared cache refreshed early, and a 401 renews the token once.
 * - Throttling (429, APIG.0308), 5xx, timeouts and connection failures are retried up to
 *   `maxRetries` times with jittered exponential backoff that honours `Retry-After`. Auth
 *   failures and other 4xx are never retried. Creates are special: see `createNotebook`.
 * - Each attempt logs one debug line (operation, method, path, status, ms, request id) and
 *   calls `onCall`. Headers and bodies are never logged: they carry signatures, tokens, and the
 *   notebook's Jupyter token.
 */
export class ModelArtsClient implements ModelArtsApi {
  private readonly baseUrl: URL;
  private readonly projectId: string;
  private readonly dispatcher: Dispatcher;
  private readonly ownsDispatcher: boolean;
  private closing: Promise<void> | undefined;
  private readonly authorizer: RequestAuthorizer;
  private readonly clock: Clock;
  private readonly logger: Logger | undefined;
  private readonly settings: {
    timeoutMs: number;
    maxRetries: number;
    retryBaseMs: number;
    retryMaxMs: number;
    throttleMinDelayMs: number;
  };
  private readonly sleep: (ms: number, signal?: AbortSignal) => Promise<void>;
  private readonly random: () => number;
  private readonly onCall: ((info: CallInfo) => void) | undefined;

  constructor(options: ModelArtsClientOptions) {
    this.baseUrl = parseEndpoint(options.endpoint);
    if (!options.projectId) throw new ConfigError('ModelArtsClient needs a projectId (HUAWEICLOUD_SDK_PROJECT_ID)');
    this.projectId = options.projectId;
    this.ownsDispatcher = options.dispatcher === undefined;
    // Keep-alive reuses TLS connections across calls. Idle sockets are dropped after 10 s, well
    // before typical gateway idle timeouts, so a request is rarely written to a socket the server
    // is closing: for a create, such a reset would be an ambiguous failure we may not retry.
    this.dispatcher = options.dispatcher ?? new Agent({ keepAliveTimeout: 10_000, keepAliveMaxTimeout: 30_000 });
    this.clock = options.clock ?? systemClock;
    this.logger = options.logger;
    this.settings = {
      timeoutMs: options.timeoutMs ?? DEFAULTS.timeoutMs,
      maxRetries: options.maxRetries ?? DEFAULTS.maxRetries,
      retryBaseMs: options.retryBaseMs ?? DEFAULTS.retryBaseMs,
      retryMaxMs: options.retryMaxMs ?? DEFAULTS.retryMaxMs,
      throttleMinDelayMs: options.throttleMinDelayMs ?? DEFAULTS.throttleMinDelayMs,
    };
    this.sleep = options.sleep ?? defaultSleep;
    this.random = options.random ?? Math.random;
    this.onCall = options.onCall;
    this.authorizer = this.createAuthorizer(options.auth);
  }

  /**
   * Closes the connection pool when the client created it (a passed-in dispatcher is left open).
   * Safe to call more than once: shutdown paths often do.
   */
  close(): Promise<void> {
    if (!this.ownsDispatcher) return Promise.resolve();
    this.closing ??= this.dispatcher.close();
    return this.closing;
  }

  // ------------------------------------------------------------------------------- notebooks

  /**
   * Creates a notebook: `POST /v1/{project_id}/notebooks`.
   *
   * A create is never re-sent blindly, because a second POST makes a second notebook. It is
   * retried only when the request provably never reached the service: the connection was
   * refused or could not be opened, or the API gateway throttled it (429 / APIG.0308, rejected
   * before the service sees it). After a timeout, a reset connection or a 5xx the instance may
   * exist, so the error is thrown as is; the caller (the job pipeline) must then look the
   * instance up by name and creation time before deciding to create again.
   */
  async createNotebook(input: CreateNotebookInput, options?: CallOptions): Promise<Notebook> {
    const [body] = validated(check(CreateNotebookRequestSchema, input));
    return this.execute(
      {
        name: 'CreateNotebook',
        method: 'POST',
        path: ['notebooks'],
        body,
        idempotent: false,
        decode: json(NotebookSchema),
      },
      options,
    );
  }

  /** `GET /v1/{project_id}/notebooks/{id}`. A missing notebook throws `ModelArtsNotFoundError`. */
  async showNotebook(id: string, options?: CallOptions): Promise<Notebook> {
    const [nid] = validated(checkId(id));
    return this.execute(
      { name: 'ShowNotebook', method: 'GET', path: ['notebooks', nid], idempotent: true, decode: json(NotebookSchema) },
      options,
    );
  }

  /** One page: `GET /v1/{project_id}/notebooks` with the query as given (`workspace_id` included). */
  async listNotebooks(query: ListNotebooksQuery = {}, options?: CallOptions): Promise<ListNotebooksResponse> {
    const [q] = validated(check(ListNotebooksQuerySchema, query));
    return this.listNotebooksPage(q, options, json(ListNotebooksResponseSchema));
  }

  /** `listNotebooks`, each notebook parsed down to its state (NotebookStateSchema). */
  async listNotebookStates(query: ListNotebooksQuery, options?: CallOptions): Promise<ListNotebookStatesResponse> {
    const [q] = validated(check(ListNotebooksQuerySchema, query));
    return this.listNotebooksPage(q, options, json(ListNotebookStatesResponseSchema));
  }

  /**
   * Every notebook matching `query`, across all pages of {@link NOTEBOOK_WALK_PAGE_SIZE} (the
   * largest page ListNotebooks allows). Each page is a separately retried call.
   */
  async listAllNotebooks(
    query: Omit<ListNotebooksQuery, 'offset' | 'limit'> = {},
    options: CallOptions = {},
  ): Promise<Notebook[]> {
    const [q] = validated(check(ListAllNotebooksQuerySchema, query));
    return this.listEveryPage(
      {
        name: 'ListNotebooks',
        path: ['notebooks'],
        query: q,
        pageSize: NOTEBOOK_WALK_PAGE_SIZE,
        decode: json(ListNotebooksResponseSchema),
      },
      options,
    );
  }

  /**
   * `POST /v1/{project_id}/notebooks/{id}/start?duration=&type=` (no body). Retried like any
   * idempotent call; a repeat after a lost answer may come back as ModelArts.6305/6306 (already
   * running / starting), which callers resolve by showing the notebook.
   */
  async startNotebook(id: string, params: StartNotebookParams = {}, options?: CallOptions): Promise<Notebook> {
    const [nid, query] = validated(checkId(id), check(StartNotebookParamsSchema, params));
    return this.execute(
      {
        name: 'StartNotebook',
        method: 'POST',
        path: ['notebooks', nid, 'start'],
        query,
        idempotent: true,
        decode: json(NotebookSchema),
      },
      options,
    );
  }

  /** `POST /v1/{project_id}/notebooks/{id}/stop` (no body). */
  async stopNotebook(id: string, options?: CallOptions): Promise<Notebook> {
    const [nid] = validated(checkId(id));
    return this.execute(
      {
        name: 'StopNotebook',
        method: 'POST',
        path: ['notebooks', nid, 'stop'],
        idempotent: true,
        decode: json(NotebookSchema),
      },
      options,
    );
  }

  /**
   * `DELETE /v1/{project_id}/notebooks/{id}`. A retry after a lost answer may get a not-found:
   * callers treat `isNotFound` as "deleted". ModelArts.6304 means the notebook must be stopped first.
   */
  async deleteNotebook(id: string, options?: CallOptions): Promise<void> {
    const [nid] = validated(checkId(id));
    await this.execute(
      { name: 'DeleteNotebook', method: 'DELETE', path: ['notebooks', nid], idempotent: true, decode: () => undefined },
      options,
    );
  }

  /** `PUT /v1/{project_id}/notebooks/{id}`; flavor and image changes need a STOPPED notebook. */
  async updateNotebook(id: string, body: UpdateNotebookRequest, options?: CallOptions): Promise<Notebook> {
    const [nid, b] = validated(checkId(id), check(UpdateNotebookRequestSchema, body));
    return this.execute(
      {
        name: 'UpdateNotebook',
        method: 'PUT',
        path: ['notebooks', nid],
        body: b,
        idempotent: true,
        decode: json(NotebookSchema),
      },
      options,
    );
  }

  // ---------------------------------------------------------------------------------- leases

  /** `GET /v1/{project_id}/notebooks/{id}/lease`. `duration` counts from `create_at`, not from now. */
  async showLease(id: string, options?: CallOptions): Promise<Lease> {
    const [nid] = validated(checkId(id));
    return this.execute(
      {
        name: 'ShowLease',
        method: 'GET',
        path: ['notebooks', nid, 'lease'],
        idempotent: true,
        decode: json(LeaseSchema),
      },
      options,
    );
  }

  /**
   * `PATCH /v1/{project_id}/notebooks/{id}/lease` with body `{duration?, type?}`. The duration is
   * sent in the body only, never as a query parameter (which would make the service ignore the
   * body and force TIMING). Setting the same total duration twice is harmless, so it is retried.
   */
  async renewLease(id: string, body: RenewLeaseRequest, options?: CallOptions): Promise<Lease> {
    const [nid, b] = validated(checkId(id), check(RenewLeaseRequestSchema, body));
    return this.execute(
      {
        name: 'RenewLease',
        method: 'PATCH',
        path: ['notebooks', nid, 'lease'],
        body: b,
        idempotent: true,
        decode: json(LeaseSchema),
      },
      options,
    );
  }

  // ------------------------------------------------------------------------ flavors and images

  /** Every flavor (`GET /v1/{project_id}/notebooks/flavors`), all pages. */
  async listFlavors(
    query: Omit<ListFlavorsQuery, 'offset' | 'limit'> = {},
    options: CallOptions = {},
  ): Promise<Flavor[]> {
    const [q] = validated(check(ListAllFlavorsQuerySchema, query));
    return this.listEveryPage(
      {
        name: 'ListFlavors',
        path: ['notebooks', 'flavors'],
        query: q,
        pageSize: DEFAULTS.flavorPageSize,
        decode: json(ListFlavorsResponseSchema),
      },
      options,
    );
  }

  /** Flavors an existing notebook may switch to (`GET /v1/{project_id}/notebooks/{id}/flavors`). */
  async listSwitchableFlavors(id: string, options?: CallOptions): Promise<Flavor[]> {
    const [nid] = validated(checkId(id));
    const page = await this.execute(
      {
        name: 'ShowSwitchableFlavors',
        method: 'GET',
        path: ['notebooks', nid, 'flavors'],
        idempotent: true,
        decode: json(ListFlavorsResponseSchema),
      },
      options,
    );
    return page.data;
  }

  /**
   * Every image (`GET /v1/{project_id}/images`), all pages of 200. ListImage's `type` defaults to
   * BUILD_IN (huaweicloud-sdk-go-v3 `model_list_image_request.go`), which hides the images a team
   * saved itself: without a `type`, both BUILD_IN and DEDICATED are listed, built-in first.
   */
  async listImages(query: Omit<ListImagesQuery, 'offset' | 'limit'> = {}, options: CallOptions = {}): Promise<Image[]> {
    const [q] = validated(check(ListAllImagesQuerySchema, query));
    const walk = (type: string) =>
      this.listEveryPage(
        {
          name: 'ListImages',
          path: ['images'],
          query: { ...q, type },
          pageSize: DEFAULTS.imagePageSize,
          decode: json(ListImagesResponseSchema),
        },
        options,
      );
    if (q.type !== undefined) return walk(q.type);
    const [builtIn, dedicated] = await Promise.all([walk('BUILD_IN'), walk('DEDICATED')]);
    const ids = new Set(builtIn.map((i) => i.id));
    return [...builtIn, ...dedicated.filter((i) => !ids.has(i.id))];
  }

  // -------------------------------------------------------------------------------- internals

  /** One ListNotebooks call, its page decoded by `decode` (full records, or states only). */
  private listNotebooksPage<T>(query: Query, options: CallOptions | undefined, decode: Decoder<T>): Promise<T> {
    return this.execute(
      { name: 'ListNotebooks', method: 'GET', path: ['notebooks'], query, idempotent: true, decode },
      options,
    );
  }

  /** Every item of a paginated list endpoint; each page is a separately retried GET. */
  private async listEveryPage<T extends { id: string }>(
    list: { name: string; path: readonly string[]; query: Query; pageSize: number; decode: Decoder<ListPage<T>> },
    options: CallOptions,
  ): Promise<T[]> {
    const result = await walkAllPages({
      pageSize: list.pageSize,
      maxPages: DEFAULTS.maxPages,
      concurrency: DEFAULTS.listConcurrency,
      idOf: (item: T) => item.id,
      fetchPage: async (offset, limit) => {
        const page = await this.execute(
          {
            name: list.name,
            method: 'GET',
            path: list.path,
            query: { ...list.query, offset, limit },
            idempotent: true,
            decode: list.decode,
          },
          options,
        );
        return { items: page.data, total: page.total };
      },
    });
    return this.finishWalk(list.name, result);
  }

  /** Returns the walked items; says so in the log when the list may be partial. */
  private finishWalk<T>(operation: string, result: WalkResult<T>): T[] {
    const short = result.total !== undefined && result.items.length < result.total;
    if (result.stop === 'page-cap' || (result.stop === 'no-progress' && short)) {
      this.logger?.warn(
        { operation, stop: result.stop, pages: result.pagesFetched, items: result.items.length, total: result.total },
        'ModelArts list may be incomplete',
      );
    }
    return result.items;
  }

  /** Runs an operation: attempts, the one-time credential renewal after a 401, and retries. */
  private async execute<T>(op: Operation<T>, options: CallOptions = {}): Promise<T> {
    const maxRetries = options.maxRetries ?? this.settings.maxRetries;
    let retriesDone = 0;
    let credentialRenewed = false;
    for (let attempt = 1; ; attempt++) {
      options.signal?.throwIfAborted();
      const outcome = await this.attempt(op, attempt, options);
      if (outcome.ok) return outcome.value;
      const { error } = outcome;
      // A 401 is the gateway refusing the credential, so nothing reached the service: even a
      // create may go again, once, with a fresh token.
      if (
        !credentialRenewed &&
        outcome.sent &&
        isUnauthorized(error) &&
        this.authorizer.renewAfterUnauthorized(outcome.req)
      ) {
        credentialRenewed = true;
        continue;
      }
      const reached = outcome.sent && mayHaveReachedService(error);
      const retryAfterMs = this.retryFloor(error);
      if (
        !shouldRetry({
          error,
          idempotent: op.idempotent,
          mayHaveReachedService: reached,
          retriesDone,
          maxRetries,
          retryAfterMs,
          maxDelayMs: this.settings.retryMaxMs,
        })
      ) {
        throw error;
      }
      retriesDone++;
      const waitMs = retryDelayMs({
        attempt: retriesDone,
        retryAfterMs,
        baseMs: this.settings.retryBaseMs,
        maxMs: this.settings.retryMaxMs,
        random: this.random,
      });
      this.logger?.debug(
        { operation: op.name, attempt, retryInMs: waitMs, err: errorSummary(error) },
        'modelarts retry',
      );
      await this.sleep(waitMs, options.signal);
    }
  }

  /** One authorized HTTP exchange. Never throws: the loop in `execute` decides what a failure means. */
  private async attempt<T>(op: Operation<T>, attempt: number, options: CallOptions): Promise<Outcome<T>> {
    const req = prepareRequest({
      baseUrl: this.baseUrl,
      method: op.method,
      segments: ['v1', this.projectId, ...op.path],
      query: op.query,
      body: op.body,
      // Huawei's Go library and Terraform send `X-Language: en-us` on every notebook call: without
      // it `error_msg` and `fail_reason` may come back in Chinese, which the failure explainer and
      // the user cannot read. Set before authorization, so it is signed like every other header.
      headers: { 'X-Project-Id': this.projectId, 'X-Language': 'en-us' },
    });
    try {
      await this.authorizer.authorize(req, options.signal);
    } catch (error) {
      return { ok: false, error, sent: false, req };
    }
    const started = performance.now();
    let res: RawResponse;
    try {
      res = await sendRequest(req, {
        dispatcher: this.dispatcher,
        timeoutMs: options.timeoutMs ?? this.settings.timeoutMs,
        signal: options.signal,
      });
    } catch (error) {
      this.observe(op, req, attempt, started, { status: 0, errorCode: noAnswerCode(error) });
      return { ok: false, error, sent: true, req };
    }
    const apiError = res.status >= 400 ? errorFromResponse(req, res, this.clock.now()) : undefined;
    this.observe(op, req, attempt, started, {
      status: res.status,
      requestId: requestIdOf(res.headers),
      errorCode: apiError?.errorCode,
    });
    if (apiError) return { ok: false, error: apiError, sent: true, req };
    try {
      return { ok: true, value: op.decode(res, req) };
    } catch (error) {
      return { ok: false, error, sent: true, req };
    }
  }

  /** The least wait before retrying after `error`: its `Retry-After`, and after throttling at least the advised minimum. */
  private retryFloor(error: unknown): number | undefined {
    const retryAfterMs = error instanceof ModelArtsApiError ? error.retryAfterMs : undefined;
    return error instanceof ModelArtsThrottledError
      ? Math.max(retryAfterMs ?? 0, this.settings.throttleMinDelayMs)
      : retryAfterMs;
  }

  /** The per-attempt debug line and metrics hook: no headers, no bodies. */
  private observe(
    op: Operation<unknown>,
    req: PreparedRequest,
    attempt: number,
    started: number,
    result: { status: number; requestId?: string | undefined; errorCode?: string | undefined },
  ): void {
    const durationMs = Math.round(performance.now() - started);
    this.logger?.debug(
      {
        operation: op.name,
        method: req.method,
        path: req.pathAndQuery,
        status: result.status,
        ms: durationMs,
        attempt,
        ...(result.requestId ? { requestId: result.requestId } : {}),
        ...(result.errorCode ? { errorCode: result.errorCode } : {}),
      },
      'modelarts call',
    );
    if (!this.onCall) return;
    try {
      this.onCall({
        operation: op.name,
        method: req.method,
        status: result.status,
        durationMs,
        attempt,
        ...(result.errorCode ? { errorCode: result.errorCode } : {}),
      });
    } catch (err) {
      this.logger?.warn({ err }, 'ModelArts onCall hook threw; ignored');
    }
  }

  private createAuthorizer(auth: ModelArtsClientAuth): RequestAuthorizer {
    switch (auth.kind) {
      case 'aksk':
        registerSecret(auth.sk);
        registerSecret(auth.securityToken);
        return akskAuthorizer(auth, this.clock);
      case 'iam':
        return iamTokenAuthorizer(
          new IamTokenProvider({
            iamEndpoint: auth.iamEndpoint,
            user: auth.user,
            password: auth.password,
            domain: auth.domain,
            projectId: this.projectId,
            dispatcher: this.dispatcher,
            clock: this.clock,
            timeoutMs: this.settings.timeoutMs,
            logger: this.logger,
          }),
        );
      default:
        throw new ConfigError(
          `ModelArtsClient auth kind "${(auth as { kind: string }).kind}" is not usable here: pass AK/SK (the simulator's keys for the simulator) or IAM`,
        );
    }
  }
}

// ------------------------------------------------------------------------------------ helpers

function parseEndpoint(endpoint: string): URL {
  let url: URL;
  try {
    url = new URL(endpoint);
  } catch {
    throw new ConfigError(
      `ModelArts endpoint "${endpoint}" is not a URL (expected e.g. https://modelarts.cn-north-4.myhuaweicloud.com)`,
    );
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') {
    throw new ConfigError(`ModelArts endpoint must be http(s), got ${url.protocol}`);
  }
  return url;
}

function defaultSleep(ms: number, signal?: AbortSignal): Promise<void> {
  return delay(ms, undefined, signal ? { signal } : undefined);
}

function isUnauthorized(error: unknown): boolean {
  return error instanceof ModelArtsAuthError && error.status === 401;
}

function noAnswerCode(error: unknown): string {
  return error instanceof ModelArtsError ? error.code : 'aborted';
}

/** Enough to see why a retry happens, without a stack per retry in debug logs. */
function errorSummary(error: unknown): { name: string; message: string } {
  return error instanceof Error
    ? { name: error.name, message: error.message }
    : { name: 'unknown', message: String(error) };
}

/** A decoder that parses the JSON body with a loose response schema. */
function json<S extends z.ZodType>(schema: S): Decoder<z.output<S>> {
  return (res, req) => {
    const body = res.text.trim() === '' ? undefined : tryParseJson(res.text);
    const parsed = schema.safeParse(body);
    if (parsed.success) return parsed.data;
    // Issue paths and messages only: the body itself may hold the notebook's Jupyter token.
    const problems = zodIssuesToFields(parsed.error)
      .slice(0, 5)
      .map((i) => `${i.field}: ${i.message}`)
      .join('; ');
    throw new ModelArtsInvalidResponseError(
      `ModelArts ${req.method} ${req.pathAndQuery} answered HTTP ${res.status} with an unexpected body (${problems})`,
    );
  };
}

type Checked<T> = { ok: true; value: T } | { ok: false; issues: FieldIssue[] };

/** Parses `value`; issues name their field, prefixed with `field` when the value is one parameter. */
function check<S extends z.ZodType>(schema: S, value: unknown, field?: string): Checked<z.output<S>> {
  const parsed = schema.safeParse(value);
  if (parsed.success) return { ok: true, value: parsed.data };
  const issues = zodIssuesToFields(parsed.error).map((i) =>
    field === undefined ? i : { field: i.field === '(request)' ? field : `${field}.${i.field}`, message: i.message },
  );
  return { ok: false, issues };
}

function checkId(id: unknown): Checked<string> {
  return check(NotebookIdSchema, id, 'id');
}

/** The parsed values, or one ValidationError listing the problems of every argument at once. */
function validated<const T extends readonly Checked<unknown>[]>(
  ...checks: T
): { [K in keyof T]: T[K] extends Checked<infer V> ? V : never } {
  const issues = checks.flatMap((c) => (c.ok ? [] : c.issues));
  if (issues.length > 0) throw new ValidationError(issues);
  return checks.map((c) => (c.ok ? c.value : undefined)) as {
    [K in keyof T]: T[K] extends Checked<infer V> ? V : never;
  };
}
