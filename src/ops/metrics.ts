import { Counter, collectDefaultMetrics, Gauge, Histogram, Registry } from 'prom-client';
import { rejectAfter } from '../timeout.js';

/** Job states reported by the queue-depth gauge (BullMQ `getJobCounts` names). */
export const QUEUE_STATES = ['waiting', 'prioritized', 'active', 'delayed', 'waiting-children', 'failed'] as const;

/** A queue whose depth is read on every scrape: BullMQ's `Queue` fits. */
export interface QueueDepthSource {
  /** Label value (`ops`, `slack`). */
  readonly name: string;
  getJobCounts(...states: string[]): Promise<Record<string, number>>;
}

/** The counters a job pipeline reports (`OperationMetrics` in src/jobs fits this shape). */
export interface OperationMetricsHooks {
  operationFinished(kind: string, outcome: 'succeeded' | 'failed', durationMs: number): void;
  modelartsThrottled(kind: string): void;
  modelartsTransientFailure(kind: string): void;
}

/**
 * The metrics label of one Slack request: its type and a stable name (slash command verb,
 * modal callback id, action id, event type). Numbered ids (`nb_pick_3`) lose their number and
 * anything unexpected becomes `other`, so label cardinality stays bounded whatever users send.
 */
export function slackRequestKind(body: Record<string, unknown>, commandName = '/notebook'): string {
  const clean = (v: unknown): string => {
    if (typeof v !== 'string') return 'other';
    const name = v.replace(/[_-]?\d+$/, '');
    return /^[A-Za-z][A-Za-z0-9_.-]{0,39}$/.test(name) ? name : 'other';
  };
  if (typeof body['command'] === 'string') {
    if (body['command'] !== commandName) return 'command:other';
    const verb = String(body['text'] ?? '')
      .trim()
      .split(/\s+/)[0]
      ?.toLowerCase();
    return `command:${verb ? clean(verb) : 'help'}`;
  }
  switch (body['type']) {
    case 'view_submission':
    case 'view_closed':
      return `view:${clean((body['view'] as Record<string, unknown> | undefined)?.['callback_id'])}`;
    case 'block_actions': {
      const first = (body['actions'] as Array<Record<string, unknown>> | undefined)?.[0];
      return `action:${clean(first?.['action_id'])}`;
    }
    case 'block_suggestion':
      return `options:${clean(body['block_id'])}`;
    case 'event_callback':
      return `event:${clean((body['event'] as Record<string, unknown> | undefined)?.['type'])}`;
    case 'shortcut':
    case 'message_action':
      return `shortcut:${clean(body['callback_id'])}`;
    default:
      return 'other';
  }
}

/**
 * The bot's Prometheus metrics, in one registry per process (no global default registry, so
 * tests and several apps in one process do not collide). Parts of the bot receive the small
 * hooks they need (`onModelArtsCall`, `onSlackRateLimited`, …) rather than this object.
 */
export class Metrics {
  readonly registry = new Registry();

  readonly commands = new Counter({
    name: 'notebook_bot_commands_total',
    help: 'Slack commands, clicks and submissions by kind and outcome',
    labelNames: ['kind', 'outcome'] as const,
    registers: [this.registry],
  });

  readonly jobDuration = new Histogram({
    name: 'notebook_bot_job_duration_seconds',
    help: 'Time from enqueue to the end of a notebook operation',
    labelNames: ['kind', 'outcome'] as const,
    buckets: [1, 5, 15, 30, 60, 120, 300, 600, 1200, 3600],
    registers: [this.registry],
  });

  private readonly queueSources: QueueDepthSource[] = [];

  /** Read from Redis on every scrape (`watchQueues`); a failed read drops the queue's samples. */
  readonly queueDepth = new Gauge({
    name: 'notebook_bot_queue_jobs',
    help: 'Jobs in each queue by state (read on scrape)',
    labelNames: ['queue', 'state'] as const,
    registers: [this.registry],
    collect: () => this.collectQueueDepth(),
  });

  readonly jobRetries = new Counter({
    name: 'notebook_bot_job_retries_total',
    help: 'Operation steps put off because ModelArts throttled (throttled) or failed transiently (transient)',
    labelNames: ['kind', 'reason'] as const,
    registers: [this.registry],
  });

  readonly modelartsLatency = new Histogram({
    name: 'notebook_bot_modelarts_request_duration_seconds',
    help: 'ModelArts API call latency by operation and HTTP status',
    labelNames: ['operation', 'status'] as const,
    buckets: [0.05, 0.1, 0.25, 0.5, 1, 2, 5, 10, 30],
    registers: [this.registry],
  });

  readonly modelartsErrors = new Counter({
    name: 'notebook_bot_modelarts_errors_total',
    help: 'ModelArts API errors by operation and error code',
    labelNames: ['operation', 'code'] as const,
    registers: [this.registry],
  });

