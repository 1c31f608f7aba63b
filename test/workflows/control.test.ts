import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { Worker } from '@temporalio/worker';
import { chipStatus, pauseChip, resumeChip, retireChip, startChipWarmup } from '../../src/client/chips';
import { chipWorkflowId } from '../../src/domain/chip';
import { DuplicateChip } from '../../src/domain/errors';
import type { ChipRef } from '../../src/activities/types';
import type { ChipState, ChipStatusView } from '../../src/workflows/api';
import { createFakeWorld, type FakeWorld } from '../helpers/fake-activities';
import { chipInput, makeChip, testSettings, timeSkippingEnv, workflowBundle } from '../helpers/temporal';

let env: TestWorkflowEnvironment;
let bundle: { code: string };
// A fresh test server per test: a workflow left behind by one test must not hold another's clock.
beforeAll(async () => {
  bundle = await workflowBundle();
});
beforeEach(async () => {
  env = await timeSkippingEnv();
});
afterEach(async () => {
  await env?.teardown();
});

const HOUR = 60 * 60 * 1000;

async function fleet(world: FakeWorld, chips: ChipRef[], taskQueue: string, state: Partial<ChipState> = {}, settings = testSettings()) {
  const now = await env.currentTimeMs();
  for (const chip of chips) world.chips.set(chip.chipId, { ...chip, phase: state.phase ?? 'setup' });
  return Promise.all(
    chips.map((chip) => {
      const input = chipInput(chip, now, settings);
      return startChipWarmup(env.client, {
        chip,
        registeredAt: input.registeredAt,
        settings,
        taskQueue,
        state,
      });
    }),
  );
}

async function until(predicate: () => boolean | Promise<boolean>, stepMs = HOUR, maxSteps = 200): Promise<void> {
  for (let i = 0; i < maxSteps; i++) {
    if (await predicate()) return;
    await env.sleep(stepMs);
  }
  throw new Error('condition not reached in simulated time');
}

test('pausing a chip mid-conversation stops the next turns; resume continues; retire ends the workflow', async () => {
  const world = createFakeWorld(env.client);
  const [a, b] = [makeChip('p'), makeChip('q')];
  const taskQueue = `pause-${Date.now()}`;
  let pausedConversation: string | null = null;
  let pausedAtTurn = -1;
  world.onTurn = async (delivery) => {
    if (pausedConversation === null && delivery.turn === 1) {
      pausedConversation = delivery.conversationId;
      pausedAtTurn = delivery.turn;
      await pauseChip(env.client, a.chipId, 'operator check');
    }
  };
  const worker = await Worker.create({ connection: env.nativeConnection, taskQueue, workflowBundle: bundle, activities: world.activities });
  await worker.runUntil(async () => {
    const [ha, hb] = (await fleet(world, [a, b], taskQueue, { phase: 'expansao' })) as [
      Awaited<ReturnType<typeof fleet>>[number],
      Awaited<ReturnType<typeof fleet>>[number],
    ];
    await until(() => pausedConversation !== null && world.conversations.get(pausedConversation)?.outcome !== undefined, 10 * 60 * 1000);
    const turnsOfPaused = world.deliveries.filter((d) => d.conversationId === pausedConversation);
    expect(turnsOfPaused.map((d) => d.turn)).toEqual([0, pausedAtTurn]);
    expect(world.conversations.get(pausedConversation!)).toEqual({ outcome: 'aborted', turnsDelivered: 2 });

    const paused = await chipStatus(env.client, a.chipId);
    expect(paused.status).toBe('paused');
    expect(paused.statusReason).toBe('operator check');
    expect(paused.busyWith).toBeNull();
    // A paused chip takes part in nothing for a whole day.
    const before = world.deliveries.length;
    await env.sleep(24 * HOUR);
    expect(world.deliveries.length).toBe(before);
    expect(world.statuses).toContainEqual({ chipId: a.chipId, status: 'paused' });

    await resumeChip(env.client, a.chipId);
    await until(() => world.deliveries.length > before + 4);
    expect((await chipStatus(env.client, a.chipId)).status).toBe('warming');

    await retireChip(env.client, a.chipId, 'number returned');
    const result = await ha.result();
    expect(result.status).toBe('retired');
    expect(world.statuses.at(-1)).toEqual({ chipId: a.chipId, status: 'retired' });
    await hb.terminate();
  });
});

test('a second start for the same chip is refused with a clear error and no second copy', async () => {
  const world = createFakeWorld(env.client);
  const chip = makeChip('dup');
  const taskQueue = `dup-${Date.now()}`;
  const worker = await Worker.create({ connection: env.nativeConnection, taskQueue, workflowBundle: bundle, activities: world.activities });
  await worker.runUntil(async () => {
    const [first] = await fleet(world, [chip], taskQueue);
    const now = await env.currentTimeMs();
    const again = startChipWarmup(env.client, { chip, registeredAt: new Date(now).toISOString(), settings: testSettings(), taskQueue });
    await expect(again).rejects.toBeInstanceOf(DuplicateChip);
    await expect(again).rejects.toThrow(/already has a warm-up workflow/);
    // The running workflow is still the first one.
    expect((await env.client.workflow.getHandle(chipWorkflowId(chip.chipId)).describe()).runId).toBe(first!.firstExecutionRunId);
    await retireChip(env.client, chip.chipId);
    expect((await first!.result()).status).toBe('retired');
    // Even after the first run closed, the chip is not warmed twice.
    await expect(
      startChipWarmup(env.client, { chip, registeredAt: new Date(now).toISOString(), settings: testSettings(), taskQueue }),
    ).rejects.toBeInstanceOf(DuplicateChip);
  });
});

