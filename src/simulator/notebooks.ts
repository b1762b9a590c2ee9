import type { z } from 'zod';
import type { Clock } from '../clock.js';
import {
  CreateNotebookRequestSchema,
  FEATURES,
  FLAVOR_CATEGORIES,
  LEASE_TYPES,
  type LeaseType,
  MAX_LEASE_MS,
  MIN_LEASE_MS,
  NOTEBOOK_STATUSES,
  RenewLeaseRequestSchema,
  UpdateNotebookRequestSchema,
  zodIssuesToFields,
} from '../modelarts/schemas.js';
import type { Catalog, SimFlavor, SimImage } from './catalog.js';
import { DEFAULT_LEASE_MS, type LifecycleTimings, type SimUser } from './defaults.js';
import { type NotFoundStyle, simErrors } from './errors.js';
import type { Faults } from './faults.js';
import type { InstanceTable } from './instance-table.js';
import { beginPhase, type InstanceRecord } from './lifecycle.js';
import { intParam, type Page, paginate, type QueryParams } from './paging.js';
import { buildRecord } from './records.js';
import { type LeaseView, leaseView, type NotebookView, notebookView, type ViewContext } from './view.js';

export interface NotebookServiceOptions {
  clock: Clock;
  catalog: Catalog;
  table: InstanceTable;
  faults: Faults;
  timings: LifecycleTimings;
  region: string;
  random: () => number;
  notFound: NotFoundStyle;
  /** Live instances allowed (undefined = unlimited). */
  maxInstances: number | undefined;
  quotaErrorCode: 'ModelArts.6302' | 'ModelArts.0113';
}

/** A list of notebooks in the API's shape. */
export type NotebookPage = Page<NotebookView>;

/** Flavor lists carry the items twice, as `data` and `flavors`, like the real answers. */
export type FlavorPage = Page<SimFlavor> & { flavors: SimFlavor[] };

const SORT_FIELDS: Record<string, (r: InstanceRecord) => number | string> = {
  create_at: (r) => r.createAt,
  update_at: (r) => r.updateAt,
  name: (r) => r.name,
  status: (r) => r.status,
  flavor: (r) => r.flavor,
};

const STATUS_SET: ReadonlySet<string> = new Set(NOTEBOOK_STATUSES);

/** Returns the parsed body or throws ModelArts.0104 naming every bad field. */
function validate<S extends z.ZodType>(schema: S, body: unknown): z.output<S> {
  const parsed = schema.safeParse(body);
  if (parsed.success) return parsed.data;
  throw simErrors.badParameter(
    zodIssuesToFields(parsed.error)
      .map((i) => `${i.field}: ${i.message}`)
      .join('; '),
  );
}

function leaseDurationParam(raw: string): number {
  if (!/^\d+$/.test(raw)) throw simErrors.badParameter(`duration: must be a number of milliseconds, got "${raw}"`);
  const n = Number(raw);
  if (n < MIN_LEASE_MS || n > MAX_LEASE_MS) {
    throw simErrors.badParameter(`duration: must be between ${MIN_LEASE_MS} and ${MAX_LEASE_MS} ms, got ${n}`);
  }
  return n;
}

function leaseTypeParam(raw: string): LeaseType {
  const t = raw.trim().toUpperCase();
  if (!(LEASE_TYPES as readonly string[]).includes(t)) {
    throw simErrors.badParameter(`type: must be one of ${LEASE_TYPES.join(', ')}, got "${raw}"`);
  }
  return t as LeaseType;
}

/**
 * The notebook operations of the simulated ModelArts, independent of HTTP: each takes decoded
 * input, returns the answer body, or throws a {@link SimApiError}. State changes only record the
 * new phase and its time; {@link InstanceTable} evaluates the rest lazily.
 */
export class NotebookService {
  private readonly view: ViewContext;

  constructor(private readonly o: NotebookServiceOptions) {
    this.view = { catalog: o.catalog, region: o.region, timings: o.timings };
  }

  private now(): number {
    return this.o.clock.now();
  }

