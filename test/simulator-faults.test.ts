import { request } from 'undici';
import { beforeEach, describe, expect, it } from 'vitest';
import { Faults } from '../src/simulator/faults.js';
import {
  DEFAULT_TIMINGS,
  type FaultsSnapshot,
  type NotebookView,
  SIMULATOR_DEFAULT_FLAVOR,
  SIMULATOR_DEFAULT_IMAGE_ID,
  SIMULATOR_GPU_IMAGE_ID,
} from '../src/simulator/index.js';
import { simRequest } from '../src/simulator/signed-request.js';
import { NOTEBOOKS_PATH, simulatorUnderTest } from './support/simulator.js';

const nb = NOTEBOOKS_PATH;
const [STORAGE, COMPUTE] = DEFAULT_TIMINGS.createSteps;
const CREATE_MS = DEFAULT_TIMINGS.createSteps.reduce((a, b) => a + b, 0);
const TO_RUNNING_MS = CREATE_MS + DEFAULT_TIMINGS.createStarting;

const t = simulatorUnderTest();
const { api, boot } = t;
const createBody = (over: Record<string, unknown> = {}) => ({
  name: 'fault-nb',
  flavor: SIMULATOR_DEFAULT_FLAVOR,
  image_id: SIMULATOR_DEFAULT_IMAGE_ID,
  volume: { category: 'EVS', ownership: 'MANAGED' },
  ...over,
});
const create = (over: Record<string, unknown> = {}) => api({ method: 'POST', path: nb, body: createBody(over) });
const list = () => api({ path: nb });
const show = async (id: string) => (await api({ path: `${nb}/${id}` })).body as NotebookView;
/** Waits for something the simulator does on its own (an arrival, a write); the bound is only a safety net. */
async function until(done: () => boolean): Promise<void> {
  for (let i = 0; i < 2000 && !done(); i++) await new Promise((r) => setTimeout(r, 5));
  expect(done()).toBe(true);
}
const delayedAnswers = () => t.sim.stats.log.filter((e) => e.fault === 'delay');
const admin = async (method: string, path: string, body?: unknown) => {
  const res = await request(`${t.sim.url}/__sim${path}`, {
    method: method as 'GET',
    headers: { 'content-type': 'application/json' },
    ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
  });
  return { status: res.statusCode, body: (await res.body.json()) as Record<string, unknown> };
};

