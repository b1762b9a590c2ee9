import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    globalSetup: ['test/support/global-setup.ts'],
    testTimeout: 30_000,
    hookTimeout: 30_000,
    pool: 'forks',
    // Integration tests share one redis-server (each test uses its own key prefix / db), and the
    // machines have 2 cores: a small, fixed worker count keeps timings stable.
    maxWorkers: 2,
    fileParallelism: true,
  },
});
