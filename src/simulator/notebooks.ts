import type { Clock } from '../clock.js';
import type { Catalog, SimFlavor, SimImage } from './catalog.js';
import type { LifecycleTimings, SimUser } from './defaults.js';
import { type NotFoundForm, type NotFoundStyle, simErrors } from './errors.js';
import { type Faults, failureReasons } from './faults.js';
import type { InstanceTable } from './instance-table.js';
import { type Lang, text } from './language.js';
import { beginPhase, type InstanceRecord, type VolumeState } from './lifecycle.js';
import { type Page, paginate, type QueryParams } from './paging.js';
import { buildRecord } from './records.js';
import {
  type ListNotebooksRequest,
  type NotebookSortKey,
  parseCreateBody,
  parseListFlavorsQuery,
  parseListImagesQuery,
  parseListNotebooksQuery,
  parseRenewRequest,
  parseStartQuery,
  parseSwitchableFlavorsQuery,
  parseUpdateBody,
  type VolumeRequest,
} from './request-rules.js';
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

/** ListFlavors: a page of flavors under `data` (Terraform's notebook_flavors data source reads `data`). */
export type FlavorPage = Page<SimFlavor>;

/**
 * ShowSwitchableFlavors: the flavors under `flavors` (golangsdk `results.go` flavorResp reads only
 * `flavors`). The SDK model also declares `data` and paging fields, but the client code that
 * calls the real service reads `flavors`, so the simulator sends only that key.
 */
export interface SwitchableFlavors {
  flavors: SimFlavor[];
}

const SORT_FIELDS: Record<NotebookSortKey, (r: InstanceRecord) => number | string> = {
  create_at: (r) => r.createAt,
  update_at: (r) => r.updateAt,
  name: (r) => r.name,
  status: (r) => r.status,
  flavor: (r) => r.flavor,
};

function volumeState(v: VolumeRequest): VolumeState {
  return {
    category: v.category,
    ownership: v.ownership,
    // Seed page: "The default value is 5 GB for EVS and 50 GB for EFS."
    capacity: v.capacity ?? (v.category === 'EVS' ? 5 : 50),
    ...(v.uri !== undefined ? { uri: v.uri } : {}),
    ...(v.id !== undefined ? { id: v.id } : {}),
    ...(v.dewSecretName !== undefined ? { dewSecretName: v.dewSecretName } : {}),
    ...(v.mountPath !== undefined ? { mountPath: v.mountPath } : {}),
    ...(v.readOnly !== undefined ? { readOnly: v.readOnly } : {}),
  };
}

const act = {
  update: text('be updated', '更新'),
  changeFlavor: text('change its flavor or image (stop it first)', '变更规格或镜像（请先停止实例）'),
  delete: text('be deleted', '删除'),
  start: text('be started', '启动'),
  stop: text('be stopped', '停止'),
  renew: text('renew its lease (it must be RUNNING)', '续期（实例必须处于RUNNING状态）'),
} as const;

/**
 * The notebook operations of the simulated ModelArts, independent of HTTP: each takes decoded
 * input, returns the answer body, or throws a {@link SimApiError}. Requests are checked by
 * request-rules.ts (Huawei's contract), never by the client's schemas. State changes only record
 * the new phase and its time; {@link InstanceTable} evaluates the rest lazily.
 */
export class NotebookService {
  private readonly view: ViewContext;

  constructor(private readonly o: NotebookServiceOptions) {
    this.view = { catalog: o.catalog, region: o.region, timings: o.timings };
  }

  private now(): number {
    return this.o.clock.now();
  }

  private notFoundForm(): NotFoundForm {
    if (this.o.notFound !== 'random') return this.o.notFound;
    const r = this.o.random();
    return r < 1 / 3 ? '404' : r < 2 / 3 ? '400' : '6309';
  }

