import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Clock } from '../src/clock.js';
import { ManualClock, ScaledClock } from '../src/clock.js';
import {
  createSimulator,
  DEFAULT_TIMINGS,
  type LeaseView,
  type NotebookView,
  SIMULATOR_DEFAULT_FLAVOR,
  SIMULATOR_DEFAULT_IMAGE_ID,
  SIMULATOR_PROJECT_ID,
  SIMULATOR_REGION,
  type Simulator,
  type SimulatorOptions,
} from '../src/simulator/index.js';
import { type SimRequestOptions, type SimResponse, simRequest } from '../src/simulator/signed-request.js';

const pid = SIMULATOR_PROJECT_ID;
const nb = `/v1/${pid}/notebooks`;
const [STORAGE, COMPUTE, NETWORK, INIT] = DEFAULT_TIMINGS.createSteps;
const CREATE_MS = STORAGE + COMPUTE + NETWORK + INIT;
const TO_RUNNING_MS = CREATE_MS + DEFAULT_TIMINGS.createStarting;

let sim: Simulator;
let clock: ManualClock;

async function boot(options: SimulatorOptions = {}, c: Clock = new ManualClock(Date.now())): Promise<void> {
  clock = c as ManualClock;
  sim = createSimulator({ clock: c, notFound: '400', ...options });
  await sim.start();
}

const api = (o: SimRequestOptions): Promise<SimResponse> => simRequest(sim.url, { date: new Date(clock.now()), ...o });
const createBody = (over: Record<string, unknown> = {}) => ({
  name: 'lifecycle-nb',
  flavor: SIMULATOR_DEFAULT_FLAVOR,
  image_id: SIMULATOR_DEFAULT_IMAGE_ID,
  volume: { category: 'evs', ownership: 'managed', capacity: 5 },
  ...over,
});

async function create(over: Record<string, unknown> = {}): Promise<NotebookView> {
  const res = await api({ method: 'POST', path: nb, body: createBody(over) });
  expect(res.status).toBe(200);
  return res.body as NotebookView;
}
const show = (id: string) => api({ path: `${nb}/${id}` });
async function status(id: string): Promise<string> {
  return ((await show(id)).body as NotebookView).status;
}
const post = (id: string, action: 'start' | 'stop', query?: Record<string, string | number>) =>
  api({ method: 'POST', path: `${nb}/${id}/${action}`, ...(query ? { query } : {}) });

afterEach(() => sim.stop());

