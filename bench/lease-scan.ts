/**
 * Lease-scan cost: what one tick of the lease watch costs in ModelArts calls, wall time, CPU and
 * Redis commands, and how that grows with the project's size (100 → 1,000 → 10,000 notebooks,
 * a tenth of them watched, i.e. started through the bot and recorded in the NotebookStore).
 *
 * The watcher runs in this process (its wall and CPU time are what is measured); the simulator
 * and FakeSlackApi run in a child process, Redis is a throwaway redis-server.
 *
 *   npx tsx bench/lease-scan.ts [--quick] [--ticks 7] [--sizes 100,1000,10000]
 */
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { WebClient } from '@slack/web-api';
import { Redis } from 'ioredis';
import { systemClock } from '../src/clock.js';
import { createLeaseWatcher } from '../src/leases/watcher.js';
import { createLogger } from '../src/logger.js';
import { ModelArtsClient } from '../src/modelarts/client.js';
import { NOTEBOOK_WALK_PAGE_SIZE } from '../src/modelarts/schemas.js';
import { startLocalRedis } from '../src/ops/local-redis.js';
import { SIMULATOR_AK, SIMULATOR_SK } from '../src/simulator/index.js';
import { NotebookStore } from '../src/store/notebooks.js';
import { startChild } from './support/child.js';
import { machineCpuMs, othersPercent, procCpuMs } from './support/machine.js';
import { commandCounts, commandDelta, redisCpuMs } from './support/redis-stats.js';
import { BENCH_DIR, type BenchResult, emit, log, numOption, parseArgs, type TargetRow } from './support/report.js';
import { fmt, median } from './support/stats.js';

const NAME = 'lease-scan';
const HOUR = 3_600_000;
const LEASE_MS = 4 * HOUR;
const CHANNELS = 20;
const OWNERS = 200;
const WATCHED_SHARE = 10; // one notebook in ten is the bot's

interface SimStats {
  total: number;
  calls: Record<string, number>;
}
interface SlackCounts {
  total: number;
  byMethod: Record<string, number>;
}

interface TickCost {
  apiCalls: number;
  wallMs: number;
  cpuMs: number;
  redisCommands: number;
  slackPosts: number;
  running: number;
  watched: number;
  warned: number;
}

const args = parseArgs(NAME);
const ticks = Math.max(2, numOption(args, 'ticks', args.quick ? 4 : 8));
const sizes = (args.options.get('sizes') ?? '100,1000,10000').split(',').map(Number);
const started = Date.now();

const redisServer = await startLocalRedis();
const redis = new Redis(redisServer.url, { maxRetriesPerRequest: null });
const admin = new Redis(redisServer.url);
const standIns = await startChild(join(BENCH_DIR, 'support/stand-ins.ts'), { env: { BENCH_CLOCK_SCALE: '1' } });
const simUrl = String(standIns.info['simUrl']);
const api = new ModelArtsClient({
  endpoint: simUrl,
  projectId: String(standIns.info['projectId']),
  auth: { kind: 'aksk', ak: SIMULATOR_AK, sk: SIMULATOR_SK },
  maxRetries: 0,
  timeoutMs: 30_000,
});
// What the composition root passes the watcher (src/leases/README.md): 429s surface at once.
const slack = new WebClient('xoxb-bench-lease', {
  slackApiUrl: String(standIns.info['slackApiUrl']),
  rejectRateLimitedCalls: true,
  retryConfig: { retries: 1 },
});
const logger = createLogger({ level: 'silent' });

