import { beforeEach, describe, expect, it } from 'vitest';
import {
  DEFAULT_TIMINGS,
  DEFAULT_USER,
  type NotebookView,
  SIMULATOR_ASCEND_IMAGE_ID,
  SIMULATOR_DEFAULT_FLAVOR,
  SIMULATOR_DEFAULT_IMAGE_ID,
  SIMULATOR_GPU_IMAGE_ID,
  SIMULATOR_PROJECT_ID,
  type SimFlavor,
  type SimImage,
} from '../src/simulator/index.js';
import type { SimResponse } from '../src/simulator/signed-request.js';
import { NOTEBOOKS_PATH, simulatorUnderTest } from './support/simulator.js';

const pid = SIMULATOR_PROJECT_ID;
const nb = NOTEBOOKS_PATH;
const t = simulatorUnderTest();
const { api, boot } = t;
const body = (over: Record<string, unknown> = {}) => ({
  name: 'api-nb',
  flavor: SIMULATOR_DEFAULT_FLAVOR,
  image_id: SIMULATOR_DEFAULT_IMAGE_ID,
  volume: { category: 'EVS', ownership: 'MANAGED', capacity: 5 },
  ...over,
});
const create = (over: Record<string, unknown> = {}) => api({ method: 'POST', path: nb, body: body(over) });
const errorOf = (res: SimResponse) => res.body as { error_code: string; error_msg: string };

describe('simulator create validation', () => {
  beforeEach(() => boot());

  it('accepts lowercase volume enums like the CreateNotebook example, and answers the SDK shape', async () => {
    const res = await create({ feature: 'NOTEBOOK', volume: { category: 'evs', ownership: 'managed', capacity: 50 } });
    expect(res.status).toBe(200);
    const v = res.body as NotebookView & Record<string, unknown>;
    expect(v).toMatchObject({
      status: 'CREATING',
      feature: 'NOTEBOOK',
      volume: { category: 'EVS', ownership: 'MANAGED', capacity: 50, mount_path: '/home/ma-user/work/' },
      user: DEFAULT_USER,
      user_id: DEFAULT_USER.id,
      lease: { create_at: t.clock.now(), duration: 3_600_000, enable: true, type: 'TIMING' },
    });
    // model_notebook_resp.go has no top-level create_at / update_at: the created time is lease.create_at.
    expect(v).not.toHaveProperty('create_at');
    expect(v).not.toHaveProperty('update_at');
    expect(v).not.toHaveProperty('hooks');
  });

  it.each([
    ['a missing flavor', { flavor: undefined }, /flavor/],
    ['a bad name', { name: 'has space' }, /name/],
    ['a tiny volume', { volume: { category: 'EVS', ownership: 'MANAGED', capacity: 1 } }, /volume\.capacity/],
    ['an unknown storage category', { volume: { category: 'floppy', ownership: 'MANAGED' } }, /volume\.category/],
    ['a lease of 10 minutes', { lease: { duration: 600_000 } }, /lease\.duration/],
    ['a description with <', { description: '<b>' }, /description/],
    ['a lowercase feature (the SDK enum is exact)', { feature: 'notebook' }, /feature/],
  ])('rejects %s with ModelArts.0104 naming the field', async (_label, over, field) => {
    const res = await create(over);
    expect(res.status).toBe(400);
    expect(errorOf(res).error_code).toBe('ModelArts.0104');
    expect(errorOf(res).error_msg).toMatch(field);
  });

  it('rejects a body that is not JSON with ModelArts.0104', async () => {
    const res = await api({ method: 'POST', path: nb, body: '{nope' });
    expect(errorOf(res).error_code).toBe('ModelArts.0104');
  });

  it('rejects an unknown flavor and an unknown image with ModelArts.6400', async () => {
    const f = await create({ flavor: 'modelarts.vm.cpu.64u' });
    expect(f.status).toBe(400);
    expect(errorOf(f)).toMatchObject({ error_code: 'ModelArts.6400' });
    expect(errorOf(f).error_msg).toMatch(/modelarts\.vm\.cpu\.64u/);
    const i = await create({ image_id: '00000000-1111-2222-3333-444444444444' });
    expect(errorOf(i)).toMatchObject({ error_code: 'ModelArts.6400' });
    expect(errorOf(i).error_msg).toMatch(/Image/);
  });

  it('rejects an image that does not run on the flavor (Ascend image on x86 CPU)', async () => {
    const res = await create({ image_id: SIMULATOR_ASCEND_IMAGE_ID });
    expect(errorOf(res).error_code).toBe('ModelArts.0104');
    expect(errorOf(res).error_msg).toMatch(/does not run on flavor/);
  });

  it('accepts GPU and Ascend combinations', async () => {
    expect((await create({ flavor: 'modelarts.vm.gpu.t4u8', image_id: SIMULATOR_GPU_IMAGE_ID })).status).toBe(200);
    expect((await create({ flavor: 'modelarts.vm.snt9b.xlarge.1', image_id: SIMULATOR_ASCEND_IMAGE_ID })).status).toBe(
      200,
    );
  });

  it('allows duplicate names, as the real API does', async () => {
    const a = (await create({ name: 'same' })).body as NotebookView;
    const b = (await create({ name: 'same' })).body as NotebookView;
    expect(a.id).not.toBe(b.id);
    expect(t.sim.instances.count()).toBe(2);
  });

  it('needs key pairs for an SSH endpoint and echoes the endpoint with key_pair_names', async () => {
    const bad = await create({ endpoints: [{ service: 'SSH' }] });
    expect(errorOf(bad).error_msg).toMatch(/endpoints\.0\.key_pair_names/);
    const ok = (
      await create({ endpoints: [{ service: 'SSH', key_pair_names: ['kp-1'], allowed_access_ips: ['203.0.113.7'] }] })
    ).body as NotebookView;
    // model_endpoints_res.go: key_pair_names, no ssh_keys.
    expect(ok.endpoints).toEqual([
      { service: 'SSH', dev_service: 'SSH', key_pair_names: ['kp-1'], allowed_access_ips: ['203.0.113.7'] },
    ]);
  });

  it('one free DEFAULT instance per user: the second gets ModelArts.0113', async () => {
    const free = { feature: 'DEFAULT', flavor: 'modelarts.vm.cpu.free' };
    expect((await create(free)).status).toBe(200);
    const second = await create(free);
    expect(errorOf(second).error_code).toBe('ModelArts.0113');
    expect(errorOf(await create({ flavor: 'modelarts.vm.cpu.free' })).error_code).toBe('ModelArts.0104');
  });

  it('records the pool of a dedicated-pool instance', async () => {
    const v = (await create({ pool_id: 'pool-0123456789ab', workspace_id: 'a'.repeat(32) })).body as NotebookView;
    expect(v.pool).toEqual({ id: 'pool-0123456789ab', name: 'pool-pool-012' });
    expect(v.workspace_id).toBe('a'.repeat(32));
  });
});

