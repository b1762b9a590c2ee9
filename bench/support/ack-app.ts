/**
 * Benchmark child: the HTTP receiver under test, alone in its process.
 *
 * - BENCH_APP=bot: the real bot, web role only, built by the composition root (`startBot`) from a
 *   configuration exactly as `npm start` reads it from the environment: Bolt's HTTPReceiver on
 *   /slack/events, real Redis, the ModelArts simulator at MODELARTS_ENDPOINT, FakeSlackApi as the
 *   Web API (SLACK_API_URL).
 * - BENCH_APP=bare: a bare Bolt app on the same HTTPReceiver whose listeners only ack: the floor
 *   any Bolt app pays (signature check, body parsing, middleware chain).
 *
 * Reports `{port}` when listening. BENCH_* variables carry the stand-ins' addresses.
 */

import { writeFileSync } from 'node:fs';
import type { Server } from 'node:http';
import { Session } from 'node:inspector/promises';
import type { AddressInfo } from 'node:net';
import { constants, monitorEventLoopDelay, PerformanceObserver } from 'node:perf_hooks';
import { App, HTTPReceiver, LogLevel } from '@slack/bolt';
import { startBot } from '../../src/app/bot.js';
import { loadConfig } from '../../src/config.js';
import { serveParent } from './serve-parent.js';

function env(name: string): string {
  const v = process.env[name];
  if (v === undefined || v === '') throw new Error(`${name} is required`);
  return v;
}

const mode = env('BENCH_APP');

// `--alloc-profile`: V8's sampling heap profiler, keeping the samples of objects the GC already
// collected, so the profile shows where the garbage behind the GC pauses is allocated (not only
// what is still alive, as `--heap-prof` does). Written as a .heapprofile at shutdown.
const allocProfile = process.env['BENCH_ALLOC_PROFILE'];
let stopAllocProfile = async () => {};
if (allocProfile) {
  const session = new Session();
  session.connect();
  await session.post('HeapProfiler.startSampling', {
    samplingInterval: 32 * 1024,
    includeObjectsCollectedByMajorGC: true,
    includeObjectsCollectedByMinorGC: true,
  });
  stopAllocProfile = async () => {
    const { profile } = await session.post('HeapProfiler.stopSampling');
    writeFileSync(allocProfile, JSON.stringify(profile));
    session.disconnect();
  };
}

// Where the time goes inside this process: event-loop delay (anything that blocks it: our code,
// Bolt, JSON, GC) and garbage-collection pauses, per measured segment.
const loopDelay = monitorEventLoopDelay({ resolution: 1 });
loopDelay.enable();
let gcPauses: Array<{ ms: number; major: boolean }> = [];
new PerformanceObserver((list) => {
  for (const e of list.getEntries()) {
    // detail.kind, perf_hooks.constants: 1 minor (scavenge), 4 major (mark-compact), 8 incremental
    // marking, 16 weak callbacks.
    const kind = (e as unknown as { detail?: { kind?: number } }).detail?.kind ?? 0;
    gcPauses.push({ ms: e.duration, major: kind === constants.NODE_PERFORMANCE_GC_MAJOR });
  }
}).observe({ entryTypes: ['gc'] });
const probes = {
  memory: () => process.memoryUsage(),
  /** Resets the event-loop and GC statistics (start of a segment). */
  resetProbes: () => {
    loopDelay.reset();
    gcPauses = [];
    return true;
  },
  /** Event-loop delay (ms) and GC pauses since the last reset. */
  probes: () => ({
    loopP50: loopDelay.percentile(50) / 1e6,
    loopP99: loopDelay.percentile(99) / 1e6,
    loopMax: loopDelay.max / 1e6,
    gcCount: gcPauses.length,
    gcTotalMs: gcPauses.reduce((a, b) => a + b.ms, 0),
    gcMaxMs: gcPauses.reduce((a, b) => Math.max(a, b.ms), 0),
    gcMajorCount: gcPauses.filter((p) => p.major).length,
    gcMajorMaxMs: gcPauses.filter((p) => p.major).reduce((a, b) => Math.max(a, b.ms), 0),
  }),
};
const signingSecret = env('BENCH_SIGNING_SECRET');
const botToken = env('BENCH_BOT_TOKEN');
const slackApiUrl = env('BENCH_SLACK_API_URL');

if (mode === 'bot') {
  // Only what an operator would set; everything else keeps its production default.
  const config = loadConfig({
    NODE_ENV: 'production',
    LOG_LEVEL: process.env['BENCH_LOG_LEVEL'] ?? 'warn',
    ROLES: 'web',
    PORT: '0',
    HOST: '127.0.0.1',
    SLACK_BOT_TOKEN: botToken,
    SLACK_SIGNING_SECRET: signingSecret,
    SLACK_API_URL: slackApiUrl,
    REDIS_URL: env('BENCH_REDIS_URL'),
    MODELARTS_ENDPOINT: env('BENCH_SIM_URL'),
    DEFAULT_FLAVOR: env('BENCH_DEFAULT_FLAVOR'),
  });
  const bot = await startBot(config);
  serveParent({ port: bot.httpPort, pid: process.pid }, probes, async () => {
    await stopAllocProfile();
    await bot.stop();
  });
} else if (mode === 'bare') {
  const receiver = new HTTPReceiver({ signingSecret, endpoints: '/slack/events' });
  const app = new App({ token: botToken, receiver, clientOptions: { slackApiUrl }, logLevel: LogLevel.ERROR });
  app.command(/.*/, async ({ ack }) => {
    await ack();
  });
  app.view(/.*/, async ({ ack }) => {
    await ack();
  });
  app.action(/.*/, async ({ ack }) => {
    await ack();
  });
  const server = (await app.start({ port: 0, host: '127.0.0.1' })) as Server;
  const port = (server.address() as AddressInfo).port;
  serveParent({ port, pid: process.pid }, probes, async () => {
    await stopAllocProfile();
    await app.stop();
  });
} else {
  throw new Error(`BENCH_APP must be bot or bare, not ${mode}`);
}
