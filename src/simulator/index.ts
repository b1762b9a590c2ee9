import { createHash } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { type Clock, ScaledClock } from '../clock.js';
import { Authenticator, type LockoutOptions, type SimulatorCredential, type SkewReference } from './auth.js';
import { Catalog, DEDICATED_IMAGE, DEFAULT_FLAVORS, DEFAULT_IMAGES, type SimFlavor, type SimImage } from './catalog.js';
import type { NotebookStatus } from './contract.js';
import type { SimCore } from './core.js';
import {
  DEFAULT_MAX_SKEW_MS,
  DEFAULT_TIMINGS,
  DEFAULT_TOKEN_TTL_MS,
  DEFAULT_USER,
  type LifecycleTimings,
  SIMULATOR_AK,
  SIMULATOR_IAM_USER,
  SIMULATOR_PROJECT_ID,
  SIMULATOR_REGION,
  SIMULATOR_SK,
  type SimUser,
} from './defaults.js';
import type { NotFoundStyle } from './errors.js';
import { Faults } from './faults.js';
import { type IamOptions, IamService, type IamUser } from './iam.js';
import { InstanceTable } from './instance-table.js';
import { NotebookService } from './notebooks.js';
import { forceStatus, type SeedSpec, seedInstances } from './seed.js';
import { createRequestListener } from './server.js';
import { SimulatorStats } from './stats.js';
import type { NotebookView } from './view.js';

export type { LockoutOptions, SimulatorCredential, SkewReference } from './auth.js';
export {
  Catalog,
  DEDICATED_IMAGE,
  DEFAULT_FLAVORS,
  DEFAULT_IMAGES,
  SIMULATOR_ASCEND_IMAGE_ID,
  SIMULATOR_DEFAULT_FLAVOR,
  SIMULATOR_DEFAULT_IMAGE_ID,
  SIMULATOR_GPU_IMAGE_ID,
  type SimFlavor,
  type SimImage,
} from './catalog.js';
export {
  FEATURES,
  LEASE_TYPES,
  type LeaseType,
  LIST_NOTEBOOKS_LIMITS,
  MAX_LEASE_MS,
  MIN_LEASE_MS,
  NO_AUTO_STOP,
  NOTEBOOK_STATUSES,
  type NotebookStatus,
} from './contract.js';
export {
  DEFAULT_LEASE_MS,
  DEFAULT_MAX_SKEW_MS,
  DEFAULT_TIMINGS,
  DEFAULT_USER,
  type LifecycleTimings,
  SIMULATOR_AK,
  SIMULATOR_DEFAULT_PORT,
  SIMULATOR_IAM_USER,
  SIMULATOR_PROJECT_ID,
  SIMULATOR_REGION,
  SIMULATOR_SK,
  type SimUser,
} from './defaults.js';
export { type NotFoundStyle, SimApiError } from './errors.js';
export type {
  DelayFault,
  DropFault,
  Faults,
  FaultsSnapshot,
  RequestMatch,
  ServerErrorFault,
  ThrottleFault,
} from './faults.js';
export type { IamOptions, IamService, IamUser, IssuedToken } from './iam.js';
export { ENGLISH, type Lang, languageOf } from './language.js';
export type { FlavorPage, NotebookPage, SwitchableFlavors } from './notebooks.js';
export type { SeedSpec } from './seed.js';
export { ADMIN_PREFIX } from './server.js';
export {
  type RequestLogEntry,
  SIM_OPERATIONS,
  type SimOperation,
  type SimulatorStats,
  type StatsSnapshot,
} from './stats.js';
export type { EndpointView, LeaseView, NotebookView, VolumeView } from './view.js';

