/**
 * `warmer chip profile` in process (runCli): the checklist read from PostgreSQL, an operator's --done
 * and --retry recorded and audited there and heard by the chip's running workflow (time-skipping server).
 */
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { Worker } from '@temporalio/worker';
import { createPostgresDb, type Db } from '../../src/adapters/db';
import { runCli } from '../../src/commands/program';
import { chipWorkflowId } from '../../src/domain/chip';
import { WORKFLOW_TYPES, statusQuery } from '../../src/workflows/api';
import type { ChipWarmupWorkflow } from '../../src/workflows/chip-warmup';
import { createScratchDatabase, type ScratchDatabase } from '../helpers/db-scratch';
import { createFakeWorld } from '../helpers/fake-activities';
import { chipInput, timeSkippingEnv, workflowBundle } from '../helpers/temporal';

let env: TestWorkflowEnvironment;
let scratch: ScratchDatabase;
let db: Db;
const taskQueue = `cli-profile-${Date.now()}`;

beforeAll(async () => {
  [env, scratch] = await Promise.all([timeSkippingEnv(), createScratchDatabase()]);
  db = createPostgresDb({ databaseUrl: scratch.url });
  await db.migrate();
}, 60_000);
afterAll(async () => {
  await db?.close();
  await scratch?.drop();
  await env?.teardown();
});

async function warmer(args: string[]): Promise<{ code: number; out: string; err: string }> {
  let out = '';
  let err = '';
  const code = await runCli(
    args,
    { ...process.env, TEMPORAL_ADDRESS: env.address, DATABASE_URL: scratch.url, WARMER_TASK_QUEUE: taskQueue, WARMER_OPERATOR: 'ana' },
    { out: (s) => void (out += s), err: (s) => void (err += s) },
  );
  return { code, out, err };
}

test('an operator reads the checklist, marks the photo done by hand and asks for it again; each is audited and heard by the chip', async () => {
  const record = await db.registerChip({ phone: '5511990000301', instanceName: 'perfil-cli', fleetId: 'f-cli' });
  const chip = { chipId: record.id, phone: record.phone, instanceName: record.instanceName };
  const world = createFakeWorld(env.client);
  world.chips.set(chip.chipId, { ...chip, phase: 'setup' });
  // The provider refuses the photo: only the operator's mark can make it done.
  world.profileFailure = (_chip, step) => (step === 'photo' ? 'HTTP 500' : undefined);
  const worker = await Worker.create({
    connection: env.nativeConnection,
    taskQueue,
    workflowBundle: await workflowBundle(),
    activities: world.activities,
  });
  await worker.runUntil(async () => {
    const handle = await env.client.workflow.start<typeof ChipWarmupWorkflow>(WORKFLOW_TYPES.chip, {
      taskQueue,
      workflowId: chipWorkflowId(chip.chipId),
      args: [chipInput(chip, await env.currentTimeMs())],
    });

    const read = await warmer(['chip', 'profile', 'perfil-cli']);
    expect(read.code).toBe(0);
    expect(read.out).toContain('perfil: 0/5');
    expect(read.out).toMatch(/photo \(foto do perfil\)\s+to do/);

    const done = await warmer(['chip', 'profile', 'perfil-cli', '--done', 'photo', '--reason', 'foto posta no app']);
    expect(done.code).toBe(0);
    expect(done.out).toContain('perfil: 1/5');
    expect(done.out).toContain('marked by an operator');
    expect(done.out).toContain('Step photo marked done.');
    expect((await handle.query(statusQuery)).profile?.done).toContain('photo');

    const retry = await warmer(['chip', 'profile', record.id, '--retry', 'photo', '--json']);
    expect(retry.code).toBe(0);
    const json = JSON.parse(retry.out) as { profile: string; steps: { step: string; doneAt: string | null }[] };
    expect(json.profile).toBe('0/5');
    expect(json.steps.find((s) => s.step === 'photo')?.doneAt).toBeNull();
    expect((await handle.query(statusQuery)).profile?.done).not.toContain('photo');
    await handle.terminate('test over');
  });
  const audit = await db.listOperatorActions({ chipId: record.id });
  expect(audit.map((a) => [a.action, a.actor, a.reason, a.source])).toEqual([
    ['profile_retry', 'ana (cli)', 'perfil: photo', 'cli'],
    ['profile_done', 'ana (cli)', 'foto posta no app', 'cli'],
  ]);
}, 120_000);

test('an unknown step, or --done with --retry, exits 1 and names the problem', async () => {
  await db.registerChip({ phone: '5511990000302', instanceName: 'perfil-cli-2', fleetId: 'f-cli' });
  const unknown = await warmer(['chip', 'profile', 'perfil-cli-2', '--done', 'banner']);
  expect(unknown.code).toBe(1);
  expect(unknown.err).toMatch(/Unknown profile step 'banner'. Valid steps: settings, privacy, name, about, photo/);
  const both = await warmer(['chip', 'profile', 'perfil-cli-2', '--done', 'photo', '--retry', 'name']);
  expect(both.code).toBe(1);
  expect(both.err).toContain('not both');
});
