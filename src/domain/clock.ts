/**
 * The program clock. A program day is `dayMs` of real time (one real day in production, minutes in the
 * demo); windows, caps and phase days are counted in program days, so compressing the clock compresses
 * the whole program. Everything is a pure function of a real epoch-ms `now` passed in.
 */
export const REAL_DAY_MS = 86_400_000;
const MINUTE_MS = 60_000;

/** America/Sao_Paulo is UTC-3 all year: Brazil abolished daylight saving time in 2019. */
export const SAO_PAULO_OFFSET_MS = -3 * 60 * MINUTE_MS;

/** Midnight in São Paulo; the default origin of program time so every chip shares the same days. */
export const DEFAULT_PROGRAM_EPOCH_MS = Date.UTC(2024, 0, 1, 3, 0, 0);

export interface ProgramClock {
  /** Real milliseconds per program day. */
  dayMs: number;
  /** Real instant at which program time equals real time; only matters when days are compressed. */
  epochMs: number;
}

export function programClock(dayMs = REAL_DAY_MS, epochMs = DEFAULT_PROGRAM_EPOCH_MS): ProgramClock {
  if (!(dayMs > 0)) throw new RangeError(`dayMs must be positive, got ${dayMs}`);
  return { dayMs, epochMs };
}

/** How much faster than real time the program runs (1 in production). */
export function speedup(clock: ProgramClock): number {
  return REAL_DAY_MS / clock.dayMs;
}

export function toProgramMs(clock: ProgramClock, realMs: number): number {
  return clock.epochMs + (realMs - clock.epochMs) * speedup(clock);
}

export function toRealMs(clock: ProgramClock, programMs: number): number {
  return clock.epochMs + (programMs - clock.epochMs) / speedup(clock);
}

/** Real duration of a program duration (e.g. a 45 s gap lasts 62 ms when a day lasts 2 min). */
export function realDuration(clock: ProgramClock, programDurationMs: number): number {
  return programDurationMs / speedup(clock);
}

/** Whole program days between two real instants. */
export function daysBetween(clock: ProgramClock, fromRealMs: number, toRealMsValue: number): number {
  return Math.max(0, Math.floor((toRealMsValue - fromRealMs) / clock.dayMs));
}

/** Program days since 1970-01-01 in São Paulo: the calendar day programDay names, as a number to count with. */
export function programDayNumber(clock: ProgramClock, realMs: number): number {
  return Math.floor((toProgramMs(clock, realMs) + SAO_PAULO_OFFSET_MS) / REAL_DAY_MS);
}

/** Program day in São Paulo as YYYY-MM-DD: the unit of daily caps and pair interaction limits. */
export function programDay(clock: ProgramClock, realMs: number): string {
  const dayNumber = programDayNumber(clock, realMs);
  // The last answer is kept: callers ask about the same day over and over (the fleet forecast millions of times).
  if (dayNumber !== lastDay.number) lastDay = { number: dayNumber, text: new Date(dayNumber * REAL_DAY_MS).toISOString().slice(0, 10) };
  return lastDay.text;
}

let lastDay = { number: NaN, text: '' };

/** Minutes since São Paulo midnight on the program clock. */
export function minuteOfDay(clock: ProgramClock, realMs: number): number {
  const local = toProgramMs(clock, realMs) + SAO_PAULO_OFFSET_MS;
  return Math.floor((((local % REAL_DAY_MS) + REAL_DAY_MS) % REAL_DAY_MS) / MINUTE_MS);
}

/** Real instant of São Paulo minute `minute` on the program day containing `realMs` (+ `dayOffset` days). */
export function realAtMinute(clock: ProgramClock, realMs: number, minute: number, dayOffset = 0): number {
  const local = toProgramMs(clock, realMs) + SAO_PAULO_OFFSET_MS;
  const midnightLocal = Math.floor(local / REAL_DAY_MS) * REAL_DAY_MS;
  const programMs = midnightLocal - SAO_PAULO_OFFSET_MS + (dayOffset * 24 * 60 + minute) * MINUTE_MS;
  return Math.ceil(toRealMs(clock, programMs));
}
