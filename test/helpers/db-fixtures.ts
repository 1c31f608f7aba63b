/** Builders for database tests: phones, chips, fleets and moments, so tests state only what matters. */
import { toWarmerError } from '../../src/adapters/db/errors';
import type { ChipRecord, Db, PartnerCandidate } from '../../src/adapters/db/port';
import type { Row } from '../../src/adapters/db/rows';
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

/**
 * The chip's partner candidates as the planner reads them (planCandidates), without what only the
 * planner weighs: effective cap, sends claimed, open conversations.
 */
export async function partnerCandidates(
  db: Pick<Db, 'planCandidates'>,
  input: { chipId: string; day: string; maxDailyInteractions: number },
): Promise<PartnerCandidate[]> {
  const candidates = await db.planCandidates({ ...input, busySince: new Date(0).toISOString() });
  return candidates.map(({ capToday: _cap, claimedToday: _claimed, inConversation: _busy, ...candidate }) => candidate);
}

/** Raw SQL on the database under test. */
export type SqlQuery = (text: string, params?: unknown[]) => Promise<Row[]>;

/**
 * Counts one interaction for both chips of a pair on `day`, through the SQL function that
 * completeAndFinish (and a conversation created with its day) counts with, refusing with the port's
 * typed errors. A repeated `key` is a no-op.
 */
export async function countPairInteraction(
  sql: SqlQuery,
  input: { chipA: string; chipB: string; day: string; key?: string; maxDailyInteractions?: number },
): Promise<void> {
  try {
    await sql(
      'select warmup_record_pair_interaction(p_chip_a => $1, p_chip_b => $2, p_day => $3, p_key => $4, p_max_daily_interactions => $5)',
      [input.chipA, input.chipB, input.day, input.key ?? null, input.maxDailyInteractions ?? null],
    );
  } catch (err) {
    throw toWarmerError(err);
  }
}
