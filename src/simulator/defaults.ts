/**
 * Well-known identities and timings of the simulator. Everything here is public on purpose:
 * the simulator is a local stand-in and these values must be easy to paste into a curl command.
 */

/** The project id every path starts with (`/v1/{project_id}/...`) unless `projectId` is given. */
export const SIMULATOR_PROJECT_ID = '0b2f5e6c7d8a49f1a3c4d5e6f7a8b9c0';
/** Access key accepted by default (20 characters, like a real AK). */
export const SIMULATOR_AK = 'SIMULATORACCESSKEY01';
/** Secret key paired with {@link SIMULATOR_AK}. Not a secret: the simulator's well-known key. */
export const SIMULATOR_SK = 'simulator-secret-key-not-a-real-secret00';
/** Region used in notebook URLs (`https://authoring-modelarts-<region>.huaweicloud.com/...`). */
export const SIMULATOR_REGION = 'cn-north-4';
/** Password user accepted by the simulated IAM `POST /v3/auth/tokens`. */
export const SIMULATOR_IAM_USER = {
  domain: 'sim-domain',
  name: 'sim-user',
  password: 'sim-password',
} as const;
/** Port of `npm run simulator` when neither `PORT` nor `--port` is given. */
export const SIMULATOR_DEFAULT_PORT = 8089;

/** The IAM user every instance belongs to unless a credential names another. */
export interface SimUser {
  id: string;
  name: string;
  domain: { id: string; name: string };
}

export const DEFAULT_USER: SimUser = {
  id: '5d1c8f9e2a3b4c6d8e0f1a2b3c4d5e6f',
  name: SIMULATOR_IAM_USER.name,
  domain: { id: '9a8b7c6d5e4f40312a1b2c3d4e5f6071', name: SIMULATOR_IAM_USER.domain },
};

/** Lifecycle durations in simulated milliseconds. */
export interface LifecycleTimings {
  /** CREATING, per `action_progress` step: 1 storage, 2 compute, 3 network, 4 init. */
  createSteps: readonly [number, number, number, number];
  /** The STARTING phase that follows a successful creation. */
  createStarting: number;
  /** STARTING after `POST .../start`. */
  start: number;
  /** STOPPING, after `POST .../stop` or when the lease ends. */
  stop: number;
  /** DELETING, after which the instance is gone. */
  delete: number;
  /** `volume.status` RESIZING after `storage_new_size`. */
  resize: number;
}

/** Realistic defaults: creation about 3 minutes, start 1 minute, stop 20 s, delete 10 s. */
export const DEFAULT_TIMINGS: LifecycleTimings = {
  createSteps: [20_000, 70_000, 30_000, 40_000],
  createStarting: 20_000,
  start: 60_000,
  stop: 20_000,
  delete: 10_000,
  resize: 30_000,
};

/** Lease given when a create or start does not name one (the service's documented default). */
export { DEFAULT_LEASE_MS } from './contract.js';
/** `X-Sdk-Date` may differ from "now" by at most this much (Huawei's API gateway rule). */
export const DEFAULT_MAX_SKEW_MS = 15 * 60_000;
/** IAM tokens are valid for 24 hours. */
export const DEFAULT_TOKEN_TTL_MS = 24 * 3_600_000;
