/**
 * Error answers of the simulated service, one factory per situation so every code lives in one
 * place. Codes and messages follow Huawei's published ModelArts error table where it has one
 * (0104, 0113, 6302–6309); `ModelArts.6400` ("notebook request invalid") and `ModelArts.6407`
 * ("no permission") are codes observed in real clients whose exact wording is not published.
 */

/** Body shape of a ModelArts / API Gateway error. */
export interface ErrorBody {
  error_code: string;
  error_msg: string;
}

/** An error the simulator answers with: HTTP status, body and extra headers. */
export class SimApiError extends Error {
  readonly status: number;
  readonly body: Readonly<Record<string, unknown>>;
  readonly headers: Readonly<Record<string, string>>;

  constructor(status: number, body: Record<string, unknown>, headers: Record<string, string> = {}) {
    const code = typeof body['error_code'] === 'string' ? body['error_code'] : 'error';
    super(`HTTP ${status} ${code}`);
    this.name = 'SimApiError';
    this.status = status;
    this.body = body;
    this.headers = headers;
  }

  /** The `error_code`, when the body has one. */
  get errorCode(): string | undefined {
    const c = this.body['error_code'];
    return typeof c === 'string' ? c : undefined;
  }
}

const modelArts = (status: number, code: string, msg: string): SimApiError =>
  new SimApiError(status, { error_code: code, error_msg: msg });

/** How an unknown notebook id is answered: `404` (HTTP 404 ModelArts.6404), `400` (HTTP 400 ModelArts.6309), or either at random. */
export type NotFoundStyle = '404' | '400' | 'random';

export const simErrors = {
  // ----------------------------------------------------------------- gateway (APIG)
  missingAuth: () =>
    modelArts(401, 'APIG.0301', 'Incorrect IAM authentication information: Authorization header not found'),
  badSignature: () =>
    modelArts(401, 'APIG.0301', 'Incorrect IAM authentication information: verify aksk signature fail'),
  badAuthHeader: (detail: string) => modelArts(401, 'APIG.0301', `Incorrect IAM authentication information: ${detail}`),
  akLocked: () =>
    modelArts(
      401,
      'APIG.0301',
      'Incorrect IAM authentication information: the access key is locked for 5 minutes after repeated signature failures',
    ),
  expiredSignature: () =>
    modelArts(
      401,
      'APIG.0303',
      'Incorrect app authentication information: the request has expired (X-Sdk-Date differs from the server time by more than 15 minutes)',
    ),
  badToken: (detail: string) => modelArts(401, 'APIG.0301', `Incorrect IAM authentication information: ${detail}`),
  noSuchApi: () => modelArts(404, 'APIG.0101', 'The API does not exist or has not been published in the environment.'),
  throttled: (retryAfterSec: number) =>
    new SimApiError(
      429,
      { error_code: 'APIG.0308', error_msg: 'The request is throttled.' },
      { 'Retry-After': String(retryAfterSec) },
    ),
  bodyTooLarge: () => modelArts(413, 'APIG.0210', 'Request entity too large.'),
  backendUnavailable: () => modelArts(503, 'APIG.0201', 'Backend unavailable.'),
  backendTimeout: () => modelArts(504, 'APIG.0202', 'Backend timeout.'),

  // ----------------------------------------------------------------- ModelArts
  badParameter: (detail: string) => modelArts(400, 'ModelArts.0104', `Parameter error. ${detail}`),
  quotaExhausted: (what: string) =>
    modelArts(400, 'ModelArts.0113', `Create Notebook failed. Quota: ${what} is exhausted.`),
  tooManyInstances: () => modelArts(400, 'ModelArts.6302', 'The instance count already reaches the maximum value.'),
  sortNotSupported: (field: string) =>
    modelArts(400, 'ModelArts.6303', `The field does not support sorting: ${field}.`),
  stopBeforeDelete: () => modelArts(400, 'ModelArts.6304', 'Please stop the instance before deleting.'),
  alreadyRunning: () => modelArts(400, 'ModelArts.6305', 'The instance is already running.'),
  isStarting: () => modelArts(400, 'ModelArts.6306', 'The instance is starting.'),
  alreadyStopped: () => modelArts(400, 'ModelArts.6307', 'The instance has already been stopped.'),
  isStopping: () => modelArts(400, 'ModelArts.6308', 'The instance is stopping.'),
  notFound: (id: string, style: '404' | '400') =>
    style === '404'
      ? modelArts(404, 'ModelArts.6404', `The notebook instance ${id} does not exist.`)
      : modelArts(400, 'ModelArts.6309', 'The instance does not exist.'),
  invalidState: (status: string, action: string) =>
    modelArts(400, 'ModelArts.6400', `The instance is ${status}; it cannot ${action} in this state.`),
  unknownFlavor: (flavor: string, region: string) =>
    modelArts(400, 'ModelArts.6400', `Flavor ${flavor} does not exist or is not available in ${region}.`),
  unknownImage: (imageId: string) => modelArts(400, 'ModelArts.6400', `Image ${imageId} does not exist.`),
  wrongProject: (projectId: string) =>
    modelArts(403, 'ModelArts.6407', `No permission to access project ${projectId} with these credentials.`),
  internal: () => modelArts(500, 'ModelArts.0010', 'Internal error.'),
} as const;

/** Keystone-style body of the IAM service (`{"error": {code, message, title}}`), another shape clients must read. */
export function iamError(status: number, message: string): SimApiError {
  const title = status === 401 ? 'Unauthorized' : status === 403 ? 'Forbidden' : 'Bad Request';
  return new SimApiError(status, { error: { code: status, message, title } });
}