describe('simulator quota', () => {
  it('answers ModelArts.6302 beyond maxInstances; deleting frees a place once the deletion ends', async () => {
    await boot({ maxInstances: 2 });
    const a = (await create()).body as NotebookView;
    await create();
    const third = await create();
    expect(third.status).toBe(400);
    expect(errorOf(third)).toEqual({
      error_code: 'ModelArts.6302',
      error_msg: 'The instance count already reaches the maximum value.',
    });
    await api({ method: 'DELETE', path: `${nb}/${a.id}` });
    expect(errorOf(await create()).error_code).toBe('ModelArts.6302');
    t.clock.advance(DEFAULT_TIMINGS.delete);
    expect((await create()).status).toBe(200);
  });

  it('can answer with ModelArts.0113 instead', async () => {
    await boot({ maxInstances: 0, quotaErrorCode: 'ModelArts.0113' });
    expect(errorOf(await create())).toMatchObject({ error_code: 'ModelArts.0113' });
  });
});

describe('simulator list', () => {
  beforeEach(async () => {
    await boot();
    t.sim.instances.seed({ count: 25, status: 'RUNNING', namePrefix: 'alpha' });
    t.sim.instances.seed({ count: 5, status: 'STOPPED', namePrefix: 'Beta', workspaceId: 'b'.repeat(32) });
    t.sim.instances.seed({ count: 3, status: 'CREATE_FAILED', namePrefix: 'gamma', poolId: 'pool-x' });
  });
  const list = (query: Record<string, string | number> = {}) => api({ path: nb, query });

  it('defaults to 10 per page, offset 0, newest first, in the SDK list shape', async () => {
    const res = await list();
    expect(res.status).toBe(200);
    const page = res.body as { current: number; pages: number; size: number; total: number; data: NotebookView[] };
    expect(page).toMatchObject({ current: 0, pages: 4, size: 10, total: 33 });
    expect(page.data).toHaveLength(10);
    expect(page.data[0]!.name).toBe('gamma-2');
    const creates = page.data.map((n) => n.lease.create_at);
    expect([...creates].sort((a, b) => b - a)).toEqual(creates);
  });

  it('treats offset as a record offset (Terraform advances it by the items returned)', async () => {
    const seen: string[] = [];
    const currents: number[] = [];
    let offset = 0;
    for (;;) {
      const page = (await list({ limit: 10, offset })).body as { current: number; data: NotebookView[] };
      currents.push(page.current);
      seen.push(...page.data.map((n) => n.id));
      if (page.data.length < 10) break;
      offset += page.data.length;
    }
    expect(seen).toHaveLength(33);
    expect(new Set(seen).size).toBe(33);
    expect(currents).toEqual([0, 1, 2, 3]);
    // An offset inside a page starts there, not at a page boundary.
    const shifted = (await list({ limit: 10, offset: 5 })).body as { data: NotebookView[] };
    expect(shifted.data.map((n) => n.id)).toEqual(seen.slice(5, 15));
    const end = (await list({ limit: 20, offset: 30 })).body as { data: NotebookView[] };
    expect(end.data).toHaveLength(3);
  });

  it('takes limit 10, 20 or 50 only', async () => {
    for (const limit of [10, 20, 50]) {
      expect(((await list({ limit })).body as { size: number }).size).toBe(limit);
    }
    for (const limit of [5, 30, 100, 1000]) {
      const res = await list({ limit });
      expect(res.status, `limit=${limit}`).toBe(400);
      expect(errorOf(res).error_code).toBe('ModelArts.0104');
      expect(errorOf(res).error_msg).toMatch(/limit/);
    }
  });

  it('filters by name (substring, any case), status, workspace_id / workspaceId, pool_id, feature, owner, id', async () => {
    const total = async (q: Record<string, string>) => ((await list(q)).body as { total: number }).total;
    expect(await total({ name: 'ETA' })).toBe(5);
    expect(await total({ name: 'alpha-1' })).toBe(11);
    expect(await total({ status: 'STOPPED' })).toBe(5);
    expect(await total({ workspace_id: 'b'.repeat(32) })).toBe(5);
    expect(await total({ workspaceId: 'b'.repeat(32) })).toBe(5);
    expect(await total({ pool_id: 'pool-x' })).toBe(3);
    expect(await total({ feature: 'DEFAULT' })).toBe(0);
    const first = t.sim.instances.list()[0]!;
    expect(await total({ owner: first.user.id })).toBe(33);
    expect(await total({ owner: 'f'.repeat(32) })).toBe(0);
    expect(await total({ username: first.user.name })).toBe(33);
    expect(await total({ id: first.id })).toBe(1);
    expect(await total({ flavor: 'cpu.2u' })).toBe(33);
  });

  it('sorts by sort_key / sort_dir and rejects unknown keys with ModelArts.6303', async () => {
    const all: NotebookView[] = [];
    for (let offset = 0; offset < 33; offset += 50) {
      all.push(
        ...((await list({ sort_key: 'name', sort_dir: 'ASC', limit: 50, offset })).body as { data: NotebookView[] })
          .data,
      );
    }
    const names = all.map((n) => n.name);
    expect(names).toEqual([...names].sort());
    expect(names[0]).toBe('Beta-0');
    const oldest = (await list({ sort_dir: 'ASC' })).body as { data: NotebookView[] };
    expect(oldest.data[0]!.name).toBe('alpha-0');
    const bad = await list({ sort_key: 'flavour' });
    expect(errorOf(bad).error_code).toBe('ModelArts.6303');
  });

  it('rejects malformed paging and filters with ModelArts.0104 (enums exact, one status at a time)', async () => {
    for (const q of [
      { limit: 'ten' },
      { limit: 0 },
      { offset: -1 },
      { status: 'SLEEPING' },
      { status: 'stopped' },
      { status: 'RUNNING,STOPPED' },
      { feature: 'notebook' },
      { sort_dir: 'asc' },
      { owner: 'someone-else' },
    ]) {
      const res = await list(q);
      expect(errorOf(res).error_code, JSON.stringify(q)).toBe('ModelArts.0104');
      expect(errorOf(res).error_msg).toMatch(new RegExp(Object.keys(q)[0]!));
    }
  });

  it('reflects lazy state changes: seeded leases that ended show as stopped', async () => {
    await boot();
    t.sim.instances.seed({ count: 4, lease: { duration: 3_600_000, elapsedMs: [0, 3_000_000] } });
    t.clock.advance(600_000 + DEFAULT_TIMINGS.stop);
    const stopped = (await list({ status: 'STOPPED' })).body as { total: number };
    expect(stopped.total).toBe(1);
  });
});

