import { z } from 'zod';

/**
 * zod schemas for the ModelArts notebook API.
 *
 * Requests carry the documented limits so bad input is rejected before any call, with an issue
 * path that names the field. Enums are accepted in any case and sent uppercase (the docs' own
 * example sends `"category": "evs"`). Responses are loose: unknown fields pass through and
 * optional fields may be missing, because the docs and the live service differ.
 */

export const MIN_LEASE_MS = 3_600_000;
export const MAX_LEASE_MS = 259_200_000;
export const MIN_CAPACITY_GB = 5;
export const MAX_CAPACITY_GB = 4096;
export const MAX_NAME_LENGTH = 128;
export const MAX_DESCRIPTION_LENGTH = 512;
export const MAX_ALLOWED_IPS = 5;

/** An enum that accepts any case on input and yields the uppercase value. */
export function upperEnum<const T extends readonly [string, ...string[]]>(values: T, label: string) {
  return z
    .string({ message: `${label} is required` })
    .trim()
    .transform((v) => v.toUpperCase())
    .pipe(z.enum(values, { message: `${label} must be one of ${values.join(', ')}` }));
}

/** Same as `upperEnum` for response fields: unknown values are kept (uppercased) rather than rejected. */
function looseUpper() {
  return z.string().transform((v) => v.toUpperCase());
}

export const STORAGE_CATEGORIES = ['EVS', 'SFS', 'OBS', 'OBSFS', 'EFS'] as const;
export const OWNERSHIPS = ['MANAGED', 'DEDICATED'] as const;
export const LEASE_TYPES = ['TIMING', 'IDLE'] as const;
export const FEATURES = ['NOTEBOOK', 'DEFAULT'] as const;
export const ENDPOINT_SERVICES = ['NOTEBOOK', 'SSH'] as const;
export const HOOK_TYPES = ['COMMAND', 'SCRIPT'] as const;
export const FLAVOR_CATEGORIES = ['CPU', 'GPU', 'ASCEND'] as const;

export type LeaseType = (typeof LEASE_TYPES)[number];
export type StorageCategory = (typeof STORAGE_CATEGORIES)[number];

const TRANSITIONAL = ['INIT', 'CREATING', 'STARTING', 'STOPPING', 'DELETING', 'SNAPSHOTTING'] as const;
const FAILED = ['CREATE_FAILED', 'START_FAILED', 'DELETE_FAILED', 'ERROR'] as const;
export const NOTEBOOK_STATUSES = [...TRANSITIONAL, 'RUNNING', 'STOPPED', 'FROZEN', 'DELETED', ...FAILED] as const;
export type NotebookStatus = (typeof NOTEBOOK_STATUSES)[number];
export const TRANSITIONAL_STATUSES: ReadonlySet<string> = new Set(TRANSITIONAL);
export const FAILED_STATUSES: ReadonlySet<string> = new Set(FAILED);

export const notebookName = z
  .string({ message: 'name is required' })
  .trim()
  .min(1, { message: 'name is required' })
  .max(MAX_NAME_LENGTH, { message: `name must be at most ${MAX_NAME_LENGTH} characters` })
  .regex(/^[A-Za-z0-9_-]+$/, { message: 'name may contain only letters, digits, "-" and "_"' });

export const notebookDescription = z
  .string()
  .max(MAX_DESCRIPTION_LENGTH, { message: `description must be at most ${MAX_DESCRIPTION_LENGTH} characters` })
  .regex(/^[^&<>"'/]*$/, { message: 'description must not contain any of & < > " \' /' });

export const leaseDurationMs = z
  .number({ message: 'duration must be a number of milliseconds' })
  .int({ message: 'duration must be a whole number of milliseconds' })
  .min(MIN_LEASE_MS, { message: 'duration must be at least 1 hour' })
  .max(MAX_LEASE_MS, { message: 'duration must be at most 72 hours' });

const ipv4 = z.ipv4({ message: 'must be an IPv4 address such as 203.0.113.7' });

