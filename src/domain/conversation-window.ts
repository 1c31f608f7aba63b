/**
 * A conversation holds to both chips' windows. It opens only when it fits (chip-cycle-rules), but an
 * outage (a worker restart, a database cut) can hold it up past the window's end; it then ends at
 * its next turn rather than sending outside the window, recorded as cut short, and what is left of
 * the day's quota waits for the next window (the chip's next slot). The end of the day's window also
 * bounds the cap: a turn after it would count against a day the reservation was not made for.
 */
import type { ProgramClock } from './clock';
import { realAtMinute } from './clock';
import { activityWindow } from './window';

/** The real time at which the earliest of the chips' windows closes, on the program day of `nowMs` (a pair, or a group's speakers). */
export function conversationClosesAt(clock: ProgramClock, nowMs: number, chipIds: readonly string[]): number {
  const endMinute = Math.min(...chipIds.map((id) => activityWindow(id).endMinute));
  return realAtMinute(clock, nowMs, endMinute);
}

/** Whether a turn sent `waitMs` from `nowMs` still falls inside the window closing at `closesAtMs`. */
export function turnFitsWindow(closesAtMs: number | undefined, nowMs: number, waitMs = 0): boolean {
  return closesAtMs === undefined || nowMs + Math.max(0, waitMs) < closesAtMs;
}