describe('simulator update', () => {
  beforeEach(() => boot());

  async function runningNotebook(): Promise<NotebookView> {
    const v = (await create()).body as NotebookView;
    t.clock.advance(DEFAULT_TIMINGS.createSteps.reduce((a, b) => a + b, 0) + DEFAULT_TIMINGS.createStarting);
    return v;
  }
  const put = (id: string, b: unknown) => api({ method: 'PUT', path: `${nb}/${id}`, body: b });

  it('renames and describes at any time', async () => {
    const v = await runningNotebook();
    const res = await put(v.id, { name: 'renamed', description: 'new words' });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ name: 'renamed', description: 'new words', status: 'RUNNING' });
  });

  it('changes the flavor only when STOPPED', async () => {
    const v = await runningNotebook();
    const refused = await put(v.id, { flavor: 'modelarts.vm.cpu.8u' });
    expect(refused.status).toBe(400);
    expect(errorOf(refused).error_msg).toMatch(/stop it first/);
    await api({ method: 'POST', path: `${nb}/${v.id}/stop` });
    t.clock.advance(DEFAULT_TIMINGS.stop);
    const ok = await put(v.id, { flavor: 'modelarts.vm.cpu.8u' });
    expect(ok.body).toMatchObject({ flavor: 'modelarts.vm.cpu.8u' });
    expect(errorOf(await put(v.id, { flavor: 'modelarts.vm.nope' })).error_code).toBe('ModelArts.6400');
    expect(errorOf(await put(v.id, { image_id: SIMULATOR_ASCEND_IMAGE_ID })).error_code).toBe('ModelArts.0104');
  });

  it('grows EVS storage with volume.status RESIZING for a while', async () => {
    const v = await runningNotebook();
    const res = (await put(v.id, { storage_new_size: 20 })).body as NotebookView;
    expect(res.volume).toMatchObject({ capacity: 20, status: 'RESIZING' });
    t.clock.advance(DEFAULT_TIMINGS.resize);
    const after = (await api({ path: `${nb}/${v.id}` })).body as NotebookView;
    expect(after.volume.status).toBeUndefined();
    expect(errorOf(await put(v.id, { storage_new_size: 10 })).error_code).toBe('ModelArts.0104');
  });
});

