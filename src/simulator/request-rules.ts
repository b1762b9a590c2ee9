/**
 * The simulator's own request checks, written from Huawei's contract (contract.ts and
 * docs/huawei-contract.md), never from our client's schemas: where the client is wrong, the
 * simulator disagrees the way Huawei would. Each parser collects every problem of one request and
 * throws one `ModelArts.0104` naming the fields, in English and Chinese.
 */
import * as C from './contract.js';
import { simErrors } from './errors.js';
import { joinText, type Text, text } from './language.js';
import type { QueryParams } from './paging.js';

type Json = Record<string, unknown>;

/** The problems of one request. */
class Problems {
  private readonly list: Text[] = [];

  add(field: string, en: string, zh: string): void {
    this.list.push(text(`${field}: ${en}`, `${field}：${zh}`));
  }

  /** Throws one ModelArts.0104 listing every problem, if there is any. */
  throwIfAny(): void {
    if (this.list.length > 0) throw simErrors.badParameter(joinText(this.list));
  }
}

const at = (parent: string, key: string | number): string =>
  typeof key === 'number' ? `${parent}.${key}` : parent ? `${parent}.${key}` : key;
const isObject = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);
const list = (values: readonly (string | number)[]): string => values.join(', ');

function required(p: Problems, field: string): undefined {
  p.add(field, 'is required', '为必填参数');
  return undefined;
}

/** A JSON object whose keys are all in `keys` (`undefined` keys = any key); unknown keys are refused like Huawei's strict binding. */
function object(p: Problems, value: unknown, field: string, keys?: readonly string[]): Json | undefined {
  if (!isObject(value)) {
    p.add(field || '(body)', 'must be a JSON object', '必须是JSON对象');
    return undefined;
  }
  if (keys) {
    for (const k of Object.keys(value)) {
      if (!keys.includes(k)) p.add(at(field, k), 'is not a known parameter', '是不支持的参数');
    }
  }
  return value;
}

interface StringRule {
  max?: number;
  pattern?: RegExp;
  /** What `pattern` asks for, in both languages. */
  rule?: Text;
}

function string(p: Problems, value: unknown, field: string, r: StringRule = {}): string | undefined {
  if (value === undefined) return undefined;
  if (typeof value !== 'string') {
    p.add(field, 'must be a string', '必须是字符串');
    return undefined;
  }
  if (r.max !== undefined && value.length > r.max) {
    p.add(field, `must be at most ${r.max} characters`, `长度不能超过${r.max}个字符`);
    return undefined;
  }
  if (r.pattern && !r.pattern.test(value)) {
    p.add(field, r.rule?.en ?? 'has an invalid format', r.rule?.zh ?? '格式不正确');
    return undefined;
  }
  return value;
}

function integer(
  p: Problems,
  value: unknown,
  field: string,
  min: number,
  max: number,
  extra: readonly number[] = [],
): number | undefined {
  if (value === undefined) return undefined;
  if (typeof value !== 'number' || !Number.isInteger(value)) {
    p.add(field, 'must be an integer', '必须是整数');
    return undefined;
  }
  if (extra.includes(value)) return value;
  if (value < min || value > max) {
    p.add(field, `must be between ${min} and ${max}, got ${value}`, `取值范围为${min}～${max}，实际为${value}`);
    return undefined;
  }
  return value;
}

function boolean(p: Problems, value: unknown, field: string): boolean | undefined {
  if (value === undefined) return undefined;
  if (typeof value !== 'boolean') {
    p.add(field, 'must be true or false', '必须是布尔值');
    return undefined;
  }
  return value;
}

/**
 * One of `allowed`. `ignoreCase` only where Huawei demonstrably accepts other casings (the
 * CreateNotebook example sends `"evs"` / `"managed"`; the SDK sends lease types as `timing` /
 * `idle`); everywhere else the enum is matched exactly, as the SDK declares it.
 */
function choice<T extends string>(
  p: Problems,
  value: unknown,
  field: string,
  allowed: readonly T[],
  ignoreCase = false,
): T | undefined {
  if (value === undefined) return undefined;
  if (typeof value !== 'string') {
    p.add(field, 'must be a string', '必须是字符串');
    return undefined;
  }
  const v = ignoreCase ? value.toUpperCase() : value;
  const hit = allowed.find((a) => a === v);
  if (hit === undefined) {
    p.add(
      field,
      `must be one of ${list(allowed)}, got "${value}"`,
      `取值必须为${allowed.join('、')}之一，实际为"${value}"`,
    );
  }
  return hit;
}

