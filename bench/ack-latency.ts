/**
 * Ack latency: signed Slack requests at a steady open-loop rate against the bot's real HTTP
 * receiver, from send to HTTP response (= Bolt's ack: the bot runs with processBeforeResponse
 * false, so the response leaves when the listener calls ack()). The same load, in alternating
 * rounds, goes to a bare Bolt app whose listeners only ack; the ratio of the two is what the bot adds.
 *
 * Processes: this one generates load (undici Pool, keep-alive); the app under test runs alone in
 * a child (bench/support/ack-app.ts: the composition root's `startBot`, web role); the simulator
 * and FakeSlackApi run in another child; Redis is a throwaway redis-server.
 *
 * Open loop: request i is due at t0 + i/rate whatever happened to earlier ones, and its latency is
 * counted from that due time (a stalled generator or server cannot hide a queue: no coordinated
 * omission). The generator's own lateness is reported separately, and so are the apps' event-loop
 * delay and GC pauses, and the CPU that processes outside the bench used meanwhile.
 *
 *   npx tsx bench/ack-latency.ts [--quick] [--runs 3] [--rate 200] [--duration 30] [--warmup 5]
 *                                [--profile] [--node-flags "--max-semi-space-size=64"]
 */
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { Redis } from 'ioredis';
import { Pool } from 'undici';
import { CREATE_ACTIONS, CREATE_BLOCKS } from '../src/messages/create-modal.js';
import { HOME_ACTIONS } from '../src/messages/home.js';
import { startLocalRedis } from '../src/ops/local-redis.js';
import { SIMULATOR_DEFAULT_FLAVOR } from '../src/simulator/index.js';
import {
  type SenderResponse,
  SlackSender,
  type StateValue,
  type StateValues,
  type ViewPayload,
} from '../src/slack-stand-in/slack-sender.js';
import { type ChildHandle, startChild } from './support/child.js';
import { machineCpuMs, othersPercent, procCpuMs, procMemory } from './support/machine.js';
import { commandCounts, commandDelta, redisCpuMs } from './support/redis-stats.js';
import { BENCH_DIR, type BenchResult, emit, log, numOption, parseArgs, type TargetRow } from './support/report.js';
import { fmt, ratio, type Summary, summarize } from './support/stats.js';

const NAME = 'ack-latency';
const SIGNING_SECRET = 'bench-signing-secret-8f742231b10e';
const BOT_TOKEN = 'xoxb-bench-ack';
const CHANNEL = 'C0BENCHACK';
const USERS = 2000; // the policy allows 30 requests a minute per user: 200/s over 2000 users is 6
const P99_TARGET_MS = 50;
const RATIO_TARGET = 1.3;

const KINDS = [
  'slash: /notebook help',
  'slash: /notebook list',
  'slash: /notebook create (→ views.open)',
  'view submission: create modal (valid)',
  'button: show advanced (modal)',
  'button: refresh (App Home)',
] as const;
type Kind = (typeof KINDS)[number];

interface Prepared {
  kind: Kind;
  body: string;
  contentType: string;
}

interface Sample {
  kind: Kind;
  /** From the due time to the last byte of the response. */
  latencyMs: number;
  /** How late the generator sent it. */
  sendLagMs: number;
  status: number;
  /** The ack carried view errors, or the request failed outright. */
  bad: string | undefined;
}

const args = parseArgs(NAME);
const rate = numOption(args, 'rate', 200);
const durationS = numOption(args, 'duration', args.quick ? 10 : 30);
const warmupS = numOption(args, 'warmup', args.quick ? 3 : 5);
const started = Date.now();

/** Builds request bodies with the stand-in's payload builders, without sending them. */
class BodyCapture extends SlackSender {
  captured: { body: string; contentType: string } | undefined;
  override async send(body: string, contentType: string): Promise<SenderResponse> {
    this.captured = { body, contentType };
    return { status: 0, text: '', json: undefined, elapsedMs: 0 };
  }
}