export const EndpointReqSchema = z.object({
  service: upperEnum(ENDPOINT_SERVICES, 'endpoints.service').optional(),
  key_pair_names: z
    .array(z.string().trim().min(1).max(64, { message: 'key pair names are at most 64 characters' }))
    .max(10)
    .optional(),
  allowed_access_ips: z
    .array(ipv4)
    .max(MAX_ALLOWED_IPS, { message: `at most ${MAX_ALLOWED_IPS} allowed IPs` })
    .optional(),
});

export const VolumeReqSchema = z
  .object({
    category: upperEnum(STORAGE_CATEGORIES, 'volume.category'),
    ownership: upperEnum(OWNERSHIPS, 'volume.ownership'),
    capacity: z
      .number({ message: 'capacity must be a number of GB' })
      .int({ message: 'capacity must be a whole number of GB' })
      .min(MIN_CAPACITY_GB, { message: `capacity must be at least ${MIN_CAPACITY_GB} GB` })
      .max(MAX_CAPACITY_GB, { message: `capacity must be at most ${MAX_CAPACITY_GB} GB` })
      .optional(),
    uri: z.string().trim().min(1).max(1024).optional(),
    /** The SFS Turbo (EFS) file system id: a UUID (`model_volume_req.go` Id). */
    id: z
      .string()
      .trim()
      .regex(/^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$/, {
        message: 'the file system id is a UUID (SFS Turbo console > file system > ID)',
      })
      .optional(),
    /**
     * The DEW (Data Encryption Workshop) secret holding the AK/SK an OBS mount uses; required for
     * OBS ("当category为OBS时必填", huaweicloud-sdk-go-v3 `model_volume_req.go`).
     */
    dew_secret_name: z
      .string()
      .trim()
      .regex(/^[A-Za-z0-9_-]{1,64}$/, { message: 'the DEW secret name is 1-64 letters, digits, "-" and "_"' })
      .optional(),
  })
  .superRefine((v, ctx) => {
    if (v.category === 'OBS' && !v.dew_secret_name) {
      ctx.addIssue({
        code: 'custom',
        path: ['dew_secret_name'],
        message: 'an OBS volume needs the name of the DEW secret that holds its access keys',
      });
    }
    if (v.uri && (v.category === 'OBS' || v.category === 'OBSFS') && !v.uri.startsWith('obs://')) {
      ctx.addIssue({
        code: 'custom',
        path: ['uri'],
        message: 'an OBS path starts with obs://, e.g. obs://bucket/dir/',
      });
    }
    if (v.ownership === 'DEDICATED') {
      if (v.category !== 'EFS' && v.category !== 'OBS' && v.category !== 'OBSFS') {
        ctx.addIssue({
          code: 'custom',
          path: ['ownership'],
          message: 'DEDICATED storage is only for EFS, OBS or OBSFS',
        });
      }
      if (!v.uri) {
        ctx.addIssue({
          code: 'custom',
          path: ['uri'],
          message: `a ${v.category} DEDICATED volume needs its uri (the shared path)`,
        });
      }
      if (v.category === 'EFS' && !v.id) {
        ctx.addIssue({ code: 'custom', path: ['id'], message: 'an EFS DEDICATED volume needs its file system id' });
      }
    }
  });

export const HookConfigSchema = z.object({
  type: upperEnum(HOOK_TYPES, 'hook type').optional(),
  /** Base64 of a command (COMMAND) or an absolute script path (SCRIPT). */
  script: z.string().min(1).max(16_384, { message: 'the hook script must be at most 16 KB' }).optional(),
});

export const HooksSchema = z.object({
  container_hooks: z
    .object({ pre_start: HookConfigSchema.optional(), post_start: HookConfigSchema.optional() })
    .optional(),
});

/** A lease as requests carry it (create's `lease`, start's query, renew's body): `typeLabel` names its type in messages. */
function leaseRequest(typeLabel: string) {
  return z.object({
    duration: leaseDurationMs.optional(),
    type: upperEnum(LEASE_TYPES, typeLabel).optional(),
  });
}

export const LeaseReqSchema = leaseRequest('lease.type');

