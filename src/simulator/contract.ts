/**
 * Huawei's ModelArts notebook contract as the simulator enforces it: enums, ranges, allowed keys.
 * Every value comes from Huawei's own code or pages, never from our client, so the two can
 * disagree where Huawei would (docs/huawei-contract.md lists each rule and its source):
 * - SDK: huaweicloud-sdk-go-v3 `services/modelarts/v1/model/<file>.go`;
 * - Terraform: terraform-provider-huaweicloud `huaweicloud/services/modelarts/<file>.go`;
 * - golangsdk: chnsz/golangsdk `openstack/modelarts/v1/notebook/{requests,results}.go`;
 * - seeds: the official pages in the shared `seeds/` folder (CreateNotebook, StartNotebook, ListNotebooks).
 */

/** Instance statuses (`model_list_notebooks_request.go` ListNotebooksRequestStatus, `model_notebook_resp.go`). */
export const NOTEBOOK_STATUSES = [
  'INIT',
  'CREATING',
  'STARTING',
  'STOPPING',
  'DELETING',
  'RUNNING',
  'STOPPED',
  'SNAPSHOTTING',
  'CREATE_FAILED',
  'START_FAILED',
  'DELETE_FAILED',
  'ERROR',
  'DELETED',
  'FROZEN',
] as const;
export type NotebookStatus = (typeof NOTEBOOK_STATUSES)[number];

/** Instance kinds (`model_notebook_create_request.go` NotebookCreateRequestFeature; default NOTEBOOK). */
export const FEATURES = ['DEFAULT', 'NOTEBOOK'] as const;
export type Feature = (typeof FEATURES)[number];

/** Auto-stop kinds (`model_lease_req.go` LeaseReqType, `model_start_notebook_request.go`; default TIMING). */
export const LEASE_TYPES = ['TIMING', 'IDLE'] as const;
export type LeaseType = (typeof LEASE_TYPES)[number];

/** Shortest run a create, start or renewal may ask for: 1 hour (`model_lease_req.go`: 3600000-259200000). */
export const MIN_LEASE_MS = 3_600_000;
/** Longest: 72 hours (same source). */
export const MAX_LEASE_MS = 259_200_000;
/** Run time when none is given (`model_lease_req.go`, `model_start_notebook_request.go`: 默认取值 3600000). */
export const DEFAULT_LEASE_MS = 3_600_000;
/**
 * "No auto-stop": Terraform creates with `duration: -1` and starts with `?duration=-1`
 * (`resource_huaweicloud_modelarts_notebook.go`, `leaseHour := -1`), so the service accepts it.
 */
export const NO_AUTO_STOP = -1;

/** ListNotebooks `limit`: only these (`model_list_notebooks_request.go`: 取值范围 [10,20,50]; default 10). */
export const LIST_NOTEBOOKS_LIMITS = [10, 20, 50] as const;
export const LIST_NOTEBOOKS_DEFAULT_LIMIT = 10;
/** ListImage `limit` default (`model_list_image_request.go`: 正整数, 默认取值 200). */
export const LIST_IMAGES_DEFAULT_LIMIT = 200;

/** `sort_dir` of every list (`ListNotebooksRequestSortDir`, `ListImageRequestSortDir`, `ListFlavorsRequestSortDir`). */
export const SORT_DIRS = ['ASC', 'DESC'] as const;

/** Storage kinds of a volume (seeds `create-notebook.current.txt` VolumeReq; `model_volume_res.go`). */
export const VOLUME_CATEGORIES = ['EVS', 'SFS', 'OBS', 'OBSFS', 'EFS'] as const;
export type VolumeCategory = (typeof VOLUME_CATEGORIES)[number];
/** Volume owners (`model_volume_mount_request.go` VolumeMountRequestOwnership). */
export const VOLUME_OWNERSHIPS = ['MANAGED', 'DEDICATED'] as const;
/** EVS capacity in GB (seeds `create-notebook.current.txt`: 5 to 4096, default 5). */
export const MIN_EVS_GB = 5;
export const MAX_EVS_GB = 4096;

/** Access services of an endpoint (`model_endpoints_req.go`, `model_endpoints_res.go`). */
export const ENDPOINT_SERVICES = ['NOTEBOOK', 'SSH'] as const;
/** At most five whitelisted IPs per endpoint (seeds `create-notebook.current.txt` EndpointsReq). */
export const MAX_ALLOWED_ACCESS_IPS = 5;

/** Hook script kinds and modes (`model_config.go`). */
export const HOOK_SCRIPT_TYPES = ['COMMAND', 'SCRIPT'] as const;
export const HOOK_MODES = ['BLOCK', 'ASYNC'] as const;

/** ListFlavors filters (`model_list_flavors_request.go`). */
export const FLAVOR_CATEGORIES = ['CPU', 'GPU', 'ASCEND'] as const;
export const FLAVOR_CLUSTER_TYPES = ['MANAGED', 'DEDICATED', 'MANAGED_ROMA', 'DEDICATED_ROMA'] as const;

/** ListImage filters (`model_list_image_request.go`; `type` defaults to BUILD_IN). */
export const IMAGE_TYPES = ['BUILD_IN', 'DEDICATED'] as const;
export const IMAGE_SERVICE_TYPES = ['COMMON', 'INFERENCE', 'TRAIN', 'DEV', 'UNKNOWN'] as const;

/** ListNotebooks `billing` filter (`model_list_notebooks_request.go`). */
export const BILLING_TYPES = ['COMPUTE', 'STORAGE', 'ALL'] as const;

/**
 * Keys of the create body (`model_notebook_create_request.go` NotebookCreateRequest; `tags` from the
 * response's TmsTagResponse and the shared reference's ground truth). Anything else is refused.
 */
export const CREATE_BODY_KEYS = [
  'name',
  'description',
  'feature',
  'flavor',
  'custom_spec',
  'image_id',
  'pool_id',
  'volume',
  'workspace_id',
  'endpoints',
  'hooks',
  'lease',
  'affinity',
  'run_user',
  'data_volumes',
  'user_vpc',
  'duration',
  'public_network_config',
  'tags',
] as const;

/** Keys of the update body (`model_notebook_update_request.go` NotebookUpdateRequest). */
export const UPDATE_BODY_KEYS = [
  'name',
  'description',
  'endpoints',
  'flavor',
  'custom_spec',
  'image_id',
  'storage_new_size',
  'hooks',
  'affinity',
  'dew_secret_name',
  'data_volumes',
  'public_network_config',
] as const;

/** Keys of a volume (`model_volume_mount_request.go` VolumeMountRequest). */
export const VOLUME_KEYS = [
  'category',
  'ownership',
  'uri',
  'id',
  'mount_path',
  'read_only',
  'dew_secret_name',
  'capacity',
] as const;

/** Keys of an endpoint (`model_endpoints_req.go`; `allowed_access_ips` from the seed page and golangsdk). */
export const ENDPOINT_KEYS = ['service', 'key_pair_names', 'allowed_access_ips'] as const;

/** Keys of a lease request (`model_lease_req.go` LeaseReq), in create bodies and RenewLease bodies. */
export const LEASE_KEYS = ['duration', 'type'] as const;

/** At most 30 extra volumes (`model_volume_mount_request.go`: 最大数量为30). */
export const MAX_DATA_VOLUMES = 30;
