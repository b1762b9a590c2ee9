import { createHash } from 'node:crypto';
import { z } from 'zod';
import type { Clock } from '../clock.js';
import type { Catalog } from './catalog.js';
import { SIMULATOR_DEFAULT_FLAVOR, SIMULATOR_DEFAULT_IMAGE_ID } from './catalog.js';
import { LEASE_TYPES, NOTEBOOK_STATUSES, type NotebookStatus } from './contract.js';
import { DEFAULT_LEASE_MS, type SimUser } from './defaults.js';
import { simErrors } from './errors.js';
import { failureReasons } from './faults.js';
import type { InstanceTable } from './instance-table.js';
import { same } from './language.js';
import { beginPhase } from './lifecycle.js';
import { buildRecord } from './records.js';

const SEEDABLE = NOTEBOOK_STATUSES.filter((s) => s !== 'DELETED') as [string, ...string[]];

/**
 * An enum of the admin input, any case (the admin surface is ours, not Huawei's: being lenient
 * here costs nothing). Simulator-owned so nothing here depends on the client's schemas.
 */
export function anyCaseEnum<const T extends readonly [string, ...string[]]>(values: T, label: string) {
  return z
    .string({ message: `${label} is required` })
    .trim()
    .transform((v) => v.toUpperCase())
    .pipe(z.enum(values, { message: `${label} must be one of ${values.join(', ')}` }));
}

/**
 * Bulk creation of instances already in a given state, for benchmarks and tests (10,000 RUNNING
 * notebooks in a few milliseconds). Validated with zod so the admin endpoint and the programmatic
 * call accept the same input.
 */
export const SeedSpecSchema = z.object({
  count: z.number().int().min(1).max(200_000),
  /** Status of every seeded instance (default RUNNING). */
  status: anyCaseEnum(SEEDABLE as unknown as readonly [string, ...string[]], 'status').optional(),
  /** Names are `${namePrefix}-${index}` (default `seed`); duplicates across calls are fine. */
  namePrefix: z
    .string()
    .regex(/^[A-Za-z0-9_-]{1,100}$/)
    .optional(),
  flavor: z.string().optional(),
  imageId: z.string().optional(),
  feature: anyCaseEnum(['NOTEBOOK', 'DEFAULT'] as const, 'feature').optional(),
  workspaceId: z.string().optional(),
  poolId: z.string().optional(),
  description: z.string().optional(),
  lease: z
    .object({
      duration: z.number().int().positive().optional(),
      type: anyCaseEnum(LEASE_TYPES, 'lease.type').optional(),
      enable: z.boolean().optional(),
      /**
       * How long ago the lease started (simulated ms): a number, or [min, max] spread evenly
       * across the seeded instances so their leases end at different times. Default: the lease
       * starts when the instance was created (`lease.create_at` is the creation time).
       */
      elapsedMs: z
        .union([z.number().int().min(0), z.tuple([z.number().int().min(0), z.number().int().min(0)])])
        .optional(),
    })
    .optional(),
  /** CREATING / STARTING instances never finish. */
  hang: z.boolean().optional(),
  /** `fail_reason` of failed statuses. */
  failReason: z.string().optional(),
  /**
   * The creator (`user`, `user_id`) of every seeded instance, as if that IAM user had made them
   * in the console: `name`, and `id` (32 lowercase letters and digits; default derived from the
   * name). Default: the simulator's own user, as for instances created through the API.
   */
  user: z
    .object({
      name: z.string().regex(/^[A-Za-z0-9._-]{1,64}$/, { message: 'user.name: letters, digits, ".", "_", "-"' }),
      id: z
        .string()
        .regex(/^[a-z0-9]{32}$/, { message: 'user.id: 32 lowercase letters and digits' })
        .optional(),
    })
    .optional(),
  /** Gap between consecutive `create_at` values, newest last (default 1000 ms). */
  spacingMs: z.number().int().min(0).optional(),
});
export type SeedSpec = z.input<typeof SeedSpecSchema>;

