/**
 * Socket Mode, built once for the bot and for `npm run doctor`: Bolt's SocketModeReceiver with
 * its Web API client on SLACK_API_URL, and a supervisor that owns the connection.
 *
 * The Socket Mode client's own reconnect logic is off: on its own it calls `apps.connections.open`
 * with up to 100 retries (hours, with no word of why), waits forever for a `hello`, and stops for
 * good on a network error during a reconnect. The supervisor instead:
 * - opens the first connection within `connectTimeoutMs`, retrying what may pass (network,
 *   Slack's 5xx and rate limits), and fails at once on what will not (a refused token), with an
 *   error naming the cause and the fix;
 * - reconnects at once after Slack's `disconnect` (refresh_requested, …) or a dropped socket, then
 *   with backoff, for as long as the process runs;
 * - reports its state for `/readyz`.
 */
import { connect } from 'node:net';
import { SocketModeReceiver } from '@slack/bolt';
import { ErrorCode } from '@slack/web-api';
import { BotError } from '../errors.js';
import type { Logger } from '../logger.js';
import { decodeSlackError } from '../messages/index.js';
import { slackLogger } from '../operations/index.js';
import { inspectEnvelope } from './receiver-guard.js';

/** Slack's Web API when SLACK_API_URL is not set. */
const DEFAULT_API_URL = 'https://slack.com/api/';

/** Timing of the connection; production uses the defaults, tests shorten them. */
export interface SocketModeSettings {
  /** Start fails when no connection is open (Slack said `hello`) after this long. Default 30 s. */
  connectTimeoutMs?: number;
  /** First pause after a failed attempt; doubles up to `maxRetryDelayMs`. Default 1 s. */
  retryDelayMs?: number;
  /** Default 30 s. */
  maxRetryDelayMs?: number;
  /** The client pings Slack and drops a connection with no pong after this long. Default 5 s. */
  clientPingTimeoutMs?: number;
  /** Drops a connection when Slack's pings stop for this long. Default 30 s. */
  serverPingTimeoutMs?: number;
}

export const DEFAULT_SOCKET_MODE_SETTINGS: Readonly<Required<SocketModeSettings>> = {
  connectTimeoutMs: 30_000,
  retryDelayMs: 1000,
  maxRetryDelayMs: 30_000,
  clientPingTimeoutMs: 5000,
  serverPingTimeoutMs: 30_000,
};

export type SocketModeState = 'idle' | 'connecting' | 'connected' | 'reconnecting' | 'failed' | 'closed';

export interface SocketModeStatus {
  state: SocketModeState;
  /** Connections opened so far (each ended with Slack's `hello`). */
  connections: number;
  /** Why the last attempt failed, in plain words (no secret), until the next connection opens. */
  lastError?: string | undefined;
}

/** The Socket Mode connection of one receiver. */
export interface SocketModeConnection {
  /**
   * Opens the first connection: resolves when Slack says `hello`; rejects with a
   * `SlackConnectionError` when the token is refused, or when `connectTimeoutMs` passes first.
   */
  open(): Promise<void>;
  /** Closes the connection and stops reconnecting. Idempotent. */
  close(): Promise<void>;
  status(): SocketModeStatus;
}

/** No Socket Mode connection could be opened. The message names the cause and what to do. */
export class SlackConnectionError extends BotError {
  readonly code = 'slack_connection_failed';
  constructor(
    /** Short cause: Slack's error code (`invalid_auth`), a socket error code (`ECONNREFUSED`), `timeout`, … */
    readonly reason: string,
    message: string,
  ) {
    super(message);
  }
}

export interface SocketModeReceiverOptions {
  /** App-level token (`xapp-…`). */
  appToken: string;
  /** Web API base URL (GovSlack, or a stand-in); default Slack's. */
  slackApiUrl?: string | undefined;
  /** The root logger (no `component` binding). */
  logger: Logger;
  settings?: SocketModeSettings | undefined;
}

type SocketModeClient = SocketModeReceiver['client'];
type Listener = (...args: unknown[]) => unknown;

/**
 * Bolt's SocketModeReceiver on `slackApiUrl`, its messages screened (`inspectEnvelope`), its
 * connection supervised. Builds nothing on the network: `connection.open()` connects.
 */
