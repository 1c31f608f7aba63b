/**
 * What the planner knows of its candidates' capacity without asking them (each ask is a billed
 * Update): the sends each claimed today and whether it is in an open conversation, both read in
 * the same database call as the candidates. Optimistic only: the partner's own workflow still
 * decides (a conversation it is about to start, a cap its rules lower).
 */
import type { PlanCandidate } from '../adapters/db/port';
import type { ProgramClock } from '../domain/clock';
import { DIALOGUE_MIN_TURNS } from '../domain/dialogue-shape';
import { heldForLatecomers } from '../domain/partners';
import { dailyCap } from '../domain/phases';
import { activityWindow, sendsPerSide, windowAhead } from '../domain/window';

/** A candidate with the sends it keeps back for a partner that has not conversed today (domain/partners.ts). */
export type HeldCandidate = PlanCandidate & { held?: number };

/** Sends the candidate may still claim today (for this conversation: less what it keeps back). */
export function roomToday(candidate: HeldCandidate): number {
  return Math.max(0, (candidate.capToday ?? dailyCap(candidate.phase)) - candidate.claimedToday - (candidate.held ?? 0));
}

/** Candidates worth asking: not in a conversation, with room for a partner's share of the smallest dialogue. */
export function candidatesWithRoom(
  candidates: readonly PlanCandidate[],
  clock: ProgramClock,
  atMs: number,
): { free: HeldCandidate[]; capped: number } {
  const least = sendsPerSide(DIALOGUE_MIN_TURNS).b;
  const held = heldForLatecomers(
    candidates.map((c) => ({ ...c, room: roomToday(c), windowAhead: windowAhead(activityWindow(c.chipId), clock, atMs) })),
  );
  const all = candidates.map((c) => ({ ...c, held: held.get(c.chipId) ?? 0 }));
  const capped = all.filter((c) => roomToday(c) < least).length;
  return { free: all.filter((c) => !c.inConversation && roomToday(c) >= least), capped };
}

/** The most turns a dialogue may have so that one of these partners can take its share. */
export function turnsSomeoneCanTake(free: readonly HeldCandidate[]): number {
  return 2 * Math.max(0, ...free.map(roomToday)) + 1;
}
