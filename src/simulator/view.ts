import type { Catalog } from './catalog.js';
import type { LifecycleTimings } from './defaults.js';
import { type ActionProgressItem, actionProgress, type InstanceRecord } from './lifecycle.js';

/** The lease object as ShowLease / RenewLease and every notebook answer carry it. */
export interface LeaseView {
  create_at: number;
  duration: number;
  enable: boolean;
  type: string;
  update_at: number;
}

/** A notebook as the API returns it (create, show, list items, start, stop, delete, update). */
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
  volume: { category: string; ownership: string; capacity: number; mount_path: string; status?: string; uri?: string };
  workspace_id: string;
  endpoints: Array<{
    service: string;
    dev_service: string;
    ssh_keys: string[];
    allowed_access_ips: string[];
    uri?: string;
  }>;
  action_progress: ActionProgressItem[];
  billing_items: string[];
  user: { id: string; name: string; domain: { id: string; name: string } };
  create_at: number;
  update_at: number;
  /** The Jupyter token. */
  token: string;
  fail_reason?: string;
  url?: string;
  pool?: { id: string; name: string };
  hooks?: unknown;
}

export function leaseView(rec: InstanceRecord): LeaseView {
  const l = rec.lease;
  return { create_at: l.createAt, duration: l.duration, enable: l.enable, type: l.type, update_at: l.updateAt };
}

export interface ViewContext {
  catalog: Catalog;
  region: string;
  timings: LifecycleTimings;
}

/** Renders an (already advanced) record as of `now`. */
export function notebookView(rec: InstanceRecord, now: number, ctx: ViewContext): NotebookView {
  const img = ctx.catalog.image(rec.imageId);
  const running = rec.status === 'RUNNING';
  const volumeStatus = rec.volume.resizeUntil !== undefined && now < rec.volume.resizeUntil ? 'RESIZING' : undefined;
  const view: NotebookView = {
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
    volume: {
      category: rec.volume.category,
      ownership: rec.volume.ownership,
      capacity: rec.volume.capacity,
      mount_path: '/home/ma-user/work/',
      ...(volumeStatus ? { status: volumeStatus } : {}),
      ...(rec.volume.uri ? { uri: rec.volume.uri } : {}),
    },
    workspace_id: rec.workspaceId,
    endpoints: rec.endpoints.map((e) => ({
      service: e.service,
      dev_service: e.service,
      ssh_keys: e.keyPairNames,
      allowed_access_ips: e.allowedAccessIps,
      ...(running && e.service === 'SSH'
        ? { uri: `ssh://dev-modelarts-${ctx.region}.huaweicloud.com:31${rec.seq % 1000}` }
        : {}),
    })),
    action_progress: actionProgress(rec, now, ctx.timings),
    billing_items: ['STORAGE', 'COMPUTE'],
    user: rec.user,
    create_at: rec.createAt,
    update_at: rec.updateAt,
    token: rec.token,
    ...(rec.failReason !== undefined ? { fail_reason: rec.failReason } : {}),
    ...(running ? { url: `https://authoring-modelarts-${ctx.region}.huaweicloud.com/${rec.id}/lab` } : {}),
    ...(rec.poolId !== undefined ? { pool: { id: rec.poolId, name: `pool-${rec.poolId.slice(0, 8)}` } } : {}),
    ...(rec.hooks !== undefined ? { hooks: rec.hooks } : {}),
  };
  return view;
}
