/** The chip machine's options and the status change it hands the workflow to write (chip-machine.ts). */
import type { ChipStatus } from './chip';
import type { PausedBy } from './chip-state';

export interface MachineOptions {
  /** Multiplies human pacing (1 = the delays of domain/pacing.ts in program time). */
  paceScale: number;
  /**
   * Whether the fewer-wake-ups rules apply (see ChipMachine.nextWakeAt and conversationOver). The
   * workflow answers with patched() so that chips started before them replay; elsewhere they apply.
   */
  fewerWakes?: () => boolean;
  /** Whether a lost connection follows its cause (chip-connection-rules.ts); the workflow asks patched(). */
  classifiedDisconnects?: () => boolean;
}

/** What the database must hear of the chip's status, when it changed since the last write. */
export interface StatusChange {
  status: ChipStatus;
  reason: string | null;
  pausedBy: PausedBy | null;
}
