/**
 * Why a partner's workflow refuses to take part in a conversation. A refusal crosses two boundaries
 * (the partner's reservation Update -> the initiator's planner, and the partner's machine -> the
 * forecast) as this value, never as text: the planner acts on its reason and, for the daily cap, on
 * the sends the partner has left today.
 */
import type { SendDecision } from './window';

/** Why the partner may not send now (the same reasons as its own "may it send now"). */
export type SendRefusalReason = Extract<SendDecision, { ok: false }>['reason'];

/** A healthy chip never takes a quarantined one as partner, nor the other way round (domain/quarantine.ts). */
export type QuarantineRefusalReason = 'quarantined' | 'initiator_quarantined';

export type ReservationRefusal =
  /** `remaining`: sends the partner may still claim today; below a smallest dialogue's share, asking again today is useless. */
  | { reason: 'cap_reached'; remaining: number }
  | { reason: Exclude<SendRefusalReason, 'cap_reached'> | QuarantineRefusalReason }
  /** The partner has no running warm-up workflow (never started, or it ended). */
  | { reason: 'no_warmup' }
  /** A refusal without a typed reason (a worker that predates typed refusals sends only its message). */
  | { reason: 'unknown'; message: string };

export type RefusalReason = ReservationRefusal['reason'];

const REASONS: readonly RefusalReason[] = [
  'paused',
  'setup',
  'outside_window',
  'cap_reached',
  'busy',
  'not_warming',
  'quarantined',
  'initiator_quarantined',
  'no_warmup',
  'unknown',
];

/** One line for people (logs, the Temporal UI); code reads the value itself. */
export function refusalMessage(refusal: ReservationRefusal): string {
  if (refusal.reason === 'cap_reached') return `partner refused: cap_reached (remaining ${refusal.remaining})`;
  if (refusal.reason === 'no_warmup') return 'partner has no running warm-up';
  if (refusal.reason === 'unknown') return refusal.message;
  return `partner refused: ${refusal.reason}`;
}

/**
 * A refusal read back from a failure's details (another process wrote it): checked field by field,
 * null when it is not one.
 */
export function asRefusal(value: unknown): ReservationRefusal | null {
  if (typeof value !== 'object' || value === null) return null;
  const { reason, remaining, message } = value as Record<string, unknown>;
  if (typeof reason !== 'string' || !(REASONS as readonly string[]).includes(reason)) return null;
  if (reason === 'cap_reached') {
    return typeof remaining === 'number' && Number.isInteger(remaining) && remaining >= 0 ? { reason, remaining } : null;
  }
  if (reason === 'unknown') return { reason, message: typeof message === 'string' ? message : 'partner refused' };
  return { reason } as ReservationRefusal;
}
