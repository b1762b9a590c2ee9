import { beforeEach, describe, expect, it } from 'vitest';
import {
  DEFAULT_TIMINGS,
  type NotebookView,
  SIMULATOR_DEFAULT_FLAVOR,
  SIMULATOR_DEFAULT_IMAGE_ID,
  SIMULATOR_PROJECT_ID,
} from '../src/simulator/index.js';
import type { SimRequestOptions, SimResponse } from '../src/simulator/signed-request.js';
import { NOTEBOOKS_PATH, simulatorUnderTest } from './support/simulator.js';

/**
 * The simulator refuses what Huawei would (docs/huawei-contract.md), in Huawei's error body, and
 * speaks Chinese to a client that forgets `X-Language: en-us`.
 */
const nb = NOTEBOOKS_PATH;
const t = simulatorUnderTest();
const { api } = t;
beforeEach(() => t.boot());

const body = (over: Record<string, unknown> = {}) => ({
  name: 'contract-nb',
  flavor: SIMULATOR_DEFAULT_FLAVOR,
  image_id: SIMULATOR_DEFAULT_IMAGE_ID,
  volume: { category: 'EVS', ownership: 'MANAGED', capacity: 5 },
  ...over,
});
const create = (over: Record<string, unknown> = {}, o: Partial<SimRequestOptions> = {}) =>
  api({ method: 'POST', path: nb, body: body(over), ...o });
const errorOf = (res: SimResponse) => res.body as { error_code: string; error_msg: string };

/** Expects HTTP 400 ModelArts.0104 whose message names `field`. */
function expectBadParameter(res: SimResponse, field: RegExp): void {
  expect(res.status).toBe(400);
  expect(errorOf(res).error_code).toBe('ModelArts.0104');
  expect(errorOf(res).error_msg).toMatch(field);
}

