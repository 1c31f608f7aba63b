/**
 * The setup's profile checklist on the time-skipping server: the chip leaves setup only once its five
 * steps are done, a step the provider refuses is tried again without ending the chip, an operator's
 * mark lets it go, and chips whose history predates the checklist replay unchanged.
 */
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { Worker } from '@temporalio/worker';
import { chipWorkflowId } from '../../src/domain/chip';
import { minuteOfDay, programClock } from '../../src/domain/clock';
import { PROFILE_STEPS } from '../../src/domain/profile-checklist';
import { activityWindow } from '../../src/domain/window';
import { WORKFLOW_TYPES, profileStepSignal, statusQuery } from '../../src/workflows/api';
import type { ChipWarmupWorkflow } from '../../src/workflows/chip-warmup';
import { PATCHES } from '../../src/workflows/patches';
import { createFakeWorld } from '../helpers/fake-activities';
import { patchIds, releaseHistories, releases } from '../helpers/histories';
import { chipInput, makeChip, timeSkippingEnvPerTest, workflowBundle } from '../helpers/temporal';

let env: TestWorkflowEnvironment;
// A server per test: a task left queued when one test's worker stops would hold the next one's clock.
timeSkippingEnvPerTest((created) => (env = created));

const clock = programClock();

/** A fake world whose fleet is these chips, all in setup. */
function fleet(labels: string[]) {
  const world = createFakeWorld(env.client);
  const chips = labels.map((l) => makeChip(l));
  for (const chip of chips) world.chips.set(chip.chipId, { ...chip, phase: 'setup' });
  return { world, chips };
}

test('a chip completes its profile checklist at human hours before it leaves setup', async () => {
  const { world, chips } = fleet(['perfil-a', 'perfil-b']);
  const taskQueue = `profile-${Date.now()}`;
  const worker = await Worker.create({
    connection: env.nativeConnection,
    taskQueue,
    workflowBundle: await workflowBundle(),
    activities: world.activities,
  });
  const startMs = await env.currentTimeMs();
  await worker.runUntil(async () => {
    const handles = await Promise.all(
      chips.map((chip) =>
        env.client.workflow.start<typeof ChipWarmupWorkflow>(WORKFLOW_TYPES.chip, {
          taskQueue,
          workflowId: chipWorkflowId(chip.chipId),
          args: [chipInput(chip, startMs)],
        }),
      ),
    );
    await env.sleep('1 day');
    const early = await handles[0]!.query(statusQuery);
    expect(early.phase).toBe('setup');
    expect(early.profile?.total).toBe(5);
    expect(early.pending.some((p) => /^perfil: [0-4]\/5$/.test(p))).toBe(true);
    await env.sleep('3 days');
    for (const handle of handles) {
      const view = await handle.query(statusQuery);
      expect(view.phase).toBe('primeiros_contatos');
      expect(view.profile?.done.sort()).toEqual([...PROFILE_STEPS].sort());
      await handle.terminate('test over');
    }
  });
  for (const chip of chips) {
    const steps = world.profileSteps.filter((s) => s.chipId === chip.chipId);
    expect(steps.map((s) => s.step).sort()).toEqual([...PROFILE_STEPS].sort());
    const window = activityWindow(chip.chipId);
    const promotion = world.promotions.find((p) => p.chipId === chip.chipId && p.from === 'setup')!;
    for (const s of steps) {
      expect(s.atMs).toBeLessThanOrEqual(promotion.atMs);
      const minute = minuteOfDay(clock, s.atMs);
      expect(minute).toBeGreaterThanOrEqual(window.startMinute);
      expect(minute).toBeLessThan(window.endMinute);
    }
    // Batched: one activity call per moment, at most three moments.
    expect(new Set(steps.map((s) => s.atMs)).size).toBeLessThanOrEqual(3);
  }
}, 240_000);

test('a step the provider refuses is retried, never ends the chip, holds setup, and an operator mark lets it go', async () => {
  const { world, chips } = fleet(['perfil-c']);
  const [chip] = chips;
  world.profileFailure = (_chip, step) => (step === 'photo' ? 'ProviderUnavailable: HTTP 500 from /chat/updateProfilePicture' : undefined);
  const taskQueue = `profile-fail-${Date.now()}`;
  const worker = await Worker.create({
    connection: env.nativeConnection,
    taskQueue,
    workflowBundle: await workflowBundle(),
    activities: world.activities,
  });
  const startMs = await env.currentTimeMs();
  await worker.runUntil(async () => {
    const handle = await env.client.workflow.start<typeof ChipWarmupWorkflow>(WORKFLOW_TYPES.chip, {
      taskQueue,
      workflowId: chipWorkflowId(chip!.chipId),
      args: [chipInput(chip!, startMs)],
    });
    await env.sleep('4 days');
    const held = await handle.query(statusQuery);
    expect(held.phase).toBe('setup');
    expect(held.status).toBe('warming');
    expect(held.pending).toContain('perfil: 4/5');
    expect(held.profile?.lastError).toEqual({ step: 'photo', message: expect.stringContaining('HTTP 500') });
    const photoAttempts = world.profileSteps.filter((s) => s.step === 'photo');
    expect(photoAttempts.length).toBeGreaterThanOrEqual(3);
    expect(photoAttempts.every((s) => !s.ok)).toBe(true);
    // The operator set the photo in the app: the database has it (warmer chip profile --done photo), the chip hears of it.
    world.profileDone.get(chip!.chipId)!.add('photo');
    await handle.signal(profileStepSignal, { step: 'photo', action: 'done' });
    await env.sleep('1 hour');
    const released = await handle.query(statusQuery);
    expect(released.phase).toBe('primeiros_contatos');
    expect(released.profile?.lastError).toBeNull();
    expect((await handle.describe()).status.name).toBe('RUNNING');
    await handle.terminate('test over');
  });
}, 240_000);

test('histories recorded before the checklist replay unchanged and carry no profile-checklist marker', async () => {
  for (const version of releases()) {
    const histories = releaseHistories(version);
    for (const { history } of histories) expect(patchIds(history)).not.toContain(PATCHES.profileChecklist);
    const chipHistories = histories.filter(({ history }) =>
      (history.events ?? []).some((e) => e.workflowExecutionStartedEventAttributes?.workflowType?.name === WORKFLOW_TYPES.chip),
    );
    expect(chipHistories.length).toBeGreaterThan(0);
    const failures: string[] = [];
    for await (const result of Worker.runReplayHistories({ workflowBundle: await workflowBundle() }, chipHistories)) {
      if (result.error) failures.push(`${result.workflowId}: ${result.error.message}`);
    }
    expect(failures).toEqual([]);
  }
}, 240_000);