  /** The record, advanced to now, or the configured not-found answer. */
  private require(id: string): InstanceRecord {
    const rec = this.o.table.get(id, this.now());
    if (rec) return rec;
    const style = this.o.notFound === 'random' ? (this.o.random() < 0.5 ? '404' : '400') : this.o.notFound;
    throw simErrors.notFound(id, style);
  }

  /** Renders a record for an answer. */
  render(rec: InstanceRecord): NotebookView {
    return notebookView(rec, this.now(), this.view);
  }

  private checkFlavorAndImage(
    flavorId: string,
    imageId: string,
    storage?: string,
  ): { flavor: SimFlavor; image: SimImage } {
    const flavor = this.o.catalog.flavor(flavorId);
    if (!flavor) throw simErrors.unknownFlavor(flavorId, this.o.region);
    const image = this.o.catalog.image(imageId);
    if (!image) throw simErrors.unknownImage(imageId);
    if (!this.o.catalog.compatible(flavor, image)) {
      throw simErrors.badParameter(
        `image_id: image ${image.name} (${image.arch}, ${image.resource_categories.join('/')}) does not run on flavor ${flavor.id} (${flavor.arch}, ${flavor.category})`,
      );
    }
    if (storage !== undefined && !flavor.storages.includes(storage)) {
      throw simErrors.badParameter(
        `volume.category: flavor ${flavor.id} supports ${flavor.storages.join(', ')}, not ${storage}`,
      );
    }
    return { flavor, image };
  }

  /** POST /notebooks. Duplicate names are allowed, as on the real service. */
  create(body: unknown, user: SimUser): NotebookView {
    const req = validate(CreateNotebookRequestSchema, body);
    const { flavor } = this.checkFlavorAndImage(req.flavor, req.image_id, req.volume.category);
    const feature = req.feature ?? 'NOTEBOOK';
    if (flavor.free !== (feature === 'DEFAULT')) {
      throw simErrors.badParameter(
        flavor.free
          ? `feature: flavor ${flavor.id} is only for free DEFAULT (CodeLab) instances`
          : `flavor: a DEFAULT (CodeLab) instance needs a free flavor, not ${flavor.id}`,
      );
    }
    for (const [i, e] of (req.endpoints ?? []).entries()) {
      if (e.service === 'SSH' && !e.key_pair_names?.length) {
        throw simErrors.badParameter(`endpoints.${i}.key_pair_names: an SSH endpoint needs at least one key pair`);
      }
    }
    const now = this.now();
    if (feature === 'DEFAULT' && this.o.table.all(now).some((r) => r.feature === 'DEFAULT' && r.user.id === user.id)) {
      throw simErrors.quotaExhausted('free notebook instance (one per user)');
    }
    if (this.o.maxInstances !== undefined && this.o.table.count(now) >= this.o.maxInstances) {
      throw this.o.quotaErrorCode === 'ModelArts.0113'
        ? simErrors.quotaExhausted('notebook instances')
        : simErrors.tooManyInstances();
    }

    const plan = this.o.faults.takeCreatePlan(flavor.id);
    if (flavor.sold_out && !plan.hangCreate && plan.failCreate === undefined) {
      plan.failCreate = `Insufficient resources for flavor ${flavor.id} (sold out). Try another flavor or try again later.`;
    }
    const capacity = req.volume.capacity ?? (req.volume.category === 'EVS' ? 5 : 50);
    const rec = buildRecord({
      seq: this.o.table.seq(),
      now,
      name: req.name,
      ...(req.description !== undefined ? { description: req.description } : {}),
      feature,
      flavor: flavor.id,
      imageId: req.image_id,
      workspaceId: req.workspace_id ?? '0',
      ...(req.pool_id !== undefined ? { poolId: req.pool_id } : {}),
      volume: {
        category: req.volume.category,
        ownership: req.volume.ownership,
        capacity,
        ...(req.volume.uri !== undefined ? { uri: req.volume.uri } : {}),
        ...(req.volume.id !== undefined ? { id: req.volume.id } : {}),
      },
      endpoints: (req.endpoints ?? []).map((e) => ({
        service: e.service ?? 'NOTEBOOK',
        keyPairNames: e.key_pair_names ?? [],
        allowedAccessIps: e.allowed_access_ips ?? [],
      })),
      ...(req.hooks !== undefined ? { hooks: req.hooks } : {}),
      user,
      // A top-level duration wins over lease.duration, as documented.
      lease: { duration: req.duration ?? req.lease?.duration ?? DEFAULT_LEASE_MS, type: req.lease?.type ?? 'TIMING' },
      plan,
    });
    this.o.table.insert(rec);
    return this.render(rec);
  }

