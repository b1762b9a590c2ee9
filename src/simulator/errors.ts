/**
 * Error answers of the simulated service, one factory per situation so every code lives in one
 * place. Codes follow Huawei's published ModelArts error table where it has one (0104, 0113,
 * 6302–6309); `ModelArts.6400` ("notebook request invalid") and `ModelArts.6407` ("no permission")
 * are codes observed in real clients whose exact wording is not published.
 *
 * ModelArts.* messages come in English and Chinese: the `X-Language` request header picks one
 * (see language.ts). API Gateway (APIG.*) answers are English whatever the header, because the
 * gateway answers before ModelArts reads it.
 */
import { type Lang, same, type Text, text } from './language.js';

/** Body shape of a ModelArts / API Gateway error. */
export interface ErrorBody {
  error_code: string;
  error_msg: string;
}

/** An error the simulator answers with: HTTP status, body and extra headers. */
export class SimApiError extends Error {
  readonly status: number;
  /** The body in English (`X-Language: en-us`). */
  readonly body: Readonly<Record<string, unknown>>;
  readonly headers: Readonly<Record<string, string>>;
  private readonly chineseBody: Readonly<Record<string, unknown>> | undefined;

  constructor(
    status: number,
    body: Record<string, unknown>,
    headers: Record<string, string> = {},
    chineseBody?: Record<string, unknown>,
  ) {
    const code = typeof body['error_code'] === 'string' ? body['error_code'] : 'error';
    super(`HTTP ${status} ${code}`);
    this.name = 'SimApiError';
    this.status = status;
    this.body = body;
    this.headers = headers;
    this.chineseBody = chineseBody;
  }

  /** The `error_code`, when the body has one. */
  get errorCode(): string | undefined {
    const c = this.body['error_code'];
    return typeof c === 'string' ? c : undefined;
  }

  /** The body in `lang` (the English one when the error has no Chinese wording). */
  bodyIn(lang: Lang): Readonly<Record<string, unknown>> {
    return lang === 'zh' && this.chineseBody ? this.chineseBody : this.body;
  }
}

/** A ModelArts error: `{error_code, error_msg}` in both languages. */
const modelArts = (status: number, code: string, msg: Text): SimApiError =>
  new SimApiError(status, { error_code: code, error_msg: msg.en }, {}, { error_code: code, error_msg: msg.zh });

/** A gateway error: English only. */
const gateway = (status: number, code: string, msg: string, headers: Record<string, string> = {}): SimApiError =>
  new SimApiError(status, { error_code: code, error_msg: msg }, headers);

/**
 * How an unknown or deleted notebook id is answered:
 * - `400` (default): HTTP 400 ModelArts.6404, what Terraform's `parseModlArtsErrorToError404`
 *   (`resource_huaweicloud_modelarts_notebook.go`) turns into "gone";
 * - `6309`: HTTP 400 ModelArts.6309, the other code that function accepts;
 * - `404`: HTTP 404 ModelArts.6404 (kept for older tests; not attested by Huawei's code);
 * - `random`: any of the three.
 */
export type NotFoundStyle = '400' | '6309' | '404' | 'random';

/** A concrete not-found form (after `random` was resolved). */
export type NotFoundForm = Exclude<NotFoundStyle, 'random'>;

