import { request } from 'undici';
import { beforeEach, describe, expect, it } from 'vitest';
import { ScaledClock } from '../src/clock.js';
import { signedCurl } from '../src/simulator/curl.js';
import {
  createSimulator,
  DEFAULT_TIMINGS,
  type NotebookView,
  SIMULATOR_AK,
  SIMULATOR_DEFAULT_FLAVOR,
  SIMULATOR_DEFAULT_IMAGE_ID,
  SIMULATOR_PROJECT_ID,
  SIMULATOR_SK,
  type StatsSnapshot,
} from '../src/simulator/index.js';
import { NOTEBOOKS_PATH, simulatorUnderTest } from './support/simulator.js';

const pid = SIMULATOR_PROJECT_ID;
const nb = NOTEBOOKS_PATH;
const t = simulatorUnderTest();
const { api } = t;
beforeEach(() => t.boot());
async function admin<T = Record<string, unknown>>(method: string, path: string, body?: unknown) {
  const res = await request(`${t.sim.url}/__sim${path}`, {
    method: method as 'GET',
    headers: { 'content-type': 'application/json' },
    ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
  });
  return { status: res.statusCode, headers: res.headers, body: (await res.body.json()) as T };
}
const createBody = {
  name: 'admin-nb',
  flavor: SIMULATOR_DEFAULT_FLAVOR,
  image_id: SIMULATOR_DEFAULT_IMAGE_ID,
  volume: { category: 'EVS', ownership: 'MANAGED' },
};

describe('simulator admin endpoints', () => {
  it('reports health and config, with an X-Request-Id', async () => {
    const health = await admin('GET', '/health');
    expect(health.body).toEqual({ ok: true });
    expect(health.headers['x-request-id']).toMatch(/^[0-9a-f]{32}$/);
    const config = await admin('GET', '/config');
    expect(config.body).toMatchObject({ projectId: pid, region: 'cn-north-4', iam: true, now: t.clock.now() });
  });

  it('serves stats: per-operation calls, totals, statuses and a request log; admin calls are not counted', async () => {
    await api({ method: 'POST', path: nb, body: createBody });
    await api({ path: nb });
    await api({ path: nb, sk: 'bad' });
    const { body } = await admin<StatsSnapshot>('GET', '/stats');
    expect(body.calls.create).toBe(1);
    expect(body.calls.list).toBe(2);
    expect(body.total).toBe(3);
    expect(body.byStatus).toEqual({ '200': 2, '401': 1 });
    expect(body.byErrorCode).toEqual({ 'APIG.0301': 1 });
    expect(body.log.map((e) => [e.operation, e.status])).toEqual([
      ['create', 200],
      ['list', 200],
      ['list', 401],
    ]);
    expect(body.log[0]).toMatchObject({ method: 'POST', path: nb, auth: 'aksk', at: t.clock.now() });
    expect(t.sim.stats.calls.create).toBe(1);
    expect(t.sim.stats.total).toBe(3);
    const tail = await admin<StatsSnapshot>('GET', '/stats?log=1');
    expect(tail.body.log).toHaveLength(1);
  });

  it('seeds instances in a state, lists and shows them', async () => {
    const seeded = await admin<{ count: number; ids: string[] }>('POST', '/seed', {
      count: 3,
      status: 'stopped',
      namePrefix: 'bench',
    });
    expect(seeded.body.count).toBe(3);
    const listed = await admin<{ total: number; data: NotebookView[] }>('GET', '/instances');
    expect(listed.body.total).toBe(3);
    expect(listed.body.data.map((n) => n.name)).toEqual(['bench-2', 'bench-1', 'bench-0']);
    expect(listed.body.data.every((n) => n.status === 'STOPPED')).toBe(true);
    const one = await admin<NotebookView>('GET', `/instances/${seeded.body.ids[0]}`);
    expect(one.body.name).toBe('bench-0');
    const viaApi = await api({ path: `${nb}/${seeded.body.ids[0]}` });
    expect(viaApi.body).toMatchObject({ name: 'bench-0', status: 'STOPPED' });
    expect((await admin('GET', '/instances?status=RUNNING')).body).toMatchObject({ total: 0 });
  });

  it('seeds a hanging CREATING instance and leases that end at spread times', async () => {
    const hung = await admin<{ ids: string[] }>('POST', '/seed', { count: 1, status: 'CREATING', hang: true });
    const leased = await admin<{ ids: string[] }>('POST', '/seed', {
      count: 3,
      lease: { duration: 3_600_000, elapsedMs: [0, 3_600_000] },
    });
    t.clock.advance(1);
    expect(t.sim.instances.get(hung.body.ids[0]!)?.status).toBe('CREATING');
    expect(leased.body.ids.map((id) => t.sim.instances.get(id)?.status)).toEqual(['RUNNING', 'RUNNING', 'STOPPING']);
    t.clock.advance(10 * 3_600_000);
    expect(t.sim.instances.get(hung.body.ids[0]!)?.status).toBe('CREATING');
  });

  it('rejects a bad seed with a parameter error', async () => {
    expect((await admin('POST', '/seed', { count: 0 })).status).toBe(400);
    expect((await admin('POST', '/seed', { count: 1, flavor: 'nope' })).status).toBe(400);
  });

  it('forces a status and removes an instance', async () => {
    const [id] = t.sim.instances.seed({ count: 1 });
    const forced = await admin<NotebookView>('POST', `/instances/${id}/force`, {
      status: 'ERROR',
      fail_reason: 'Host failure.',
    });
    expect(forced.body).toMatchObject({ status: 'ERROR', fail_reason: 'Host failure.' });
    expect((await admin('DELETE', `/instances/${id}`)).status).toBe(200);
    expect((await admin('GET', `/instances/${id}`)).body).toMatchObject({ error_code: 'SIM.0404' });
    // Gone: Huawei answers not-found as HTTP 400 ModelArts.6404.
    expect(await api({ path: `${nb}/${id}` })).toMatchObject({ status: 400, body: { error_code: 'ModelArts.6404' } });
  });

  it('resets instances, faults, stats and tokens', async () => {
    t.sim.instances.seed({ count: 5 });
    t.sim.faults.throttle({ count: 10 });
    const { token } = t.sim.iam!.issue();
    await api({ path: nb });
    expect((await admin('POST', '/reset')).body).toEqual({ ok: true });
    expect(t.sim.instances.count()).toBe(0);
    expect(t.sim.stats.total).toBe(0);
    expect((await api({ path: nb })).status).toBe(200);
    expect((await api({ path: nb, token })).status).toBe(401);
  });

  it('reads and advances the clock', async () => {
    const [id] = t.sim.instances.seed({ count: 1, status: 'STOPPING' });
    const before = (await admin<{ now: number }>('GET', '/clock')).body.now;
    const after = (await admin<{ now: number; iso: string }>('POST', '/clock/advance', { ms: DEFAULT_TIMINGS.stop }))
      .body;
    expect(after.now - before).toBe(DEFAULT_TIMINGS.stop);
    expect(after.iso).toBe(new Date(after.now).toISOString());
    expect(t.sim.instances.get(id!)?.status).toBe('STOPPED');
  });

  it('answers unknown admin paths with SIM.0404', async () => {
    const res = await admin('GET', '/teleport');
    expect(res.status).toBe(404);
    expect(res.body).toMatchObject({ error_code: 'SIM.0404' });
  });
});

