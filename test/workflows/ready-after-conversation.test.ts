/**
 * The last promotion (operacao, ready) ends a chip's warm-up, and the database then refuses its turns.
 * A chip whose promotion falls due while it is the partner in another chip's conversation waits for
 * that conversation's report (or, if the report is lost, its lease's end); it never leaves its partner
 * mid-conversation (patch ready-after-conversation). Time-skipping server, in-memory activities.
 */
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { Worker } from '@temporalio/worker';
import { startChipWarmup } from '../../src/client/chips';
import { programClock, realAtMinute } from '../../src/domain/clock';
import { PHASE_TABLE } from '../../src/domain/phases';
import { activityWindow } from '../../src/domain/window';
import { conversationEndedSignal, reserveUpdate, statusQuery, type ChipWarmupResult } from '../../src/workflows/api';
import { PATCHES } from '../../src/workflows/patches';
import { createFakeWorld } from '../helpers/fake-activities';
import { patchIds } from '../helpers/histories';
import { withoutRejectedUpdates } from '../helpers/speculative-updates';
import { makeChip, testSettings, timeSkippingEnv, workflowBundle } from '../helpers/temporal';

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const clock = programClock();

let env: TestWorkflowEnvironment;
let bundle: { code: string };
beforeAll(async () => {
  bundle = await workflowBundle();
});
beforeEach(async () => {
  env = await timeSkippingEnv();
});
afterEach(async () => {
  await env?.teardown();
});

/**
 * A chip in pre_operacao with everything but the days, its promotion due 30 min after an hour inside its
 * window, reserved by another chip's conversation just before; returns when the promotion is due.
 */
async function partnerDueForReadiness(label: string, leaseMs: number) {
  const world = createFakeWorld(env.client);
  const chip = makeChip(label);
  world.chips.set(chip.chipId, { ...chip, phase: 'pre_operacao' });
  const taskQueue = `ready-${label}-${Date.now()}`;
  const worker = await Worker.create({ connection: env.nativeConnection, taskQueue, workflowBundle: bundle, activities: world.activities });
  // Inside the chip's window whatever the real time of day the test runs at.
  const real = await env.currentTimeMs();
  let startMs = realAtMinute(clock, real, activityWindow(chip.chipId).startMinute + 60);
  if (startMs <= real) startMs = realAtMinute(clock, real, activityWindow(chip.chipId).startMinute + 60, 1);
  await env.sleep(startMs - real);
  const dueAtMs = startMs + 30 * MINUTE;
  const handle = await startChipWarmup(env.client, {
    chip,
    registeredAt: new Date(startMs - 40 * clock.dayMs).toISOString(),
    settings: testSettings(),
    taskQueue,
    state: {
      phase: 'pre_operacao',
      phaseStartedAtMs: dueAtMs - PHASE_TABLE.pre_operacao.minDays * clock.dayMs,
      sentTotal: 600,
      receivedTotal: 600,
      repliedTotal: 500,
      twoWayConversations: 80,
      lastConversationAtMs: startMs,
      // No slot of its own before tomorrow: the chip is only ever the partner here.
      nextConversationAtMs: startMs + clock.dayMs,
    },
  });
  return { world, chip, handle, worker, startMs, dueAtMs, leaseMs };
}

const reportOf = (conversationId: string) => ({
  conversationId,
  sent: 3,
  received: 3,
  replied: 3,
  twoWay: true,
  outcome: 'completed' as const,
});

test('a chip whose last promotion falls due mid-conversation becomes ready when the conversation reports its end', async () => {
  const { chip, handle, worker, startMs, dueAtMs } = await partnerDueForReadiness('report', 2 * HOUR);
  const result: ChipWarmupResult = await worker.runUntil(async () => {
    await handle.executeUpdate(reserveUpdate, {
      args: [{ conversationId: 'conv-1', initiatorChipId: 'initiator', sends: 3, leaseMs: 2 * HOUR }],
    });
    await env.sleep(dueAtMs + 30 * MINUTE - startMs);
    // Due half an hour ago, still the partner: it waits, warming, in pre_operacao.
    const waiting = await handle.query(statusQuery);
    expect({ phase: waiting.phase, status: waiting.status, busyWith: waiting.busyWith }).toEqual({
      phase: 'pre_operacao',
      status: 'warming',
      busyWith: 'conv-1',
    });
    const reportedAtMs = await env.currentTimeMs();
    await handle.signal(conversationEndedSignal, reportOf('conv-1'));
    const done = await handle.result();
    const ready = done.promotions.at(-1)!;
    expect(ready.to).toBe('operacao');
    // Woken by the report itself, not by its lease or its next slot.
    expect(ready.atMs).toBeGreaterThanOrEqual(reportedAtMs);
    expect(ready.atMs - reportedAtMs).toBeLessThan(MINUTE);
    return done;
  });
  expect({ chipId: result.chipId, status: result.status, phase: result.phase }).toEqual({
    chipId: chip.chipId,
    status: 'ready',
    phase: 'operacao',
  });

  // The history carries the patch marker and replays against the current code.
  const history = withoutRejectedUpdates(await handle.fetchHistory());
  expect(patchIds(history)).toContain(PATCHES.readyAfterConversation);
  await Worker.runReplayHistory({ workflowBundle: bundle }, history, handle.workflowId);
}, 120_000);

test("a report that never comes holds the chip no longer than the conversation's lease", async () => {
  const leaseMs = 2 * HOUR;
  const { handle, worker, startMs } = await partnerDueForReadiness('lease', leaseMs);
  const result = await worker.runUntil(async () => {
    await handle.executeUpdate(reserveUpdate, { args: [{ conversationId: 'conv-2', initiatorChipId: 'initiator', sends: 3, leaseMs }] });
    return handle.result();
  });
  expect({ status: result.status, phase: result.phase }).toEqual({ status: 'ready', phase: 'operacao' });
  const ready = result.promotions.at(-1)!;
  // At the lease's end (reserved within a minute of the start), not at the next slot a day later.
  expect(ready.atMs).toBeGreaterThanOrEqual(startMs + leaseMs);
  expect(ready.atMs).toBeLessThan(startMs + leaseMs + 5 * MINUTE);
}, 120_000);
