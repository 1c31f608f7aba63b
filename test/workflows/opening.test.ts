/**
 * The plan sends a conversation's first turn (time-skipping server, in-memory activities, the real
 * opening logic): the conversation then starts at its first gap and never sends that turn again; an
 * opening that a retry may heal is sent by the conversation itself; a refused one ends the
 * conversation as failed, and both chips go on conversing.
 */
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { Worker } from '@temporalio/worker';
import { startChipWarmup } from '../../src/client/chips';
import type { OpeningTurn } from '../../src/activities/types';
import { createFakeWorld, type FakeWorld } from '../helpers/fake-activities';
import { chipInput, makeChip, testSettings, timeSkippingEnv, workflowBundle } from '../helpers/temporal';

let env: TestWorkflowEnvironment;
beforeEach(async () => {
  env = await timeSkippingEnv();
});
afterEach(async () => {
  await env?.teardown();
});

const HOUR = 60 * 60 * 1000;

async function run(world: FakeWorld, enough: () => boolean): Promise<void> {
  const [a, b] = [makeChip('open-a'), makeChip('open-b')];
  const taskQueue = `opening-${Date.now()}`;
  const settings = testSettings();
  const now = await env.currentTimeMs();
  for (const chip of [a, b]) world.chips.set(chip.chipId, { ...chip, phase: 'expansao' });
  const worker = await Worker.create({
    connection: env.nativeConnection,
    taskQueue,
    workflowBundle: await workflowBundle(),
    activities: world.activities,
  });
  await worker.runUntil(async () => {
    const handles = await Promise.all(
      [a, b].map((chip) =>
        startChipWarmup(env.client, {
          chip,
          registeredAt: chipInput(chip, now, settings).registeredAt,
          settings,
          taskQueue,
          state: { phase: 'expansao' },
        }),
      ),
    );
    for (let i = 0; i < 100 && !enough(); i++) await env.sleep(HOUR);
    expect(enough()).toBe(true);
    for (const h of handles) expect((await h.describe()).status.name).toBe('RUNNING');
    for (const h of handles) await h.terminate();
  });
}

const turnsOf = (world: FakeWorld, conversationId: string) =>
  world.deliveries.filter((d) => d.conversationId === conversationId).map((d) => d.turn);
const finished = (world: FakeWorld) => [...world.conversations.entries()].filter(([, c]) => c.outcome !== undefined);

test('an opening sent by the plan is never sent again: every conversation has each turn once, in order', async () => {
  const world = createFakeWorld(env.client);
  await run(world, () => finished(world).filter(([, c]) => c.outcome === 'completed').length >= 3);
  for (const [id, c] of finished(world)) {
    expect(c.outcome).toBe('completed');
    expect(turnsOf(world, id)).toEqual(Array.from({ length: c.turnsDelivered! }, (_, i) => i));
  }
});

test('a refused opening ends that conversation as failed; one a retry may heal is sent by the conversation', async () => {
  const world = createFakeWorld(env.client);
  const fates = new Map<string, OpeningTurn | undefined>();
  world.openingOutcome = (conversationId) => {
    // The first conversation's opening is refused, the second's failed before its claim, the rest go out.
    const fate: OpeningTurn | undefined =
      fates.size === 0
        ? { sent: false, retry: false, reason: 'ProviderDisconnected' }
        : fates.size === 1
          ? { sent: false, retry: true, reason: 'provider timeout' }
          : undefined;
    fates.set(conversationId, fate);
    return fate;
  };
  await run(world, () => finished(world).length >= 4);
  const [refused, healed] = [...fates.keys()] as [string, string];
  expect(world.conversations.get(refused)).toEqual({ outcome: 'failed', turnsDelivered: 0 });
  expect(turnsOf(world, refused)).toEqual([]);
  expect(world.conversations.get(healed)?.outcome).toBe('completed');
  expect(turnsOf(world, healed)[0]).toBe(0);
  expect(turnsOf(world, healed)).toEqual(Array.from({ length: world.conversations.get(healed)!.turnsDelivered! }, (_, i) => i));
  // Both chips went on: later conversations completed.
  expect(finished(world).filter(([id, c]) => id !== refused && id !== healed && c.outcome === 'completed').length).toBeGreaterThan(0);
});