export const CreateNotebookRequestSchema = z.object({
  name: notebookName,
  description: notebookDescription.optional(),
  flavor: z.string({ message: 'flavor is required' }).trim().min(1, { message: 'flavor is required' }).max(128),
  image_id: z
    .string({ message: 'image_id is required' })
    .trim()
    .regex(/^[0-9a-fA-F-]{8,64}$/, { message: 'image_id must be an image UUID (pick one from the image list)' }),
  volume: VolumeReqSchema,
  feature: upperEnum(FEATURES, 'feature').optional(),
  pool_id: z.string().trim().min(1).max(64).optional(),
  workspace_id: z
    .string()
    .regex(/^(0|[0-9a-z]{32})$/, { message: 'workspace_id is "0" or 32 lowercase letters and digits' })
    .optional(),
  endpoints: z.array(EndpointReqSchema).max(2).optional(),
  hooks: HooksSchema.optional(),
  lease: LeaseReqSchema.optional(),
  /** Top-level `duration` overrides `lease.duration` on the service; prefer `lease`. */
  duration: leaseDurationMs.optional(),
});
export type CreateNotebookInput = z.input<typeof CreateNotebookRequestSchema>;
export type CreateNotebookRequest = z.output<typeof CreateNotebookRequestSchema>;

export const UpdateNotebookRequestSchema = z.object({
  name: notebookName.optional(),
  description: notebookDescription.optional(),
  flavor: z.string().trim().min(1).max(128).optional(),
  image_id: z.string().trim().min(1).max(64).optional(),
  storage_new_size: z.number().int().min(MIN_CAPACITY_GB).max(MAX_CAPACITY_GB).optional(),
  endpoints: z.array(EndpointReqSchema).max(2).optional(),
  hooks: HooksSchema.optional(),
});
export type UpdateNotebookRequest = z.output<typeof UpdateNotebookRequestSchema>;

export const StartNotebookParamsSchema = leaseRequest('type');
export type StartNotebookParams = z.input<typeof StartNotebookParamsSchema>;

export const RenewLeaseRequestSchema = leaseRequest('type');
export type RenewLeaseRequest = z.input<typeof RenewLeaseRequestSchema>;

/**
 * Page sizes ListNotebooks accepts: 10, 20 or 50, default 10 (huaweicloud-sdk-go-v3
 * `services/modelarts/v1/model/model_list_notebooks_request.go`, `Limit`: 取值范围 [10,20,50]).
 * Anything else is refused with ModelArts.0104.
 */
export const NOTEBOOK_PAGE_SIZES = [10, 20, 50] as const;
export type NotebookPageSize = (typeof NOTEBOOK_PAGE_SIZES)[number];
/** The page size of every walk over notebooks: the largest the service allows. */
export const NOTEBOOK_WALK_PAGE_SIZE: NotebookPageSize = 50;

export const ListNotebooksQuerySchema = z.object({
  limit: z
    .union(NOTEBOOK_PAGE_SIZES.map((n) => z.literal(n)) as [z.ZodLiteral<10>, z.ZodLiteral<20>, z.ZodLiteral<50>], {
      message: `limit must be one of ${NOTEBOOK_PAGE_SIZES.join(', ')} (ModelArts accepts no other page size)`,
    })
    .optional(),
  offset: z.number().int().min(0).optional(),
  name: z
    .string()
    .max(MAX_NAME_LENGTH)
    .regex(/^[A-Za-z0-9_-]*$/, { message: 'name may contain only letters, digits, "-" and "_"' })
    .optional(),
  status: upperEnum(NOTEBOOK_STATUSES, 'status').optional(),
  feature: upperEnum(FEATURES, 'feature').optional(),
  pool_id: z.string().optional(),
  /** The creator's IAM user id (32 lowercase letters and digits). */
  owner: z.string().optional(),
  /** The creator's IAM user name, fuzzy. */
  username: z.string().max(256).optional(),
  workspace_id: z.string().optional(),
  sort_dir: upperEnum(['ASC', 'DESC'] as const, 'sort_dir').optional(),
  sort_key: z.string().optional(),
});
export type ListNotebooksQuery = z.input<typeof ListNotebooksQuerySchema>;