describe('simulator catalog', () => {
  beforeEach(() => boot());

  it('lists flavors under data with the documented fields; some sold out, one free; filters by category', async () => {
    const res = await api({ path: `${nb}/flavors` });
    expect(res.status).toBe(200);
    const body = res.body as { data: SimFlavor[]; total: number; current: number; size: number };
    // Terraform's notebook_flavors data source reads `data` (data_source_huaweicloud_modelarts_notebook_flavors.go).
    expect(body).not.toHaveProperty('flavors');
    const all = body.data;
    expect(body.total).toBe(all.length);
    expect(all.filter((f) => f.free).map((f) => f.id)).toEqual(['modelarts.vm.cpu.free']);
    expect(all.some((f) => f.sold_out)).toBe(true);
    expect(new Set(all.map((f) => f.category))).toEqual(new Set(['CPU', 'GPU', 'ASCEND']));
    expect(all.find((f) => f.category === 'ASCEND')).toMatchObject({
      arch: 'AARCH64',
      ascend: { type: 'ascend-snt9b' },
    });
    expect(all.find((f) => f.id === 'modelarts.vm.gpu.v100')).toMatchObject({
      gpu: { gpu: 1, gpu_memory: '32', type: 'V100' },
      billing: { code: 'modelarts.vm.gpu.v100', unit_num: 1 },
    });

    const gpus = (await api({ path: `${nb}/flavors`, query: { category: 'GPU' } })).body as { data: SimFlavor[] };
    expect(gpus.data.length).toBeGreaterThan(0);
    expect(gpus.data.every((f) => f.category === 'GPU')).toBe(true);
    expect(errorOf(await api({ path: `${nb}/flavors`, query: { category: 'gpu' } })).error_code).toBe('ModelArts.0104');
    // offset is a record offset here too.
    const paged = (await api({ path: `${nb}/flavors`, query: { limit: 2, offset: 1 } })).body as { data: SimFlavor[] };
    expect(paged.data.map((f) => f.id)).toEqual(all.slice(1, 3).map((f) => f.id));
    const dedicated = (await api({ path: `${nb}/flavors`, query: { type: 'DEDICATED' } })).body as { total: number };
    expect(dedicated.total).toBe(0);
  });

  it('lists switchable flavors under flavors (same arch, runs its image, not the current one)', async () => {
    const v = (await create()).body as NotebookView;
    const res = (await api({ path: `${nb}/${v.id}/flavors` })).body as { flavors: SimFlavor[] };
    // golangsdk results.go flavorResp reads only `flavors`.
    expect(res).not.toHaveProperty('data');
    const ids = res.flavors.map((f) => f.id);
    expect(ids).toContain('modelarts.vm.cpu.8u');
    expect(ids).not.toContain(SIMULATOR_DEFAULT_FLAVOR);
    expect(ids).not.toContain('modelarts.vm.cpu.free');
    expect(res.flavors.every((f) => f.arch === 'X86_64' && f.category === 'CPU')).toBe(true);
  });

  it('lists BUILD_IN images by default (x86 and aarch64) with the documented fields', async () => {
    const res = await api({ path: `/v1/${pid}/images` });
    expect(res.status).toBe(200);
    const page = res.body as { current: number; size: number; total: number; data: SimImage[] };
    expect(page).toMatchObject({ current: 0, size: 200 });
    const images = page.data;
    // model_list_image_request.go: type defaults to BUILD_IN.
    expect(images.every((i) => i.type === 'BUILD_IN')).toBe(true);
    expect(new Set(images.map((i) => i.arch))).toEqual(new Set(['X86_64', 'AARCH64']));
    for (const i of images) {
      expect(i.resource_categories.length).toBeGreaterThan(0);
      expect(i.support_res_categories).toEqual(i.resource_categories);
      expect(i.dev_services).toContain('NOTEBOOK');
      expect(i.create_at).toBeGreaterThan(Date.UTC(2020, 0, 1));
    }
    // name_fuzzy_match defaults to true; false asks for the exact name.
    const fuzzy = (await api({ path: `/v1/${pid}/images`, query: { name: 'pytorch' } })).body as { data: SimImage[] };
    expect(fuzzy.data.length).toBeGreaterThanOrEqual(3);
    const exact = (
      await api({
        path: `/v1/${pid}/images`,
        query: { name: 'notebook2.0-mul-kernel-cpu-cp36', name_fuzzy_match: 'false' },
      })
    ).body as { data: SimImage[] };
    expect(exact.data.map((i) => i.id)).toEqual([SIMULATOR_DEFAULT_IMAGE_ID]);
    const none = (await api({ path: `/v1/${pid}/images`, query: { name: 'pytorch', name_fuzzy_match: 'false' } }))
      .body as { total: number };
    expect(none.total).toBe(0);
    const paged = (await api({ path: `/v1/${pid}/images`, query: { limit: 2, offset: 1 } })).body as {
      data: SimImage[];
    };
    expect(paged.data.map((i) => i.id)).toEqual(images.slice(1, 3).map((i) => i.id));
    expect(errorOf(await api({ path: `/v1/${pid}/images`, query: { type: 'dedicated' } })).error_code).toBe(
      'ModelArts.0104',
    );
  });

  it("shows a team's DEDICATED image only with type=DEDICATED, and it runs on common flavors", async () => {
    const res = (await api({ path: `/v1/${pid}/images`, query: { type: 'DEDICATED' } })).body as { data: SimImage[] };
    expect(res.data).toHaveLength(1);
    const custom = res.data[0]!;
    expect(custom).toMatchObject({ type: 'DEDICATED', visibility: 'PRIVATE', origin: 'IMAGE_SAVE' });
    for (const flavor of [SIMULATOR_DEFAULT_FLAVOR, 'modelarts.vm.cpu.8u', 'modelarts.vm.gpu.t4u8']) {
      const created = await create({ flavor, image_id: custom.id });
      expect(created.status, flavor).toBe(200);
      expect((created.body as NotebookView).image).toMatchObject({ id: custom.id, type: 'DEDICATED' });
    }
  });

  it('can leave the DEDICATED image out', async () => {
    await boot({ dedicatedImage: false });
    const res = (await api({ path: `/v1/${pid}/images`, query: { type: 'DEDICATED' } })).body as { total: number };
    expect(res.total).toBe(0);
  });
});
