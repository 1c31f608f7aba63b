/**
 * No container engine runs here, so the production-like stack is checked as data: the compose file
 * and the Dockerfile are parsed and held to the code (ports, the variables src/config.ts reads,
 * the build's output paths, the search attributes). temporal-setup.test.ts runs the namespace
 * script against a real Temporal server.
 */
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { parse } from 'yaml';
import { DEV_SERVER_SEARCH_ATTRIBUTE_ARGS } from '../../src/app/search-attributes';
import { loadConfig } from '../../src/config';
import { TEMPORAL_ENV_VARIABLES } from '../../src/temporal-connection';

const ROOT = path.resolve(__dirname, '../..');
const source = (file: string) => readFileSync(path.join(ROOT, file), 'utf8');

interface Service {
  image?: string;
  build?: { context?: string; dockerfile?: string } | string;
  command?: string[] | string;
  entrypoint?: string[] | string;
  environment?: Record<string, string | null>;
  ports?: string[];
  volumes?: string[];
  depends_on?: Record<string, { condition: string }> | string[];
  profiles?: string[];
  healthcheck?: { test: string[] | string };
}

const compose = parse(source('docker-compose.yml'), { merge: true }) as {
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
  return Array.isArray(deps)
    ? Object.fromEntries(deps.map((d) => [d, 'service_started']))
    : Object.fromEntries(Object.entries(deps).map(([k, v]) => [k, v.condition]));
};

/** `host_ip:host_port:container_port` after interpolation. */
function published(name: string, hostEnv: Record<string, string> = {}): { ip: string; host: number; container: number }[] {
  return (service(name).ports ?? []).map((p) => {
    const parts = interpolate(p, hostEnv).split(':');
    expect(parts).toHaveLength(3); // always an explicit interface
    return { ip: parts[0]!, host: Number(parts[1]), container: Number(parts[2]) };
  });
}

/** A mounted host folder of the repository: `./deploy/temporal:/warmer:ro` -> files under it. */
function mountedFile(name: string, containerPath: string): string {
  for (const volume of service(name).volumes ?? []) {
    const [host, target] = volume.split(':');
    if (host?.startsWith('./') && target && containerPath.startsWith(`${target}/`))
      return path.join(ROOT, host, containerPath.slice(target.length + 1));
  }
  throw new Error(`${name} mounts nothing that holds ${containerPath}`);
}

