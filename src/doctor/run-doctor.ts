/**
 * `npm run doctor`: one line per check (✓ ✗ ! –), in plain words, exit code 1 when any check
 * failed. Checks: the configuration (loadConfig's own message when it is invalid), Redis, the
 * Slack token, ModelArts credentials, and manifest.yml against Slack's schema.
 */
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { type Config, loadConfig } from '../config.js';
import { redactSecrets } from '../logger.js';
import {
  type CheckResult,
  checkManifest,
  checkModelArts,
  checkRedis,
  checkSlack,
  type ManifestPaths,
  type Verdict,
} from './checks.js';

/** The repository root: two levels above this file in src/doctor and in dist/doctor alike. */
const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');

/** What `runDoctor` checks and where it reports. */
export interface DoctorOptions {
  env?: NodeJS.ProcessEnv;
  /** Where the report goes (default stdout). */
  out?: NodeJS.WritableStream;
  /** Default: manifest.yml and schemas/slack-manifest/ at the repository root. */
  manifest?: Partial<ManifestPaths>;
  /** Per network check. Default 10 s. */
  timeoutMs?: number;
}

const MARK: Readonly<Record<Verdict, string>> = { pass: '✓', fail: '✗', warn: '!', skip: '–' };

function describeConfig(config: Config): string {
  const slack =
    config.slack.mode === 'none'
      ? 'no Slack credentials (demo)'
      : config.slack.mode === 'socket'
        ? 'Slack Socket Mode'
        : 'Slack HTTP mode';
  const auth = config.modelarts.auth.kind;
  const modelarts =
    auth === 'simulator'
      ? config.modelarts.endpoint
        ? 'ModelArts simulator at MODELARTS_ENDPOINT'
        : 'built-in ModelArts simulator'
      : `ModelArts ${auth === 'aksk' ? 'AK/SK' : 'IAM password'} auth, region ${config.modelarts.region ?? '(from endpoint)'}`;
  return `valid (roles ${[...config.roles].join(', ')}; ${slack}; ${modelarts}; queue prefix ${config.env.QUEUE_PREFIX})`;
}

/** Runs every check and prints the report. Returns the exit code: 0 when nothing failed. */
export async function runDoctor(options: DoctorOptions = {}): Promise<number> {
  const out = options.out ?? process.stdout;
  const timeoutMs = options.timeoutMs ?? 10_000;
  const print = (r: CheckResult) => {
    const lines = [`  ${MARK[r.verdict]} ${r.name}: ${r.summary}`, ...(r.details ?? []).map((d) => `      ${d}`)];
    out.write(`${redactSecrets(lines.join('\n'))}\n`);
  };
  const results: CheckResult[] = [];
  const report = (r: CheckResult) => {
    results.push(r);
    print(r);
  };
  out.write('notebook-bot doctor\n\n');

  let config: Config | undefined;
  try {
    config = loadConfig(options.env ?? process.env);
    report({ name: 'Configuration', verdict: 'pass', summary: describeConfig(config) });
  } catch (err) {
    const [first, ...rest] = (err instanceof Error ? err.message : String(err)).split('\n');
    report({ name: 'Configuration', verdict: 'fail', summary: first ?? 'invalid', details: rest.map((l) => l.trim()) });
  }

  if (config) {
    report(await checkRedis(config, Math.min(timeoutMs, 5000)));
    report(await checkSlack(config, timeoutMs));
    report(await checkModelArts(config, timeoutMs));
  } else {
    for (const name of ['Redis', 'Slack', 'ModelArts']) {
      report({ name, verdict: 'skip', summary: 'not checked: fix the configuration first' });
    }
  }
  report(
    await checkManifest({
      manifest: options.manifest?.manifest ?? resolve(ROOT, 'manifest.yml'),
      schemaDir: options.manifest?.schemaDir ?? resolve(ROOT, 'schemas', 'slack-manifest'),
    }),
  );

  const failed = results.filter((r) => r.verdict === 'fail').length;
  out.write(
    failed === 0
      ? '\n  All checks passed.\n'
      : `\n  ${failed} check${failed === 1 ? '' : 's'} failed: fix ${failed === 1 ? 'it' : 'them'} and run npm run doctor again.\n`,
  );
  return failed === 0 ? 0 : 1;
}
