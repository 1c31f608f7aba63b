/**
 * Partner choice (the seed's pairing engine): partners in the same phase first, random among equals,
 * and none that already had its daily share of interactions.
 */
import { type Random, shuffle } from './random';

export const PAIRING = {
  maxPartners: 10,
  maxDailyInteractions: 15,
  rotationDays: 7,
} as const;

export interface Candidate {
  chipId: string;
  phase: string;
  interactionsToday: number;
}

export function rankPartners<T extends Candidate>(
  candidates: readonly T[],
  myPhase: string,
  random: Random,
  maxDailyInteractions: number = PAIRING.maxDailyInteractions,
): T[] {
  const eligible = candidates.filter((c) => c.interactionsToday < maxDailyInteractions);
  const shuffled = shuffle(random, eligible);
  return [...shuffled.filter((c) => c.phase === myPhase), ...shuffled.filter((c) => c.phase !== myPhase)];
}
