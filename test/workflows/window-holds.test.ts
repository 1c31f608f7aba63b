/**
 * Windows hold after an interruption (time-skipping server, in-memory activities): a conversation
 * under way in the evening is held up by an outage (the worker gone for hours from about 21:00,
 * program time, São Paulo); when the worker comes back, its next turn would fall past both chips'
 * windows, so nothing more is sent: the conversation ends cut short and the chip's next conversation
 * waits for the next window.
 */
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { Worker } from '@temporalio/worker';
import { startChipWarmup } from '../../src/client/chips';
import type { ChipRef } from '../../src/activities/types';
import { minuteOfDay, programClock, realAtMinute } from '../../src/domain/clock';
import { activityWindow } from '../../src/domain/window';
import { createFakeWorld, type FakeWorld } from '../helpers/fake-activities';
import { sleepHoldingTheClock } from '../helpers/guarded-sleep';
import { makeChip, testSettings, timeSkippingEnv, workflowBundle } from '../helpers/temporal';

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
/** A compressed program day (one program hour is 24 real seconds), so an outage of hours takes seconds. */
const DAY_MS = 9.6 * MINUTE;

let env: TestWorkflowEnvironment;
beforeEach(async () => {
  env = await timeSkippingEnv();
});
afterEach(async () => {
  await env?.teardown();
});

/** A chip whose window closes at 21:45 or later, so that a conversation started at 20:50 runs well before. */
function lateChip(label: string): ChipRef {
  for (;;) {
    const chip = makeChip(label);
    if (activityWindow(chip.chipId).endMinute >= 21 * 60 + 45) return chip;
  }
}

async function runWorker(world: FakeWorld, taskQueue: string, until: () => Promise<void>): Promise<void> {
  const worker = await Worker.create({
    connection: env.nativeConnection,
    taskQueue,
    workflowBundle: await workflowBundle(),
    activities: world.activities,
    // No sticky queue: after the outage, tasks must not wait for the worker that went away.
    maxCachedWorkflows: 0,
  });
  await worker.runUntil(until());
}

/** Advances the server a step at a time until `done` (nothing else skips its time while a worker runs). */
async function stepUntil(done: () => boolean, stepMs: number, what: string, steps = 400): Promise<void> {
  for (let i = 0; i < steps && !done(); i++) await env.sleep(stepMs);
  if (!done()) throw new Error(`timed out waiting for ${what}`);
}

test('a conversation held up by an outage from 21:00 sends nothing after the window closes: cut short, the rest waits for the next window', async () => {
  const world = createFakeWorld(env.client);
  const [a, b] = [lateChip('hold-a'), lateChip('hold-b')];
  for (const chip of [a, b]) world.chips.set(chip.chipId, { ...chip, phase: 'expansao' });
  const taskQueue = `window-holds-${Date.now()}`;
  const start = await env.currentTimeMs();
  const settings = testSettings({ dayMs: DAY_MS, epochMs: start });
  const clock = programClock(DAY_MS, start);

  // The evening: 20:50 program time (São Paulo), inside both windows.
  let evening = realAtMinute(clock, start, 20 * 60 + 50);
  if (evening <= start) evening = realAtMinute(clock, start, 20 * 60 + 50, 1);
  await env.sleep(evening - start);
  const now = await env.currentTimeMs();
  expect(minuteOfDay(clock, now)).toBe(20 * 60 + 50);
  const closesAt = realAtMinute(clock, now, Math.min(activityWindow(a.chipId).endMinute, activityWindow(b.chipId).endMinute));

  const handles: Awaited<ReturnType<typeof startChipWarmup>>[] = [];
  // Once the conversation's second turn goes out (before 21:00), the worker goes away: the outage.
  let underWay: () => void = () => undefined;
  const secondTurn = new Promise<void>((resolve) => (underWay = resolve));
  world.onTurn = async (delivery) => {
    if (delivery.turn === 1) underWay();
  };
  await runWorker(world, taskQueue, async () => {
    handles.push(
      await startChipWarmup(env.client, {
        chip: a,
        registeredAt: new Date(now - 20 * DAY_MS).toISOString(),
        settings,
        taskQueue,
        state: { phase: 'expansao' },
      }),
    );
    handles.push(
      await startChipWarmup(env.client, {
        chip: b,
        registeredAt: new Date(now - 20 * DAY_MS).toISOString(),
        settings,
        taskQueue,
        // The partner never initiates tonight.
        state: { phase: 'expansao', nextConversationAtMs: now + 30 * DAY_MS, maySendSinceMs: now + 30 * DAY_MS },
      }),
    );
    await secondTurn;
  });
  world.onTurn = undefined;
  // The outage begins before either window has closed.
  expect(await env.currentTimeMs()).toBeLessThan(closesAt);
  const conversationId = world.deliveries[0]!.conversationId;
  const before = world.deliveries.filter((d) => d.conversationId === conversationId).length;
  expect(world.conversations.get(conversationId)?.outcome).toBeUndefined();

  // An hour and a half without a worker, past both windows' end: every timer comes due while nobody runs it.
  await sleepHoldingTheClock(env, (1.5 * HOUR * DAY_MS) / (24 * HOUR));
  const back = await env.currentTimeMs();
  expect(back).toBeGreaterThan(closesAt);

  await runWorker(world, taskQueue, async () => {
    await stepUntil(() => world.conversations.get(conversationId)?.outcome !== undefined, 1_000, 'the conversation to end');
    // The chip goes on, and plans nothing until the next window opens (hours later).
    await env.sleep(DAY_MS / 96);
    for (const h of handles) expect((await h.describe()).status.name).toBe('RUNNING');
    for (const h of handles) await h.terminate();
  });

  expect(world.conversations.get(conversationId)).toEqual({ outcome: 'cut_short', turnsDelivered: before });
  // Nothing of that conversation, or any other, was sent once the windows had closed.
  expect(world.deliveries.filter((d) => d.atMs >= closesAt)).toEqual([]);
  expect(world.deliveries.filter((d) => d.conversationId === conversationId)).toHaveLength(before);
  expect(before).toBeLessThan(12);
  expect(world.pairings.filter((p) => p.atMs >= closesAt)).toEqual([]);
}, 180_000);
