import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { ManualClock } from '../src/clock.js';
import type { ModelArtsClient, ModelArtsClientOptions } from '../src/modelarts/client.js';
import {
  isNotFound,
  ModelArtsApiError,
  ModelArtsAuthError,
  ModelArtsConnectionError,
  ModelArtsServerError,
  ModelArtsTimeoutError,
} from '../src/modelarts/errors.js';
import {
  createSimulator,
  SIMULATOR_AK,
  SIMULATOR_DEFAULT_FLAVOR,
  SIMULATOR_DEFAULT_IMAGE_ID,
  SIMULATOR_IAM_USER,
  type Simulator,
} from '../src/simulator/index.js';
import { simulatorClient } from './support/stack.js';

// The client against the real simulator over loopback HTTP: every operation, its signature
// checks, its pagination, and its transport faults. Simulated time is a ManualClock shared by
// both sides, so lifecycles advance on demand and X-Sdk-Date stays within the allowed skew.

const HOUR = 3_600_000;
const MINUTE = 60_000;

let sim: Simulator;
let clock: ManualClock;
const clients: ModelArtsClient[] = [];

beforeAll(async () => {
  clock = new ManualClock(Date.now());
  sim = createSimulator({ clock });
  await sim.start();
});
afterAll(async () => {
  await sim.stop();
});
beforeEach(() => {
  sim.reset();
});
afterEach(async () => {
  await Promise.all(clients.splice(0).map((c) => c.close()));
});

function makeClient(overrides: Partial<ModelArtsClientOptions> = {}): { client: ModelArtsClient; sleeps: number[] } {
  const sleeps: number[] = [];
  const client = simulatorClient(sim, clock, {
    retryBaseMs: 1,
    random: () => 0,
    sleep: async (ms) => {
      sleeps.push(ms);
    },
    ...overrides,
  });
  clients.push(client);
  return { client, sleeps };
}

const createInput = (name: string) => ({
  name,
  flavor: SIMULATOR_DEFAULT_FLAVOR,
  image_id: SIMULATOR_DEFAULT_IMAGE_ID,
  volume: { category: 'evs', ownership: 'managed', capacity: 5 },
  lease: { duration: HOUR, type: 'timing' },
});

async function rejection(promise: Promise<unknown>): Promise<unknown> {
  try {
    await promise;
  } catch (err) {
    return err;
  }
  throw new Error('expected the call to fail');
}

