/**
 * The chip's rules as a state machine: events in (operator signals, provider facts, conversation
 * reports, reservations, the loop's own steps), effects out (alerts to raise, a conversation to stop).
 * Deterministic: the time is passed in, randomness too, so the workflow, the forecast and plain jest
 * tests drive the very same rules. The workflow only performs what this decides.
 */
import { isFinalStatus } from './chip';
import { ChipEventRules } from './chip-event-rules';
import { type ChipStatusView, computeHealth, currentReplyRate, daysInPhase, statusView } from './chip-state';
import { realAtMinute, realDuration } from './clock';
import { assessRisk } from './early-warning';
import { type HealthScore } from './health';
import { PACING, turnsThatFit } from './pacing';
import { PAIRING } from './partners';
import { PHASE_TABLE, checkPhaseCriteria, dailyCap } from './phases';
import type { Random } from './random';
import { quarantineReason } from './quarantine';
import { daysFrom, explainCap, rampAfterSign, rampLevelOn } from './ramp';
import {
  type ChipEffect,
  type ChipStanding,
  type ConversationOutcome,
  type ConversationStep,
  MAX_TURNS,
  MIN_TURNS,
  PLAN_MISS_TEXT,
  type Promotion,
} from './chip-events';
import { firstWholeWindowEnd, maySendNow, nextConversationAt, planBackoffMs, remainingToday } from './window';

export {
  MAX_TURNS,
  MIN_TURNS,
  type ChipEffect,
  type ChipStanding,
  type ConversationOutcome,
  type ConversationStep,
  type Promotion,
  type ProviderFact,
} from './chip-events';

export { type MachineOptions } from './chip-event-rules';

export class ChipMachine extends ChipEventRules {
  /** Set for one iteration of the loop when the last promotion waits (holdReadiness). */
  private readinessHeldNow = false;

  // ---- the cycle ------------------------------------------------------------------------------

  beginIteration(nowMs: number): void {
    this.readinessHeldNow = false;
    this.rollDay(nowMs);
    if (this.state.busy && this.state.busy.leaseUntilMs <= nowMs) this.state.busy = null;
  }

  /** A ban or a retirement ends the warm-up; the effects are what to record before it ends. */
  endIfFinal(): { effects: ChipEffect[] } | null {
    const s = this.state;
    if (s.banned && s.status !== 'banned') {
      s.status = 'banned';
      s.statusReason = 'banido pelo provedor';
      s.pausedBy = null;
      return { effects: this.alert('critical', 'chip_banned', 'Chip banido pelo provedor; warm-up encerrado.', 'once') };
    }
    if (isFinalStatus(s.status)) return { effects: [] };
    return null;
  }

  /** A disconnected chip pauses itself until the provider says it is connected again. */
  pauseIfDisconnected(): ChipEffect[] | null {
    const s = this.state;
    if (!s.disconnected || s.status !== 'warming') return null;
    s.status = 'paused';
    s.statusReason = 'instância desconectada';
    s.pausedBy = 'provider';
    s.autoPauses++;
    return this.alert('warning', 'chip_disconnected', 'Instância desconectada; chip pausado até reconectar.', `pause-${s.autoPauses}`);
  }

  get paused(): boolean {
    return this.state.status === 'paused';
  }

  promotionDue(nowMs: number): Promotion | null {
    const s = this.state;
    s.health = computeHealth(s, this.clock, nowMs).score;
    const to = PHASE_TABLE[s.phase].next;
    if (!to || !checkPhaseCriteria(s.phase, daysInPhase(s, this.clock, nowMs), s.health, currentReplyRate(s)).ok) return null;
    return { from: s.phase, to, health: s.health, replyRate: currentReplyRate(s) };
  }

  /** After the promotion was recorded. Returns true when the chip reached the end of the program. */
  promoted(promotion: Promotion, nowMs: number): boolean {
    const s = this.state;
    s.phase = promotion.to;
    s.phaseStartedAtMs = nowMs;
    s.promotions.push({ from: promotion.from, to: promotion.to, atMs: nowMs });
    s.nextConversationAtMs = null;
    if (dailyCap(promotion.to) > 0 && s.maySendSinceMs === null) s.maySendSinceMs = nowMs;
    if (PHASE_TABLE[promotion.to].next === null) {
      s.status = 'ready';
      s.persistedStatus = 'ready'; // the promotion's own transaction marks the chip ready
      return true;
    }
    return false;
  }

