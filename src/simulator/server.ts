import type { IncomingMessage, ServerResponse } from 'node:http';
import { handleAdmin } from './admin.js';
import type { SimCore } from './core.js';
import { SimApiError, simErrors } from './errors.js';
import type { TransportAction } from './faults.js';
import { jsonBody, newRequestId, queryParams, readBody, sendJson, sendText, sleep, splitUrl } from './http.js';
import { type Lang, languageOf } from './language.js';
import { matchRoute, type RouteMatch } from './routes.js';
import type { RequestLogEntry } from './stats.js';

/** Path prefix of the admin (control) endpoints: no signature, never faulted, not counted. */
export const ADMIN_PREFIX = '/__sim';

/** What a load balancer in front of the service sends on 502: HTML, not JSON. */
const BAD_GATEWAY_HTML =
  '<html>\r\n<head><title>502 Bad Gateway</title></head>\r\n<body>\r\n<center><h1>502 Bad Gateway</h1></center>\r\n<hr><center>nginx</center>\r\n</body>\r\n</html>\r\n';

/** One HTTP answer: JSON `body`, or `html` for the 502 page. */
interface Answer {
  status: number;
  body?: unknown;
  headers?: Record<string, string>;
  html?: string;
}

/** The node:http request listener of one simulator: `/__sim/*` to the admin, the rest to the API. */
export function createRequestListener(core: SimCore): (req: IncomingMessage, res: ServerResponse) => void {
  return (req, res) => {
    const requestId = newRequestId();
    res.setHeader('X-Request-Id', requestId);
    const { rawPath, rawQuery } = splitUrl(req.url ?? '/');
    const work =
      rawPath === ADMIN_PREFIX || rawPath.startsWith(`${ADMIN_PREFIX}/`)
        ? handleAdmin(core, req, res, rawPath.slice(ADMIN_PREFIX.length) || '/', rawQuery)
        : handleApi(core, req, res, requestId, rawPath, rawQuery);
    work.catch((err: unknown) => {
      core.onError(err);
      if (!res.headersSent) sendJson(res, 500, simErrors.internal().body);
    });
  };
}

/**
 * One API request: count it, apply transport faults (drop before, answer a fault, delay, drop
 * after), otherwise authenticate and dispatch; log how it ended.
 */
async function handleApi(
  core: SimCore,
  req: IncomingMessage,
  res: ServerResponse,
  requestId: string,
  rawPath: string,
  rawQuery: string,
): Promise<void> {
  const startedAt = performance.now();
  const method = (req.method ?? 'GET').toUpperCase();
  const route = matchRoute(method, rawPath);
  core.stats.arrived(route.operation);
  const entry: RequestLogEntry = {
    requestId,
    at: core.clock.now(),
    method,
    path: rawQuery ? `${rawPath}?${rawQuery}` : rawPath,
    operation: route.operation,
    status: 0,
    durationMs: 0,
  };
  const finish = (status: number, errorCode?: string) => {
    entry.status = status;
    if (errorCode) entry.errorCode = errorCode;
    entry.durationMs = Math.round((performance.now() - startedAt) * 1000) / 1000;
    core.stats.finished(entry);
  };

  const { delayMs, action } = core.faults.decide(route.operation);
  if (delayMs > 0) entry.fault = 'delay';
  if (action) entry.fault = action.kind;
  if (action?.kind === 'drop' && !action.afterProcessing) {
    req.socket.destroy();
    finish(0);
    return;
  }

  // X-Language decides the wording of ModelArts messages (error_msg, fail_reason): see language.ts.
  const lang = languageOf(req.headers['x-language']);
  const answer = await produceAnswer(core, req, route, rawPath, rawQuery, entry, action, lang);
  if (delayMs > 0) await sleep(delayMs);
  if (action?.kind === 'drop') {
    req.socket.destroy();
    finish(0);
    return;
  }
  if (answer.html !== undefined) sendText(res, answer.status, 'text/html', answer.html);
  else sendJson(res, answer.status, answer.body, answer.headers);
  const code =
    answer.body && typeof answer.body === 'object' ? (answer.body as Record<string, unknown>)['error_code'] : undefined;
  finish(answer.status, typeof code === 'string' ? code : undefined);
}