describe('simulator lifecycle faults', () => {
  beforeEach(() => boot());

  it('fails the next create with CREATE_FAILED after the compute step, with a fail_reason', async () => {
    t.sim.faults.failNextCreates(1);
    const failing = (await create()).body as NotebookView;
    expect(failing.status).toBe('CREATING');
    t.clock.advance(STORAGE);
    expect((await show(failing.id)).action_progress.map((s) => s.status)).toEqual([
      'COMPLETED',
      'PROCESSING',
      'WAITING',
      'WAITING',
    ]);
    t.clock.advance(COMPUTE);
    const failed = await show(failing.id);
    expect(failed.status).toBe('CREATE_FAILED');
    expect(failed.fail_reason).toBe(
      `Insufficient resources for flavor ${SIMULATOR_DEFAULT_FLAVOR}. Try another flavor or try again later.`,
    );
    expect(failed.action_progress.map((s) => s.status)).toEqual(['COMPLETED', 'FAILED', 'WAITING', 'WAITING']);
    expect(failed.action_progress[1]!.step_description).toMatch(/Insufficient resources/);

    const next = (await create()).body as NotebookView;
    t.clock.advance(TO_RUNNING_MS);
    expect((await show(next.id)).status).toBe('RUNNING');
    // A failed instance can be deleted.
    expect((await api({ method: 'DELETE', path: `${nb}/${failing.id}` })).status).toBe(200);
  });

  it('a sold-out flavor fails creation the same way', async () => {
    const v = (await create({ flavor: 'modelarts.vm.gpu.p100', image_id: SIMULATOR_GPU_IMAGE_ID }))
      .body as NotebookView;
    t.clock.advance(CREATE_MS);
    const after = await show(v.id);
    expect(after.status).toBe('CREATE_FAILED');
    expect(after.fail_reason).toMatch(/sold out/);
  });

  it('fails the next start with START_FAILED; a later start succeeds', async () => {
    const { id } = (await create()).body as NotebookView;
    t.clock.advance(TO_RUNNING_MS);
    await api({ method: 'POST', path: `${nb}/${id}/stop` });
    t.clock.advance(DEFAULT_TIMINGS.stop);
    t.sim.faults.failNextStarts(1, 'Image pull failed.');
    await api({ method: 'POST', path: `${nb}/${id}/start` });
    t.clock.advance(DEFAULT_TIMINGS.start);
    const failed = await show(id);
    expect(failed).toMatchObject({ status: 'START_FAILED', fail_reason: 'Image pull failed.' });
    await api({ method: 'POST', path: `${nb}/${id}/start` });
    expect((await show(id)).fail_reason).toBeUndefined();
    t.clock.advance(DEFAULT_TIMINGS.start);
    expect((await show(id)).status).toBe('RUNNING');
  });

  it('fails the next delete with DELETE_FAILED', async () => {
    const { id } = (await create()).body as NotebookView;
    t.sim.faults.failNextDeletes(1);
    await api({ method: 'DELETE', path: `${nb}/${id}` });
    t.clock.advance(DEFAULT_TIMINGS.delete);
    expect((await show(id)).status).toBe('DELETE_FAILED');
  });

  it('hangs a create in CREATING forever (step 4 PROCESSING), and it can still be deleted', async () => {
    t.sim.faults.hangNextCreates(1);
    const { id } = (await create()).body as NotebookView;
    t.clock.advance(10 * 3_600_000);
    const v = await show(id);
    expect(v.status).toBe('CREATING');
    expect(v.action_progress.map((s) => s.status)).toEqual(['COMPLETED', 'COMPLETED', 'COMPLETED', 'PROCESSING']);
    await api({ method: 'DELETE', path: `${nb}/${id}` });
    t.clock.advance(DEFAULT_TIMINGS.delete);
    expect(await api({ path: `${nb}/${id}` })).toMatchObject({ status: 400, body: { error_code: 'ModelArts.6404' } });
  });

  it('hangs a start in STARTING until stopped', async () => {
    const { id } = (await create()).body as NotebookView;
    t.clock.advance(TO_RUNNING_MS);
    await api({ method: 'POST', path: `${nb}/${id}/stop` });
    t.clock.advance(DEFAULT_TIMINGS.stop);
    t.sim.faults.hangNextStarts();
    await api({ method: 'POST', path: `${nb}/${id}/start` });
    t.clock.advance(3_600_000);
    expect((await show(id)).status).toBe('STARTING');
    await api({ method: 'POST', path: `${nb}/${id}/stop` });
    t.clock.advance(DEFAULT_TIMINGS.stop);
    expect((await show(id)).status).toBe('STOPPED');
  });
});

