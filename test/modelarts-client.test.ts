import http from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { Writable } from 'node:stream';
import { setTimeout as delay } from 'node:timers/promises';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { ManualClock } from '../src/clock.js';
import { ConfigError, ValidationError } from '../src/errors.js';
import { createLogger } from '../src/logger.js';
import { type CallInfo, ModelArtsClient, type ModelArtsClientOptions } from '../src/modelarts/client.js';
import {
  isNotFound,
  ModelArtsApiError,
  ModelArtsAuthError,
  ModelArtsConnectionError,
  ModelArtsInvalidResponseError,
  ModelArtsNotFoundError,
  ModelArtsServerError,
  ModelArtsThrottledError,
  ModelArtsTimeoutError,
} from '../src/modelarts/errors.js';
import {
  canonicalQueryString,
  canonicalRequest,
  decodePath,
  encodePath,
  parseAuthorization,
  parseQueryString,
  signature,
  signaturesEqual,
  stringToSign,
} from '../src/modelarts/signer.js';

// ------------------------------------------------------------------------------------------------
// A scripted stand-in for the ModelArts API gateway (and IAM) on loopback. It records every
// request and verifies AK/SK signatures with the signer's own functions, answering 401 APIG.0301
// to a bad one as the real gateway does. Tests script the answers through `handler`.
// ------------------------------------------------------------------------------------------------

const AK = 'TESTAK0123456789ABCD';
const SK = 'test-sk-0123456789abcdefghijklmnop';
const PROJECT = '0123456789abcdef0123456789abcdef';
const ID = '2f8b2c52-6a4e-4bd3-9d2b-9f1c3e6b0c11';
const JUPYTER_TOKEN = 'jupyter-secret-token-0042';
const IAM = { user: 'bot-user', password: 'iam-password-secret!', domain: 'acme' };
const HOUR = 3_600_000;

interface Recorded {
  method: string;
  /** Path and query exactly as received. */
  rawUrl: string;
  rawQuery: string;
  segments: string[];
  query: Array<[string, string]>;
  headers: Record<string, string>;
  body: string;
  socket: Socket;
  /** undefined when the request carried no AK/SK signature. */
  signatureValid: boolean | undefined;
  signedHeaders: string[];
}

interface Reply {
  status?: number;
  body?: unknown;
  headers?: Record<string, string>;
  delayMs?: number;
  /** Drop the connection without answering. */
  destroy?: boolean;
}

type Handler = (req: Recorded, index: number) => Reply | Promise<Reply>;

interface IamBehaviour {
  delayMs: number;
  lifetimeMs: number;
  status: number;
}

class FakeModelArts {
  readonly requests: Recorded[] = [];
  readonly tokenRequests: Recorded[] = [];
  readonly validTokens = new Set<string>();
  handler: Handler = () => ({ status: 200, body: {} });
  iam: IamBehaviour = { delayMs: 0, lifetimeMs: 24 * HOUR, status: 201 };
  private readonly server = http.createServer((req, res) => void this.serve(req, res));
  port = 0;

