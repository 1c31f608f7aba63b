/**
 * Quarantine: a chip showing warning signs converses only with other quarantined chips of its fleet,
 * or waits, so a chip going bad never drags a healthy one down with it. A chip is in quarantine while
 * it has an open warning (a ramp sign today or yesterday, see ramp.ts), a recent automatic pause (the
 * resume is such a sign), or a health below its phase's gate by more than a margin. It leaves after a
 * clean program day (no sign) with its health back within the margin.
 */
import { PHASE_TABLE, dailyCap, isPhase } from './phases';
import { RAMP, type RampState, daysFrom, whenSaid } from './ramp';
import type { QuarantineRefusalReason } from './refusal';

export const QUARANTINE = {
  /**
   * Points below the phase's health gate that quarantine a chip. Gates rise 10-15 points from one phase
   * to the next, so a chip just promoted (at or above the previous gate) is never quarantined by it.
   */
  healthMargin: 20,
} as const;

export interface QuarantineInputs {
  phase: string;
  health: number;
  ramp: RampState | null;
  /** Program day (YYYY-MM-DD) the question is asked for. */
  day: string;
}

/** Why the chip is in quarantine on `day` (pt-BR, shown to operators), or null when it is not. */
export function quarantineReason(input: QuarantineInputs): string | null {
  const { ramp, day } = input;
  if (ramp) {
    const ago = daysFrom(ramp.signDay, day);
    if (ago >= 0 && ago <= RAMP.heldDays) {
      return ramp.kind === 'early_warning_pause'
        ? `pausa automática recente (${ramp.reason})`
        : `alerta recente: ${ramp.reason} ${whenSaid(ramp.signDay, day)}`;
    }
  }
  if (!isPhase(input.phase)) return null;
  const rule = PHASE_TABLE[input.phase];
  if (rule.next !== null && dailyCap(input.phase) > 0 && input.health < rule.minHealth - QUARANTINE.healthMargin) {
    return `health ${input.health} abaixo do mínimo da fase (${rule.minHealth}) por mais de ${QUARANTINE.healthMargin}`;
  }
  return null;
}

/**
 * The partners a chip may ask: quarantined chips only each other, healthy chips only healthy ones. A
 * candidate whose standing is unknown (an older reader) counts as healthy; the partner's own workflow
 * checks again (pairingRefusal) before it accepts.
 */
export function samePartition<T extends { quarantined?: boolean }>(candidates: readonly T[], quarantined: boolean): T[] {
  return candidates.filter((c) => Boolean(c.quarantined) === quarantined);
}

/** Why a partner refuses an initiator for quarantine reasons, or null. Unknown initiators count as healthy. */
export function pairingRefusal(initiatorQuarantined: boolean | undefined, partnerQuarantined: boolean): QuarantineRefusalReason | null {
  const initiator = Boolean(initiatorQuarantined);
  if (initiator === partnerQuarantined) return null;
  return partnerQuarantined ? 'quarantined' : 'initiator_quarantined';
}