export interface SeedDeps {
  clock: Clock;
  catalog: Catalog;
  table: InstanceTable;
  user: SimUser;
}

/** Inserts `spec.count` instances and returns their ids, oldest first. */
export function seedInstances(input: SeedSpec, deps: SeedDeps): string[] {
  const parsed = SeedSpecSchema.safeParse(input);
  if (!parsed.success) {
    throw simErrors.badParameter(parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; '));
  }
  const spec = parsed.data;
  const flavor = spec.flavor ?? SIMULATOR_DEFAULT_FLAVOR;
  const imageId = spec.imageId ?? SIMULATOR_DEFAULT_IMAGE_ID;
  if (!deps.catalog.flavor(flavor)) throw simErrors.unknownFlavor(flavor, 'the simulator');
  if (!deps.catalog.image(imageId)) throw simErrors.unknownImage(imageId);
  const status = (spec.status ?? 'RUNNING') as NotebookStatus;
  const now = deps.clock.now();
  const spacing = spec.spacingMs ?? 1000;
  const prefix = spec.namePrefix ?? 'seed';
  const elapsed = spec.lease?.elapsedMs;
  const failed =
    status === 'CREATE_FAILED' || status === 'START_FAILED' || status === 'DELETE_FAILED' || status === 'ERROR';
  const ids: string[] = [];
  for (let i = 0; i < spec.count; i++) {
    const createAt = now - (spec.count - 1 - i) * spacing;
    const leaseCreateAt =
      elapsed === undefined
        ? createAt
        : now -
          (typeof elapsed === 'number'
            ? elapsed
            : Math.round(elapsed[0] + ((elapsed[1] - elapsed[0]) * i) / Math.max(1, spec.count - 1)));
    const rec = buildRecord({
      seq: deps.table.seq(),
      now,
      createAt,
      name: `${prefix}-${i}`,
      ...(spec.description !== undefined ? { description: spec.description } : {}),
      feature: spec.feature ?? 'NOTEBOOK',
      flavor,
      imageId,
      workspaceId: spec.workspaceId ?? '0',
      ...(spec.poolId !== undefined ? { poolId: spec.poolId } : {}),
      volume: { category: 'EVS', ownership: 'MANAGED', capacity: 5 },
      user: spec.user
        ? {
            id: spec.user.id ?? createHash('sha256').update(spec.user.name).digest('hex').slice(0, 32),
            name: spec.user.name,
            domain: deps.user.domain,
          }
        : deps.user,
      lease: {
        duration: spec.lease?.duration ?? DEFAULT_LEASE_MS,
        type: spec.lease?.type ?? 'TIMING',
        ...(spec.lease?.enable !== undefined ? { enable: spec.lease.enable } : {}),
        createAt: leaseCreateAt,
      },
      status,
      plan: spec.hang ? (status === 'STARTING' ? { hangStart: true } : { hangCreate: true }) : {},
      ...(failed
        ? { failReason: spec.failReason !== undefined ? same(spec.failReason) : failureReasons.seeded() }
        : {}),
    });
    rec.startKind = 'start';
    deps.table.insert(rec);
    ids.push(rec.id);
  }
  return ids;
}

/** Admin override: puts an instance into `status` from now (e.g. ERROR or FROZEN), clearing plans. */
export function forceStatus(
  table: InstanceTable,
  id: string,
  status: NotebookStatus,
  now: number,
  failReason?: string,
): boolean {
  const rec = table.get(id, now);
  if (!rec) return false;
  rec.plan = {};
  beginPhase(rec, status, now);
  if (failReason !== undefined) rec.failReason = same(failReason);
  if (status === 'CREATING') rec.createOutcome = 'pending';
  else if (rec.createOutcome === 'pending') rec.createOutcome = 'done';
  table.touched(rec);
  return true;
}