/** What Slack would send back for each input of `view` if the user kept the initial values. */
function initialValues(view: ViewPayload): StateValues {
  const values: StateValues = {};
  for (const raw of view.blocks ?? []) {
    const block = raw as { type?: string; block_id?: string; element?: Record<string, unknown> };
    if (block.type !== 'input' || !block.block_id || !block.element) continue;
    const el = block.element;
    const type = String(el['type']);
    const v: StateValue = { type };
    if ('initial_option' in el || type.endsWith('select') || type === 'radio_buttons') {
      v.selected_option = (el['initial_option'] as StateValue['selected_option']) ?? null;
    } else {
      v.value = (el['initial_value'] as string | undefined) ?? null;
    }
    values[block.block_id] = { [String(el['action_id'])]: v };
  }
  return values;
}

function prepare(count: number, offset: number, createView: ViewPayload, slackBaseUrl: string): Prepared[] {
  const sender = new BodyCapture({
    url: 'http://unused',
    signingSecret: SIGNING_SECRET,
    responseBaseUrl: slackBaseUrl,
  });
  const base = initialValues(createView);
  const out: Prepared[] = [];
  for (let n = 0; n < count; n++) {
    const i = offset + n;
    const kind = KINDS[i % KINDS.length] as Kind;
    const user = { id: `U0B${String(i % USERS).padStart(6, '0')}` };
    const view = { ...createView, id: `VBENCH${i}`, hash: `h${i}` };
    switch (kind) {
      case 'slash: /notebook help':
        void sender.slashCommand({ user, channelId: CHANNEL, text: 'help' });
        break;
      case 'slash: /notebook list':
        void sender.slashCommand({ user, channelId: CHANNEL, text: 'list' });
        break;
      case 'slash: /notebook create (→ views.open)':
        void sender.slashCommand({ user, channelId: CHANNEL, text: 'create' });
        break;
      case 'view submission: create modal (valid)':
        void sender.viewSubmission({
          user,
          view,
          values: {
            ...base,
            [CREATE_BLOCKS.name]: { value: { type: 'plain_text_input', value: `bench-${i}` } },
          },
        });
        break;
      case 'button: show advanced (modal)':
        void sender.blockActions({
          user,
          view: { ...view, state: { values: base } },
          actions: [
            {
              type: 'button',
              block_id: CREATE_BLOCKS.advancedToggle,
              action_id: CREATE_ACTIONS.toggleAdvanced,
              value: 'show',
              text: { type: 'plain_text', text: 'Show advanced options' },
            },
          ],
        });
        break;
      case 'button: refresh (App Home)':
        void sender.blockActions({
          user,
          view: { id: `VHOME${i}`, type: 'home', blocks: [] },
          actions: [{ type: 'button', block_id: 'home_actions', action_id: HOME_ACTIONS.refresh, value: 'refresh' }],
        });
        break;
    }
    if (!sender.captured) throw new Error(`no body built for ${kind}`);
    out.push({ kind, ...sender.captured });
  }
  return out;
}

/** Sends `requests` at `rate` per second, open loop; returns one sample per request. */
async function openLoop(pool: Pool, requests: readonly Prepared[]): Promise<Sample[]> {
  const interval = 1000 / rate;
  const samples: Sample[] = new Array(requests.length);
  const inflight: Array<Promise<void>> = [];
  const t0 = performance.now() + 20;
  for (let i = 0; i < requests.length; i++) {
    const due = t0 + i * interval;
    const wait = due - performance.now();
    if (wait > 1) await sleep(wait - 0.5);
    while (performance.now() < due) {
      // The last half millisecond: spin, so requests leave on time.
    }
    const req = requests[i] as Prepared;
    const sentAt = performance.now();
    const timestamp = Math.floor(Date.now() / 1000);
    inflight.push(
      pool
        .request({
          path: '/slack/events',
          method: 'POST',
          headers: {
            'content-type': req.contentType,
            'x-slack-request-timestamp': String(timestamp),
            'x-slack-signature': SlackSender.sign(SIGNING_SECRET, timestamp, req.body),
          },
          body: req.body,
        })
        .then(async (res) => {
          const text = await res.body.text();
          const end = performance.now();
          let bad: string | undefined;
          if (res.statusCode !== 200) bad = `HTTP ${res.statusCode}`;
          else if (text.includes('"response_action":"errors"')) bad = `view errors ${text.slice(0, 200)}`;
          samples[i] = { kind: req.kind, latencyMs: end - due, sendLagMs: sentAt - due, status: res.statusCode, bad };
        })
        .catch((err: unknown) => {
          samples[i] = {
            kind: req.kind,
            latencyMs: performance.now() - due,
            sendLagMs: sentAt - due,
            status: 0,
            bad: String(err),
          };
        }),
    );
  }
  await Promise.all(inflight);
  return samples;
}

