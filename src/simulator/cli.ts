/**
 * `npm run simulator`: the ModelArts simulator on http://127.0.0.1:8089 for demos and curl, and
 * `sign`, which prints a signed curl command for one API call. `--help` lists both with examples
 * that paste as written (test/docs-examples.test.ts runs them).
 */
import { relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { ScaledClock } from '../clock.js';
import { shellQuote, signedCurl } from './curl.js';
// Only what `sign` needs up front: it runs once per pasted example, the simulator loads for `serve`.
import {
  SIMULATOR_AK,
  SIMULATOR_DEFAULT_PORT,
  SIMULATOR_IAM_USER,
  SIMULATOR_PROJECT_ID,
  SIMULATOR_SK,
} from './defaults.js';

/** Where `sign` sends calls unless `--url`, `SIMULATOR_URL` or `PORT` say otherwise. */
const DEFAULT_URL = `http://127.0.0.1:${SIMULATOR_DEFAULT_PORT}`;

/**
 * How to run this file again from the working directory: `npx tsx src/simulator/cli.ts` in a
 * checkout, `node dist/simulator/cli.js` in the image (compose's simulator), so every printed
 * example pastes where it was printed.
 */
function selfCommand(): string {
  const file = fileURLToPath(import.meta.url);
  const script = relative(process.cwd(), file) || file;
  const word = /^[\w./-]+$/.test(script) ? script : shellQuote(script);
  return script.endsWith('.ts') ? `npx tsx ${word}` : `node ${word}`;
}

function usage(cli: string): string {
  const list = `'/v1/${SIMULATOR_PROJECT_ID}/notebooks?limit=10'`;
  return `Usage:
  ${cli} [serve] [--port N] [--host H] [--scale S] [--seed N]
  ${cli} sign METHOD PATH [--data JSON] [--url URL] [--lang en-us|zh-cn|none]

  serve   Runs the simulator (npm run simulator) and prints its credentials and example calls.
  sign    Prints a curl command for one signed API call; eval "$(…)" runs it. PATH is the API
          path, e.g. /v1/${SIMULATOR_PROJECT_ID}/notebooks ({project_id} in it becomes
          the simulator's project id); quote it when it has a query (? is a shell pattern).
          Sends X-Language: en-us (English messages) unless --lang says otherwise (none: Chinese).

Environment:
  PORT                    serve: port (default ${SIMULATOR_DEFAULT_PORT}); sign: the simulator's port
  HOST                    serve: address (default 127.0.0.1)
  SIMULATOR_TIME_SCALE    simulated ms per real ms (default 1)
  SIMULATOR_CLOCK_EPOCH   epoch ms at which simulated time equals real time (default: start-up);
                          the simulator and bot processes given the same epoch and scale agree on
                          simulated time, as in docker-compose.simulator.yml
  SIMULATOR_SEED          RUNNING instances to create at start
  SIMULATOR_URL           sign: the simulator to sign calls for (default http://127.0.0.1:$PORT)

Examples:
  ${cli} serve --port 9000 --scale 60 --seed 100
  ${cli} sign GET ${list}
  eval "$(${cli} sign GET ${list})"
  ${cli} sign GET ${list} --lang none`;
}

function numberOption(value: string | undefined, name: string, fallback: number): number {
  if (value === undefined || value === '') return fallback;
  const n = Number(value);
  if (!Number.isFinite(n) || n < 0) throw new Error(`${name} must be a non-negative number, got "${value}"`);
  return n;
}

/** `SIMULATOR_CLOCK_EPOCH`, read as the bot's config reads it: whole epoch milliseconds. */
function epochOption(value: string | undefined): number | undefined {
  if (value === undefined || value === '') return undefined;
  if (!/^\d{1,16}$/.test(value)) {
    throw new Error(
      `SIMULATOR_CLOCK_EPOCH must be epoch milliseconds, e.g. 1767225600000 (processes sharing it agree on simulated time), got "${value}"`,
    );
  }
  return Number(value);
}

async function serve(flags: Record<string, string | undefined>): Promise<void> {
  const port = numberOption(flags['port'] ?? process.env['PORT'], 'port', SIMULATOR_DEFAULT_PORT);
  const host = flags['host'] ?? process.env['HOST'] ?? '127.0.0.1';
  const scale = numberOption(flags['scale'] ?? process.env['SIMULATOR_TIME_SCALE'], 'time scale', 1);
  const seed = numberOption(flags['seed'] ?? process.env['SIMULATOR_SEED'], 'seed', 0);
  const epoch = epochOption(process.env['SIMULATOR_CLOCK_EPOCH']);
  if (scale <= 0) throw new Error('the time scale must be greater than 0');

  const { createSimulator, SIMULATOR_DEFAULT_FLAVOR, SIMULATOR_DEFAULT_IMAGE_ID } = await import('./index.js');
  const clock = new ScaledClock({ scale, ...(epoch !== undefined ? { epoch } : {}) });
  const sim = createSimulator({ clock });
  if (seed > 0) sim.instances.seed({ count: seed, status: 'RUNNING' });
  const { url } = await sim.start(port, host);
  const createBody = JSON.stringify({
    name: 'my-notebook',
    flavor: SIMULATOR_DEFAULT_FLAVOR,
    image_id: SIMULATOR_DEFAULT_IMAGE_ID,
    volume: { category: 'EVS', ownership: 'MANAGED', capacity: 5 },
  });
  process.stdout.write(startupText({ url, scale, seed, clock, epochFromEnv: epoch !== undefined, createBody }));
  const shutdown = () => {
    sim.stop().then(
      () => process.exit(0),
      () => process.exit(1),
    );
  };
  process.once('SIGINT', shutdown);
  process.once('SIGTERM', shutdown);
}

interface StartupInfo {
  url: string;
  scale: number;
  seed: number;
  clock: ScaledClock;
  epochFromEnv: boolean;
  /** A create request the simulator accepts as is. */
  createBody: string;
}

/** What `serve` prints: credentials, then calls that paste as they are (same host, same port). */
function startupText({ url, scale, seed, clock, epochFromEnv, createBody }: StartupInfo): string {
  const cli = selfCommand();
  const target = url === DEFAULT_URL ? '' : ` --url ${url}`;
  const base = `/v1/${SIMULATOR_PROJECT_ID}/notebooks`;
  const json = `-H 'Content-Type: application/json'`;
  const epoch = `${clock.epoch}${epochFromEnv ? ' (SIMULATOR_CLOCK_EPOCH)' : ' (start-up; SIMULATOR_CLOCK_EPOCH sets it)'}`;
  return `ModelArts simulator listening on ${url}  (time scale x${scale}${seed ? `, ${seed} instances seeded` : ''})

  Endpoint     ${url}   (use it as the ModelArts endpoint)
  Project id   ${SIMULATOR_PROJECT_ID}
  AK / SK      ${SIMULATOR_AK} / ${SIMULATOR_SK}
  IAM user     domain ${SIMULATOR_IAM_USER.domain}, user ${SIMULATOR_IAM_USER.name}, password ${SIMULATOR_IAM_USER.password}  (POST ${url}/v3/auth/tokens)
  Clock        x${scale} from epoch ${epoch}; now ${new Date(clock.now()).toISOString()}

Admin endpoints (no signature):
  curl -s ${url}/__sim/stats
  curl -s -X POST ${url}/__sim/seed ${json} -d '{"count":5,"status":"RUNNING"}'
  curl -s '${url}/__sim/instances?limit=5'
  curl -s ${url}/__sim/clock
  curl -s -X POST ${url}/__sim/faults/throttle ${json} -d '{"count":3,"retryAfterSec":2}'
  curl -s -X POST ${url}/__sim/faults/create-failures ${json} -d '{"count":1}'
  curl -s -X POST ${url}/__sim/reset
  (also /__sim/faults/{start-failures,hang-creates,hang-starts,server-errors,delay,drop}, /__sim/clock/advance)

Signed API calls (sign prints a curl command, eval runs it; a signature is good for 15 minutes):
  ${cli} sign GET '${base}?limit=10'${target}
  eval "$(${cli} sign GET ${base}/flavors${target})"
  eval "$(${cli} sign POST ${base} --data '${createBody}'${target})"
${target ? '' : `Set SIMULATOR_URL (or --url) when the simulator is not on ${url}. `}Ctrl-C stops.
`;
}

function sign(positionals: string[], flags: Record<string, string | undefined>): void {
  const [method, path] = positionals;
  if (!method || !path) {
    throw new Error(`sign needs METHOD and PATH, e.g. sign GET '/v1/${SIMULATOR_PROJECT_ID}/notebooks?limit=10'`);
  }
  const port = process.env['PORT'] || String(SIMULATOR_DEFAULT_PORT);
  const baseUrl = flags['url'] ?? (process.env['SIMULATOR_URL'] || `http://127.0.0.1:${port}`);
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
    process.stdout.write(`${usage(selfCommand())}\n`);
    return;
  }
  if (command === 'serve') return serve(flags);
  if (command === 'sign') return sign(rest, flags);
  throw new Error(`unknown command "${command}"\n${usage(selfCommand())}`);
}

main().catch((err: unknown) => {
  process.stderr.write(`simulator: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(1);
});
