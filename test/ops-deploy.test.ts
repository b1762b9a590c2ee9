/**
 * No Docker engine runs in CI: these checks keep the Dockerfile and docker-compose.yml honest
 * about what the README promises (same start command, non-root, health check, Redis settings).
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { CONFIG_VARIABLES, loadConfig, TOOL_VARIABLES } from '../src/config.js';

const read = (path: string) => readFileSync(new URL(`../${path}`, import.meta.url), 'utf8');

describe('Dockerfile', () => {
  const dockerfile = read('Dockerfile');
  const pkg = JSON.parse(read('package.json')) as { scripts: Record<string, string> };

  it('runs the command behind npm start', () => {
    const cmd = /^CMD \[(.*)\]$/m.exec(dockerfile)?.[1];
    const argv = JSON.parse(`[${cmd}]`) as string[];
    // `exec`: npm's shell becomes node, so a signal npm forwards (SIGINT, SIGTERM) reaches the bot.
    expect(`exec ${argv.join(' ')}`).toBe(pkg.scripts['start']);
    // npm start compiles first (through a script that announces the first, long compile); the
    // image compiled in its build stage.
    const prestart = pkg.scripts['prestart'] ?? '';
    const script = /^sh (scripts\/[\w.-]+\.sh)$/.exec(prestart)?.[1];
    expect(script ? read(script) : prestart).toMatch(/npm run --silent build:incremental/);
    for (const pre of ['predemo', 'predoctor']) expect(pkg.scripts[pre]).toBe(prestart);
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

describe('docker-compose.simulator.yml', () => {
  const merged = (() => {
    const base = parse(read('docker-compose.yml'), { merge: true }) as { services: Record<string, Service> };
    const over = parse(read('docker-compose.simulator.yml'), { merge: true }) as { services: Record<string, Service> };
    const services: Record<string, Service> = { ...base.services };
    for (const [name, svc] of Object.entries(over.services)) {
      const was = services[name] ?? {};
      services[name] = {
        ...was,
        ...svc,
        environment: { ...(was.environment ?? {}), ...(svc.environment ?? {}) },
        depends_on: { ...(was.depends_on ?? {}), ...(svc.depends_on ?? {}) },
      };
    }
    return services;
  })();
  /** Compose's `${NAME:-default}` with nothing set in .env. */
  const interpolate = (v: unknown) => String(v).replace(/\$\{[A-Z_]+:-([^}]*)\}/g, '$1');

  it('starts every role against the one shared simulator, on one clock, after it is healthy', () => {
    const sim = merged['simulator']!;
    expect(sim.command).toContain('dist/simulator/cli.js');
    for (const role of ['web', 'worker', 'scheduler']) {
      const env = Object.fromEntries(
        Object.entries(merged[role]!.environment ?? {}).map(([k, v]) => [k, interpolate(v)]),
      );
      expect(env).toMatchObject({
        ROLES: role,
        MODELARTS_SIMULATOR: 'true',
        MODELARTS_ENDPOINT: 'http://simulator:8089',
      });
      expect(env['SIMULATOR_CLOCK_EPOCH']).toBe(interpolate(sim.environment?.['SIMULATOR_CLOCK_EPOCH']));
      expect(env['SIMULATOR_TIME_SCALE']).toBe(interpolate(sim.environment?.['SIMULATOR_TIME_SCALE']));
      expect(merged[role]!.depends_on).toMatchObject({ simulator: { condition: 'service_healthy' } });
      // The configuration each role gets (no Huawei credentials in .env) is valid.
      const config = loadConfig(env);
      expect(config.modelarts).toMatchObject({ auth: { kind: 'simulator' }, endpoint: 'http://simulator:8089' });
    }
  });
});

describe('settings named in the README, .env.example and compose', () => {
  const readme = read('README.md');
  const table = readme.slice(readme.indexOf('## Settings'), readme.indexOf('## Deployment'));
  /** Names in the settings table's first column, `A` / `_B` meaning A and A's prefix + B. */
  const documented = new Set<string>();
  for (const row of table.split('\n').filter((l) => l.startsWith('| `'))) {
    const names = [...(row.split('|')[1] ?? '').matchAll(/`([A-Z_]+)`/g)].map((m) => m[1]!);
    const first = names[0]!;
    documented.add(first);
    for (const n of names.slice(1)) documented.add(n.startsWith('_') ? first.replace(/_[A-Z]+$/, n) : n);
  }
  const read_ = new Set([...CONFIG_VARIABLES, ...TOOL_VARIABLES]);
  const mentioned = (text: string) => new Set([...text.matchAll(/^\s*#?\s*([A-Z][A-Z0-9_]{2,})=/gm)].map((m) => m[1]!));
  const composeNames = (path: string) => {
    const doc = parse(read(path), { merge: true }) as { services: Record<string, Service> };
    const names = new Set<string>();
    for (const svc of Object.values(doc.services)) for (const k of Object.keys(svc.environment ?? {})) names.add(k);
    for (const m of read(path).matchAll(/\$\{([A-Z_]+)/g)) names.add(m[1]!);
    return names;
  };

  it('documents every variable the bot and its tools read', () => {
    expect([...read_].filter((n) => !documented.has(n))).toEqual([]);
  });

  it('documents nothing the bot does not read', () => {
    expect([...documented].filter((n) => !read_.has(n))).toEqual([]);
  });

  it('has .env.example and both compose files name only variables the bot reads', () => {
    const names = [
      ...mentioned(read('.env.example')),
      ...composeNames('docker-compose.yml'),
      ...composeNames('docker-compose.simulator.yml'),
    ];
    expect(names.filter((n) => !read_.has(n))).toEqual([]);
  });
});

interface Service {
  command?: string[];
  environment?: Record<string, unknown>;
  depends_on?: Record<string, unknown>;
}
