import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { Worker } from '@temporalio/worker';
import { chipWorkflowId } from '../../src/domain/chip';
import { programClock, programDay } from '../../src/domain/clock';
import { PHASE_TABLE, type Phase } from '../../src/domain/phases';
import { statusQuery } from '../../src/workflows/api';
import type { ChipWarmupWorkflow } from '../../src/workflows/chip-warmup';
import { WORKFLOW_TYPES } from '../../src/workflows/api';
import { createFakeWorld, type FakeWorld } from '../helpers/fake-activities';
import { warmUpAndReplay } from '../helpers/whole-warmup';
import { checkFleetGroups } from './lifecycle-checks/groups';
import { chipInput, makeChip, timeSkippingEnv, workflowBundle } from '../helpers/temporal';
import { expectProfileChecklistsCompletedInSetup } from './lifecycle-checks/profile-checklist';
import { checkReceiveFirst } from './lifecycle-checks/receive-first';
import { checkStatusPosts } from './lifecycle-checks/status-posts';

let env: TestWorkflowEnvironment;
beforeEach(async () => {
  env = await timeSkippingEnv();
});
afterEach(async () => {
  await env?.teardown();
});

function phaseAt(world: FakeWorld, chipId: string, atMs: number): Phase {
  let phase: Phase = 'setup';
  for (const p of world.promotions) if (p.chipId === chipId && p.atMs <= atMs) phase = p.to as Phase;
  return phase;
}

test('three chips go from setup to operacao in order, within their caps, and are announced ready', async () => {
  const world = createFakeWorld(env.client);
  const chips = [makeChip('a'), makeChip('b'), makeChip('c')];
  for (const chip of chips) world.chips.set(chip.chipId, { ...chip, phase: 'setup' });
  const taskQueue = `lifecycle-${Date.now()}`;
  const startMs = await env.currentTimeMs();
  // Determinism: the recorded history of a whole warm-up replays against the current code.
  const results = await warmUpAndReplay(env, { taskQueue, activities: world.activities, chips, startMs });
  const clock = programClock();
  for (const result of results) {
    expect(result.status).toBe('ready');
    expect(result.phase).toBe('operacao');
    expect(result.promotions.map((p) => `${p.from}->${p.to}`)).toEqual([
      'setup->primeiros_contatos',
      'primeiros_contatos->expansao',
      'expansao->pre_operacao',
      'pre_operacao->operacao',
    ]);
    const lastPromotion = result.promotions.at(-1)!;
    expect(lastPromotion.atMs - startMs).toBeGreaterThanOrEqual(21 * clock.dayMs);
    // Each promotion waited at least the phase's minimum days.
    let previous = startMs;
    for (const p of result.promotions) {
      expect(p.atMs - previous).toBeGreaterThanOrEqual(PHASE_TABLE[p.from].minDays * clock.dayMs);
      previous = p.atMs;
    }
  }
  // No message in setup; no chip over its phase's cap on any program day.
  const perDay = new Map<string, number>();
  for (const d of world.deliveries) {
    const phase = phaseAt(world, d.from, d.atMs);
    expect(phase).not.toBe('setup');
    const key = `${d.from}|${programDay(clock, d.atMs)}|${phase}`;
    perDay.set(key, (perDay.get(key) ?? 0) + 1);
  }
  expect(world.deliveries.length).toBeGreaterThan(300);
  for (const [key, count] of perDay) {
    const phase = key.split('|')[2] as Phase;
    expect(count).toBeLessThanOrEqual(PHASE_TABLE[phase].dailyCap);
  }
  // Every chip used a good share of its cap on some day (caps are limits, and they are reached).
  const maxPerPhase = (phase: Phase) => Math.max(...[...perDay].filter(([k]) => k.endsWith(`|${phase}`)).map(([, c]) => c));
  expect(maxPerPhase('primeiros_contatos')).toBeGreaterThanOrEqual(6);
  expect(maxPerPhase('pre_operacao')).toBeGreaterThanOrEqual(30);
  // The only alert a healthy fleet may raise: the last chip still warming, once its partners are ready and gone.
  expect(world.alerts.filter((x) => x.kind !== 'chip_stalled')).toEqual([]);
  // Promotions and ready notifications, in order, for every chip.
  for (const chip of chips) {
    const mine = world.notifications.filter((n) => 'phone' in n && n.phone === chip.phone && n.kind !== 'alert');
    expect(mine.map((n) => (n.kind === 'promotion' ? n.to : n.kind))).toEqual([
      'primeiros_contatos',
      'expansao',
      'pre_operacao',
      'operacao',
      'ready',
    ]);
  }
  // Turns of every conversation were delivered exactly once.
  expect(new Set(world.deliveries.map((d) => d.key)).size).toBe(world.deliveries.length);
  expectProfileChecklistsCompletedInSetup(world, chips);
  checkReceiveFirst(world, chips);
  checkStatusPosts(world, chips);
  checkFleetGroups(world);
}, 360_000);

test('a chip in setup sends nothing and reports what it still needs', async () => {
  const world = createFakeWorld(env.client);
  const [a, b] = [makeChip('s'), makeChip('t')];
  for (const chip of [a, b]) world.chips.set(chip.chipId, { ...chip, phase: 'setup' });
  const taskQueue = `setup-${Date.now()}`;
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
      workflowId: chipWorkflowId(a.chipId),
      args: [chipInput(a, startMs)],
    });
    await env.sleep('2 days');
    const view = await handle.query(statusQuery);
    expect(view.phase).toBe('setup');
    expect(view.dayInPhase).toBe(2);
    expect(view.cap).toBe(0);
    expect(view.pending.slice(0, 2)).toEqual(['dias: 2/3', 'health: 44/45']);
    // The profile checklist, while it holds the chip in setup.
    for (const extra of view.pending.slice(2)) expect(extra).toMatch(/^perfil: [0-4]\/5$/);
    await handle.terminate('test over');
  });
  expect(world.deliveries).toHaveLength(0);
});
