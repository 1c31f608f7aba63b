/**
 * The 21-day lifecycle's profile checks: every chip completes its profile checklist while in setup,
 * each step once (none redone), before its first message and before it leaves setup.
 */
import type { ChipRef } from '../../../src/activities/types';
import { PROFILE_STEPS } from '../../../src/domain/profile-checklist';
import type { FakeWorld } from '../../helpers/fake-activities';

export function expectProfileChecklistsCompletedInSetup(world: FakeWorld, chips: ChipRef[]): void {
  for (const chip of chips) {
    const steps = world.profileSteps.filter((s) => s.chipId === chip.chipId);
    expect(
      steps
        .filter((s) => s.ok)
        .map((s) => s.step)
        .sort(),
    ).toEqual([...PROFILE_STEPS].sort());
    const leftSetup = world.promotions.find((p) => p.chipId === chip.chipId && p.from === 'setup');
    expect(leftSetup).toBeDefined();
    const firstMessage = Math.min(...world.deliveries.filter((d) => d.from === chip.chipId || d.to === chip.chipId).map((d) => d.atMs));
    for (const s of steps) {
      expect(s.atMs).toBeLessThanOrEqual(leftSetup!.atMs);
      expect(s.atMs).toBeLessThan(firstMessage);
    }
  }
}
