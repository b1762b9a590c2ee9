/**
 * Benchmark child: the ModelArts simulator and FakeSlackApi in a process of their own, so their
 * work (rendering 10,000 notebooks, recording thousands of Slack calls) never runs on the event
 * loop being measured. Settings by environment: BENCH_CLOCK_SCALE, BENCH_CLOCK_EPOCH,
 * BENCH_SLACK_TOKEN (accepted bot token; empty = any).
 */
import { ScaledClock } from '../../src/clock.js';
import { createSimulator, type SeedSpec } from '../../src/simulator/index.js';
import { FakeSlackApi } from '../../src/slack-stand-in/fake-slack-api.js';
import { serveParent } from './serve-parent.js';

const clock = new ScaledClock({
  scale: Number(process.env['BENCH_CLOCK_SCALE'] ?? 1),
  epoch: Number(process.env['BENCH_CLOCK_EPOCH'] ?? Date.now()),
});
const sim = createSimulator({ clock, notFound: '404', logLimit: 10, random: () => 0.5 });
const { url } = await sim.start();
const token = process.env['BENCH_SLACK_TOKEN'];
const slack = await new FakeSlackApi(token ? { validTokens: [token] } : {}).start();

serveParent(
  { simUrl: url, projectId: sim.projectId, slackApiUrl: slack.apiUrl },
  {
    /** Bulk-creates instances; returns their ids (oldest first). */
    seed: (spec) => sim.instances.seed(spec as SeedSpec),
    clearInstances: () => {
      sim.instances.clear();
      return true;
    },
    simStats: () => ({ total: sim.stats.total, calls: { ...sim.stats.calls }, byStatus: { ...sim.stats.byStatus } }),
    /** Web API calls per method (429s are recorded as `<method>#429`). */
    slackCounts: () => {
      const byMethod: Record<string, number> = {};
      for (const c of slack.calls) byMethod[c.method] = (byMethod[c.method] ?? 0) + 1;
      return { total: slack.calls.length, byMethod };
    },
    /** The arguments of the latest call to `method` (e.g. the view of the last views.open). */
    lastCall: (method) => {
      const calls = slack.callsTo(String(method));
      return calls[calls.length - 1]?.args;
    },
    /** Forgets recorded Slack calls and messages (between phases of a bench). */
    resetSlack: () => {
      slack.reset();
      return true;
    },
  },
  async () => {
    await sim.stop();
    await slack.stop();
  },
);