/** `limit` and `offset` of the list queries that page by up to 1000 (flavors, images). */
const PAGING = {
  limit: z.number().int().min(1).max(1000).optional(),
  offset: z.number().int().min(0).optional(),
};

export const ListFlavorsQuerySchema = z.object({
  category: upperEnum(FLAVOR_CATEGORIES, 'category').optional(),
  type: upperEnum(OWNERSHIPS, 'type').optional(),
  ...PAGING,
});
export type ListFlavorsQuery = z.input<typeof ListFlavorsQuerySchema>;

export const ListImagesQuerySchema = z.object({
  ...PAGING,
  name: z.string().optional(),
  name_fuzzy_match: z.boolean().optional(),
  type: upperEnum(['BUILD_IN', 'DEDICATED'] as const, 'type').optional(),
  service_type: z.string().optional(),
  workspace_id: z.string().optional(),
});
export type ListImagesQuery = z.input<typeof ListImagesQuerySchema>;

// ---------------------------------------------------------------- responses (loose)

export const LeaseSchema = z.looseObject({
  create_at: z.number().optional(),
  duration: z.number().optional(),
  enable: z.boolean().optional(),
  type: looseUpper().optional(),
  update_at: z.number().optional(),
});
export type Lease = z.output<typeof LeaseSchema>;

export const ActionProgressSchema = z.looseObject({
  notebook_id: z.string().optional(),
  status: looseUpper().optional(),
  step: z.number().optional(),
  step_description: z.string().optional(),
});
export type ActionProgress = z.output<typeof ActionProgressSchema>;

export const ImageRefSchema = z.looseObject({
  id: z.string().optional(),
  name: z.string().optional(),
  arch: z.string().optional(),
  type: z.string().optional(),
  tag: z.string().optional(),
  swr_path: z.string().optional(),
  description: z.string().optional(),
});

/** `{id, name}`: a notebook's pool and its creator. */
const IdNameSchema = z.looseObject({ id: z.string().optional(), name: z.string().optional() });

export const NotebookSchema = z.looseObject({
  id: z.string(),
  name: z.string().optional().default(''),
  status: looseUpper().optional().default('UNKNOWN'),
  description: z.string().optional(),
  flavor: z.string().optional(),
  feature: z.string().optional(),
  fail_reason: z.string().optional(),
  action_progress: z.array(ActionProgressSchema).optional(),
  image: ImageRefSchema.optional(),
  lease: LeaseSchema.optional(),
  pool: IdNameSchema.optional(),
  /** The Jupyter token: never logged, never shown. */
  token: z.string().optional(),
  url: z.string().optional(),
  volume: z
    .looseObject({
      capacity: z.number().optional(),
      category: z.string().optional(),
      ownership: z.string().optional(),
      mount_path: z.string().optional(),
      status: z.string().optional(),
    })
    .optional(),
  workspace_id: z.string().optional(),
  endpoints: z.array(z.looseObject({})).optional(),
  create_at: z.number().optional(),
  update_at: z.number().optional(),
  user: IdNameSchema.optional(),
});
export type Notebook = z.output<typeof NotebookSchema>;

/** A list response: `{current, data[], pages, size, total}` around items of `item`. */
function pageOf<T extends z.ZodType>(item: T) {
  return z.looseObject({
    current: z.number().optional(),
    data: z.array(item).optional().default([]),
    pages: z.number().optional(),
    size: z.number().optional(),
    total: z.number().optional(),
  });
}

export const ListNotebooksResponseSchema = pageOf(NotebookSchema);

/**
 * A notebook cut down to its state: what an operation waiting on it and the status board use
 * (status, failure, creation steps, lease, storage status, address, and the token only to keep
 * an address that carries it out). Unknown and other fields are dropped while parsing, so a
 * list of many notebooks read every few seconds costs a fraction of full records. Each field is
 * parsed as NotebookSchema parses it.
 */