describe('simulator lifecycle (ManualClock)', () => {
  beforeEach(() => boot());

  it('create → CREATING with 4 progress steps → STARTING → RUNNING with url and token', async () => {
    const created = await create();
    expect(created).toMatchObject({ status: 'CREATING', name: 'lifecycle-nb', flavor: SIMULATOR_DEFAULT_FLAVOR });
    expect(created.id).toMatch(/^[0-9a-f-]{36}$/);
    expect(created.lease).toEqual({
      create_at: clock.now(),
      duration: 3_600_000,
      enable: true,
      type: 'TIMING',
      update_at: clock.now(),
    });
    expect(created.volume).toMatchObject({
      category: 'EVS',
      ownership: 'MANAGED',
      capacity: 5,
      mount_path: '/home/ma-user/work/',
    });
    expect(created.action_progress.map((s) => s.status)).toEqual(['PROCESSING', 'WAITING', 'WAITING', 'WAITING']);
    expect(created.url).toBeUndefined();

    clock.advance(STORAGE);
    let v = (await show(created.id)).body as NotebookView;
    expect(v.status).toBe('CREATING');
    expect(v.action_progress.map((s) => [s.step, s.status])).toEqual([
      [1, 'COMPLETED'],
      [2, 'PROCESSING'],
      [3, 'WAITING'],
      [4, 'WAITING'],
    ]);
    expect(v.action_progress[1]!.step_description).toMatch(/compute/i);
    expect(v.action_progress[0]!.notebook_id).toBe(created.id);

    clock.advance(COMPUTE + NETWORK);
    v = (await show(created.id)).body as NotebookView;
    expect(v.action_progress.map((s) => s.status)).toEqual(['COMPLETED', 'COMPLETED', 'COMPLETED', 'PROCESSING']);

    clock.advance(INIT);
    v = (await show(created.id)).body as NotebookView;
    expect(v.status).toBe('STARTING');
    expect(v.action_progress.every((s) => s.status === 'COMPLETED')).toBe(true);
    expect(v.lease).toEqual(created.lease);

    clock.advance(DEFAULT_TIMINGS.createStarting);
    v = (await show(created.id)).body as NotebookView;
    expect(v.status).toBe('RUNNING');
    expect(v.url).toBe(`https://authoring-modelarts-${SIMULATOR_REGION}.huaweicloud.com/${created.id}/lab`);
    expect(v.token).toMatch(/^[0-9a-f-]{36}$/);
  });

  it('stop → STOPPING → STOPPED; start → STARTING → RUNNING, the lease keeping its create_at', async () => {
    const { id, lease: created } = await create();
    clock.advance(TO_RUNNING_MS);
    const stopping = await post(id, 'stop');
    expect(stopping.status).toBe(200);
    expect((stopping.body as NotebookView).status).toBe('STOPPING');
    clock.advance(DEFAULT_TIMINGS.stop);
    expect(await status(id)).toBe('STOPPED');
    expect(((await show(id)).body as NotebookView).url).toBeUndefined();

    clock.advance(60_000);
    const started = await post(id, 'start', { duration: 7_200_000, type: 'idle' });
    expect(started.status).toBe(200);
    const v = started.body as NotebookView;
    expect(v.status).toBe('STARTING');
    // The run time asked for counts from now; the lease still counts from its create_at.
    expect(v.lease).toEqual({
      create_at: created.create_at,
      duration: clock.now() - created.create_at + 7_200_000,
      type: 'IDLE',
      enable: true,
      update_at: clock.now(),
    });
    clock.advance(DEFAULT_TIMINGS.start);
    expect(await status(id)).toBe('RUNNING');
    clock.advance(7_200_000 - DEFAULT_TIMINGS.start - 1);
    expect(await status(id)).toBe('RUNNING');
    clock.advance(1);
    expect(await status(id)).toBe('STOPPING');
  });

  it("reproduces Huawei's StartNotebook example: duration = (update_at − create_at) + 3600000", async () => {
    // seeds/start-notebook.current.txt: create_at 1638841744515, update_at 1638844471727, duration 6327212.
    await sim.stop();
    await boot({}, new ManualClock(1_638_841_744_515));
    const { id } = await create();
    clock.advance(TO_RUNNING_MS);
    await post(id, 'stop');
    clock.advance(1_638_844_471_727 - clock.now());
    const started = (await post(id, 'start')).body as NotebookView;
    expect(started.lease).toEqual({
      create_at: 1_638_841_744_515,
      duration: 6_327_212,
      enable: true,
      type: 'TIMING',
      update_at: 1_638_844_471_727,
    });
  });

  it('duration -1 means no auto-stop, as Terraform creates and starts (lease.enable false)', async () => {
    const v = await create({ duration: -1 });
    expect(v.lease.enable).toBe(false);
    clock.advance(TO_RUNNING_MS + 100 * 3_600_000);
    expect(await status(v.id)).toBe('RUNNING');
    await post(v.id, 'stop');
    clock.advance(DEFAULT_TIMINGS.stop);
    const started = (await post(v.id, 'start', { duration: -1 })).body as NotebookView;
    expect(started.lease).toMatchObject({ enable: false, create_at: v.lease.create_at });
    clock.advance(DEFAULT_TIMINGS.start + 100 * 3_600_000);
    expect(await status(v.id)).toBe('RUNNING');
  });

  it('start in RUNNING → ModelArts.6305, in STARTING → 6306, stop in STOPPED → 6307, in STOPPING → 6308', async () => {
    const { id } = await create();
    clock.advance(CREATE_MS);
    expect((await post(id, 'start')).body).toMatchObject({ error_code: 'ModelArts.6306' });
    clock.advance(DEFAULT_TIMINGS.createStarting);
    const running = await post(id, 'start');
    expect(running.status).toBe(400);
    expect(running.body).toMatchObject({ error_code: 'ModelArts.6305' });
    await post(id, 'stop');
    expect((await post(id, 'stop')).body).toMatchObject({ error_code: 'ModelArts.6308' });
    expect((await post(id, 'start')).body).toMatchObject({ error_code: 'ModelArts.6308' });
    clock.advance(DEFAULT_TIMINGS.stop);
    expect((await post(id, 'stop')).body).toMatchObject({ error_code: 'ModelArts.6307' });
  });

  it('rejects start parameters outside the documented range with ModelArts.0104', async () => {
    const { id } = await create();
    clock.advance(TO_RUNNING_MS);
    await post(id, 'stop');
    clock.advance(DEFAULT_TIMINGS.stop);
    for (const duration of [60_000, 3_599_999, 259_200_001, -2]) {
      const res = await post(id, 'start', { duration });
      expect(res.status, String(duration)).toBe(400);
      expect(res.body).toMatchObject({ error_code: 'ModelArts.0104' });
      expect((res.body as { error_msg: string }).error_msg).toMatch(/duration/);
    }
    expect((await post(id, 'start', { duration: '2h' })).body).toMatchObject({ error_code: 'ModelArts.0104' });
    expect((await post(id, 'start', { type: 'sometimes' })).body).toMatchObject({ error_code: 'ModelArts.0104' });
    expect((await post(id, 'start', { duration: 259_200_000, type: 'timing' })).status).toBe(200);
  });

  it('delete while RUNNING → 6304; after stop → DELETING → not found (HTTP 400 ModelArts.6404)', async () => {
    const { id } = await create();
    clock.advance(TO_RUNNING_MS);
    const refused = await api({ method: 'DELETE', path: `${nb}/${id}` });
    expect(refused.status).toBe(400);
    expect(refused.body).toMatchObject({ error_code: 'ModelArts.6304' });
    await post(id, 'stop');
    clock.advance(DEFAULT_TIMINGS.stop);
    const deleting = await api({ method: 'DELETE', path: `${nb}/${id}` });
    expect(deleting.status).toBe(200);
    expect((deleting.body as NotebookView).status).toBe('DELETING');
    expect(await status(id)).toBe('DELETING');
    expect((await api({ method: 'DELETE', path: `${nb}/${id}` })).status).toBe(200);
    clock.advance(DEFAULT_TIMINGS.delete);
    const gone = await show(id);
    expect(gone.status).toBe(400);
    expect(gone.body).toEqual({
      error_code: 'ModelArts.6404',
      error_msg: `The notebook instance ${id} does not exist.`,
    });
    expect(sim.instances.count()).toBe(0);
  });

  it('a CREATING instance can be deleted (the timeout path)', async () => {
    const { id } = await create();
    expect((await api({ method: 'DELETE', path: `${nb}/${id}` })).status).toBe(200);
    clock.advance(DEFAULT_TIMINGS.delete);
    expect((await show(id)).status).toBe(400);
  });

  it('the lease ends the run: STOPPING at create_at + duration, then STOPPED', async () => {
    const created = await create({ lease: { duration: 3_600_000, type: 'timing' } });
    clock.advance(3_600_000 - 1);
    expect(await status(created.id)).toBe('RUNNING');
    clock.advance(1);
    const v = (await show(created.id)).body as NotebookView;
    expect(v.status).toBe('STOPPING');
    expect(v.lease).toEqual(created.lease);
    clock.advance(DEFAULT_TIMINGS.stop);
    expect(await status(created.id)).toBe('STOPPED');
  });

  it('an IDLE lease is an upper bound: it stops too', async () => {
    const { id } = await create({ lease: { type: 'IDLE' } });
    clock.advance(3_600_000 + DEFAULT_TIMINGS.stop);
    expect(await status(id)).toBe('STOPPED');
  });

  it('a top-level duration wins over lease (and makes the type TIMING)', async () => {
    const v = await create({ duration: 7_200_000, lease: { duration: 3_600_000, type: 'IDLE' } });
    expect(v.lease).toMatchObject({ duration: 7_200_000, type: 'TIMING' });
  });

  it('a lease shorter than the creation stops the instance as soon as it runs', async () => {
    const { id } = await create();
    clock.advance(3_600_000 + 1);
    expect(await status(id)).toBe('STOPPING');
  });
});

