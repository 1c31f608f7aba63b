/**
 * The conversation planner: which partners a chip asks, for how long a dialogue, and what it learns
 * from their refusals. Pure: the caller reads the candidates, draws the dialogue and asks each
 * partner (the planConversation activity through the database, the dialogue source and a Temporal
 * Update; the forecast from memory), and time and randomness come in as arguments, so both plan the
 * same way. Each ask is a billed Update, so what can be known without asking is never asked: a
 * partner in a conversation, without room, outside its window, or that said today it has no room.
 * The partner's own workflow still decides.
 */
import type { PlanMiss } from './chip-state';
import type { ProgramClock } from './clock';
import { DIALOGUE_MIN_TURNS } from './dialogue-shape';
import { expectedConversationMs } from './pacing';
import { heldForLatecomers, rankPartners } from './partners';
import { dailyCap } from './phases';
import { samePartition } from './quarantine';
import type { Random } from './random';
import type { ReservationRefusal } from './refusal';
import { activityWindow, isInsideWindow, sendsPerSide, windowAhead } from './window';

export const PLANNER = {
  /** How many partners one plan may ask before giving up until the next slot. */
  maxReserveAttempts: 2,
} as const;

/** A partner's share of the smallest dialogue: less room than this and it can take no conversation today. */
const LEAST_SHARE = sendsPerSide(DIALOGUE_MIN_TURNS).b;

/** What the planner knows of a candidate partner without asking it (read in one call with the candidates). */
export interface PlannerCandidate {
  chipId: string;
  phase: string;
  /** Interactions of the candidate today (program day). */
  interactionsToday: number;
  /** Its last recorded health and whether it is in quarantine, as the reader knows them. */
  health?: number;
  quarantined?: boolean;
  /** Its effective cap on the day asked (the adaptive ramp's); its phase's when absent. */
  capToday?: number;
  /** Sends it claimed on the day asked. */
  claimedToday: number;
  /** In a conversation still open. */
  inConversation: boolean;
}

/** A candidate with the sends it keeps back for a partner that has not conversed today (domain/partners.ts). */
export type HeldCandidate<T extends PlannerCandidate = PlannerCandidate> = T & { held: number };

export type PlanStage<T> = { kind: 'miss'; reason: PlanMiss } | T;

/**
 * Every chip has partners of its own: topped up to the target once a program day (`topUpPairs`), before
 * the candidates are listed, and whenever a listing finds none — not only then, or the fleet's first
 * chip becomes everyone's partner.
 */
export function pairTopUp(topUpPairs: boolean | undefined): { before: boolean; ifNoneFound: boolean } {
  return { before: Boolean(topUpPairs), ifNoneFound: !topUpPairs };
}

/** Sends the candidate may still claim today (for this conversation: less what it keeps back). */
export function roomToday(candidate: PlannerCandidate & { held?: number }): number {
  return Math.max(0, (candidate.capToday ?? dailyCap(candidate.phase)) - candidate.claimedToday - (candidate.held ?? 0));
}

/**
 * The candidates worth asking: of the chip's own kind (quarantined chips pair only with each other),
 * not in a conversation, with room for a partner's share of the smallest dialogue once what they keep
 * back is set aside; and the longest dialogue one of them can take its share of.
 */
export function shortlistPartners<T extends PlannerCandidate>(
  all: readonly T[],
  ctx: { quarantined: boolean; clock: ProgramClock; atMs: number; maxTurns: number },
): PlanStage<{ kind: 'shortlist'; free: HeldCandidate<T>[]; maxTurns: number }> {
  if (all.length === 0) return { kind: 'miss', reason: 'no_partners' };
  const sameKind = samePartition(all, ctx.quarantined);
  if (sameKind.length === 0) return { kind: 'miss', reason: ctx.quarantined ? 'quarantined' : 'partners_unavailable' };
  const held = heldForLatecomers(
    sameKind.map((c) => ({ ...c, room: roomToday(c), windowAhead: windowAhead(activityWindow(c.chipId), ctx.clock, ctx.atMs) })),
  );
  const withHeld = sameKind.map((c) => ({ ...c, held: held.get(c.chipId) ?? 0 }));
  const free = withHeld.filter((c) => !c.inConversation && roomToday(c) >= LEAST_SHARE);
  if (free.length === 0) {
    const capped = withHeld.filter((c) => roomToday(c) < LEAST_SHARE).length;
    return { kind: 'miss', reason: capped === sameKind.length ? 'partners_capped' : 'partners_unavailable' };
  }
  return { kind: 'shortlist', free, maxTurns: Math.min(ctx.maxTurns, 2 * Math.max(0, ...free.map(roomToday)) + 1) };
}

