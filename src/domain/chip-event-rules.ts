/**
 * The chip's rules for what happens to it (chip-machine.ts adds the cycle it runs): operator signals,
 * provider facts, conversation reports and reservations change the state and say which effects follow.
 * Deterministic: the time is passed in.
 */
import { isFinalStatus } from './chip';
import type { ChipEffect, ProviderFact } from './chip-events';
import { type ChipState, type ConversationReport, type PausedBy, computeHealth, remember } from './chip-state';
import { type ProgramClock, REAL_DAY_MS, programDay } from './clock';
import { pairingRefusal, quarantineReason } from './quarantine';
import type { ReservationRefusal } from './refusal';
import { type RampSign, effectiveCap } from './ramp';
import { type ActivityWindow, activityWindow, maySendNow, remainingToday } from './window';

export interface MachineOptions {
  /** Multiplies human pacing (1 = the seed's delays in program time). */
  paceScale: number;
  /**
   * Whether the fewer-wake-ups rules apply (see ChipMachine.nextWakeAt and conversationOver). The
   * workflow answers with patched() so that chips started before them replay; elsewhere they apply.
   */
  fewerWakes?: () => boolean;
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

  /** The fewer-wake-ups rules apply (always, unless the workflow replays a chip that predates them). */
  protected get fewerWakes(): boolean {
    return this.options.fewerWakes?.() ?? true;
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
    // Back from an automatic pause: at the ramp's floor and in quarantine until a clean day has passed.
    if (s.pausedBy === 'early_warning') this.sign({ kind: 'early_warning_pause', reason: 'uma pausa automática' });
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
      case 'unconfirmed_ban':
        this.sign({ kind: 'unconfirmed_ban', reason: 'um relato de banimento não confirmado' });
        return [];
      case 'connected':
        if (s.disconnected || (s.status === 'paused' && s.pausedBy === 'provider')) {
          this.sign({ kind: 'healed_disconnection', reason: 'uma desconexão que se resolveu' });
        }
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
  reservationRefusal(request: { conversationId: string; sends: number; quarantined?: boolean }, nowMs: number): ReservationRefusal | null {
    const s = this.state;
    if (s.busy?.conversationId === request.conversationId) return null;
    const day = programDay(this.clock, nowMs);
    const sentToday = day === s.day ? s.sentToday : 0;
    const cap = this.capOn(day);
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
      cap,
    });
    if (!decision.ok) {
      // The remaining count lets initiators stop asking a partner that cannot take any conversation today.
      if (decision.reason === 'cap_reached') return { reason: 'cap_reached', remaining: remainingToday(s.phase, sentToday, 0, cap) };
      return { reason: decision.reason };
    }
    // A healthy chip never takes a quarantined one as partner, nor the other way round.
    const quarantine = pairingRefusal(request.quarantined, this.quarantinedAt(nowMs));
    return quarantine ? { reason: quarantine } : null;
  }

  reserve(request: { conversationId: string; leaseMs: number }, nowMs: number): void {
    const s = this.state;
    if (s.busy?.conversationId === request.conversationId) return;
    this.rollDay(nowMs);
    s.busy = { conversationId: request.conversationId, role: 'partner', reserved: 0, leaseUntilMs: nowMs + request.leaseMs };
  }

  // ---- helpers shared with the cycle ------------------------------------------------------------

  /** Today's effective cap: the phase cap, reduced by the adaptive ramp (domain/ramp.ts). */
  capOn(day: string): number {
    return effectiveCap(this.state.phase, this.state.ramp, day);
  }

  /** Whether the chip is in quarantine at `nowMs`, with its health as of then (domain/quarantine.ts). */
  quarantinedAt(nowMs: number): boolean {
    const s = this.state;
    const health = computeHealth(s, this.clock, nowMs).score;
    return quarantineReason({ phase: s.phase, health, ramp: s.ramp, day: programDay(this.clock, nowMs) }) !== null;
  }

  /** A warning sign: the loop applies it to the ramp (see ChipMachine.applySigns). */
  protected sign(sign: RampSign): void {
    if (!this.state.pendingSigns.some((p) => p.kind === sign.kind)) this.state.pendingSigns.push(sign);
  }

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
