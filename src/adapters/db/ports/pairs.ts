/** Pairing: each chip's active partners inside its fleet, and the candidates the planner may ask. */
import type { Phase } from '../../../domain/phases';

export interface PartnerCandidate {
  chipId: string;
  phone: string;
  instanceName: string;
  phase: Phase;
  /** Interactions of the candidate today (program day). */
  interactionsToday: number;
  /** The candidate's last recorded health, and whether it is in quarantine (domain/quarantine.ts). */
  health?: number;
  quarantined?: boolean;
}

/** A partner candidate with what the planner needs to ask only those that can say yes. */
export interface PlanCandidate extends PartnerCandidate {
  /** The candidate's effective cap on the day asked (its phase's, lowered by the adaptive ramp). */
  capToday?: number;
  /** Sends the candidate claimed on the day asked. */
  claimedToday: number;
  /** In a conversation still open (started after the time asked). */
  inConversation: boolean;
}

export interface PairsPort {
  /**
   * Tops the chip up to `maxPartners` active pairs inside its fleet (same phase first, random among
   * equals). Called at registration, by the chip's planner once a program day, and by the rotation.
   */
  ensurePairs(input: { chipId: string; maxPartners: number; seed: number }): Promise<number>;
  /** Deactivates pairs older than `olderThanDays`, then refills every warming chip. */
  rotatePairs(input: {
    olderThanDays: number;
    maxPartners: number;
    at: string;
    seed: number;
  }): Promise<{ deactivated: number; created: number }>;
  /**
   * Active partners of the chip that are warming, within its fleet and under the daily interaction limit
   * (none once the chip itself reached it), same phase first, with each candidate's health, quarantine,
   * effective cap and sends claimed on `day`, and whether it is in an open conversation started after `busySince`.
   */
  planCandidates(input: { chipId: string; day: string; maxDailyInteractions: number; busySince: string }): Promise<PlanCandidate[]>;
}
