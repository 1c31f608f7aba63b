/**
 * Status posts over a whole warm-up: none in setup, each names only other chips of the fleet as full
 * JIDs, each falls inside its chip's window, and no chip posts more on a program day than its phase's
 * dailyStatusCap.
 */
import { programClock, programDay } from '../../../src/domain/clock';
import { PHASE_TABLE, type Phase } from '../../../src/domain/phases';
import { viewersAllInFleet } from '../../../src/domain/status-rules';
import { activityWindow, isInsideWindow } from '../../../src/domain/window';
import type { FakeWorld } from '../../helpers/fake-activities';

export function checkStatusPosts(world: FakeWorld, chips: { chipId: string; phone: string }[]): void {
  const clock = programClock();
  const phaseAt = (chipId: string, atMs: number): Phase => {
    let phase: Phase = 'setup';
    for (const p of world.promotions) if (p.chipId === chipId && p.atMs <= atMs) phase = p.to as Phase;
    return phase;
  };
  const fleet = chips.map((c) => c.phone);
  const perDay = new Map<string, { count: number; phase: Phase }>();
  expect(world.statusPosts.length).toBeGreaterThan(0);
  for (const post of world.statusPosts) {
    const chip = chips.find((c) => c.chipId === post.chipId)!;
    const phase = phaseAt(post.chipId, post.atMs);
    expect(phase).not.toBe('setup');
    for (const viewer of post.viewers) expect(viewer).toMatch(/^\d{10,15}@s\.whatsapp\.net$/);
    expect(viewersAllInFleet(post.viewers, fleet, chip.phone)).toBe(true);
    expect(isInsideWindow(activityWindow(post.chipId), clock, post.atMs)).toBe(true);
    const key = `${post.chipId}|${programDay(clock, post.atMs)}|${phase}`;
    const day = perDay.get(key) ?? { count: 0, phase };
    day.count++;
    perDay.set(key, day);
  }
  for (const { count, phase } of perDay.values()) expect(count).toBeLessThanOrEqual(PHASE_TABLE[phase].dailyStatusCap);
  // Every chip posted at some point after setup.
  for (const chip of chips) expect(world.statusPosts.some((p) => p.chipId === chip.chipId)).toBe(true);
}