export function createSocketModeReceiver(options: SocketModeReceiverOptions): {
  receiver: SocketModeReceiver;
  connection: SocketModeConnection;
} {
  const settings = { ...DEFAULT_SOCKET_MODE_SETTINGS, ...options.settings };
  const log = options.logger.child({ component: 'slack-socket-mode' });
  const receiver = new SocketModeReceiver({
    appToken: options.appToken,
    logger: slackLogger(options.logger, 'bolt-receiver'),
    autoReconnectEnabled: false,
    clientPingTimeout: settings.clientPingTimeoutMs,
    serverPingTimeout: settings.serverPingTimeoutMs,
    installerOptions: {
      clientOptions: {
        ...(options.slackApiUrl ? { slackApiUrl: options.slackApiUrl } : {}),
        // Every failure comes back at once: the supervisor decides whether to try again.
        retryConfig: { retries: 0 },
        rejectRateLimitedCalls: true,
        timeout: Math.min(10_000, settings.connectTimeoutMs),
      },
    },
  });
  const connection = superviseConnection(receiver.client, {
    settings,
    apiUrl: options.slackApiUrl ?? DEFAULT_API_URL,
    log,
  });
  screenMessages(receiver.client, log, connection.expectDisconnect);
  return { receiver, connection };
}

/**
 * Puts `inspectEnvelope` in front of the client's message handler: a malformed envelope is acked
 * (so Slack does not send it again) and logged, not parsed by code that would throw outside any
 * handler. The client's and the receiver's async listeners get a catch, so nothing that goes
 * wrong in them becomes an unhandled rejection.
 */
function screenMessages(client: SocketModeClient, log: Logger, onDisconnectMessage: (reason: string) => void): void {
  const guard = (event: string) => {
    const listeners = client.listeners(event) as Listener[];
    client.removeAllListeners(event);
    return (...args: unknown[]) => {
      for (const listener of listeners) {
        try {
          const result = listener.apply(client, args);
          if (result instanceof Promise) {
            result.catch((err: unknown) => log.error({ err, event }, 'a Socket Mode message could not be handled'));
          }
        } catch (err) {
          log.error({ err, event }, 'a Socket Mode message could not be handled');
        }
      }
    };
  };
  const onMessage = guard('ws_message');
  const onSlackEvent = guard('slack_event');
  client.on('slack_event', onSlackEvent);
  // `send` is how the client acks; it is private in the typings only.
  const ack = (client as unknown as { send(envelopeId: string, body?: object): Promise<void> }).send.bind(client);
  client.on('ws_message', (data: unknown, isBinary: unknown) => {
    if (isBinary !== true) {
      const text = typeof data === 'string' ? data : new TextDecoder().decode(data as ArrayBuffer);
      const verdict = inspectEnvelope(text);
      if (!verdict.ok) {
        log.warn(
          { envelopeId: verdict.envelopeId, type: verdict.type, reason: verdict.reason, length: text.length },
          verdict.envelopeId
            ? 'acked and dropped a malformed Socket Mode envelope'
            : 'dropped a malformed Socket Mode message',
        );
        if (verdict.envelopeId) {
          ack(verdict.envelopeId).catch((err: unknown) =>
            log.warn({ err, envelopeId: verdict.envelopeId }, 'could not ack a malformed envelope'),
          );
        }
        return;
      }
      if (verdict.disconnectReason) onDisconnectMessage(verdict.disconnectReason);
    }
    onMessage(data, isBinary);
  });
}

/** What went wrong in one attempt, for the log, `/readyz` and the start-up error. */
interface Failure {
  /** Short cause (`invalid_auth`, `ECONNREFUSED`, `http_404`, `no_hello`, …). */
  reason: string;
  /** What happened, in plain words. */
  detail: string;
  /** What to do about it. */
  fix: string;
  /** Retrying cannot help (a refused token, a wrong URL). */
  fatal: boolean;
  /** Slack asked us to wait this long (429). */
  retryAfterMs?: number;
}

const TRANSIENT_SLACK_ERRORS = new Set([
  'ratelimited',
  'internal_error',
  'fatal_error',
  'service_unavailable',
  'request_timeout',
]);

const TOKEN_FIX =
  'create an app-level token with the connections:write scope (your app > Basic Information > App-Level Tokens), set SLACK_APP_TOKEN to it, and check with npm run doctor';

const NETWORK_FIX = 'check SLACK_API_URL, DNS, the network or a proxy; npm run doctor tests the connection';

const SOCKET_FIX =
  'a firewall or proxy may block WebSocket (wss://) connections to Slack; npm run doctor tests the connection';

/** A URL as it may be shown: no credentials, no query (Slack's WebSocket URLs carry a ticket). */
function showUrl(url: string): string {
  try {
    const u = new URL(url);
    return `${u.protocol}//${u.host}${u.pathname}`;
  } catch {
    return '(an invalid URL)';
  }
}

