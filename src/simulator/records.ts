import { randomUUID } from 'node:crypto';
import type { Feature, LeaseType, NotebookStatus } from './contract.js';
import type { SimUser } from './defaults.js';
import type { Text } from './language.js';
import type { EndpointState, InstancePlan, InstanceRecord, VolumeState } from './lifecycle.js';

/** Everything needed to make a new instance record. */
export interface NewRecord {
  seq: number;
  now: number;
  name: string;
  description?: string;
  feature: Feature;
  flavor: string;
  imageId: string;
  workspaceId: string;
  poolId?: string;
  volume: VolumeState;
  endpoints?: EndpointState[];
  dataVolumes?: VolumeState[];
  hooks?: unknown;
  tags?: Array<{ key: string; value: string }>;
  user: SimUser;
  /** `createAt` defaults to `now`: the lease starts when the instance is created. */
  lease: { duration: number; type: LeaseType; enable?: boolean; createAt?: number };
  status?: NotebookStatus;
  plan?: InstancePlan;
  failReason?: Text;
  createAt?: number;
}

/** Builds a record; a new instance starts CREATING at `now` unless `status` says otherwise (seeding). */
export function buildRecord(r: NewRecord): InstanceRecord {
  const status = r.status ?? 'CREATING';
  const createAt = r.createAt ?? r.now;
  const leaseCreateAt = r.lease.createAt ?? r.now;
  return {
    id: randomUUID(),
    seq: r.seq,
    name: r.name,
    description: r.description ?? '',
    feature: r.feature,
    flavor: r.flavor,
    imageId: r.imageId,
    workspaceId: r.workspaceId,
    ...(r.poolId !== undefined ? { poolId: r.poolId } : {}),
    volume: r.volume,
    endpoints: r.endpoints ?? [],
    dataVolumes: r.dataVolumes ?? [],
    ...(r.hooks !== undefined ? { hooks: r.hooks } : {}),
    tags: r.tags ?? [],
    user: r.user,
    token: randomUUID(),
    createAt,
    updateAt: r.now,
    lease: {
      createAt: leaseCreateAt,
      duration: r.lease.duration,
      enable: r.lease.enable ?? true,
      type: r.lease.type,
      updateAt: leaseCreateAt,
    },
    status,
    phaseStart: r.now,
    startKind: 'create',
    createOutcome: status === 'CREATING' ? 'pending' : status === 'CREATE_FAILED' ? 'failed' : 'done',
    ...(r.failReason !== undefined ? { failReason: r.failReason } : {}),
    plan: { ...r.plan },
  };
}