/** Options of {@link createSimulator}; every field has a realistic default. */
export interface SimulatorOptions {
  /** 32 lowercase hex (default {@link SIMULATOR_PROJECT_ID}). */
  projectId?: string;
  /** Used in notebook URLs and as the IAM project name (default `cn-north-4`). */
  region?: string;
  /** Accepted AK/SK pairs (default one: {@link SIMULATOR_AK} / {@link SIMULATOR_SK}). */
  credentials?: readonly SimulatorCredential[];
  /** Time of the simulated cloud (default `new ScaledClock({ scale: 1 })`). Share it with the client in tests. */
  clock?: Clock;
  /** Lifecycle durations in simulated ms (defaults: {@link DEFAULT_TIMINGS}). */
  timings?: Partial<LifecycleTimings>;
  /** Largest accepted `X-Sdk-Date` skew (default 15 minutes). */
  maxSkewMs?: number;
  /** Compare `X-Sdk-Date` with the injected clock, the wall clock, or accept either (default). */
  skewReference?: SkewReference;
  /** Simulated IAM `POST /v3/auth/tokens` and `X-Auth-Token` (default on, user {@link SIMULATOR_IAM_USER}). */
  iam?: boolean | IamOptions;
  /** Live instances allowed before creates fail (default unlimited; the real default quota is 10). */
  maxInstances?: number;
  /** Code of the quota answer (default ModelArts.6302). */
  quotaErrorCode?: 'ModelArts.6302' | 'ModelArts.0113';
  /**
   * How unknown or deleted ids are answered: `400` (default) HTTP 400 ModelArts.6404, `6309`
   * HTTP 400 ModelArts.6309, `404` HTTP 404 ModelArts.6404, `random` any of them.
   */
  notFound?: NotFoundStyle;
  /** HTTP status of a successful create (default 200, as the docs' example; 201 is also documented). */
  createStatus?: 200 | 201;
  /** AK lockout after repeated bad signatures (default 5 failures → 5 minutes; `false` disables). */
  lockout?: LockoutOptions | false;
  /**
   * Include the DEDICATED (user-saved) image in the catalog (default true). ListImages shows it
   * only to `type=DEDICATED`: the type defaults to BUILD_IN, as on the real service.
   */
  dedicatedImage?: boolean;
  /** Replace the flavor catalog. */
  flavors?: readonly SimFlavor[];
  /** Replace the image catalog. */
  images?: readonly SimImage[];
  /** Randomness for not-found forms and fractional faults (inject a seeded one for determinism). */
  random?: () => number;
  /** Requests kept in `stats.log` (default 1000). */
  logLimit?: number;
  /** Unexpected exceptions (default: printed to stderr). */
  onError?: (err: unknown) => void;
}

/** Direct access to the instances, for tests (no HTTP, no auth, no faults). */
export interface SimulatorInstances {
  /** The instance as the API would show it now (in English), or undefined when unknown / deleted. */
  get(id: string): NotebookView | undefined;
  /** All live instances, newest first, optionally of one status (in English). */
  list(filter?: { status?: NotebookStatus }): NotebookView[];
  /** Live instances (O(1) amortised). */
  count(): number;
  /** Bulk-creates instances already in a state; returns their ids, oldest first. */
  seed(spec: SeedSpec): string[];
  /** Puts an instance into `status` from now (e.g. ERROR, FROZEN); undefined when unknown. */
  force(id: string, status: NotebookStatus, failReason?: string): NotebookView | undefined;
  /** Removes an instance at once (no DELETING phase). */
  remove(id: string): boolean;
  clear(): void;
}

/** A running (or startable) ModelArts stand-in. */
export interface Simulator {
  /** Base URL (`http://127.0.0.1:<port>`); throws before {@link Simulator.start}. */
  readonly url: string;
  readonly projectId: string;
  readonly region: string;
  readonly credentials: readonly SimulatorCredential[];
  readonly clock: Clock;
  readonly timings: LifecycleTimings;
  readonly catalog: Catalog;
  /** Fault injection (also under `/__sim/faults`). */
  readonly faults: Faults;
  /** Live counters: `stats.calls.create`, `stats.total`, `stats.log`. */
  readonly stats: SimulatorStats;
  readonly instances: SimulatorInstances;
  /** The simulated IAM (issue tokens without HTTP), undefined when `iam: false`. */
  readonly iam: IamService | undefined;
  /** Listens on `port` (default 0 = any free port) and `host` (default 127.0.0.1). */
  start(port?: number, host?: string): Promise<{ url: string }>;
  /** Closes the server and every open connection. */
  stop(): Promise<void>;
  /** Clears instances, faults, stats, tokens and AK lockouts (not the clock). */
  reset(): void;
}

function userFor(u: IamUser): SimUser {
  if (u.user) return u.user;
  if (u.name === SIMULATOR_IAM_USER.name && u.domain === SIMULATOR_IAM_USER.domain) return DEFAULT_USER;
  const hex = (s: string) => createHash('sha256').update(s).digest('hex').slice(0, 32);
  return {
    id: hex(`user:${u.domain}/${u.name}`),
    name: u.name,
    domain: { id: hex(`domain:${u.domain}`), name: u.domain },
  };
}

/**
 * Builds a simulator of the ModelArts notebook API (see src/simulator/README.md). Nothing
 * listens until {@link Simulator.start}; the control surface works before that.
 *
 * @example
 * const sim = createSimulator({ clock: new ManualClock() });
 * const { url } = await sim.start();
 * sim.faults.throttle({ count: 2 });
 */
