/**
 * The chip's side of a lost connection, by the class of its cause (domain/disconnect-reasons.ts):
 * a session lost (`reconnect`) pauses the chip with an alert saying to scan the QR code again; a drop
 * the provider recovers from (`transient`) holds it silently and re-checks, with an alert only when it
 * lasts; an unknown code holds it like a drop and says so once. Each resumes by itself when the
 * connection is open again. A ban is its own fact (`banned`), confirmed by the bridge.
 *
 * Functions over the state ChipMachine owns. `classified` answers whether the chip follows these
 * rules (the workflow asks patched(classified-disconnects)); without it a lost connection pauses the
 * chip as the release before did (chip-cycle-rules.pauseIfDisconnected).
 */
import type { ChipEffect, ProviderFact } from './chip-events';
import { type ChipContext, abort, alert, sign } from './chip-event-rules';
import { pauseIfDisconnected } from './chip-cycle-rules';
import type { ChipState } from './chip-state';
import { type DisconnectClass, type DisconnectReason, alertText, classifyFact, statusLine } from './disconnect-reasons';

/** What the chip knows of its lost connection (carried across continue-as-new). */
export interface ConnectionTrouble {
  reason: DisconnectReason;
  sinceMs: number;
  /** The loop paused the chip by these rules (false: the older pause, or not paused yet). */
  classified: boolean;
  /** The operator has been told (a reconnect's pause, a lasting drop, an unknown code). */
  alerted: boolean;
  /** The last time the loop asked the provider (null: not yet). */
  lastCheckMs: number | null;
}

/** How long a drop may last before the operator hears of it, unless configured (WARMER_CONNECTION_ALERT_AFTER). */
export const CONNECTION_ALERT_AFTER_DEFAULT_MS = 30 * 60_000;

/** The provider state a check found: `unreachable` when the provider could not be asked. */
export type CheckedState = 'open' | 'close' | 'connecting' | 'unreachable';

/** Evolution posts several reports for one drop (status, logout, close): the worst cause holds. */
const SEVERITY: Record<DisconnectClass, number> = { transient: 0, unknown: 1, reconnect: 2, forbidden: 3 };

/** A `disconnected` or `logged_out` fact: the chip is off line (the loop pauses it) and stops any conversation. */
export function connectionLost(s: ChipState, fact: ProviderFact & { kind: 'disconnected' | 'logged_out' }, nowMs: number): ChipEffect[] {
  const reason = classifyFact(fact.kind, fact.detail);
  const trouble = s.disconnected ? s.connection : null;
  if (!trouble) {
    s.connection = { reason, sinceMs: nowMs, classified: false, alerted: false, lastCheckMs: null };
  } else if (SEVERITY[reason.class] > SEVERITY[trouble.reason.class]) {
    trouble.reason = reason;
    trouble.alerted = false;
  }
  s.disconnected = true;
  return abort(s, fact.kind);
}

/**
 * The loop's pause for a lost connection (null: nothing to do). A chip already held for a drop whose
 * cause turns out to be a lost session is paused again, for that cause, with its alert.
 */
export function pauseForConnection(c: ChipContext, s: ChipState, classified: () => boolean): ChipEffect[] | null {
  if (!s.disconnected) return null;
  const trouble = s.connection;
  if (s.status === 'warming') {
    if (!trouble || !classified()) {
      s.connection = null;
      return pauseIfDisconnected(c, s);
    }
    trouble.classified = true;
    return holdFor(c, s, trouble);
  }
  const upgraded = s.status === 'paused' && s.pausedBy === 'provider' && trouble?.classified && trouble.reason.class === 'reconnect';
  return upgraded ? holdFor(c, s, trouble) : null;
}

function holdFor(c: ChipContext, s: ChipState, trouble: ConnectionTrouble): ChipEffect[] {
  const { reason } = trouble;
  s.status = 'paused';
  s.statusReason = statusLine(reason);
  s.pausedBy = reason.class === 'reconnect' ? 'reconnect' : 'provider';
  s.autoPauses++;
  if (reason.class === 'transient') return [];
  trouble.alerted = true;
  const kind = reason.class === 'reconnect' ? 'chip_reconnect' : 'chip_disconnected';
  return alert(c, s, 'warning', kind, alertText(reason), `pause-${s.autoPauses}`);
}

/** The connection is open again (the provider's report, or the loop's own check): a connection pause lifts. */
export function connectionOpen(s: ChipState, nowMs: number): void {
  const trouble = s.connection;
  s.connection = null;
  const connectionPause = s.status === 'paused' && (s.pausedBy === 'provider' || s.pausedBy === 'reconnect');
  // A drop the provider healed by itself is no warning sign (once these rules held the chip for it).
  const blip = trouble?.classified === true && trouble.reason.class === 'transient';
  if ((s.disconnected || connectionPause) && !blip) sign(s, { kind: 'healed_disconnection', reason: 'uma desconexão que se resolveu' });
  s.disconnected = false;
  if (connectionPause) {
    s.status = 'warming';
    s.statusReason = null;
    s.pausedBy = null;
    s.maySendSinceMs = nowMs;
  }
}

/**
 * When the loop asks the provider again while held for a drop or an unknown cause: `alertAfterMs`
 * after the drop, then as often. Null: no check (a lost session waits for the operator's scan, whose
 * `open` report resumes it).
 */
export function connectionRecheckAt(s: ChipState, alertAfterMs: number): number | null {
  const trouble = s.connection;
  if (!trouble?.classified || s.status !== 'paused' || s.pausedBy !== 'provider') return null;
  return (trouble.lastCheckMs ?? trouble.sinceMs) + alertAfterMs;
}

/** What the loop's check found: open resumes the chip; a drop that lasts is told to the operator once. */
export function connectionChecked(c: ChipContext, s: ChipState, state: CheckedState, nowMs: number): ChipEffect[] {
  const trouble = s.connection;
  if (!trouble) return [];
  trouble.lastCheckMs = nowMs;
  if (state === 'open') {
    connectionOpen(s, nowMs);
    return trouble.alerted && trouble.reason.class === 'transient' ? [{ kind: 'resolve_alert', alertKind: 'connection_lost' }] : [];
  }
  if (trouble.alerted) return [];
  trouble.alerted = true;
  const minutes = Math.round((nowMs - trouble.sinceMs) / 60_000);
  return alert(c, s, 'warning', 'connection_lost', alertText(trouble.reason, minutes), `lost-${s.autoPauses}`);
}
