/**
 * Receive-first on the time-skipping server: a chip that has just entered primeiros_contatos opens no
 * conversation on its first day but answers the ones a partner opens, and opens its own afterwards
 * (patch receive-first). In-memory activities; partners reserved through the real Update.
 */
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { Worker } from '@temporalio/worker';
import { startChipWarmup } from '../../src/client/chips';
import { programClock } from '../../src/domain/clock';
import { PATCHES } from '../../src/workflows/patches';
import { createFakeWorld } from '../helpers/fake-activities';
import { patchIds } from '../helpers/histories';
import { withoutRejectedUpdates } from '../helpers/speculative-updates';
import { makeChip, testSettings, timeSkippingEnv, workflowBundle } from '../helpers/temporal';

const clock = programClock();
const HOUR = 3_600_000;

let env: TestWorkflowEnvironment;
beforeAll(async () => {
  env = await timeSkippingEnv();
});
afterAll(async () => {
  await env?.teardown();
});

test('a chip new to primeiros_contatos only answers on its first day, then opens conversations too', async () => {
  const bundle = await workflowBundle();
  const world = createFakeWorld(env.client);
  const [veteran, newcomer] = [makeChip('veteran'), makeChip('newcomer')];
  for (const chip of [veteran, newcomer]) world.chips.set(chip.chipId, { ...chip, phase: 'primeiros_contatos' });
  const taskQueue = `receive-first-${Date.now()}`;
  const worker = await Worker.create({ connection: env.nativeConnection, taskQueue, workflowBundle: bundle, activities: world.activities });
  const startMs = await env.currentTimeMs();
  const start = (chip: typeof veteran, phaseStartedAtMs: number) =>
    startChipWarmup(env.client, {
      chip,
      registeredAt: new Date(startMs - 5 * clock.dayMs).toISOString(),
      settings: testSettings(),
      taskQueue,
      state: { phase: 'primeiros_contatos', phaseStartedAtMs, health: 50 },
    });
  const untilMs = startMs + clock.dayMs;
  const handle = await worker.runUntil(async () => {
    const handles = [await start(veteran, startMs - 2 * clock.dayMs), await start(newcomer, startMs)];
    await env.sleep(clock.dayMs + 30 * HOUR);
    for (const h of handles) await h.terminate('test over');
    return handles[1]!;
  });

  const opened = (chipId: string, from: number, to: number) =>
    world.pairings.filter((p) => p.initiator === chipId && p.atMs >= from && p.atMs < to);
  expect(opened(newcomer.chipId, startMs, untilMs)).toEqual([]);
  expect(opened(veteran.chipId, startMs, untilMs).length).toBeGreaterThan(0);
  const received = world.deliveries.filter((d) => d.to === newcomer.chipId && d.atMs < untilMs);
  const answered = world.deliveries.filter((d) => d.from === newcomer.chipId && d.atMs < untilMs);
  expect(received.length).toBeGreaterThan(0);
  expect(answered.length).toBeGreaterThan(0);
  expect(opened(newcomer.chipId, untilMs, Infinity).length).toBeGreaterThan(0);

  const history = withoutRejectedUpdates(await handle.fetchHistory());
  expect(patchIds(history)).toContain(PATCHES.receiveFirst);
  await Worker.runReplayHistory({ workflowBundle: bundle }, history, handle.workflowId);
}, 180_000);
