/**
 * The 21-day lifecycle's checks for closed groups of the fleet: chips held group conversations, every
 * group holds only chips of one fleet (3 to 6 members, every message sent while that held), and every
 * chip's messages of a program day, direct and group together, stay within that day's cap.
 */
import { programClock, programDay } from '../../../src/domain/clock';
import { GROUP_SIZE } from '../../../src/domain/group-rules';
import { PHASE_TABLE, type Phase } from '../../../src/domain/phases';
import type { FakeWorld } from '../../helpers/fake-activities';

export function checkFleetGroups(world: FakeWorld): void {
  const clock = programClock();
  const { groups, messages, fleets } = world.groups;
  const fleetOf = (chipId: string) => fleets.get(chipId) ?? 'default';
  const phaseAt = (chipId: string, atMs: number): Phase => {
    let phase: Phase = 'setup';
    for (const p of world.promotions) if (p.chipId === chipId && p.atMs <= atMs) phase = p.to as Phase;
    return phase;
  };

  // Groups were formed and talked in.
  expect(groups.size).toBeGreaterThan(0);
  expect(messages.length).toBeGreaterThan(10);
  for (const group of groups.values()) {
    expect(new Set([...group.members].map(fleetOf)).size).toBe(1);
    expect(group.members.size).toBeGreaterThanOrEqual(GROUP_SIZE.min);
    expect(group.members.size).toBeLessThanOrEqual(GROUP_SIZE.max);
  }
  for (const message of messages) {
    expect(message.members.length).toBeGreaterThanOrEqual(GROUP_SIZE.min);
    expect(message.members.length).toBeLessThanOrEqual(GROUP_SIZE.max);
    expect(message.members).toContain(message.from);
    expect(new Set(message.members.map(fleetOf))).toEqual(new Set([fleetOf(message.from)]));
    // Groups start in expansao: no chip posts in a group before it.
    expect(['expansao', 'pre_operacao']).toContain(phaseAt(message.from, message.atMs));
  }
  // Direct and group messages of a program day, per chip, within that day's cap.
  const perDay = new Map<string, number>();
  const count = (from: string, atMs: number) => {
    const key = `${from}|${programDay(clock, atMs)}|${phaseAt(from, atMs)}`;
    perDay.set(key, (perDay.get(key) ?? 0) + 1);
  };
  for (const d of world.deliveries) count(d.from, d.atMs);
  for (const m of messages) count(m.from, m.atMs);
  for (const [key, sent] of perDay) expect(sent).toBeLessThanOrEqual(PHASE_TABLE[key.split('|')[2] as Phase].dailyCap);
  // Every message of a group conversation was sent once.
  expect(new Set(messages.map((m) => m.key)).size).toBe(messages.length);
}
