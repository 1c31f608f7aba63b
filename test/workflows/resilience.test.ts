/**
 * Durable and unattended: nothing outside a chip's own decisions ends its workflow, and an operator's
 * resume means resume. Real workflow code on the time-skipping server, in-memory activities.
 */
import { Context } from '@temporalio/activity';
import { ApplicationFailure } from '@temporalio/common';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { Worker } from '@temporalio/worker';
import type { WarmupActivities } from '../../src/activities/types';
import { chipStatus, resumeChip, startChipWarmup } from '../../src/client/chips';
import { programClock, programDay, realAtMinute } from '../../src/domain/clock';
import type { ChipState } from '../../src/workflows/api';
import { createFakeWorld, type FakeWorld } from '../helpers/fake-activities';
import { chipInput, makeChip, testSettings, timeSkippingEnv, workflowBundle } from '../helpers/temporal';

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

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;
const serverNow = () => Context.current().info.currentAttemptScheduledTimestampMs;

/** Activities that touch the database fail (retryably) while `outage.untilMs` lies ahead. */
function withDatabaseOutage(world: FakeWorld, outage: { untilMs: number; failures: number }): WarmupActivities {
  const inner = world.activities;
  const guarded = <K extends keyof WarmupActivities>(name: K): WarmupActivities[K] =>
    (async (...args: unknown[]) => {
      if (serverNow() < outage.untilMs) {
        outage.failures++;
        throw ApplicationFailure.retryable(`database unreachable (${name})`, 'DatabaseUnavailable');
      }
      return (inner[name] as (...a: unknown[]) => Promise<unknown>)(...args);
    }) as WarmupActivities[K];
  return {
    ...inner,
    persistPhaseChange: guarded('persistPhaseChange'),
    persistStatus: guarded('persistStatus'),
    persistHealth: guarded('persistHealth'),
    openAlert: guarded('openAlert'),
    resolveAlert: guarded('resolveAlert'),
    planConversation: guarded('planConversation'),
    deliverTurn: guarded('deliverTurn'),
    finishConversation: guarded('finishConversation'),
  };
}

async function startFleet(world: FakeWorld, taskQueue: string, state: Partial<ChipState>, count = 2) {
  const now = await env.currentTimeMs();
  const chips = Array.from({ length: count }, (_, i) => makeChip(`r${i}`));
  for (const chip of chips) world.chips.set(chip.chipId, { ...chip, phase: state.phase ?? 'setup' });
  const settings = testSettings();
  const handles = await Promise.all(
    chips.map((chip) =>
      startChipWarmup(env.client, {
        chip,
        registeredAt: chipInput(chip, now - 20 * DAY, settings).registeredAt,
        settings,
        taskQueue,
        state: { phaseStartedAtMs: now, ...state },
      }),
    ),
  );
  return { chips, handles };
}

test('a 30-minute database outage from the first turn on ends no chip; conversations carry on after it, no turn sent twice', async () => {
  const world = createFakeWorld(env.client);
  const outage = { untilMs: 0, failures: 0 };
  let outageStartedAt: number | null = null;
  world.onTurn = async () => {
    if (outageStartedAt !== null) return;
    outageStartedAt = serverNow();
    outage.untilMs = outageStartedAt + 30 * MINUTE;
    throw ApplicationFailure.retryable('database unreachable (beginTurn)', 'DatabaseUnavailable');
  };
  const taskQueue = `outage-${Date.now()}`;
  const worker = await Worker.create({
    connection: env.nativeConnection,
    taskQueue,
    workflowBundle: bundle,
    activities: withDatabaseOutage(world, outage),
  });
  await worker.runUntil(async () => {
    const { handles } = await startFleet(world, taskQueue, { phase: 'expansao', sentTotal: 50, receivedTotal: 50, repliedTotal: 25 });
    for (let i = 0; i < 40; i++) await env.sleep(6 * HOUR); // ten program days
    for (const h of handles) expect((await h.describe()).status.name).toBe('RUNNING');
    expect(outageStartedAt).not.toBeNull();
    expect(outage.failures).toBeGreaterThan(5);
    const after = world.deliveries.filter((d) => d.atMs > outage.untilMs);
    expect(after.length).toBeGreaterThan(20);
    expect(new Set(world.deliveries.map((d) => d.key)).size).toBe(world.deliveries.length);
    // The conversation cut by the outage was closed once the database answered again.
    const failed = [...world.conversations.values()].filter((c) => c.outcome === 'failed');
    expect(failed.length).toBeGreaterThanOrEqual(1);
    for (const h of handles) await h.terminate();
  });
}, 180_000);

