import { execFileSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { applyWorkerHeapPolicy, WORKER_HEAP_GROWING_PERCENT } from '../src/app/worker.js';

// The worker's heap policy (src/app/worker.ts): V8 collects once the heap has grown
// WORKER_HEAP_GROWING_PERCENT past what its last full collection kept, instead of the 3–4× it
// picks for a program that allocates as fast as the worker.

/**
 * Peak V8 heap (MiB) of a fresh node process that loads the worker's code, keeps ~30 MiB more
 * live and allocates ~1 GB of short-lived garbage, as the worker does, with or without the policy.
 */
function peakHeapMiB(withPolicy: boolean): number {
  const script = `
    const { applyWorkerHeapPolicy } = await import('./src/app/worker.ts');
    ${withPolicy ? 'applyWorkerHeapPolicy();' : ''}
    const live = [];
    for (let i = 0; i < 300000; i++) live.push({ a: i, b: 'x' + i, c: [i] });
    let peak = 0;
    let keep = [];
    for (let r = 0; r < 3000; r++) {
      for (let i = 0; i < 2000; i++) keep.push({ r, i, s: 'y' + i, arr: [1, 2, 3] });
      if (keep.length > 40000) keep = keep.slice(20000);
      peak = Math.max(peak, process.memoryUsage().heapTotal);
    }
    process.stdout.write(String(peak / 2 ** 20));`;
  const out = execFileSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], {
    encoding: 'utf8',
    timeout: 60_000,
  });
  return Number(out.trim());
}

describe('the worker heap policy', () => {
  it('keeps a fast-allocating process far below the heap V8 would let it grow to', () => {
    const without = peakHeapMiB(false);
    const withPolicy = peakHeapMiB(true);
    // V8's own factor lets the heap grow to several times what is live; the policy to 1.5×.
    expect(withPolicy).toBeLessThan(without * 0.7);
  }, 120_000);

  it('leaves a --heap-growing-percent given on node’s command line alone', () => {
    expect(applyWorkerHeapPolicy(['--heap-growing-percent=80'])).toBe(false);
    expect(applyWorkerHeapPolicy(['--heap_growing_percent=80'])).toBe(false);
    expect(applyWorkerHeapPolicy(['--max-old-space-size=512'])).toBe(true);
    expect(WORKER_HEAP_GROWING_PERCENT).toBeGreaterThan(0);
  });
});