function stringArray(p: Problems, value: unknown, field: string, max?: number): string[] | undefined {
  if (value === undefined) return undefined;
  if (!Array.isArray(value)) {
    p.add(field, 'must be an array', '必须是数组');
    return undefined;
  }
  if (max !== undefined && value.length > max) {
    p.add(field, `must have at most ${max} items`, `最多包含${max}项`);
    return undefined;
  }
  const out: string[] = [];
  value.forEach((v, i) => {
    const s = string(p, v, at(field, i));
    if (s !== undefined) out.push(s);
  });
  return out;
}

// ------------------------------------------------------------------------------------ create

/** Instance names (`model_notebook_create_request.go`: 128 letters, digits, `-`, `_`, Chinese). */
const NAME = /^[A-Za-z0-9_\-\u4e00-\u9fa5]{1,128}$/;
const NAME_RULE = text(
  'must be 1-128 letters, digits, hyphens, underscores or Chinese characters',
  '长度为1～128个字符，只能包含字母、数字、中划线、下划线和中文',
);
/** Descriptions (seeds `create-notebook.current.txt`: up to 512, none of `&<>"'/`). */
const DESCRIPTION = /^[^&<>"'/]*$/;
const DESCRIPTION_RULE = text('must not contain & < > " \' /', '不能包含特殊字符&<>"\'/');
/** Workspace ids (`model_notebook_create_request.go`: `0` or 32 of 0-9a-z). */
const WORKSPACE = /^(0|[0-9a-z]{32})$/;
const WORKSPACE_RULE = text('must be "0" or 32 lowercase letters and digits', '取值为0或32位小写字母和数字');
/** DEW secret names (`model_volume_mount_request.go`: 1-64 letters, digits, `-`, `_`). */
const DEW_SECRET = /^[A-Za-z0-9_-]{1,64}$/;
const DEW_SECRET_RULE = text(
  'must be 1-64 letters, digits, hyphens or underscores',
  '长度为1～64个字符，只能包含字母、数字、中划线和下划线',
);
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const UUID_RULE = text('must be a UUID', '必须是UUID格式');

/** A validated volume (`model_volume_mount_request.go` VolumeMountRequest). */
export interface VolumeRequest {
  category: C.VolumeCategory;
  ownership: (typeof C.VOLUME_OWNERSHIPS)[number];
  capacity?: number;
  uri?: string;
  id?: string;
  mountPath?: string;
  readOnly?: boolean;
  dewSecretName?: string;
}

/** A validated endpoint (`model_endpoints_req.go`). */
export interface EndpointRequest {
  service: (typeof C.ENDPOINT_SERVICES)[number];
  keyPairNames: string[];
  allowedAccessIps: string[];
}

/** The lease a create or start asks for. */
export interface LeaseRequest {
  /** Run time from now, ms (meaningless when `enable` is false). */
  duration: number;
  type: C.LeaseType;
  /** False for "no auto-stop" (`duration: -1`). */
  enable: boolean;
}

/** A validated CreateNotebook body. */
export interface CreateRequest {
  name: string;
  description?: string;
  feature: C.Feature;
  flavor: string;
  imageId: string;
  poolId?: string;
  workspaceId: string;
  volume: VolumeRequest;
  dataVolumes: VolumeRequest[];
  endpoints: EndpointRequest[];
  hooks?: Json;
  lease: LeaseRequest;
  tags: Array<{ key: string; value: string }>;
}

function volume(p: Problems, value: unknown, field: string): VolumeRequest | undefined {
  const v = object(p, value, field, C.VOLUME_KEYS);
  if (!v) return undefined;
  // Casing: the CreateNotebook example sends "category": "evs", "ownership": "managed".
  const category =
    v['category'] === undefined
      ? required(p, at(field, 'category'))
      : choice(p, v['category'], at(field, 'category'), C.VOLUME_CATEGORIES, true);
  const ownership =
    v['ownership'] === undefined
      ? required(p, at(field, 'ownership'))
      : choice(p, v['ownership'], at(field, 'ownership'), C.VOLUME_OWNERSHIPS, true);
  const capacity = integer(p, v['capacity'], at(field, 'capacity'), C.MIN_EVS_GB, C.MAX_EVS_GB);
  const uri = string(p, v['uri'], at(field, 'uri'), { max: 1024 });
  const id = string(p, v['id'], at(field, 'id'), { pattern: UUID, rule: UUID_RULE });
  const mountPath = string(p, v['mount_path'], at(field, 'mount_path'), { max: 256 });
  const readOnly = boolean(p, v['read_only'], at(field, 'read_only'));
  const dewSecretName = string(p, v['dew_secret_name'], at(field, 'dew_secret_name'), {
    pattern: DEW_SECRET,
    rule: DEW_SECRET_RULE,
  });
  if (!category || !ownership) return undefined;
  const dedicated = ownership === 'DEDICATED';
  // DEDICATED (the user's own storage) is for EFS; the uri rule also names OBS/OBSFS paths.
  if (dedicated && (category === 'EVS' || category === 'SFS')) {
    p.add(
      at(field, 'ownership'),
      `DEDICATED is only supported for EFS, OBS or OBSFS storage, not ${category}`,
      `仅EFS、OBS、OBSFS存储支持DEDICATED，${category}不支持`,
    );
  }
  if (dedicated && (category === 'EFS' || category === 'OBS' || category === 'OBSFS') && v['uri'] === undefined) {
    required(p, at(field, 'uri'));
  }
  if (dedicated && category === 'EFS' && v['id'] === undefined) required(p, at(field, 'id'));
  // OBS mounts read the user's AK/SK from a DEW secret: "当category为OBS时必填".
  if (category === 'OBS' && v['dew_secret_name'] === undefined) required(p, at(field, 'dew_secret_name'));
  if (uri !== undefined && (category === 'OBS' || category === 'OBSFS') && !uri.startsWith('obs://')) {
    p.add(at(field, 'uri'), 'must be an OBS path such as obs://bucket/dir/', '必须是OBS路径，例如obs://bucket/dir/');
  }
  return {
    category,
    ownership,
    ...(capacity !== undefined ? { capacity } : {}),
    ...(uri !== undefined ? { uri } : {}),
    ...(id !== undefined ? { id } : {}),
    ...(mountPath !== undefined ? { mountPath } : {}),
    ...(readOnly !== undefined ? { readOnly } : {}),
    ...(dewSecretName !== undefined ? { dewSecretName } : {}),
  };
}

function endpoints(p: Problems, value: unknown, field: string): EndpointRequest[] | undefined {
  if (value === undefined) return undefined;
  if (!Array.isArray(value)) {
    p.add(field, 'must be an array', '必须是数组');
    return undefined;
  }
  const out: EndpointRequest[] = [];
  value.forEach((item, i) => {
    const f = at(field, i);
    const e = object(p, item, f, C.ENDPOINT_KEYS);
    if (!e) return;
    const service = choice(p, e['service'], at(f, 'service'), C.ENDPOINT_SERVICES) ?? 'NOTEBOOK';
    const keyPairNames = stringArray(p, e['key_pair_names'], at(f, 'key_pair_names')) ?? [];
    const allowedAccessIps =
      stringArray(p, e['allowed_access_ips'], at(f, 'allowed_access_ips'), C.MAX_ALLOWED_ACCESS_IPS) ?? [];
    // Terraform always sends a key pair with SSH and reads key_pair_names[0] back
    // (resource_huaweicloud_modelarts_notebook.go buildEndpointsParamter / parseEndpoints).
    if (service === 'SSH' && keyPairNames.length === 0) {
      p.add(at(f, 'key_pair_names'), 'an SSH endpoint needs at least one key pair', 'SSH接入至少需要一个密钥对');
    }
    out.push({ service, keyPairNames, allowedAccessIps });
  });
  return out;
}

function hooks(p: Problems, value: unknown, field: string): Json | undefined {
  if (value === undefined) return undefined;
  const h = object(p, value, field, ['container_hooks']);
  if (!h) return undefined;
  if (h['container_hooks'] !== undefined) {
    const f = at(field, 'container_hooks');
    const ch = object(p, h['container_hooks'], f, ['post_start', 'pre_start']);
    for (const phase of ['post_start', 'pre_start'] as const) {
      if (ch?.[phase] === undefined) continue;
      const pf = at(f, phase);
      const cfg = object(p, ch[phase], pf, ['script', 'type', 'mode']);
      if (!cfg) continue;
      string(p, cfg['script'], at(pf, 'script'));
      choice(p, cfg['type'], at(pf, 'type'), C.HOOK_SCRIPT_TYPES);
      choice(p, cfg['mode'], at(pf, 'mode'), C.HOOK_MODES);
    }
  }
  return h;
}

function leaseDuration(p: Problems, value: unknown, field: string, allowNoAutoStop: boolean): number | undefined {
  return integer(p, value, field, C.MIN_LEASE_MS, C.MAX_LEASE_MS, allowNoAutoStop ? [C.NO_AUTO_STOP] : []);
}

function tags(p: Problems, value: unknown, field: string): Array<{ key: string; value: string }> {
  if (value === undefined) return [];
  if (!Array.isArray(value)) {
    p.add(field, 'must be an array', '必须是数组');
    return [];
  }
  const out: Array<{ key: string; value: string }> = [];
  value.forEach((item, i) => {
    const f = at(field, i);
    const t = object(p, item, f, ['key', 'value']);
    if (!t) return;
    const key = t['key'] === undefined ? required(p, at(f, 'key')) : string(p, t['key'], at(f, 'key'), { max: 128 });
    const v = string(p, t['value'], at(f, 'value'), { max: 255 }) ?? '';
    if (key !== undefined) out.push({ key, value: v });
  });
  return out;
}

/** Objects the simulator accepts but does not model (their inner rules are not enforced). */
const OPAQUE_OBJECTS = ['custom_spec', 'affinity', 'run_user', 'user_vpc', 'public_network_config'] as const;

/**
 * Checks a CreateNotebook body (`model_notebook_create_request.go`, seeds `create-notebook.current.txt`):
 * only known keys, `name` / `image_id` / `volume` / `flavor` required, enums and ranges as Huawei
 * states them. A top-level `duration` wins over `lease` and makes the type TIMING.
 */
export function parseCreateBody(body: unknown): CreateRequest {
  const p = new Problems();
  const b = object(p, body, '', C.CREATE_BODY_KEYS);
  if (!b) {
    p.throwIfAny();
    throw simErrors.badParameter(text('the request body must be a JSON object', '请求体必须是JSON对象'));
  }
  const name =
    b['name'] === undefined ? required(p, 'name') : string(p, b['name'], 'name', { pattern: NAME, rule: NAME_RULE });
  const description = string(p, b['description'], 'description', {
    max: 512,
    pattern: DESCRIPTION,
    rule: DESCRIPTION_RULE,
  });
  const feature = choice(p, b['feature'], 'feature', C.FEATURES) ?? 'NOTEBOOK';
  // The simulator offers no custom specs, so a flavor is always needed (the seed page marks it mandatory).
  const flavor = b['flavor'] === undefined ? required(p, 'flavor') : string(p, b['flavor'], 'flavor', { max: 256 });
  const imageId = b['image_id'] === undefined ? required(p, 'image_id') : string(p, b['image_id'], 'image_id');
  const poolId = string(p, b['pool_id'], 'pool_id', { max: 64 });
  const workspaceId = string(p, b['workspace_id'], 'workspace_id', { pattern: WORKSPACE, rule: WORKSPACE_RULE }) ?? '0';
  const vol = b['volume'] === undefined ? required(p, 'volume') : volume(p, b['volume'], 'volume');
  let dataVolumes: VolumeRequest[] = [];
  if (b['data_volumes'] !== undefined) {
    if (!Array.isArray(b['data_volumes'])) p.add('data_volumes', 'must be an array', '必须是数组');
    else if (b['data_volumes'].length > C.MAX_DATA_VOLUMES) {
      p.add('data_volumes', `must have at most ${C.MAX_DATA_VOLUMES} items`, `最多包含${C.MAX_DATA_VOLUMES}项`);
    } else {
      dataVolumes = b['data_volumes']
        .map((d, i) => volume(p, d, at('data_volumes', i)))
        .filter((d): d is VolumeRequest => d !== undefined);
    }
  }
  const eps = endpoints(p, b['endpoints'], 'endpoints') ?? [];
  const hk = hooks(p, b['hooks'], 'hooks');
  for (const k of OPAQUE_OBJECTS) if (b[k] !== undefined) object(p, b[k], k);
  const tagList = tags(p, b['tags'], 'tags');

  const lease = b['lease'] === undefined ? undefined : object(p, b['lease'], 'lease', C.LEASE_KEYS);
  const leaseDur = lease ? leaseDuration(p, lease['duration'], 'lease.duration', false) : undefined;
  const leaseType = lease ? choice(p, lease['type'], 'lease.type', C.LEASE_TYPES, true) : undefined;
  const topDuration = leaseDuration(p, b['duration'], 'duration', true);
  p.throwIfAny();

  // "If this parameter is set here, the value set in leaseReq is ignored and the instance is
  // stopped as scheduled" (seeds create-notebook.current.txt, `duration`).
  const leaseReq: LeaseRequest =
    topDuration !== undefined
      ? topDuration === C.NO_AUTO_STOP
        ? { duration: C.DEFAULT_LEASE_MS, type: 'TIMING', enable: false }
        : { duration: topDuration, type: 'TIMING', enable: true }
      : { duration: leaseDur ?? C.DEFAULT_LEASE_MS, type: leaseType ?? 'TIMING', enable: true };
  return {
    name: name!,
    ...(description !== undefined ? { description } : {}),
    feature,
    flavor: flavor!,
    imageId: imageId!,
    ...(poolId !== undefined ? { poolId } : {}),
    workspaceId,
    volume: vol!,
    dataVolumes,
    endpoints: eps,
    ...(hk !== undefined ? { hooks: hk } : {}),
    lease: leaseReq,
    tags: tagList,
  };
}

// ------------------------------------------------------------------------------------ update

/** A validated UpdateNotebook body. */
export interface UpdateRequest {
  name?: string;
  description?: string;
  endpoints?: EndpointRequest[];
  flavor?: string;
  imageId?: string;
  storageNewSize?: number;
  hooks?: Json;
}

/** Checks an UpdateNotebook body (`model_notebook_update_request.go`). */
export function parseUpdateBody(body: unknown): UpdateRequest {
  const p = new Problems();
  const b = object(p, body ?? {}, '', C.UPDATE_BODY_KEYS);
  if (!b) {
    p.throwIfAny();
    throw simErrors.badParameter(text('the request body must be a JSON object', '请求体必须是JSON对象'));
  }
  const name = string(p, b['name'], 'name', { pattern: NAME, rule: NAME_RULE });
  const description = string(p, b['description'], 'description', {
    max: 512,
    pattern: DESCRIPTION,
    rule: DESCRIPTION_RULE,
  });
  const eps = endpoints(p, b['endpoints'], 'endpoints');
  const flavor = string(p, b['flavor'], 'flavor', { max: 256 });
  const imageId = string(p, b['image_id'], 'image_id');
  // "最大允许扩容至4096" (model_notebook_update_request.go).
  const storageNewSize = integer(p, b['storage_new_size'], 'storage_new_size', 1, C.MAX_EVS_GB);
  const hk = hooks(p, b['hooks'], 'hooks');
  string(p, b['dew_secret_name'], 'dew_secret_name', { pattern: DEW_SECRET, rule: DEW_SECRET_RULE });
  for (const k of ['custom_spec', 'affinity', 'public_network_config'] as const) {
    if (b[k] !== undefined) object(p, b[k], k);
  }
  if (b['data_volumes'] !== undefined) {
    if (!Array.isArray(b['data_volumes'])) p.add('data_volumes', 'must be an array', '必须是数组');
    else {
      b['data_volumes'].forEach((d, i) => {
        volume(p, d, at('data_volumes', i));
      });
    }
  }
  p.throwIfAny();
  return {
    ...(name !== undefined ? { name } : {}),
    ...(description !== undefined ? { description } : {}),
    ...(eps !== undefined ? { endpoints: eps } : {}),
    ...(flavor !== undefined ? { flavor } : {}),
    ...(imageId !== undefined ? { imageId } : {}),
    ...(storageNewSize !== undefined ? { storageNewSize } : {}),
    ...(hk !== undefined ? { hooks: hk } : {}),
  };
}

// ------------------------------------------------------------------------------------ query helpers

/** An integer query parameter (decimal digits, optionally `-`), or undefined when absent. */
function queryInt(p: Problems, query: QueryParams, name: string): number | undefined {
  const raw = query[name];
  if (raw === undefined || raw === '') return undefined;
  if (!/^-?\d+$/.test(raw)) {
    p.add(name, `must be an integer, got "${raw}"`, `必须是整数，实际为"${raw}"`);
    return undefined;
  }
  return Number(raw);
}

function queryRange(p: Problems, query: QueryParams, name: string, min: number, max: number): number | undefined {
  const n = queryInt(p, query, name);
  if (n === undefined) return undefined;
  if (n < min || n > max) {
    p.add(name, `must be between ${min} and ${max}, got ${n}`, `取值范围为${min}～${max}，实际为${n}`);
    return undefined;
  }
  return n;
}

const queryString = (p: Problems, query: QueryParams, name: string, max: number): string | undefined =>
  query[name] === undefined || query[name] === '' ? undefined : string(p, query[name], name, { max });

const queryChoice = <T extends string>(
  p: Problems,
  query: QueryParams,
  name: string,
  allowed: readonly T[],
  ignoreCase = false,
): T | undefined =>
  query[name] === undefined || query[name] === '' ? undefined : choice(p, query[name], name, allowed, ignoreCase);

/** `offset` of every list: the index of the first record (`分页记录的起始位置偏移量`), 0 by default. */
const queryOffset = (p: Problems, query: QueryParams): number => queryRange(p, query, 'offset', 0, 2_147_483_647) ?? 0;

// ------------------------------------------------------------------------------------ start / renew

/** What `POST .../start?duration=&type=` asks for (`model_start_notebook_request.go`). */
export function parseStartQuery(query: QueryParams): LeaseRequest {
  const p = new Problems();
  const n = queryInt(p, query, 'duration');
  let duration: number | undefined;
  if (n !== undefined) duration = integer(p, n, 'duration', C.MIN_LEASE_MS, C.MAX_LEASE_MS, [C.NO_AUTO_STOP]);
  // The SDK sends `timing` / `idle` in lowercase (StartNotebookRequestType).
  const type = queryChoice(p, query, 'type', C.LEASE_TYPES, true) ?? 'TIMING';
  p.throwIfAny();
  if (duration === C.NO_AUTO_STOP) return { duration: C.DEFAULT_LEASE_MS, type, enable: false };
  return { duration: duration ?? C.DEFAULT_LEASE_MS, type, enable: true };
}

/** What a RenewLease asks for: a run time counted from now, and maybe a new type. */
export interface RenewRequest {
  /** Run time from now, ms. */
  duration: number;
  /** Undefined = keep the current type. */
  type?: C.LeaseType;
}

/**
 * `PATCH .../lease` (`model_renew_lease_request.go`): a `duration` query parameter wins, the
 * body is then ignored and the type becomes TIMING; otherwise the body is a LeaseReq
 * (`model_lease_req.go`) whose `duration` (default 3600000) counts from now.
 */
export function parseRenewRequest(query: QueryParams, body: () => unknown): RenewRequest {
  const p = new Problems();
  if (query['duration'] !== undefined) {
    const n = queryInt(p, query, 'duration');
    const duration = n === undefined ? undefined : leaseDuration(p, n, 'duration', false);
    p.throwIfAny();
    return { duration: duration ?? C.DEFAULT_LEASE_MS, type: 'TIMING' };
  }
  const b = object(p, body() ?? {}, '', C.LEASE_KEYS);
  const duration = b ? leaseDuration(p, b['duration'], 'duration', false) : undefined;
  const type = b ? choice(p, b['type'], 'type', C.LEASE_TYPES, true) : undefined;
  p.throwIfAny();
  return { duration: duration ?? C.DEFAULT_LEASE_MS, ...(type !== undefined ? { type } : {}) };
}

// ------------------------------------------------------------------------------------ lists

/** Sort keys the simulator can order notebooks by (anything else: ModelArts.6303). */
export const NOTEBOOK_SORT_KEYS = ['create_at', 'update_at', 'name', 'status', 'flavor'] as const;
export type NotebookSortKey = (typeof NOTEBOOK_SORT_KEYS)[number];

/** A validated ListNotebooks query (`model_list_notebooks_request.go`). */
export interface ListNotebooksRequest {
  limit: number;
  offset: number;
  sortDir: 'ASC' | 'DESC';
  sortKeys: NotebookSortKey[];
  feature?: C.Feature;
  status?: C.NotebookStatus;
  name?: string;
  owner?: string;
  username?: string;
  flavor?: string;
  imageId?: string;
  id?: string;
  poolId?: string;
  poolName?: string;
  workspaceId?: string;
  description?: string;
  swrPath?: string;
  ip?: string;
  /** `key|value` pairs, all of which an instance must carry. */
  tags?: Array<{ key: string; value: string }>;
}

/**
 * Checks a ListNotebooks query: `limit` only 10, 20 or 50; `offset` a record offset; enums exact.
 * Unknown parameters are ignored, as a gateway does.
 */
export function parseListNotebooksQuery(query: QueryParams): ListNotebooksRequest {
  const p = new Problems();
  const rawLimit = queryInt(p, query, 'limit');
  let limit: number = C.LIST_NOTEBOOKS_DEFAULT_LIMIT;
  if (rawLimit !== undefined) {
    if ((C.LIST_NOTEBOOKS_LIMITS as readonly number[]).includes(rawLimit)) limit = rawLimit;
    else p.add('limit', `must be 10, 20 or 50, got ${rawLimit}`, `取值必须为10、20或50，实际为${rawLimit}`);
  }
  const offset = queryOffset(p, query);
  const feature = queryChoice(p, query, 'feature', C.FEATURES);
  const status = queryChoice(p, query, 'status', C.NOTEBOOK_STATUSES);
  const sortDir = queryChoice(p, query, 'sort_dir', C.SORT_DIRS) ?? 'DESC';
  const sortKeyRaw = queryString(p, query, 'sort_key', 128);
  const name = queryString(p, query, 'name', 128);
  const owner = queryString(p, query, 'owner', 32);
  if (owner !== undefined && !/^[a-z0-9]{32}$/.test(owner)) {
    p.add('owner', 'must be 32 lowercase letters and digits (an IAM user id)', '必须是32位小写字母和数字（IAM用户ID）');
  }
  const username = queryString(p, query, 'username', 256);
  const flavor = queryString(p, query, 'flavor', 256);
  const imageId = queryString(p, query, 'image_id', 64);
  const id = queryString(p, query, 'id', 64);
  const poolId = queryString(p, query, 'pool_id', 64);
  const poolName = queryString(p, query, 'pool_name', 64);
  // `workspace_id` in the current SDK, `workspaceId` on the older ListNotebooks page (seeds list-notebooks.txt).
  const workspaceId = queryString(p, query, 'workspace_id', 64) ?? queryString(p, query, 'workspaceId', 64);
  const description = queryString(p, query, 'description', 512);
  const swrPath = queryString(p, query, 'swr_path', 2048);
  const ip = queryString(p, query, 'ip', 64);
  queryChoice(p, query, 'billing', C.BILLING_TYPES);
  const tagsRaw = queryString(p, query, 'tags', 1024);
  let tagPairs: Array<{ key: string; value: string }> | undefined;
  if (tagsRaw !== undefined) {
    tagPairs = tagsRaw.split(',').map((pair) => {
      const [key = '', value = ''] = pair.split('|');
      return { key, value };
    });
    if (tagPairs.some((t) => t.key === ''))
      p.add('tags', 'must look like key1|value1,key2|value2', '格式应为key1|value1,key2|value2');
  }
  p.throwIfAny();
  const sortKeys = (sortKeyRaw ?? 'create_at')
    .split(',')
    .map((k) => k.trim())
    .filter(Boolean)
    .map((k) => {
      if (!(NOTEBOOK_SORT_KEYS as readonly string[]).includes(k)) throw simErrors.sortNotSupported(k);
      return k as NotebookSortKey;
    });
  return {
    limit,
    offset,
    sortDir,
    sortKeys,
    ...(feature !== undefined ? { feature } : {}),
    ...(status !== undefined ? { status } : {}),
    ...(name !== undefined ? { name } : {}),
    ...(owner !== undefined ? { owner } : {}),
    ...(username !== undefined ? { username } : {}),
    ...(flavor !== undefined ? { flavor } : {}),
    ...(imageId !== undefined ? { imageId } : {}),
    ...(id !== undefined ? { id } : {}),
    ...(poolId !== undefined ? { poolId } : {}),
    ...(poolName !== undefined ? { poolName } : {}),
    ...(workspaceId !== undefined ? { workspaceId } : {}),
    ...(description !== undefined ? { description } : {}),
    ...(swrPath !== undefined ? { swrPath } : {}),
    ...(ip !== undefined ? { ip } : {}),
    ...(tagPairs !== undefined ? { tags: tagPairs } : {}),
  };
}

/** `limit` + `offset` of the flavor lists: no limit by default (`model_list_flavors_request.go`: 默认不限制). */
export interface Paging {
  /** Undefined = every record. */
  limit?: number;
  offset: number;
}

function paging(p: Problems, query: QueryParams, defaultLimit?: number): Paging {
  const limit = queryRange(p, query, 'limit', 1, 2_147_483_647) ?? defaultLimit;
  const offset = queryOffset(p, query);
  return { offset, ...(limit !== undefined ? { limit } : {}) };
}

/** A validated ListFlavors query. */
export interface ListFlavorsRequest extends Paging {
  category?: (typeof C.FLAVOR_CATEGORIES)[number];
  type?: (typeof C.FLAVOR_CLUSTER_TYPES)[number];
}

/** Checks a ListFlavors query (`model_list_flavors_request.go`). */
export function parseListFlavorsQuery(query: QueryParams): ListFlavorsRequest {
  const p = new Problems();
  const page = paging(p, query);
  const category = queryChoice(p, query, 'category', C.FLAVOR_CATEGORIES);
  const type = queryChoice(p, query, 'type', C.FLAVOR_CLUSTER_TYPES);
  queryChoice(p, query, 'sort_dir', C.SORT_DIRS);
  queryString(p, query, 'sort_key', 128);
  queryString(p, query, 'flavor_type', 64);
  queryString(p, query, 'feature', 64);
  p.throwIfAny();
  return { ...page, ...(category !== undefined ? { category } : {}), ...(type !== undefined ? { type } : {}) };
}

/** Checks the `limit` / `offset` of ShowSwitchableFlavors. */
export function parseSwitchableFlavorsQuery(query: QueryParams): Paging {
  const p = new Problems();
  const page = paging(p, query);
  p.throwIfAny();
  return page;
}

/** A validated ListImage query (`model_list_image_request.go`). */
export interface ListImagesRequest {
  limit: number;
  offset: number;
  /** BUILD_IN unless asked: a team's DEDICATED images only show with `type=DEDICATED`. */
  type: (typeof C.IMAGE_TYPES)[number];
  name?: string;
  /** Default true. */
  nameFuzzy: boolean;
  namespace?: string;
  serviceType?: (typeof C.IMAGE_SERVICE_TYPES)[number];
  workspaceId?: string;
  sortDir: 'ASC' | 'DESC';
}

/** Checks a ListImage query. */
export function parseListImagesQuery(query: QueryParams): ListImagesRequest {
  const p = new Problems();
  const page = paging(p, query, C.LIST_IMAGES_DEFAULT_LIMIT);
  const type = queryChoice(p, query, 'type', C.IMAGE_TYPES) ?? 'BUILD_IN';
  const name = queryString(p, query, 'name', 512);
  const fuzzyRaw = queryChoice(p, query, 'name_fuzzy_match', ['true', 'false'] as const);
  const namespace = queryString(p, query, 'namespace', 64);
  const serviceType = queryChoice(p, query, 'service_type', C.IMAGE_SERVICE_TYPES);
  const workspaceId = queryString(p, query, 'workspace_id', 64);
  const sortDir = queryChoice(p, query, 'sort_dir', C.SORT_DIRS) ?? 'DESC';
  queryString(p, query, 'sort_key', 128);
  p.throwIfAny();
  return {
    limit: page.limit ?? C.LIST_IMAGES_DEFAULT_LIMIT,
    offset: page.offset,
    type,
    nameFuzzy: fuzzyRaw !== 'false',
    sortDir,
    ...(name !== undefined ? { name } : {}),
    ...(namespace !== undefined ? { namespace } : {}),
    ...(serviceType !== undefined ? { serviceType } : {}),
    ...(workspaceId !== undefined ? { workspaceId } : {}),
  };
}
