/**
 * The JSON shapes the simulated service answers with, following Huawei's SDK response models
 * (huaweicloud-sdk-go-v3 `services/modelarts/v1/model/`): `model_notebook_resp.go` /
 * `model_create_notebook_response.go` for a notebook, `model_lease.go` for its lease,
 * `model_endpoints_res.go`, `model_volume_res.go`, `model_user_response.go`.
 */
import type { Catalog } from './catalog.js';
import type { LifecycleTimings } from './defaults.js';
import { type Lang, say } from './language.js';
import { type ActionProgressItem, actionProgress, type InstanceRecord, type VolumeState } from './lifecycle.js';

/** The lease object as ShowLease / RenewLease and every notebook answer carry it (`model_lease.go`). */
export interface LeaseView {
  /** When the instance was created (UTC ms); a start or a renewal never moves it. */
  create_at: number;
  /** Run time counted from `create_at` (ms): the instance stops at `create_at + duration`. */
  duration: number;
  enable: boolean;
  /** `TIMING` or `IDLE`, uppercase as in Huawei's examples (the SDK's enum constants are lowercase). */
  type: string;
  update_at: number;
}

/** A volume as `model_volume_res.go` describes it. */
export interface VolumeView {
  category: string;
  ownership: string;
  capacity: number;
  mount_path: string;
  status?: string;
  uri?: string;
  id?: string;
  dew_secret_name?: string;
  read_only?: boolean;
}

/** An endpoint as `model_endpoints_res.go` describes it (key pairs are `key_pair_names`; there is no `ssh_keys`). */
export interface EndpointView {
  service: string;
  dev_service: string;
  key_pair_names: string[];
  /** Not in the SDK's EndpointsRes, but on the seed page and read back by Terraform / golangsdk. */
  allowed_access_ips: string[];
  uri?: string;
}

/**
 * A notebook as the API returns it (create, show, list items, start, stop, delete, update).
 * There is no top-level `create_at` / `update_at`: the SDK's NotebookResp has none, and
 * Terraform's notebooks data source reads the created time from `lease.create_at`.
 */
export interface NotebookView {
  id: string;
  name: string;
  description: string;
  status: string;
  feature: string;
  flavor: string;
  image: {
    id: string;
    name?: string;
    swr_path?: string;
    tag?: string;
    type?: string;
    arch?: string;
    description?: string;
  };
  lease: LeaseView;
  volume: VolumeView;
  workspace_id: string;
  endpoints: EndpointView[];
  action_progress: ActionProgressItem[];
  billing_items: string[];
  /** The creator (`model_user_response.go` UserResponse: id, name, domain). */
  user: { id: string; name: string; domain: { id: string; name: string } };
  /** The creator's IAM user id (`model_notebook_resp.go` UserId; Terraform reads it). */
  user_id: string;
  /** The Jupyter token. */
  token: string;
  fail_reason?: string;
  url?: string;
  pool?: { id: string; name: string };
  data_volumes?: VolumeView[];
  tags?: Array<{ key: string; value: string }>;
}

/** The lease of a record in the API's shape. */
export function leaseView(rec: InstanceRecord): LeaseView {
  const l = rec.lease;
  return { create_at: l.createAt, duration: l.duration, enable: l.enable, type: l.type, update_at: l.updateAt };
}

export interface ViewContext {
  catalog: Catalog;
  region: string;
  timings: LifecycleTimings;
}

function volumeView(v: VolumeState, now: number): VolumeView {
  const resizing = v.resizeUntil !== undefined && now < v.resizeUntil;
  return {
    category: v.category,
    ownership: v.ownership,
    capacity: v.capacity,
    mount_path: v.mountPath ?? '/home/ma-user/work/',
    ...(resizing ? { status: 'RESIZING' } : {}),
    ...(v.uri !== undefined ? { uri: v.uri } : {}),
    ...(v.id !== undefined ? { id: v.id } : {}),
    ...(v.dewSecretName !== undefined ? { dew_secret_name: v.dewSecretName } : {}),
    ...(v.readOnly !== undefined ? { read_only: v.readOnly } : {}),
  };
}

/** Renders an (already advanced) record as of `now`; `fail_reason` and step descriptions in `lang`. */
export function notebookView(rec: InstanceRecord, now: number, ctx: ViewContext, lang: Lang = 'en'): NotebookView {
  const img = ctx.catalog.image(rec.imageId);
  const running = rec.status === 'RUNNING';
  return {
    id: rec.id,
    name: rec.name,
    description: rec.description,
    status: rec.status,
    feature: rec.feature,
    flavor: rec.flavor,
    image: img
      ? {
          id: img.id,
          name: img.name,
          swr_path: img.swr_path,
          tag: img.tag,
          type: img.type,
          arch: img.arch,
          description: img.description,
        }
      : { id: rec.imageId },
    lease: leaseView(rec),
    volume: volumeView(rec.volume, now),
    workspace_id: rec.workspaceId,
    endpoints: rec.endpoints.map((e) => ({
      service: e.service,
      dev_service: e.service,
      key_pair_names: e.keyPairNames,
      allowed_access_ips: e.allowedAccessIps,
      ...(running && e.service === 'SSH'
        ? { uri: `ssh://dev-modelarts-${ctx.region}.huaweicloud.com:31${rec.seq % 1000}` }
        : {}),
    })),
    action_progress: actionProgress(rec, now, ctx.timings, lang),
    billing_items: ['STORAGE', 'COMPUTE'],
    user: rec.user,
    user_id: rec.user.id,
    token: rec.token,
    ...(rec.failReason !== undefined ? { fail_reason: say(rec.failReason, lang) } : {}),
    ...(running ? { url: `https://authoring-modelarts-${ctx.region}.huaweicloud.com/${rec.id}/lab` } : {}),
    ...(rec.poolId !== undefined ? { pool: { id: rec.poolId, name: `pool-${rec.poolId.slice(0, 8)}` } } : {}),
    ...(rec.dataVolumes.length > 0 ? { data_volumes: rec.dataVolumes.map((v) => volumeView(v, now)) } : {}),
    ...(rec.tags.length > 0 ? { tags: rec.tags } : {}),
  };
}
