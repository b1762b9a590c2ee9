/**
 * No Docker engine runs in CI: these checks keep the Dockerfile and docker-compose.yml honest
 * about what the README promises (same start command, non-root, health check, Redis settings).
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';

const read = (path: string) => readFileSync(new URL(`../${path}`, import.meta.url), 'utf8');

describe('Dockerfile', () => {
  const dockerfile = read('Dockerfile');
  const pkg = JSON.parse(read('package.json')) as { scripts: Record<string, string> };

  it('runs the command behind npm start', () => {
    const cmd = /^CMD \[(.*)\]$/m.exec(dockerfile)?.[1];
    const argv = JSON.parse(`[${cmd}]`) as string[];
    expect(argv.join(' ')).toBe(pkg.scripts['start']);
    // npm start compiles first; the image compiled in its build stage.
    expect(pkg.scripts['prestart']).toMatch(/build/);
    expect(dockerfile).toMatch(/RUN npm run build/);
  });

  it('builds in one stage and runs production dependencies only, as a non-root user, with a health check', () => {
    expect(dockerfile.match(/^FROM node:20-[a-z-]*slim AS (\w+)$/gm)).toHaveLength(2);
    expect(dockerfile).toMatch(/npm ci --omit=dev/);
    expect(dockerfile).toMatch(/COPY --from=build \/app\/dist \.\/dist/);
    expect(dockerfile).toMatch(/^USER node$/m);
    expect(dockerfile).toMatch(/^HEALTHCHECK .*\n?.*\/healthz/m);
  });
});

describe('docker-compose.yml', () => {
  const compose = parse(read('docker-compose.yml'), { merge: true }) as {
    services: Record<string, Record<string, unknown>>;
  };

  it('runs Redis with AOF persistence and noeviction', () => {
    const command = (compose.services['redis']!['command'] as string[]).join(' ');
    expect(command).toContain('--appendonly yes');
    expect(command).toContain('--maxmemory-policy noeviction');
  });

  it('runs each role as its own service from the .env file, with worker replicas', () => {
    for (const role of ['web', 'worker', 'scheduler']) {
      const service = compose.services[role]!;
      expect(service['env_file']).toBe('.env');
      expect(service['environment']).toMatchObject({ ROLES: role, REDIS_URL: 'redis://redis:6379' });
    }
    expect((compose.services['worker']!['deploy'] as { replicas: number }).replicas).toBeGreaterThan(1);
    expect(compose.services['web']?.['ports']).toContain('3000:3000');
  });
});
