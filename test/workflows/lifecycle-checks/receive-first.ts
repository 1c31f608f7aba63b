/**
 * Receive-first over a whole warm-up: in its phase's receive-first days a chip opens no conversation
 * (it is never a plan's initiator), and over primeiros_contatos it does receive.
 */
import { programClock } from '../../../src/domain/clock';
import { PHASE_TABLE } from '../../../src/domain/phases';
import type { FakeWorld } from '../../helpers/fake-activities';

export function checkReceiveFirst(world: FakeWorld, chips: { chipId: string }[]): void {
  const { dayMs } = programClock();
  const days = PHASE_TABLE.primeiros_contatos.receiveFirstDays;
  expect(days).toBeGreaterThan(0);
  for (const { chipId } of chips) {
    const entered = world.promotions.find((p) => p.chipId === chipId && p.to === 'primeiros_contatos');
    const left = world.promotions.find((p) => p.chipId === chipId && p.from === 'primeiros_contatos');
    expect(entered).toBeDefined();
    const until = entered!.atMs + days * dayMs;
    const opened = world.pairings.filter((p) => p.initiator === chipId && p.atMs >= entered!.atMs && p.atMs < until);
    expect(opened).toEqual([]);
    // It opens conversations once receive-first is over, and it receives in the phase.
    expect(world.pairings.some((p) => p.initiator === chipId && p.atMs >= until && p.atMs < left!.atMs)).toBe(true);
    const received = world.deliveries.filter((d) => d.to === chipId && d.atMs >= entered!.atMs && d.atMs < left!.atMs);
    expect(received.length).toBeGreaterThan(0);
  }
}
