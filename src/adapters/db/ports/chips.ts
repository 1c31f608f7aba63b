/** The chip registry: registration, look-ups, phase moves, status and health. */
import type { ChipStatus } from '../../../domain/chip';
import type { Phase } from '../../../domain/phases';

export interface ChipRecord {
  id: string;
  phone: string;
  instanceName: string;
  fleetId: string;
  status: ChipStatus;
  phase: Phase;
  /** ISO timestamps throughout. */
  phaseStartedAt: string;
  healthScore: number;
  messagesSent: number;
  messagesReceived: number;
  /** 0..1 */
  replyRate: number;
  pauseReason: string | null;
  readyAt: string | null;
  createdAt: string;
}

export interface ChipsPort {
  registerChip(input: { phone: string; instanceName: string; fleetId?: string }): Promise<ChipRecord>;
  getChip(chipId: string): Promise<ChipRecord>;
  findChipByInstance(instanceName: string): Promise<ChipRecord | null>;
  findChipByPhone(phone: string): Promise<ChipRecord | null>;
  listChips(filter?: { status?: ChipStatus; fleetId?: string }): Promise<ChipRecord[]>;

  /** Moves the phase, logs it; entering operacao also sets status ready and ready_at. Repeating it is a no-op. */
  promoteChip(input: { chipId: string; from: Phase; to: Phase; health: number; replyRate: number; at: string }): Promise<ChipRecord>;
  /** Sets a chip that is not ready back to warming, with an audit alert naming who and why. */
  restartChip(input: { chipId: string; by: string; reason?: string }): Promise<ChipRecord>;
  setChipStatus(input: { chipId: string; status: ChipStatus; reason?: string | null }): Promise<void>;
  recordHealth(input: { chipId: string; score: number; factors: Record<string, number>; at: string }): Promise<void>;
}
