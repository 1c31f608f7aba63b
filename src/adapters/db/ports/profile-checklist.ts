/** The setup's profile checklist as the database keeps it: each step's state and the texts chips hold. */
import type { ProfileStep } from '../../../domain/profile-checklist';

export interface ProfileStepRecord {
  step: ProfileStep;
  /** When the step was done (null: not yet). */
  doneAt: string | null;
  /** Applied at the provider by the chip, or marked done by an operator. */
  doneBy: 'chip' | 'operator' | null;
  attempts: number;
  /** The last provider error, until the step is done. */
  lastError: string | null;
  lastAttemptAt: string | null;
}

export interface ProfileRunStart {
  fleetId: string;
  /** The chip's checklist, every step in order. */
  steps: ProfileStepRecord[];
  /** The name and about text the chip holds in its fleet (claimed when candidates were given). */
  name: string | null;
  about: string | null;
}

export interface ProfileChecklistPort {
  /**
   * Before a run: the chip's fleet and checklist, and its name and about text — the first candidate no
   * other chip of the fleet holds, claimed now, or the one it already holds. Empty candidates: no claim.
   */
  beginProfileSteps(input: { chipId: string; nameCandidates: string[]; aboutCandidates: string[] }): Promise<ProfileRunStart>;
  /** A run's outcomes; a step done stays done. Returns the checklist as it is now. */
  recordProfileSteps(input: {
    chipId: string;
    results: { step: ProfileStep; ok: boolean; error?: string }[];
    at: string;
  }): Promise<ProfileStepRecord[]>;
  profileChecklist(input: { chipId: string }): Promise<ProfileStepRecord[]>;
  /** An operator marks a step done by hand or asks for it again; audited (warmup_operator_actions). */
  markProfileStep(input: {
    chipId: string;
    step: ProfileStep;
    action: 'done' | 'retry';
    actor: string;
    reason?: string | null;
    source: 'console' | 'cli';
  }): Promise<ProfileStepRecord[]>;
}
