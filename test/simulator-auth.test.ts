import { request } from 'undici';
import { beforeEach, describe, expect, it } from 'vitest';
import { SIMULATOR_AK, SIMULATOR_IAM_USER, SIMULATOR_PROJECT_ID, SIMULATOR_REGION } from '../src/simulator/index.js';
import { NOTEBOOKS_PATH, simulatorUnderTest } from './support/simulator.js';

const pid = SIMULATOR_PROJECT_ID;
const t = simulatorUnderTest();
const { api } = t;
const listPath = NOTEBOOKS_PATH;

function tokenBody(password: string = SIMULATOR_IAM_USER.password, project: Record<string, string> = { id: pid }) {
  return {
    auth: {
      identity: {
        methods: ['password'],
        password: {
          user: { name: SIMULATOR_IAM_USER.name, password, domain: { name: SIMULATOR_IAM_USER.domain } },
        },
      },
      scope: { project },
    },
  };
}

beforeEach(() => t.boot({ skewReference: 'clock' }));

describe('simulator AK/SK signatures', () => {
  it('accepts a correctly signed request and answers with an X-Request-Id', async () => {
    const res = await api({ path: listPath, query: { limit: 20, name: 'a b/c' } });
    expect(res.status).toBe(200);
    expect(res.headers['x-request-id']).toMatch(/^[0-9a-f]{32}$/);
    expect(res.body).toMatchObject({ current: 0, data: [], total: 0 });
  });

  it('rejects a wrong SK with APIG.0301 and the gateway message', async () => {
    const res = await api({ path: listPath, sk: 'not-the-secret' });
    expect(res.status).toBe(401);
    expect(res.body).toEqual({
      error_code: 'APIG.0301',
      error_msg: 'Incorrect IAM authentication information: verify aksk signature fail',
    });
    expect(res.headers['x-request-id']).toMatch(/^[0-9a-f]{32}$/);
  });

  it('rejects an unknown AK', async () => {
    const res = await api({ path: listPath, ak: 'UNKNOWNACCESSKEY0000' });
    expect(res.status).toBe(401);
    expect(res.body).toMatchObject({ error_code: 'APIG.0301' });
  });

  it('rejects a query changed after signing', async () => {
    const res = await api({
      path: listPath,
      query: { limit: 10 },
      tamper: (w) => {
        w.query = 'limit=50';
      },
    });
    expect(res.status).toBe(401);
    expect(res.body).toMatchObject({ error_code: 'APIG.0301' });
  });

  it('signs the X-Language header the helper sends: changing it after signing fails', async () => {
    const res = await api({
      path: listPath,
      tamper: (w) => {
        w.headers['X-Language'] = 'zh-cn';
      },
    });
    expect(res.status).toBe(401);
    expect(res.body).toMatchObject({ error_code: 'APIG.0301' });
  });

  it('rejects a body changed after signing', async () => {
    const res = await api({
      method: 'POST',
      path: listPath,
      body: { name: 'a' },
      tamper: (w) => {
        w.body = JSON.stringify({ name: 'b' });
      },
    });
    expect(res.status).toBe(401);
  });

  it('rejects X-Sdk-Date more than 15 minutes off with APIG.0303, and accepts 14 minutes', async () => {
    const late = await api({ path: listPath, date: new Date(t.clock.now() - 16 * 60_000) });
    expect(late.status).toBe(401);
    expect(late.body).toMatchObject({ error_code: 'APIG.0303' });
    const early = await api({ path: listPath, date: new Date(t.clock.now() + 16 * 60_000) });
    expect(early.body).toMatchObject({ error_code: 'APIG.0303' });
    const ok = await api({ path: listPath, date: new Date(t.clock.now() - 14 * 60_000) });
    expect(ok.status).toBe(200);
  });

  it('follows the injected clock for skew: an hour later, a wall-clock signature is expired', async () => {
    t.clock.advance(3_600_000);
    const res = await api({ path: listPath, date: new Date() });
    expect(res.body).toMatchObject({ error_code: 'APIG.0303' });
  });

  it('requires host and x-sdk-date among the signed headers', async () => {
    const res = await api({
      path: listPath,
      tamper: (w) => {
        w.headers['Authorization'] = w.headers['Authorization']!.replace(
          /SignedHeaders=[^,]+/,
          'SignedHeaders=content-type',
        );
      },
    });
    expect(res.status).toBe(401);
    expect((res.body as { error_msg: string }).error_msg).toMatch(/host and x-sdk-date/);
  });

  it('answers a request without credentials with 401', async () => {
    const res = await api({ path: listPath, unsigned: true });
    expect(res.status).toBe(401);
    expect(res.body).toMatchObject({ error_code: 'APIG.0301' });
  });

  it('locks the AK after 5 consecutive bad signatures, until 5 minutes pass', async () => {
    for (let i = 0; i < 5; i++) await api({ path: listPath, sk: 'wrong' });
    const locked = await api({ path: listPath });
    expect(locked.status).toBe(401);
    expect((locked.body as { error_msg: string }).error_msg).toMatch(/locked/);
    t.clock.advance(5 * 60_000 + 1);
    expect((await api({ path: listPath })).status).toBe(200);
  });

  it('a good signature resets the failure count', async () => {
    for (let i = 0; i < 4; i++) await api({ path: listPath, sk: 'wrong' });
    expect((await api({ path: listPath })).status).toBe(200);
    for (let i = 0; i < 4; i++) await api({ path: listPath, sk: 'wrong' });
    expect((await api({ path: listPath })).status).toBe(200);
  });

  it('answers a wrong project id in the path with 403 ModelArts.6407', async () => {
    const res = await api({ path: `/v1/${'f'.repeat(32)}/notebooks` });
    expect(res.status).toBe(403);
    expect(res.body).toMatchObject({ error_code: 'ModelArts.6407' });
  });

  it('answers an unknown path with 404 APIG.0101', async () => {
    const res = await api({ path: `/v1/${pid}/nothing-here` });
    expect(res.status).toBe(404);
    expect(res.body).toMatchObject({ error_code: 'APIG.0101' });
    expect(t.sim.stats.calls.unknown).toBe(1);
  });

  it('accepts extra credentials given in the options', async () => {
    await t.boot({ clock: t.clock, credentials: [{ ak: 'SECONDACCESSKEY00001', sk: 'second-secret' }] });
    expect((await api({ path: listPath, ak: 'SECONDACCESSKEY00001', sk: 'second-secret' })).status).toBe(200);
    expect((await api({ path: listPath, ak: SIMULATOR_AK })).status).toBe(401);
  });
});