describe('simulator leases', () => {
  beforeEach(() => boot());

  async function running(): Promise<NotebookView> {
    const v = await create();
    clock.advance(TO_RUNNING_MS);
    return v;
  }
  const renew = (id: string, body?: unknown, query?: Record<string, number>) =>
    api({
      method: 'PATCH',
      path: `${nb}/${id}/lease`,
      ...(body !== undefined ? { body } : {}),
      ...(query ? { query } : {}),
    });

  it('shows the lease', async () => {
    const v = await create();
    const res = await api({ path: `${nb}/${v.id}/lease` });
    expect(res.status).toBe(200);
    expect(res.body).toEqual(v.lease);
  });

  it('renews with a body: the run time counts from now, the answer from create_at', async () => {
    const v = await running();
    clock.advance(20 * 60_000);
    const renewedAt = clock.now();
    const res = await renew(v.id, { duration: 7_200_000 });
    expect(res.status).toBe(200);
    const lease = res.body as LeaseView;
    // model_lease_req.go: "以当前时刻为起点"; the answer's duration is counted from create_at.
    expect(lease).toEqual({
      create_at: v.lease.create_at,
      duration: renewedAt - v.lease.create_at + 7_200_000,
      enable: true,
      type: 'TIMING',
      update_at: renewedAt,
    });
    expect((await api({ path: `${nb}/${v.id}/lease` })).body).toEqual(lease);
    // The instance stops exactly 2 h after the renewal.
    clock.advance(7_200_000 - 1);
    expect(await status(v.id)).toBe('RUNNING');
    clock.advance(1);
    expect(await status(v.id)).toBe('STOPPING');
  });

  it('a renewal is not an addition: renewing twice for 1 h ends 1 h after the second', async () => {
    const v = await running();
    await renew(v.id, { duration: 3_600_000 });
    clock.advance(30 * 60_000);
    const lease = (await renew(v.id, { duration: 3_600_000 })).body as LeaseView;
    expect(lease.create_at + lease.duration).toBe(clock.now() + 3_600_000);
  });

  it('renews the type alone (lowercase accepted, as the SDK sends it); duration defaults to 1 h from now', async () => {
    const v = await running();
    const lease = (await renew(v.id, { type: 'idle' })).body as LeaseView;
    expect(lease).toMatchObject({ type: 'IDLE', duration: clock.now() - v.lease.create_at + 3_600_000 });
    const empty = (await renew(v.id, {})).body as LeaseView;
    expect(empty).toMatchObject({ type: 'IDLE', duration: clock.now() - v.lease.create_at + 3_600_000 });
  });

  it('a duration query parameter wins: the body is ignored and the type becomes TIMING', async () => {
    const v = await running();
    await renew(v.id, { type: 'IDLE' });
    const lease = (await renew(v.id, { duration: 100, type: 'IDLE', extra: 1 }, { duration: 10_800_000 }))
      .body as LeaseView;
    expect(lease).toMatchObject({ duration: clock.now() - v.lease.create_at + 10_800_000, type: 'TIMING' });
  });

  it('rejects durations outside 1–72 h, unknown keys and bad bodies with ModelArts.0104', async () => {
    const v = await running();
    for (const body of [
      { duration: 3_599_999 },
      { duration: 259_200_001 },
      { duration: -1 },
      { duration: '2h' },
      { hours: 2 },
      { type: 'sometimes' },
      'not json',
      [],
    ]) {
      expect((await renew(v.id, body)).body, JSON.stringify(body)).toMatchObject({ error_code: 'ModelArts.0104' });
    }
    expect((await renew(v.id, undefined, { duration: 1 })).body).toMatchObject({ error_code: 'ModelArts.0104' });
    expect((await renew(v.id, { duration: 259_200_000 })).status).toBe(200);
  });

  it('needs RUNNING', async () => {
    const v = await create();
    const res = await renew(v.id, { duration: 7_200_000 });
    expect(res.status).toBe(400);
    expect((res.body as { error_msg: string }).error_msg).toMatch(/RUNNING/);
  });
});

