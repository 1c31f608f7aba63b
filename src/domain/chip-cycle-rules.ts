/**
 * The chip's rules for the steps of its loop: end if final, promote, check early warning, converse,
 * check for a stall, settle the ramp and quarantine, log daily health, choose the next useful moment.
 * Functions over the state that ChipMachine owns and passes in (see chip-event-rules.ts for the
 * events). Deterministic: the time and randomness are passed in.
 */
import { isFinalStatus } from './chip';
import { type ChipContext, abort, alert, busyAt, capOn, conversationEnded, quarantinedAt, rollDay, sign } from './chip-event-rules';
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
import { type ChipState, computeHealth, currentReplyRate, daysInPhase } from './chip-state';
import { realAtMinute, realDuration } from './clock';
import { assessRisk } from './early-warning';
import type { HealthScore } from './health';
import { PACING, turnsThatFit } from './pacing';
import { PAIRING } from './partners';
import { PHASE_TABLE, checkPhaseCriteria, dailyCap } from './phases';
import { quarantineReason } from './quarantine';
import type { Random } from './random';
import { daysFrom, explainCap, rampAfterSign, rampLevelOn } from './ramp';
import { firstWholeWindowEnd, maySendNow, nextConversationAt, planBackoffMs, remainingToday } from './window';

/** What the cycle reads besides the state: the chip, its clock and window, and its conversations' pace. */
export interface CycleContext extends ChipContext {
  /** Human pacing in real time (ChipMachine.conversationPace). */
  readonly conversationPace: number;
}

/** The day rolls over and an expired lease frees the chip. */
export function beginIteration(c: ChipContext, s: ChipState, nowMs: number): void {
  rollDay(c, s, nowMs);
  if (s.busy && s.busy.leaseUntilMs <= nowMs) s.busy = null;
}

export function endIfFinal(c: ChipContext, s: ChipState): { effects: ChipEffect[] } | null {
  if (s.banned && s.status !== 'banned') {
    s.status = 'banned';
    s.statusReason = 'banido pelo provedor';
    s.pausedBy = null;
    return { effects: alert(c, s, 'critical', 'chip_banned', 'Chip banido pelo provedor; warm-up encerrado.', 'once') };
  }
  if (isFinalStatus(s.status)) return { effects: [] };
  return null;
}

export function pauseIfDisconnected(c: ChipContext, s: ChipState): ChipEffect[] | null {
  if (!s.disconnected || s.status !== 'warming') return null;
  s.status = 'paused';
  s.statusReason = 'instância desconectada';
  s.pausedBy = 'provider';
  s.autoPauses++;
  return alert(c, s, 'warning', 'chip_disconnected', 'Instância desconectada; chip pausado até reconectar.', `pause-${s.autoPauses}`);
}

export function promotionDue(c: ChipContext, s: ChipState, nowMs: number): Promotion | null {
  s.health = computeHealth(s, c.clock, nowMs).score;
  const to = PHASE_TABLE[s.phase].next;
  if (!to || !checkPhaseCriteria(s.phase, daysInPhase(s, c.clock, nowMs), s.health, currentReplyRate(s)).ok) return null;
  return { from: s.phase, to, health: s.health, replyRate: currentReplyRate(s) };
}