describe('simulator IAM tokens', () => {
  const postToken = (body: unknown) =>
    request(`${t.sim.url}/v3/auth/tokens`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });

  it('issues a token (201, X-Subject-Token, expires_at in 24 h) that authenticates API calls', async () => {
    const res = await postToken(tokenBody());
    expect(res.statusCode).toBe(201);
    const token = res.headers['x-subject-token'];
    expect(typeof token).toBe('string');
    const body = (await res.body.json()) as { token: { expires_at: string; project: { id: string } } };
    expect(Date.parse(body.token.expires_at)).toBe(t.clock.now() + 24 * 3_600_000);
    expect(body.token.project.id).toBe(pid);
    const list = await api({ path: listPath, token: token as string });
    expect(list.status).toBe(200);
    expect(t.sim.stats.calls.iamToken).toBe(1);
    expect(t.sim.stats.log.at(-1)?.auth).toBe('token');
  });

  it('accepts a project scoped by name (the region)', async () => {
    const res = await postToken(tokenBody(undefined, { name: SIMULATOR_REGION }));
    expect(res.statusCode).toBe(201);
    await res.body.dump();
  });

  it('refuses a wrong password with a Keystone-style 401', async () => {
    const res = await postToken(tokenBody('wrong'));
    expect(res.statusCode).toBe(401);
    expect(await res.body.json()).toEqual({
      error: { code: 401, message: 'The username or password is wrong.', title: 'Unauthorized' },
    });
  });

  it('refuses a malformed body with 400', async () => {
    const res = await postToken({ auth: {} });
    expect(res.statusCode).toBe(400);
    await res.body.dump();
  });

  it('rejects an unknown or expired token', async () => {
    expect((await api({ path: listPath, token: 'MIIbogus' })).status).toBe(401);
    const { token } = t.sim.iam!.issue();
    expect((await api({ path: listPath, token })).status).toBe(200);
    t.clock.advance(24 * 3_600_000);
    const expired = await api({ path: listPath, token });
    expect(expired.status).toBe(401);
    expect((expired.body as { error_msg: string }).error_msg).toMatch(/expired/);
  });

  it('has no IAM when iam: false', async () => {
    await t.boot({ clock: t.clock, iam: false });
    const res = await postToken(tokenBody());
    expect(res.statusCode).toBe(404);
    await res.body.dump();
    expect(t.sim.iam).toBeUndefined();
  });
});