  /** GET /notebooks: filters, sort (default create_at DESC), `offset` as a page index. */
  list(query: QueryParams): NotebookPage {
    const limit = intParam(query, 'limit', 10, 1, 1000);
    const offset = intParam(query, 'offset', 0, 0, 1_000_000);
    const predicates = this.listFilters(query);
    const compare = this.listOrder(query);
    const items = this.o.table.all(this.now()).filter((r) => predicates.every((p) => p(r)));
    items.sort(compare);
    return paginate(items, limit, offset, (r) => this.render(r));
  }

  private listFilters(query: QueryParams): Array<(r: InstanceRecord) => boolean> {
    const preds: Array<(r: InstanceRecord) => boolean> = [];
    const name = query['name'];
    if (name) {
      const needle = name.toLowerCase();
      preds.push((r) => r.name.toLowerCase().includes(needle));
    }
    const status = query['status'];
    if (status) {
      const wanted = status.split(',').map((s) => s.trim().toUpperCase());
      for (const s of wanted) if (!STATUS_SET.has(s)) throw simErrors.badParameter(`status: unknown status "${s}"`);
      const set = new Set(wanted);
      preds.push((r) => set.has(r.status));
    }
    const feature = query['feature'];
    if (feature) {
      const f = feature.toUpperCase();
      if (!(FEATURES as readonly string[]).includes(f))
        throw simErrors.badParameter(`feature: must be one of ${FEATURES.join(', ')}`);
      preds.push((r) => r.feature === f);
    }
    const workspace = query['workspace_id'] ?? query['workspaceId'];
    if (workspace) preds.push((r) => r.workspaceId === workspace);
    const pool = query['pool_id'];
    if (pool) preds.push((r) => r.poolId === pool);
    const owner = query['owner'];
    if (owner) preds.push((r) => r.user.id === owner);
    return preds;
  }

  private listOrder(query: QueryParams): (a: InstanceRecord, b: InstanceRecord) => number {
    const dirRaw = (query['sort_dir'] ?? 'DESC').toUpperCase();
    if (dirRaw !== 'ASC' && dirRaw !== 'DESC') throw simErrors.badParameter('sort_dir: must be ASC or DESC');
    const dir = dirRaw === 'ASC' ? 1 : -1;
    const keys = (query['sort_key'] || 'create_at')
      .split(',')
      .map((k) => k.trim())
      .filter(Boolean);
    const getters = keys.map((k) => {
      const g = SORT_FIELDS[k];
      if (!g) throw simErrors.sortNotSupported(k);
      return g;
    });
    return (a, b) => {
      for (const g of getters) {
        const x = g(a);
        const y = g(b);
        if (x < y) return -dir;
        if (x > y) return dir;
      }
      return (a.seq - b.seq) * dir;
    };
  }

  /** GET /notebooks/{id}. */
  show(id: string): NotebookView {
    return this.render(this.require(id));
  }