/**
 * Partners that refused for their daily cap with less than a smallest dialogue's share left, by
 * program day: not asked again that day. Only saves billed Updates: the partner still decides.
 */
export class RefusalMemory {
  private readonly cappedOnDay = new Map<string, string>();

  note(chipId: string, day: string, refusal: ReservationRefusal): void {
    if (refusal.reason === 'cap_reached' && refusal.remaining < LEAST_SHARE) this.cappedOnDay.set(chipId, day);
  }

  cappedOn(chipId: string, day: string): boolean {
    return this.cappedOnDay.get(chipId) === day;
  }
}

/**
 * Whom to ask for a dialogue of `turns` turns, best first, at most PLANNER.maxReserveAttempts: not one
 * that said today it has no room, only partners that may send and whose window stays open until the
 * dialogue would end at the expected pace (windows are a pure function of the chip id, so asking one
 * outside it would only buy a refusal), ranked as domain/partners.ts ranks them.
 */
export function partnersToAsk<T extends PlannerCandidate>(
  free: readonly HeldCandidate<T>[],
  ctx: {
    turns: number;
    day: string;
    atMs: number;
    clock: ProgramClock;
    /** Real-time pacing multiplier of the dialogue (0: no pacing). */
    paceScale: number;
    phase: string;
    health?: number;
    random: Random;
    refusals: RefusalMemory;
  },
): PlanStage<{ kind: 'ask'; round: ReservationRound<HeldCandidate<T> & { room: number }> }> {
  const endsAtMs = ctx.atMs + expectedConversationMs(ctx.turns, ctx.paceScale);
  const uncapped = free.filter((c) => !ctx.refusals.cappedOn(c.chipId, ctx.day));
  if (uncapped.length === 0) return { kind: 'miss', reason: 'partners_capped' };
  const awake = uncapped.filter((c) => {
    const window = activityWindow(c.chipId);
    // A partner still in setup may not send: asking it only buys a refusal.
    return dailyCap(c.phase) > 0 && isInsideWindow(window, ctx.clock, ctx.atMs) && isInsideWindow(window, ctx.clock, endsAtMs);
  });
  if (awake.length === 0) return { kind: 'miss', reason: 'partners_unavailable' };
  const withRoom = awake.map((c) => ({ ...c, room: roomToday(c) }));
  const asked = rankPartners(withRoom, ctx.phase, ctx.random, undefined, ctx.health).slice(0, PLANNER.maxReserveAttempts);
  return { kind: 'ask', round: new ReservationRound(asked, sendsPerSide(ctx.turns).b, ctx.refusals, ctx.day) };
}

/**
 * One plan's asks, in order: the caller asks each partner worth asking until one accepts, tells the
 * round of each refusal, and takes `miss` as the plan's reason when nobody accepted.
 */
export class ReservationRound<T extends PlannerCandidate & { held?: number }> {
  private capped = 0;

  constructor(
    readonly asked: readonly T[],
    /** Messages the partner sends in the dialogue. */
    readonly sends: number,
    private readonly refusals: RefusalMemory,
    private readonly day: string,
  ) {}

  /** Whether the candidate is worth an Update; one known to lack room counts as capped, unasked. */
  worthAsking(candidate: T): boolean {
    if (roomToday(candidate) >= this.sends) return true;
    this.capped++;
    return false;
  }

  refused(candidate: T, refusal: ReservationRefusal): void {
    this.refusals.note(candidate.chipId, this.day, refusal);
    if (refusal.reason === 'cap_reached') this.capped++;
  }

  /** Why nobody accepted: all for their caps, or not all. */
  get miss(): PlanMiss {
    return this.capped === this.asked.length ? 'partners_capped' : 'partners_unavailable';
  }
}
