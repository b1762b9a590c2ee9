/**
 * `npm run simulator`: the ModelArts simulator on http://127.0.0.1:8089 for demos and curl.
 *
 *   npm run simulator                              serve (PORT, HOST, SIMULATOR_TIME_SCALE, SIMULATOR_SEED)
 *   npx tsx src/simulator/cli.ts serve --port 9000 --scale 60 --seed 100
 *   npx tsx src/simulator/cli.ts sign GET '/v1/<pid>/notebooks?limit=10'      prints a signed curl command
 *   eval "$(npx tsx src/simulator/cli.ts sign GET /v1/<pid>/notebooks)"       …and runs it
 *   npx tsx src/simulator/cli.ts sign GET /v1/<pid>/notebooks --lang none      no X-Language: Chinese messages
 */
import { parseArgs } from 'node:util';
import { ScaledClock } from '../clock.js';
import { signedCurl } from './curl.js';
import {
  createSimulator,
  SIMULATOR_AK,
  SIMULATOR_DEFAULT_FLAVOR,
  SIMULATOR_DEFAULT_IMAGE_ID,
  SIMULATOR_DEFAULT_PORT,
  SIMULATOR_IAM_USER,
  SIMULATOR_PROJECT_ID,
  SIMULATOR_SK,
} from './index.js';

const USAGE = `Usage:
  npx tsx src/simulator/cli.ts [serve] [--port N] [--host H] [--scale S] [--seed N]
  npx tsx src/simulator/cli.ts sign METHOD PATH [--data JSON] [--url URL] [--lang en-us|zh-cn|none]
Environment: PORT (default ${SIMULATOR_DEFAULT_PORT}), HOST (default 127.0.0.1), SIMULATOR_TIME_SCALE (default 1),
             SIMULATOR_SEED (instances to pre-create), SIMULATOR_URL (for sign).
In PATH, <pid> stands for the project id. Signed calls send X-Language: en-us unless --lang says otherwise.`;

function numberOption(value: string | undefined, name: string, fallback: number): number {
  if (value === undefined || value === '') return fallback;
  const n = Number(value);
  if (!Number.isFinite(n) || n < 0) throw new Error(`${name} must be a non-negative number, got "${value}"`);
  return n;
}

async function serve(flags: Record<string, string | undefined>): Promise<void> {
  const port = numberOption(flags['port'] ?? process.env['PORT'], 'port', SIMULATOR_DEFAULT_PORT);
  const host = flags['host'] ?? process.env['HOST'] ?? '127.0.0.1';
  const scale = numberOption(flags['scale'] ?? process.env['SIMULATOR_TIME_SCALE'], 'time scale', 1);
  const seed = numberOption(flags['seed'] ?? process.env['SIMULATOR_SEED'], 'seed', 0);
  if (scale <= 0) throw new Error('the time scale must be greater than 0');

  const sim = createSimulator({ clock: new ScaledClock({ scale }) });
  if (seed > 0) sim.instances.seed({ count: seed, status: 'RUNNING' });
  const { url } = await sim.start(port, host);
  const createBody = JSON.stringify({
    name: 'my-notebook',
    flavor: SIMULATOR_DEFAULT_FLAVOR,
    image_id: SIMULATOR_DEFAULT_IMAGE_ID,
    volume: { category: 'EVS', ownership: 'MANAGED', capacity: 5 },
  });
  const cli = 'npx tsx src/simulator/cli.ts';
  process.stdout.write(`ModelArts simulator listening on ${url}  (time scale x${scale}${seed ? `, ${seed} instances seeded` : ''})

  Endpoint     ${url}   (use it as the ModelArts endpoint)
  Project id   ${SIMULATOR_PROJECT_ID}
  AK / SK      ${SIMULATOR_AK} / ${SIMULATOR_SK}
  IAM user     domain ${SIMULATOR_IAM_USER.domain}, user ${SIMULATOR_IAM_USER.name}, password ${SIMULATOR_IAM_USER.password}  (POST ${url}/v3/auth/tokens)

Admin endpoints (no signature):
  curl -s ${url}/__sim/stats
  curl -s -X POST ${url}/__sim/seed -H 'Content-Type: application/json' -d '{"count":5,"status":"RUNNING"}'
  curl -s ${url}/__sim/instances
  curl -s -X POST ${url}/__sim/faults/throttle -H 'Content-Type: application/json' -d '{"count":3,"retryAfterSec":2}'
  curl -s -X POST ${url}/__sim/faults/create-failures -d '{"count":1}'
  curl -s -X POST ${url}/__sim/reset
  (also /__sim/faults/{start-failures,hang-creates,hang-starts,server-errors,delay,drop}, /__sim/clock/advance)

Signed API calls (the command prints a curl line; signatures expire after 15 minutes):
  ${cli} sign GET '/v1/<pid>/notebooks?limit=10'
  eval "$(${cli} sign GET /v1/<pid>/notebooks/flavors)"
  eval "$(${cli} sign POST /v1/<pid>/notebooks --data '${createBody}')"
Set SIMULATOR_URL when the simulator is not on ${url}. Ctrl-C stops.
`);
  const shutdown = () => {
    sim.stop().then(
      () => process.exit(0),
      () => process.exit(1),
    );
  };
  process.once('SIGINT', shutdown);
  process.once('SIGTERM', shutdown);
}

function sign(positionals: string[], flags: Record<string, string | undefined>): void {
  const [method, path] = positionals;
  if (!method || !path) throw new Error('sign needs METHOD and PATH, e.g. sign GET /v1/<pid>/notebooks');
  const port = process.env['PORT'] ?? String(SIMULATOR_DEFAULT_PORT);
  const baseUrl = flags['url'] ?? process.env['SIMULATOR_URL'] ?? `http://127.0.0.1:${port}`;
  const { command } = signedCurl({
    baseUrl,
    method,
    path,
    projectId: SIMULATOR_PROJECT_ID,
    ak: SIMULATOR_AK,
    sk: SIMULATOR_SK,
    ...(flags['data'] !== undefined ? { body: flags['data'] } : {}),
    ...(flags['lang'] !== undefined ? { language: flags['lang'] === 'none' ? null : flags['lang'] } : {}),
  });
  process.stdout.write(`${command}\n`);
}

async function main(): Promise<void> {
  const { values, positionals } = parseArgs({
    allowPositionals: true,
    options: {
      port: { type: 'string' },
      host: { type: 'string' },
      scale: { type: 'string' },
      seed: { type: 'string' },
      data: { type: 'string' },
      url: { type: 'string' },
      lang: { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
  });
  const flags: Record<string, string | undefined> = {
    port: values.port,
    host: values.host,
    scale: values.scale,
    seed: values.seed,
    data: values.data,
    url: values.url,
    lang: values.lang,
  };
  const [command = 'serve', ...rest] = positionals;
  if (values.help || command === 'help') {
    process.stdout.write(`${USAGE}\n`);
    return;
  }
  if (command === 'serve') return serve(flags);
  if (command === 'sign') return sign(rest, flags);
  throw new Error(`unknown command "${command}"\n${USAGE}`);
}

main().catch((err: unknown) => {
  process.stderr.write(`simulator: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(1);
});