  /** PUT /notebooks/{id}: name, description, endpoints, hooks any time; flavor/image only when STOPPED. */
  update(id: string, body: unknown): NotebookView {
    const req = validate(UpdateNotebookRequestSchema, body);
    const rec = this.require(id);
    if (rec.status === 'DELETING') throw simErrors.invalidState(rec.status, 'be updated');
    const now = this.now();
    const newFlavor = req.flavor !== undefined && req.flavor !== rec.flavor ? req.flavor : undefined;
    const newImage = req.image_id !== undefined && req.image_id !== rec.imageId ? req.image_id : undefined;
    if (newFlavor !== undefined || newImage !== undefined) {
      if (rec.status !== 'STOPPED')
        throw simErrors.invalidState(rec.status, 'change its flavor or image (stop it first)');
      const { flavor } = this.checkFlavorAndImage(newFlavor ?? rec.flavor, newImage ?? rec.imageId);
      if (flavor.free !== (rec.feature === 'DEFAULT')) {
        throw simErrors.badParameter(`flavor: ${flavor.id} cannot be used by a ${rec.feature} instance`);
      }
    }
    if (req.storage_new_size !== undefined) {
      if (rec.volume.category !== 'EVS')
        throw simErrors.badParameter('storage_new_size: only EVS storage can be resized');
      if (req.storage_new_size <= rec.volume.capacity) {
        throw simErrors.badParameter(`storage_new_size: must be larger than the current ${rec.volume.capacity} GB`);
      }
    }
    if (req.name !== undefined) rec.name = req.name;
    if (req.description !== undefined) rec.description = req.description;
    if (newFlavor !== undefined) rec.flavor = newFlavor;
    if (newImage !== undefined) rec.imageId = newImage;
    if (req.storage_new_size !== undefined) {
      rec.volume.capacity = req.storage_new_size;
      rec.volume.resizeUntil = now + this.o.timings.resize;
    }
    if (req.endpoints !== undefined) {
      rec.endpoints = req.endpoints.map((e) => ({
        service: e.service ?? 'NOTEBOOK',
        keyPairNames: e.key_pair_names ?? [],
        allowedAccessIps: e.allowed_access_ips ?? [],
      }));
    }
    if (req.hooks !== undefined) rec.hooks = req.hooks;
    rec.updateAt = now;
    return this.render(rec);
  }

  /** DELETE /notebooks/{id}: RUNNING/STARTING → ModelArts.6304; otherwise DELETING, then gone. */
  delete(id: string): NotebookView {
    const rec = this.require(id);
    switch (rec.status) {
      case 'RUNNING':
      case 'STARTING':
        throw simErrors.stopBeforeDelete();
      case 'STOPPING':
        throw simErrors.isStopping();
      case 'DELETING':
        return this.render(rec);
      case 'SNAPSHOTTING':
        throw simErrors.invalidState(rec.status, 'be deleted');
      default:
        break;
    }
    const plan = this.o.faults.takeDeletePlan();
    rec.plan = { ...plan };
    beginPhase(rec, 'DELETING', this.now());
    this.o.table.touched(rec);
    return this.render(rec);
  }

  /** POST /notebooks/{id}/start?duration=&type=: from STOPPED or START_FAILED; sets a new lease. */
  start(id: string, query: QueryParams): NotebookView {
    const duration = query['duration'] ? leaseDurationParam(query['duration']) : DEFAULT_LEASE_MS;
    const type = query['type'] ? leaseTypeParam(query['type']) : 'TIMING';
    const rec = this.require(id);
    switch (rec.status) {
      case 'RUNNING':
        throw simErrors.alreadyRunning();
      case 'STARTING':
        throw simErrors.isStarting();
      case 'STOPPING':
        throw simErrors.isStopping();
      case 'STOPPED':
      case 'START_FAILED':
        break;
      default:
        throw simErrors.invalidState(rec.status, 'be started');
    }
    const flavor = this.o.catalog.flavor(rec.flavor);
    const plan = this.o.faults.takeStartPlan(rec.flavor);
    if (flavor?.sold_out && !plan.hangStart && plan.failStart === undefined) {
      plan.failStart = `Insufficient resources for flavor ${rec.flavor} (sold out). Try again later.`;
    }
    const now = this.now();
    rec.plan = { ...plan };
    rec.lease = { createAt: now, duration, enable: true, type, updateAt: now };
    rec.startKind = 'start';
    beginPhase(rec, 'STARTING', now);
    return this.render(rec);
  }

  /** POST /notebooks/{id}/stop. */
  stop(id: string): NotebookView {
    const rec = this.require(id);
    switch (rec.status) {
      case 'RUNNING':
      case 'STARTING':
      case 'ERROR':
        break;
      case 'STOPPED':
      case 'START_FAILED':
        throw simErrors.alreadyStopped();
      case 'STOPPING':
        throw simErrors.isStopping();
      default:
        throw simErrors.invalidState(rec.status, 'be stopped');
    }
    delete rec.plan.hangStart;
    delete rec.plan.failStart;
    beginPhase(rec, 'STOPPING', this.now());
    return this.render(rec);
  }