describe('simulator transport faults', () => {
  beforeEach(() => boot());

  it('throttles the next N requests with 429 APIG.0308 and Retry-After, counting them in stats', async () => {
    t.sim.faults.throttle({ count: 2, retryAfterSec: 3 });
    const first = await list();
    expect(first.status).toBe(429);
    expect(first.body).toEqual({ error_code: 'APIG.0308', error_msg: 'The request is throttled.' });
    expect(first.headers['retry-after']).toBe('3');
    expect(first.headers['x-request-id']).toMatch(/^[0-9a-f]{32}$/);
    expect((await list()).status).toBe(429);
    expect((await list()).status).toBe(200);
    expect(t.sim.stats.calls.list).toBe(3);
    expect(t.sim.stats.byStatus['429']).toBe(2);
    expect(t.sim.stats.requests('list').map((e) => e.fault)).toEqual(['throttle', 'throttle', undefined]);
  });

  it('limits faults to the named operations', async () => {
    t.sim.faults.throttle({ count: 1, operations: ['create'] });
    expect((await list()).status).toBe(200);
    expect((await create()).status).toBe(429);
    expect(t.sim.instances.count()).toBe(0);
  });

  it('throttles a fraction of requests (deterministic with an injected random)', async () => {
    let i = 0;
    await boot({ random: () => [0.1, 0.9, 0.2, 0.8][i++ % 4]! });
    t.sim.faults.throttle({ fraction: 0.5 });
    const statuses = [];
    for (let n = 0; n < 4; n++) statuses.push((await list()).status);
    expect(statuses).toEqual([429, 200, 429, 200]);
  });

  it('throttles for a real-time window', async () => {
    // Where the window ends, on an injected real-time clock.
    let now = 1_000;
    const faults = new Faults(Math.random, () => now);
    faults.throttle({ forMs: 150 });
    expect(faults.decide('list').action?.kind).toBe('throttle');
    now += 149;
    expect(faults.decide('list').action?.kind).toBe('throttle');
    now += 1;
    expect(faults.decide('list').action).toBeUndefined();

    // Over HTTP, inside a window no machine outlasts: every request, not a count of them.
    t.sim.faults.throttle({ forMs: 60_000 });
    expect((await list()).status).toBe(429);
    expect((await list()).status).toBe(429);
    t.sim.faults.clear();
    expect((await list()).status).toBe(200);
  });

  it('answers 500 / 502 / 503 / 504 like the service and its gateway', async () => {
    t.sim.faults.serverErrors({ count: 1, status: 500 });
    t.sim.faults.serverErrors({ count: 1, status: 502 });
    t.sim.faults.serverErrors({ count: 1, status: 503 });
    t.sim.faults.serverErrors({ count: 1, status: 504 });
    const r500 = await list();
    expect(r500.status).toBe(500);
    expect(r500.body).toEqual({ error_code: 'ModelArts.0010', error_msg: 'Internal error.' });
    const r502 = await list();
    expect(r502.status).toBe(502);
    expect(r502.headers['content-type']).toBe('text/html');
    expect(r502.text).toMatch(/502 Bad Gateway/);
    expect((await list()).body).toMatchObject({ error_code: 'APIG.0201' });
    const r504 = await list();
    expect(r504.status).toBe(504);
    expect((await list()).status).toBe(200);
  });

  it('a 5xx on create does not create anything', async () => {
    t.sim.faults.serverErrors({ count: 1 });
    expect((await create()).status).toBe(503);
    expect(t.sim.instances.count()).toBe(0);
  });

  it('slows answers down; the request is processed even when the client gives up (lost answer)', async () => {
    // Held back: a request that arrives after the delayed one is answered before it.
    t.sim.faults.delay({ ms: 10_000, count: 1 });
    const gaveUp = new AbortController();
    const held = api({ path: nb, signal: gaveUp.signal });
    await until(() => t.sim.stats.calls.list === 1);
    expect((await list()).status).toBe(200);
    expect(t.sim.stats.calls.list).toBe(2);
    expect(delayedAnswers()).toEqual([]);
    gaveUp.abort();
    await expect(held).rejects.toThrow();

    // Delayed, a create is still answered.
    t.sim.faults.delay({ ms: 400, count: 1, operations: ['create'] });
    await expect(create({}).then(() => 'answered')).resolves.toBe('answered');
    // The answer is held, the client gives up once the simulator has made the instance: it exists
    // though no answer ever came.
    t.sim.faults.delay({ ms: 10_000, count: 1, operations: ['create'] });
    const giveUp = new AbortController();
    const lost = simRequest(t.sim.url, {
      method: 'POST',
      path: nb,
      body: createBody({ name: 'lost-answer' }),
      date: new Date(t.clock.now()),
      signal: giveUp.signal,
    });
    await until(() => t.sim.instances.list().some((n) => n.name === 'lost-answer'));
    giveUp.abort();
    await expect(lost).rejects.toThrow();
    expect(delayedAnswers().filter((e) => e.path === nb && e.method === 'POST')).toHaveLength(1); // the 400 ms one
  });

  it('drops the connection before processing: nothing is created', async () => {
    t.sim.faults.dropConnections({ count: 1, operations: ['create'] });
    await expect(create()).rejects.toThrow();
    expect(t.sim.instances.count()).toBe(0);
    expect(t.sim.stats.byStatus['0']).toBe(1);
    expect((await create()).status).toBe(200);
  });

  it('drops the connection after processing: the instance exists although no answer came', async () => {
    t.sim.faults.dropConnections({ count: 1, operations: ['create'], afterProcessing: true });
    await expect(create({ name: 'no-answer' })).rejects.toThrow();
    expect(t.sim.instances.list().map((n) => n.name)).toEqual(['no-answer']);
  });
});