interface AppUnderTest {
  app: 'bot' | 'bare';
  child: ChildHandle;
  pool: Pool;
  samples: Sample[];
  wallMs: number;
  cpuMs: number;
  probes: Probes[];
  /** CPU ms used by processes outside this bench during this app's segments. */
  othersMs: number;
  /** Redis commands run during this app's measured segments (INFO commandstats; Lua's inner ones included). */
  redisCommands: number;
  /** EVAL/EVALSHA calls among them. */
  redisScripts: number;
  /** CPU ms the stand-ins (FakeSlackApi, simulator) and redis-server used during this app's segments. */
  standInsMs: number;
  redisMs: number;
}

/** Inside the app's process, per measured segment (bench/support/ack-app.ts). */
interface Probes {
  loopP50: number;
  loopP99: number;
  loopMax: number;
  gcCount: number;
  gcTotalMs: number;
  gcMaxMs: number;
  gcMajorCount: number;
  gcMajorMaxMs: number;
}

async function startApp(
  app: 'bot' | 'bare',
  standIns: ChildHandle,
  redisUrl: string,
  run: number,
): Promise<AppUnderTest> {
  const child = await startChild(join(BENCH_DIR, 'support/ack-app.ts'), {
    // The built bot (dist/) under plain node, as `npm start` runs it; bare Bolt likewise.
    built: true,
    execArgv: [
      // `--profile`: V8 CPU profiles of each app (one per thread), in bench/.tmp/profile-<app>/ at exit.
      ...(args.options.has('profile')
        ? ['--cpu-prof', '--cpu-prof-dir', join(BENCH_DIR, '.tmp', `profile-${app}${run > 1 ? `-${run}` : ''}`)]
        : []),
      // `--node-flags "--max-semi-space-size=64"`: Node/V8 flags for both apps (e.g. GC tuning).
      ...(args.options.get('node-flags')?.split(' ').filter(Boolean) ?? []),
    ],
    env: {
      BENCH_APP: app,
      BENCH_SIGNING_SECRET: SIGNING_SECRET,
      BENCH_BOT_TOKEN: BOT_TOKEN,
      BENCH_SLACK_API_URL: String(standIns.info['slackApiUrl']),
      BENCH_SIM_URL: String(standIns.info['simUrl']),
      BENCH_REDIS_URL: redisUrl,
      BENCH_DEFAULT_FLAVOR: SIMULATOR_DEFAULT_FLAVOR,
      // `--alloc-profile`: where each app's allocations come from (garbage included), at exit.
      ...(args.options.has('alloc-profile')
        ? { BENCH_ALLOC_PROFILE: join(BENCH_DIR, '.tmp', `alloc-${app}${run > 1 ? `-${run}` : ''}.heapprofile`) }
        : {}),
    },
  });
  const pool = new Pool(`http://127.0.0.1:${Number(child.info['port'])}`, {
    connections: 64,
    keepAliveTimeout: 30_000,
  });
  return {
    app,
    child,
    pool,
    samples: [],
    wallMs: 0,
    cpuMs: 0,
    probes: [],
    othersMs: 0,
    redisCommands: 0,
    redisScripts: 0,
    standInsMs: 0,
    redisMs: 0,
  };
}