/** Every variable src/config.ts reads. */
const CONFIG_VARIABLES = new Set([
  ...[...source('src/config.ts').matchAll(/\b(?:str|int|num|bool|url|secret)\('([A-Z][A-Z0-9_]+)'/g)].map((m) => m[1]!),
  ...TEMPORAL_ENV_VARIABLES,
]);

describe('docker-compose.yml', () => {
  it("declares Temporal's current shape (server + admin-tools, no auto-setup), the worker, and the optional simulator", () => {
    expect(Object.keys(services).sort()).toEqual([
      'postgres',
      'simulator',
      'temporal',
      'temporal-admin-tools',
      'temporal-setup',
      'temporal-ui',
      'worker',
    ]);
    for (const [name, s] of Object.entries(services)) {
      if (name !== 'simulator') expect({ name, profiles: s.profiles }).toEqual({ name, profiles: undefined });
      expect(s.image ?? '').not.toMatch(/auto-setup/);
    }
    const version = (image?: string) => image?.split(':')[1];
    expect(service('temporal').image).toMatch(/^temporalio\/server:\d+\.\d+\.\d+$/);
    expect(service('temporal-admin-tools').image).toBe(`temporalio/admin-tools:${version(service('temporal').image)}`);
    expect(service('temporal-setup').image).toBe(service('temporal-admin-tools').image);
    expect(service('temporal-ui').image).toMatch(/^temporalio\/ui:\d+\.\d+\.\d+$/);
  });

  it('runs PostgreSQL 16 with a health check and a persistent volume, not published', () => {
    const postgres = service('postgres');
    expect(postgres.image).toBe('postgres:16');
    expect(JSON.stringify(postgres.healthcheck?.test)).toMatch(/pg_isready/);
    expect(env('postgres')).toMatchObject({ POSTGRES_USER: 'warmer', POSTGRES_DB: 'warmer' });
    expect(compose.volumes).toHaveProperty('postgres-data');
    expect(postgres.ports).toBeUndefined();
  });

  it("sets up Temporal's schemas with admin-tools before the server starts, on that PostgreSQL", () => {
    const tools = service('temporal-admin-tools');
    expect(dependsOn('temporal-admin-tools')).toEqual({ postgres: 'service_healthy' });
    expect(dependsOn('temporal')).toEqual({ 'temporal-admin-tools': 'service_completed_successfully' });
    const script = mountedFile('temporal-admin-tools', [tools.command].flat()[0]!);
    expect(existsSync(script)).toBe(true);
    expect(readFileSync(script, 'utf8')).toMatch(/temporal-sql-tool .*setup-schema|setup-schema/);
    for (const name of ['temporal-admin-tools', 'temporal']) {
      expect(env(name)).toMatchObject({ DB: 'postgres12', POSTGRES_SEEDS: 'postgres', POSTGRES_USER: env('postgres').POSTGRES_USER });
      expect(interpolate(env(name).POSTGRES_PWD!, { POSTGRES_PASSWORD: 's3cret' })).toBe('s3cret');
      expect(interpolate(env(name).POSTGRES_PWD!)).toBe(interpolate(env('postgres').POSTGRES_PASSWORD!));
    }
    expect(existsSync(mountedFile('temporal', `/etc/temporal/${env('temporal').DYNAMIC_CONFIG_FILE_PATH}`))).toBe(true);
  });

  it("creates the namespace and registers exactly the workflows' search attributes once the server is healthy", () => {
    expect(dependsOn('temporal-setup')).toEqual({ temporal: 'service_healthy' });
    const script = readFileSync(mountedFile('temporal-setup', [service('temporal-setup').command].flat()[0]!), 'utf8');
    const registered = /for attribute in ([^;]+);/
      .exec(script)![1]!
      .trim()
      .split(/\s+/)
      .map((a) => a.replace(':', '='));
    expect(registered.sort()).toEqual([...DEV_SERVER_SEARCH_ATTRIBUTE_ARGS].sort());
    expect(env('temporal-setup').TEMPORAL_NAMESPACE).toBe(env('worker').TEMPORAL_NAMESPACE);
  });

  it("publishes Temporal's frontend and UI on 127.0.0.1 only, unless TEMPORAL_BIND / TEMPORAL_UI_BIND say otherwise", () => {
    expect(published('temporal')).toEqual([{ ip: '127.0.0.1', host: 7233, container: 7233 }]);
    expect(published('temporal-ui')).toEqual([{ ip: '127.0.0.1', host: 8080, container: 8080 }]);
    expect(published('temporal', { TEMPORAL_BIND: '0.0.0.0' })[0]!.ip).toBe('0.0.0.0');
    expect(published('temporal-ui', { TEMPORAL_UI_BIND: '10.0.0.5' })[0]!.ip).toBe('10.0.0.5');
    expect(env('temporal-ui').TEMPORAL_ADDRESS).toBe('temporal:7233');
    expect(dependsOn('temporal-ui')).toEqual({ temporal: 'service_healthy' });
  });

  it('builds the worker from the Dockerfile and wires it to Temporal and PostgreSQL, after the namespace exists', () => {
    const worker = service('worker');
    expect(worker.build).toEqual({ context: '.', dockerfile: 'Dockerfile' });
    expect(worker.command).toBeUndefined(); // the Dockerfile's CMD: the worker
    expect(env('worker')).toMatchObject({ TEMPORAL_ADDRESS: 'temporal:7233', WARMER_TASK_QUEUE: 'warmer' });
    const url = new URL(interpolate(env('worker').DATABASE_URL!));
    expect([url.protocol, url.hostname, url.port, url.username, url.pathname]).toEqual([
      'postgres:',
      'postgres',
      '5432',
      env('postgres').POSTGRES_USER,
      `/${env('postgres').POSTGRES_DB}`,
    ]);
    expect(url.password).toBe(interpolate(env('postgres').POSTGRES_PASSWORD!));
    expect(dependsOn('worker')).toEqual({ postgres: 'service_healthy', 'temporal-setup': 'service_completed_successfully' });
  });

  it('sets only variables that src/config.ts reads, and they parse', () => {
    const names = Object.keys(env('worker'));
    expect(names.filter((n) => !CONFIG_VARIABLES.has(n))).toEqual([]);
    const values = Object.fromEntries(Object.entries(env('worker')).map(([k, v]) => [k, v === null ? undefined : interpolate(v)]));
    expect(() => loadConfig(values)).not.toThrow();
  });

  it('publishes the webhook receiver on its port, health-checks it there, and passes WEBHOOK_PUBLIC_URL', () => {
    const port = loadConfig({ WEBHOOK_PORT: env('worker').WEBHOOK_PORT ?? undefined }).webhook.port;
    expect(published('worker')[0]).toEqual({ ip: '0.0.0.0', host: port, container: port });
    expect(published('worker', { WEBHOOK_HOST_PORT: '9000', WEBHOOK_BIND: '127.0.0.1' })[0]).toEqual({
      ip: '127.0.0.1',
      host: 9000,
      container: port,
    });
    const check = JSON.stringify(service('worker').healthcheck?.test);
    expect(check).toContain(`127.0.0.1:${port}/readyz`);
    expect(env('worker')).toHaveProperty(['WEBHOOK_PUBLIC_URL'], null);
    expect(source('Dockerfile')).toMatch(new RegExp(`^EXPOSE ${port}$`, 'm'));
  });

  it('passes the payload keys through, and publishes the codec endpoint on 127.0.0.1 at WARMER_CODEC_PORT for the UI', () => {
    expect(published('worker')[1]).toEqual({ ip: '127.0.0.1', host: 8083, container: 8083 });
    expect(published('worker', { WARMER_CODEC_PORT: '9443' })[1]).toEqual({ ip: '127.0.0.1', host: 9443, container: 9443 });
    const token = 'a'.repeat(32);
    const hostEnv = {
      WARMER_CODEC_PORT: '8083',
      WARMER_CODEC_TOKEN: token,
      WARMER_CODEC_KEYS: `k1:${Buffer.alloc(32, 1).toString('base64')}`,
    };
    // The worker's endpoint, as the compose environment would configure it.
    const config = loadConfig(hostEnv);
    expect(config.codec.endpoint).toMatchObject({
      port: published('worker', hostEnv)[1]!.container,
      corsOrigins: expect.arrayContaining(['http://localhost:8080']),
    });
    const uiEndpoint = interpolate(env('temporal-ui').TEMPORAL_CODEC_ENDPOINT!, {
      TEMPORAL_UI_CODEC_ENDPOINT: `http://localhost:8083/codec/${token}`,
    });
    expect(new URL(uiEndpoint).port).toBe(String(published('worker', hostEnv)[1]!.host));
    expect(interpolate(env('temporal-ui').TEMPORAL_CODEC_ENDPOINT!)).toBe('');
  });

  it('passes the secrets through from the host environment, never hard-coding them', () => {
    for (const name of [
      'SLACK_WEBHOOK_URL',
      'EVOLUTION_API_URL',
      'EVOLUTION_API_KEY',
      'WEBHOOK_SECRET',
      'WARMER_CODEC_KEYS',
      'WARMER_CODEC_TOKEN',
    ]) {
      // null = compose's pass-through form (`NAME:` with no value).
      expect({ name, value: env('worker')[name] }).toEqual({ name, value: null });
    }
    expect(source('docker-compose.yml')).not.toMatch(/hooks\.slack\.com\/services\/T/);
  });

  it('offers the simulator under the "simulator" profile, from the built image, on port 8081', () => {
    const simulator = service('simulator');
    expect(simulator.profiles).toEqual(['simulator']);
    expect(simulator.image).toBe(service('worker').image);
    expect(simulator.build).toEqual(service('worker').build);
    const [runtime, script] = simulator.command as string[];
    expect(runtime).toBe('node');
    // dist/ mirrors src/ (tsconfig.build.json: rootDir src, outDir dist).
    expect(existsSync(path.join(ROOT, script!.replace(/^dist\//, 'src/').replace(/\.js$/, '.ts')))).toBe(true);
    expect(published('simulator')).toEqual([{ ip: '127.0.0.1', host: 8081, container: 8081 }]);
    expect(env('simulator')).toMatchObject({ SIMULATOR_HOST: '0.0.0.0', SIMULATOR_PORT: '8081' });
    for (const name of ['EVOLUTION_API_KEY', 'WEBHOOK_SECRET'])
      expect({ name, value: env('simulator')[name] }).toEqual({ name, value: null });
  });
});

describe('Dockerfile', () => {
  const instructions = source('Dockerfile')
    .split('\n')
    .map((line) => line.trim())
    .filter((line) => line && !line.startsWith('#'));
  const stages = instructions.reduce<string[][]>(
    (acc, i) => (i.startsWith('FROM ') ? [...acc, [i]] : (acc[acc.length - 1]!.push(i), acc)),
    [],
  );

  it('builds in one stage with npm run build, and runs from a second stage without dev dependencies', () => {
    expect(stages.map((s) => s[0])).toEqual(['FROM node:20-slim AS build', 'FROM node:20-slim']);
    const [build, runtime] = stages as [string[], string[]];
    expect(build).toContain('RUN npm run build');
    expect(build.findIndex((i) => /^RUN npm ci\b/.test(i))).toBeLessThan(build.indexOf('RUN npm run build'));
    expect(runtime.some((i) => /^RUN npm ci --omit=dev\b/.test(i))).toBe(true);
    expect(runtime).toContain('COPY --chown=node:node --from=build /app/dist ./dist');
    expect(runtime).toContain('USER node');
    // The worker finds the migrations above dist/ (findMigrationsDir).
    expect(runtime).toContain('COPY --chown=node:node supabase/migrations ./supabase/migrations');
    const pkg = JSON.parse(source('package.json')) as { scripts: Record<string, string> };
    expect(pkg.scripts.build).toMatch(/tsc -p tsconfig\.build\.json && node scripts\/bundle-workflows\.js/);
    // Everything the build stage copies exists.
    for (const copy of build.filter((i) => i.startsWith('COPY '))) {
      for (const file of copy.split(/\s+/).slice(1, -1))
        expect({ file, exists: existsSync(path.join(ROOT, file)) }).toEqual({ file, exists: true });
    }
  });

  it('runs node dist/worker.js, the compiled src/worker.ts', () => {
    const cmd = instructions.filter((i) => i.startsWith('CMD'));
    expect(cmd).toHaveLength(1);
    expect(JSON.parse(cmd[0]!.slice('CMD'.length))).toEqual(['node', 'dist/worker.js']);
    expect(existsSync(path.join(ROOT, 'src', 'worker.ts'))).toBe(true);
    const build = JSON.parse(source('tsconfig.build.json')) as { compilerOptions: { rootDir: string; outDir: string } };
    expect(build.compilerOptions).toMatchObject({ rootDir: 'src', outDir: 'dist' });
  });

  it('keeps local state, dependencies and secrets out of the build context', () => {
    const ignored = source('.dockerignore')
      .split('\n')
      .map((l) => l.trim());
    for (const entry of ['node_modules', '.git', '.env', '.data', '.venv', 'dist']) expect(ignored).toContain(entry);
  });
});
