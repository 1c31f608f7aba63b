/**
 * The chips as the JSON API gives them to other systems (a campaign asking "is this number ready?"):
 * the database's record, the phone masked, and `ready` said outright.
 */
import type { ChipRecord, Db } from '../adapters/db/port';
import { CHIP_STATUSES, isChipStatus } from '../domain/chip';
import { InvalidInput } from '../domain/errors';
import { maskPhone } from '../domain/phone';

export interface ApiChip {
  id: string;
  instance: string;
  /** Last 4 digits only. */
  phone: string;
  fleetId: string;
  phase: string;
  status: string;
  /** The chip finished its warm-up (phase operacao, status ready) and may be used. */
  ready: boolean;
  readyAt: string | null;
  healthScore: number;
  replyRate: number;
  phaseStartedAt: string;
  pauseReason: string | null;
}

export function apiChip(chip: ChipRecord): ApiChip {
  return {
    id: chip.id,
    instance: chip.instanceName,
    phone: maskPhone(chip.phone),
    fleetId: chip.fleetId,
    phase: chip.phase,
    status: chip.status,
    ready: chip.status === 'ready',
    readyAt: chip.readyAt,
    healthScore: chip.healthScore,
    replyRate: chip.replyRate,
    phaseStartedAt: chip.phaseStartedAt,
    pauseReason: chip.pauseReason,
  };
}

/** GET /api/chips: every chip, or those of ?status=, ?fleet=, or the one with ?phone= (full number). */
export async function listApiChips(db: Db, params: URLSearchParams): Promise<{ chips: ApiChip[] }> {
  const status = params.get('status') ?? undefined;
  if (status !== undefined && !isChipStatus(status))
    throw new InvalidInput(`status '${status}' is not one of ${CHIP_STATUSES.join(', ')}.`);
  const fleetId = params.get('fleet') ?? undefined;
  const phone = params.get('phone');
  if (phone !== null) {
    const chip = await db.findChipByPhone(phone);
    const matches = chip && (!status || chip.status === status) && (!fleetId || chip.fleetId === fleetId);
    return { chips: matches ? [apiChip(chip)] : [] };
  }
  return { chips: (await db.listChips({ status, fleetId })).map(apiChip) };
}