export const NotebookStateSchema = z.object({
  ...NotebookSchema.pick({
    id: true,
    name: true,
    status: true,
    flavor: true,
    fail_reason: true,
    action_progress: true,
    lease: true,
    token: true,
    url: true,
    workspace_id: true,
    create_at: true,
  }).shape,
  // Of the storage, only its status (a notebook waits for it).
  volume: z.object({ status: z.string().optional() }).optional(),
});
export type NotebookState = z.output<typeof NotebookStateSchema>;

/** A ListNotebooks page of notebook states (see NotebookStateSchema). */
export const ListNotebookStatesResponseSchema = pageOf(NotebookStateSchema);
export type ListNotebookStatesResponse = z.output<typeof ListNotebookStatesResponseSchema>;
export type ListNotebooksResponse = z.output<typeof ListNotebooksResponseSchema>;

/**
 * A number that Huawei's own examples send as a string (`"gpu_memory": "16"`, in GB). Read as a
 * number either way; a string that does not start with one becomes undefined, not a failure.
 */
function numberOrNumericString() {
  return z.union([z.number(), z.string()]).transform((v) => {
    const n = typeof v === 'number' ? v : Number.parseFloat(v);
    return Number.isFinite(n) ? n : undefined;
  });
}

export const FlavorSchema = z.looseObject({
  id: z.string(),
  name: z.string().optional(),
  arch: z.string().optional(),
  category: looseUpper().optional(),
  description: z.string().optional(),
  vcpus: z.number().optional(),
  memory: z.number().optional(),
  gpu: z
    .looseObject({
      gpu: z.number().optional(),
      gpu_memory: numberOrNumericString().optional(),
      type: z.string().optional(),
    })
    .optional(),
  free: z.boolean().optional(),
  sold_out: z.boolean().optional(),
  storages: z.array(z.string()).optional(),
  billing: z.looseObject({ code: z.string().optional(), unit_num: z.number().optional() }).optional(),
});
export type Flavor = z.output<typeof FlavorSchema>;

/**
 * ShowSwitchableFlavors answers its items under `flavors` (chnsz/golangsdk
 * `openstack/modelarts/v1/notebook/results.go` reads only that key); ListFlavors pages may use
 * `data`. Either way the items end up in `data`.
 */
export const ListFlavorsResponseSchema = pageOf(FlavorSchema)
  .extend({ flavors: z.array(FlavorSchema).optional() })
  .transform(({ flavors, ...page }) => ({ ...page, data: page.data.length > 0 ? page.data : (flavors ?? []) }));

export const ImageSchema = z.looseObject({
  id: z.string(),
  name: z.string().optional(),
  arch: looseUpper().optional(),
  create_at: z.number().optional(),
  update_at: z.number().optional(),
  description: z.string().optional(),
  dev_services: z.array(z.string()).optional(),
  resource_categories: z.array(z.string()).optional(),
  support_res_categories: z.array(z.string()).optional(),
  service_type: z.string().optional(),
  status: z.string().optional(),
  swr_path: z.string().optional(),
  tag: z.string().optional(),
  type: z.string().optional(),
  visibility: z.string().optional(),
  workspace_id: z.string().optional(),
});
export type Image = z.output<typeof ImageSchema>;

export const ListImagesResponseSchema = pageOf(ImageSchema);

/** Turns zod issues into field-named problems (`volume.capacity: capacity must be at least 5 GB`). */
export function zodIssuesToFields(error: z.ZodError): Array<{ field: string; message: string }> {
  return error.issues.map((i) => ({ field: i.path.map(String).join('.') || '(request)', message: i.message }));
}

/** The value at a zod issue path in the raw input (zod 4 leaves `issue.input` out by default). */
export function valueAt(raw: unknown, path: readonly PropertyKey[]): unknown {
  let v: unknown = raw;
  for (const k of path) {
    if (v === null || typeof v !== 'object') return undefined;
    v = (v as Record<PropertyKey, unknown>)[k];
  }
  return v;
}

/** Milliseconds left on a lease: `create_at + duration - now` (duration counts from create_at). */
export function leaseRemainingMs(lease: Lease | undefined, now: number): number | undefined {
  if (!lease || lease.create_at === undefined || lease.duration === undefined) return undefined;
  return lease.create_at + lease.duration - now;
}