  get url(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  async start(port = 0): Promise<this> {
    await new Promise<void>((resolve) => this.server.listen(port, '127.0.0.1', resolve));
    this.port = (this.server.address() as AddressInfo).port;
    return this;
  }

  async stop(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  /** Answers the given replies in order, repeating the last one. */
  script(...replies: Reply[]): void {
    this.handler = (_req, i) => replies[Math.min(i, replies.length - 1)]!;
  }

  private async serve(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    const rec = await record(req);
    if (rec.method === 'POST' && rec.rawUrl === '/v3/auth/tokens') return this.issueToken(rec, res);
    this.requests.push(rec);
    let reply: Reply;
    if (rec.signatureValid === false) {
      reply = { status: 401, body: { error_code: 'APIG.0301', error_msg: 'Incorrect IAM authentication information' } };
    } else if (rec.headers['x-auth-token'] !== undefined && !this.validTokens.has(rec.headers['x-auth-token'])) {
      reply = { status: 401, body: { error: { code: 'APIGW.0301', message: 'token expired' } } };
    } else {
      reply = await this.handler(rec, this.requests.length - 1);
    }
    await answer(req, res, reply);
  }

  private async issueToken(rec: Recorded, res: http.ServerResponse): Promise<void> {
    this.tokenRequests.push(rec);
    await delay(this.iam.delayMs);
    if (this.iam.status >= 400) {
      return answer(rec as never, res, {
        status: this.iam.status,
        body: { error: { code: 'IAM.0004', message: 'bad password' } },
      });
    }
    const token = `iam-token-${this.tokenRequests.length}-${'x'.repeat(24)}`;
    this.validTokens.add(token);
    const issued = Date.UTC(2030, 0, 1);
    res.writeHead(201, { 'content-type': 'application/json', 'x-subject-token': token });
    res.end(
      JSON.stringify({
        token: {
          issued_at: new Date(issued).toISOString(),
          expires_at: new Date(issued + this.iam.lifetimeMs).toISOString(),
        },
      }),
    );
  }
}

async function record(req: http.IncomingMessage): Promise<Recorded> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  const body = Buffer.concat(chunks).toString('utf8');
  const rawUrl = req.url ?? '/';
  const q = rawUrl.indexOf('?');
  const rawPath = q < 0 ? rawUrl : rawUrl.slice(0, q);
  const rawQuery = q < 0 ? '' : rawUrl.slice(q + 1);
  const headers: Record<string, string> = {};
  for (const [k, v] of Object.entries(req.headers)) if (typeof v === 'string') headers[k] = v;
  const rec: Recorded = {
    method: req.method ?? 'GET',
    rawUrl,
    rawQuery,
    segments: decodePath(rawPath),
    query: parseQueryString(rawQuery),
    headers,
    body,
    socket: req.socket,
    signatureValid: undefined,
    signedHeaders: [],
  };
  if (headers['authorization'] !== undefined) verifySignature(rec, rawPath);
  return rec;
}

/** What the gateway does: recompute the signature from the request as received. */
function verifySignature(rec: Recorded, rawPath: string): void {
  const auth = parseAuthorization(rec.headers['authorization'] ?? '');
  const date = rec.headers['x-sdk-date'];
  if (!auth || auth.access !== AK || !date) {
    rec.signatureValid = false;
    return;
  }
  rec.signedHeaders = auth.signedHeaders;
  const canonical = canonicalRequest({
    method: rec.method,
    pathSegments: rec.segments,
    queryPairs: rec.query,
    headers: rec.headers,
    signedHeaders: auth.signedHeaders,
    body: rec.body,
  });
  const required = ['content-type', 'host', 'x-project-id', 'x-sdk-date'];
  rec.signatureValid =
    signaturesEqual(signature(SK, stringToSign(date, canonical)), auth.signature) &&
    required.every((h) => auth.signedHeaders.includes(h)) &&
    // The wire form must be the canonical form: what was signed is what was sent.
    canonicalQueryString(rec.query) === rec.rawQuery &&
    encodePath(rec.segments) === rawPath;
}

async function answer(req: http.IncomingMessage, res: http.ServerResponse, reply: Reply): Promise<void> {
  if (reply.delayMs) await delay(reply.delayMs);
  if (reply.destroy) {
    req.socket.destroy();
    return;
  }
  if (res.destroyed || req.socket.destroyed) return;
  const text = typeof reply.body === 'string' ? reply.body : JSON.stringify(reply.body ?? {});
  res.writeHead(reply.status ?? 200, { 'content-type': 'application/json', ...reply.headers });
  res.end(text);
}

const notebook = (id = ID, extra: Record<string, unknown> = {}) => ({
  id,
  name: `nb-${id.slice(0, 8)}`,
  status: 'RUNNING',
  token: JUPYTER_TOKEN,
  some_new_field: { nested: true },
  ...extra,
});
const ok = (body: unknown): Reply => ({ status: 200, body });

// ------------------------------------------------------------------------------------------------

let fake: FakeModelArts;
const clients: ModelArtsClient[] = [];

beforeAll(async () => {
  fake = await new FakeModelArts().start();
});
afterAll(async () => {
  await fake.stop();
});
beforeEach(() => {
  fake.requests.length = 0;
  fake.tokenRequests.length = 0;
  fake.validTokens.clear();
  fake.iam = { delayMs: 0, lifetimeMs: 24 * HOUR, status: 201 };
  fake.script(ok({}));
});
afterEach(async () => {
  await Promise.all(clients.splice(0).map((c) => c.close()));
});

interface Harness {
  client: ModelArtsClient;
  sleeps: number[];
  calls: CallInfo[];
}

function makeClient(overrides: Partial<ModelArtsClientOptions> = {}): Harness {
  const sleeps: number[] = [];
  const calls: CallInfo[] = [];
  const client = new ModelArtsClient({
    endpoint: fake.url,
    projectId: PROJECT,
    auth: { kind: 'aksk', ak: AK, sk: SK },
    retryBaseMs: 10,
    random: () => 0,
    sleep: async (ms) => {
      sleeps.push(ms);
    },
    onCall: (info) => calls.push(info),
    ...overrides,
  });
  clients.push(client);
  return { client, sleeps, calls };
}

function iamAuth() {
  return { kind: 'iam' as const, iamEndpoint: fake.url, ...IAM };
}

async function rejection(promise: Promise<unknown>): Promise<unknown> {
  try {
    await promise;
  } catch (err) {
    return err;
  }
  throw new Error('expected the call to fail');
}

const base = `/v1/${PROJECT}`;
const createInput = {
  name: 'my-notebook',
  description: 'for tests',
  flavor: 'modelarts.vm.cpu.2u',
  image_id: 'e1a07296-22a8-4f05-8bc8-e936c8e54099',
  volume: { category: 'evs', ownership: 'managed', capacity: 5 },
  lease: { duration: HOUR, type: 'timing' },
  workspace_id: '0',
} as const;

// ------------------------------------------------------------------------------------------------

describe('ModelArtsClient: operations on the wire', () => {
  const listBody = (items: unknown[]) => ({
    current: 0,
    data: items,
    pages: 1,
    size: items.length,
    total: items.length,
  });
  const flavor = { id: 'modelarts.vm.gpu.t4', category: 'gpu', vcpus: 8, sold_out: false };
  const image = { id: 'e1a07296-22a8-4f05-8bc8-e936c8e54099', name: 'pytorch', arch: 'x86_64' };
  const lease = { create_at: 1_700_000_000_000, duration: 2 * HOUR, enable: true, type: 'timing', update_at: 1 };

  const cases: Array<{
    op: string;
    run: (c: ModelArtsClient) => Promise<unknown>;
    method: string;
    url: string;
    body?: unknown;
    reply: unknown;
    check: (result: unknown) => void;
  }> = [
    {
      op: 'createNotebook',
      run: (c) => c.createNotebook(createInput),
      method: 'POST',
      url: `${base}/notebooks`,
      body: {
        name: 'my-notebook',
        description: 'for tests',
        flavor: 'modelarts.vm.cpu.2u',
        image_id: 'e1a07296-22a8-4f05-8bc8-e936c8e54099',
        volume: { category: 'EVS', ownership: 'MANAGED', capacity: 5 },
        lease: { duration: HOUR, type: 'TIMING' },
        workspace_id: '0',
      },
      reply: notebook(ID, { status: 'creating' }),
      check: (r) => expect(r).toMatchObject({ id: ID, status: 'CREATING', some_new_field: { nested: true } }),
    },
    {
      op: 'showNotebook',
      run: (c) => c.showNotebook(ID),
      method: 'GET',
      url: `${base}/notebooks/${ID}`,
      reply: notebook(),
      check: (r) => expect(r).toMatchObject({ id: ID, status: 'RUNNING' }),
    },
    {
      op: 'listNotebooks',
      run: (c) =>
        c.listNotebooks({
          limit: 20,
          offset: 2,
          name: 'nb',
          status: 'running',
          workspace_id: '0',
          sort_dir: 'desc',
          sort_key: 'create_at',
        }),
      method: 'GET',
      url: `${base}/notebooks?limit=20&name=nb&offset=2&sort_dir=DESC&sort_key=create_at&status=RUNNING&workspace_id=0`,
      reply: listBody([notebook()]),
      check: (r) => expect(r).toMatchObject({ total: 1, data: [{ id: ID }] }),
    },
    {
      op: 'listAllNotebooks',
      run: (c) => c.listAllNotebooks({ workspace_id: '0', status: 'stopped' }),
      method: 'GET',
      url: `${base}/notebooks?limit=50&offset=0&status=STOPPED&workspace_id=0`,
      reply: listBody([notebook()]),
      check: (r) => expect(r).toMatchObject([{ id: ID }]),
    },
    {
      op: 'startNotebook',
      run: (c) => c.startNotebook(ID, { duration: 2 * HOUR, type: 'idle' }),
      method: 'POST',
      url: `${base}/notebooks/${ID}/start?duration=7200000&type=IDLE`,
      reply: notebook(ID, { status: 'STARTING' }),
      check: (r) => expect(r).toMatchObject({ id: ID, status: 'STARTING' }),
    },
    {
      op: 'startNotebook (no params)',
      run: (c) => c.startNotebook(ID),
      method: 'POST',
      url: `${base}/notebooks/${ID}/start`,
      reply: notebook(ID, { status: 'STARTING' }),
      check: (r) => expect(r).toMatchObject({ id: ID }),
    },
    {
      op: 'stopNotebook',
      run: (c) => c.stopNotebook(ID),
      method: 'POST',
      url: `${base}/notebooks/${ID}/stop`,
      reply: notebook(ID, { status: 'STOPPING' }),
      check: (r) => expect(r).toMatchObject({ status: 'STOPPING' }),
    },
    {
      op: 'deleteNotebook',
      run: (c) => c.deleteNotebook(ID),
      method: 'DELETE',
      url: `${base}/notebooks/${ID}`,
      reply: '',
      check: (r) => expect(r).toBeUndefined(),
    },
    {
      op: 'updateNotebook',
      run: (c) =>
        c.updateNotebook(ID, { name: 'renamed', description: 'Notizbuch für Tests ✓', flavor: 'modelarts.vm.cpu.8u' }),
      method: 'PUT',
      url: `${base}/notebooks/${ID}`,
      body: { name: 'renamed', description: 'Notizbuch für Tests ✓', flavor: 'modelarts.vm.cpu.8u' },
      reply: notebook(ID, { name: 'renamed' }),
      check: (r) => expect(r).toMatchObject({ name: 'renamed' }),
    },
    {
      op: 'showLease',
      run: (c) => c.showLease(ID),
      method: 'GET',
      url: `${base}/notebooks/${ID}/lease`,
      reply: lease,
      check: (r) => expect(r).toMatchObject({ duration: 2 * HOUR, type: 'TIMING' }),
    },
    {
      op: 'renewLease',
      run: (c) => c.renewLease(ID, { duration: 3 * HOUR, type: 'timing' }),
      method: 'PATCH',
      url: `${base}/notebooks/${ID}/lease`,
      body: { duration: 3 * HOUR, type: 'TIMING' },
      reply: { ...lease, duration: 3 * HOUR },
      check: (r) => expect(r).toMatchObject({ duration: 3 * HOUR }),
    },
    {
      op: 'listFlavors',
      run: (c) => c.listFlavors({ category: 'gpu', type: 'managed' }),
      method: 'GET',
      url: `${base}/notebooks/flavors?category=GPU&limit=100&offset=0&type=MANAGED`,
      reply: listBody([flavor]),
      check: (r) => expect(r).toMatchObject([{ id: flavor.id, category: 'GPU' }]),
    },
    {
      op: 'listSwitchableFlavors',
      run: (c) => c.listSwitchableFlavors(ID),
      method: 'GET',
      url: `${base}/notebooks/${ID}/flavors`,
      reply: listBody([flavor]),
      check: (r) => expect(r).toMatchObject([{ id: flavor.id }]),
    },
    {
      op: 'listImages',
      run: (c) => c.listImages({ type: 'build_in', workspace_id: '0', name_fuzzy_match: true, name: 'py' }),
      method: 'GET',
      url: `${base}/images?limit=200&name=py&name_fuzzy_match=true&offset=0&type=BUILD_IN&workspace_id=0`,
      reply: listBody([image]),
      check: (r) => expect(r).toMatchObject([{ id: image.id, arch: 'X86_64' }]),
    },
  ];

  for (const c of cases) {
    it(`${c.op}: ${c.method} ${c.url.replace(base, '/v1/{pid}')}`, async () => {
      const { client } = makeClient();
      fake.script(ok(c.reply));
      c.check(await c.run(client));
      expect(fake.requests).toHaveLength(1);
      const req = fake.requests[0]!;
      expect(req.method).toBe(c.method);
      expect(req.rawUrl).toBe(c.url);
      if (c.body === undefined) expect(req.body).toBe('');
      else expect(JSON.parse(req.body)).toEqual(c.body);
      expect(req.signatureValid).toBe(true);
      expect(req.headers['content-type']).toBe('application/json');
      expect(req.headers['x-project-id']).toBe(PROJECT);
      expect(req.headers['host']).toBe(`127.0.0.1:${fake.port}`);
      // X-Language as Huawei's Go library and Terraform send it: English error_msg and fail_reason.
      expect(req.headers['x-language']).toBe('en-us');
      expect(req.signedHeaders).toEqual(['content-type', 'host', 'x-language', 'x-project-id', 'x-sdk-date']);
    });
  }

  it('signs GET queries with awkward values that round-trip exactly', async () => {
    const { client } = makeClient();
    fake.script(ok({ data: [] }));
    const name = "my notebook*(1)'! ~ü名";
    const owner = 'a+b=c&d/e%f';
    await client.listNotebooks({ username: name, owner, sort_key: 'create_at' });
    const req = fake.requests[0]!;
    expect(req.signatureValid).toBe(true);
    expect(req.rawQuery).toContain('username=my%20notebook%2A%281%29%27%21%20~%C3%BC%E5%90%8D');
    expect(Object.fromEntries(req.query)).toEqual({ username: name, owner, sort_key: 'create_at' });
  });

  it('signs and sends X-Security-Token for temporary credentials', async () => {
    const { client } = makeClient({ auth: { kind: 'aksk', ak: AK, sk: SK, securityToken: 'sts-token-value-123456' } });
    fake.script(ok(notebook()));
    await client.showNotebook(ID);
    const req = fake.requests[0]!;
    expect(req.headers['x-security-token']).toBe('sts-token-value-123456');
    expect(req.signedHeaders).toContain('x-security-token');
    expect(req.signatureValid).toBe(true);
  });

  it('re-signs every retry with a fresh X-Sdk-Date', async () => {
    const clock = new ManualClock(Date.UTC(2026, 0, 1));
    const { client } = makeClient({
      clock,
      sleep: async () => {
        clock.advance(2000);
      },
    });
    fake.script({ status: 503 }, ok(notebook()));
    await client.showNotebook(ID);
    expect(fake.requests.map((r) => r.headers['x-sdk-date'])).toEqual(['20260101T000000Z', '20260101T000002Z']);
    expect(fake.requests.every((r) => r.signatureValid)).toBe(true);
  });

  it('is rejected by the gateway with a wrong SK, and does not retry', async () => {
    const { client } = makeClient({ auth: { kind: 'aksk', ak: AK, sk: 'wrong-secret-key-000000' } });
    const err = await rejection(client.showNotebook(ID));
    expect(err).toBeInstanceOf(ModelArtsAuthError);
    expect(err).toMatchObject({ status: 401, errorCode: 'APIG.0301' });
    expect(fake.requests).toHaveLength(1);
    expect(fake.requests[0]!.signatureValid).toBe(false);
  });

  it('reuses one keep-alive connection across calls', async () => {
    const { client } = makeClient();
    fake.script(ok(notebook()));
    for (let i = 0; i < 10; i++) await client.showNotebook(ID);
    // undici may open a second socket while the first is being released, never one per call.
    expect(new Set(fake.requests.map((r) => r.socket)).size).toBeLessThanOrEqual(2);
  });

  it('tolerates unknown fields and missing optional ones in responses', async () => {
    const { client } = makeClient();
    fake.script(ok({ id: ID, brand_new: [1, 2] }));
    const nb = await client.showNotebook(ID);
    expect(nb).toMatchObject({ id: ID, name: '', status: 'UNKNOWN', brand_new: [1, 2] });
  });

  it('rejects a 2xx body without the required fields, once, without leaking it', async () => {
    const { client } = makeClient();
    fake.script(ok({ name: 'no-id', token: JUPYTER_TOKEN }));
    const err = await rejection(client.showNotebook(ID));
    expect(err).toBeInstanceOf(ModelArtsInvalidResponseError);
    expect(String((err as Error).message)).not.toContain(JUPYTER_TOKEN);
    fake.script(ok('<html>not json</html>'));
    expect(await rejection(client.showNotebook(ID))).toBeInstanceOf(ModelArtsInvalidResponseError);
    expect(fake.requests).toHaveLength(2);
  });
});

describe('ModelArtsClient: input validation', () => {
  const expectFields = async (promise: Promise<unknown>, fields: string[]) => {
    const err = await rejection(promise);
    expect(err).toBeInstanceOf(ValidationError);
    expect((err as ValidationError).issues.map((i) => i.field)).toEqual(expect.arrayContaining(fields));
  };

  it('rejects bad input naming every field, and sends nothing', async () => {
    const { client } = makeClient();
    await expectFields(
      client.createNotebook({
        ...createInput,
        name: 'bad name!',
        flavor: '',
        image_id: 'not-an-id',
        volume: { category: 'evs', ownership: 'managed', capacity: 1 },
      }),
      ['name', 'flavor', 'image_id', 'volume.capacity'],
    );
    await expectFields(client.createNotebook({ ...createInput, volume: { category: 'tape', ownership: 'managed' } }), [
      'volume.category',
    ]);
    await expectFields(client.showNotebook('a/b'), ['id']);
    await expectFields(client.showNotebook(''), ['id']);
    await expectFields(client.deleteNotebook('..'), ['id']);
    await expectFields(client.showLease(undefined as unknown as string), ['id']);
    await expectFields(client.updateNotebook('x/y', { storage_new_size: 1 }), ['id', 'storage_new_size']);
    await expectFields(client.renewLease(ID, { duration: 1000 }), ['duration']);
    await expectFields(client.startNotebook(ID, { type: 'forever' }), ['type']);
    await expectFields(client.startNotebook(ID, { duration: 100 * HOUR }), ['duration']);
    // ModelArts takes only 10, 20 or 50 per page (model_list_notebooks_request.go).
    await expectFields(client.listNotebooks({ limit: 100 as 50 }), ['limit']);
    await expectFields(client.listNotebooks({ name: 'my notebook' }), ['name']);
    await expectFields(client.listNotebooks({ status: 'sleeping' }), ['status']);
    await expectFields(client.listFlavors({ category: 'tpu' }), ['category']);
    await expectFields(client.listImages({ type: 'mine' }), ['type']);
    expect(fake.requests).toHaveLength(0);
  });

  it('refuses a client it cannot use', () => {
    const opts = { projectId: PROJECT, auth: { kind: 'aksk' as const, ak: AK, sk: SK } };
    expect(() => new ModelArtsClient({ ...opts, endpoint: 'not a url' })).toThrow(ConfigError);
    expect(() => new ModelArtsClient({ ...opts, endpoint: 'ftp://x' })).toThrow(ConfigError);
    expect(() => new ModelArtsClient({ ...opts, endpoint: fake.url, projectId: '' })).toThrow(ConfigError);
    expect(() => new ModelArtsClient({ ...opts, endpoint: fake.url, auth: { kind: 'simulator' } as never })).toThrow(
      ConfigError,
    );
  });
});

describe('ModelArtsClient: errors', () => {
  it('maps 404 and 400 with ModelArts.6309/6357/6404 to not-found', async () => {
    const { client } = makeClient();
    const replies: Reply[] = [
      { status: 404, body: { error_code: 'ModelArts.6404', error_msg: 'gone' } },
      { status: 400, body: { error_code: 'ModelArts.6309', error_msg: 'instance not found' } },
      { status: 400, body: { error_code: 'ModelArts.6357', error_message: 'not found' } },
      { status: 400, body: { error: { code: 'ModelArts.6404', message: 'not found' } } },
    ];
    for (const reply of replies) {
      fake.requests.length = 0;
      fake.script({ ...reply, headers: { 'X-Request-Id': 'req-abc-123' } });
      const err = await rejection(client.showNotebook(ID));
      expect(err).toBeInstanceOf(ModelArtsNotFoundError);
      expect(isNotFound(err)).toBe(true);
      expect(err).toMatchObject({ requestId: 'req-abc-123', method: 'GET', url: `${base}/notebooks/${ID}` });
      expect(fake.requests).toHaveLength(1);
    }
  });

  it('keeps the service code and message, path and query only as URL, and does not retry other 4xx', async () => {
    const { client } = makeClient();
    fake.script({ status: 400, body: { error_code: 'ModelArts.6304', error_msg: 'stop the instance first' } });
    const err = await rejection(client.listNotebooks({ name: 'x' }));
    expect(err).toBeInstanceOf(ModelArtsApiError);
    expect(err).toMatchObject({
      status: 400,
      errorCode: 'ModelArts.6304',
      errorMsg: 'stop the instance first',
      url: `${base}/notebooks?name=x`,
    });
    expect((err as Error).message).not.toContain('127.0.0.1');
    expect(fake.requests).toHaveLength(1);
  });

  it('retries 429 / APIG.0308 honouring Retry-After', async () => {
    const { client, sleeps } = makeClient();
    fake.script(
      { status: 429, body: { error_code: 'APIG.0308', error_msg: 'throttled' }, headers: { 'Retry-After': '3' } },
      ok(notebook()),
    );
    await expect(client.showNotebook(ID)).resolves.toMatchObject({ id: ID });
    expect(fake.requests).toHaveLength(2);
    expect(sleeps).toEqual([3000]);
  });

  it('waits at least the throttle minimum when a throttle has no Retry-After', async () => {
    const { client, sleeps } = makeClient({ throttleMinDelayMs: 2500 });
    fake.script({ status: 429, body: { error_code: 'APIGW.0308' } }, ok(notebook()));
    await client.showNotebook(ID);
    expect(sleeps).toEqual([2500]);
  });

  it('surfaces throttling once the retry budget is spent', async () => {
    const { client } = makeClient({ maxRetries: 2 });
    fake.script({ status: 429, body: { error_code: 'APIG.0308' }, headers: { 'Retry-After': '0' } });
    expect(await rejection(client.showNotebook(ID))).toBeInstanceOf(ModelArtsThrottledError);
    expect(fake.requests).toHaveLength(3);
  });

  it('retries 5xx with growing backoff, then surfaces the error', async () => {
    const { client, sleeps } = makeClient({ maxRetries: 3 });
    fake.script({ status: 502, body: '<html><h1>502 Bad Gateway</h1></html>' });
    const err = await rejection(client.showNotebook(ID));
    expect(err).toBeInstanceOf(ModelArtsServerError);
    expect(err).toMatchObject({ status: 502, errorMsg: '502 Bad Gateway' });
    expect(fake.requests).toHaveLength(4);
    expect(sleeps).toEqual([5, 10, 20]);
  });

  it('recovers when a 5xx is followed by success, and honours a per-call maxRetries', async () => {
    const { client } = makeClient();
    fake.script({ status: 500 }, { status: 503 }, ok(notebook()));
    await expect(client.showNotebook(ID)).resolves.toMatchObject({ id: ID });
    expect(fake.requests).toHaveLength(3);
    fake.requests.length = 0;
    fake.script({ status: 500 });
    expect(await rejection(client.showNotebook(ID, { maxRetries: 0 }))).toBeInstanceOf(ModelArtsServerError);
    expect(fake.requests).toHaveLength(1);
  });

  for (const [status, code] of [
    [401, 'APIG.0301'],
    [401, 'APIG.0303'],
    [403, 'ModelArts.0203'],
  ] as const) {
    it(`never retries ${status} ${code}: the server sees exactly one request`, async () => {
      const { client, sleeps } = makeClient();
      fake.script({ status, body: { error_code: code, error_msg: 'no' } });
      expect(await rejection(client.showNotebook(ID))).toBeInstanceOf(ModelArtsAuthError);
      expect(fake.requests).toHaveLength(1);
      expect(sleeps).toEqual([]);
    });
  }

  it('times out a slow answer', async () => {
    const { client } = makeClient({ timeoutMs: 50, maxRetries: 0 });
    fake.script({ ...ok(notebook()), delayMs: 400 });
    const err = await rejection(client.showNotebook(ID));
    expect(err).toBeInstanceOf(ModelArtsTimeoutError);
    expect((err as Error).message).toContain('timed out after 50 ms');
  });

  it('retries a read after a timeout, with a per-call timeout override', async () => {
    const { client, calls } = makeClient({ timeoutMs: 60_000 });
    // The first answer is held far past the per-call timeout; the second, prompt one must fit in
    // it even on a loaded machine, hence 2 s rather than a tight figure.
    fake.script({ ...ok(notebook()), delayMs: 10_000 }, ok(notebook()));
    await expect(client.showNotebook(ID, { timeoutMs: 2000 })).resolves.toMatchObject({ id: ID });
    expect(calls.map((c) => [c.status, c.errorCode])).toEqual([
      [0, 'modelarts_timeout'],
      [200, undefined],
    ]);
  });

  it('reports a refused connection after the retries', async () => {
    const closed = await new FakeModelArts().start();
    await closed.stop();
    const { client, calls } = makeClient({ endpoint: closed.url, maxRetries: 2 });
    const err = await rejection(client.showNotebook(ID));
    expect(err).toBeInstanceOf(ModelArtsConnectionError);
    expect(calls.map((c) => [c.status, c.errorCode])).toEqual([
      [0, 'modelarts_unreachable'],
      [0, 'modelarts_unreachable'],
      [0, 'modelarts_unreachable'],
    ]);
  });

  it('maps a dropped connection to a connection error', async () => {
    const { client } = makeClient({ maxRetries: 1 });
    fake.script({ destroy: true }, ok(notebook()));
    await expect(client.showNotebook(ID)).resolves.toMatchObject({ id: ID });
    fake.requests.length = 0;
    fake.script({ destroy: true });
    expect(await rejection(client.showNotebook(ID))).toBeInstanceOf(ModelArtsConnectionError);
    expect(fake.requests).toHaveLength(2);
  });

  it("respects the caller's AbortSignal: during a request, during a backoff, and before starting", async () => {
    const { client } = makeClient();
    const during = new AbortController();
    // Abort once the server holds the request, whatever the machine's speed.
    fake.handler = () => {
      during.abort();
      return { ...ok(notebook()), delayMs: 2000 };
    };
    const err = await rejection(client.showNotebook(ID, { signal: during.signal }));
    expect(err).toMatchObject({ name: 'AbortError' });
    expect(fake.requests).toHaveLength(1);

    // The default sleep, with a long backoff (10 s and more) that the abort must cut short: had
    // it run out, a second request and a second backoff would follow. The client logs "modelarts
    // retry" just before it sleeps: abort on the next turn, when the backoff has surely begun.
    const backoff = new AbortController();
    let backoffs = 0;
    const retryLog = new Writable({
      write(chunk, _enc, done) {
        if (String(chunk).includes('"msg":"modelarts retry"')) {
          backoffs += 1;
          setImmediate(() => backoff.abort());
        }
        done();
      },
    });
    const real = makeClient({
      sleep: undefined as never,
      retryBaseMs: 60_000,
      logger: createLogger({ level: 'debug', destination: retryLog }),
    });
    fake.requests.length = 0;
    fake.handler = () => ({ status: 503 });
    expect(await rejection(real.client.showNotebook(ID, { signal: backoff.signal }))).toMatchObject({
      name: 'AbortError',
    });
    expect(backoffs).toBe(1);
    expect(fake.requests).toHaveLength(1);

    fake.requests.length = 0;
    expect(await rejection(client.showNotebook(ID, { signal: AbortSignal.abort() }))).toMatchObject({
      name: 'AbortError',
    });
    expect(fake.requests).toHaveLength(0);
  });
});

describe('ModelArtsClient: create is never re-sent blindly', () => {
  it('does not re-send after a 500', async () => {
    const { client } = makeClient();
    fake.script({ status: 500, body: { error_code: 'ModelArts.0001', error_msg: 'internal' } });
    expect(await rejection(client.createNotebook(createInput))).toBeInstanceOf(ModelArtsServerError);
    expect(fake.requests).toHaveLength(1);
  });

  it('does not re-send after a timeout', async () => {
    const { client, calls, sleeps } = makeClient({ timeoutMs: 300 });
    fake.script({ ...ok(notebook()), delayMs: 3000 });
    expect(await rejection(client.createNotebook(createInput))).toBeInstanceOf(ModelArtsTimeoutError);
    expect(calls).toHaveLength(1);
    expect(sleeps).toEqual([]);
    expect(fake.requests.length).toBeLessThanOrEqual(1);
  });

  it('does not re-send after the connection dropped mid-request', async () => {
    const { client } = makeClient();
    fake.script({ destroy: true });
    expect(await rejection(client.createNotebook(createInput))).toBeInstanceOf(ModelArtsConnectionError);
    expect(fake.requests).toHaveLength(1);
  });

  it('re-sends after a gateway throttle (the service never saw it)', async () => {
    const { client } = makeClient();
    fake.script({ status: 429, body: { error_code: 'APIG.0308' } }, ok(notebook()));
    await expect(client.createNotebook(createInput)).resolves.toMatchObject({ id: ID });
    expect(fake.requests).toHaveLength(2);
    expect(fake.requests.every((r) => r.signatureValid)).toBe(true);
  });

  it('re-sends after the connection was refused (nothing was sent)', async () => {
    const later = new FakeModelArts();
    const probe = await new FakeModelArts().start();
    const port = probe.port;
    await probe.stop();
    later.script(ok(notebook()));
    const { client, calls } = makeClient({
      endpoint: `http://127.0.0.1:${port}`,
      // The service comes up during the backoff.
      sleep: async () => {
        if (later.port === 0) await later.start(port);
      },
    });
    try {
      await expect(client.createNotebook(createInput)).resolves.toMatchObject({ id: ID });
      expect(later.requests).toHaveLength(1);
      expect(calls.map((c) => c.status)).toEqual([0, 200]);
    } finally {
      await client.close(); // before stopping the server, so its keep-alive socket goes first
      if (later.port !== 0) await later.stop();
    }
  });
});

describe('ModelArtsClient: pagination over HTTP', () => {
  const all = Array.from({ length: 120 }, (_, i) => notebook(`nb-${String(i).padStart(3, '0')}-0000-0000`));

  /** A list endpoint where `offset` is the index of the first record, as on ModelArts. */
  const listing =
    (items: readonly { id: string }[]): Handler =>
    (req) => {
      const q = Object.fromEntries(req.query);
      const limit = Number(q['limit'] ?? 10);
      const offset = Number(q['offset'] ?? 0);
      const data = items.slice(offset, offset + limit);
      return ok({
        current: Math.floor(offset / limit),
        data,
        pages: Math.ceil(items.length / limit),
        size: data.length,
        total: items.length,
      });
    };

  it('listAllNotebooks walks every page, 50 records at a time, offset advanced by records', async () => {
    const { client } = makeClient();
    fake.handler = listing(all);
    const got = await client.listAllNotebooks({ workspace_id: '0' });
    expect(got.map((n) => n.id)).toEqual(all.map((n) => n.id));
    const queries = fake.requests.map((r) => Object.fromEntries(r.query));
    expect(queries.map((q) => q['offset'])).toEqual(['0', '50', '100']);
    expect(queries.every((q) => q['limit'] === '50')).toBe(true);
    expect(fake.requests.every((r) => r.signatureValid && r.rawQuery.includes('workspace_id=0'))).toBe(true);
  });

  it('listFlavors and listImages walk all pages (images 200 at a time)', async () => {
    const { client } = makeClient();
    const flavors = Array.from({ length: 130 }, (_, i) => ({ id: `flavor-${i}` }));
    fake.handler = listing(flavors);
    expect((await client.listFlavors()).map((f) => f.id)).toEqual(flavors.map((f) => f.id));

    fake.requests.length = 0;
    const images = Array.from({ length: 450 }, (_, i) => ({ id: `image-${i}` }));
    fake.handler = listing(images);
    expect(await client.listImages({ type: 'BUILD_IN' })).toHaveLength(450);
    expect(fake.requests.map((r) => Object.fromEntries(r.query)['limit'])).toEqual(['200', '200', '200']);
  });

  it('listImages without a type lists built-in and the team’s own (DEDICATED) images', async () => {
    const { client } = makeClient();
    const byType: Record<string, Array<{ id: string }>> = {
      BUILD_IN: [{ id: 'builtin-1' }, { id: 'builtin-2' }],
      DEDICATED: [{ id: 'team-image-1' }],
    };
    fake.handler = (req, i) => listing(byType[Object.fromEntries(req.query)['type'] ?? 'BUILD_IN'] ?? [])(req, i);
    expect((await client.listImages()).map((img) => img.id)).toEqual(['builtin-1', 'builtin-2', 'team-image-1']);
    expect(fake.requests.map((r) => Object.fromEntries(r.query)['type']).sort()).toEqual(['BUILD_IN', 'DEDICATED']);
  });

  it('retries a failed page without restarting the walk', async () => {
    const { client } = makeClient();
    const inner = listing(all);
    let failed = false;
    fake.handler = (req, i) => {
      if (Object.fromEntries(req.query)['offset'] === '50' && !failed) {
        failed = true;
        return { status: 503 };
      }
      return inner(req, i);
    };
    expect(await client.listAllNotebooks({})).toHaveLength(120);
    expect(fake.requests).toHaveLength(4);
  });
});

describe('ModelArtsClient: IAM token auth', () => {
  it('fetches one token for many concurrent calls and sends it as X-Auth-Token', async () => {
    fake.iam.delayMs = 50;
    fake.script(ok(notebook()));
    const { client } = makeClient({ auth: iamAuth() });
    await Promise.all(Array.from({ length: 20 }, () => client.showNotebook(ID)));
    expect(fake.tokenRequests).toHaveLength(1);
    expect(fake.requests).toHaveLength(20);
    const token = [...fake.validTokens][0]!;
    expect(
      fake.requests.every((r) => r.headers['x-auth-token'] === token && r.headers['authorization'] === undefined),
    ).toBe(true);

    const login = fake.tokenRequests[0]!;
    expect(login.headers['content-type']).toBe('application/json');
    expect(JSON.parse(login.body)).toEqual({
      auth: {
        identity: {
          methods: ['password'],
          password: { user: { name: IAM.user, password: IAM.password, domain: { name: IAM.domain } } },
        },
        scope: { project: { id: PROJECT } },
      },
    });
  });

  it('reuses the token, and refreshes it when less than an hour is left', async () => {
    const clock = new ManualClock(Date.UTC(2026, 0, 1));
    fake.script(ok(notebook()));
    const { client } = makeClient({ auth: iamAuth(), clock });
    await client.showNotebook(ID);
    clock.advance(22 * HOUR);
    await client.showNotebook(ID);
    expect(fake.tokenRequests).toHaveLength(1);
    clock.advance(HOUR + 60_000); // 23 h 1 min after issue: 59 min left
    await client.showNotebook(ID);
    expect(fake.tokenRequests).toHaveLength(2);
    const tokens = fake.requests.map((r) => r.headers['x-auth-token']);
    expect(tokens[0]).toBe(tokens[1]);
    expect(tokens[2]).not.toBe(tokens[1]);
  });

  it('on a 401 with a cached token, refreshes once and retries once', async () => {
    fake.script(ok(notebook()));
    const { client } = makeClient({ auth: iamAuth() });
    await client.showNotebook(ID);
    fake.validTokens.clear(); // revoked on the server side
    await expect(client.showNotebook(ID)).resolves.toMatchObject({ id: ID });
    expect(fake.tokenRequests).toHaveLength(2);
    expect(fake.requests).toHaveLength(3);

    // A token rejected again is not refreshed in a loop.
    fake.requests.length = 0;
    fake.tokenRequests.length = 0;
    fake.handler = () => ({ status: 401, body: { error_code: 'APIG.0301', error_msg: 'no' } });
    expect(await rejection(client.createNotebook(createInput))).toBeInstanceOf(ModelArtsAuthError);
    expect(fake.requests).toHaveLength(2);
    expect(fake.tokenRequests).toHaveLength(1);
  });

  it('fails without calling the API when IAM refuses the password, and never retries it', async () => {
    fake.iam.status = 401;
    const { client } = makeClient({ auth: iamAuth() });
    const err = await rejection(client.showNotebook(ID));
    expect(err).toBeInstanceOf(ModelArtsAuthError);
    expect(err).toMatchObject({ url: '/v3/auth/tokens' });
    expect(fake.tokenRequests).toHaveLength(1);
    expect(fake.requests).toHaveLength(0);
  });

  it('retries a failed token fetch as part of the call, even for a create', async () => {
    fake.iam.status = 503;
    fake.script(ok(notebook()));
    const { client } = makeClient({
      auth: iamAuth(),
      sleep: async () => {
        fake.iam.status = 201;
      },
    });
    await expect(client.createNotebook(createInput)).resolves.toMatchObject({ id: ID });
    expect(fake.tokenRequests).toHaveLength(2);
    expect(fake.requests).toHaveLength(1);
  });
});

describe('ModelArtsClient: logs and metrics', () => {
  it('logs one debug line per attempt without headers, bodies or secrets', async () => {
    const lines: string[] = [];
    const destination = new Writable({
      write(chunk, _enc, done) {
        lines.push(String(chunk));
        done();
      },
    });
    const logger = createLogger({ level: 'debug', destination });
    fake.script(
      { status: 503, headers: { 'X-Request-Id': 'req-1' } },
      { ...ok(notebook()), headers: { 'X-Request-Id': 'req-2' } },
    );
    const aksk = makeClient({ logger, auth: { kind: 'aksk', ak: AK, sk: SK, securityToken: 'sts-secret-token-987' } });
    await aksk.client.showNotebook(ID);
    const iam = makeClient({ logger, auth: iamAuth() });
    await iam.client.showNotebook(ID);

    const calls = lines
      .map((l) => JSON.parse(l) as Record<string, unknown>)
      .filter((l) => l['msg'] === 'modelarts call');
    expect(calls).toHaveLength(3);
    expect(calls[0]).toMatchObject({
      level: 20,
      operation: 'ShowNotebook',
      method: 'GET',
      path: `${base}/notebooks/${ID}`,
      status: 503,
      requestId: 'req-1',
      attempt: 1,
    });
    expect(calls[0]!['ms']).toEqual(expect.any(Number));
    expect(calls[1]).toMatchObject({ status: 200, requestId: 'req-2', attempt: 2 });

    const text = lines.join('\n');
    const token = [...fake.validTokens][0]!;
    for (const secret of [SK, AK, 'sts-secret-token-987', JUPYTER_TOKEN, IAM.password, token, 'SDK-HMAC-SHA256']) {
      expect(text).not.toContain(secret);
    }
    expect(text.toLowerCase()).not.toContain('authorization');
  });

  it('reports every attempt to onCall, and survives a throwing hook', async () => {
    const { client, calls } = makeClient();
    fake.script({ status: 429, body: { error_code: 'APIG.0308' } }, ok(notebook()));
    await client.showNotebook(ID);
    expect(calls).toEqual([
      {
        operation: 'ShowNotebook',
        method: 'GET',
        status: 429,
        durationMs: expect.any(Number),
        errorCode: 'APIG.0308',
        attempt: 1,
      },
      { operation: 'ShowNotebook', method: 'GET', status: 200, durationMs: expect.any(Number), attempt: 2 },
    ]);
    const throwing = makeClient({
      onCall: () => {
        throw new Error('metrics broke');
      },
    });
    await expect(throwing.client.showNotebook(ID)).resolves.toMatchObject({ id: ID });
  });
});
