/**
 * Each chip's daily activity window and cap accounting. Windows sit inside 08:00-22:00 São Paulo and
 * differ a little per chip (derived from its id, so they never change) to avoid a fleet that wakes in
 * lockstep; they overlap widely so partners are awake together most of the day.
 */
import { type ProgramClock, minuteOfDay, realAtMinute } from './clock';
import { dailyCap } from './phases';
import { type Random, hashString, uniform } from './random';

export const FLEET_WINDOW = { startMinute: 8 * 60, endMinute: 22 * 60 } as const;

export interface ActivityWindow {
  startMinute: number;
  endMinute: number;
}

export function activityWindow(chipId: string): ActivityWindow {
  const h = hashString(chipId);
  return {
    startMinute: FLEET_WINDOW.startMinute + (h % 61),
    endMinute: FLEET_WINDOW.endMinute - ((h >>> 8) % 61),
  };
}

export function isInsideWindow(window: ActivityWindow, clock: ProgramClock, realMs: number): boolean {
  const minute = minuteOfDay(clock, realMs);
  return minute >= window.startMinute && minute < window.endMinute;
}

/** Whether the window is still to come or open on the program day of `realMs` (not closed yet). */
export function windowAhead(window: ActivityWindow, clock: ProgramClock, realMs: number): boolean {
  return minuteOfDay(clock, realMs) < window.endMinute;
}

/** Real instant the window next opens (now if it is open). */
export function nextWindowOpen(window: ActivityWindow, clock: ProgramClock, realMs: number): number {
  const minute = minuteOfDay(clock, realMs);
  if (minute < window.startMinute) return realAtMinute(clock, realMs, window.startMinute);
  if (minute < window.endMinute) return realMs;
  return realAtMinute(clock, realMs, window.startMinute, 1);
}

/**
 * Messages the chip may still send today: today's cap (the phase cap, or the lower effective cap of
 * the adaptive ramp when given) minus what it sent and what is reserved.
 */
export function remainingToday(phase: string, sentToday: number, reservedToday: number, cap: number = dailyCap(phase)): number {
  return Math.max(0, Math.min(cap, dailyCap(phase)) - sentToday - reservedToday);
}

/** Messages each side sends in a dialogue of `turns` turns, A first. */
export function sendsPerSide(turns: number): { a: number; b: number } {
  return { a: Math.ceil(turns / 2), b: Math.floor(turns / 2) };
}

export type SendDecision =
  { ok: true } | { ok: false; reason: 'paused' | 'setup' | 'outside_window' | 'cap_reached' | 'busy' | 'not_warming' };

/** May it send now: status, phase, window, cap and one conversation at a time. */
export function maySendNow(input: {
  status: string;
  phase: string;
  busy: boolean;
  sentToday: number;
  reservedToday: number;
  window: ActivityWindow;
  clock: ProgramClock;
  nowMs: number;
  needed?: number;
  /** Today's effective cap (domain/ramp.ts); the phase cap when absent. */
  cap?: number;
}): SendDecision {
  if (input.status === 'paused') return { ok: false, reason: 'paused' };
  if (input.status !== 'warming') return { ok: false, reason: 'not_warming' };
  if (dailyCap(input.phase) === 0) return { ok: false, reason: 'setup' };
  if (input.busy) return { ok: false, reason: 'busy' };
  if (!isInsideWindow(input.window, input.clock, input.nowMs)) return { ok: false, reason: 'outside_window' };
  if (remainingToday(input.phase, input.sentToday, input.reservedToday, input.cap) < (input.needed ?? 1))
    return { ok: false, reason: 'cap_reached' };
  return { ok: true };
}

/** Program minutes between two conversation attempts at the least (a 5-minute cycle). */
export const MIN_SPACING_MINUTES = 5;
/** Expected messages this chip sends per conversation it starts. */
const SENDS_PER_CONVERSATION = 4;

/**
 * When to try the next conversation: spread what is left of today's cap over what is left of the
 * window, with jitter so chips do not fire together; tomorrow's opening when nothing is left.
 */
export function nextConversationAt(input: {
  window: ActivityWindow;
  clock: ProgramClock;
  nowMs: number;
  remaining: number;
  random: Random;
}): number {
  const { window, clock, nowMs, random } = input;
  const minute = minuteOfDay(clock, nowMs);
  const jitterMinutes = uniform(random, 0, 30);
  if (input.remaining <= 0 || minute >= window.endMinute) {
    return realAtMinute(clock, nowMs, window.startMinute + jitterMinutes, 1);
  }
  if (minute < window.startMinute) return realAtMinute(clock, nowMs, window.startMinute + jitterMinutes);
  const slots = Math.max(1, Math.ceil(input.remaining / SENDS_PER_CONVERSATION));
  const spacing = Math.max(MIN_SPACING_MINUTES, ((window.endMinute - minute) / slots) * uniform(random, 0.5, 1.2));
  const at = minute + spacing;
  const slot = realAtMinute(clock, nowMs, at);
  // realAtMinute rounds up to a whole millisecond, which can land exactly on the window's close.
  return at < window.endMinute && minuteOfDay(clock, slot) < window.endMinute
    ? slot
    : realAtMinute(clock, nowMs, window.startMinute + jitterMinutes, 1);
}

/**
 * Program-time wait after `failures` attempts in a row found no free partner: 0, then 10 min doubling
 * up to 4 h. Each attempt costs an activity, reservation Updates and a timer, so a chip whose
 * partners are all busy or capped stops asking every slot.
 */
export function planBackoffMs(failures: number): number {
  if (failures <= 0) return 0;
  return Math.min(240, 10 * 2 ** (failures - 1)) * 60_000;
}

/**
 * End of the first whole window that opens after `sinceMs`: a chip that has not conversed by then
 * spent a whole day of sending time without a conversation (stall detection).
 */
export function firstWholeWindowEnd(window: ActivityWindow, clock: ProgramClock, sinceMs: number): number {
  const dayOffset = minuteOfDay(clock, sinceMs) < window.startMinute ? 0 : 1;
  return realAtMinute(clock, sinceMs, window.endMinute, dayOffset);
}