/** The create modal as the bot really opens it: its blocks, ids and private_metadata. */
async function openedCreateModal(bot: AppUnderTest, standIns: ChildHandle, slackBaseUrl: string): Promise<ViewPayload> {
  const sender = new SlackSender({
    url: `http://127.0.0.1:${Number(bot.child.info['port'])}/slack/events`,
    signingSecret: SIGNING_SECRET,
    responseBaseUrl: slackBaseUrl,
  });
  const res = await sender.slashCommand({ user: { id: 'U0BSETUP01' }, channelId: CHANNEL, text: 'create' });
  if (res.status !== 200) throw new Error(`/notebook create answered HTTP ${res.status}: ${res.text}`);
  for (let i = 0; i < 100; i++) {
    const opened = await standIns.call<{ view?: ViewPayload } | undefined>('lastCall', 'views.open');
    if (opened?.view) return opened.view;
    await sleep(50);
  }
  throw new Error('the bot did not open the create modal');
}

/** What one run started besides the apps: Redis (and a connection to read its stats), the stand-ins. */
interface RunParts {
  admin: Redis;
  standIns: ChildHandle;
  /** Every child process of the run (stand-ins and both apps), for the CPU this bench used. */
  pids: number[];
}

/** CPU ms of every process this bench started, and of the whole machine. */
async function cpuSnapshot(parts: RunParts): Promise<{ ours: number; machine: number }> {
  const self = process.cpuUsage();
  let ours = (self.user + self.system) / 1000 + (await redisCpuMs(parts.admin));
  for (const pid of parts.pids) ours += procCpuMs(pid) ?? 0;
  return { ours, machine: machineCpuMs() };
}

/** One segment of load against one app; its samples, wall and CPU time are added to the app's. */
async function segment(
  parts: RunParts,
  target: AppUnderTest,
  requests: readonly Prepared[],
  record: boolean,
): Promise<void> {
  const { admin, standIns } = parts;
  await target.child.call('resetProbes');
  const commands0 = await commandCounts(admin);
  const cpu0 = procCpuMs(target.child.pid) ?? 0;
  const standIns0 = procCpuMs(standIns.pid) ?? 0;
  const redis0 = await redisCpuMs(admin);
  const snap0 = await cpuSnapshot(parts);
  const t0 = performance.now();
  const samples = await openLoop(target.pool, requests);
  const wall = performance.now() - t0;
  const snap1 = await cpuSnapshot(parts);
  const standIns1 = procCpuMs(standIns.pid) ?? 0;
  const redis1 = await redisCpuMs(admin);
  const probes = await target.child.call<Probes>('probes');
  // Counted after the app settled a moment, so the after-ack work of the segment's last requests is in.
  await sleep(200);
  const commands = commandDelta(commands0, await commandCounts(admin));
  if (!record) {
    const bad = samples.filter((s) => s.bad);
    if (bad.length) log(NAME, `  ${target.app} warm-up: ${bad.length} bad answers, e.g. ${bad[0]?.bad}`);
    return;
  }
  target.wallMs += wall;
  target.cpuMs += (procCpuMs(target.child.pid) ?? 0) - cpu0;
  target.othersMs += Math.max(0, snap1.machine - snap0.machine - (snap1.ours - snap0.ours));
  target.samples.push(...samples);
  target.probes.push(probes);
  target.redisCommands += commands.total;
  target.redisScripts += commands.scripts;
  target.standInsMs += standIns1 - standIns0;
  target.redisMs += redis1 - redis0;
}

// --------------------------------------------------------------------------------------- main
/** One run: a fresh Redis, stand-ins and pair of apps; bot and bare alternate in `rounds` rounds. */
interface Run {
  bot: AppUnderTest;
  bare: AppUnderTest;
  /** RSS at the end, MiB, by app. */
  rss: Record<string, number>;
  /** heapUsed after the warm-up and at the end, MiB: a heap that keeps growing makes GC pauses longer. */
  heap: Record<string, [number, number]>;
}