  /**
   * The last promotion marks the chip ready and ends its warm-up, and the database then refuses its
   * turns: while the chip is the partner in a conversation still running, the promotion waits for
   * that conversation to end. (An initiator is never mid-conversation here: its loop waits for it.)
   */
  readinessMustWait(promotion: Promotion, nowMs: number): boolean {
    const busy = this.state.busy;
    return PHASE_TABLE[promotion.to].next === null && busy !== null && busy.leaseUntilMs > nowMs;
  }

  /** The loop holds the last promotion: the conversation's report (or its lease's end) wakes it. */
  holdReadiness(): void {
    this.readinessHeldNow = true;
  }

  get readinessHeld(): boolean {
    return this.readinessHeldNow;
  }

  /** The early warning (domain/early-warning.ts): warn once a day, pause on critical signs. */
  checkEarlyWarning(): { paused: boolean; effects: ChipEffect[] } {
    const s = this.state;
    const risk = assessRisk({ deliveryFailuresToday: s.warningFailures, sentToday: s.sentToday, disconnected: false, banned: false });
    if (risk.level === 'critico') {
      s.status = 'paused';
      s.statusReason = risk.reasons.join('; ');
      s.pausedBy = 'early_warning';
      s.autoPauses++;
      const effects = this.abort('early warning');
      effects.push(...this.alert('critical', 'chip_paused', `Chip pausado automaticamente: ${s.statusReason}`, `pause-${s.autoPauses}`));
      return { paused: true, effects };
    }
    if (risk.level === 'atencao' && s.warnedDay !== s.day) {
      s.warnedDay = s.day;
      this.sign({ kind: 'delivery_failures', reason: `${s.warningFailures} falhas de entrega` });
      return { paused: false, effects: this.alert('warning', 'delivery_failures', `Atenção: ${risk.reasons.join('; ')}`, s.day) };
    }
    return { paused: false, effects: [] };
  }

  /** Whether a conversation slot has come, and how big a conversation may be. Null: not yet. */
  conversationStep(nowMs: number): ConversationStep | null {
    const s = this.state;
    if (dailyCap(s.phase) === 0 || nowMs < (s.nextConversationAtMs ?? 0)) return null;
    const cap = this.capOn(s.day);
    const decision = maySendNow({
      status: s.status,
      phase: s.phase,
      busy: s.busy !== null,
      sentToday: s.sentToday,
      reservedToday: 0,
      window: this.window,
      clock: this.clock,
      nowMs,
      needed: MIN_TURNS / 2,
      cap,
    });
    // The pairing engine allows so many conversations a day; past that, asking only buys refusals.
    if (!decision.ok || s.conversationsToday >= PAIRING.maxDailyInteractions) return { kind: 'skip' };
    const closesAtMs = realAtMinute(this.clock, nowMs, this.window.endMinute);
    const maxTurns = Math.min(
      MAX_TURNS,
      2 * remainingToday(s.phase, s.sentToday, 0, cap),
      turnsThatFit(closesAtMs - nowMs, this.conversationPace),
    );
    if (maxTurns < MIN_TURNS) return { kind: 'skip' };
    // Long enough for the longest dialogue at the slowest pace, plus slack for retries.
    const leaseMs = Math.ceil(MAX_TURNS * (PACING.turnGapMs.max + 10_000) * this.conversationPace) + 10 * 60_000;
    return {
      kind: 'converse',
      maxTurns,
      leaseMs,
      topUpPairs: s.partnersCheckedDay !== s.day,
      paceScale: this.conversationPace,
      quarantined: this.quarantinedAt(nowMs),
    };
  }

  /** The chip holds itself for a conversation it initiates (never two at once). */
  conversationStarting(conversationId: string, step: Extract<ConversationStep, { kind: 'converse' }>, nowMs: number): void {
    const s = this.state;
    s.busy = { conversationId, role: 'initiator', reserved: Math.ceil(step.maxTurns / 2), leaseUntilMs: nowMs + step.leaseMs };
    if (step.topUpPairs) s.partnersCheckedDay = s.day;
  }

