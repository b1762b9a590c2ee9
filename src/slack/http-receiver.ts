import type { IncomingMessage, ServerResponse } from 'node:http';
import { type CustomRoute, HTTPModuleFunctions, HTTPReceiver, type Logger as SlackLogger } from '@slack/bolt';
import type { Logger } from '../logger.js';
import { inspectSlackBody } from './receiver-guard.js';

/** Where Slack posts commands, interactivity and events. */
export const EVENTS_PATH = '/slack/events';

export interface HttpReceiverOptions {
  signingSecret: string;
  customRoutes: CustomRoute[];
  port: number;
  /** Largest request body accepted (HTTP 413 above). */
  bodyLimit: number;
  /** Bolt's logger (the SDK interface over pino). */
  boltLogger: SlackLogger;
  /** Where refused requests are logged. */
  logger: Logger;
}

/**
 * Bolt's HTTP receiver with a screen in front of `/slack/events`: the request is read, its
 * signature and timestamp verified (as Bolt does: 401 otherwise, 413 when too large), and its body
 * parsed and checked against what Slack sends (`inspectSlackBody`). A signed request whose body or
 * `payload` is not such an object (invalid JSON, `null`, a number, a string, an array, an object
 * Bolt cannot dispatch) is answered 400 at once and logged with the reason, never the body: left
 * to Bolt it throws outside any handler and the request is never answered. `app_rate_limited`
 * (Slack dropping events for a while) is answered 200 and logged. Everything else goes on to Bolt,
 * which reads the buffered body again.
 *
 * The signature is checked once, here: Bolt's own check is off (`signatureVerification: false`),
 * since every request Bolt would hand to the app (a POST whose path, parsed as Bolt parses it, is
 * `/slack/events`) has passed this screen first. Checking twice cost every ack a second HMAC,
 * body decode and form parse.
 */
export function createHttpReceiver(options: HttpReceiverOptions): HTTPReceiver {
  const log = options.logger.child({ component: 'slack-http' });
  const receiver = new HTTPReceiver({
    signingSecret: options.signingSecret,
    endpoints: EVENTS_PATH,
    customRoutes: options.customRoutes,
    logger: options.boltLogger,
    port: options.port,
    processBeforeResponse: false,
    bodyLimit: options.bodyLimit,
    // Verified by `screen` below, for every request Bolt routes to the app (`isEventRequest`).
    signatureVerification: false,
  });
  const bolt = receiver.requestListener;

  const answer = (res: ServerResponse, status: number) => {
    if (res.headersSent) return;
    res.writeHead(status);
    res.end();
  };

  /** Resolves true when Bolt should handle the request; otherwise it has been answered. */
  const screen = async (req: IncomingMessage, res: ServerResponse): Promise<boolean> => {
    const contentType = req.headers['content-type'];
    let buffered: Awaited<ReturnType<typeof HTTPModuleFunctions.parseAndVerifyHTTPRequest>>;
    try {
      buffered = await HTTPModuleFunctions.parseAndVerifyHTTPRequest(
        { enabled: true, signingSecret: options.signingSecret, bodyLimit: options.bodyLimit },
        req,
      );
    } catch (err) {
      if (HTTPModuleFunctions.isRawBodyError(err) && (err.type === 'entity.too.large' || err.statusCode === 413)) {
        log.warn({ status: 413, limit: options.bodyLimit }, 'refused a Slack request: body too large');
        answer(res, 413);
      } else {
        // The verifier's messages name the check that failed (signature, timestamp), no value.
        log.warn({ status: 401, reason: (err as Error).message }, 'refused a request that is not signed by Slack');
        answer(res, 401);
      }
      return false;
    }
    const refuse = (reason: string) => {
      log.warn(
        {
          status: 400,
          reason,
          contentType,
          bytes: buffered.rawBody.length,
          retryNum: req.headers['x-slack-retry-num'],
        },
        'refused a signed Slack request whose body is not what Slack sends',
      );
      answer(res, 400);
      return false;
    };
    let body: unknown;
    try {
      body = HTTPModuleFunctions.parseHTTPRequestBody(buffered);
    } catch {
      // Not the parser's message: it quotes the start of the body.
      return refuse('the body (or its payload field) is not valid JSON');
    }
    const verdict = inspectSlackBody(body);
    if (!verdict.ok) return refuse(verdict.reason);
    if (verdict.kind === 'app_rate_limited') {
      log.warn(
        { minuteRateLimited: (body as Record<string, unknown>)['minute_rate_limited'] },
        'Slack is not sending this app events for a while (app_rate_limited): too many events a minute',
      );
      answer(res, 200);
      return false;
    }
    return true;
  };

  receiver.requestListener = (req, res) => {
    let event: boolean;
    try {
      event = isEventRequest(req);
    } catch {
      // Bolt would throw on this URL too; nothing of it reaches the app.
      answer(res, 400);
      return;
    }
    if (!event) {
      bolt(req, res);
      return;
    }
    screen(req, res)
      .then((pass) => {
        if (pass) bolt(req, res);
      })
      .catch((err: unknown) => {
        log.error({ err }, 'could not handle a Slack request');
        answer(res, 500);
      });
  };
  return receiver;
}

/**
 * Whether Bolt's HTTPReceiver would hand `req` to the app: a POST (any case) whose path, parsed
 * exactly as Bolt parses it (`new URL(url, 'http://localhost').pathname`), is `/slack/events`.
 * Throws where Bolt's parsing throws.
 */
export function isEventRequest(req: Pick<IncomingMessage, 'method' | 'url'>): boolean {
  if ((req.method ?? '').toUpperCase() !== 'POST') return false;
  return new URL(req.url ?? '/', 'http://localhost').pathname === EVENTS_PATH;
}
