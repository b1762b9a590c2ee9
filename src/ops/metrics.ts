import { Counter, collectDefaultMetrics, Gauge, Histogram, Registry } from 'prom-client';

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

  readonly queueDepth = new Gauge({
    name: 'notebook_bot_queue_jobs',
    help: 'Jobs in each queue by state',
    labelNames: ['queue', 'state'] as const,
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

  onSlackRateLimited = (method: string): void => {
    this.slackRateLimited.inc({ method });
  };

  onCommand = (kind: string, outcome: string): void => {
    this.commands.inc({ kind, outcome });
  };

  onLeaseWarning = (threshold: number | string, kind = 'single'): void => {
    this.leaseWarnings.inc({ threshold: String(threshold), kind });
  };

  onJobFinished = (kind: string, outcome: string, seconds: number): void => {
    this.jobDuration.observe({ kind, outcome }, seconds);
  };

  async render(): Promise<{ contentType: string; body: string }> {
    return { contentType: this.registry.contentType, body: await this.registry.metrics() };
  }
}
