import { execFile } from 'node:child_process';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';

const run = promisify(execFile);
const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const bin = resolve(root, 'node_modules/.bin/depcruise');
const config = resolve(root, '.dependency-cruiser.cjs');

describe('dependency direction check (npm run deps)', () => {
  it('passes on src', async () => {
    const { stdout } = await run(bin, ['src', '--config', config, '--output-type', 'err'], { cwd: root });
    expect(stdout).toContain('no dependency violations found');
  }, 60_000);

  it('fails on a planted forbidden import (store → slack)', async () => {
    const cwd = resolve(root, 'test/fixtures/deps-planted');
    const failed = await run(bin, ['src', '--config', config, '--output-type', 'err'], { cwd }).then(
      () => undefined,
      (err: { code?: number; stdout?: string }) => err,
    );
    expect(failed?.code).not.toBe(0);
    expect(failed?.stdout).toContain('shared-imports-no-feature-or-app: src/store/index.ts → src/slack/index.ts');
  }, 60_000);
});