// Short alternating rounds: whatever else the machine does is spread over both apps alike.
const rounds = args.quick ? 4 : 6;
// Medians of repeated runs, as every target of the benchmarks: a single run's p99 swings with the machine.
const runs = numOption(args, 'runs', args.quick ? 1 : 3);
const heapMiB = async (t: AppUnderTest) => (await t.child.call<NodeJS.MemoryUsage>('memory')).heapUsed / 1024 ** 2;

async function runOnce(run: number): Promise<Run> {
  const redisServer = await startLocalRedis();
  const admin = new Redis(redisServer.url);
  const standIns = await startChild(join(BENCH_DIR, 'support/stand-ins.ts'), { env: { BENCH_CLOCK_SCALE: '1' } });
  const slackBaseUrl = String(standIns.info['slackApiUrl']).replace(/\/api\/$/, '');
  let bot: AppUnderTest | undefined;
  let bare: AppUnderTest | undefined;
  const rss: Record<string, number> = {};
  const heap: Record<string, [number, number]> = {};
  try {
    // Something for `/notebook list` to show.
    await standIns.call('seed', { count: 30, status: 'RUNNING', namePrefix: 'ack-bench' });
    bot = await startApp('bot', standIns, redisServer.url, run);
    bare = await startApp('bare', standIns, redisServer.url, run);
    const parts: RunParts = { admin, standIns, pids: [standIns.pid, bot.child.pid, bare.child.pid] };
    const view = await openedCreateModal(bot, standIns, slackBaseUrl);
    const warmupCount = Math.round(rate * warmupS);
    const perRound = Math.round((rate * durationS) / rounds);
    // Distinct requests for every send (trigger ids, view ids, names), built before any load.
    const requests = prepare(2 * warmupCount + 2 * rounds * perRound, 0, view, slackBaseUrl);
    let at = 0;
    const take = (n: number) => {
      const part = requests.slice(at, at + n);
      at += n;
      return part;
    };
    for (const target of [bot, bare]) {
      log(NAME, `run ${run}/${runs}, ${target.app}: warm-up ${warmupS} s at ${rate}/s`);
      await segment(parts, target, take(warmupCount), false);
    }
    for (const target of [bot, bare]) heap[target.app] = [await heapMiB(target), Number.NaN];
    // Bot and bare alternate, so that anything else the machine does hits both alike.
    for (let r = 0; r < rounds; r++) {
      for (const target of [bot, bare]) {
        log(
          NAME,
          `run ${run}/${runs}, ${target.app}: round ${r + 1}/${rounds}, ${fmt(perRound / rate, 0)} s at ${rate}/s`,
        );
        await segment(parts, target, take(perRound), true);
        await sleep(500);
      }
    }
    for (const target of [bot, bare]) {
      rss[target.app] = procMemory(target.child.pid)?.rssMiB ?? Number.NaN;
      const h = heap[target.app];
      if (h) h[1] = await heapMiB(target);
    }
  } finally {
    for (const target of [bot, bare]) {
      if (!target) continue;
      await target.pool.close();
      await target.child.stop();
    }
    await standIns.stop();
    await admin.quit();
    await redisServer.stop();
  }
  if (!bot || !bare) throw new Error('the apps did not start');
  return { bot, bare, rss, heap };
}

const allRuns: Run[] = [];
for (let r = 1; r <= runs; r++) allRuns.push(await runOnce(r));
const p99RatioOf = (run: Run) =>
  ratio(
    summarize(run.bot.samples.map((s) => s.latencyMs)).p99,
    summarize(run.bare.samples.map((s) => s.latencyMs)).p99,
  );
// The run with the median p99 ratio is shown in full; every run's figures are listed below it.
const ranked = [...allRuns].sort((a, b) => p99RatioOf(a) - p99RatioOf(b));
// With an even count, the higher of the two middle runs: the target is not met by a lucky half.
const medianRun = ranked[Math.floor(ranked.length / 2)] as Run;
const { bot, bare, rss, heap } = medianRun;

