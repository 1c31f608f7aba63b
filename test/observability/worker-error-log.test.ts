/**
 * The logs an operator reads, from a real worker process (production logging, real Temporal): an
 * activity that throws shows its type, message, code, stack and cause in the SDK's "Activity failed"
 * line (it used to read `"error":{}`), and a phone number placed in a message text, a field, an array
 * or deep inside an object never appears in any line the process writes.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import path from 'node:path';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { BUNDLE_PATH, timeSkippingEnv } from '../helpers/temporal';

const PHONE = '5511987654321';
const FIXTURE = path.join(__dirname, 'fixtures', 'failing-activity-worker.ts');

let env: TestWorkflowEnvironment;
let child: ChildProcess | undefined;
const output: string[] = [];

beforeAll(async () => {
  env = await timeSkippingEnv();
});
afterAll(async () => {
  if (child && child.exitCode === null) {
    child.kill('SIGTERM');
    await new Promise((r) => child!.once('exit', r));
  }
  await env?.teardown();
});

type Line = Record<string, unknown> & { msg?: string };
const lines = (): Line[] =>
  output
    .join('')
    .split('\n')
    .filter((l) => l.startsWith('{'))
    .map((l) => JSON.parse(l) as Line);

async function until<T>(find: () => T | undefined, what: string, timeoutMs = 60_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const found = find();
    if (found !== undefined) return found;
    if (child?.exitCode !== null && child?.exitCode !== undefined) throw new Error(`worker exited before ${what}:\n${output.join('')}`);
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}:\n${output.join('')}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

test("an activity's failure is logged with type, message, code, stack and cause; no phone number in any line", async () => {
  const taskQueue = `error-log-${Date.now()}`;
  child = spawn(process.execPath, ['-r', require.resolve('tsx/cjs'), FIXTURE], {
    env: {
      PATH: process.env.PATH,
      TEMPORAL_ADDRESS: env.address,
      WARMER_TASK_QUEUE: taskQueue,
      WARMER_CODEC_KEYS: `k1:${randomBytes(32).toString('base64')}`,
      WARMER_SDK_METRICS: 'off',
      WARMER_TEST_BUNDLE: BUNDLE_PATH,
      FIXTURE_PHONE: PHONE,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  child.stdout!.on('data', (d: Buffer) => output.push(d.toString()));
  child.stderr!.on('data', (d: Buffer) => output.push(d.toString()));
  await until(() => lines().find((l) => l.msg === 'fixture worker ready'), 'the worker');

  const workflowId = `evt_error_log_${Date.now()}`;
  await env.client.workflow.start('EventDeliveryWorkflow', {
    taskQueue,
    workflowId,
    args: [{ eventId: workflowId, urls: ['https://crm.example/h'] }],
  });
  const failed = await until(() => lines().find((l) => l.msg === 'Activity failed'), 'the "Activity failed" line');
  await env.client.workflow.getHandle(workflowId).terminate('test over');

  expect(failed).toMatchObject({
    level: 'warn',
    source: 'temporal',
    activityType: 'deliverEvent',
    error: {
      type: 'ProviderRefused',
      message: 'send to ***4321 failed',
      code: 'PROVIDER_REFUSED',
      stack: expect.stringContaining('failing-activity-worker.ts'),
      cause: { type: 'Error', message: 'connect ECONNREFUSED while sending to ***4321', code: 'ECONNREFUSED', stack: expect.any(String) },
    },
  });
  expect(String((failed.error as { stack: string }).stack)).toMatch(/^ProviderRefused: send to \*\*\*4321 failed\n\s+at /);

  // The activity's own lines, SDK's and Warmer's, reached the log with every phone masked.
  expect(lines().find((l) => l.msg === 'delivering to ***4321')).toMatchObject({
    to: '***4321',
    list: ['***4321', { jid: '***4321@s.whatsapp.net' }],
  });
  expect(lines().find((l) => l.msg === 'the provider refused ***4321')).toMatchObject({
    partner: { chip: { peer: { contact: { deepest: { value: '***4321' } } } } },
    numbers: ['***4321'],
    mix: [['tel:***4321']],
  });
  const all = output.join('');
  expect(all).not.toContain(PHONE);
  expect(all).not.toContain(PHONE.slice(-8));
  expect(all).not.toContain('"error":{}');
});