const results: Array<{ size: number; watched: number; first: TickCost; steady: TickCost[]; others: number }> = [];
/** CPU ms of this process, the stand-ins and redis-server: everything the bench runs. */
async function oursCpuMs(): Promise<number> {
  const self = process.cpuUsage();
  return (self.user + self.system) / 1000 + (procCpuMs(standIns.pid) ?? 0) + (await redisCpuMs(admin));
}
try {
  // Warm-up (JIT, connection pools), not measured: a few scans of a mid-sized project.
  {
    await standIns.call('seed', { count: 1000, status: 'RUNNING', namePrefix: 'warm', lease: { duration: LEASE_MS } });
    const warmStore = new NotebookStore({ redis, prefix: '{bench-lease-warm}' });
    const warm = createLeaseWatcher({ api, store: warmStore, redis, prefix: '{bench-lease-warm}', slack, logger });
    for (let i = 0; i < 3; i++) await warm.scanOnce();
    await warm.stop();
  }
  for (const size of sizes) {
    log(NAME, `${size} notebooks (${size / WATCHED_SHARE} watched): seeding`);
    await standIns.call('clearInstances');
    // RUNNING leases of 4 h started 0 to 4 h − 1 min ago: time left spreads from 1 min to 4 h, so
    // about 1 in 8 are inside the 30-minute warning window and a few inside the 5-minute one.
    const ids = await standIns.call<string[]>('seed', {
      count: size,
      status: 'RUNNING',
      namePrefix: 'lease-bench',
      lease: { duration: LEASE_MS, type: 'TIMING', elapsedMs: [0, LEASE_MS - 60_000] },
    });
    const prefix = `{bench-lease-${randomBytes(4).toString('hex')}}`;
    const store = new NotebookStore({ redis, prefix });
    const watchedIds = ids.filter((_, i) => i % WATCHED_SHARE === 0);
    const now = systemClock.now();
    await Promise.all(
      watchedIds.map((id, i) =>
        store.put({
          notebookId: id,
          name: `lease-bench-${i}`,
          ownerId: `U0BENCH${String(i % OWNERS).padStart(4, '0')}`,
          channelId: `C0BENCH${String(i % CHANNELS).padStart(3, '0')}`,
          threadTs: `1700000000.${String(i).padStart(6, '0')}`,
          origin: 'created',
          createdAt: now,
          updatedAt: now,
          lastStatus: 'RUNNING',
        }),
      ),
    );
    const watcher = createLeaseWatcher({ api, store, redis, prefix, clock: systemClock, slack, logger });

    const costs: TickCost[] = [];
    const machine0 = machineCpuMs();
    const ours0 = await oursCpuMs();
    const wall0 = performance.now();
    for (let t = 0; t < ticks; t++) {
      const [simBefore, slackBefore, cmdBefore] = await Promise.all([
        standIns.call<SimStats>('simStats'),
        standIns.call<SlackCounts>('slackCounts'),
        commandCounts(admin),
      ]);
      const cpu0 = process.cpuUsage();
      const t0 = performance.now();
      const report = await watcher.scanOnce();
      const wallMs = performance.now() - t0;
      const cpu = process.cpuUsage(cpu0);
      const [simAfter, slackAfter, cmdAfter] = await Promise.all([
        standIns.call<SimStats>('simStats'),
        standIns.call<SlackCounts>('slackCounts'),
        commandCounts(admin),
      ]);
      costs.push({
        apiCalls: simAfter.total - simBefore.total,
        wallMs,
        cpuMs: (cpu.user + cpu.system) / 1000,
        redisCommands: commandDelta(cmdBefore, cmdAfter).total,
        slackPosts: (slackAfter.byMethod['chat.postMessage'] ?? 0) - (slackBefore.byMethod['chat.postMessage'] ?? 0),
        running: report.running,
        watched: report.watched,
        warned: report.warned,
      });
      log(
        NAME,
        `  tick ${t + 1}: ${fmt(wallMs, 0)} ms, ${costs.at(-1)?.apiCalls} API calls, running ${report.running}, watched ${report.watched}, warned ${report.warned}`,
      );
    }
    const others = othersPercent(machineCpuMs() - machine0, (await oursCpuMs()) - ours0, performance.now() - wall0);
    await watcher.stop();
    results.push({ size, watched: watchedIds.length, first: costs[0] as TickCost, steady: costs.slice(1), others });
  }
} finally {
  await api.close();
  await standIns.stop();
  await redis.quit();
  await admin.quit();
  await redisServer.stop();
}