test('continue-as-new carries phase, phase start, counters and pause state', async () => {
  const world = createFakeWorld(env.client);
  const [a, b] = [makeChip('can'), makeChip('cbn')];
  const taskQueue = `can-${Date.now()}`;
  const settings = testSettings({ maxHistoryEvents: 150 });
  const worker = await Worker.create({ connection: env.nativeConnection, taskQueue, workflowBundle: bundle, activities: world.activities });
  // A query that reaches the run just as it continues as new may never be answered: asked again.
  const statusOfA = async (): Promise<ChipStatusView> => {
    for (let attempt = 1; ; attempt++) {
      try {
        return await env.client.connection.withDeadline(Date.now() + 10_000, () => chipStatus(env.client, a.chipId));
      } catch (err) {
        if (attempt >= 5) throw err;
      }
    }
  };
  await worker.runUntil(async () => {
    const handles = await fleet(world, [a, b], taskQueue, { phase: 'expansao' }, settings);
    await until(async () => (await statusOfA()).runs >= 2, 2 * HOUR);
    const view = await statusOfA();
    expect(view.phase).toBe('expansao');
    // Phase start survived: days in phase keep counting from the first run.
    const sentByA = world.deliveries.filter((d) => d.from === a.chipId).length;
    const receivedByA = world.deliveries.filter((d) => d.to === a.chipId).length;
    // Counters are the whole history's, not the last run's (a conversation may still be in flight).
    expect(view.sentTotal).toBeGreaterThan(0);
    expect(sentByA - view.sentTotal).toBeLessThanOrEqual(6);
    expect(receivedByA - view.receivedTotal).toBeLessThanOrEqual(6);
    expect(view.sentTotal).toBeLessThanOrEqual(sentByA);

    // Pause, then flood the paused chip with signals until it continues as new while paused.
    await pauseChip(env.client, a.chipId, 'hold for audit');
    const runsBefore = (await statusOfA()).runs;
    // In batches, stopping once it has: 200 signals one by one took minutes on a loaded machine.
    for (let sent = 0; sent < 400 && (await statusOfA()).runs <= runsBefore; sent += 25) {
      await Promise.all(Array.from({ length: 25 }, () => handles[0]!.signal('providerEvent', { kind: 'delivery_failed', atMs: now() })));
    }
    // Steps of ten program minutes: a step longer than the guarded sleep's stuck window can be unlocked
    // if the server's clock was left locked around the continue-as-new (seen twice on a loaded machine).
    await until(async () => (await statusOfA()).runs > runsBefore, 10 * 60_000, 20);
    const after = await statusOfA();
    expect(after.status).toBe('paused');
    expect(after.statusReason).toBe('hold for audit');
    expect(after.phase).toBe('expansao');
    expect(after.sentTotal).toBeGreaterThanOrEqual(view.sentTotal);
    await env.sleep(4 * 24 * HOUR);
    // A query reads the workflow's clock as of its last activation: a paused chip has no timer, and now
    // that its failures put it in quarantine no partner's reservation wakes it either, so a repeated
    // pause (which changes nothing) lets it see the time.
    await pauseChip(env.client, a.chipId, 'hold for audit');
    expect((await statusOfA()).dayInPhase).toBeGreaterThanOrEqual(4);
    for (const h of handles) await h.terminate();
  });
});

function now() {
  return Date.now();
}

test('repeated delivery failures make the chip pause itself and raise a critical alert', async () => {
  const world = createFakeWorld(env.client);
  const [a, b] = [makeChip('ew'), makeChip('ex')];
  const taskQueue = `ew-${Date.now()}`;
  const worker = await Worker.create({ connection: env.nativeConnection, taskQueue, workflowBundle: bundle, activities: world.activities });
  await worker.runUntil(async () => {
    const handles = await fleet(world, [a, b], taskQueue, { phase: 'expansao' });
    for (let i = 0; i < 3; i++) await handles[0]!.signal('providerEvent', { kind: 'delivery_failed', atMs: now() });
    await until(() => world.alerts.some((x) => x.chipId === a.chipId), 60_000, 30);
    expect(world.alerts.filter((x) => x.chipId === a.chipId).map((x) => [x.severity, x.kind])).toEqual([['warning', 'delivery_failures']]);
    expect((await chipStatus(env.client, a.chipId)).status).toBe('warming');

    for (let i = 0; i < 3; i++) await handles[0]!.signal('providerEvent', { kind: 'delivery_failed', atMs: now() });
    await until(() => world.alerts.some((x) => x.kind === 'chip_paused'), 60_000, 30);
    const view = await chipStatus(env.client, a.chipId);
    expect(view.status).toBe('paused');
    expect(view.statusReason).toMatch(/6 falhas de entrega hoje/);
    expect(world.alerts.map((x) => [x.chipId, x.severity, x.kind])).toContainEqual([a.chipId, 'critical', 'chip_paused']);
    expect(world.notifications).toContainEqual(expect.objectContaining({ kind: 'alert', severity: 'critical', phone: a.phone }));
    expect(world.statuses).toContainEqual({ chipId: a.chipId, status: 'paused' });
    for (const h of handles) await h.terminate();
  });
});
