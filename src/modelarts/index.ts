/** The public API of src/modelarts: what other folders import. Everything else here is internal. */
export type { CallOptions, ModelArtsApi } from './api.js';
export { isNotFound, isRetryable, ModelArtsApiError, ModelArtsError, ModelArtsThrottledError } from './errors.js';
export {
  type ExtensionPlan,
  type LeaseInfo,
  leaseEndsAt,
  leaseFromApi,
  leaseKey,
  planExtension,
  planWarning,
  renewalDurationMs,
  sameLease,
  timeLeftMs,
} from './lease-math.js';
export { type Page, type WalkResult, walkAllPages } from './pagination.js';
export { iamEndpointFor, isLoopbackUrl, MODELARTS_REGIONS, modelartsEndpointFor } from './regions.js';
export {
  type ActionProgress,
  type CreateNotebookRequest,
  CreateNotebookRequestSchema,
  FAILED_STATUSES,
  type Flavor,
  type Image,
  type Lease,
  type LeaseType,
  leaseRemainingMs,
  MAX_CAPACITY_GB,
  MAX_DESCRIPTION_LENGTH,
  MAX_LEASE_MS,
  MAX_NAME_LENGTH,
  MIN_CAPACITY_GB,
  MIN_LEASE_MS,
  NOTEBOOK_STATUSES,
  NOTEBOOK_WALK_PAGE_SIZE,
  type Notebook,
  type NotebookState,
  TRANSITIONAL_STATUSES,
  valueAt,
} from './schemas.js';
export {
  canonicalQueryString,
  canonicalRequest,
  decodePath,
  encodePath,
  parseAuthorization,
  parseQueryString,
  parseSdkDate,
  type Query,
  queryPairs,
  signature,
  signaturesEqual,
  signRequest,
  stringToSign,
} from './signer.js';