describe('simulator control surface', () => {
  it('throws on url before start, and can restart on another port', async () => {
    const other = createSimulator({ clock: new ScaledClock({ scale: 60 }) });
    expect(() => other.url).toThrow(/not started/);
    const { url } = await other.start();
    expect(url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    await other.stop();
    expect(() => other.url).toThrow();
  });

  it('instances.list, get, force and count work without HTTP', () => {
    const ids = t.sim.instances.seed({ count: 2, status: 'RUNNING' });
    expect(t.sim.instances.count()).toBe(2);
    expect(t.sim.instances.force(ids[0]!, 'FROZEN')?.status).toBe('FROZEN');
    expect(t.sim.instances.list({ status: 'FROZEN' }).map((n) => n.id)).toEqual([ids[0]]);
    expect(t.sim.instances.get('missing')).toBeUndefined();
  });
});

describe('simulator signed curl helper (cli sign)', () => {
  it('produces a command whose URL, headers and body the simulator accepts', async () => {
    const signed = signedCurl({
      baseUrl: t.sim.url,
      method: 'post',
      path: '/v1/<pid>/notebooks',
      projectId: pid,
      ak: SIMULATOR_AK,
      sk: SIMULATOR_SK,
      body: JSON.stringify(createBody),
      date: new Date(t.clock.now()),
    });
    expect(signed.command).toMatch(/^curl -sS -X POST 'http:\/\/127\.0\.0\.1:\d+\/v1\/[0-9a-f]{32}\/notebooks'/);
    expect(signed.command).toContain("-H 'Authorization: SDK-HMAC-SHA256 Access=SIMULATORACCESSKEY01, SignedHeaders=");
    // English answers by default, as Huawei's own clients ask for them; the header is signed.
    expect(signed.headers['X-Language']).toBe('en-us');
    expect(signed.headers['Authorization']).toMatch(/SignedHeaders=[^,]*x-language/);
    const { Host: _host, ...headers } = signed.headers;
    const res = await request(signed.url, { method: 'POST', headers, body: signed.body });
    expect(res.statusCode).toBe(200);
    expect(((await res.body.json()) as NotebookView).name).toBe('admin-nb');
  });

  it('can leave X-Language out, and the simulator then answers in Chinese', async () => {
    const signed = signedCurl({
      baseUrl: t.sim.url,
      method: 'GET',
      path: '/v1/<pid>/notebooks?limit=100',
      projectId: pid,
      ak: SIMULATOR_AK,
      sk: SIMULATOR_SK,
      date: new Date(t.clock.now()),
      language: null,
    });
    expect(signed.headers['X-Language']).toBeUndefined();
    const { Host: _host, ...headers } = signed.headers;
    const res = await request(signed.url, { headers });
    expect(res.statusCode).toBe(400);
    expect(((await res.body.json()) as { error_msg: string }).error_msg).toMatch(/^参数错误/);
  });

  it('keeps a query string exactly as signed', async () => {
    const signed = signedCurl({
      baseUrl: t.sim.url,
      method: 'GET',
      path: `/v1/{project_id}/notebooks?name=a b&limit=20`,
      projectId: pid,
      ak: SIMULATOR_AK,
      sk: SIMULATOR_SK,
      date: new Date(t.clock.now()),
    });
    expect(signed.url).toMatch(/\?limit=20&name=a%20b$/);
    const { Host: _host, ...headers } = signed.headers;
    const res = await request(signed.url, { headers });
    expect(res.statusCode).toBe(200);
    await res.body.dump();
  });
});
