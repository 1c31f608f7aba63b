/** Builders for database tests: phones, chips, fleets and moments, so tests state only what matters. */
import type { ChipRecord, Db } from '../../src/adapters/db/port';
import type { Phase } from '../../src/domain/phases';

/** A fixed program clock: `at(2.5)` is two and a half days after T0. */
export const T0 = Date.parse('2025-03-03T12:00:00.000Z');
export function at(days = 0): string {
  return new Date(T0 + days * 86_400_000).toISOString();
}

let nextPhone = 0;
/** A valid, unique E.164 phone (Brazilian mobile shape). */
export function aPhone(): string {
  nextPhone += 1;
  return `55119${String(70000000 + nextPhone).padStart(8, '0')}`;
}

export function aChip(db: Db, overrides: { phone?: string; instanceName?: string; fleetId?: string } = {}): Promise<ChipRecord> {
  const phone = overrides.phone ?? aPhone();
  return db.registerChip({ phone, instanceName: overrides.instanceName ?? `inst-${phone}`, fleetId: overrides.fleetId });
}

export async function aFleet(db: Db, size: number, fleetId = 'fleet-a'): Promise<ChipRecord[]> {
  const chips: ChipRecord[] = [];
  for (let i = 0; i < size; i += 1) chips.push(await aChip(db, { fleetId }));
  return chips;
}

/** A chip past setup, so the database lets it send (setup's daily cap is 0). */
export async function aSendingChip(
  db: Db,
  overrides: { phone?: string; instanceName?: string; fleetId?: string; phase?: Exclude<Phase, 'setup'> } = {},
): Promise<ChipRecord> {
  const chip = await aChip(db, overrides);
  return db.promoteChip({ chipId: chip.id, from: 'setup', to: overrides.phase ?? 'expansao', health: 80, replyRate: 0.5, at: at() });
}

export async function aSendingFleet(db: Db, size: number, fleetId = 'fleet-a'): Promise<ChipRecord[]> {
  const chips: ChipRecord[] = [];
  for (let i = 0; i < size; i += 1) chips.push(await aSendingChip(db, { fleetId }));
  return chips;
}
