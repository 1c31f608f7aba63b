/** A chip's standing: its adaptive ramp (a reduced cap after warning signs) and its quarantine. */
import type { Phase } from '../../../domain/phases';

/** A chip whose cap is reduced today or that is in quarantine, and why (warmup_chip_standings). */
export interface ChipStandingRecord {
  chipId: string;
  instanceName: string;
  phone: string;
  fleetId: string;
  phase: Phase;
  status: string;
  capToday: number;
  phaseCap: number;
  rampReason: string | null;
  rampDay: string | null;
  quarantined: boolean;
  quarantineReason: string | null;
}

export interface StandingPort {
  /**
   * Records the chip's adaptive ramp (level of its last warning sign and that sign's program day) and
   * quarantine; the last line's cap check then uses the effective cap. True when the chip enters quarantine now.
   */
  recordStanding(input: {
    chipId: string;
    rampLevel: number;
    rampDay: string | null;
    rampReason: string | null;
    quarantined: boolean;
    quarantineReason: string | null;
    at: string;
  }): Promise<boolean>;
  /** Chips (warming or paused) whose cap is reduced on `day` or that are in quarantine. */
  chipStandings(input: { day: string }): Promise<ChipStandingRecord[]>;
}