const med = (xs: TickCost[], k: keyof TickCost) => median(xs.map((x) => x[k]));
const rows = results.map((r) => [
  String(r.size),
  String(r.watched),
  fmt(med(r.steady, 'apiCalls'), 0),
  fmt(med(r.steady, 'wallMs'), 0),
  fmt(med(r.steady, 'cpuMs'), 0),
  fmt(med(r.steady, 'redisCommands'), 0),
  `${r.first.apiCalls} / ${fmt(r.first.wallMs, 0)} ms / ${r.first.slackPosts} posts (${r.first.warned} warned)`,
  `${fmt(r.others, 0)} %`,
]);
const base = results[0];
const growthRows = results.map((r) => [
  String(r.size),
  base ? `${fmt(r.size / base.size, 0)}×` : '–',
  base ? `${fmt(med(r.steady, 'apiCalls') / med(base.steady, 'apiCalls'), 1)}×` : '–',
  base ? `${fmt(med(r.steady, 'wallMs') / med(base.steady, 'wallMs'), 1)}×` : '–',
  fmt((med(r.steady, 'wallMs') / r.size) * 1000, 0),
]);

const largest = results.at(-1);
const targets: TargetRow[] = [];
if (largest) {
  const wall = med(largest.steady, 'wallMs');
  targets.push({
    target: `lease scan of ${largest.size} notebooks at ${NOTEBOOK_WALK_PAGE_SIZE} per page: list calls per tick reported, one tick < 1 s`,
    measured: `${fmt(med(largest.steady, 'apiCalls'), 0)} list calls per tick; ${fmt(wall / 1000, 2)} s median, first tick (it posts the warnings) ${fmt(largest.first.wallMs / 1000, 2)} s`,
    pass: wall < 1000,
  });
}

const result: BenchResult = {
  name: NAME,
  title: 'Lease-scan cost (bench/lease-scan.ts)',
  mode: args.quick ? 'quick' : 'full',
  startedAt: new Date(started).toISOString(),
  durationMs: Date.now() - started,
  settings: {
    ticks,
    sizes: sizes.join('/'),
    watched: `1 in ${WATCHED_SHARE}`,
    lease: '4 h, 1 min–4 h left',
    channels: CHANNELS,
    pageSize: NOTEBOOK_WALK_PAGE_SIZE,
  },
  tables: [
    {
      title: `Per scan tick (steady-state median of ${ticks - 1} ticks; first tick shown separately: it posts the warnings)`,
      headers: [
        'notebooks in project',
        'watched',
        'API calls / tick',
        'wall ms / tick',
        'watcher CPU ms / tick',
        'Redis commands / tick',
        'first tick: API calls / wall / Slack posts',
        'other processes (not this bench), share of the machine',
      ],
      rows,
    },
    {
      title: 'Growth',
      headers: ['notebooks', 'size ×', 'API calls ×', 'wall time ×', 'µs of wall time per notebook'],
      rows: growthRows,
    },
  ],
  targets,
  notes: [
    'API calls are counted by the simulator (every request that reached it). A tick is one paged ListNotebooks?status=RUNNING over the whole project (50 per page, the most ListNotebooks allows; after the first page the others are fetched 4 at a time), plus ShowNotebook only for notebooks that left RUNNING since the last tick: the cost follows the number of RUNNING notebooks in the project, not the number watched.',
    'Redis per tick: one HGETALL per watched record (NotebookStore.listAll, pipelined), the lease:running hash, and MGETs of notice keys; the first tick also reserves and confirms each notice it posts. Warnings are digested per channel (more than 5 in a channel in one tick = one message), hence fewer posts than warnings.',
    'Wall time includes the simulator answering on loopback in another process; a real ModelArts answers a page in tens to hundreds of ms, so at 10,000 notebooks expect about (pages ÷ 4 × real page latency) on top of the CPU shown.',
    'Redis commands include those run inside Lua scripts (INFO commandstats).',
  ],
};
emit(result, args);
