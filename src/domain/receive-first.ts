/**
 * Receive-first: a number new to talking starts by answering, as practitioners start one. For the
 * phase's first `receiveFirstDays` (PHASE_TABLE) a chip opens no conversation: partners open them and
 * it answers, so it still accepts reservations as a partner. Read by the chip's machine (no plan while it
 * lasts: the workflow and the forecast drive it) and by the status views.
 */
import type { ProgramClock } from './clock';
import { type Phase, PHASE_TABLE } from './phases';

/** When the chip may open conversations again, or null when receive-first does not hold at `nowMs`. */
export function receiveFirstUntil(phase: Phase, phaseStartedAtMs: number, clock: ProgramClock, nowMs: number): number | null {
  const days = PHASE_TABLE[phase].receiveFirstDays;
  if (days <= 0) return null;
  const until = phaseStartedAtMs + days * clock.dayMs;
  return nowMs < until ? until : null;
}

/** Whether a chip in `phase` since `phaseStartedAtMs` only answers at `nowMs`. */
export function receivesFirst(phase: Phase, phaseStartedAtMs: number, clock: ProgramClock, nowMs: number): boolean {
  return receiveFirstUntil(phase, phaseStartedAtMs, clock, nowMs) !== null;
}
