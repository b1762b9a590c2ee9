import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { blockKitProblems } from './block-limits.js';
import { waitUntil } from './wait-until.js';

/** One recorded Web API call. `args` holds the decoded arguments (JSON fields parsed). */
export interface RecordedCall {
  method: string;
  args: Record<string, unknown>;
  token: string | undefined;
  at: number;
  /** What the fake answered (a posted message's `ts` is `response.ts`). */
  response?: Record<string, unknown>;
}

/** A handler may answer a method itself; returning undefined falls back to the default answer. */
export type MethodHandler = (args: Record<string, unknown>, call: RecordedCall) => Record<string, unknown> | undefined;

/**
 * One injected failure rule: the next `count` calls to `method` (matching `when`, if given) fail.
 * `error: 'ratelimited'` answers HTTP 429 with `Retry-After: retryAfterSec` (as Slack does);
 * any other error answers `{ok: false, error}` with HTTP `status` (Slack's own answers are 200,
 * a 5xx is what a proxy or an outage gives).
 */
export interface SlackFault {
  /** Slack's error code, `ratelimited` (HTTP 429), or `no_answer`: the call is never answered (a hung Slack). */
  error: string;
  /** Default 1. */
  count?: number;
  /** HTTP status of a non-429 failure. Default 200. */
  status?: number;
  /** Seconds, for `ratelimited`. Default 1. */
  retryAfterSec?: number;
  /** Only calls whose arguments match (e.g. thread replies: `(a) => a['thread_ts'] !== undefined`). */
  when?: (args: Record<string, unknown>) => boolean;
}

interface ArmedFault extends Required<Omit<SlackFault, 'when'>> {
  method: string;
  when?: ((args: Record<string, unknown>) => boolean) | undefined;
}

export interface FakeSlackApiOptions {
  /** Tokens accepted; any other gets `invalid_auth`. Empty = accept any token. */
  validTokens?: readonly string[];
  /**
   * App-level tokens (`xapp-…`): given, only they may call `apps.connections.open`, and, like
   * Slack, any other token there (a bot token) gets `not_allowed_token_type`, as does an app
   * token on any other method. Empty = no such distinction.
   */
  appTokens?: readonly string[];
  teamId?: string;
  botUserId?: string;
}

const JSON_FIELDS = new Set(['blocks', 'attachments', 'view', 'metadata', 'options', 'users']);

/**
 * A stand-in for Slack's Web API on loopback: it records every call, answers like Slack does
 * (ts values, view ids, ok/error), and can inject failures (`fail`: 429s with Retry-After,
 * `internal_error`, 5xx). Used by tests, the demo and benchmarks with `slackApiUrl` pointed at
 * `apiUrl`. Also accepts `response_url` posts at `/response/*`.
 */
export class FakeSlackApi {
  readonly calls: RecordedCall[] = [];
  private server: Server | undefined;
  private readonly handlers = new Map<string, MethodHandler>();
  private faults: ArmedFault[] = [];
  private readonly waiters = new Set<() => void>();
  private tsCounter = 0;
  private viewCounter = 0;
  private readonly messages = new Map<string, Record<string, unknown>>();
  /** Latest state of every view opened, pushed, updated or published, by view id. */
  private readonly views = new Map<string, Record<string, unknown>>();
  /** Latest published Home tab per user. */
  private readonly homes = new Map<string, Record<string, unknown>>();
  /** Ids of views.open / views.push, in order. */
  private readonly opened: string[] = [];
  readonly teamId: string;
  readonly botUserId: string;
  private readonly validTokens: ReadonlySet<string>;
  private readonly appTokens: ReadonlySet<string>;
  baseUrl = '';

  constructor(options: FakeSlackApiOptions = {}) {
    this.teamId = options.teamId ?? 'T0TEAM001';
    this.botUserId = options.botUserId ?? 'U0BOT0001';
    this.validTokens = new Set(options.validTokens ?? []);
    this.appTokens = new Set(options.appTokens ?? []);
  }

  /** Base URL for `slackApiUrl` (ends in `/api/`). */
  get apiUrl(): string {
    return `${this.baseUrl}/api/`;
  }

