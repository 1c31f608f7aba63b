/**
 * Partner choice: partners in the same phase first, then those with room
 * today for a partner's share of the longest dialogue, then those of similar health, then those with
 * more of today's cap left, random among equals, and none that already had its daily share of
 * interactions. Room comes before health: a chip that fell behind (lower health, cap untouched) would
 * otherwise be passed over while two healthier chips use up each other's caps, and fall further behind.
 * And while a partner that may still converse today has not, the others keep a little room for it.
 */
import { MAX_TURNS } from './chip-events';
import { DIALOGUE_MIN_TURNS } from './dialogue-shape';
import { type Random, shuffle } from './random';
import { sendsPerSide } from './window';

export const PAIRING = {
  maxPartners: 10,
  maxDailyInteractions: 15,
  rotationDays: 7,
} as const;

export interface Candidate {
  chipId: string;
  phase: string;
  interactionsToday: number;
  /** The partner's last recorded health, when the reader knows it. */
  health?: number;
  /** Sends the partner may still claim today, when the reader knows it. */
  room?: number;
}

/** Health points within which two chips count as "similar" when choosing a partner. */
export const HEALTH_BAND = 10;

/** Sends a partner needs left today to take its share of the longest dialogue. */
const ROOMY = sendsPerSide(MAX_TURNS).b;

export function rankPartners<T extends Candidate>(
  candidates: readonly T[],
  myPhase: string,
  random: Random,
  maxDailyInteractions: number = PAIRING.maxDailyInteractions,
  myHealth?: number,
): T[] {
  const eligible = candidates.filter((c) => c.interactionsToday < maxDailyInteractions);
  const shuffled = shuffle(random, eligible);
  // Within a phase group: room for the longest dialogue first, then closer health by bands of
  // HEALTH_BAND points, then more room today (the sort is stable: the shuffle decides among equals).
  const band = (c: T) => (myHealth === undefined || c.health === undefined ? 0 : Math.floor(Math.abs(c.health - myHealth) / HEALTH_BAND));
  const tight = (c: T) => (c.room === undefined || c.room >= ROOMY ? 0 : 1);
  const byHealth = (xs: T[]) => xs.sort((a, b) => tight(a) - tight(b) || band(a) - band(b) || (b.room ?? 0) - (a.room ?? 0));
  return [...byHealth(shuffled.filter((c) => c.phase === myPhase)), ...byHealth(shuffled.filter((c) => c.phase !== myPhase))];
}

/** A candidate's day as the planner sees it when it asks for a conversation. */
export interface CandidateDay {
  chipId: string;
  interactionsToday: number;
  /** Sends it may still claim today. */
  room: number;
  /** In a conversation now: it has conversed today, even where the interaction is counted only at the end. */
  inConversation?: boolean;
  /** Its activity window has not closed yet today: it may still converse today. */
  windowAhead: boolean;
}

/** What a partner keeps back for a chip that has not conversed today: its share of the smallest dialogue. */
export const LATECOMER_SHARE = sendsPerSide(DIALOGUE_MIN_TURNS).b;

/**
 * Sends each candidate keeps back from this conversation, by chip id: while another partner that may
 * still converse today has not conversed yet, a candidate that already conversed today keeps
 * LATECOMER_SHARE of its room for it. Windows differ by up to an hour: in a small fleet the chips
 * awake first would otherwise use up each other's caps (two dialogues fill primeiros_contatos' 10)
 * before a later window opens, and that chip would go a whole window without a conversation (a stall).
 */
export function heldForLatecomers(candidates: readonly CandidateDay[]): Map<string, number> {
  const conversed = (c: CandidateDay) => c.interactionsToday > 0 || Boolean(c.inConversation);
  const latecomerWaits = candidates.some((c) => !conversed(c) && c.windowAhead && c.room >= LATECOMER_SHARE);
  const held = new Map<string, number>();
  if (!latecomerWaits) return held;
  for (const c of candidates) if (conversed(c)) held.set(c.chipId, Math.min(c.room, LATECOMER_SHARE));
  return held;
}
