/**
 * The adaptive ramp on the real chip workflow (time-skipping server, in-memory activities): two chips of
 * a fleet of four get delivery failures under the pause threshold; their caps back off, they sit in
 * quarantine talking only to each other, recover, and all four still reach operacao. Every day's sends
 * are checked against the effective cap the workflow recorded for that day.
 */
import { Context } from '@temporalio/activity';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import type { WarmupActivities } from '../../src/activities/types';
import { chipWorkflowId } from '../../src/domain/chip';
import { programClock, programDay, realAtMinute } from '../../src/domain/clock';
import { PHASE_TABLE, type Phase } from '../../src/domain/phases';
import { type RampState, effectiveCap } from '../../src/domain/ramp';
import { providerEventSignal } from '../../src/workflows/api';
import { warmUpAndReplay } from '../helpers/whole-warmup';
import { createFakeWorld, type FakeWorld } from '../helpers/fake-activities';
import { makeChip, timeSkippingEnv } from '../helpers/temporal';

let env: TestWorkflowEnvironment;
beforeEach(async () => {
  env = await timeSkippingEnv();
});
afterEach(async () => {
  await env?.teardown();
});

const clock = programClock();

function phaseAt(world: FakeWorld, chipId: string, atMs: number): Phase {
  let phase: Phase = 'setup';
  for (const p of world.promotions) if (p.chipId === chipId && p.atMs <= atMs) phase = p.to as Phase;
  return phase;
}

/** The ramp the database held for the chip at `atMs` (its last recorded standing). */
function rampAt(world: FakeWorld, chipId: string, atMs: number): RampState | null {
  const last = world.standings.filter((s) => s.chipId === chipId && s.atMs <= atMs).at(-1);
  if (!last || last.rampDay === null) return null;
  return { level: last.rampLevel, signDay: last.rampDay, reason: last.rampReason ?? '', kind: 'delivery_failures' };
}

