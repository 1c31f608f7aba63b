/**
 * A signal that changes a chip's status while the workflow writes the previous one (a resume while the
 * pause is being written) gets its own write at once, before the chip converses again (patch
 * status-as-written); before it, the database kept paused while the chip warmed. A chip recorded on
 * the v1 release shows the old behaviour, and its history still replays on the current code.
 * Time-skipping server, in-memory activities with the pause's write held until the resume has landed.
 */
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { Worker } from '@temporalio/worker';
import type { WarmupActivities } from '../../src/activities/types';
import { chipStatus, pauseChip, resumeChip, startChipWarmup } from '../../src/client/chips';
import { PATCHES } from '../../src/workflows/patches';
import { createFakeWorld } from '../helpers/fake-activities';
import { patchIds, releaseBundle } from '../helpers/histories';
import { makeChip, testSettings, timeSkippingEnv, workflowBundle } from '../helpers/temporal';

const HOUR = 60 * 60 * 1000;

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

/** Polls in real time (the held write must not meet its timeout, so the server's clock is not skipped). */
async function waitFor(what: string, predicate: () => boolean, timeoutMs = 15_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!predicate()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

/**
 * A lone chip in expansao (its plans find no partner) is paused; its workflow's write of paused is held
 * until the resume has reached the workflow; then an hour passes. Returns what the activities saw from
 * the pause's write on (status writes and plans, in order), the chip's status then, and its history.
 */
async function resumeWhilePauseIsWritten(workflowCode: { code: string }, label: string) {
  const world = createFakeWorld(env.client);
  const chip = makeChip(label);
  world.chips.set(chip.chipId, { ...chip, phase: 'expansao' });
  const seen: string[] = [];
  let writing!: () => void;
  const pauseWriteStarted = new Promise<void>((resolve) => (writing = resolve));
  let release!: () => void;
  const released = new Promise<void>((resolve) => (release = resolve));
  const activities: WarmupActivities = {
    ...world.activities,
    async persistStatus(input) {
      if (input.status === 'paused') {
        writing();
        await released;
      }
      await world.activities.persistStatus(input);
      seen.push(`status ${input.status}`);
    },
    async planConversation(input) {
      seen.push('plan');
      return world.activities.planConversation(input);
    },
  };
  const taskQueue = `status-write-${label}-${Date.now()}`;
  const worker = await Worker.create({ connection: env.nativeConnection, taskQueue, workflowBundle: workflowCode, activities });
  return worker.runUntil(async () => {
    const handle = await startChipWarmup(env.client, {
      chip,
      registeredAt: new Date((await env.currentTimeMs()) - 20 * 24 * HOUR).toISOString(),
      settings: testSettings(),
      taskQueue,
      state: { phase: 'expansao' },
    });
    await waitFor('the first plan', () => seen.includes('plan'));
    await pauseChip(env.client, chip.chipId, 'conferindo');
    await pauseWriteStarted;
    await resumeChip(env.client, chip.chipId);
    // The workflow has heard the resume while its write of the pause still runs.
    const during = await chipStatus(env.client, chip.chipId);
    release();
    await env.sleep(HOUR);
    const after = await chipStatus(env.client, chip.chipId);
    const history = await handle.fetchHistory();
    await handle.terminate();
    const recorded = world.statuses.filter((s) => s.chipId === chip.chipId).map((s) => s.status);
    return { during: during.status, after: after.status, recorded, fromPause: seen.slice(seen.indexOf('status paused')), history, handle };
  });
}

test('a resume that lands while the pause is written is written at once: the database ends warming, before the chip plans', async () => {
  const run = await resumeWhilePauseIsWritten(bundle, 'race');
  expect(run.during).toBe('warming');
  expect(run.after).toBe('warming');
  expect(run.recorded).toEqual(['paused', 'warming']);
  // The database hears of the resume before the chip converses again (it refuses the turns of a paused chip).
  expect(run.fromPause.slice(0, 3)).toEqual(['status paused', 'status warming', 'plan']);

  // The history carries the patch marker and replays against the current code.
  expect(patchIds(run.history)).toContain(PATCHES.statusAsWritten);
  await Worker.runReplayHistory({ workflowBundle: bundle }, run.history, run.handle.workflowId);
}, 120_000);

test('on the v1 release the same race left the database paused; that history replays on the current code without the patch', async () => {
  const run = await resumeWhilePauseIsWritten(releaseBundle('v1'), 'race-v1');
  expect(run.during).toBe('warming');
  expect(run.after).toBe('warming');
  // The defect the patch fixes: the write of the pause counted the resume as written, and the chip planned on.
  expect(run.recorded).toEqual(['paused']);
  expect(run.fromPause.slice(0, 2)).toEqual(['status paused', 'plan']);
  expect(patchIds(run.history)).not.toContain(PATCHES.statusAsWritten);
  // Replayed on the current code, patched() answers false there and the workflow emits what v1 did.
  await Worker.runReplayHistory({ workflowBundle: bundle }, run.history, run.handle.workflowId);
}, 120_000);