  /** What became of the slot; then the next slot is chosen (later and later while nobody is free). */
  conversationOver(outcome: ConversationOutcome, nowMs: number, random: Random): void {
    const s = this.state;
    switch (outcome.kind) {
      case 'held':
        this.conversationEnded(outcome.report, nowMs);
        s.failedPlans = 0;
        s.lastPlanMiss = null;
        break;
      case 'missed':
        s.busy = null;
        s.failedPlans++;
        s.lastPlanMiss = outcome.reason;
        break;
      case 'failed':
        // Its counts are unknown: charge the whole reservation to today's cap, never less.
        this.rollDay(nowMs);
        if (s.busy?.conversationId === outcome.conversationId) s.sentToday += s.busy.reserved;
        s.busy = null;
        break;
      case 'skipped':
        break;
    }
    this.rollDay(nowMs);
    const talkedEnough = s.conversationsToday >= PAIRING.maxDailyInteractions;
    const remaining = talkedEnough ? 0 : remainingToday(s.phase, s.sentToday, 0, this.capOn(s.day));
    const slot = this.fewerWakes
      ? this.nextUsefulSlot(nowMs, remaining, random)
      : nextConversationAt({ window: this.window, clock: this.clock, nowMs, remaining, random });
    // Nobody free to talk: ask again later and later, not every slot (each ask is billed).
    s.nextConversationAtMs = Math.max(slot, nowMs + realDuration(this.clock, planBackoffMs(s.failedPlans)));
    s.health = computeHealth(s, this.clock, nowMs).score;
  }

  /**
   * A chip that may send but let a whole activity window pass without a conversation says so, once
   * (with the reason its last plan gave), and clears it when it converses again.
   */
  checkStall(nowMs: number): ChipEffect[] {
    const s = this.state;
    if (s.stall === null && s.stallAlertOpen) {
      s.stallAlertOpen = false;
      return [{ kind: 'resolve_alert', alertKind: 'chip_stalled' }];
    }
    if (s.status !== 'warming' || dailyCap(s.phase) === 0 || s.stall !== null) return [];
    const since = this.stallClockStart();
    if (since === null || nowMs < firstWholeWindowEnd(this.window, this.clock, since)) return [];
    const reason = PLAN_MISS_TEXT[s.lastPlanMiss ?? 'unknown'];
    s.stall = { sinceMs: since, reason };
    s.stallAlertOpen = true;
    return this.alert('warning', 'chip_stalled', `Chip sem conversas há um dia inteiro: ${reason}.`, String(since));
  }

  // ---- the adaptive ramp and quarantine (domain/ramp.ts, domain/quarantine.ts) ------------------

  get signsPending(): boolean {
    return this.state.pendingSigns.length > 0;
  }

  /** The warning signs heard since the last iteration move the ramp (one step on a day's first sign). */
  applySigns(): void {
    const s = this.state;
    for (const sign of s.pendingSigns) s.ramp = rampAfterSign(s.ramp, sign, s.day);
    s.pendingSigns = [];
  }

  /** A release that does not run the adaptive ramp (an older history replaying) forgets the signs. */
  dropSigns(): void {
    this.state.pendingSigns = [];
  }