const summaryRow = (label: string, s: Summary, extra: string[] = []) => [
  label,
  String(s.count),
  fmt(s.p50, 2),
  fmt(s.p95, 2),
  fmt(s.p99, 2),
  fmt(s.max, 1),
  ...extra,
];
const byKind = (run: AppUnderTest, kind?: Kind) =>
  summarize(run.samples.filter((s) => !kind || s.kind === kind).map((s) => s.latencyMs));
const botAll = byKind(bot);
const bareAll = byKind(bare);
const rows: string[][] = [];
for (const kind of KINDS) {
  const b = byKind(bot, kind);
  const r = byKind(bare, kind);
  const bad = bot.samples.filter((s) => s.kind === kind && s.bad).length;
  rows.push(
    summaryRow(kind, b, [
      fmt(r.p50, 2),
      fmt(r.p95, 2),
      fmt(r.p99, 2),
      `${fmt(ratio(b.p50, r.p50), 2)}×`,
      `${fmt(ratio(b.p95, r.p95), 2)}×`,
      `${fmt(ratio(b.p99, r.p99), 2)}×`,
      String(bad),
    ]),
  );
}
const botBad = bot.samples.filter((s) => s.bad);
rows.push(
  summaryRow('**all**', botAll, [
    fmt(bareAll.p50, 2),
    fmt(bareAll.p95, 2),
    fmt(bareAll.p99, 2),
    `${fmt(ratio(botAll.p50, bareAll.p50), 2)}×`,
    `${fmt(ratio(botAll.p95, bareAll.p95), 2)}×`,
    `${fmt(ratio(botAll.p99, bareAll.p99), 2)}×`,
    String(botBad.length),
  ]),
);
const lag = summarize(bot.samples.map((s) => s.sendLagMs));
const lagBare = summarize(bare.samples.map((s) => s.sendLagMs));
const achieved = (run: AppUnderTest) => run.samples.length / (run.wallMs / 1000);
const p99Ratio = ratio(botAll.p99, bareAll.p99);
const runRatios = allRuns.map((r) => `${fmt(p99RatioOf(r), 2)}×`).join(', ');
const worstProbe = (r: AppUnderTest, k: keyof Probes) => Math.max(...r.probes.map((p) => p[k]));
const sumProbe = (r: AppUnderTest, k: keyof Probes) => r.probes.reduce((a, p) => a + p[k], 0);
const cpuShare = (r: AppUnderTest) => (r.cpuMs / r.wallMs) * 100;
/** Where the tail comes from, in numbers measured in this run. */
const cpuPerRequest = (r: AppUnderTest) => r.cpuMs / r.samples.length;
const gcShare = (r: AppUnderTest) => (sumProbe(r, 'gcTotalMs') / r.wallMs) * 100;
const tailNote = [
  `The steady path is fast (p50 ${fmt(botAll.p50, 1)} ms, p95 ${fmt(botAll.p95, 1)} ms): the p99 is made of stalls.`,
  `In the bot's process the event loop was held up to ${fmt(worstProbe(bot, 'loopMax'), 0)} ms (p99 ${fmt(worstProbe(bot, 'loopP99'), 1)} ms); GC paused it ${sumProbe(bot, 'gcCount')} times, ${fmt(gcShare(bot), 1)} % of the time, up to ${fmt(worstProbe(bot, 'gcMaxMs'), 0)} ms at once (bare Bolt: ${sumProbe(bare, 'gcCount')} pauses, ${fmt(gcShare(bare), 1)} %), so about ${fmt(gcShare(bot), 0)} % of requests arrive during a pause.`,
  `The bot spends ${fmt(cpuShare(bot), 0)} % of a core at ${rate}/s against ${fmt(cpuShare(bare), 0)} % for bare Bolt (${fmt(cpuPerRequest(bot), 2)} vs ${fmt(cpuPerRequest(bare), 2)} ms a request): its after-ack work (Web API calls through @slack/web-api, response_url replies, ModelArts, ${fmt(bot.redisCommands / bot.samples.length, 1)} Redis commands a request) runs on the same event loop and allocates the garbage behind those pauses.`,
  `That work also keeps the stand-ins busy (${fmt((bot.standInsMs / bot.wallMs) * 100, 0)} % of a core) and redis-server (${fmt((bot.redisMs / bot.wallMs) * 100, 0)} %) during the bot's rounds, on the same 2 cores as the bot and the load generator (late by up to ${fmt(lag.max, 0)} ms), where bare Bolt's rounds keep them idle: in production Slack and ModelArts run elsewhere.`,
  `Processes outside this bench used ${fmt(othersPercent(bot.othersMs, 0, bot.wallMs), 0)} % of the machine during the bot's rounds and ${fmt(othersPercent(bare.othersMs, 0, bare.wallMs), 0)} % during bare Bolt's.`,
].join(' ');
const targets: TargetRow[] = [
  {
    target: `ack p99 < ${P99_TARGET_MS} ms at ${rate} req/s (2 cores)`,
    measured: `p99 ${fmt(botAll.p99, 1)} ms (p50 ${fmt(botAll.p50, 1)} ms, worst kind p99 ${fmt(Math.max(...KINDS.map((k) => byKind(bot, k).p99)), 1)} ms)${runs > 1 ? `; the median run of ${runs}` : ''}`,
    pass: botAll.p99 < P99_TARGET_MS && botBad.length === 0,
    ...(botBad.length
      ? { note: `${botBad.length} bad answers, e.g. ${botBad[0]?.bad}` }
      : botAll.p99 < P99_TARGET_MS
        ? {}
        : { note: tailNote }),
  },
  {
    target: `ack latency p99 ≤ ${RATIO_TARGET} × a bare Bolt app at ${rate} req/s (all kinds; both on dist/ under node)`,
    measured:
      runs > 1
        ? `${fmt(p99Ratio, 2)}× at p99, median of ${runs} runs (${runRatios}); that run: ${fmt(botAll.p99, 1)} vs ${fmt(bareAll.p99, 1)} ms, ${fmt(ratio(botAll.p50, bareAll.p50), 2)}× at p50`
        : `${fmt(p99Ratio, 2)}× at p99 (${fmt(botAll.p99, 1)} vs ${fmt(bareAll.p99, 1)} ms); ${fmt(ratio(botAll.p50, bareAll.p50), 2)}× at p50`,
    pass: p99Ratio <= RATIO_TARGET,
    ...(p99Ratio <= RATIO_TARGET
      ? {}
      : {
          note: `Bare Bolt does nothing but ack. The bot acks commands and buttons before any Redis or Web API call; before the ack of a create-modal submission it reads the catalog and runs the access check (Redis), so that its errors go in the ack: with Bolt's middleware and the request's correlation and metrics, that is the p50 ratio (${fmt(ratio(botAll.p50, bareAll.p50), 2)}×). ${tailNote}`,
        }),
  },
];

