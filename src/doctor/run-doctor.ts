/**
 * `npm run doctor`: one line per check (✓ ✗ ! –), in plain words, exit code 1 when any check
 * failed. Checks: the configuration (loadConfig's own message when it is invalid), Redis, the
 * Slack token, ModelArts credentials, and manifest.yml against Slack's schema.
 */
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { type Config, loadConfig } from '../config.js';
import { ConfigError } from '../errors.js';
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

/** The checks that need the configuration, and the variables each depends on. */
const CHECKS: ReadonlyArray<{
  name: string;
  uses: RegExp;
  run: (c: Config, timeoutMs: number) => Promise<CheckResult>;
}> = [
  { name: 'Redis', uses: /^REDIS_|^QUEUE_PREFIX$/, run: (c, t) => checkRedis(c, Math.min(t, 5000)) },
  { name: 'Slack', uses: /^SLACK_/, run: (c, t) => checkSlack(c, t) },
  { name: 'ModelArts', uses: /^(MODELARTS_|HUAWEICLOUD_|SIMULATOR_)/, run: (c, t) => checkModelArts(c, t) },
];

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
        ? `ModelArts simulator at ${config.modelarts.endpoint}`
        : 'built-in ModelArts simulator'
      : `ModelArts ${auth === 'aksk' ? 'AK/SK' : 'IAM password'} auth, region ${config.modelarts.region ?? '(from endpoint)'}`;
  return `valid (roles ${[...config.roles].join(', ')}; ${slack}; ${modelarts}; queue prefix ${config.env.QUEUE_PREFIX})`;
}

/**
 * The configuration without the variables `err` names, when that is valid: what the checks that
 * do not depend on them run with. Cross-field problems may name a variable whose removal
 * uncovers another, so this tries a few rounds.
 */
function withoutInvalid(env: NodeJS.ProcessEnv, err: unknown): { config: Config; invalid: string[] } | undefined {
  if (!(err instanceof ConfigError) || err.variables.length === 0) return undefined;
  const invalid = new Set(err.variables);
  // A bad Slack, Redis or ModelArts value takes its whole group out (its check is skipped anyway):
  // a cross-field problem often names a variable that is merely missing.
  const dropped = (name: string) =>
    invalid.has(name) || CHECKS.some((c) => c.uses.test(name) && [...invalid].some((v) => c.uses.test(v)));
  for (let round = 0; round < 3; round += 1) {
    const rest = Object.fromEntries(Object.entries(env).filter(([k]) => !dropped(k)));
    try {
      return { config: loadConfig(rest), invalid: [...invalid] };
    } catch (again) {
      if (!(again instanceof ConfigError) || again.variables.length === 0) return undefined;
      for (const v of again.variables) invalid.add(v);
    }
  }
  return undefined;
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

  const env = options.env ?? process.env;
  let config: Config | undefined;
  let invalid: readonly string[] = [];
  try {
    config = loadConfig(env);
    report({ name: 'Configuration', verdict: 'pass', summary: describeConfig(config) });
  } catch (err) {
    const [first, ...rest] = (err instanceof Error ? err.message : String(err)).split('\n');
    report({ name: 'Configuration', verdict: 'fail', summary: first ?? 'invalid', details: rest.map((l) => l.trim()) });
    const partial = withoutInvalid(env, err);
    config = partial?.config;
    invalid = partial?.invalid ?? [];
  }

  // Every check that does not depend on a bad value still runs: one typo must not hide the rest.
  for (const check of CHECKS) {
    const blocking = invalid.filter((v) => check.uses.test(v));
    if (!config || blocking.length > 0) {
      const which = blocking.length > 0 ? blocking.join(', ') : 'the configuration';
      report({ name: check.name, verdict: 'skip', summary: `not checked: fix ${which} first (see above)` });
      continue;
    }
    report(await check.run(config, timeoutMs));
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
