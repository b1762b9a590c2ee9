import type { Clock } from '../clock.js';
import type { Authenticator } from './auth.js';
import type { Catalog } from './catalog.js';
import type { LifecycleTimings, SimUser } from './defaults.js';
import type { Faults } from './faults.js';
import type { IamService } from './iam.js';
import type { InstanceTable } from './instance-table.js';
import type { NotebookService } from './notebooks.js';
import type { SimulatorStats } from './stats.js';

/** The parts of one simulator, shared by the API server and the admin endpoints. */
export interface SimCore {
  readonly projectId: string;
  readonly region: string;
  readonly clock: Clock;
  readonly catalog: Catalog;
  readonly timings: LifecycleTimings;
  readonly table: InstanceTable;
  readonly service: NotebookService;
  readonly auth: Authenticator;
  readonly iam: IamService | undefined;
  readonly faults: Faults;
  readonly stats: SimulatorStats;
  readonly defaultUser: SimUser;
  /** HTTP status of a successful create (the docs show both 200 and 201). */
  readonly createStatus: 200 | 201;
  /** Clears instances, faults, stats, tokens and AK lockouts (not the clock). */
  reset(): void;
  /** Unexpected exceptions (answered as HTTP 500). */
  onError(err: unknown): void;
}