  /**
   * What the database must learn of the ramp and the quarantine, when it changed since the last write
   * (`entered`: the chip has just entered quarantine, an event to publish). Null: nothing new.
   */
  standingDue(nowMs: number): { standing: ChipStanding; key: string; entered: boolean } | null {
    const s = this.state;
    // A ramp fully recovered, its quarantine day past, is forgotten.
    if (s.ramp && rampLevelOn(s.ramp, s.day) === 0 && daysFrom(s.ramp.signDay, s.day) > 1) s.ramp = null;
    // The health as of now (the state's is refreshed only by the cycle's own steps).
    const health = computeHealth(s, this.clock, nowMs).score;
    const reason = quarantineReason({ phase: s.phase, health, ramp: s.ramp, day: s.day });
    const cap = explainCap(s.phase, s.ramp, s.day);
    const standing: ChipStanding = {
      rampLevel: s.ramp?.level ?? 0,
      rampDay: s.ramp?.signDay ?? null,
      rampReason: s.ramp?.reason ?? null,
      quarantined: reason !== null,
      quarantineReason: reason,
      capToday: cap.cap,
      phaseCap: cap.phaseCap,
    };
    const key = `${standing.rampLevel}|${standing.rampDay ?? ''}|${standing.quarantined ? 1 : 0}`;
    // The database starts with no ramp and no quarantine: nothing to write until that changes.
    if (key === (s.persistedStanding ?? '0||0')) {
      s.quarantine = reason;
      return null;
    }
    return { standing, key, entered: reason !== null && s.quarantine === null };
  }

  standingRecorded(due: { standing: ChipStanding; key: string }): void {
    this.state.persistedStanding = due.key;
    this.state.quarantine = due.standing.quarantineReason;
  }

  healthLogDue(nowMs: number): HealthScore | null {
    const s = this.state;
    if (s.lastHealthDay === s.day) return null;
    const health = computeHealth(s, this.clock, nowMs);
    s.health = health.score;
    return health;
  }

  healthLogged(): void {
    this.state.lastHealthDay = this.state.day;
  }

  /** The next useful moment: a conversation slot, a phase-day boundary, a lease expiry, a stall deadline. */
  nextWakeAt(nowMs: number): number {
    const s = this.state;
    const sending = dailyCap(s.phase) > 0;
    const fewer = this.fewerWakes;
    // A sending chip wakes at its slots anyway (its daily health log rides on the first one): a phase-day
    // boundary wakes it only once a promotion may be due. A chip in setup has no slots: every day.
    const nextDay = daysInPhase(s, this.clock, nowMs) + 1;
    const boundaryDay = fewer && sending ? Math.max(nextDay, PHASE_TABLE[s.phase].minDays) : nextDay;
    const candidates = [s.phaseStartedAtMs + boundaryDay * this.clock.dayMs];
    if (sending && s.nextConversationAtMs !== null) candidates.push(s.nextConversationAtMs);
    // A partner's lease needs no wake: the report frees it, and any wake (or reservation) drops an expired lease.
    // Unless the chip's readiness waits for it: a lost report must not hold the chip past its lease.
    if (s.busy && (!(fewer && s.busy.role === 'partner') || this.readinessHeldNow)) candidates.push(s.busy.leaseUntilMs);
    // A ramp recovers (and a quarantine ends) at a program day's start: the database hears of it then.
    if (s.ramp) candidates.push(realAtMinute(this.clock, nowMs, 0, 1));
    const since = this.stallClockStart();
    if (sending && s.stall === null && since !== null) candidates.push(firstWholeWindowEnd(this.window, this.clock, since));
    return Math.max(nowMs + 1, Math.min(...candidates));
  }

  view(nowMs: number): ChipStatusView {
    return statusView(this.chipId, this.state, this.clock, nowMs);
  }

  // ---- helpers --------------------------------------------------------------------------------

  /**
   * The next slot at which a conversation can actually happen: none today when fewer messages are left
   * than the smallest conversation needs, or when a conversation starting at the slot could not finish
   * its smallest dialogue inside the window (a wake there would only skip).
   */
  private nextUsefulSlot(nowMs: number, remaining: number, random: Random): number {
    const enough = remaining >= MIN_TURNS / 2 ? remaining : 0;
    const slot = nextConversationAt({ window: this.window, clock: this.clock, nowMs, remaining: enough, random });
    const closesAtMs = realAtMinute(this.clock, slot, this.window.endMinute);
    if (enough === 0 || turnsThatFit(closesAtMs - slot, this.conversationPace) >= MIN_TURNS) return slot;
    return nextConversationAt({ window: this.window, clock: this.clock, nowMs, remaining: 0, random });
  }

  private stallClockStart(): number | null {
    const s = this.state;
    if (s.maySendSinceMs === null) return null;
    return Math.max(s.maySendSinceMs, s.lastConversationAtMs ?? 0);
  }
}
