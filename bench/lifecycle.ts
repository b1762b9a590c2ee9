/**
 * Lifecycle at scale: N notebooks (default 1,000) created at once through the job pipeline, ONE
 * worker process (wired like the composition root's worker role), the simulator on a fast clock.
 * Reports ModelArts calls, Redis commands and Slack calls per notebook, the worker's peak RSS, the
 * delay from each instance's RUNNING moment to its ready message in Slack, and checks that every
 * notebook got exactly one ready message.
 *
 * Time is compressed by `--scale` (simulated ms per real ms). Every bot timer that is a real-time
 * wait is divided by the same factor: poll delays (2 s → 15 s), backoff caps, Slack coalescing
 * (15 s), and the Slack queue's per-method budgets (multiplied by it). The run is the real-time
 * scenario played `scale` times faster, so a delay measured in real ms × scale is the delay a
 * user would see (simulated seconds). What does not shrink is CPU work per step: the worker runs
 * `scale` times the real-time load, which makes the pipeline part of the delay pessimistic.
 *
 * Two variants, each on fresh Redis, simulator and FakeSlackApi:
 * - `production`: the worker as shipped (src/app/worker.ts), its Slack pacing scaled with the clock;
 * - `lifted`: the Slack pacing out of the way, to see the bot's own pipeline.
 *
 * The simulator, FakeSlackApi and the producer (playing the web role: post the "queued" status
 * message, enqueue) run in this process; the worker in a child; Redis is a throwaway redis-server.
 *
 *   npx tsx bench/lifecycle.ts [--quick] [--count 1000] [--scale 10] [--variants production,lifted]
 */
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { WebClient } from '@slack/web-api';
import { Redis } from 'ioredis';
import { ScaledClock } from '../src/clock.js';
import { createOperationQueue, DEFAULT_POLL_TIMING } from '../src/jobs/index.js';
import { queuedOperationStatus, renderOperationStatus } from '../src/messages/operation-status.js';
import type { CreateOperation } from '../src/operations/types.js';
import { startLocalRedis } from '../src/ops/local-redis.js';
import {
  createSimulator,
  DEFAULT_TIMINGS,
  SIMULATOR_DEFAULT_FLAVOR,
  SIMULATOR_DEFAULT_IMAGE_ID,
} from '../src/simulator/index.js';
import { FakeSlackApi, type RecordedCall } from '../src/slack-stand-in/fake-slack-api.js';
import { startChild } from './support/child.js';
import { machineCpuMs, othersPercent, procCpuMs, procMemory } from './support/machine.js';
import { type CommandDelta, commandCounts, commandDelta, redisCpuMs } from './support/redis-stats.js';
import {
  BENCH_DIR,
  type BenchResult,
  emit,
  log,
  numOption,
  parseArgs,
  type Table,
  type TargetRow,
} from './support/report.js';
import { fmt, type Summary, summarize } from './support/stats.js';

const NAME = 'lifecycle';
const TOKEN = 'xoxb-bench-lifecycle';
const PREFIX = '{bench-life}';
const CHANNELS = 50;
const USERS = 200;
const READY_P99_TARGET_S = 5;
const RSS_TARGET_MIB = 300;
const CREATE_MS = DEFAULT_TIMINGS.createSteps.reduce((a, b) => a + b, 0) + DEFAULT_TIMINGS.createStarting;

type VariantName = 'production' | 'lifted';