export const simErrors = {
  // ----------------------------------------------------------------- gateway (APIG)
  missingAuth: () =>
    gateway(401, 'APIG.0301', 'Incorrect IAM authentication information: Authorization header not found'),
  badSignature: () => gateway(401, 'APIG.0301', 'Incorrect IAM authentication information: verify aksk signature fail'),
  badAuthHeader: (detail: string) => gateway(401, 'APIG.0301', `Incorrect IAM authentication information: ${detail}`),
  akLocked: () =>
    gateway(
      401,
      'APIG.0301',
      'Incorrect IAM authentication information: the access key is locked for 5 minutes after repeated signature failures',
    ),
  expiredSignature: () =>
    gateway(
      401,
      'APIG.0303',
      'Incorrect app authentication information: the request has expired (X-Sdk-Date differs from the server time by more than 15 minutes)',
    ),
  badToken: (detail: string) => gateway(401, 'APIG.0301', `Incorrect IAM authentication information: ${detail}`),
  noSuchApi: () => gateway(404, 'APIG.0101', 'The API does not exist or has not been published in the environment.'),
  throttled: (retryAfterSec: number) =>
    gateway(429, 'APIG.0308', 'The request is throttled.', { 'Retry-After': String(retryAfterSec) }),
  bodyTooLarge: () => gateway(413, 'APIG.0210', 'Request entity too large.'),
  backendUnavailable: () => gateway(503, 'APIG.0201', 'Backend unavailable.'),
  backendTimeout: () => gateway(504, 'APIG.0202', 'Backend timeout.'),

  // ----------------------------------------------------------------- ModelArts
  /** ModelArts.0104 naming the field(s); a plain string reads the same in both languages. */
  badParameter: (detail: Text | string) => {
    const d = typeof detail === 'string' ? same(detail) : detail;
    return modelArts(400, 'ModelArts.0104', text(`Parameter error. ${d.en}`, `参数错误。${d.zh}`));
  },
  quotaExhausted: (what: Text) =>
    modelArts(
      400,
      'ModelArts.0113',
      text(`Create Notebook failed. Quota: ${what.en} is exhausted.`, `创建Notebook失败，配额不足：${what.zh}已用尽。`),
    ),
  tooManyInstances: () =>
    modelArts(
      400,
      'ModelArts.6302',
      text('The instance count already reaches the maximum value.', '实例数量已达到上限。'),
    ),
  sortNotSupported: (field: string) =>
    modelArts(
      400,
      'ModelArts.6303',
      text(`The field does not support sorting: ${field}.`, `该字段不支持排序：${field}。`),
    ),
  stopBeforeDelete: () =>
    modelArts(400, 'ModelArts.6304', text('Please stop the instance before deleting.', '请先停止实例再删除。')),
  alreadyRunning: () => modelArts(400, 'ModelArts.6305', text('The instance is already running.', '实例已在运行中。')),
  isStarting: () => modelArts(400, 'ModelArts.6306', text('The instance is starting.', '实例正在启动中。')),
  alreadyStopped: () =>
    modelArts(400, 'ModelArts.6307', text('The instance has already been stopped.', '实例已停止。')),
  isStopping: () => modelArts(400, 'ModelArts.6308', text('The instance is stopping.', '实例正在停止中。')),
  notFound: (id: string, form: NotFoundForm) => {
    switch (form) {
      case '404':
        return modelArts(
          404,
          'ModelArts.6404',
          text(`The notebook instance ${id} does not exist.`, `Notebook实例${id}不存在。`),
        );
      case '6309':
        return modelArts(400, 'ModelArts.6309', text('The instance does not exist.', '实例不存在。'));
      default:
        return modelArts(
          400,
          'ModelArts.6404',
          text(`The notebook instance ${id} does not exist.`, `Notebook实例${id}不存在。`),
        );
    }
  },
  invalidState: (status: string, action: Text) =>
    modelArts(
      400,
      'ModelArts.6400',
      text(
        `The instance is ${status}; it cannot ${action.en} in this state.`,
        `实例当前状态为${status}，无法${action.zh}。`,
      ),
    ),
  unknownFlavor: (flavor: string, region: string) =>
    modelArts(
      400,
      'ModelArts.6400',
      text(
        `Flavor ${flavor} does not exist or is not available in ${region}.`,
        `规格${flavor}不存在或在${region}不可用。`,
      ),
    ),
  unknownImage: (imageId: string) =>
    modelArts(400, 'ModelArts.6400', text(`Image ${imageId} does not exist.`, `镜像${imageId}不存在。`)),
  wrongProject: (projectId: string) =>
    modelArts(
      403,
      'ModelArts.6407',
      text(
        `No permission to access project ${projectId} with these credentials.`,
        `当前凭证无权访问项目${projectId}。`,
      ),
    ),
  internal: () => modelArts(500, 'ModelArts.0010', text('Internal error.', '系统内部错误。')),
} as const;

/** Keystone-style body of the IAM service (`{"error": {code, message, title}}`), another shape clients must read. */
export function iamError(status: number, message: string): SimApiError {
  const title = status === 401 ? 'Unauthorized' : status === 403 ? 'Forbidden' : 'Bad Request';
  return new SimApiError(status, { error: { code: status, message, title } });
}
