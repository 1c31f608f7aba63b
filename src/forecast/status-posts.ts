/**
 * Status posts in the forecast, as the chip workflow makes them (patch status-posts): when the chip's
 * machine says a post is due on a wake it has anyway, one postStatus activity posts and records it,
 * with the fleet's other chips as viewers. A post counts as one message (however many chips see it).
 */
import type { ChipMachine } from '../domain/chip-machine';

/** Posts the status due at `nowMs`, if any; true when one went out. Nobody else in the fleet: nothing to post. */
export function postStatusIfDue(machine: ChipMachine, nowMs: number, fleetSize: number): boolean {
  const due = machine.statusPostDue(nowMs);
  if (!due) return false;
  const posted = fleetSize > 1;
  machine.statusPostOver(due, posted);
  return posted;
}