interface Variant {
  name: VariantName;
  count: number;
  scale: number;
  /** The Slack queue's pacing: as shipped (scaled), or off. */
  pacing: 'production' | 'lifted';
  apiCalls: { total: number; create: number; show: number; list: number; home: number };
  redis: CommandDelta;
  slackByMethod: Map<string, number>;
  /** Simulated seconds from RUNNING. */
  reply: Summary;
  update: Summary;
  pollLag: Summary;
  /** Real ms from the GET that saw RUNNING to the ready reply. */
  pipeline: Summary;
  lost: number;
  duplicated: number;
  notRunning: number;
  peakRssMiB: number;
  hwmMiB: number;
  startRssMiB: number;
  heapUsedMiB: number;
  cpuMs: number;
  /** This process: simulator, FakeSlackApi, producer. */
  standInsCpuMs: number;
  redisCpuMs: number;
  /** Share of the machine used by processes outside this bench during the run. */
  othersPercent: number;
  wallToLastReadyMs: number;
  createSpreadMs: number;
  jobCounts: Record<string, number>;
}

const args = parseArgs(NAME);
const count = numOption(args, 'count', 1000);
const scale = numOption(args, 'scale', args.quick ? 20 : 10);
const variants = (args.options.get('variants') ?? 'production,lifted').split(',') as VariantName[];
/** `off` leaves out the composition root's App Home refresh hook (to measure what it costs). */
const homeRefresh = args.options.get('home-refresh') ?? 'on';
const started = Date.now();

const isReadyReply = (c: RecordedCall) =>
  c.method === 'chat.postMessage' &&
  typeof c.args['thread_ts'] === 'string' &&
  / is running\./.test(String(c.args['text']));

