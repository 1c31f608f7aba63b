/**
 * Human pacing (how a person reads, thinks and types), as pure functions of a random source.
 * Durations are real-world milliseconds; the program clock scales them when days are compressed.
 */
import { type Random, uniform } from './random';

export const PACING = {
  readDelayMs: { min: 3_000, max: 15_000, mode: 8_000 },
  thinkMs: { min: 1_000, max: 3_000 },
  typingMsPerChar: 50,
  typingMs: { min: 1_500, max: 5_000 },
  turnGapMs: { mean: 45_000, min: 20_000, max: 90_000 },
} as const;

const clamp = (value: number, min: number, max: number) => Math.min(max, Math.max(min, value));

/** Time to notice and open a message: triangular 3-15 s peaking around 8 s. */
export function readDelayMs(random: Random): number {
  const { min, max, mode } = PACING.readDelayMs;
  const u = random();
  const split = (mode - min) / (max - min);
  const value = u < split ? min + Math.sqrt(u * (max - min) * (mode - min)) : max - Math.sqrt((1 - u) * (max - min) * (max - mode));
  return Math.round(value);
}

export function thinkMs(random: Random): number {
  return Math.round(uniform(random, PACING.thinkMs.min, PACING.thinkMs.max));
}

/** About 50 ms per character, clamped to 1.5-5 s. */
export function typingDelayMs(text: string): number {
  return clamp(text.length * PACING.typingMsPerChar, PACING.typingMs.min, PACING.typingMs.max);
}

/** Gap between the starts of two turns: exponential with mean 45 s, clamped to 20-90 s. */
export function turnGapMs(random: Random): number {
  const { mean, min, max } = PACING.turnGapMs;
  const u = Math.max(1e-12, 1 - random());
  return Math.round(clamp(-Math.log(u) * mean, min, max));
}

/**
 * What a turn activity holds at most (its thinking and its typing presence), so a slowed-down pace
 * (WARMER_PACE > 1) still fits the turn's 20 s budget; the gap before it is a timer and unbounded.
 */
export const MAX_THINK_IN_TURN_MS = 3_000;
export const MAX_TYPING_IN_TURN_MS = 8_000;

export interface TurnPacing {
  /** Wait before this turn (a workflow timer); 0 for the first turn. Includes the reader noticing the message. */
  waitBeforeMs: number;
  /** Pause after marking read, before typing starts. */
  thinkMs: number;
  /** How long the "composing" presence is shown. */
  typingMs: number;
}

/** Pacing of turn `index` of a conversation, with all durations multiplied by `scale` (0 = no waiting). */
export function turnPacing(random: Random, index: number, text: string, scale = 1): TurnPacing {
  const gap = index === 0 ? 0 : Math.max(turnGapMs(random), readDelayMs(random));
  return {
    waitBeforeMs: Math.round(gap * scale),
    thinkMs: Math.round((index === 0 ? 0 : thinkMs(random)) * scale),
    typingMs: Math.round(typingDelayMs(text) * scale),
  };
}

/** What one turn is expected to take (gap, thinking, typing), before scaling. */
export const EXPECTED_TURN_MS = PACING.turnGapMs.mean + PACING.thinkMs.max + PACING.typingMs.max;

/** Expected real duration of a conversation of `turns` turns at `scale` (the first turn has no gap). */
export function expectedConversationMs(turns: number, scale: number): number {
  return Math.max(0, turns - 1) * EXPECTED_TURN_MS * scale + PACING.typingMs.max * scale;
}

/** The most turns that are expected to finish within `availableMs` at `scale` (unbounded at scale 0). */
export function turnsThatFit(availableMs: number, scale: number): number {
  if (availableMs <= 0) return 0;
  if (scale <= 0) return Number.MAX_SAFE_INTEGER;
  return Math.max(0, Math.floor((availableMs / scale - PACING.typingMs.max) / EXPECTED_TURN_MS) + 1);
}