describe('ModelArtsClient against the simulator', () => {
  it('drives a notebook through its whole life with every operation', async () => {
    const { client } = makeClient();

    const flavors = await client.listFlavors();
    expect(flavors.map((f) => f.id)).toContain(SIMULATOR_DEFAULT_FLAVOR);
    expect((await client.listFlavors({ category: 'cpu' })).every((f) => f.category === 'CPU')).toBe(true);
    const images = await client.listImages();
    expect(images.map((i) => i.id)).toContain(SIMULATOR_DEFAULT_IMAGE_ID);

    const created = await client.createNotebook(createInput('sim-life'));
    expect(created.id).toBeTruthy();
    expect(created.name).toBe('sim-life');
    const id = created.id;

    clock.advance(15 * MINUTE);
    expect(await client.showNotebook(id)).toMatchObject({ id, status: 'RUNNING' });

    const lease = await client.showLease(id);
    expect(lease.duration).toBe(HOUR);
    // RenewLease's duration counts from now; the answer still counts from create_at (15 min ago).
    const renewed = await client.renewLease(id, { duration: 2 * HOUR, type: 'timing' });
    expect(renewed).toMatchObject({ create_at: lease.create_at, duration: 2 * HOUR + 15 * MINUTE, type: 'TIMING' });
    expect(renewed.create_at! + renewed.duration!).toBe(clock.now() + 2 * HOUR);

    expect(Array.isArray(await client.listSwitchableFlavors(id))).toBe(true);

    const page = await client.listNotebooks({ limit: 10, name: 'sim-life' });
    expect(page.data.map((n) => n.id)).toEqual([id]);
    expect((await client.listAllNotebooks({ status: 'running' })).map((n) => n.id)).toContain(id);

    await client.stopNotebook(id);
    clock.advance(5 * MINUTE);
    expect(await client.showNotebook(id)).toMatchObject({ status: 'STOPPED' });

    expect(
      await client.updateNotebook(id, { name: 'sim-life-renamed', description: 'renamed by the test' }),
    ).toMatchObject({
      name: 'sim-life-renamed',
    });

    const started = await client.startNotebook(id, { duration: 2 * HOUR, type: 'timing' });
    expect(started.id).toBe(id);
    clock.advance(5 * MINUTE);
    expect(await client.showNotebook(id)).toMatchObject({ status: 'RUNNING' });

    await client.stopNotebook(id);
    clock.advance(5 * MINUTE);
    await client.deleteNotebook(id);
    clock.advance(5 * MINUTE);
    const gone = await rejection(client.showNotebook(id));
    expect(isNotFound(gone)).toBe(true);

    // Every request was signed correctly: the simulator authenticated each one with AK/SK.
    expect(sim.stats.log.every((e) => e.auth === 'aksk')).toBe(true);
  });

  it('surfaces the service errors with their codes', async () => {
    const { client } = makeClient();
    const missing = await rejection(client.showNotebook('00000000-0000-0000-0000-000000000000'));
    expect(isNotFound(missing)).toBe(true);

    const created = await client.createNotebook(createInput('sim-errors'));
    clock.advance(15 * MINUTE);
    const running = await rejection(client.deleteNotebook(created.id));
    expect(running).toBeInstanceOf(ModelArtsApiError);
    expect((running as ModelArtsApiError).errorCode).toMatch(/^ModelArts\./);
    expect((running as ModelArtsApiError).requestId).toBeTruthy();
  });

  it('speaks Huawei’s contract: every create field the form can send, pages ModelArts accepts, English messages', async () => {
    const { client } = makeClient();
    // The strict simulator refuses unknown keys, out-of-range enums and OBS volumes without their
    // DEW secret: a create with every field the create form can fill passes.
    const full = await client.createNotebook({
      ...createInput('sim-full'),
      description: 'every field',
      workspace_id: '0',
      endpoints: [{ service: 'ssh', key_pair_names: ['KeyPair-a'], allowed_access_ips: ['203.0.113.7'] }],
      hooks: { container_hooks: { post_start: { type: 'command', script: 'ZWNobyBoaQ==' } } },
    });
    expect(full.endpoints).toEqual([expect.objectContaining({ service: 'SSH', key_pair_names: ['KeyPair-a'] })]);
    await client.createNotebook({
      ...createInput('sim-obs'),
      volume: { category: 'obs', ownership: 'dedicated', uri: 'obs://bucket/dir/', dew_secret_name: 'obs-keys' },
    });
    // X-Language: en-us on every call, so the service explains itself in English.
    clock.advance(15 * MINUTE);
    const running = await rejection(client.deleteNotebook(full.id));
    expect(running).toBeInstanceOf(ModelArtsApiError);
    expect((running as ModelArtsApiError).message).not.toMatch(/[\u4e00-\u9fff]/);
    expect(sim.stats.calls.list).toBe(0);
    await client.listNotebooks({ limit: 50 });
    expect(sim.stats.calls.list).toBe(1);
  });

  it('walks every page of a long list', async () => {
    const { client } = makeClient();
    const ids = sim.instances.seed({ count: 230, namePrefix: 'paged' });
    const all = await client.listAllNotebooks({});
    expect(all).toHaveLength(ids.length);
    // 230 notebooks in pages of 50, the most ModelArts allows: 5 calls.
    expect(sim.stats.calls.list).toBe(5);
    expect(new Set(all.map((n) => n.id))).toEqual(new Set(ids));
  });

  it('lists notebook states: the same page as ListNotebooks, each notebook cut down to its state', async () => {
    const { client } = makeClient();
    sim.instances.seed({ count: 60, namePrefix: 'state', status: 'RUNNING' });
    const full = await client.listNotebooks({ status: 'RUNNING', limit: 50, offset: 0 });
    const states = await client.listNotebookStates({ status: 'RUNNING', limit: 50, offset: 0 });
    expect(states.total).toBe(60);
    expect(states.data.map((n) => n.id)).toEqual(full.data.map((n) => n.id));
    const [first, state] = [full.data[0], states.data[0]];
    // What operations use is kept, as ListNotebooks gave it…
    expect(state).toMatchObject({
      id: first?.id,
      name: first?.name,
      status: 'RUNNING',
      flavor: first?.flavor,
      lease: first?.lease,
      url: first?.url,
    });
    // …and the rest of the record (image, pool, endpoints, user…) is not copied.
    expect(first).toHaveProperty('image');
    // Only the state's own fields:
    expect(Object.keys(state ?? {}).sort()).toEqual(
      Object.keys(state ?? {})
        .filter((k) =>
          [
            'id',
            'name',
            'status',
            'flavor',
            'fail_reason',
            'action_progress',
            'lease',
            'token',
            'url',
            'volume',
            'workspace_id',
            'create_at',
          ].includes(k),
        )
        .sort(),
    );
    expect(state).not.toHaveProperty('image');
    expect(sim.stats.calls.list).toBe(2);
  });

  it('retries throttling honouring Retry-After, and 5xx on reads', async () => {
    const { client, sleeps } = makeClient();
    const { id } = await client.createNotebook(createInput('sim-throttle'));
    sim.faults.throttle({ count: 2, retryAfterSec: 3, operations: ['show'] });
    await expect(client.showNotebook(id)).resolves.toMatchObject({ id });
    expect(sleeps).toEqual([3000, 3000]);
    expect(sim.stats.calls.show).toBe(3);

    sim.faults.serverErrors({ count: 2, status: 502, operations: ['list'] });
    await expect(client.listNotebooks()).resolves.toMatchObject({ total: 1 });
    expect(sim.stats.calls.list).toBe(3);
  });

  it('never re-sends a create after a 5xx, a lost answer or a dropped connection', async () => {
    const { client } = makeClient();

    sim.faults.serverErrors({ count: 1, status: 500, operations: ['create'] });
    expect(await rejection(client.createNotebook(createInput('sim-c1')))).toBeInstanceOf(ModelArtsServerError);
    expect(sim.stats.calls.create).toBe(1);

    sim.faults.dropConnections({ count: 1, afterProcessing: true, operations: ['create'] });
    expect(await rejection(client.createNotebook(createInput('sim-c2')))).toBeInstanceOf(ModelArtsConnectionError);
    expect(sim.stats.calls.create).toBe(2);

    // A gateway throttle is safe to re-send: the service never saw it.
    sim.faults.throttle({ count: 1, retryAfterSec: 0, operations: ['create'] });
    await expect(client.createNotebook(createInput('sim-c3'))).resolves.toMatchObject({ name: 'sim-c3' });
    expect(sim.stats.calls.create).toBe(4);
  });

  it('leaves a timed-out create to be found by a lookup, not re-sent', async () => {
    const { client } = makeClient();
    // The simulator processes the create, then answers too late: the instance exists. Only the
    // create has a short timeout; the lookup keeps the default, ample on a loaded machine.
    sim.faults.delay({ count: 1, ms: 5000, operations: ['create'] });
    expect(await rejection(client.createNotebook(createInput('sim-lost'), { timeoutMs: 500 }))).toBeInstanceOf(
      ModelArtsTimeoutError,
    );
    expect(sim.stats.calls.create).toBe(1);
    const found = await client.listAllNotebooks({ name: 'sim-lost' });
    expect(found.map((n) => n.name)).toEqual(['sim-lost']);
  });

  it('does not retry a rejected signature', async () => {
    const { client } = makeClient({ auth: { kind: 'aksk', ak: SIMULATOR_AK, sk: 'not-the-simulator-secret-key' } });
    const err = await rejection(client.listNotebooks());
    expect(err).toBeInstanceOf(ModelArtsAuthError);
    expect(sim.stats.calls.list).toBe(1);
  });

  it('authenticates with one IAM token shared by concurrent calls', async () => {
    const { client } = makeClient({
      auth: {
        kind: 'iam',
        iamEndpoint: sim.url,
        user: SIMULATOR_IAM_USER.name,
        password: SIMULATOR_IAM_USER.password,
        domain: SIMULATOR_IAM_USER.domain,
      },
    });
    const results = await Promise.all(Array.from({ length: 10 }, () => client.listNotebooks()));
    expect(results).toHaveLength(10);
    expect(sim.stats.calls.iamToken).toBe(1);
    expect(sim.stats.log.filter((e) => e.operation === 'list').every((e) => e.auth === 'token')).toBe(true);
  });
});