describe('simulator refuses what Huawei would', () => {
  it('refuses ListNotebooks limit=100 (only 10, 20 or 50)', async () => {
    const res = await api({ path: nb, query: { limit: 100 } });
    expectBadParameter(res, /limit: must be 10, 20 or 50, got 100/);
    expect(Object.keys(res.body as object).sort()).toEqual(['error_code', 'error_msg']);
  });

  it('refuses an unknown key in the create body, naming it', async () => {
    expectBadParameter(await create({ flavour: 'modelarts.vm.cpu.8u' }), /flavour: is not a known parameter/);
    expectBadParameter(
      await create({ volume: { category: 'EVS', ownership: 'MANAGED', size: 5 } }),
      /volume\.size: is not a known parameter/,
    );
    expectBadParameter(
      await create({ endpoints: [{ service: 'SSH', key_pair_names: ['kp'], ssh_keys: ['kp'] }] }),
      /endpoints\.0\.ssh_keys: is not a known parameter/,
    );
    expectBadParameter(await create({ lease: { duration: 3_600_000, hours: 1 } }), /lease\.hours/);
    expect(t.sim.instances.count()).toBe(0);
  });

  it('accepts every key of the SDK create body', async () => {
    const res = await create({
      description: 'all keys',
      feature: 'NOTEBOOK',
      workspace_id: '0',
      pool_id: 'pool-abcd',
      endpoints: [{ service: 'NOTEBOOK' }],
      hooks: { container_hooks: { post_start: { script: '/home/ma-user/start.sh', type: 'SCRIPT', mode: 'ASYNC' } } },
      lease: { duration: 7_200_000, type: 'timing' },
      affinity: {},
      run_user: {},
      data_volumes: [{ category: 'OBS', ownership: 'MANAGED', dew_secret_name: 'my-aksk', uri: 'obs://b/d/' }],
      user_vpc: {},
      public_network_config: {},
      custom_spec: {},
      tags: [{ key: 'team', value: 'ml' }],
    });
    expect(res.status).toBe(200);
    const v = res.body as NotebookView;
    expect(v.tags).toEqual([{ key: 'team', value: 'ml' }]);
    expect(v.data_volumes).toEqual([
      expect.objectContaining({ category: 'OBS', dew_secret_name: 'my-aksk', uri: 'obs://b/d/' }),
    ]);
  });

  it('refuses an OBS volume without dew_secret_name (model_volume_mount_request.go: required for OBS)', async () => {
    const res = await create({ volume: { category: 'OBS', ownership: 'MANAGED', uri: 'obs://bucket/dir/' } });
    expectBadParameter(res, /volume\.dew_secret_name: is required/);
    const ok = await create({
      volume: { category: 'OBS', ownership: 'MANAGED', uri: 'obs://bucket/dir/', dew_secret_name: 'team-aksk' },
    });
    expect(ok.status).toBe(200);
    expect((ok.body as NotebookView).volume).toMatchObject({
      category: 'OBS',
      uri: 'obs://bucket/dir/',
      dew_secret_name: 'team-aksk',
    });
  });

  it('checks the other volume rules: uri and id of dedicated storage, OBS paths, DEDICATED only for EFS/OBS', async () => {
    expectBadParameter(
      await create({ volume: { category: 'EFS', ownership: 'DEDICATED' } }),
      /volume\.uri: is required/,
    );
    expectBadParameter(
      await create({ volume: { category: 'EFS', ownership: 'DEDICATED', uri: 'sfs://share' } }),
      /volume\.id: is required/,
    );
    expectBadParameter(
      await create({
        volume: { category: 'OBS', ownership: 'MANAGED', uri: 'https://bucket', dew_secret_name: 'k' },
      }),
      /volume\.uri: must be an OBS path/,
    );
    expectBadParameter(await create({ volume: { category: 'EVS', ownership: 'DEDICATED' } }), /volume\.ownership/);
    expectBadParameter(await create({ volume: { category: 'EVS' } }), /volume\.ownership: is required/);
    expectBadParameter(await create({ volume: undefined }), /volume: is required/);
    const efs = await create({
      volume: {
        category: 'EFS',
        ownership: 'DEDICATED',
        uri: '192.168.0.169:/',
        id: '280a8bd5-03e2-4a5c-bea1-83d81e75bc53',
      },
    });
    expect(efs.status).toBe(200);
  });

  it('names every problem of one body in one answer', async () => {
    const res = await create({ name: 'bad name', feature: 'FREE', duration: 60_000, workspace_id: 'ws' });
    expectBadParameter(res, /name: .*; feature: .*; workspace_id: .*; duration: /);
  });

  it('refuses enums out of range and wrong types', async () => {
    expectBadParameter(await create({ endpoints: [{ service: 'HTTP' }] }), /endpoints\.0\.service/);
    expectBadParameter(
      await create({ endpoints: [{ service: 'ssh', key_pair_names: ['k'] }] }),
      /endpoints\.0\.service/,
    );
    expectBadParameter(await create({ lease: { type: 'sometimes' } }), /lease\.type/);
    expectBadParameter(
      await create({ hooks: { container_hooks: { pre_start: { script: 'x', type: 'INLINE' } } } }),
      /hooks\.container_hooks\.pre_start\.type/,
    );
    expectBadParameter(await create({ volume: { category: 'EVS', ownership: 'MANAGED', capacity: '50' } }), /capacity/);
    expectBadParameter(
      await create({ endpoints: [{ allowed_access_ips: ['1', '2', '3', '4', '5', '6'] }] }),
      /at most 5/,
    );
    expectBadParameter(await api({ method: 'POST', path: nb, body: [] }), /must be a JSON object/);
  });

  it('refuses bad update bodies (model_notebook_update_request.go)', async () => {
    const v = (await create()).body as NotebookView;
    const put = (b: unknown) => api({ method: 'PUT', path: `${nb}/${v.id}`, body: b });
    expectBadParameter(await put({ volume: { capacity: 10 } }), /volume: is not a known parameter/);
    expectBadParameter(await put({ storage_new_size: 5000 }), /storage_new_size/);
    expect((await put({ name: 'renamed', description: 'ok' })).status).toBe(200);
  });
});

