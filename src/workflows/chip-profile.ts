/**
 * The chip's profile checklist in its loop (patch profile-checklist): planned once in setup, then the
 * steps due at a moment are applied in one activity call. Nothing here ends the chip: a step the
 * provider refuses is tried again later, a call that fails altogether too.
 */
import { log, patched } from '@temporalio/workflow';
import type { ChipRef } from '../activities/types';
import type { ChipMachine } from '../domain/chip-machine';
import type { ProfileRunResult } from '../domain/profile-checklist';
import { maskPhone } from '../domain/phone';
import { profile } from './chip-activities';
import { PATCHES } from './patches';

/** Runs the steps due now; true when they completed the checklist. */
export async function runProfileChecklist(machine: ChipMachine, chip: ChipRef, nowMs: number): Promise<boolean> {
  // Checked before patched() is called, so a history that never had checklist work carries no marker.
  if (!machine.profileWorkAt(nowMs) || !patched(PATCHES.profileChecklist)) return false;
  machine.planProfile(nowMs, Math.random);
  const steps = machine.profileStepsDue(nowMs);
  if (steps.length === 0) return false;
  let result: ProfileRunResult;
  try {
    result = await profile.runProfileSteps.executeWithOptions({ summary: `profile: ${steps.join(', ')}` }, [{ chip, steps, atMs: nowMs }]);
  } catch (err) {
    log.warn('profile steps failed; tried again later', { chipId: chip.chipId, phone: maskPhone(chip.phone), steps, error: String(err) });
    result = { done: [], failed: steps.map((step) => ({ step, error: `não registrado: ${String(err).slice(0, 200)}` })) };
  }
  return machine.profileRan(result, Date.now(), Math.random);
}