  /** GET /notebooks/{id}/lease. */
  showLease(id: string): LeaseView {
    return leaseView(this.require(id));
  }

  /**
   * PATCH /notebooks/{id}/lease. `duration` is the total run time from `lease.create_at`. A
   * `duration` query parameter wins: the body is then ignored and the type becomes TIMING.
   */
  renewLease(id: string, query: QueryParams, body: () => unknown): LeaseView {
    let duration: number | undefined;
    let type: LeaseType | undefined;
    if (query['duration'] !== undefined) {
      duration = leaseDurationParam(query['duration']);
      type = 'TIMING';
    } else {
      const req = validate(RenewLeaseRequestSchema, body() ?? {});
      duration = req.duration;
      type = req.type;
      if (duration === undefined && type === undefined) throw simErrors.badParameter('duration or type is required');
    }
    const rec = this.require(id);
    if (rec.status !== 'RUNNING') throw simErrors.invalidState(rec.status, 'renew its lease (it must be RUNNING)');
    const now = this.now();
    rec.lease = {
      ...rec.lease,
      ...(duration !== undefined ? { duration } : {}),
      ...(type !== undefined ? { type } : {}),
      enable: true,
      updateAt: now,
    };
    return leaseView(rec);
  }

  /** GET /notebooks/flavors?category=&type=&limit=&offset=. */
  listFlavors(query: QueryParams): FlavorPage {
    const category = query['category']?.toUpperCase();
    if (category && !(FLAVOR_CATEGORIES as readonly string[]).includes(category)) {
      throw simErrors.badParameter(`category: must be one of ${FLAVOR_CATEGORIES.join(', ')}`);
    }
    const type = query['type']?.toUpperCase();
    if (type && type !== 'MANAGED' && type !== 'DEDICATED')
      throw simErrors.badParameter('type: must be MANAGED or DEDICATED');
    // Every simulated flavor belongs to the public (MANAGED) pool.
    const items =
      type === 'DEDICATED' ? [] : this.o.catalog.flavors.filter((f) => !category || f.category === category);
    return this.flavorPage(items, query);
  }

  /** GET /notebooks/{id}/flavors. */
  switchableFlavors(id: string, query: QueryParams): FlavorPage {
    const rec = this.require(id);
    return this.flavorPage(this.o.catalog.switchable(rec.flavor, this.o.catalog.image(rec.imageId)), query);
  }

  private flavorPage(items: readonly SimFlavor[], query: QueryParams): FlavorPage {
    const limit = intParam(query, 'limit', Math.max(items.length, 1), 1, 1000);
    const offset = intParam(query, 'offset', 0, 0, 1_000_000);
    const page = paginate(items, limit, offset, (f) => f);
    return { ...page, flavors: page.data };
  }

  /** GET /images?type=&name=&name_fuzzy_match=&service_type=&workspace_id=&limit=&offset=. */
  listImages(query: QueryParams): Page<SimImage> {
    const limit = intParam(query, 'limit', 200, 1, 1000);
    const offset = intParam(query, 'offset', 0, 0, 1_000_000);
    const type = query['type']?.toUpperCase();
    if (type && type !== 'BUILD_IN' && type !== 'DEDICATED')
      throw simErrors.badParameter('type: must be BUILD_IN or DEDICATED');
    const name = query['name'];
    const fuzzy = query['name_fuzzy_match'] === 'true';
    const serviceType = query['service_type']?.toUpperCase();
    const workspace = query['workspace_id'];
    const items = this.o.catalog.images.filter(
      (i) =>
        (!type || i.type === type) &&
        (!name || (fuzzy ? i.name.toLowerCase().includes(name.toLowerCase()) : i.name === name)) &&
        (!serviceType || i.service_type === serviceType) &&
        (!workspace || i.workspace_id === workspace),
    );
    items.sort((a, b) => b.create_at - a.create_at);
    return paginate(items, limit, offset, (i) => i);
  }
}
