/**
 * A chip that lost its connection on the v1 release replays on the current code: the v1 bundle (checked
 * in beside its histories) pauses it with the older alert and resumes it on `connected`; the history
 * replays on the current bundle without a non-determinism error and carries no marker of the patch
 * classified-disconnects (asked only where the new rules act). A chip on the current code pauses by
 * the cause and records the marker.
 */
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { Worker } from '@temporalio/worker';
import { startChipWarmup } from '../../src/client/chips';
import { providerEventSignal } from '../../src/workflows/api';
import { PATCHES } from '../../src/workflows/patches';
import { createFakeWorld, type FakeWorld } from '../helpers/fake-activities';
import { patchIds, releaseBundle } from '../helpers/histories';
import { makeChip, testSettings, timeSkippingEnv, workflowBundle } from '../helpers/temporal';

let env: TestWorkflowEnvironment;
beforeAll(async () => {
  env = await timeSkippingEnv();
});
afterAll(async () => env?.teardown());

async function until(done: () => boolean, what: string): Promise<void> {
  const deadline = Date.now() + 20_000;
  while (!done() && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
  if (!done()) throw new Error(`timed out waiting for ${what}`);
}

async function disconnectAndBack(world: FakeWorld, bundle: { code: string } | Awaited<ReturnType<typeof workflowBundle>>) {
  const chip = makeChip('drop');
  const taskQueue = `disconnect-replay-${Date.now()}`;
  const now = await env.currentTimeMs();
  const worker = await Worker.create({ connection: env.nativeConnection, taskQueue, workflowBundle: bundle, activities: world.activities });
  return worker.runUntil(async () => {
    const handle = await startChipWarmup(env.client, {
      chip,
      registeredAt: new Date(now).toISOString(),
      settings: testSettings(),
      taskQueue,
      state: { phase: 'setup' },
    });
    await handle.signal(providerEventSignal, { kind: 'logged_out', atMs: now, detail: '401', eventId: 'drop-1' });
    await until(() => world.statuses.some((s) => s.chipId === chip.chipId && s.status === 'paused'), 'the pause');
    await handle.signal(providerEventSignal, { kind: 'connected', atMs: now, eventId: 'back-1' });
    await until(() => world.statuses.filter((s) => s.chipId === chip.chipId).at(-1)?.status === 'warming', 'the resume');
    const history = await handle.fetchHistory();
    await handle.terminate();
    return { history, workflowId: handle.workflowId };
  });
}

test('a v1 chip paused by a logout replays on the current code without the patch; the current code pauses as reconnect', async () => {
  const old = createFakeWorld(env.client);
  const v1 = await disconnectAndBack(old, releaseBundle('v1'));
  expect(old.alerts.map((a) => a.kind)).toEqual(['chip_disconnected']);
  await Worker.runReplayHistory({ workflowBundle: await workflowBundle() }, v1.history, v1.workflowId);
  expect(patchIds(v1.history)).not.toContain(PATCHES.classifiedDisconnects);

  const current = createFakeWorld(env.client);
  const now = await disconnectAndBack(current, await workflowBundle());
  expect(current.alerts.map((a) => a.kind)).toEqual(['chip_reconnect']);
  expect(patchIds(now.history)).toContain(PATCHES.classifiedDisconnects);
  await Worker.runReplayHistory({ workflowBundle: await workflowBundle() }, now.history, now.workflowId);
}, 120_000);