describe('simulator language (X-Language)', () => {
  it('answers error_msg in Chinese when X-Language is missing, with the same error_code', async () => {
    const zh = await api({ path: nb, query: { limit: 100 }, language: null });
    expect(zh.status).toBe(400);
    expect(errorOf(zh).error_code).toBe('ModelArts.0104');
    expect(errorOf(zh).error_msg).toMatch(/^参数错误。limit：取值必须为10、20或50/);
    const en = await api({ path: nb, query: { limit: 100 } });
    expect(errorOf(en).error_msg).toMatch(/^Parameter error\. limit: must be 10, 20 or 50/);
  });

  it('zh-cn is Chinese, en-us (any case) English', async () => {
    const missing = `${nb}/00000000-0000-0000-0000-000000000000`;
    const zh = await api({ path: missing, language: 'zh-cn' });
    expect(zh.body).toEqual({
      error_code: 'ModelArts.6404',
      error_msg: 'Notebook实例00000000-0000-0000-0000-000000000000不存在。',
    });
    const en = await api({ path: missing, language: 'EN-US' });
    expect(errorOf(en).error_msg).toBe('The notebook instance 00000000-0000-0000-0000-000000000000 does not exist.');
  });

  it('localises state errors too (ModelArts.6305)', async () => {
    const v = (await create()).body as NotebookView;
    t.clock.advance(DEFAULT_TIMINGS.createSteps.reduce((a, b) => a + b, 0) + DEFAULT_TIMINGS.createStarting);
    const zh = await api({ method: 'POST', path: `${nb}/${v.id}/start`, language: null });
    expect(zh.body).toEqual({ error_code: 'ModelArts.6305', error_msg: '实例已在运行中。' });
  });

  it('writes fail_reason and step descriptions in Chinese without the header', async () => {
    t.sim.faults.failNextCreates(1);
    const v = (await create()).body as NotebookView;
    t.clock.advance(DEFAULT_TIMINGS.createSteps[0] + DEFAULT_TIMINGS.createSteps[1]);
    const zh = (await api({ path: `${nb}/${v.id}`, language: null })).body as NotebookView;
    expect(zh.status).toBe('CREATE_FAILED');
    expect(zh.fail_reason).toBe(`规格${SIMULATOR_DEFAULT_FLAVOR}资源不足，请更换规格或稍后重试。`);
    expect(zh.action_progress[0]!.step_description).toBe('存储准备完成');
    expect(zh.action_progress[1]!.step_description).toMatch(/^正在准备计算资源失败：/);
    const en = (await api({ path: `${nb}/${v.id}` })).body as NotebookView;
    expect(en.fail_reason).toMatch(/^Insufficient resources for flavor/);
    expect(en.action_progress[0]!.step_description).toBe('Storage prepared');
    // The list speaks the same language as the header.
    const list = (await api({ path: nb, language: null })).body as { data: NotebookView[] };
    expect(list.data[0]!.fail_reason).toMatch(/资源不足/);
  });

  it('keeps API Gateway answers in English (the gateway answers before ModelArts reads the header)', async () => {
    const res = await api({ path: nb, sk: 'wrong', language: null });
    expect(res.status).toBe(401);
    expect(errorOf(res)).toEqual({
      error_code: 'APIG.0301',
      error_msg: 'Incorrect IAM authentication information: verify aksk signature fail',
    });
  });

  it('localises the wrong-project answer (ModelArts.6407)', async () => {
    const res = await api({ path: `/v1/${'f'.repeat(32)}/notebooks`, language: null });
    expect(res.status).toBe(403);
    expect(errorOf(res).error_msg).toMatch(/无权访问/);
    expect(SIMULATOR_PROJECT_ID).not.toBe('f'.repeat(32));
  });
});
