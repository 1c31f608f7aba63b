/**
 * An operator's pause is recorded in the database (where every turn is checked) before the workflow
 * is signalled, so a turn that starts while the signal travels is refused; a pause that cannot be
 * signalled leaves the recorded status as it was. A resume is recorded first too: the workflow writes
 * only the statuses it changed since its own last write, so a pause it never wrote (resumed before its
 * loop got to it) would otherwise leave the operator's paused in the database.
 */
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { Worker } from '@temporalio/worker';
import { createEmbeddedDb } from '../../src/adapters/db/embedded';
import type { Db } from '../../src/adapters/db/port';
import { applyChipAction } from '../../src/client/chip-actions';
import { chipStatus, startChipWarmup } from '../../src/client/chips';
import { createFakeWorld } from '../helpers/fake-activities';
import { testSettings, timeSkippingEnv, workflowBundle } from '../helpers/temporal';

let env: TestWorkflowEnvironment;
let db: Db;
beforeAll(async () => {
  env = await timeSkippingEnv();
  db = createEmbeddedDb();
  await db.migrate();
});
afterAll(async () => {
  await db?.close();
  await env?.teardown();
});

/** A client whose workflow handles refuse every signal, as when Temporal cannot be reached. */
function refusingSignals(client: TestWorkflowEnvironment['client']): TestWorkflowEnvironment['client'] {
  return new Proxy(client, {
    get(target, prop, receiver) {
      if (prop !== 'workflow') return Reflect.get(target, prop, receiver);
      const workflow = target.workflow;
      return new Proxy(workflow, {
        get(w, p) {
          if (p !== 'getHandle') return Reflect.get(w, p);
          return (...args: Parameters<typeof workflow.getHandle>) => {
            const handle = workflow.getHandle(...args);
            return new Proxy(handle, {
              get: (h, q) => (q === 'signal' ? () => Promise.reject(new Error('Temporal unreachable')) : Reflect.get(h, q)),
            });
          };
        },
      });
    },
  });
}

test('pause is recorded before the signal: with no worker running yet, the database already says paused', async () => {
  const chip = await db.registerChip({ phone: '5511988887701', instanceName: 'actions-1', fleetId: 'actions' });
  const ref = { chipId: chip.id, phone: chip.phone, instanceName: chip.instanceName };
  // No worker polls this task queue: the workflow cannot write anything itself.
  await startChipWarmup(env.client, {
    chip: ref,
    registeredAt: chip.createdAt,
    settings: testSettings(),
    taskQueue: `no-worker-${Date.now()}`,
  });
  const outcome = await applyChipAction(env.client, db, chip, 'pause', { reason: 'audit', actor: 'test', source: 'cli' });
  expect(outcome.applied).toBe(true);
  expect(await db.getChip(chip.id)).toMatchObject({ status: 'paused', pauseReason: 'audit' });
});

test('a pause that cannot be signalled puts the recorded status back', async () => {
  const chip = await db.registerChip({ phone: '5511988887702', instanceName: 'actions-2', fleetId: 'actions' });
  const ref = { chipId: chip.id, phone: chip.phone, instanceName: chip.instanceName };
  await startChipWarmup(env.client, {
    chip: ref,
    registeredAt: chip.createdAt,
    settings: testSettings(),
    taskQueue: `no-worker-${Date.now()}`,
  });
  const refusing = refusingSignals(env.client);
  await expect(applyChipAction(refusing, db, chip, 'pause', { reason: 'audit', actor: 'test', source: 'cli' })).rejects.toThrow(
    /Temporal unreachable/,
  );
  expect(await db.getChip(chip.id)).toMatchObject({ status: 'warming', pauseReason: null });
});

test('a pause and a resume that reach the workflow before its loop writes anything leave the database warming', async () => {
  const chip = await db.registerChip({ phone: '5511988887703', instanceName: 'actions-3', fleetId: 'actions' });
  const ref = { chipId: chip.id, phone: chip.phone, instanceName: chip.instanceName };
  const taskQueue = `late-worker-${Date.now()}`;
  const handle = await startChipWarmup(env.client, {
    chip: ref,
    registeredAt: chip.createdAt,
    settings: testSettings(),
    taskQueue,
    state: { phase: 'expansao' },
  });
  // No worker yet: both signals wait for the workflow, which hears them in one activation.
  const paused = await applyChipAction(env.client, db, chip, 'pause', { reason: 'audit', actor: 'test', source: 'cli' });
  expect(paused.applied).toBe(true);
  const resumed = await applyChipAction(env.client, db, await db.getChip(chip.id), 'resume', { actor: 'test', source: 'cli' });
  expect(resumed.applied).toBe(true);

  // The workflow's status writes go to the same database, as the real persistStatus activity's do.
  const world = createFakeWorld(env.client);
  world.chips.set(chip.id, { ...ref, phase: 'expansao' });
  const seen: string[] = [];
  const activities = {
    ...world.activities,
    async persistStatus(input: Parameters<typeof world.activities.persistStatus>[0]) {
      seen.push(`status ${input.status}`);
      await db.setChipStatus({ chipId: input.chipId, status: input.status, reason: input.reason ?? null });
    },
    async planConversation(input: Parameters<typeof world.activities.planConversation>[0]) {
      seen.push('plan');
      return world.activities.planConversation(input);
    },
  };
  const worker = await Worker.create({ connection: env.nativeConnection, taskQueue, workflowBundle: await workflowBundle(), activities });
  await worker.runUntil(async () => {
    // In real time: the workflows the other tests left on worker-less queues keep this server's clock from skipping.
    const deadline = Date.now() + 20_000;
    while (!seen.includes('plan') && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
    expect((await chipStatus(env.client, chip.id)).status).toBe('warming');
    await handle.terminate();
  });
  // Its first activity was a plan: the workflow, warming to warming, wrote no status; the database has the recorded resume.
  expect(seen[0]).toBe('plan');
  expect(await db.getChip(chip.id)).toMatchObject({ status: 'warming', pauseReason: null });
}, 60_000);

test('a resume that cannot be signalled puts the recorded pause back', async () => {
  const chip = await db.registerChip({ phone: '5511988887704', instanceName: 'actions-4', fleetId: 'actions' });
  const ref = { chipId: chip.id, phone: chip.phone, instanceName: chip.instanceName };
  await startChipWarmup(env.client, {
    chip: ref,
    registeredAt: chip.createdAt,
    settings: testSettings(),
    taskQueue: `no-worker-${Date.now()}`,
  });
  // The record as an operator's pause leaves it.
  await db.setChipStatus({ chipId: chip.id, status: 'paused', reason: 'audit' });
  const paused = await db.getChip(chip.id);
  expect(paused).toMatchObject({ status: 'paused', pauseReason: 'audit' });
  await expect(applyChipAction(refusingSignals(env.client), db, paused, 'resume', { actor: 'test', source: 'cli' })).rejects.toThrow(
    /Temporal unreachable/,
  );
  expect(await db.getChip(chip.id)).toMatchObject({ status: 'paused', pauseReason: 'audit' });
});