const result: BenchResult = {
  name: NAME,
  title: 'Ack latency (bench/ack-latency.ts)',
  mode: args.quick ? 'quick' : 'full',
  startedAt: new Date(started).toISOString(),
  durationMs: Date.now() - started,
  settings: {
    rate: `${rate}/s open loop`,
    measured: `${durationS} s per app in ${rounds} alternating rounds, after ${warmupS} s warm-up each; ${runs} run${runs > 1 ? 's' : ''}, each on a fresh Redis, stand-ins and apps`,
    mix: `${KINDS.length} kinds round-robin`,
    users: USERS,
    connections: 64,
    app: 'startBot, ROLES=web, HTTP mode',
  },
  tables: [
    {
      title: `Latency from due time to HTTP response, ms (bot; bare Bolt for comparison)${runs > 1 ? `: the median run of ${runs}` : ''}`,
      headers: [
        'request',
        'n',
        'p50',
        'p95',
        'p99',
        'max',
        'bare p50',
        'bare p95',
        'bare p99',
        'ratio p50',
        'ratio p95',
        'ratio p99',
        'bad answers',
      ],
      rows,
    },
    {
      title: `Every run (${runs}): all kinds, ms; the tables above and below show the median run (*)`,
      headers: [
        'run',
        'bot p50',
        'bot p99',
        'bare p50',
        'bare p99',
        'ratio p50',
        'ratio p99',
        'bot CPU a request',
        'bot GC pauses',
        'other processes (not this bench)',
      ],
      rows: allRuns.map((r, i) => {
        const b = summarize(r.bot.samples.map((x) => x.latencyMs));
        const n = summarize(r.bare.samples.map((x) => x.latencyMs));
        return [
          `${i + 1}${r === medianRun ? ' *' : ''}`,
          fmt(b.p50, 2),
          fmt(b.p99, 2),
          fmt(n.p50, 2),
          fmt(n.p99, 2),
          `${fmt(ratio(b.p50, n.p50), 2)}×`,
          `${fmt(ratio(b.p99, n.p99), 2)}×`,
          `${fmt(r.bot.cpuMs / r.bot.samples.length, 2)} ms`,
          String(r.bot.probes.reduce((a, p) => a + p.gcCount, 0)),
          `${fmt(othersPercent(r.bot.othersMs + r.bare.othersMs, 0, r.bot.wallMs + r.bare.wallMs), 0)} %`,
        ];
      }),
    },
    {
      title: 'Load and processes',
      headers: [
        'app',
        'achieved rate',
        'app CPU (of one core; per request)',
        'app RSS at end',
        'app heap used: after warm-up → end',
        'app event-loop delay p99 / max',
        'app GC pauses: count / total / longest (of which mark-compact: count / longest)',
        'generator lateness p50 / p99 / max',
        'Redis commands per request (of which scripts)',
        'stand-ins / redis-server CPU meanwhile (of one core)',
        'other processes (not this bench) during its segments',
      ],
      rows: [bot, bare].map((r) => {
        const l = r === bot ? lag : lagBare;
        const worst = (k: keyof Probes) => Math.max(...r.probes.map((p) => p[k]));
        const sum = (k: keyof Probes) => r.probes.reduce((a, p) => a + p[k], 0);
        return [
          r.app === 'bot' ? 'bot (startBot, web role)' : 'bare Bolt (ack only)',
          `${fmt(achieved(r), 0)}/s`,
          `${fmt((r.cpuMs / r.wallMs) * 100, 0)} % (${fmt(r.cpuMs / r.samples.length, 2)} ms a request)`,
          `${fmt(rss[r.app], 0)} MiB`,
          `${fmt(heap[r.app]?.[0], 0)} → ${fmt(heap[r.app]?.[1], 0)} MiB`,
          `${fmt(worst('loopP99'), 1)} / ${fmt(worst('loopMax'), 1)} ms`,
          `${sum('gcCount')} / ${fmt(sum('gcTotalMs'), 0)} ms / ${fmt(worst('gcMaxMs'), 1)} ms (${sum('gcMajorCount')} / ${fmt(worst('gcMajorMaxMs'), 1)} ms)`,
          `${fmt(l.p50, 2)} / ${fmt(l.p99, 2)} / ${fmt(l.max, 1)} ms`,
          `${fmt(r.redisCommands / r.samples.length, 2)} (${fmt(r.redisScripts / r.samples.length, 2)})`,
          `${fmt((r.standInsMs / r.wallMs) * 100, 0)} % / ${fmt((r.redisMs / r.wallMs) * 100, 0)} %`,
          `${fmt(othersPercent(r.othersMs, 0, r.wallMs), 0)} % of the machine`,
        ];
      }),
    },
  ],
  targets,
  notes: [
    'Latency is counted from when each request was due (open loop), so generator lateness is included; it is shown separately and stays far below the latencies.',
    "Each kind is a sixth of the load. Work done after the ack (views.open, status post and enqueue, App Home publish, the ModelArts list) runs on the same event loop and delays other requests' acks: that is part of what is measured.",
  ],
};
emit(result, args);