  /** The record, advanced to now, or the configured not-found answer. */
  private require(id: string): InstanceRecord {
    const rec = this.o.table.get(id, this.now());
    if (rec) return rec;
    throw simErrors.notFound(id, this.notFoundForm());
  }

  /** Renders a record for an answer, in `lang` (English for tests and the admin endpoints). */
  render(rec: InstanceRecord, lang: Lang = 'en'): NotebookView {
    return notebookView(rec, this.now(), this.view, lang);
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
      const cats = image.resource_categories.join('/');
      throw simErrors.badParameter(
        text(
          `image_id: image ${image.name} (${image.arch}, ${cats}) does not run on flavor ${flavor.id} (${flavor.arch}, ${flavor.category})`,
          `image_id：镜像${image.name}（${image.arch}，${cats}）不能运行在规格${flavor.id}（${flavor.arch}，${flavor.category}）上`,
        ),
      );
    }
    // NotebookFlavor.storages lists the storage kinds a flavor supports (model_notebook_flavor.go).
    if (storage !== undefined && !flavor.storages.includes(storage)) {
      throw simErrors.badParameter(
        text(
          `volume.category: flavor ${flavor.id} supports ${flavor.storages.join(', ')}, not ${storage}`,
          `volume.category：规格${flavor.id}支持${flavor.storages.join('、')}，不支持${storage}`,
        ),
      );
    }
    return { flavor, image };
  }

  /** POST /notebooks. Duplicate names are allowed ("名称可重复", seeds create-notebook.current.txt). */
  create(body: unknown, user: SimUser, lang: Lang = 'en'): NotebookView {
    const req = parseCreateBody(body);
    const { flavor } = this.checkFlavorAndImage(req.flavor, req.imageId, req.volume.category);
    const feature = req.feature;
    if (flavor.free !== (feature === 'DEFAULT')) {
      throw simErrors.badParameter(
        flavor.free
          ? text(
              `feature: flavor ${flavor.id} is only for free DEFAULT (CodeLab) instances`,
              `feature：规格${flavor.id}仅用于免费的DEFAULT（CodeLab）实例`,
            )
          : text(
              `flavor: a DEFAULT (CodeLab) instance needs a free flavor, not ${flavor.id}`,
              `flavor：DEFAULT（CodeLab）实例需要免费规格，不能使用${flavor.id}`,
            ),
      );
    }
    const now = this.now();
    // "DEFAULT：CodeLab免费规格实例，每个用户最多只能创建一个" (model_notebook_create_request.go).
    if (feature === 'DEFAULT' && this.o.table.all(now).some((r) => r.feature === 'DEFAULT' && r.user.id === user.id)) {
      throw simErrors.quotaExhausted(text('free notebook instance (one per user)', '免费Notebook实例（每个用户一个）'));
    }
    if (this.o.maxInstances !== undefined && this.o.table.count(now) >= this.o.maxInstances) {
      throw this.o.quotaErrorCode === 'ModelArts.0113'
        ? simErrors.quotaExhausted(text('notebook instances', 'Notebook实例'))
        : simErrors.tooManyInstances();
    }

    const plan = this.o.faults.takeCreatePlan(flavor.id);
    if (flavor.sold_out && !plan.hangCreate && plan.failCreate === undefined) {
      plan.failCreate = failureReasons.createSoldOut(flavor.id);
    }
    const rec = buildRecord({
      seq: this.o.table.seq(),
      now,
      name: req.name,
      ...(req.description !== undefined ? { description: req.description } : {}),
      feature,
      flavor: flavor.id,
      imageId: req.imageId,
      workspaceId: req.workspaceId,
      ...(req.poolId !== undefined ? { poolId: req.poolId } : {}),
      volume: volumeState(req.volume),
      dataVolumes: req.dataVolumes.map(volumeState),
      endpoints: req.endpoints.map((e) => ({
        service: e.service,
        keyPairNames: e.keyPairNames,
        allowedAccessIps: e.allowedAccessIps,
      })),
      ...(req.hooks !== undefined ? { hooks: req.hooks } : {}),
      tags: req.tags,
      user,
      // The lease starts now: create_at = now, duration = the run time asked for.
      lease: { duration: req.lease.duration, type: req.lease.type, enable: req.lease.enable },
      plan,
    });
    this.o.table.insert(rec);
    return this.render(rec, lang);
  }

  /** GET /notebooks: filters, sort (default create_at DESC), `offset` a record offset, `limit` 10/20/50. */
  list(query: QueryParams, lang: Lang = 'en'): NotebookPage {
    const req = parseListNotebooksQuery(query);
    const predicates = this.listFilters(req);
    const compare = this.listOrder(req);
    const items = this.o.table.all(this.now()).filter((r) => predicates.every((p) => p(r)));
    items.sort(compare);
    return paginate(items, req.limit, req.offset, (r) => this.render(r, lang));
  }

  private listFilters(q: ListNotebooksRequest): Array<(r: InstanceRecord) => boolean> {
    const preds: Array<(r: InstanceRecord) => boolean> = [];
    const fuzzy = (needle: string | undefined, get: (r: InstanceRecord) => string | undefined) => {
      if (needle === undefined) return;
      const n = needle.toLowerCase();
      preds.push((r) => (get(r) ?? '').toLowerCase().includes(n));
    };
    const exact = (value: string | undefined, get: (r: InstanceRecord) => string | undefined) => {
      if (value !== undefined) preds.push((r) => get(r) === value);
    };
    // Fuzzy where the SDK says "支持模糊匹配查询": name, username, flavor, swr_path, pool_name, description.
    fuzzy(q.name, (r) => r.name);
    fuzzy(q.username, (r) => r.user.name);
    fuzzy(q.flavor, (r) => r.flavor);
    fuzzy(q.swrPath, (r) => this.o.catalog.image(r.imageId)?.swr_path);
    fuzzy(q.poolName, (r) => (r.poolId !== undefined ? `pool-${r.poolId.slice(0, 8)}` : undefined));
    fuzzy(q.description, (r) => r.description);
    exact(q.status, (r) => r.status);
    exact(q.feature, (r) => r.feature);
    exact(q.workspaceId, (r) => r.workspaceId);
    exact(q.poolId, (r) => r.poolId);
    exact(q.owner, (r) => r.user.id);
    exact(q.imageId, (r) => r.imageId);
    exact(q.id, (r) => r.id);
    // Simulated instances have no node IP: an ip filter matches nothing.
    if (q.ip !== undefined) preds.push(() => false);
    if (q.tags) {
      const wanted = q.tags;
      preds.push((r) =>
        wanted.every((t) => r.tags.some((x) => x.key === t.key && (t.value === '' || x.value === t.value))),
      );
    }
    return preds;
  }

  private listOrder(q: ListNotebooksRequest): (a: InstanceRecord, b: InstanceRecord) => number {
    const dir = q.sortDir === 'ASC' ? 1 : -1;
    const getters = q.sortKeys.map((k) => SORT_FIELDS[k]);
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
  show(id: string, lang: Lang = 'en'): NotebookView {
    return this.render(this.require(id), lang);
  }

  /** PUT /notebooks/{id}: name, description, endpoints, hooks any time; flavor/image only when STOPPED. */
  update(id: string, body: unknown, lang: Lang = 'en'): NotebookView {
    const req = parseUpdateBody(body);
    const rec = this.require(id);
    if (rec.status === 'DELETING') throw simErrors.invalidState(rec.status, act.update);
    const now = this.now();
    const newFlavor = req.flavor !== undefined && req.flavor !== rec.flavor ? req.flavor : undefined;
    const newImage = req.imageId !== undefined && req.imageId !== rec.imageId ? req.imageId : undefined;
    if (newFlavor !== undefined || newImage !== undefined) {
      // Terraform stops the instance before changing flavor or image (resource_huaweicloud_modelarts_notebook.go).
      if (rec.status !== 'STOPPED') throw simErrors.invalidState(rec.status, act.changeFlavor);
      const { flavor } = this.checkFlavorAndImage(newFlavor ?? rec.flavor, newImage ?? rec.imageId);
      if (flavor.free !== (rec.feature === 'DEFAULT')) {
        throw simErrors.badParameter(
          text(
            `flavor: ${flavor.id} cannot be used by a ${rec.feature} instance`,
            `flavor：${rec.feature}实例不能使用规格${flavor.id}`,
          ),
        );
      }
    }
    if (req.storageNewSize !== undefined) {
      if (rec.volume.category !== 'EVS') {
        throw simErrors.badParameter(
          text('storage_new_size: only EVS storage can be resized', 'storage_new_size：只有EVS存储支持扩容'),
        );
      }
      // "只允许扩容，不允许缩容" (model_notebook_update_request.go).
      if (req.storageNewSize <= rec.volume.capacity) {
        throw simErrors.badParameter(
          text(
            `storage_new_size: must be larger than the current ${rec.volume.capacity} GB`,
            `storage_new_size：必须大于当前容量${rec.volume.capacity}GB`,
          ),
        );
      }
    }
    if (req.name !== undefined) rec.name = req.name;
    if (req.description !== undefined) rec.description = req.description;
    if (newFlavor !== undefined) rec.flavor = newFlavor;
    if (newImage !== undefined) rec.imageId = newImage;
    if (req.storageNewSize !== undefined) {
      rec.volume.capacity = req.storageNewSize;
      rec.volume.resizeUntil = now + this.o.timings.resize;
    }
    if (req.endpoints !== undefined) {
      rec.endpoints = req.endpoints.map((e) => ({
        service: e.service,
        keyPairNames: e.keyPairNames,
        allowedAccessIps: e.allowedAccessIps,
      }));
    }
    if (req.hooks !== undefined) rec.hooks = req.hooks;
    rec.updateAt = now;
    return this.render(rec, lang);
  }

  /** DELETE /notebooks/{id}: RUNNING/STARTING → ModelArts.6304; otherwise DELETING, then gone. */
  delete(id: string, lang: Lang = 'en'): NotebookView {
    const rec = this.require(id);
    switch (rec.status) {
      case 'RUNNING':
      case 'STARTING':
        throw simErrors.stopBeforeDelete();
      case 'STOPPING':
        throw simErrors.isStopping();
      case 'DELETING':
        return this.render(rec, lang);
      case 'SNAPSHOTTING':
        throw simErrors.invalidState(rec.status, act.delete);
      default:
        break;
    }
    const plan = this.o.faults.takeDeletePlan();
    rec.plan = { ...plan };
    beginPhase(rec, 'DELETING', this.now());
    this.o.table.touched(rec);
    return this.render(rec, lang);
  }

  /**
   * POST /notebooks/{id}/start?duration=&type=: from STOPPED or START_FAILED. The lease keeps its
   * `create_at`; `duration` becomes (now − create_at) + the run time asked for, so the instance
   * stops `duration` ms from now. Huawei's StartNotebook example (seeds start-notebook.current.txt)
   * answers create_at 1638841744515, update_at 1638844471727, duration 6327212 =
   * (update_at − create_at) + 3600000.
   */
  start(id: string, query: QueryParams, lang: Lang = 'en'): NotebookView {
    const asked = parseStartQuery(query);
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
        throw simErrors.invalidState(rec.status, act.start);
    }
    const flavor = this.o.catalog.flavor(rec.flavor);
    const plan = this.o.faults.takeStartPlan(rec.flavor);
    if (flavor?.sold_out && !plan.hangStart && plan.failStart === undefined) {
      plan.failStart = failureReasons.startSoldOut(rec.flavor);
    }
    const now = this.now();
    const createAt = rec.lease.createAt;
    rec.plan = { ...plan };
    rec.lease = {
      createAt,
      duration: asked.enable ? now - createAt + asked.duration : rec.lease.duration,
      enable: asked.enable,
      type: asked.type,
      updateAt: now,
    };
    rec.startKind = 'start';
    beginPhase(rec, 'STARTING', now);
    return this.render(rec, lang);
  }

  /** POST /notebooks/{id}/stop. */
  stop(id: string, lang: Lang = 'en'): NotebookView {
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
        throw simErrors.invalidState(rec.status, act.stop);
    }
    delete rec.plan.hangStart;
    delete rec.plan.failStart;
    beginPhase(rec, 'STOPPING', this.now());
    return this.render(rec, lang);
  }

  /** GET /notebooks/{id}/lease. */
  showLease(id: string): LeaseView {
    return leaseView(this.require(id));
  }

  /**
   * PATCH /notebooks/{id}/lease. The run time asked for counts FROM NOW (`model_lease_req.go`:
   * "以当前时刻为起点"): the instance will stop at now + duration. The answer's `duration` still
   * counts from `lease.create_at` (`model_renew_lease_response.go`: "以创建时间为起点计算"), so it
   * is (now − create_at) + the run time asked for. A `duration` query parameter wins over the body
   * and makes the type TIMING (`model_renew_lease_request.go`).
   */
  renewLease(id: string, query: QueryParams, body: () => unknown): LeaseView {
    const req = parseRenewRequest(query, body);
    const rec = this.require(id);
    if (rec.status !== 'RUNNING') throw simErrors.invalidState(rec.status, act.renew);
    const now = this.now();
    rec.lease = {
      ...rec.lease,
      duration: now - rec.lease.createAt + req.duration,
      ...(req.type !== undefined ? { type: req.type } : {}),
      enable: true,
      updateAt: now,
    };
    return leaseView(rec);
  }

  /** GET /notebooks/flavors?category=&type=&limit=&offset=. */
  listFlavors(query: QueryParams): FlavorPage {
    const req = parseListFlavorsQuery(query);
    // Every simulated flavor belongs to the public (MANAGED) pool.
    const managed = req.type === undefined || req.type === 'MANAGED';
    const items = managed ? this.o.catalog.flavors.filter((f) => !req.category || f.category === req.category) : [];
    return paginate(items, req.limit, req.offset, (f) => f);
  }

  /** GET /notebooks/{id}/flavors?limit=&offset=. */
  switchableFlavors(id: string, query: QueryParams): SwitchableFlavors {
    const req = parseSwitchableFlavorsQuery(query);
    const rec = this.require(id);
    const all = this.o.catalog.switchable(rec.flavor, this.o.catalog.image(rec.imageId));
    return { flavors: paginate(all, req.limit, req.offset, (f) => f).data };
  }

  /**
   * GET /images?type=&name=&name_fuzzy_match=&namespace=&service_type=&workspace_id=&limit=&offset=.
   * `type` defaults to BUILD_IN (`model_list_image_request.go`), so a team's DEDICATED images only
   * show when asked for; `name_fuzzy_match` defaults to true.
   */
  listImages(query: QueryParams): Page<SimImage> {
    const q = parseListImagesQuery(query);
    const name = q.name?.toLowerCase();
    const items = this.o.catalog.images.filter(
      (i) =>
        i.type === q.type &&
        (name === undefined || (q.nameFuzzy ? i.name.toLowerCase().includes(name) : i.name.toLowerCase() === name)) &&
        (q.namespace === undefined || i.namespace === q.namespace) &&
        (q.serviceType === undefined || i.service_type === q.serviceType) &&
        (q.workspaceId === undefined || i.workspace_id === q.workspaceId),
    );
    const dir = q.sortDir === 'ASC' ? 1 : -1;
    items.sort((a, b) => (a.create_at - b.create_at) * dir);
    return paginate(items, q.limit, q.offset, (i) => i);
  }
}