async function produceAnswer(
  core: SimCore,
  req: IncomingMessage,
  route: RouteMatch,
  rawPath: string,
  rawQuery: string,
  entry: RequestLogEntry,
  action: TransportAction | undefined,
  lang: Lang,
): Promise<Answer> {
  try {
    // The body is read even for faulted requests, so the keep-alive connection stays usable.
    const raw = await readBody(req);
    if (action && action.kind !== 'drop') return faultAnswer(action, lang);
    return dispatch(core, req, route, rawPath, rawQuery, raw, entry, lang);
  } catch (err) {
    if (err instanceof SimApiError) return { status: err.status, body: err.bodyIn(lang), headers: { ...err.headers } };
    // A client that went away mid-body is not a simulator bug.
    if (!req.destroyed) core.onError(err);
    return { status: 500, body: simErrors.internal().bodyIn(lang) };
  }
}

function faultAnswer(action: Exclude<TransportAction, { kind: 'drop' }>, lang: Lang): Answer {
  if (action.kind === 'throttle') {
    const e = simErrors.throttled(action.retryAfterSec);
    return { status: e.status, body: e.body, headers: { ...e.headers } };
  }
  switch (action.status) {
    case 502:
      return { status: 502, html: BAD_GATEWAY_HTML };
    case 503:
      return { status: 503, body: simErrors.backendUnavailable().body };
    case 504:
      return { status: 504, body: simErrors.backendTimeout().body };
    default:
      return { status: 500, body: simErrors.internal().bodyIn(lang) };
  }
}

/** Authenticates, checks the project and calls the operation. Throws {@link SimApiError}. */
function dispatch(
  core: SimCore,
  req: IncomingMessage,
  route: RouteMatch,
  rawPath: string,
  rawQuery: string,
  raw: Buffer,
  entry: RequestLogEntry,
  lang: Lang,
): Answer {
  const body = jsonBody(raw);
  if (route.operation === 'unknown') throw simErrors.noSuchApi();
  if (route.operation === 'iamToken') {
    if (!core.iam) throw simErrors.noSuchApi();
    const { issued, body: tokenBody } = core.iam.issueFromBody(body());
    return { status: 201, body: tokenBody, headers: { 'X-Subject-Token': issued.token } };
  }

  const principal = core.auth.authenticate({
    method: req.method ?? 'GET',
    rawPath,
    rawQuery,
    headers: req.headers,
    body: raw,
  });
  entry.auth = principal.method;
  const tokenProjectMismatch = principal.projectId !== undefined && principal.projectId !== route.projectId;
  if (route.projectId !== core.projectId || tokenProjectMismatch) throw simErrors.wrongProject(route.projectId ?? '');

  const query = queryParams(rawQuery);
  const s = core.service;
  const id = route.id ?? '';
  switch (route.operation) {
    case 'create':
      return { status: core.createStatus, body: s.create(body(), principal.user, lang) };
    case 'list':
      return { status: 200, body: s.list(query, lang) };
    case 'show':
      return { status: 200, body: s.show(id, lang) };
    case 'update':
      return { status: 200, body: s.update(id, body(), lang) };
    case 'delete':
      return { status: 200, body: s.delete(id, lang) };
    case 'start':
      return { status: 200, body: s.start(id, query, lang) };
    case 'stop':
      return { status: 200, body: s.stop(id, lang) };
    case 'showLease':
      return { status: 200, body: s.showLease(id) };
    case 'renewLease':
      return { status: 200, body: s.renewLease(id, query, body) };
    case 'listFlavors':
      return { status: 200, body: s.listFlavors(query) };
    case 'switchableFlavors':
      return { status: 200, body: s.switchableFlavors(id, query) };
    case 'listImages':
      return { status: 200, body: s.listImages(query) };
  }
}
