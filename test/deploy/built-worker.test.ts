/**
 * The production build as the image runs it: `npm run build`, then `node dist/worker.js` against a
 * Temporal dev server. It must poll its task queue from the prebuilt workflow bundle, with no
 * webpack at start (a preload makes bundling exit the process), and stop cleanly on SIGTERM.
 */
import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import { temporal } from '@temporalio/proto';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { createScratchDatabase, type ScratchDatabase } from '../helpers/db-scratch';
import { devServerEnv } from '../helpers/temporal';

const ROOT = path.resolve(__dirname, '../..');
const FORBID_BUNDLING = path.join(__dirname, 'fixtures', 'forbid-bundling.js');
const run = promisify(execFile);

let env: TestWorkflowEnvironment;
let scratch: ScratchDatabase;

beforeAll(async () => {
  const build = run('npm', ['run', 'build'], { cwd: ROOT, timeout: 180_000 });
  [env, scratch] = await Promise.all([devServerEnv(), createScratchDatabase(), build]);
}, 240_000);

afterAll(async () => {
  await env?.teardown();
  await scratch?.drop();
});

function exited(child: ChildProcess): Promise<number | null> {
  return new Promise((resolve) => {
    if (child.exitCode !== null) resolve(child.exitCode);
    else child.once('exit', (code) => resolve(code));
  });
}

async function pollers(taskQueue: string): Promise<number> {
  const { pollers } = await env.client.workflowService.describeTaskQueue({
    namespace: env.namespace ?? 'default',
    taskQueue: { name: taskQueue },
    taskQueueType: temporal.api.enums.v1.TaskQueueType.TASK_QUEUE_TYPE_WORKFLOW,
  });
  return pollers.length;
}

test('the preload really stops a worker that would bundle at start (control)', async () => {
  const script = `require('@temporalio/worker').bundleWorkflowCode({ workflowsPath: ${JSON.stringify(path.join(ROOT, 'dist', 'workflows'))} })`;
  const control = spawn(process.execPath, ['--require', FORBID_BUNDLING, '-e', script], { cwd: ROOT, stdio: 'ignore' });
  expect(await exited(control)).toBe(97);
});

test('npm run build, then node dist/worker.js polls its task queue from the prebuilt bundle', async () => {
  expect(existsSync(path.join(ROOT, 'dist', 'workflow-bundle.js'))).toBe(true);
  // The console serves its styles and scripts from beside its compiled server (tsc copies no .css/.js).
  const assets = readdirSync(path.join(ROOT, 'src', 'console', 'assets'));
  expect(assets.length).toBeGreaterThan(0);
  expect(assets.filter((f) => !existsSync(path.join(ROOT, 'dist', 'console', 'assets', f)))).toEqual([]);
  const taskQueue = `built-worker-${Date.now()}`;
  const output: string[] = [];
  const started = Date.now();
  const worker = spawn(process.execPath, ['--require', FORBID_BUNDLING, path.join('dist', 'worker.js')], {
    cwd: ROOT,
    env: {
      PATH: process.env.PATH,
      NODE_ENV: 'production',
      TEMPORAL_ADDRESS: env.address,
      WARMER_TASK_QUEUE: taskQueue,
      DATABASE_URL: scratch.url,
      EVOLUTION_API_URL: 'http://127.0.0.1:9',
      EVOLUTION_API_KEY: 'unused',
      WEBHOOK_SECRET: 'built-worker-secret-0123456789',
      WEBHOOK_PORT: '0',
      WARMER_SEARCH_ATTRIBUTES: 'false',
      WARMER_CODEC_KEYS: `k1:${randomBytes(32).toString('base64')}`,
      WARMER_CODEC_PORT: '0',
      WARMER_CODEC_TOKEN: randomBytes(16).toString('hex'),
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  worker.stdout!.on('data', (d: Buffer) => output.push(d.toString()));
  worker.stderr!.on('data', (d: Buffer) => output.push(d.toString()));
  try {
    let polling = false;
    while (!polling && worker.exitCode === null && Date.now() - started < 60_000) {
      polling = (await pollers(taskQueue)) > 0;
      if (!polling) await new Promise((r) => setTimeout(r, 200));
    }
    expect({ polling, exitCode: worker.exitCode, output: polling ? '' : output.join('') }).toEqual({
      polling: true,
      exitCode: null,
      output: '',
    });
    const text = output.join('');
    // The worker logs JSON lines (pino).
    expect(text).toContain('"workflows":"prebuilt bundle"');
    expect(text).toContain('"payloads":"encrypted (key k1, 1 known)"');
    expect(text).toMatch(/"url":"http:\/\/127\.0\.0\.1:\d+\/codec","msg":"codec endpoint listening/);
    expect(text).toMatch(/"migrations":\["20251125120000_warmup_tables"/);
    expect(text).not.toMatch(/webpack|Workflow bundle created/);
    console.log(`built worker polling ${Date.now() - started} ms after spawn`);
  } finally {
    worker.kill('SIGTERM');
  }
  expect(await exited(worker)).toBe(0);
});

test('the built worker refuses to start without a payload key, saying how to set one', async () => {
  const refused = await run(process.execPath, [path.join('dist', 'worker.js')], {
    cwd: ROOT,
    env: {
      PATH: process.env.PATH,
      EVOLUTION_API_URL: 'http://127.0.0.1:9',
      EVOLUTION_API_KEY: 'k',
      WEBHOOK_SECRET: 'built-worker-secret-0123456789',
      DATABASE_URL: scratch.url,
    },
  }).then(
    () => undefined,
    (err: { code: number; stderr: string }) => err,
  );
  expect(refused?.code).toBe(1);
  expect(refused?.stderr).toMatch(/WARMER_CODEC_KEYS is required.*WARMER_ALLOW_PLAINTEXT=1/s);
});