  readonly slackRateLimited = new Counter({
    name: 'notebook_bot_slack_rate_limited_total',
    help: 'Slack Web API calls answered with HTTP 429, by method',
    labelNames: ['method'] as const,
    registers: [this.registry],
  });

  readonly leaseWarnings = new Counter({
    name: 'notebook_bot_lease_warnings_total',
    help: 'Lease warnings sent, by threshold (minutes) and kind (single, digest, expired)',
    labelNames: ['threshold', 'kind'] as const,
    registers: [this.registry],
  });

  constructor(options: { defaultMetrics?: boolean } = {}) {
    if (options.defaultMetrics ?? true) collectDefaultMetrics({ register: this.registry, prefix: 'notebook_bot_' });
  }

  /** Hook for the ModelArts client's `onCall`. */
  onModelArtsCall = (info: {
    operation: string;
    status: number | string;
    durationMs: number;
    errorCode?: string;
  }): void => {
    this.modelartsLatency.observe({ operation: info.operation, status: String(info.status) }, info.durationMs / 1000);
    if (info.errorCode || (typeof info.status === 'number' && info.status >= 400)) {
      this.modelartsErrors.inc({ operation: info.operation, code: info.errorCode ?? String(info.status) });
    }
  };

  /** Hook for Slack 429s (a WebClient's `rate_limited` event, the lease watcher's `onSlackRateLimited`). */
  onSlackRateLimited = (method: string): void => {
    this.slackRateLimited.inc({ method: slackMethodName(method) });
  };

  /** One Slack request handled (`kind` from `slackRequestKind`, outcome `ok` or `error`). */
  onCommand = (kind: string, outcome: string): void => {
    this.commands.inc({ kind, outcome });
  };

  /** Hook for the lease watcher's `onWarningSent`. */
  onLeaseWarning = (threshold: number | string, kind = 'single'): void => {
    this.leaseWarnings.inc({ threshold: String(threshold), kind });
  };

  /** One operation finished, `seconds` after it was requested. */
  onJobFinished = (kind: string, outcome: string, seconds: number): void => {
    this.jobDuration.observe({ kind, outcome }, seconds);
  };

  /** The job pipeline's metrics hooks (`OperationWorkerDeps.metrics`). */
  readonly operations: OperationMetricsHooks = {
    operationFinished: (kind, outcome, durationMs) => this.onJobFinished(kind, outcome, durationMs / 1000),
    modelartsThrottled: (kind) => this.jobRetries.inc({ kind, reason: 'throttled' }),
    modelartsTransientFailure: (kind) => this.jobRetries.inc({ kind, reason: 'transient' }),
  };

  /** Reports these queues' depth by state on every scrape. */
  watchQueues(...queues: QueueDepthSource[]): void {
    this.queueSources.push(...queues);
  }

  private async collectQueueDepth(): Promise<void> {
    this.queueDepth.reset();
    await Promise.all(
      this.queueSources.map(async (q) => {
        try {
          const counts = await rejectAfter(
            q.getJobCounts(...QUEUE_STATES),
            2000,
            () => new Error('timed out after 2000 ms'),
          );
          for (const state of QUEUE_STATES) this.queueDepth.set({ queue: q.name, state }, counts[state] ?? 0);
        } catch {
          // Redis is unreachable: no samples rather than stale ones; /readyz says why.
        }
      }),
    );
  }

  /** The Prometheus exposition of every metric (queue depths are read now). */
  async render(): Promise<{ contentType: string; body: string }> {
    return { contentType: this.registry.contentType, body: await this.registry.metrics() };
  }
}

/** `chat.update` from a method name or a Web API URL (`https://slack.com/api/chat.update?x`). */
export function slackMethodName(methodOrUrl: string): string {
  const name = methodOrUrl.replace(/^.*\/api\//, '').replace(/[?#].*$/, '');
  return /^[a-zA-Z]+(\.[a-zA-Z]+)+$/.test(name) ? name : 'other';
}

/** Anything that emits `@slack/web-api`'s `rate_limited` event: a WebClient. */
export interface RateLimitEmitter {
  on(event: 'rate_limited', listener: (retryAfterSec: number, info?: { url?: string }) => void): unknown;
}

const countedClients = new WeakSet<object>();

/**
 * Counts a Web API client's 429s in `notebook_bot_slack_rate_limited_total`. WebClient emits
 * `rate_limited` before it retries or rejects the call, so this covers clients that wait out a
 * 429 and clients that throw it alike. Idempotent per client.
 */
export function countSlackRateLimits<T extends RateLimitEmitter>(
  client: T,
  metrics: Pick<Metrics, 'onSlackRateLimited'>,
): T {
  if (countedClients.has(client)) return client;
  countedClients.add(client);
  client.on('rate_limited', (_retryAfterSec, info) => metrics.onSlackRateLimited(info?.url ?? 'other'));
  return client;
}
