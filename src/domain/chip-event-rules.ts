/**
 * The chip's rules for what happens to it: operator signals, provider facts, conversation reports and
 * reservations change its state and say which effects follow; with the small rules the cycle shares
 * (the day's roll-over, caps, quarantine, alerts). Functions over the state that ChipMachine owns and
 * passes in (nothing else holds it). Deterministic: the time is passed in.
 */
import { isFinalStatus } from './chip';
import { connectionLost, connectionOpen } from './chip-connection-rules';
import type { ChipEffect, ProviderFact } from './chip-events';
import { type ChipState, type ConversationReport, type PausedBy, computeHealth, remember } from './chip-state';
import { type ProgramClock, programDay } from './clock';
import { pairingRefusal, quarantineReason } from './quarantine';
import type { ReservationRefusal } from './refusal';
import { type RampSign, effectiveCap } from './ramp';
import { type ActivityWindow, maySendNow, remainingToday } from './window';

/** What the rules read besides the state: who the chip is and how its time runs. */
export interface ChipContext {
  readonly chipId: string;
  readonly clock: ProgramClock;
  readonly window: ActivityWindow;
}

// ---- events ---------------------------------------------------------------------------------

export function pause(s: ChipState, request: { reason: string; by?: PausedBy }): ChipEffect[] {
  if (isFinalStatus(s.status)) return [];
  s.status = 'paused';
  s.statusReason = request.reason;
  s.pausedBy = request.by ?? 'operator';
  return abort(s, `paused: ${request.reason}`);
}

/** An operator's resume lifts any pause and forgets what caused it; the breaker's lifts only its own. */
export function resume(s: ChipState, request: { by?: PausedBy } | undefined, nowMs: number): ChipEffect[] {
  if (s.status !== 'paused') return [];
  if (request?.by === 'fleet_breaker' && s.pausedBy !== 'fleet_breaker') return [];
  // Back from an automatic pause: at the ramp's floor and in quarantine until a clean day has passed.
  if (s.pausedBy === 'early_warning') sign(s, { kind: 'early_warning_pause', reason: 'uma pausa automática' });
  s.status = 'warming';
  s.statusReason = null;
  s.pausedBy = null;
  s.disconnected = false;
  // Only failures after the resume may pause the chip again, and it may converse at once.
  s.warningFailures = 0;
  s.failedPlans = 0;
  s.nextConversationAtMs = null;
  s.maySendSinceMs = nowMs;
  return [];
}

export function retire(s: ChipState, request: { reason?: string } | undefined): ChipEffect[] {
  if (isFinalStatus(s.status)) return [];
  s.status = 'retired';
  s.statusReason = request?.reason?.trim() || 'retirado pelo operador';
  s.pausedBy = null;
  return abort(s, 'retired');
}

export function providerEvent(c: ChipContext, s: ChipState, event: ProviderFact, nowMs: number): ChipEffect[] {
  if (event.eventId) {
    if (s.seenEvents.includes(event.eventId)) return [];
    remember(s.seenEvents, event.eventId);
  }
  rollDay(c, s, nowMs);
  switch (event.kind) {
    case 'inbound':
      s.receivedToday++;
      s.receivedTotal++;
      return [];
    case 'delivery_failed':
      s.failuresToday++;
      s.warningFailures++;
      return [];
    case 'disconnected':
    case 'logged_out':
      return connectionLost(s, { ...event, kind: event.kind }, nowMs);
    case 'banned':
      s.banned = true;
      return abort(s, 'banned');
    case 'unconfirmed_ban':
      sign(s, { kind: 'unconfirmed_ban', reason: 'um relato de banimento não confirmado' });
      return [];
    case 'repeated_calls':
      sign(s, { kind: 'repeated_calls', reason: 'chamadas repetidas de fora da frota' });
      return [];
    case 'connected':
      connectionOpen(s, nowMs);
      return [];
  }
}

/** A conversation's report, from the child (initiator) or by signal (partner); a repeat is ignored. */
export function conversationEnded(c: ChipContext, s: ChipState, report: ConversationReport, nowMs: number): void {
  if (s.seenReports.includes(report.conversationId)) return;
  remember(s.seenReports, report.conversationId);
  rollDay(c, s, nowMs);
  s.sentToday += report.sent;
  s.receivedToday += report.received;
  s.sentTotal += report.sent;
  s.receivedTotal += report.received;
  s.repliedTotal += report.replied;
  if (report.twoWay) s.twoWayConversations++;
  if (report.sent + report.received > 0) {
    s.conversationsToday++;
    s.lastConversationAtMs = nowMs;
    s.stall = null;
  }
  s.maxSentPerDay[s.phase] = Math.max(s.maxSentPerDay[s.phase] ?? 0, s.sentToday);
  if (s.busy?.conversationId === report.conversationId) s.busy = null;
  s.health = computeHealth(s, c.clock, nowMs).score;
}

