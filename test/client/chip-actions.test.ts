/**
 * An operator's pause is recorded in the database (where every turn is checked) before the workflow
 * is signalled, so a turn that starts while the signal travels is refused; a pause that cannot be
 * signalled leaves the recorded status as it was.
 */
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { createEmbeddedDb } from '../../src/adapters/db/embedded';
import type { Db } from '../../src/adapters/db/port';
import { applyChipAction } from '../../src/client/chip-actions';
import { startChipWarmup } from '../../src/client/chips';
import { testSettings, timeSkippingEnv } from '../helpers/temporal';

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
  const refusing = new Proxy(env.client, {
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
  await expect(applyChipAction(refusing, db, chip, 'pause', { reason: 'audit', actor: 'test', source: 'cli' })).rejects.toThrow(
    /Temporal unreachable/,
  );
  expect(await db.getChip(chip.id)).toMatchObject({ status: 'warming', pauseReason: null });
});
