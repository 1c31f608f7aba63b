/**
 * No container engine runs here, so the production-like stack is checked as data: the compose file
 * is parsed and its wiring (images, ports, environment, dependencies, profile) asserted.
 */
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { parse } from 'yaml';

const ROOT = path.resolve(__dirname, '../..');

interface Service {
  image?: string;
  build?: { context?: string; dockerfile?: string } | string;
  command?: string[] | string;
  environment?: Record<string, string | null>;
  ports?: string[];
  depends_on?: Record<string, { condition: string }> | string[];
  profiles?: string[];
  healthcheck?: { test: string[] | string };
}

const compose = parse(readFileSync(path.join(ROOT, 'docker-compose.yml'), 'utf8'), { merge: true }) as {
  services: Record<string, Service>;
  volumes?: Record<string, unknown>;
};
const services = compose.services;
const service = (name: string): Service => {
  const found = services[name];
  if (!found) throw new Error(`docker-compose.yml has no '${name}' service`);
  return found;
};

/** Compose-style `${VAR:-default}` / `${VAR}` interpolation against an explicit environment. */
function interpolate(value: string, env: Record<string, string> = {}): string {
  return value.replace(/\$\{(\w+)(?::?-([^}]*))?\}/g, (_m, name: string, fallback?: string) => env[name] || fallback || '');
}

const env = (name: string) => service(name).environment ?? {};

const dependsOn = (name: string): Record<string, string> => {
  const deps = service(name).depends_on ?? {};
  return Array.isArray(deps) ? Object.fromEntries(deps.map((d) => [d, 'service_started'])) : Object.fromEntries(Object.entries(deps).map(([k, v]) => [k, v.condition]));
};

describe('docker-compose.yml', () => {
  it('declares the production-like stack and the optional simulator', () => {
    expect(Object.keys(services).sort()).toEqual(['postgres', 'simulator', 'temporal', 'temporal-ui', 'worker']);
    for (const [name, s] of Object.entries(services)) {
      if (name !== 'simulator') expect({ name, profiles: s.profiles }).toEqual({ name, profiles: undefined });
    }
  });

  it('runs PostgreSQL 16 with a health check and a persistent volume', () => {
    const postgres = service('postgres');
    expect(postgres.image).toBe('postgres:16');
    expect(JSON.stringify(postgres.healthcheck?.test)).toMatch(/pg_isready/);
    expect(env('postgres').POSTGRES_USER).toBe('warmer');
    expect(env('postgres').POSTGRES_DB).toBe('warmer');
    expect(compose.volumes).toHaveProperty('postgres-data');
  });

  it('runs Temporal (auto-setup) on that PostgreSQL, once it is healthy', () => {
    const temporal = service('temporal');
    expect(temporal.image).toMatch(/^temporalio\/auto-setup:\d+\.\d+\.\d+$/);
    expect(env('temporal')).toMatchObject({ DB: 'postgres12', POSTGRES_SEEDS: 'postgres', POSTGRES_USER: env('postgres').POSTGRES_USER });
    expect(interpolate(env('temporal').POSTGRES_PWD!)).toBe(interpolate(env('postgres').POSTGRES_PASSWORD!));
    expect(interpolate(env('temporal').POSTGRES_PWD!, { POSTGRES_PASSWORD: 's3cret' })).toBe('s3cret');
    expect(dependsOn('temporal')).toEqual({ postgres: 'service_healthy' });
    expect(temporal.ports).toContain('7233:7233');
    expect(JSON.stringify(temporal.healthcheck?.test)).toMatch(/cluster health/);
  });

  it('serves the Temporal UI on port 8080, talking to temporal:7233', () => {
    const ui = service('temporal-ui');
    expect(ui.image).toMatch(/^temporalio\/ui:\d+\.\d+\.\d+$/);
    expect(env('temporal-ui').TEMPORAL_ADDRESS).toBe('temporal:7233');
    expect(ui.ports).toContain('8080:8080');
    expect(Object.keys(dependsOn('temporal-ui'))).toEqual(['temporal']);
  });

  it('builds the worker from the Dockerfile and wires it to Temporal and PostgreSQL', () => {
    const worker = service('worker');
    expect(worker.build).toEqual({ context: '.', dockerfile: 'Dockerfile' });
    expect(worker.command).toBeUndefined(); // the Dockerfile's CMD: the worker
    expect(env('worker')).toMatchObject({ TEMPORAL_ADDRESS: 'temporal:7233', WARMER_TASK_QUEUE: 'warmer' });

    const url = new URL(interpolate(env('worker').DATABASE_URL!));
    expect(url.protocol).toBe('postgres:');
    expect(url.hostname).toBe('postgres');
    expect(url.port).toBe('5432');
    expect(url.username).toBe(env('postgres').POSTGRES_USER);
    expect(url.password).toBe(interpolate(env('postgres').POSTGRES_PASSWORD!));
    expect(url.pathname).toBe(`/${env('postgres').POSTGRES_DB}`);

    expect(dependsOn('worker')).toEqual({ postgres: 'service_healthy', temporal: 'service_healthy' });
    expect(JSON.stringify(worker.healthcheck?.test)).toMatch(/127\.0\.0\.1:8082\/readyz/);
  });

  it('passes the secrets through from the host environment, never hard-coding them', () => {
    for (const name of ['SLACK_WEBHOOK_URL', 'EVOLUTION_API_URL', 'EVOLUTION_API_KEY', 'WEBHOOK_SECRET']) {
      expect(env('worker')).toHaveProperty([name]);
      // null = compose's pass-through form (`NAME:` with no value).
      expect({ name, value: env('worker')[name] }).toEqual({ name, value: null });
    }
    const raw = readFileSync(path.join(ROOT, 'docker-compose.yml'), 'utf8');
    expect(raw).not.toMatch(/hooks\.slack\.com\/services\/T/);
  });

  it('offers the simulator under the "simulator" profile, from the same image, on port 8081', () => {
    const simulator = service('simulator');
    expect(simulator.profiles).toEqual(['simulator']);
    expect(simulator.image).toBe(service('worker').image);
    expect(simulator.build).toEqual(service('worker').build);
    expect(simulator.command).toEqual(['npx', 'tsx', 'src/simulator/main.ts']);
    expect(simulator.ports).toContain('8081:8081');
    // Reachable from the worker and the host: bound on all interfaces, on the published port.
    expect(env('simulator')).toMatchObject({ SIMULATOR_HOST: '0.0.0.0', SIMULATOR_PORT: '8081' });
    for (const name of ['EVOLUTION_API_KEY', 'WEBHOOK_SECRET']) expect({ name, value: env('simulator')[name] }).toEqual({ name, value: null });
  });
});

