/**
 * A deploy meets running chips. Chips start on the v1 release's workflow bundle (checked in beside its
 * histories), that worker stops mid-program, and a worker with the current code (which changed the
 * workflow behind patched(), see src/workflows/patches.ts) picks them up and takes them to the end.
 * On the dev server, with search attributes on: the path the patch changes.
 */
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { Worker } from '@temporalio/worker';
import { startChipWarmup } from '../../src/client/chips';
import { PATCHES } from '../../src/workflows/patches';
import { createFakeWorld } from '../helpers/fake-activities';
import { releaseBundle } from '../helpers/histories';
import { clockAtNoon, devServerEnv, makeChip, testSettings, workflowBundle } from '../helpers/temporal';

let env: TestWorkflowEnvironment;
beforeAll(async () => {
  env = await devServerEnv();
});
afterAll(async () => env?.teardown());

test('chips started on the v1 bundle finish the program on the current code', async () => {
  const world = createFakeWorld(env.client);
  const chips = [makeChip('up'), makeChip('uq')];
  for (const chip of chips) world.chips.set(chip.chipId, { ...chip, phase: 'pre_operacao' });
  const taskQueue = `upgrade-${Date.now()}`;
  const dayMs = 20_000;
  const settings = testSettings({ ...clockAtNoon(Date.now(), dayMs), paceScale: 0, searchAttributes: true });
  const now = Date.now();
  // Five and a half days into pre_operacao with a strong record: the chips finish within two program days.
  const state = {
    phase: 'pre_operacao' as const,
    phaseStartedAtMs: now - 5.5 * dayMs,
    sentTotal: 900,
    receivedTotal: 900,
    repliedTotal: 800,
    twoWayConversations: 120,
    health: 85,
  };

  const v1 = await Worker.create({
    connection: env.nativeConnection,
    taskQueue,
    workflowBundle: releaseBundle('v1'),
    activities: world.activities,
  });
  const handles = await v1.runUntil(async () => {
    const started: Awaited<ReturnType<typeof startChipWarmup>>[] = [];
    for (const chip of chips) {
      started.push(
        await startChipWarmup(env.client, { chip, registeredAt: new Date(now - 30 * dayMs).toISOString(), settings, taskQueue, state }),
      );
    }
    // Mid-program: both chips have run on v1 (at best the conversation between them has begun). The
    // new code takes over within 10 s, well before the promotion falls due (1.5 program days, 30 s),
    // however loaded the machine: the promotion, its patches and the chip's end all happen on it.
    const ranOnV1 = async () => {
      for (const h of started) {
        const events = (await h.fetchHistory()).events ?? [];
        if (!events.some((e) => e.workflowTaskCompletedEventAttributes)) return false;
      }
      return true;
    };
    const deadline = Date.now() + 10_000;
    while ((world.deliveries.length === 0 || !(await ranOnV1())) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
    expect(await ranOnV1()).toBe(true);
    return started;
  });
  for (const h of handles) expect((await h.describe()).status.name).toBe('RUNNING');

  const v2 = await Worker.create({
    connection: env.nativeConnection,
    taskQueue,
    workflowBundle: await workflowBundle(),
    activities: world.activities,
  });
  const results = await v2.runUntil(Promise.all(handles.map((h) => h.result())));
  for (const result of results) {
    expect(result.status).toBe('ready');
    expect(result.promotions.at(-1)).toMatchObject({ from: 'pre_operacao', to: 'operacao' });
  }
  for (const h of handles) {
    const events = (await h.fetchHistory()).events ?? [];
    // No workflow task failed (a non-deterministic change would), and the patch took effect on the new worker.
    expect(events.filter((e) => e.workflowTaskFailedEventAttributes)).toEqual([]);
    const markers = events.flatMap((e) =>
      Object.values(e.markerRecordedEventAttributes?.details ?? {}).flatMap((payloads) =>
        (payloads.payloads ?? []).map((p) => Buffer.from(p.data ?? []).toString('utf8')),
      ),
    );
    expect(markers.some((m) => m.includes(PATCHES.upsertSearchAttributesOnChange))).toBe(true);
    expect(markers.some((m) => m.includes(PATCHES.fewerWakes))).toBe(true);
  }
}, 240_000);
