import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Redis } from 'ioredis';
import { redactSecrets } from '../logger.js';
import type { ModelArtsApi } from '../modelarts/api.js';
import { ModelArtsAuthError, ModelArtsThrottledError } from '../modelarts/errors.js';
import type { Metrics } from '../ops/metrics.js';
import { rejectAfter } from '../timeout.js';

/** One dependency the process needs to do its work. */
export interface ReadinessCheck {
  name: string;
  /** Resolves when the dependency is usable; rejects with a message saying what is wrong. */
  run(): Promise<void>;
  /** Gives up after this long (default 2 s). */
  timeoutMs?: number;
  /** Reuses a result this long (default 0: every probe checks). */
  cacheMs?: number;
}

export interface CheckResult {
  ok: boolean;
  /** How long the check took (of the cached run, when cached). */
  ms: number;
  error?: string;
  /** The result is from an earlier probe (`cacheMs`). */
  cached?: boolean;
}

/** The body of `/readyz`. */
export interface ReadinessReport {
  status: 'ready' | 'unready';
  checks: Record<string, CheckResult>;
}

export interface Readiness {
  check(): Promise<ReadinessReport>;
}

/**
 * Runs every check in parallel, each bounded by its timeout; results of checks with `cacheMs`
 * are reused for that long, and concurrent probes share one run (a load balancer probing every
 * replica every second must not become a load on ModelArts).
 */
export function createReadiness(checks: readonly ReadinessCheck[], now: () => number = Date.now): Readiness {
  const cache = new Map<string, { at: number; result: CheckResult }>();
  const inFlight = new Map<string, Promise<CheckResult>>();

  const runOne = (c: ReadinessCheck): Promise<CheckResult> => {
    const hit = cache.get(c.name);
    if (hit && c.cacheMs && now() - hit.at < c.cacheMs) return Promise.resolve({ ...hit.result, cached: true });
    const running = inFlight.get(c.name);
    if (running) return running;
    const started = performance.now();
    const p = rejectAfter(c.run(), c.timeoutMs ?? 2000, () => new Error(`no answer within ${c.timeoutMs ?? 2000} ms`))
      .then(
        (): CheckResult => ({ ok: true, ms: Math.round(performance.now() - started) }),
        (err: unknown): CheckResult => ({
          ok: false,
          ms: Math.round(performance.now() - started),
          error: redactSecrets(err instanceof Error ? err.message : String(err)),
        }),
      )
      .then((result) => {
        cache.set(c.name, { at: now(), result });
        inFlight.delete(c.name);
        return result;
      });
    inFlight.set(c.name, p);
    return p;
  };

  return {
    async check() {
      const results = await Promise.all(checks.map(runOne));
      const report: ReadinessReport = { status: 'ready', checks: {} };
      checks.forEach((c, i) => {
        const r = results[i]!;
        report.checks[c.name] = r;
        if (!r.ok) report.status = 'unready';
      });
      return report;
    },
  };
}

/** Redis answers PING on a connected socket (a disconnected client fails at once, not after retries). */
export function redisCheck(redis: Redis): ReadinessCheck {
  return {
    name: 'redis',
    timeoutMs: 1000,
    async run() {
      if (redis.status !== 'ready') throw new Error(`not connected (${redis.status})`);
      const pong = await redis.ping();
      if (pong !== 'PONG') throw new Error(`unexpected answer to PING: ${pong}`);
    },
  };
}

/**
 * ModelArts answers a one-item list with our credentials. Cached (default 15 s) so probes cost at
 * most a few calls a minute. A throttled answer counts as reachable; rejected credentials do not.
 */
export function modelartsCheck(api: ModelArtsApi, cacheMs = 15_000): ReadinessCheck {
  return {
    name: 'modelarts',
    timeoutMs: 6000,
    cacheMs,
    async run() {
      try {
        await api.listNotebooks({ limit: 10 }, { timeoutMs: 5000, maxRetries: 0 });
      } catch (err) {
        if (err instanceof ModelArtsThrottledError) return;
        if (err instanceof ModelArtsAuthError) {
          throw new Error(`credentials rejected (${err.errorCode ?? `HTTP ${err.status}`}); run npm run doctor`);
        }
        throw err;
      }
    },
  };
}

/** What the Socket Mode connection reports (src/slack/socket-mode.ts `SocketModeStatus`). */
export interface SocketConnectionStatus {
  state: string;
  lastError?: string | undefined;
}

/**
 * Socket Mode: ready only while a connection to Slack is open (Slack said `hello`). While the
 * bot connects, reconnects or has given up, `/readyz` says so, with the last failure.
 */
export function slackConnectionCheck(status: () => SocketConnectionStatus | undefined): ReadinessCheck {
  return {
    name: 'slack',
    timeoutMs: 500,
    async run() {
      const s = status() ?? { state: 'connecting' };
      if (s.state === 'connected') return;
      throw new Error(`Socket Mode ${s.state}${s.lastError ? ` (last attempt: ${s.lastError})` : ''}`);
    },
  };
}

/** A route served by Bolt's HTTP receiver (`customRoutes`) or by the ops server. */
export interface HttpRoute {
  path: string;
  method: string[];
  handler(req: IncomingMessage, res: ServerResponse): void;
}

function send(res: ServerResponse, status: number, contentType: string, body: string): void {
  res.writeHead(status, { 'content-type': contentType, 'cache-control': 'no-store' });
  res.end(body);
}

/**
 * `/healthz` (the process is up: 200), `/readyz` (every readiness check passes: 200, else 503;
 * JSON body with each check's result) and `/metrics` (Prometheus text).
 */
export function opsRoutes(deps: {
  readiness: Readiness;
  metrics: Metrics;
  onError?: (err: unknown) => void;
}): HttpRoute[] {
  const fail = (res: ServerResponse, err: unknown) => {
    deps.onError?.(err);
    if (!res.headersSent) send(res, 500, 'application/json', JSON.stringify({ error: 'internal error' }));
  };
  return [
    {
      path: '/healthz',
      method: ['GET', 'HEAD'],
      handler: (_req, res) => send(res, 200, 'application/json', JSON.stringify({ status: 'ok' })),
    },
    {
      path: '/readyz',
      method: ['GET', 'HEAD'],
      handler: (_req, res) => {
        deps.readiness.check().then(
          (report) => send(res, report.status === 'ready' ? 200 : 503, 'application/json', JSON.stringify(report)),
          (err: unknown) => fail(res, err),
        );
      },
    },
    {
      path: '/metrics',
      method: ['GET'],
      handler: (_req, res) => {
        deps.metrics.render().then(
          ({ contentType, body }) => send(res, 200, contentType, body),
          (err: unknown) => fail(res, err),
        );
      },
    },
  ];
}