test('resume after an early-warning pause: the chip sits out its quarantine at the ramp floor, then converses again; Slack hears of the pause once', async () => {
  const world = createFakeWorld(env.client);
  const taskQueue = `resume-${Date.now()}`;
  const worker = await Worker.create({ connection: env.nativeConnection, taskQueue, workflowBundle: bundle, activities: world.activities });
  await worker.runUntil(async () => {
    const { chips, handles } = await startFleet(world, taskQueue, {
      phase: 'expansao',
      sentTotal: 50,
      receivedTotal: 50,
      repliedTotal: 25,
    });
    const [a] = chips as [ReturnType<typeof makeChip>];
    // Whatever the hour the test runs at: move to the next program morning (09:30 São Paulo, inside every
    // window), then until a has talked, so the pause and the resume happen with most of the window left.
    const started = await env.currentTimeMs();
    await env.sleep(realAtMinute(programClock(), started, 9 * 60 + 30, 1) - started);
    const morning = await env.currentTimeMs();
    for (let i = 0; i < 12 && !world.deliveries.some((d) => d.from === a.chipId && d.atMs >= morning); i++) await env.sleep(15 * MINUTE);
    // Stamped on the server's clock, the one the workflow runs on.
    const failedAtMs = await env.currentTimeMs();
    for (let i = 0; i < 6; i++) await handles[0]!.signal('providerEvent', { kind: 'delivery_failed', atMs: failedAtMs });
    for (let i = 0; i < 20 && (await chipStatus(env.client, a.chipId)).status !== 'paused'; i++) await env.sleep(MINUTE);
    const paused = await chipStatus(env.client, a.chipId);
    expect(paused).toMatchObject({ status: 'paused', pausedBy: 'early_warning' });
    expect(paused.statusReason).toMatch(/falhas de entrega hoje/);

    await resumeChip(env.client, a.chipId);
    const resumedAt = await env.currentTimeMs();
    const clock = programClock();
    const resumedDay = programDay(clock, resumedAt);
    await env.sleep(MINUTE);
    // Back at the ramp's floor and in quarantine: its only partner is healthy, so it waits.
    const resumed = await chipStatus(env.client, a.chipId);
    expect(resumed).toMatchObject({
      status: 'warming',
      capToday: 15,
      cap: 30,
      capText: 'cap hoje 15/30: reduzido por uma pausa automática hoje',
    });
    expect(resumed.quarantine).toMatch(/pausa automática recente/);
    // (Its health fell with the failures, which may have quarantined it already before the pause.)
    const mine = () => world.standings.filter((x) => x.chipId === a.chipId);
    expect(mine()[0]).toMatchObject({ quarantined: true, entered: true });
    expect(mine().filter((x) => x.entered)).toHaveLength(1);
    expect(mine().at(-1)).toMatchObject({ quarantined: true, rampLevel: 2, rampDay: resumedDay, capToday: 15 });
    for (let i = 0; i < 80 && !world.deliveries.some((d) => d.atMs > resumedAt && d.from === a.chipId); i++) await env.sleep(HOUR);
    const again = world.deliveries.find((d) => d.atMs > resumedAt && (d.from === a.chipId || d.to === a.chipId));
    expect(again).toBeDefined();
    // Not on the resume day nor the next (its quarantine): after one clean program day.
    expect(programDay(clock, again!.atMs)).toBe(programDay(clock, resumedAt + 2 * DAY));
    const back = await chipStatus(env.client, a.chipId);
    expect(back).toMatchObject({ status: 'warming', quarantine: null, capToday: 22 });
    expect(mine().at(-1)).toMatchObject({ quarantined: false, rampLevel: 2, capToday: 22 });
    expect(
      world.pairings
        .filter((p) => p.initiator === a.chipId || p.partner === a.chipId)
        .every((p) => p.atMs < resumedAt || p.atMs >= again!.atMs - HOUR),
    ).toBe(true);
    const critical = world.notifications.filter((n) => n.kind === 'alert' && n.severity === 'critical' && n.phone === a.phone);
    expect(critical).toHaveLength(1);
    for (const h of handles) await h.terminate();
  });
}, 180_000);

test('a fleet of one raises exactly one chip_stalled alert and the daily summary counts it', async () => {
  const world = createFakeWorld(env.client);
  const taskQueue = `alone-${Date.now()}`;
  const worker = await Worker.create({ connection: env.nativeConnection, taskQueue, workflowBundle: bundle, activities: world.activities });
  await worker.runUntil(async () => {
    const { chips, handles } = await startFleet(
      world,
      taskQueue,
      { phase: 'primeiros_contatos', sentTotal: 4, receivedTotal: 4, repliedTotal: 2 },
      1,
    );
    for (let i = 0; i < 16; i++) await env.sleep(6 * HOUR); // four program days
    const stalled = world.alerts.filter((x) => x.kind === 'chip_stalled');
    expect(stalled).toHaveLength(1);
    expect(world.notifications.filter((n) => n.kind === 'alert' && n.title === 'chip_stalled')).toHaveLength(1);
    const view = await chipStatus(env.client, chips[0]!.chipId);
    expect(view.stalled?.reason).toMatch(/nenhum parceiro ativo/);
    expect(view.status).toBe('warming');
    expect((await world.activities.sendDailySummary()).stalled).toBe(1);
    for (const h of handles) await h.terminate();
  });
}, 180_000);