function platformFailure(code: string, apiUrl: string): Failure {
  if (TRANSIENT_SLACK_ERRORS.has(code)) {
    return {
      reason: code,
      detail: `Slack answered ${code}`,
      fix: 'Slack had a problem; try again later',
      fatal: false,
    };
  }
  switch (code) {
    case 'not_allowed_token_type':
      return {
        reason: code,
        detail: 'SLACK_APP_TOKEN is not an app-level token (not_allowed_token_type)',
        fix: 'use the xapp-… token from your app > Basic Information > App-Level Tokens, not the bot token; npm run doctor checks it',
        fatal: true,
      };
    case 'missing_scope':
      return {
        reason: code,
        detail: 'the app-level token lacks the connections:write scope (missing_scope)',
        fix: TOKEN_FIX,
        fatal: true,
      };
    case 'invalid_auth':
    case 'not_authed':
    case 'invalid_token':
    case 'token_revoked':
    case 'token_expired':
    case 'account_inactive':
    case 'team_disabled':
    case 'user_removed_from_team':
      return { reason: code, detail: `Slack rejected SLACK_APP_TOKEN (${code})`, fix: TOKEN_FIX, fatal: true };
    default:
      return {
        reason: code,
        detail: `Slack refused to open a Socket Mode connection at ${showUrl(apiUrl)} (${code})`,
        fix: 'check that Socket Mode is on for the app (your app > Socket Mode) and that SLACK_API_URL is your workspace’s Web API; npm run doctor checks both',
        fatal: true,
      };
  }
}

/** The code and message of a network error (`fetch failed` hides them in `cause`). */
function networkCause(err: unknown): { code: string | undefined; message: string } {
  let e = err as { code?: unknown; message?: unknown; cause?: unknown } | undefined;
  let message = typeof e?.message === 'string' ? e.message : String(err);
  for (let depth = 0; e && depth < 4; depth += 1) {
    if (typeof e.code === 'string' && /^E[A-Z_]+$/.test(e.code)) {
      return { code: e.code, message: typeof e.message === 'string' ? e.message : message };
    }
    if (typeof e.message === 'string' && e.message) message = e.message;
    e = e.cause as typeof e;
  }
  return { code: undefined, message };
}

/** Attempt context the error alone does not carry. */
interface AttemptTrace {
  /** The WebSocket URL Slack gave (apps.connections.open answered). */
  wsUrl?: string | undefined;
  /** The last WebSocket error during the attempt. */
  socketError?: unknown;
}

function classify(err: unknown, trace: AttemptTrace, apiUrl: string): Failure {
  const coded = err as { code?: unknown; statusCode?: unknown };
  // The codes and Retry-After come from the one Slack-error decoder; the words here are about
  // opening a Socket Mode connection.
  const decoded = decodeSlackError(err);
  if (decoded?.kind === 'rate_limited') {
    return {
      reason: 'ratelimited',
      detail: 'Slack rate-limited apps.connections.open',
      fix: 'too many connections are being opened: fewer replicas in Socket Mode (at most 10)',
      fatal: false,
      retryAfterMs: decoded.retryAfterMs,
    };
  }
  switch (coded?.code) {
    case ErrorCode.PlatformError:
      return platformFailure(decoded?.code ?? 'unknown_error', apiUrl);
    case ErrorCode.HTTPError: {
      const status = Number(coded.statusCode);
      const client = status >= 400 && status < 500;
      return {
        reason: `http_${status}`,
        detail: `${showUrl(apiUrl)} answered HTTP ${status} to apps.connections.open`,
        fix: client
          ? 'SLACK_API_URL must be the Web API base URL, e.g. https://slack.com/api/ (GovSlack: https://slack-gov.com/api/)'
          : 'Slack had a problem (https://slack-status.com); start again in a few minutes',
        fatal: client,
      };
    }
    case ErrorCode.RequestError: {
      const cause = networkCause((err as { original?: unknown }).original ?? err);
      return {
        reason: cause.code ?? 'network_error',
        detail: `could not reach ${showUrl(apiUrl)} (${cause.code ? `${cause.code}: ` : ''}${cause.message})`,
        fix: NETWORK_FIX,
        fatal: false,
      };
    }
  }
  const where = trace.wsUrl ? showUrl(trace.wsUrl) : 'Slack';
  if (trace.socketError !== undefined) {
    const cause = networkCause(trace.socketError);
    return {
      reason: cause.code ?? 'websocket_error',
      detail: `the WebSocket connection to ${where} failed (${cause.code ? `${cause.code}: ` : ''}${cause.message})`,
      fix: SOCKET_FIX,
      fatal: false,
    };
  }
  if (err === undefined) {
    return {
      reason: 'closed',
      detail: `the WebSocket connection to ${where} closed before Slack said hello`,
      fix: SOCKET_FIX,
      fatal: false,
    };
  }
  return {
    reason: 'error',
    detail: err instanceof Error ? err.message : String(err),
    fix: NETWORK_FIX,
    fatal: false,
  };
}