describe('Dockerfile', () => {
  const dockerfile = readFileSync(path.join(ROOT, 'Dockerfile'), 'utf8');
  const instructions = dockerfile
    .split('\n')
    .map((line) => line.trim())
    .filter((line) => line && !line.startsWith('#'));

  it('builds on node:20-slim and installs with npm ci from the lockfile', () => {
    expect(instructions[0]).toBe('FROM node:20-slim');
    expect(instructions.some((i) => /^RUN npm ci\b/.test(i))).toBe(true);
    const copyLock = instructions.findIndex((i) => /^COPY .*package-lock\.json/.test(i));
    const npmCi = instructions.findIndex((i) => /^RUN npm ci\b/.test(i));
    const copyAll = instructions.findIndex((i) => /^COPY .*\. \.$/.test(i));
    expect(copyLock).toBeGreaterThan(0);
    expect(npmCi).toBeGreaterThan(copyLock);
    expect(copyAll).toBeGreaterThan(npmCi);
    expect(existsSync(path.join(ROOT, 'package-lock.json'))).toBe(true);
  });

  it('runs the worker by default', () => {
    const cmd = instructions.filter((i) => i.startsWith('CMD'));
    expect(cmd).toHaveLength(1);
    expect(JSON.parse(cmd[0]!.slice('CMD'.length))).toEqual(['npx', 'tsx', 'src/worker.ts']);
    // tsx must be a runtime dependency: the image installs without devDependencies.
    const pkg = JSON.parse(readFileSync(path.join(ROOT, 'package.json'), 'utf8')) as { dependencies: Record<string, string> };
    expect(pkg.dependencies).toHaveProperty('tsx');
  });

  it('keeps local state, dependencies and secrets out of the build context', () => {
    const ignored = readFileSync(path.join(ROOT, '.dockerignore'), 'utf8').split('\n').map((l) => l.trim());
    for (const entry of ['node_modules', '.git', '.env', '.data', '.venv']) expect(ignored).toContain(entry);
  });
});