test('delivery failures ramp two chips down into a shared quarantine; they recover and all four reach operacao under their effective caps', async () => {
  const world = createFakeWorld(env.client);
  const chips = [makeChip('fa'), makeChip('fb'), makeChip('hc'), makeChip('hd')];
  const faulty = new Set([chips[0]!.chipId, chips[1]!.chipId]);
  for (const chip of chips) world.chips.set(chip.chipId, { ...chip, phase: 'setup' });
  // Injected into both faulty chips at once, when one of them in expansao asks for a conversation and
  // both have sent 18+ messages that day (3 failures over 18 sends: the warning level, under the pause
  // threshold of 25%). Both signs on one day put the two chips in quarantine together, so they pair
  // with each other whatever the timing of their slots.
  const injected = new Map<string, number>();
  const activities: WarmupActivities = {
    ...world.activities,
    async planConversation(input) {
      const id = input.initiator.chipId;
      // Workflow time (the activity's Date.now() is real time, which the time-skipping server outruns).
      const now = Context.current().info.currentAttemptScheduledTimestampMs;
      const sentToday = (chipId: string) =>
        world.deliveries.filter((d) => d.from === chipId && programDay(clock, d.atMs) === input.day).length;
      const ready = [...faulty].every((f) => world.chips.get(f)?.phase === 'expansao' && sentToday(f) >= 18);
      if (faulty.has(id) && injected.size === 0 && input.phase === 'expansao' && ready) {
        for (const f of faulty) {
          injected.set(f, now);
          const handle = env.client.workflow.getHandle(chipWorkflowId(f));
          for (let i = 0; i < 3; i++)
            await handle.signal(providerEventSignal, { kind: 'delivery_failed', atMs: now, eventId: `f-${f}-${i}` });
        }
      }
      return world.activities.planConversation(input);
    },
  };
  const taskQueue = `ramp-${Date.now()}`;
  const startMs = await env.currentTimeMs();
  // The history of a chip that went through the ramp replays against the current code.
  const results = await warmUpAndReplay(env, { taskQueue, activities, chips, startMs });

  // Everyone ready, the faulty chips included; the warnings were warnings, never pauses.
  expect(results.map((r) => r.status)).toEqual(['ready', 'ready', 'ready', 'ready']);
  expect([...injected.keys()].sort()).toEqual([...faulty].sort());
  expect(world.statuses.filter((s) => s.status === 'paused')).toEqual([]);
  expect(
    world.alerts
      .filter((a) => a.kind === 'delivery_failures')
      .map((a) => a.chipId)
      .sort(),
  ).toEqual([...faulty].sort());

  for (const id of faulty) {
    const mine = world.standings.filter((s) => s.chipId === id);
    // Ramped down to 75% of expansao's cap and into quarantine on the sign, recovered after a clean day.
    expect(mine[0]).toMatchObject({ rampLevel: 1, capToday: 22, phaseCap: 30, quarantined: true, entered: true });
    expect(mine.at(-1)).toMatchObject({ quarantined: false, capToday: mine.at(-1)!.phaseCap });
  }
  // The healthy chips never had a standing to record, and were never paired with a quarantined chip.
  expect(world.standings.filter((s) => !faulty.has(s.chipId))).toEqual([]);
  for (const p of world.pairings) {
    const q = (id: string) => world.standings.filter((s) => s.chipId === id && s.atMs <= p.atMs).at(-1)?.quarantined ?? false;
    expect([p.initiator, q(p.initiator), q(p.partner)]).toEqual([p.initiator, p.quarantined, p.quarantined]);
  }
  // The quarantined pair talked to each other.
  expect(world.pairings.filter((p) => p.quarantined).length).toBeGreaterThan(0);

  // Sends per chip and program day against the effective cap the database held that day (whole days
  // under one standing; the sign day itself may carry sends made before the sign, under the phase cap).
  // Checked at each send, against the phase the chip was in then: the day's count runs across a
  // promotion (it does not restart), and a promotion only raises the cap, so a day that starts in
  // primeiros_contatos and ends in expansao holds at most 10 before the promotion and 30 in all.
  const perDay = new Map<string, { chipId: string; day: string; sends: number[] }>();
  for (const d of world.deliveries) {
    const key = `${d.from}|${programDay(clock, d.atMs)}`;
    const entry = perDay.get(key) ?? { chipId: d.from, day: programDay(clock, d.atMs), sends: [] };
    entry.sends.push(d.atMs);
    perDay.set(key, entry);
  }
  for (const { chipId, day, sends } of perDay.values()) {
    sends.sort((x, y) => x - y);
    const dayStart = realAtMinute(clock, sends[0]!, 0);
    const dayEnd = realAtMinute(clock, sends[0]!, 0, 1) - 1;
    const [start, end] = [rampAt(world, chipId, dayStart), rampAt(world, chipId, dayEnd)];
    const steady = JSON.stringify(start) === JSON.stringify(end);
    for (const [i, atMs] of sends.entries()) {
      const phase = phaseAt(world, chipId, atMs);
      const cap = steady ? effectiveCap(phase, end, day) : PHASE_TABLE[phase].dailyCap;
      const count = i + 1;
      expect({ chipId, day, phase, count, cap, within: count <= cap }).toEqual({ chipId, day, phase, count, cap, within: true });
    }
  }
  // The reduced cap was in force while the faulty chips sent (the quarantined pair's conversations).
  // Per send, not per whole day: when the two signs land on different days (timing under load), the
  // pair's days under one standing may carry no send, though they conversed under the reduced cap.
  const underReducedCap = world.deliveries.filter((d) => {
    const ramp = rampAt(world, d.from, d.atMs);
    const phase = phaseAt(world, d.from, d.atMs);
    return ramp !== null && effectiveCap(phase, ramp, programDay(clock, d.atMs)) < PHASE_TABLE[phase].dailyCap;
  });
  expect(underReducedCap.length).toBeGreaterThan(0);
  expect(underReducedCap.every((d) => faulty.has(d.from))).toBe(true);
  // And after recovery the faulty chips used more than the reduced cap again.
  for (const id of faulty) {
    const later = [...perDay.values()].filter((e) => e.chipId === id && e.sends[0]! > injected.get(id)! + 3 * clock.dayMs);
    expect(Math.max(...later.map((e) => e.sends.length))).toBeGreaterThan(22);
  }
}, 420_000);