  async start(port = 0): Promise<this> {
    this.server = createServer((req, res) => {
      this.handle(req, res).catch((err: unknown) => {
        res.writeHead(500, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ ok: false, error: 'fake_internal', detail: String(err) }));
      });
    });
    await new Promise<void>((resolve) => this.server!.listen(port, '127.0.0.1', resolve));
    const { port: actual } = this.server.address() as AddressInfo;
    this.baseUrl = `http://127.0.0.1:${actual}`;
    return this;
  }

  async stop(): Promise<void> {
    const s = this.server;
    if (!s) return;
    s.closeAllConnections();
    await new Promise<void>((resolve) => s.close(() => resolve()));
    this.server = undefined;
  }

  /** Answers `method` with `handler` instead of the default. */
  on(method: string, handler: MethodHandler): void {
    this.handlers.set(method, handler);
  }

  /** The next `count` calls to `method` get HTTP 429 with `Retry-After: retryAfterSec`. */
  rateLimit(method: string, count: number, retryAfterSec = 1): void {
    this.fail(method, { error: 'ratelimited', count, retryAfterSec });
  }

  /**
   * Arms a failure of `method` (see SlackFault). Rules apply in the order they were armed; a
   * failed call is recorded as `<method>#<error>` (`chat.update#429` for a rate limit), so
   * `callsTo(method)` lists only the calls Slack accepted.
   */
  fail(method: string, fault: SlackFault): void {
    this.faults.push({
      method,
      error: fault.error,
      count: fault.count ?? 1,
      status: fault.status ?? 200,
      retryAfterSec: fault.retryAfterSec ?? 1,
      when: fault.when,
    });
  }

  /** Disarms every injected failure. */
  clearFaults(): void {
    this.faults = [];
  }

  callsTo(method: string): RecordedCall[] {
    return this.calls.filter((c) => c.method === method);
  }

  /** The latest state of a posted message (after any chat.update), by channel and ts. */
  message(channel: string, ts: string): Record<string, unknown> | undefined {
    return this.messages.get(`${channel}:${ts}`);
  }

  /** The latest state of a view (modal or home) by id, with its `id` and `hash`. */
  view(viewId: string): Record<string, unknown> | undefined {
    return this.views.get(viewId);
  }

  /** Modals opened or pushed so far, oldest first, each in its latest state (after views.update). */
  openedViews(): Array<Record<string, unknown>> {
    return this.opened.map((id) => this.views.get(id)).filter((v): v is Record<string, unknown> => v !== undefined);
  }

  /** The Home tab last published for `userId`. */
  homeView(userId: string): Record<string, unknown> | undefined {
    return this.homes.get(userId);
  }

  reset(): void {
    this.calls.length = 0;
    this.messages.clear();
    this.views.clear();
    this.homes.clear();
    this.opened.length = 0;
  }

  /** Resolves once `predicate` holds over the recorded calls, or rejects after `timeoutMs`. */
  async waitFor<T>(
    predicate: (calls: readonly RecordedCall[]) => T | undefined | false,
    timeoutMs = 10_000,
  ): Promise<T> {
    return waitUntil(
      this.waiters,
      () => predicate(this.calls),
      timeoutMs,
      () =>
        new Error(
          `FakeSlackApi.waitFor timed out after ${timeoutMs} ms; calls: ${this.calls.map((c) => c.method).join(', ')}`,
        ),
    );
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const raw = await readBody(req);
    const url = new URL(req.url ?? '/', 'http://localhost');
    const isResponseUrl = url.pathname.startsWith('/response/');
    const method = isResponseUrl ? 'response_url' : url.pathname.replace(/^\/api\//, '');
    const args = parseArgs(raw, req.headers['content-type']);
    if (isResponseUrl) args['response_path'] = url.pathname;
    const auth = req.headers.authorization;
    const token = auth?.startsWith('Bearer ')
      ? auth.slice(7)
      : typeof args['token'] === 'string'
        ? (args['token'] as string)
        : undefined;
    delete args['token'];
    const call: RecordedCall = { method, args, token, at: Date.now() };

    const fault = this.faults.find((f) => f.method === method && f.count > 0 && (!f.when || f.when(args)));
    if (fault) {
      fault.count -= 1;
      this.faults = this.faults.filter((f) => f.count > 0);
      if (fault.error === 'no_answer') {
        // Left open until the client gives up or the server stops: its timeout decides.
        this.calls.push({ ...call, method: `${method}#no_answer` });
      } else if (fault.error === 'ratelimited') {
        this.calls.push({ ...call, method: `${method}#429` });
        res.writeHead(429, { 'content-type': 'application/json', 'retry-after': String(fault.retryAfterSec) });
        res.end(JSON.stringify({ ok: false, error: 'ratelimited' }));
      } else {
        this.calls.push({ ...call, method: `${method}#${fault.error}` });
        res.writeHead(fault.status, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ ok: false, error: fault.error }));
      }
      this.notify();
      return;
    }

    const refused = isResponseUrl ? undefined : this.tokenError(method, token);
    if (refused) {
      this.calls.push(call);
      this.send(res, { ok: false, error: refused });
      return;
    }

    // Block Kit over Slack's limits: refused as Slack refuses it, with what is wrong.
    const invalid = blockKitProblems(method, args);
    if (invalid.length > 0) {
      this.calls.push(call);
      call.response = { ok: false, error: 'invalid_blocks', errors: invalid };
      this.send(res, call.response);
      return;
    }

    this.calls.push(call);
    const custom = this.handlers.get(method)?.(args, call);
    call.response = custom ?? this.defaultAnswer(method, args);
    this.send(res, call.response);
  }

  /** Slack's answer to a call with this token, when it refuses it. */
  private tokenError(method: string, token: string | undefined): string | undefined {
    if (this.appTokens.size > 0) {
      const appMethod = method === 'apps.connections.open';
      if (!token) return 'not_authed';
      if (appMethod && this.appTokens.has(token)) return undefined;
      if (appMethod ? this.validTokens.has(token) || /^xox[a-z]-/.test(token) : this.appTokens.has(token)) {
        return 'not_allowed_token_type';
      }
      if (appMethod) return 'invalid_auth';
    }
    if (this.validTokens.size > 0 && (!token || !this.validTokens.has(token))) {
      return token ? 'invalid_auth' : 'not_authed';
    }
    return undefined;
  }

  private send(res: ServerResponse, body: Record<string, unknown>): void {
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(JSON.stringify(body));
    this.notify();
  }

  private notify(): void {
    for (const w of [...this.waiters]) w();
  }

  private nextTs(): string {
    this.tsCounter += 1;
    return `${1_700_000_000 + this.tsCounter}.${String(this.tsCounter).padStart(6, '0')}`;
  }

  private defaultAnswer(method: string, args: Record<string, unknown>): Record<string, unknown> {
    const channel = typeof args['channel'] === 'string' ? (args['channel'] as string) : 'C0UNKNOWN';
    switch (method) {
      case 'auth.test':
        return {
          ok: true,
          url: 'https://fake.slack.test/',
          team: 'Fake',
          user: 'notebook-bot',
          team_id: this.teamId,
          user_id: this.botUserId,
          bot_id: 'B0BOT0001',
        };
      case 'chat.postMessage': {
        const ts = this.nextTs();
        const message = { ...args, ts, channel };
        this.messages.set(`${channel}:${ts}`, message);
        return { ok: true, channel, ts, message };
      }
      case 'chat.update': {
        const ts = String(args['ts'] ?? '');
        const key = `${channel}:${ts}`;
        if (!this.messages.has(key)) return { ok: false, error: 'message_not_found' };
        const message = { ...this.messages.get(key), ...args };
        this.messages.set(key, message);
        return { ok: true, channel, ts, text: args['text'] ?? '' };
      }
      case 'chat.postEphemeral':
        return { ok: true, message_ts: this.nextTs() };
      case 'chat.delete':
        return { ok: true, channel, ts: args['ts'] };
      case 'views.open':
      case 'views.push':
      case 'views.update':
      case 'views.publish': {
        this.viewCounter += 1;
        const view = (args['view'] as Record<string, unknown> | undefined) ?? {};
        // Like Slack, a user's Home tab keeps its view id across publishes; only the hash changes.
        const home = method === 'views.publish' ? this.homes.get(String(args['user_id'] ?? ''))?.['id'] : undefined;
        const id =
          typeof args['view_id'] === 'string'
            ? args['view_id']
            : typeof home === 'string'
              ? home
              : `V${String(this.viewCounter).padStart(8, '0')}`;
        const stored = { ...view, id, hash: `h${this.viewCounter}` };
        this.views.set(id, stored);
        if (method === 'views.open' || method === 'views.push') this.opened.push(id);
        if (method === 'views.publish' && typeof args['user_id'] === 'string') this.homes.set(args['user_id'], stored);
        return { ok: true, view: stored };
      }
      case 'conversations.open':
        return { ok: true, channel: { id: `D${String(args['users'] ?? 'USER').replace(/^U/, '')}` } };
      case 'conversations.members':
        return { ok: true, members: [], response_metadata: { next_cursor: '' } };
      case 'usergroups.users.list':
        return { ok: true, users: [] };
      case 'users.info':
        return { ok: true, user: { id: args['user'], name: String(args['user'] ?? '').toLowerCase(), tz: 'UTC' } };
      case 'response_url':
        return { ok: true };
      default:
        return { ok: true };
    }
  }
}

async function readBody(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const c of req) chunks.push(c as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

function parseArgs(raw: string, contentType: string | undefined): Record<string, unknown> {
  if (!raw) return {};
  if (contentType?.includes('application/json')) {
    try {
      return JSON.parse(raw) as Record<string, unknown>;
    } catch {
      return { _raw: raw };
    }
  }
  const out: Record<string, unknown> = {};
  for (const [k, v] of new URLSearchParams(raw)) {
    if (JSON_FIELDS.has(k)) {
      try {
        out[k] = JSON.parse(v);
        continue;
      } catch {
        // keep the raw string
      }
    }
    out[k] = v;
  }
  return out;
}