export function createSimulator(options: SimulatorOptions = {}): Simulator {
  const projectId = options.projectId ?? SIMULATOR_PROJECT_ID;
  const region = options.region ?? SIMULATOR_REGION;
  const clock = options.clock ?? new ScaledClock({ scale: 1 });
  const timings: LifecycleTimings = { ...DEFAULT_TIMINGS, ...options.timings };
  const random = options.random ?? Math.random;
  const credentials = options.credentials ?? [{ ak: SIMULATOR_AK, sk: SIMULATOR_SK }];
  const catalog = new Catalog(
    options.flavors ?? DEFAULT_FLAVORS,
    options.images ?? (options.dedicatedImage === false ? DEFAULT_IMAGES : [...DEFAULT_IMAGES, DEDICATED_IMAGE]),
  );
  const iamOptions =
    options.iam === false ? undefined : options.iam === true || options.iam === undefined ? {} : options.iam;
  const iam = iamOptions
    ? new IamService({
        clock,
        projectId,
        projectName: region,
        users: iamOptions.users ?? [{ ...SIMULATOR_IAM_USER }],
        tokenTtlMs: iamOptions.tokenTtlMs ?? DEFAULT_TOKEN_TTL_MS,
        userFor,
      })
    : undefined;
  const table = new InstanceTable(timings);
  const faults = new Faults(random);
  const stats = new SimulatorStats(options.logLimit ?? 1000);
  const auth = new Authenticator({
    credentials,
    defaultUser: DEFAULT_USER,
    clock,
    maxSkewMs: options.maxSkewMs ?? DEFAULT_MAX_SKEW_MS,
    skewReference: options.skewReference ?? 'either',
    lockout: options.lockout ?? { failures: 5, durationMs: 5 * 60_000 },
    iam,
  });
  const service = new NotebookService({
    clock,
    catalog,
    table,
    faults,
    timings,
    region,
    random,
    notFound: options.notFound ?? '400',
    maxInstances: options.maxInstances,
    quotaErrorCode: options.quotaErrorCode ?? 'ModelArts.6302',
  });
  const reset = () => {
    table.clear();
    faults.clear();
    stats.reset();
    iam?.reset();
    auth.reset();
  };
  const core: SimCore = {
    projectId,
    region,
    clock,
    catalog,
    timings,
    table,
    service,
    auth,
    iam,
    faults,
    stats,
    defaultUser: DEFAULT_USER,
    createStatus: options.createStatus ?? 200,
    reset,
    onError: options.onError ?? ((err) => console.error('[simulator] unexpected error', err)),
  };

  const instances: SimulatorInstances = {
    get: (id) => {
      const rec = table.get(id, clock.now());
      return rec ? service.render(rec) : undefined;
    },
    list: (filter) =>
      table
        .all(clock.now())
        .filter((r) => !filter?.status || r.status === filter.status)
        .sort((a, b) => b.createAt - a.createAt || b.seq - a.seq)
        .map((r) => service.render(r)),
    count: () => table.count(clock.now()),
    seed: (spec) => seedInstances(spec, { clock, catalog, table, user: DEFAULT_USER }),
    force: (id, status, failReason) => {
      const now = clock.now();
      if (!forceStatus(table, id, status, now, failReason)) return undefined;
      const rec = table.get(id, now);
      return rec ? service.render(rec) : undefined;
    },
    remove: (id) => table.remove(id),
    clear: () => table.clear(),
  };

  let server: Server | undefined;
  let baseUrl: string | undefined;

  return {
    get url(): string {
      if (baseUrl === undefined) throw new Error('The simulator is not started: call start() first.');
      return baseUrl;
    },
    projectId,
    region,
    credentials,
    clock,
    timings,
    catalog,
    faults,
    stats,
    instances,
    iam,
    async start(port = 0, host = '127.0.0.1') {
      if (server) throw new Error('The simulator is already started.');
      const s = createServer(createRequestListener(core));
      s.keepAliveTimeout = 30_000;
      await new Promise<void>((resolve, reject) => {
        s.once('error', reject);
        // A deep backlog: benchmarks open a thousand connections at once.
        s.listen({ port, host, backlog: 4096 }, () => {
          s.off('error', reject);
          resolve();
        });
      });
      server = s;
      const actual = (s.address() as AddressInfo).port;
      const shownHost = host === '0.0.0.0' || host === '::' ? '127.0.0.1' : host.includes(':') ? `[${host}]` : host;
      baseUrl = `http://${shownHost}:${actual}`;
      return { url: baseUrl };
    },
    async stop() {
      const s = server;
      if (!s) return;
      server = undefined;
      baseUrl = undefined;
      s.closeAllConnections();
      await new Promise<void>((resolve) => s.close(() => resolve()));
    },
    reset,
  };
}
