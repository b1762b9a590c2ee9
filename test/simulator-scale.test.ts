import { Agent, request } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ScaledClock } from '../src/clock.js';
import {
  createSimulator,
  type NotebookView,
  SIMULATOR_DEFAULT_FLAVOR,
  SIMULATOR_DEFAULT_IMAGE_ID,
  SIMULATOR_PROJECT_ID,
  type Simulator,
} from '../src/simulator/index.js';
import { type SimRequestOptions, simRequest } from '../src/simulator/signed-request.js';

/**
 * The simulator must carry the benchmarks: 10,000 instances and 1,000 concurrent creates, every
 * page and every create answered correctly. How fast is for bench/ (lease-scan.ts lists 10,000
 * notebooks, lifecycle.ts creates 1,000), not for a test on a shared 2-core machine; an
 * accidental O(n²) still shows here as the test's timeout.
 */
const pid = SIMULATOR_PROJECT_ID;
const nb = `/v1/${pid}/notebooks`;
let sim: Simulator;
const agent = new Agent({ connections: 256, pipelining: 1 });

beforeAll(async () => {
  sim = createSimulator({ clock: new ScaledClock({ scale: 60 }) });
  await sim.start();
});
afterAll(async () => {
  await sim.stop();
  await agent.close();
});

const api = (o: SimRequestOptions) => simRequest(sim.url, { date: new Date(sim.clock.now()), dispatcher: agent, ...o });

describe('simulator at benchmark scale', () => {
  it('seeds 10,000 instances over HTTP and lists them page by page', async () => {
    const seeded = await request(`${sim.url}/__sim/seed`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ count: 10_000, status: 'RUNNING', lease: { duration: 7_200_000 } }),
    });
    expect(seeded.statusCode).toBe(200);
    expect(((await seeded.body.json()) as { count: number }).count).toBe(10_000);

    const first = await api({ path: nb, query: { limit: 50 } });
    expect(first.body).toMatchObject({ total: 10_000, pages: 200, size: 50, current: 0 });

    // Walk every page the way Terraform does: limit 50, offset advanced by the items returned.
    const seen = new Set<string>();
    let offset = 0;
    for (;;) {
      const page = (await api({ path: nb, query: { limit: 50, offset } })).body as {
        data: NotebookView[];
        current: number;
      };
      expect(page.current).toBe(offset / 50);
      for (const n of page.data) seen.add(n.id);
      if (page.data.length < 50) break;
      offset += page.data.length;
    }
    expect(seen.size).toBe(10_000);

    // A name filter over all of them (fuzzy: seed-99, seed-990…, seed-9900…), page by page.
    const filtered = (await api({ path: nb, query: { limit: 10, name: 'seed-99' } })).body as { total: number };
    expect(filtered.total).toBeGreaterThan(0);
    expect(filtered.total).toBeLessThan(10_000);
    for (let i = 0; i < 20; i++) {
      expect((await api({ path: nb, query: { limit: 10, offset: i * 10, name: 'seed-99' } })).status).toBe(200);
    }

    const id = [...seen][1234]!;
    for (let i = 0; i < 100; i++) expect((await api({ path: `${nb}/${id}` })).status).toBe(200);
  }, 60_000);

  it('serves 1,000 concurrent creates, each once, with unique ids', async () => {
    sim.reset();
    const body = (i: number) => ({
      name: `burst-${i}`,
      flavor: SIMULATOR_DEFAULT_FLAVOR,
      image_id: SIMULATOR_DEFAULT_IMAGE_ID,
      volume: { category: 'EVS', ownership: 'MANAGED' },
    });
    const results = await Promise.all(
      Array.from({ length: 1000 }, (_, i) => api({ method: 'POST', path: nb, body: body(i) })),
    );
    expect(results.every((r) => r.status === 200)).toBe(true);
    expect(new Set(results.map((r) => (r.body as NotebookView).id)).size).toBe(1000);
    expect(sim.instances.count()).toBe(1000);
    expect(sim.stats.calls.create).toBe(1000);
  }, 60_000);
});