/** Why this chip cannot take part in a conversation now, or null when it can. */
export function reservationRefusal(
  c: ChipContext,
  s: ChipState,
  request: { conversationId: string; sends: number; quarantined?: boolean },
  nowMs: number,
): ReservationRefusal | null {
  if (s.busy?.conversationId === request.conversationId) return null;
  const day = programDay(c.clock, nowMs);
  const sentToday = sentOn(s, day);
  const cap = capOn(s, day);
  const decision = maySendNow({
    status: s.disconnected || s.banned ? 'paused' : s.status,
    phase: s.phase,
    busy: busyAt(s, nowMs),
    sentToday,
    reservedToday: 0,
    window: c.window,
    clock: c.clock,
    nowMs,
    needed: request.sends,
    cap,
  });
  if (!decision.ok) {
    // The remaining count lets initiators stop asking a partner that cannot take any conversation today.
    if (decision.reason === 'cap_reached') return { reason: 'cap_reached', remaining: remainingToday(s.phase, sentToday, 0, cap) };
    return { reason: decision.reason };
  }
  // A healthy chip never takes a quarantined one as partner, nor the other way round.
  const quarantine = pairingRefusal(request.quarantined, quarantinedAt(c, s, nowMs));
  return quarantine ? { reason: quarantine } : null;
}

export function reserve(c: ChipContext, s: ChipState, request: { conversationId: string; leaseMs: number }, nowMs: number): void {
  if (s.busy?.conversationId === request.conversationId) return;
  rollDay(c, s, nowMs);
  s.busy = { conversationId: request.conversationId, role: 'partner', reserved: 0, leaseUntilMs: nowMs + request.leaseMs };
}

// ---- rules shared with the cycle --------------------------------------------------------------

/** Today's effective cap: the phase cap, reduced by the adaptive ramp (domain/ramp.ts). */
export function capOn(s: ChipState, day: string): number {
  return effectiveCap(s.phase, s.ramp, day);
}

/** What the chip sent on program day `day` by its own count (nothing yet on a day it has not reached). */
export function sentOn(s: ChipState, day: string): number {
  return day === s.day ? s.sentToday : 0;
}

/** Whether the chip holds a conversation whose lease still runs at `nowMs`. */
export function busyAt(s: ChipState, nowMs: number): boolean {
  return s.busy !== null && s.busy.leaseUntilMs > nowMs;
}

/** Whether the chip is in quarantine at `nowMs`, with its health as of then (domain/quarantine.ts). */
export function quarantinedAt(c: ChipContext, s: ChipState, nowMs: number): boolean {
  const health = computeHealth(s, c.clock, nowMs).score;
  return quarantineReason({ phase: s.phase, health, ramp: s.ramp, day: programDay(c.clock, nowMs) }) !== null;
}

/** A warning sign: the loop applies it to the ramp (see ChipMachine.applySigns). */
export function sign(s: ChipState, warning: RampSign): void {
  if (!s.pendingSigns.some((p) => p.kind === warning.kind)) s.pendingSigns.push(warning);
}

export function rollDay(c: ChipContext, s: ChipState, nowMs: number): void {
  const day = programDay(c.clock, nowMs);
  if (day === s.day) return;
  s.day = day;
  s.sentToday = 0;
  s.receivedToday = 0;
  s.failuresToday = 0;
  s.warningFailures = 0;
  s.conversationsToday = 0;
}

export function abort(s: ChipState, reason: string): ChipEffect[] {
  const busy = s.busy;
  return busy ? [{ kind: 'abort_conversation', conversationId: busy.conversationId, reason }] : [];
}

/** One alert per cause: a cause already alerted (same kind and cause id) raises nothing again. */
export function alert(
  c: ChipContext,
  s: ChipState,
  severity: 'warning' | 'critical',
  alertKind: string,
  message: string,
  cause: string,
): ChipEffect[] {
  const key = `${c.chipId}:${alertKind}:${cause}`;
  if (s.alertKeys.includes(key)) return [];
  remember(s.alertKeys, key);
  return [{ kind: 'alert', severity, alertKind, message, key }];
}