describe('simulator faults over the admin endpoints', () => {
  beforeEach(() => boot());

  it('arms, shows and clears faults over HTTP', async () => {
    expect((await admin('POST', '/faults/throttle', { count: 2, retryAfterSec: 5, operations: ['list'] })).status).toBe(
      200,
    );
    await admin('POST', '/faults/create-failures', { count: 1, reason: 'No capacity in AZ1.' });
    await admin('POST', '/faults/hang-starts', {});
    const snap = (await admin('GET', '/faults')).body as unknown as FaultsSnapshot;
    expect(snap).toMatchObject({
      createFailures: 1,
      hangStarts: 1,
      requestFaults: [{ kind: 'throttle', remaining: 2, retryAfterSec: 5, operations: ['list'] }],
    });
    const throttled = await list();
    expect(throttled.headers['retry-after']).toBe('5');

    const v = (await create()).body as NotebookView;
    t.clock.advance(CREATE_MS);
    expect(await show(v.id)).toMatchObject({ status: 'CREATE_FAILED', fail_reason: 'No capacity in AZ1.' });

    const cleared = (await admin('DELETE', '/faults')).body as unknown as FaultsSnapshot;
    expect(cleared).toEqual({
      createFailures: 0,
      startFailures: 0,
      deleteFailures: 0,
      hangCreates: 0,
      hangStarts: 0,
      requestFaults: [],
    });
    expect((await list()).status).toBe(200);
  });

  it('arms server errors, delays, drops and hangs over HTTP', async () => {
    await admin('POST', '/faults/server-errors', { count: 1, status: 502 });
    expect((await list()).status).toBe(502);
    await admin('POST', '/faults/delay', { ms: 100, count: 1 });
    expect((await list()).status).toBe(200);
    expect(t.sim.stats.log.at(-1)).toMatchObject({ operation: 'list', status: 200, fault: 'delay' });
    await admin('POST', '/faults/drop', { count: 1 });
    await expect(list()).rejects.toThrow();
    await admin('POST', '/faults/hang-creates', { count: 1 });
    const { id } = (await create()).body as NotebookView;
    t.clock.advance(TO_RUNNING_MS * 10);
    expect((await show(id)).status).toBe('CREATING');
  });

  it('rejects malformed fault bodies with SIM.0400', async () => {
    const res = await admin('POST', '/faults/throttle', { fraction: 2 });
    expect(res.status).toBe(400);
    expect(res.body).toMatchObject({ error_code: 'SIM.0400' });
    expect((await admin('POST', '/faults/delay', {})).status).toBe(400);
    expect((await admin('POST', '/faults/throttle', { operations: ['teleport'] })).status).toBe(400);
  });

  it('never faults the admin endpoints themselves', async () => {
    t.sim.faults.throttle({ forMs: 10_000 });
    t.sim.faults.dropConnections({ forMs: 10_000 });
    expect((await admin('GET', '/stats')).status).toBe(200);
  });
});