async function runVariant(name: VariantName): Promise<Variant> {
  const clock = new ScaledClock({ scale });
  const toReal = (sim: number) => clock.epoch + (sim - clock.epoch) / scale;
  const redisServer = await startLocalRedis();
  const redis = new Redis(redisServer.url, { maxRetriesPerRequest: null });
  const admin = new Redis(redisServer.url);
  const sim = createSimulator({ clock, notFound: '404', logLimit: 1_000_000, random: () => 0.5 });
  await sim.start();
  const slack = await new FakeSlackApi({ validTokens: [TOKEN] }).start();
  const queue = createOperationQueue({ connection: redis, prefix: PREFIX });
  // The web role's client: posts the "queued" status message before enqueueing (submitOperation).
  const web = new WebClient(TOKEN, { slackApiUrl: slack.apiUrl });
  const worker = await startChild(join(BENCH_DIR, 'support/lifecycle-worker.ts'), {
    env: {
      BENCH_CLOCK_SCALE: String(scale),
      BENCH_CLOCK_EPOCH: String(clock.epoch),
      BENCH_SIM_URL: sim.url,
      BENCH_SIM_PROJECT_ID: sim.projectId,
      BENCH_REDIS_URL: redisServer.url,
      BENCH_PREFIX: PREFIX,
      BENCH_SLACK_TOKEN: TOKEN,
      BENCH_SLACK_API_URL: slack.apiUrl,
      BENCH_SLACK_PACING: name,
      BENCH_HOME_REFRESH: homeRefresh,
    },
  });

  let peakRssMiB = 0;
  const sampler = setInterval(() => {
    const m = procMemory(worker.pid);
    if (m && m.rssMiB > peakRssMiB) peakRssMiB = m.rssMiB;
  }, 100);
  const cpuBefore = procCpuMs(worker.pid) ?? 0;
  const standInCpu0 = process.cpuUsage();
  const machine0 = machineCpuMs();
  const startRssMiB = procMemory(worker.pid)?.rssMiB ?? Number.NaN;
  const cmdBefore = await commandCounts(admin);
  const redisCpu0 = await redisCpuMs(admin);

  log(NAME, `${name}: creating ${count} notebooks at scale ${scale}`);
  const ops: CreateOperation[] = [];
  const tEnqueue0 = Date.now();
  let next = 0;
  const enqueueLoop = async (): Promise<void> => {
    for (;;) {
      const i = next++;
      if (i >= count) return;
      const op: CreateOperation = {
        kind: 'create',
        opId: `bench-create-${i}`,
        requester: {
          userId: `U0BENCH${String(i % USERS).padStart(4, '0')}`,
          channelId: `C0BENCH${String(i % CHANNELS).padStart(3, '0')}`,
          teamId: 'T0TEAM001',
        },
        requestedAt: clock.now(),
        request: {
          name: `bench-nb-${i}`,
          flavor: SIMULATOR_DEFAULT_FLAVOR,
          image_id: SIMULATOR_DEFAULT_IMAGE_ID,
          volume: { category: 'EVS', ownership: 'MANAGED', capacity: 5 },
          lease: { duration: 3_600_000, type: 'TIMING' },
        },
      };
      const rendered = renderOperationStatus(queuedOperationStatus(op, clock.now()));
      const posted = await web.chat.postMessage({
        channel: op.requester.channelId,
        text: rendered.text,
        blocks: rendered.blocks,
      });
      op.statusTs = posted.ts as string;
      ops[i] = op;
      await queue.enqueue(op);
    }
  };
  await Promise.all(Array.from({ length: 50 }, () => enqueueLoop()));
  log(NAME, `  enqueued in ${Date.now() - tEnqueue0} ms`);

  // Creation takes CREATE_MS simulated; allow 20 simulated minutes more, plus real time to drain.
  const deadline = Date.now() + (CREATE_MS + 1_200_000) / scale + 120_000;
  let lastProgress = Date.now();
  let tDone = Date.now();
  let n = 0;
  let scanned = 0;
  while (Date.now() < deadline) {
    for (; scanned < slack.calls.length; scanned++) if (isReadyReply(slack.calls[scanned] as RecordedCall)) n++;
    const counts = await queue.queue.getJobCounts('completed', 'failed');
    tDone = Date.now();
    if (n >= count && (counts['completed'] ?? 0) + (counts['failed'] ?? 0) >= count) break;
    if (Date.now() - lastProgress > 10_000) {
      log(NAME, `  ${n} ready messages, jobs ${JSON.stringify(counts)}, worker RSS ${fmt(peakRssMiB, 0)} MiB`);
      lastProgress = Date.now();
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  // A little longer, so that a late duplicate would be seen.
  await new Promise((r) => setTimeout(r, Math.max(1000, 30_000 / scale)));
  clearInterval(sampler);
  const hwmMiB = procMemory(worker.pid)?.hwmMiB ?? Number.NaN;
  const mem = await worker.call<NodeJS.MemoryUsage>('memory');
  const homeCalls = await worker.call<number>('homeCalls');
  const cpuMs = (procCpuMs(worker.pid) ?? 0) - cpuBefore;
  const standInCpu = process.cpuUsage(standInCpu0);
  const redisCpu = (await redisCpuMs(admin)) - redisCpu0;
  const machineMs = machineCpuMs() - machine0;
  const cmdAfter = await commandCounts(admin);
  const jobCounts = await queue.queue.getJobCounts('completed', 'failed', 'active', 'delayed', 'waiting');
  await worker.stop();

  // Per notebook: RUNNING moment, the GET that saw it, the ready update and reply.
  const byName = new Map(sim.instances.list().map((v) => [v.name, v]));
  const repliesByThread = new Map<string, RecordedCall[]>();
  const readyUpdateByTs = new Map<string, RecordedCall>();
  const slackByMethod = new Map<string, number>();
  for (const c of slack.calls) {
    slackByMethod.set(c.method, (slackByMethod.get(c.method) ?? 0) + 1);
    if (isReadyReply(c)) {
      const t = String(c.args['thread_ts']);
      repliesByThread.set(t, [...(repliesByThread.get(t) ?? []), c]);
    } else if (
      c.method === 'chat.update' &&
      JSON.stringify(c.args['blocks'] ?? '').includes('notebook_open_jupyterlab')
    ) {
      const ts = String(c.args['ts']);
      if (!readyUpdateByTs.has(ts)) readyUpdateByTs.set(ts, c);
    }
  }
  const showsById = new Map<string, number[]>();
  for (const e of sim.stats.log) {
    if (e.operation !== 'show') continue;
    const id = /\/notebooks\/([^/?]+)/.exec(e.path)?.[1];
    if (id) showsById.set(id, [...(showsById.get(id) ?? []), e.at]);
  }
  const reply: number[] = [];
  const update: number[] = [];
  const pollLag: number[] = [];
  const pipeline: number[] = [];
  let createSpreadMs = 0;
  let lost = 0;
  let duplicated = 0;
  let notRunning = 0;
  for (const op of ops) {
    const nb = byName.get(op.request.name);
    const replies = repliesByThread.get(op.statusTs as string) ?? [];
    if (replies.length === 0) lost++;
    if (replies.length > 1) duplicated++;
    if (nb?.status !== 'RUNNING' || nb.lease.create_at === undefined) {
      notRunning++;
      continue;
    }
    const runningSim = nb.lease.create_at + CREATE_MS;
    const runningReal = toReal(runningSim);
    createSpreadMs = Math.max(createSpreadMs, toReal(nb.lease.create_at) - tEnqueue0);
    const first = replies[0];
    if (first) reply.push(((first.at - runningReal) * scale) / 1000);
    const upd = readyUpdateByTs.get(op.statusTs as string);
    if (upd) update.push(((upd.at - runningReal) * scale) / 1000);
    const seen = (showsById.get(nb.id) ?? []).find((at) => at >= runningSim);
    if (seen !== undefined) {
      pollLag.push((seen - runningSim) / 1000);
      if (first) pipeline.push(first.at - toReal(seen));
    }
  }
  if (args.options.has('dump')) {
    const { writeFileSync } = await import('node:fs');
    const op = ops[0] as CreateOperation;
    const nb = byName.get(op.request.name);
    const timeline = [
      ...sim.stats.log
        .filter((e) => nb && e.path.includes(nb.id))
        .map((e) => ({ realAt: toReal(e.at), what: `${e.method} ${e.operation} ${e.status}` })),
      ...slack.calls
        .filter(
          (c) =>
            c.args['ts'] === op.statusTs ||
            c.args['thread_ts'] === op.statusTs ||
            c.args['user_id'] === op.requester.userId,
        )
        .map((c) => ({ realAt: c.at, what: `${c.method} ${String(c.args['text'] ?? '').slice(0, 60)}` })),
    ].sort((a, b) => a.realAt - b.realAt);
    const running = nb?.lease.create_at !== undefined ? toReal(nb.lease.create_at + CREATE_MS) : 0;
    writeFileSync(
      join(BENCH_DIR, '.tmp', `lifecycle-timeline-${name}.txt`),
      timeline.map((t) => `${(t.realAt - running).toFixed(0).padStart(7)} ms  ${t.what}`).join('\n'),
    );
  }
  const calls = sim.stats.calls;
  const variant: Variant = {
    name,
    count,
    scale,
    pacing: name,
    apiCalls: { total: sim.stats.total, create: calls.create, show: calls.show, list: calls.list, home: homeCalls },
    redis: commandDelta(cmdBefore, cmdAfter),
    slackByMethod,
    reply: summarize(reply),
    update: summarize(update),
    pollLag: summarize(pollLag),
    pipeline: summarize(pipeline),
    lost,
    duplicated,
    notRunning,
    peakRssMiB: Math.max(peakRssMiB, Number.isFinite(hwmMiB) ? hwmMiB : 0),
    hwmMiB,
    startRssMiB,
    heapUsedMiB: mem.heapUsed / 1024 ** 2,
    cpuMs,
    standInsCpuMs: (standInCpu.user + standInCpu.system) / 1000,
    redisCpuMs: redisCpu,
    othersPercent: othersPercent(
      machineMs,
      cpuMs + (standInCpu.user + standInCpu.system) / 1000 + redisCpu,
      Date.now() - tEnqueue0,
    ),
    wallToLastReadyMs: tDone - tEnqueue0,
    createSpreadMs,
    jobCounts,
  };
  await queue.close();
  await redis.quit();
  await admin.quit();
  await sim.stop();
  await slack.stop();
  await redisServer.stop();
  log(NAME, `  ${name}: ready p99 ${fmt(variant.reply.p99)} s, peak RSS ${fmt(variant.peakRssMiB, 0)} MiB`);
  return variant;
}

/** Where the default poll schedule (2 s ×1.5 up to 15 s, from the create) first looks after RUNNING. */
function scheduleLagS(): { lag: number; gets: number } {
  let t = 0;
  let gets = 0;
  let d: number | undefined;
  while (t < CREATE_MS) {
    d = d === undefined ? DEFAULT_POLL_TIMING.initialMs : Math.min(d * 1.5, DEFAULT_POLL_TIMING.maxMs);
    t += d;
    gets++;
  }
  return { lag: (t - CREATE_MS) / 1000, gets };
}

const results: Variant[] = [];
for (const v of variants) results.push(await runVariant(v));

/**
 * What running through tsx costs in RSS (its loader thread and caches): a child that loads
 * nothing, under tsx and under plain node. `node dist/main.js` in production carries no tsx.
 */
async function tsxOverheadMiB(): Promise<{ tsx: number; plain: number }> {
  const idle = await startChild(join(BENCH_DIR, 'support/idle.ts'));
  await new Promise((r) => setTimeout(r, 1000));
  const tsx = procMemory(idle.pid)?.rssMiB ?? Number.NaN;
  await idle.stop();
  const out = execFileSync(process.execPath, [
    '-e',
    "setTimeout(()=>process.stdout.write(/VmRSS:\\s+(\\d+)/.exec(require('fs').readFileSync('/proc/self/status','utf8'))[1]),1000)",
  ]);
  return { tsx, plain: Number(out.toString()) / 1024 };
}
const baseline = await tsxOverheadMiB();

const per = (v: Variant, n: number) => fmt(n / v.count, 2);
const method = (v: Variant, m: string) => v.slackByMethod.get(m) ?? 0;
const workerSlack = (v: Variant) => [...v.slackByMethod.values()].reduce((a, b) => a + b, 0) - v.count;
const schedule = scheduleLagS();
const label = (v: Variant) =>
  v.name === 'production' ? `production Slack pacing (per-method budgets × ${fmt(v.scale, 0)})` : 'Slack pacing lifted';

const perNotebook: Table = {
  title: 'Per notebook (create → RUNNING → ready message)',
  headers: [
    'variant',
    'ModelArts calls',
    'of which: create / status GETs / App Home GETs',
    'Redis commands',
    'Redis script calls',
    'Slack calls (worker)',
    'of which: chat.update / chat.postMessage / views.publish',
  ],
  rows: results.map((v) => [
    label(v),
    per(v, v.apiCalls.total),
    `${per(v, v.apiCalls.create)} / ${per(v, v.apiCalls.show - v.apiCalls.home)} / ${per(v, v.apiCalls.home)}`,
    per(v, v.redis.total),
    per(v, v.redis.scripts),
    per(v, workerSlack(v)),
    `${per(v, method(v, 'chat.update'))} / ${per(v, method(v, 'chat.postMessage') - v.count)} / ${per(v, method(v, 'views.publish'))}`,
  ]),
};
const readyTable: Table = {
  title: 'Ready message after RUNNING, simulated seconds (= what a user would wait at real time)',
  headers: ['variant', 'measure', 'p50', 'p95', 'p99', 'max'],
  rows: results.flatMap((v) => [
    [
      label(v),
      'ready thread reply (the notification)',
      fmt(v.reply.p50),
      fmt(v.reply.p95),
      fmt(v.reply.p99),
      fmt(v.reply.max),
    ],
    [
      '',
      'the same reply, real ms as measured',
      fmt((v.reply.p50 * 1000) / v.scale, 0),
      fmt((v.reply.p95 * 1000) / v.scale, 0),
      fmt((v.reply.p99 * 1000) / v.scale, 0),
      fmt((v.reply.max * 1000) / v.scale, 0),
    ],
    ['', 'status message shows ready', fmt(v.update.p50), fmt(v.update.p95), fmt(v.update.p99), fmt(v.update.max)],
    [
      '',
      'poll lag: RUNNING → the GET that saw it',
      fmt(v.pollLag.p50),
      fmt(v.pollLag.p95),
      fmt(v.pollLag.p99),
      fmt(v.pollLag.max),
    ],
    [
      '',
      'pipeline: that GET → reply in Slack (real ms)',
      fmt(v.pipeline.p50, 0),
      fmt(v.pipeline.p95, 0),
      fmt(v.pipeline.p99, 0),
      fmt(v.pipeline.max, 0),
    ],
  ]),
};
const workerTable: Table = {
  title: 'Worker process',
  headers: [
    'variant',
    'peak RSS',
    'RSS at start',
    'heap used at end',
    'CPU time',
    'CPU / wall',
    'stand-ins CPU / wall',
    'redis-server CPU / wall',
    'other processes (not this bench)',
    'first create → last ready (real)',
    'creates spread over (real)',
  ],
  rows: results.map((v) => [
    label(v),
    `${fmt(v.peakRssMiB, 0)} MiB`,
    `${fmt(v.startRssMiB, 0)} MiB`,
    `${fmt(v.heapUsedMiB, 0)} MiB`,
    `${fmt(v.cpuMs / 1000)} s`,
    `${fmt((v.cpuMs / v.wallToLastReadyMs) * 100, 0)} %`,
    `${fmt((v.standInsCpuMs / v.wallToLastReadyMs) * 100, 0)} %`,
    `${fmt((v.redisCpuMs / v.wallToLastReadyMs) * 100, 0)} %`,
    `${fmt(v.othersPercent, 0)} % of the machine`,
    `${fmt(v.wallToLastReadyMs / 1000)} s`,
    `${fmt(v.createSpreadMs / 1000)} s`,
  ]),
};

const prod = results.find((v) => v.name === 'production') ?? results[0];
const lifted = results.find((v) => v.name === 'lifted');
const targets: TargetRow[] = [];
if (prod) {
  const pass = prod.reply.p99 <= READY_P99_TARGET_S;
  targets.push({
    target: `ready message p99 ≤ ${READY_P99_TARGET_S} s after RUNNING (${count} at once, real-time settings)`,
    measured: `p99 ${fmt(prod.reply.p99)} s (p50 ${fmt(prod.reply.p50)} s)${lifted ? `; Slack pacing lifted: p99 ${fmt(lifted.reply.p99)} s` : ''}`,
    pass,
    ...(pass
      ? {}
      : {
          note: [
            `(1) The Slack queue, by design: every Slack call a worker makes is paced per method as shipped (chat.update 50/min for all messages, thread replies 60/min per channel, views.publish 100/min; Slack's own limits are of that order), urgent states and replies first, so when ${count} notebooks become ready together their urgent updates and replies queue on those budgets (status shows ready at p99 ${fmt(prod.update.p99)} s, the reply at ${fmt(prod.reply.p99)} s).`,
            `(2) Polling: with POLL_MAX_MS = 15 s a notebook is seen up to 15 s after RUNNING (poll lag p99 ${fmt(prod.pollLag.p99)} s here).`,
            lifted
              ? `(3) With the pacing lifted (p99 ${fmt(lifted.reply.p99)} s) what remains is mostly this compressed run's own load: at ${scale}× speed the one worker is CPU-bound (${fmt((lifted.cpuMs / lifted.wallToLastReadyMs) * 100, 0)} % of a core, ${fmt(lifted.cpuMs / lifted.count, 0)} ms CPU per notebook) with its slots also held by App Home refreshes; at real time the same work is a tenth of that load, and an unloaded worker goes from that GET to the reply in tens of ms (20 notebooks, App Home refresh off: ~15 ms).`
              : '',
          ]
            .filter(Boolean)
            .join(' '),
        }),
  });
}
const maxRss = Math.max(...results.map((v) => v.peakRssMiB));
targets.push({
  target: `worker peak RSS < ${RSS_TARGET_MIB} MB`,
  measured: `${fmt(maxRss, 0)} MiB (${results.map((v) => `${v.name} ${fmt(v.peakRssMiB, 0)}`).join(', ')})`,
  pass: maxRss < RSS_TARGET_MIB,
});
const exact = results.every((v) => v.lost === 0 && v.duplicated === 0 && v.notRunning === 0);
targets.push({
  target: 'exactly one ready message per notebook (no loss, no duplicate)',
  measured: results
    .map(
      (v) =>
        `${v.name}: ${v.count - v.lost - v.duplicated}/${v.count} exactly once, ${v.lost} lost, ${v.duplicated} duplicated`,
    )
    .join('; '),
  pass: exact,
});

const result: BenchResult = {
  name: NAME,
  title: 'Lifecycle at scale (bench/lifecycle.ts)',
  mode: args.quick ? 'quick' : 'full',
  startedAt: new Date(started).toISOString(),
  durationMs: Date.now() - started,
  settings: {
    notebooks: count,
    owners: USERS,
    channels: CHANNELS,
    clockScale: scale,
    creation: `${CREATE_MS / 1000} s simulated = ${fmt(CREATE_MS / scale / 1000)} s real`,
    polls: `2 s ×1.5 → 15 s, ÷ ${scale}`,
    slackCoalescing: `15 s ÷ ${scale}`,
    workers: '1 process, concurrency 32 (production)',
  },
  tables: [perNotebook, readyTable, workerTable],
  targets,
  notes: [
    `Jobs at the end: ${results.map((v) => `${v.name} ${JSON.stringify(v.jobCounts)}`).join('; ')}.`,
    `Scaling: every real-time wait of the bot is divided by the clock scale (poll delays, transient backoff cap, Slack coalescing interval, Home refresh delay; the Slack budgets are multiplied by it), so the run is the real-time scenario ${scale}× faster; delays are reported in simulated seconds. CPU work per step does not shrink, so the worker carries ${scale}× the real-time load: polls drift late when it is busy, which is why fewer status GETs are made than the ${schedule.gets} the schedule implies, and why the poll lag is not the schedule's ${fmt(schedule.lag)} s.`,
    'Poll lag is set by the schedule, not by the worker: polls at 2, 5, 9.5, 16.3, 26.4, 41.4 s and then every 15 s after the create. With real, varying creation times the lag spreads over 0–15 s (p99 ≈ 15 s). A 5 s p99 needs polls every ≤ 5 s around the expected ready time (e.g. poll faster once action_progress reaches step 4), or a notification from ModelArts.',
    'App Home GETs: the worker refreshes the owner\'s App Home after notebook record changes, coalesced per owner (HOME_REFRESH_DELAY_MS) and rendered from the records, so it makes no ModelArts call: the "App Home GETs" column should read 0.',
    "Redis commands include those run inside Lua scripts (INFO commandstats); most are BullMQ's (moving delayed jobs, events stream, locks) for each poll step.",
    `RSS is measured on the worker as the bench runs it, through tsx: a child that loads nothing takes ${fmt(baseline.tsx, 0)} MiB under tsx and ${fmt(baseline.plain, 0)} MiB under plain node, so about ${fmt(baseline.tsx - baseline.plain, 0)} MiB of the peak is tsx's loader, which \`node dist/main.js\` does not carry.`,
  ],
};
emit(result, args);
if (!exact) process.exitCode = 1;
