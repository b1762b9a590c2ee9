import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** bench/ (this file is bench/support/report.ts). */
export const BENCH_DIR = join(dirname(fileURLToPath(import.meta.url)), '..');
/** Scratch space (gitignored): per-bench JSON results that `run-all` merges into RESULTS.md. */
export const TMP_DIR = join(BENCH_DIR, '.tmp');

/** One target of the Benchmarks issue, judged. */
export interface TargetRow {
  target: string;
  measured: string;
  pass: boolean;
  /** Why it missed (or what the pass depends on). */
  note?: string;
}

export interface Table {
  title: string;
  headers: string[];
  rows: string[][];
}

/** What one bench script produces: tables for people, targets for the summary. */
export interface BenchResult {
  name: string;
  title: string;
  mode: 'quick' | 'full';
  startedAt: string;
  durationMs: number;
  /** How it was run (rates, scales, counts), shown above its tables. */
  settings: Record<string, string | number | boolean>;
  tables: Table[];
  targets: TargetRow[];
  notes: string[];
}

export interface BenchArgs {
  quick: boolean;
  /** Where to write the JSON result (default bench/.tmp/<name>.json). */
  json: string;
  /** Other `--key value` / `--key=value` options. */
  options: Map<string, string>;
}

/** `--quick`, `--json <file>`, and `--key value` / `--key=value` options. */
export function parseArgs(name: string, argv: readonly string[] = process.argv.slice(2)): BenchArgs {
  const options = new Map<string, string>();
  let quick = false;
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i] as string;
    if (a === '--quick') {
      quick = true;
      continue;
    }
    if (!a.startsWith('--')) continue;
    const eq = a.indexOf('=');
    if (eq > 0) options.set(a.slice(2, eq), a.slice(eq + 1));
    else {
      const next = argv[i + 1];
      if (next !== undefined && !next.startsWith('--')) {
        options.set(a.slice(2), next);
        i++;
      } else options.set(a.slice(2), 'true');
    }
  }
  return { quick, json: options.get('json') ?? join(TMP_DIR, `${name}.json`), options };
}

/** A numeric option, or `fallback`. */
export function numOption(args: BenchArgs, key: string, fallback: number): number {
  const v = args.options.get(key);
  if (v === undefined) return fallback;
  const n = Number(v);
  if (!Number.isFinite(n)) throw new Error(`--${key} must be a number, got ${v}`);
  return n;
}

export function markdownTable(t: Table): string {
  const esc = (s: string) => s.replace(/\|/g, '\\|');
  const lines = [
    `| ${t.headers.map(esc).join(' | ')} |`,
    `| ${t.headers.map(() => '---').join(' | ')} |`,
    ...t.rows.map((r) => `| ${r.map(esc).join(' | ')} |`),
  ];
  return lines.join('\n');
}

/** The section of RESULTS.md for one bench (also what a bench prints when run alone). */
export function renderBench(r: BenchResult): string {
  const out: string[] = [`## ${r.title}`, ''];
  out.push(
    `Mode: ${r.mode}; ran ${(r.durationMs / 1000).toFixed(0)} s. Settings: ${Object.entries(r.settings)
      .map(([k, v]) => `${k}=${v}`)
      .join(', ')}.`,
    '',
  );
  for (const t of r.tables) out.push(`**${t.title}**`, '', markdownTable(t), '');
  if (r.targets.length) {
    out.push('**Targets**', '');
    out.push(
      markdownTable({
        title: 'targets',
        headers: ['target', 'measured', 'result', 'note'],
        rows: r.targets.map((t) => [t.target, t.measured, t.pass ? 'pass' : 'MISS', t.note ?? '']),
      }),
      '',
    );
  }
  if (r.notes.length) {
    out.push('Notes:', '');
    for (const n of r.notes) out.push(`- ${n}`);
    out.push('');
  }
  return out.join('\n');
}

/** Writes the JSON result and prints the section. */
export function emit(result: BenchResult, args: BenchArgs): void {
  mkdirSync(dirname(args.json), { recursive: true });
  writeFileSync(args.json, `${JSON.stringify(result, null, 2)}\n`);
  process.stdout.write(`\n${renderBench(result)}\n`);
}

/** Progress on stderr (stdout carries the result). */
export function log(name: string, message: string): void {
  process.stderr.write(`[${name} ${new Date().toISOString().slice(11, 19)}] ${message}\n`);
}
