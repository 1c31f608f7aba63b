/**
 * The chip's rules for what happens to it (chip-machine.ts adds the cycle it runs): operator signals,
 * provider facts, conversation reports and reservations change the state and say which effects follow.
 * Deterministic: the time is passed in.
 */
import { isFinalStatus } from './chip';
import type { ChipEffect, ProviderFact } from './chip-events';
import { type ChipState, type ConversationReport, type PausedBy, computeHealth, remember } from './chip-state';
import { type ProgramClock, REAL_DAY_MS, programDay } from './clock';
import { type ActivityWindow, activityWindow, maySendNow, remainingToday } from './window';

export interface MachineOptions {
  /** Multiplies human pacing (1 = the seed's delays in program time). */
  paceScale: number;
}

export class ChipEventRules {
  readonly window: ActivityWindow;

  constructor(
    readonly chipId: string,
    readonly clock: ProgramClock,
    readonly state: ChipState,
    readonly options: MachineOptions,
  ) {
    this.window = activityWindow(chipId);
  }

  /** Human pacing in real time: the seed's delays, scaled and compressed with the program clock. */
  get conversationPace(): number {
    return this.options.paceScale * (this.clock.dayMs / REAL_DAY_MS);
  }

  // ---- events -------------------------------------------------------------------------------

  pause(request: { reason: string; by?: PausedBy }): ChipEffect[] {
    const s = this.state;
    if (isFinalStatus(s.status)) return [];
    s.status = 'paused';
    s.statusReason = request.reason;
    s.pausedBy = request.by ?? 'operator';
    return this.abort(`paused: ${request.reason}`);
  }

  /** An operator's resume lifts any pause and forgets what caused it; the breaker's lifts only its own. */
  resume(request: { by?: PausedBy } | undefined, nowMs: number): ChipEffect[] {
    const s = this.state;
    if (s.status !== 'paused') return [];
    if (request?.by === 'fleet_breaker' && s.pausedBy !== 'fleet_breaker') return [];
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

  retire(request: { reason?: string } | undefined): ChipEffect[] {
    const s = this.state;
    if (isFinalStatus(s.status)) return [];
    s.status = 'retired';
    s.statusReason = request?.reason?.trim() || 'retirado pelo operador';
    s.pausedBy = null;
    return this.abort('retired');
  }

  providerEvent(event: ProviderFact, nowMs: number): ChipEffect[] {
    const s = this.state;
    if (event.eventId) {
      if (s.seenEvents.includes(event.eventId)) return [];
      remember(s.seenEvents, event.eventId);
    }
    this.rollDay(nowMs);
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
        s.disconnected = true;
        return this.abort(event.kind);
      case 'banned':
        s.banned = true;
        return this.abort('banned');
      case 'connected':
        s.disconnected = false;
        if (s.status === 'paused' && s.pausedBy === 'provider') {
          s.status = 'warming';
          s.statusReason = null;
          s.pausedBy = null;
          s.maySendSinceMs = nowMs;
        }
        return [];
    }
  }

  /** A conversation's report, from the child (initiator) or by signal (partner); a repeat is ignored. */
  conversationEnded(report: ConversationReport, nowMs: number): void {
    const s = this.state;
    if (s.seenReports.includes(report.conversationId)) return;
    remember(s.seenReports, report.conversationId);
    this.rollDay(nowMs);
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
    s.health = computeHealth(s, this.clock, nowMs).score;
  }

  /** Why this chip cannot take part in a conversation now, or null when it can. */
  reservationRefusal(request: { conversationId: string; sends: number }, nowMs: number): string | null {
    const s = this.state;
    if (s.busy?.conversationId === request.conversationId) return null;
    const sentToday = programDay(this.clock, nowMs) === s.day ? s.sentToday : 0;
    const decision = maySendNow({
      status: s.disconnected || s.banned ? 'paused' : s.status,
      phase: s.phase,
      busy: s.busy !== null && s.busy.leaseUntilMs > nowMs,
      sentToday,
      reservedToday: 0,
      window: this.window,
      clock: this.clock,
      nowMs,
      needed: request.sends,
    });
    if (decision.ok) return null;
    // The remaining count lets initiators stop asking a partner that cannot take any conversation today.
    const left = decision.reason === 'cap_reached' ? ` (remaining ${remainingToday(s.phase, sentToday, 0)})` : '';
    return `partner refused: ${decision.reason}${left}`;
  }

  reserve(request: { conversationId: string; leaseMs: number }, nowMs: number): void {
    const s = this.state;
    if (s.busy?.conversationId === request.conversationId) return;
    this.rollDay(nowMs);
    s.busy = { conversationId: request.conversationId, role: 'partner', reserved: 0, leaseUntilMs: nowMs + request.leaseMs };
  }

  // ---- helpers shared with the cycle ------------------------------------------------------------

  protected rollDay(nowMs: number): void {
    const s = this.state;
    const day = programDay(this.clock, nowMs);
    if (day === s.day) return;
    s.day = day;
    s.sentToday = 0;
    s.receivedToday = 0;
    s.failuresToday = 0;
    s.warningFailures = 0;
    s.conversationsToday = 0;
  }

  protected abort(reason: string): ChipEffect[] {
    const busy = this.state.busy;
    return busy ? [{ kind: 'abort_conversation', conversationId: busy.conversationId, reason }] : [];
  }

  /** One alert per cause: a cause already alerted (same kind and cause id) raises nothing again. */
  protected alert(severity: 'warning' | 'critical', alertKind: string, message: string, cause: string): ChipEffect[] {
    const key = `${this.chipId}:${alertKind}:${cause}`;
    if (this.state.alertKeys.includes(key)) return [];
    remember(this.state.alertKeys, key);
    return [{ kind: 'alert', severity, alertKind, message, key }];
  }
}