export function promoted(s: ChipState, promotion: Promotion, nowMs: number): boolean {
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
export function readinessMustWait(s: ChipState, promotion: Promotion, nowMs: number): boolean {
  return PHASE_TABLE[promotion.to].next === null && busyAt(s, nowMs);
}

/** The early warning (domain/early-warning.ts): warn once a day, pause on critical signs. */
export function checkEarlyWarning(c: ChipContext, s: ChipState): { paused: boolean; effects: ChipEffect[] } {
  const risk = assessRisk({ deliveryFailuresToday: s.warningFailures, sentToday: s.sentToday, disconnected: false, banned: false });
  if (risk.level === 'critico') {
    s.status = 'paused';
    s.statusReason = risk.reasons.join('; ');
    s.pausedBy = 'early_warning';
    s.autoPauses++;
    const effects = abort(s, 'early warning');
    effects.push(...alert(c, s, 'critical', 'chip_paused', `Chip pausado automaticamente: ${s.statusReason}`, `pause-${s.autoPauses}`));
    return { paused: true, effects };
  }
  if (risk.level === 'atencao' && s.warnedDay !== s.day) {
    s.warnedDay = s.day;
    sign(s, { kind: 'delivery_failures', reason: `${s.warningFailures} falhas de entrega` });
    return { paused: false, effects: alert(c, s, 'warning', 'delivery_failures', `Atenção: ${risk.reasons.join('; ')}`, s.day) };
  }
  return { paused: false, effects: [] };
}

/** Whether a conversation slot has come, and how big a conversation may be. Null: not yet. */
export function conversationStep(c: CycleContext, s: ChipState, nowMs: number): ConversationStep | null {
  if (dailyCap(s.phase) === 0 || nowMs < (s.nextConversationAtMs ?? 0)) return null;
  const cap = capOn(s, s.day);
  const decision = maySendNow({
    status: s.status,
    phase: s.phase,
    busy: s.busy !== null,
    sentToday: s.sentToday,
    reservedToday: 0,
    window: c.window,
    clock: c.clock,
    nowMs,
    needed: MIN_TURNS / 2,
    cap,
  });
  // The pairing engine allows so many conversations a day; past that, asking only buys refusals.
  if (!decision.ok || s.conversationsToday >= PAIRING.maxDailyInteractions) return { kind: 'skip' };
  const closesAtMs = realAtMinute(c.clock, nowMs, c.window.endMinute);
  const maxTurns = Math.min(
    MAX_TURNS,
    2 * remainingToday(s.phase, s.sentToday, 0, cap),
    turnsThatFit(closesAtMs - nowMs, c.conversationPace),
  );
  if (maxTurns < MIN_TURNS) return { kind: 'skip' };
  // Long enough for the longest dialogue at the slowest pace, plus slack for retries.
  const leaseMs = Math.ceil(MAX_TURNS * (PACING.turnGapMs.max + 10_000) * c.conversationPace) + 10 * 60_000;
  return {
    kind: 'converse',
    maxTurns,
    leaseMs,
    topUpPairs: s.partnersCheckedDay !== s.day,
    paceScale: c.conversationPace,
    quarantined: quarantinedAt(c, s, nowMs),
  };
}

/** The chip holds itself for a conversation it initiates (never two at once). */
export function conversationStarting(
  s: ChipState,
  conversationId: string,
  step: Extract<ConversationStep, { kind: 'converse' }>,
  nowMs: number,
): void {
  s.busy = { conversationId, role: 'initiator', reserved: Math.ceil(step.maxTurns / 2), leaseUntilMs: nowMs + step.leaseMs };
  if (step.topUpPairs) s.partnersCheckedDay = s.day;
}

/**
 * What became of the slot; then the next slot is chosen (later and later while nobody is free).
 * `fewerWakes`: whether the fewer-wake-ups rules apply (see MachineOptions.fewerWakes).
 */
export function conversationOver(
  c: CycleContext,
  s: ChipState,
  outcome: ConversationOutcome,
  nowMs: number,
  random: Random,
  fewerWakes: boolean,
): void {
  switch (outcome.kind) {
    case 'held':
      conversationEnded(c, s, outcome.report, nowMs);
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
      rollDay(c, s, nowMs);
      if (s.busy?.conversationId === outcome.conversationId) s.sentToday += s.busy.reserved;
      s.busy = null;
      break;
    case 'skipped':
      break;
  }
  rollDay(c, s, nowMs);
  const talkedEnough = s.conversationsToday >= PAIRING.maxDailyInteractions;
  const remaining = talkedEnough ? 0 : remainingToday(s.phase, s.sentToday, 0, capOn(s, s.day));
  const slot = fewerWakes
    ? nextUsefulSlot(c, nowMs, remaining, random)
    : nextConversationAt({ window: c.window, clock: c.clock, nowMs, remaining, random });
  // Nobody free to talk: ask again later and later, not every slot (each ask is billed).
  s.nextConversationAtMs = Math.max(slot, nowMs + realDuration(c.clock, planBackoffMs(s.failedPlans)));
  s.health = computeHealth(s, c.clock, nowMs).score;
}

/**
 * A chip that may send but let a whole activity window pass without a conversation says so, once
 * (with the reason its last plan gave), and clears it when it converses again.
 */
export function checkStall(c: ChipContext, s: ChipState, nowMs: number): ChipEffect[] {
  if (s.stall === null && s.stallAlertOpen) {
    s.stallAlertOpen = false;
    return [{ kind: 'resolve_alert', alertKind: 'chip_stalled' }];
  }
  if (s.status !== 'warming' || dailyCap(s.phase) === 0 || s.stall !== null) return [];
  const since = stallClockStart(s);
  if (since === null || nowMs < firstWholeWindowEnd(c.window, c.clock, since)) return [];
  const reason = PLAN_MISS_TEXT[s.lastPlanMiss ?? 'unknown'];
  s.stall = { sinceMs: since, reason };
  s.stallAlertOpen = true;
  return alert(c, s, 'warning', 'chip_stalled', `Chip sem conversas há um dia inteiro: ${reason}.`, String(since));
}

/** The warning signs heard since the last iteration move the ramp (one step on a day's first sign). */
export function applySigns(s: ChipState): void {
  for (const pending of s.pendingSigns) s.ramp = rampAfterSign(s.ramp, pending, s.day);
  s.pendingSigns = [];
}

/**
 * What the database must learn of the ramp and the quarantine, when it changed since the last write
 * (`entered`: the chip has just entered quarantine, an event to publish). Null: nothing new.
 */
export function standingDue(c: ChipContext, s: ChipState, nowMs: number): { standing: ChipStanding; key: string; entered: boolean } | null {
  // A ramp fully recovered, its quarantine day past, is forgotten.
  if (s.ramp && rampLevelOn(s.ramp, s.day) === 0 && daysFrom(s.ramp.signDay, s.day) > 1) s.ramp = null;
  // The health as of now (the state's is refreshed only by the cycle's own steps).
  const health = computeHealth(s, c.clock, nowMs).score;
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

/** The day's health, once a program day (null: already logged today). */
export function healthLogDue(c: ChipContext, s: ChipState, nowMs: number): HealthScore | null {
  if (s.lastHealthDay === s.day) return null;
  const health = computeHealth(s, c.clock, nowMs);
  s.health = health.score;
  return health;
}

/**
 * The next useful moment: a conversation slot, a phase-day boundary, a lease expiry, a stall deadline.
 * `fewer`: whether the fewer-wake-ups rules apply; `readinessHeld`: the last promotion waits for the
 * conversation the chip is a partner in.
 */
export function nextWakeAt(c: ChipContext, s: ChipState, nowMs: number, fewer: boolean, readinessHeld: boolean): number {
  const sending = dailyCap(s.phase) > 0;
  // A sending chip wakes at its slots anyway (its daily health log rides on the first one): a phase-day
  // boundary wakes it only once a promotion may be due. A chip in setup has no slots: every day.
  const nextDay = daysInPhase(s, c.clock, nowMs) + 1;
  const boundaryDay = fewer && sending ? Math.max(nextDay, PHASE_TABLE[s.phase].minDays) : nextDay;
  const candidates = [s.phaseStartedAtMs + boundaryDay * c.clock.dayMs];
  if (sending && s.nextConversationAtMs !== null) candidates.push(s.nextConversationAtMs);
  // A partner's lease needs no wake: the report frees it, and any wake (or reservation) drops an expired lease.
  // Unless the chip's readiness waits for it: a lost report must not hold the chip past its lease.
  if (s.busy && (!(fewer && s.busy.role === 'partner') || readinessHeld)) candidates.push(s.busy.leaseUntilMs);
  // A ramp recovers (and a quarantine ends) at a program day's start: the database hears of it then.
  if (s.ramp) candidates.push(realAtMinute(c.clock, nowMs, 0, 1));
  const since = stallClockStart(s);
  if (sending && s.stall === null && since !== null) candidates.push(firstWholeWindowEnd(c.window, c.clock, since));
  return Math.max(nowMs + 1, Math.min(...candidates));
}

/**
 * The next slot at which a conversation can actually happen: none today when fewer messages are left
 * than the smallest conversation needs, or when a conversation starting at the slot could not finish
 * its smallest dialogue inside the window (a wake there would only skip).
 */
function nextUsefulSlot(c: CycleContext, nowMs: number, remaining: number, random: Random): number {
  const enough = remaining >= MIN_TURNS / 2 ? remaining : 0;
  const slot = nextConversationAt({ window: c.window, clock: c.clock, nowMs, remaining: enough, random });
  const closesAtMs = realAtMinute(c.clock, slot, c.window.endMinute);
  if (enough === 0 || turnsThatFit(closesAtMs - slot, c.conversationPace) >= MIN_TURNS) return slot;
  return nextConversationAt({ window: c.window, clock: c.clock, nowMs, remaining: 0, random });
}

function stallClockStart(s: ChipState): number | null {
  if (s.maySendSinceMs === null) return null;
  return Math.max(s.maySendSinceMs, s.lastConversationAtMs ?? 0);
}
