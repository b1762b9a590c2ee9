/**
 * `npm run bench [-- --quick]`: runs every benchmark, each in its own process, one after the
 * other, and writes bench/RESULTS.md (machine, targets with pass/MISS, every table).
 *
 * Before each bench it waits (up to 90 s) for the machine to be quiet: on a shared 2-core
 * machine, a test suite running next door moves tail latencies more than anything measured here.
 * `--no-wait` skips that; how busy the machine was is written into RESULTS.md either way.
 */
import { spawn } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { machineBusyPercent, machineInfo } from './support/machine.js';
import { BENCH_DIR, type BenchResult, log, markdownTable, renderBench, TMP_DIR } from './support/report.js';

const BENCHES = ['ack-latency', 'lifecycle', 'lease-scan'] as const;
const QUIET_PERCENT = 25;
const QUIET_WAIT_MS = 45_000;

const argv = process.argv.slice(2);
const quick = argv.includes('--quick');
const wait = !argv.includes('--no-wait');
const only = argv
  .find((a) => a.startsWith('--only='))
  ?.slice('--only='.length)
  .split(',');
const started = Date.now();
const machine = machineInfo();

/** Waits until the machine is quiet (or the wait runs out); returns how busy it was when we started. */
async function quietMachine(name: string): Promise<number> {
  const deadline = Date.now() + QUIET_WAIT_MS;
  let busy = await machineBusyPercent(2000);
  while (wait && busy > QUIET_PERCENT && Date.now() < deadline) {
    log('bench', `machine ${busy.toFixed(0)} % busy (other processes); waiting before ${name}`);
    busy = await machineBusyPercent(5000);
  }
  return busy;
}

function runBench(name: string): Promise<{ code: number; ms: number }> {
  const t0 = Date.now();
  const json = join(TMP_DIR, `${name}.json`);
  const child = spawn(
    process.execPath,
    ['--import', 'tsx', join(BENCH_DIR, `${name}.ts`), ...(quick ? ['--quick'] : []), '--json', json],
    { stdio: ['ignore', 'inherit', 'inherit'] },
  );
  return new Promise((resolve) => {
    child.on('exit', (code, signal) => resolve({ code: code ?? (signal ? 1 : 0), ms: Date.now() - t0 }));
  });
}

const results: BenchResult[] = [];
const runs: Array<{ name: string; code: number; ms: number; busyBefore: number }> = [];
for (const name of BENCHES) {
  if (only && !only.includes(name)) continue;
  const busyBefore = await quietMachine(name);
  log('bench', `running ${name}${quick ? ' --quick' : ''} (machine ${busyBefore.toFixed(0)} % busy before)`);
  const { code, ms } = await runBench(name);
  runs.push({ name, code, ms, busyBefore });
  try {
    results.push(JSON.parse(readFileSync(join(TMP_DIR, `${name}.json`), 'utf8')) as BenchResult);
  } catch {
    log('bench', `${name} produced no result (exit ${code})`);
  }
}

const totalMs = Date.now() - started;
const lines: string[] = [
  '# Benchmark results',
  '',
  `Written by \`npm run bench${quick ? ' -- --quick' : ''}\` on ${machine.date} (${quick ? 'quick' : 'full'} mode, ${(totalMs / 60_000).toFixed(1)} minutes in all). What each bench measures and how to read these tables: [README.md](README.md).`,
  '',
  '## Machine',
  '',
  markdownTable({
    title: 'machine',
    headers: ['CPU', 'cores', 'RAM', 'Node', 'redis-server', 'OS'],
    rows: [[machine.cpuModel, String(machine.cores), `${machine.ramGiB} GiB`, machine.node, machine.redis, machine.os]],
  }),
  '',
  markdownTable({
    title: 'runs',
    headers: ['bench', 'exit code', 'ran', 'machine busy just before (all processes)'],
    rows: runs.map((r) => [r.name, String(r.code), `${(r.ms / 1000).toFixed(0)} s`, `${r.busyBefore.toFixed(0)} %`]),
  }),
  '',
  '## Targets',
  '',
  markdownTable({
    title: 'targets',
    headers: ['bench', 'target', 'measured', 'result', 'note'],
    rows: results.flatMap((r) =>
      r.targets.map((t) => [r.name, t.target, t.measured, t.pass ? 'pass' : 'MISS', t.note ?? '']),
    ),
  }),
  '',
  ...results.map((r) => renderBench(r)),
];
writeFileSync(join(BENCH_DIR, 'RESULTS.md'), `${lines.join('\n').trimEnd()}\n`);
log('bench', `wrote bench/RESULTS.md in ${(totalMs / 1000).toFixed(0)} s`);
if (runs.some((r) => r.code !== 0)) process.exitCode = 1;