/** An attempt that did not finish in time. */
class AttemptTimeout extends Error {}

function timeoutFailure(trace: AttemptTrace, apiUrl: string, ms: number): Failure {
  const seconds = Math.round(ms / 100) / 10;
  if (!trace.wsUrl) {
    return {
      reason: 'timeout',
      detail: `apps.connections.open at ${showUrl(apiUrl)} did not answer within ${seconds} s`,
      fix: NETWORK_FIX,
      fatal: false,
    };
  }
  if (trace.socketError !== undefined) return classify(undefined, trace, apiUrl);
  return {
    reason: 'no_hello',
    detail: `the WebSocket to ${showUrl(trace.wsUrl)} opened, but Slack sent no hello within ${seconds} s`,
    fix: SOCKET_FIX,
    fatal: false,
  };
}

/**
 * The WebSocket client reports a refused or unresolvable connection as an error without a
 * message. One plain TCP connection to the same host and port names the cause.
 */
async function diagnoseSocket(wsUrl: string | undefined, timeoutMs = 2000): Promise<unknown> {
  let url: URL;
  try {
    url = new URL(wsUrl ?? '');
  } catch {
    return new Error('no usable WebSocket URL');
  }
  const port = Number(url.port) || (url.protocol === 'wss:' ? 443 : 80);
  const host = url.hostname.replace(/^\[|\]$/g, '');
  return new Promise((resolve) => {
    const socket = connect({ host, port });
    const done = (outcome: unknown) => {
      clearTimeout(timer);
      socket.destroy();
      resolve(outcome);
    };
    const timer = setTimeout(
      () => done(Object.assign(new Error(`no TCP connection within ${timeoutMs} ms`), { code: 'ETIMEDOUT' })),
      timeoutMs,
    );
    socket.once('connect', () =>
      done(new Error('the server accepts TCP connections but not the WebSocket (a proxy, or a wrong URL?)')),
    );
    socket.once('error', done);
  });
}

/** The socket error of an attempt, with a cause named when the client gave none. */
async function explainSocketError(trace: AttemptTrace): Promise<void> {
  if (trace.socketError === undefined) return;
  if (networkCause(trace.socketError).message.trim()) return;
  trace.socketError = await diagnoseSocket(trace.wsUrl);
}

