import { randomUUID } from 'node:crypto';
import type { LeaseType } from './contract.js';
import type { InstanceRecord } from './lifecycle.js';

/** Everything needed to make a new instance record: its fields as the record has them, and the defaults' inputs. */
export type NewRecord = Pick<
  InstanceRecord,
  | 'seq'
  | 'name'
  | 'feature'
  | 'flavor'
  | 'imageId'
  | 'workspaceId'
  | 'poolId'
  | 'volume'
  | 'hooks'
  | 'user'
  | 'failReason'
> &
  Partial<
    Pick<InstanceRecord, 'description' | 'endpoints' | 'dataVolumes' | 'tags' | 'status' | 'plan' | 'createAt'>
  > & {
    now: number;
    /** `createAt` defaults to `now`: the lease starts when the instance is created. */
    lease: { duration: number; type: LeaseType; enable?: boolean; createAt?: number };
  };

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