describe('simulator not-found forms', () => {
  it.each([
    ['400', 400, 'ModelArts.6404'],
    ['6309', 400, 'ModelArts.6309'],
    ['404', 404, 'ModelArts.6404'],
  ] as const)('notFound: %s answers HTTP %i %s', async (style, httpStatus, code) => {
    await boot({ notFound: style });
    const res = await show('00000000-0000-0000-0000-000000000000');
    expect(res.status).toBe(httpStatus);
    expect(res.body).toMatchObject({ error_code: code });
  });

  it('defaults to HTTP 400 ModelArts.6404, as Terraform expects from the service', async () => {
    await sim.stop();
    clock = new ManualClock(Date.now());
    sim = createSimulator({ clock });
    await sim.start();
    const res = await show('00000000-0000-0000-0000-000000000000');
    expect(res.status).toBe(400);
    expect(res.body).toMatchObject({ error_code: 'ModelArts.6404' });
  });

  it('random mode produces the forms', async () => {
    let i = 0;
    await boot({ notFound: 'random', random: () => (i++ % 2 === 0 ? 0.1 : 0.9) });
    const a = await show('missing-a');
    const b = await show('missing-b');
    expect(new Set([a.status, b.status])).toEqual(new Set([404, 400]));
  });

  it('every per-instance operation answers not-found for a deleted instance', async () => {
    await boot({ notFound: '404' });
    const { id } = await create();
    sim.instances.remove(id);
    for (const o of [
      { path: `${nb}/${id}` },
      { method: 'PUT', path: `${nb}/${id}`, body: { name: 'x' } },
      { method: 'DELETE', path: `${nb}/${id}` },
      { method: 'POST', path: `${nb}/${id}/start` },
      { method: 'POST', path: `${nb}/${id}/stop` },
      { path: `${nb}/${id}/lease` },
      { method: 'PATCH', path: `${nb}/${id}/lease`, body: { duration: 7_200_000 } },
      { path: `${nb}/${id}/flavors` },
    ]) {
      expect((await api(o)).status, `${o.method ?? 'GET'} ${o.path}`).toBe(404);
    }
  });
});

describe('simulator with a fast ScaledClock', () => {
  it('reaches RUNNING in real time at scale 600 (about 0.3 s)', async () => {
    await boot({}, new ScaledClock({ scale: 600 }));
    const { id } = await create();
    const deadline = Date.now() + 5_000;
    let s = await status(id);
    while (s !== 'RUNNING' && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 25));
      s = await status(id);
    }
    expect(s).toBe('RUNNING');
  });
});