function superviseConnection(
  client: SocketModeClient,
  o: { settings: Required<SocketModeSettings>; apiUrl: string; log: Logger },
): SocketModeConnection & { expectDisconnect(reason: string): void } {
  const { settings, apiUrl, log } = o;
  let state: SocketModeState = 'idle';
  let connections = 0;
  let lastError: string | undefined;
  let closing = false;
  let reconnecting: Promise<void> | undefined;
  let trace: AttemptTrace = {};
  /** Why Slack asked this connection to close (its `disconnect` message), if it did. */
  let disconnectReason: string | undefined;
  /** Ends the current pause early (close()). */
  let wake: (() => void) | undefined;

  client.on('authenticated', (resp: { url?: string } | undefined) => {
    trace.wsUrl = resp?.url;
  });
  client.on('error', (err: unknown) => {
    trace.socketError = err;
  });
  client.on('disconnected', () => {
    if (closing || state !== 'connected') return;
    state = 'reconnecting';
    // Slack recycles every connection every few hours (refresh_requested): routine, not a warning.
    if (disconnectReason) log.info({ connections, reason: disconnectReason }, 'Slack asked to reconnect; reconnecting');
    else log.warn({ connections }, 'Socket Mode connection lost; reconnecting');
    disconnectReason = undefined;
    reconnecting = reconnect().finally(() => {
      reconnecting = undefined;
    });
  });

  const pause = (ms: number) =>
    new Promise<void>((resolve) => {
      const timer = setTimeout(done, ms);
      function done() {
        clearTimeout(timer);
        wake = undefined;
        resolve();
      }
      wake = done;
    });

  /** Ends a half-open attempt (bounded: a peer that never completes the close must not hold us). */
  const disconnect = async () => {
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([
      client.disconnect().catch(() => undefined),
      new Promise<void>((resolve) => {
        timer = setTimeout(resolve, 2000);
      }),
    ]);
    clearTimeout(timer);
  };

  /** One `client.start()`: resolves on hello, rejects with what the client threw or AttemptTimeout. */
  const attempt = async (timeoutMs: number): Promise<void> => {
    trace = {};
    const started = client.start();
    // An attempt abandoned on timeout settles later: that must not be an unhandled rejection.
    started.catch(() => undefined);
    let timer: NodeJS.Timeout | undefined;
    try {
      await Promise.race([
        started,
        new Promise<never>((_, reject) => {
          timer = setTimeout(() => reject(new AttemptTimeout()), Math.max(0, timeoutMs));
        }),
      ]);
    } finally {
      clearTimeout(timer);
    }
  };

  const failureOf = async (err: unknown, timeoutMs: number): Promise<Failure> => {
    await explainSocketError(trace);
    return err instanceof AttemptTimeout ? timeoutFailure(trace, apiUrl, timeoutMs) : classify(err, trace, apiUrl);
  };

  const connected = () => {
    state = 'connected';
    disconnectReason = undefined;
    connections += 1;
    lastError = undefined;
    log.info({ connections, url: trace.wsUrl ? showUrl(trace.wsUrl) : undefined }, 'Socket Mode connected');
  };

  async function reconnect(): Promise<void> {
    let delay = 0;
    for (;;) {
      if (closing) return;
      try {
        await attempt(settings.connectTimeoutMs);
        if (closing) return;
        connected();
        return;
      } catch (err) {
        if (closing) return;
        const f = await failureOf(err, settings.connectTimeoutMs);
        if (err instanceof AttemptTimeout) await disconnect();
        lastError = f.detail;
        delay = Math.min(Math.max(delay * 2, settings.retryDelayMs), settings.maxRetryDelayMs);
        const wait = f.retryAfterMs ?? delay;
        const line = { reason: f.reason, retryInMs: wait };
        const text = `Socket Mode reconnection failed: ${f.detail}; ${f.fatal ? `${f.fix}; ` : ''}retrying`;
        if (f.fatal) log.error(line, text);
        else log.warn(line, text);
        await pause(wait);
      }
    }
  }

  return {
    expectDisconnect(reason) {
      disconnectReason = reason;
    },
    async open() {
      if (state !== 'idle') throw new Error(`Socket Mode connection already ${state}`);
      state = 'connecting';
      const limit = settings.connectTimeoutMs;
      const deadline = performance.now() + limit;
      let delay = settings.retryDelayMs;
      // The last failure with a cause of its own: an attempt cut short by the deadline knows only
      // that it ran out of time (a refused socket may report after the cut; on a busy machine the
      // cut may even fall in apps.connections.open), so when the deadline ends the start, an
      // earlier attempt's cause (ECONNREFUSED, say) says more. Every attempt runs until the
      // deadline, so a timed-out attempt is such a cut: it is the cause only when nothing came before.
      let lastCause: Failure | undefined;
      for (;;) {
        if (closing) throw new SlackConnectionError('closed', 'Socket Mode was closed while connecting');
        const left = deadline - performance.now();
        try {
          await attempt(left);
          if (closing) throw new SlackConnectionError('closed', 'Socket Mode was closed while connecting');
          connected();
          return;
        } catch (err) {
          if (err instanceof SlackConnectionError) throw err;
          if (closing) throw new SlackConnectionError('closed', 'Socket Mode was closed while connecting');
          const f = await failureOf(err, left);
          if (!(err instanceof AttemptTimeout) || lastCause === undefined) lastCause = f;
          lastError = f.detail;
          const wait = f.retryAfterMs ?? delay;
          if (f.fatal || performance.now() + wait >= deadline) {
            state = 'failed';
            await disconnect();
            const report = f.fatal ? f : (lastCause ?? f);
            const within = report.fatal ? '' : ` within ${Math.round(limit / 100) / 10} s`;
            throw new SlackConnectionError(
              report.reason,
              `Could not open a Socket Mode connection to Slack${within}: ${report.detail}. To fix: ${report.fix}.`,
            );
          }
          if (err instanceof AttemptTimeout) await disconnect();
          log.warn({ reason: f.reason, retryInMs: wait }, `Socket Mode connection failed: ${f.detail}; retrying`);
          await pause(wait);
          delay = Math.min(delay * 2, settings.maxRetryDelayMs);
        }
      }
    },
    async close() {
      if (closing) {
        await reconnecting;
        return;
      }
      closing = true;
      state = 'closed';
      wake?.();
      await disconnect();
      await reconnecting;
    },
    status() {
      return { state, connections, ...(lastError ? { lastError } : {}) };
    },
  };
}
