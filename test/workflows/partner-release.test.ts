/**
 * The chip directory against a real chip workflow (time-skipping server): a partner reserved for a
 * conversation is busy with it, and the directory's release frees it at once, without waiting for
 * the lease (what a plan retried on another worker relies on, src/activities/interrupted-plan.ts).
 * A partner that refuses says why as a typed failure (PartnerRefused, the refusal in its details).
 */
import { WorkflowUpdateFailedError } from '@temporalio/client';
import { ApplicationFailure } from '@temporalio/common';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { Worker } from '@temporalio/worker';
import { createTemporalChipDirectory } from '../../src/client/chip-directory';
import { chipStatus, startChipWarmup } from '../../src/client/chips';
import { revivedFailure } from '../../src/client/failures';
import { chipWorkflowId } from '../../src/domain/chip';
import { PartnerRefused } from '../../src/domain/errors';
import { reserveUpdate } from '../../src/workflows/api';
import { createFakeWorld } from '../helpers/fake-activities';
import { preparedState } from '../helpers/worker-processes';
import { clockAtNoon, makeChip, testSettings, timeSkippingEnv, workflowBundle } from '../helpers/temporal';

let env: TestWorkflowEnvironment;
beforeAll(async () => {
  env = await timeSkippingEnv();
});
afterAll(async () => {
  await env?.teardown();
});

test('a reserved partner is busy until the directory releases it; releasing a chip with no workflow is harmless', async () => {
  const world = createFakeWorld(env.client);
  const partner = makeChip('released');
  world.chips.set(partner.chipId, { ...partner, phase: 'expansao' });
  const now = await env.currentTimeMs();
  // Program time at noon: inside every chip's window, so the reservation is accepted.
  const settings = testSettings(clockAtNoon(now, 12 * 60 * 60 * 1000));
  const taskQueue = `release-${Date.now()}`;
  const directory = createTemporalChipDirectory(env.client);
  const worker = await Worker.create({
    connection: env.nativeConnection,
    taskQueue,
    workflowBundle: await workflowBundle(),
    activities: world.activities,
  });
  await worker.runUntil(async () => {
    await startChipWarmup(env.client, {
      chip: partner,
      registeredAt: new Date(now).toISOString(),
      settings,
      taskQueue,
      // A chip already conversing well: not in quarantine, so a healthy initiator may reserve it.
      state: preparedState('expansao', now, settings.dayMs, settings.epochMs),
    });
    const request = { conversationId: 'interrupted-1', initiatorChipId: 'someone', sends: 2, leaseMs: 60 * 60 * 1000, quarantined: false };
    // The chip plans on its own first (alone in its fleet it finds nobody and waits): ask once it is free.
    let answer = await directory.reserve(partner.chipId, request);
    for (let i = 0; i < 50 && !answer.accepted && answer.refusal.reason === 'busy'; i++) {
      await new Promise((r) => setTimeout(r, 100));
      answer = await directory.reserve(partner.chipId, request);
    }
    expect(answer).toEqual({ accepted: true });
    expect((await chipStatus(env.client, partner.chipId)).busyWith).toBe('interrupted-1');

    await directory.release!(partner.chipId, 'interrupted-1');
    expect((await chipStatus(env.client, partner.chipId)).busyWith).toBeNull();
    // Another conversation can take it now, long before the hour-long lease would have ended.
    expect(await directory.reserve(partner.chipId, { ...request, conversationId: 'next-1' })).toEqual({ accepted: true });

    await expect(directory.release!('no-such-chip', 'x')).resolves.toBeUndefined();
  });
});

test('a partner at its cap refuses with a typed failure: type PartnerRefused, the refusal and the room left in its details', async () => {
  const world = createFakeWorld(env.client);
  const partner = makeChip('capped');
  world.chips.set(partner.chipId, { ...partner, phase: 'expansao' });
  const now = await env.currentTimeMs();
  const settings = testSettings(clockAtNoon(now, 12 * 60 * 60 * 1000));
  const taskQueue = `refusal-${Date.now()}`;
  const directory = createTemporalChipDirectory(env.client);
  const worker = await Worker.create({
    connection: env.nativeConnection,
    taskQueue,
    workflowBundle: await workflowBundle(),
    activities: world.activities,
  });
  await worker.runUntil(async () => {
    // expansao's cap is 30: with 29 sent today, one send is left, too few to start a conversation of its own.
    const state = { ...preparedState('expansao', now, settings.dayMs, settings.epochMs), sentToday: 29 };
    await startChipWarmup(env.client, { chip: partner, registeredAt: new Date(now).toISOString(), settings, taskQueue, state });
    const request = { conversationId: 'capped-1', initiatorChipId: 'someone', sends: 3, leaseMs: 60 * 60 * 1000, quarantined: false };

    // On the wire: the Update's failure, as any client receives it.
    const failure = await env.client.workflow
      .getHandle(chipWorkflowId(partner.chipId))
      .executeUpdate(reserveUpdate, { args: [request] })
      .then(
        () => null,
        (err: unknown) => err,
      );
    expect(failure).toBeInstanceOf(WorkflowUpdateFailedError);
    const cause = (failure as WorkflowUpdateFailedError).cause;
    expect(cause).toBeInstanceOf(ApplicationFailure);
    expect(cause).toMatchObject({
      type: 'PartnerRefused',
      nonRetryable: true,
      details: [{ reason: 'cap_reached', remaining: 1 }],
      message: 'partner refused: cap_reached (remaining 1)',
    });
    // Revived, it is the typed error again; the directory hands the planner the refusal itself.
    const revived = revivedFailure(failure);
    expect(revived).toBeInstanceOf(PartnerRefused);
    expect((revived as PartnerRefused).refusal).toEqual({ reason: 'cap_reached', remaining: 1 });
    expect(await directory.reserve(partner.chipId, request)).toEqual({ accepted: false, refusal: { reason: 'cap_reached', remaining: 1 } });
    // Two sends fit no better (one is left); a quarantined initiator is refused for that first.
    expect(await directory.reserve(partner.chipId, { ...request, sends: 2 })).toEqual({
      accepted: false,
      refusal: { reason: 'cap_reached', remaining: 1 },
    });
    expect(await directory.reserve(partner.chipId, { ...request, sends: 1, quarantined: true })).toEqual({
      accepted: false,
      refusal: { reason: 'initiator_quarantined' },
    });
    expect(await directory.reserve('no-such-chip', request)).toEqual({ accepted: false, refusal: { reason: 'no_warmup' } });
  });
});
