/**
 * The chip's state: what a chip's workflow knows about its chip, carried across continue-as-new.
 * Plain data (it travels in workflow inputs), with the pure derived values every reader shares:
 * health, reply rate, days in phase, the status view and the UI's current details.
 */
import type { ChipStatus } from './chip';
import { type ProgramClock, daysBetween, programDay } from './clock';
import { type HealthScore, healthScore, replyRate } from './health';
import { maskPhone } from './phone';
import { type Phase, PHASE_TABLE, checkPhaseCriteria, dailyCap, formatPercent } from './phases';
import { PROFILE_STEPS, type ProfileChecklist, type ProfileStep, profileHoldsPromotion, profilePendingText } from './profile-checklist';
import { quarantineReason } from './quarantine';
import { type RampSign, type RampState, explainCap } from './ramp';
import { receiveFirstUntil } from './receive-first';
import { type StatusPostState, dailyStatusCap, emptyStatusPosts } from './status-rules';

import type { ConnectionTrouble } from './chip-connection-rules';

/** `provider`: a lost connection the provider recovers from; `reconnect`: a lost session (scan the QR code again). */
export type PausedBy = 'operator' | 'early_warning' | 'fleet_breaker' | 'provider' | 'reconnect';

/** What a conversation reports to each chip that took part. */
export interface ConversationReport {
  conversationId: string;
  sent: number;
  received: number;
  /** This chip's messages that the other side answered. */
  replied: number;
  twoWay: boolean;
  /** `cut_short`: ended at the end of a window it was held past (domain/conversation-window.ts). */
  outcome: 'completed' | 'aborted' | 'failed' | 'cut_short';
}

export interface Busy {
  conversationId: string;
  role: 'initiator' | 'partner';
  /** What this chip may send in it: charged to today's cap if the conversation ends without a report. */
  reserved: number;
  /** Real ms after which a reservation that never reported back is released. */
  leaseUntilMs: number;
}

/** Why the last attempt to plan a conversation found nobody (drives backoff and the stall alert). */
export type PlanMiss = 'no_partners' | 'partners_unavailable' | 'partners_capped' | 'no_dialogue' | 'planner_error' | 'quarantined';

export interface Stall {
  sinceMs: number;
  reason: string;
}

export interface ChipState {
  phase: Phase;
  phaseStartedAtMs: number;
  registeredAtMs: number;
  status: ChipStatus;
  /** Why the chip is paused, retired or banned (null while warming or ready). */
  statusReason: string | null;
  pausedBy: PausedBy | null;
  /** Status last written to the database, so a change is persisted once. */
  persistedStatus: ChipStatus;
  day: string;
  sentToday: number;
  receivedToday: number;
  failuresToday: number;
  /** Failures of today that count for the early warning: an operator's resume starts them again. */
  warningFailures: number;
  warnedDay: string | null;
  sentTotal: number;
  receivedTotal: number;
  repliedTotal: number;
  twoWayConversations: number;
  lastConversationAtMs: number | null;
  health: number;
  lastHealthDay: string | null;
  busy: Busy | null;
  nextConversationAtMs: number | null;
  disconnected: boolean;
  /** Why the connection was lost, while it is (domain/chip-connection-rules.ts); absent in older states. */
  connection?: ConnectionTrouble | null;
  banned: boolean;
  /** The most sent on any program day per phase, so tests and the CLI can see caps held. */
  maxSentPerDay: Partial<Record<Phase, number>>;
  promotions: { from: Phase; to: Phase; atMs: number }[];
  runs: number;
  /** Conversation attempts in a row that found no partner free (drives the backoff). */
  failedPlans: number;
  lastPlanMiss: PlanMiss | null;
  /** Conversations this chip took part in today (the pairing engine's daily interaction limit). */
  conversationsToday: number;
  /** Program day on which the chip last asked for its partners to be topped up. */
  partnersCheckedDay: string | null;
  /** Since when the chip may send without having conversed (promotion, resume, start): stall detection. */
  maySendSinceMs: number | null;
  stall: Stall | null;
  /** A stall alert is open in the database and must be resolved once the chip converses again. */
  stallAlertOpen: boolean;
  /** Automatic pauses so far: each one is its own cause, with its own alert key. */
  autoPauses: number;
  /** Recently handled conversation reports, provider events and alert keys: a repeat changes nothing. */
  seenReports: string[];
  seenEvents: string[];
  alertKeys: string[];
  /** The adaptive ramp (domain/ramp.ts): the level of the last warning sign and its day; null: none. */
  ramp: RampState | null;
  /** Warning signs heard by a handler, applied by the loop (where the change is versioned). */
  pendingSigns: RampSign[];
  /** Why the chip is in quarantine, as last applied by the loop (null: it is not). */
  quarantine: string | null;
  /** The ramp and quarantine last written to the database (standingKey), null before the first. */
  persistedStanding: string | null;
  /**
   * The setup's profile checklist (domain/profile-checklist.ts); null until the chip plans it (chips
   * past setup, or that predate it, never do), and then leaving setup waits for it.
   */
  profile: ProfileChecklist | null;
  /** Status posts: the day's plan and counts (domain/status-rules.ts). */
  statusPosts: StatusPostState;
}

/**
 * A deep copy of a state. The state is plain JSON data (continue-as-new carries it as JSON), so a JSON
 * round trip copies it whole, nested records and lists included, in the same key order.
 */
export function copyState(state: ChipState): ChipState {
  return JSON.parse(JSON.stringify(state)) as ChipState;
}

/** How many ids each de-duplication memory keeps (it travels with every continue-as-new). */
export const MEMORY_SIZE = 50;

export function remember(list: string[], id: string): void {
  list.push(id);
  if (list.length > MEMORY_SIZE) list.splice(0, list.length - MEMORY_SIZE);
}

export function initialChipState(registeredAtMs: number, clock: ProgramClock, nowMs: number): ChipState {
  const registered = Number.isFinite(registeredAtMs) ? registeredAtMs : nowMs;
  return {
    phase: 'setup',
    phaseStartedAtMs: registered,
    registeredAtMs: registered,
    status: 'warming',
    statusReason: null,
    pausedBy: null,
    persistedStatus: 'warming',
    day: programDay(clock, nowMs),
    sentToday: 0,
    receivedToday: 0,
    failuresToday: 0,
    warningFailures: 0,
    warnedDay: null,
    sentTotal: 0,
    receivedTotal: 0,
    repliedTotal: 0,
    twoWayConversations: 0,
    lastConversationAtMs: null,
    health: 40,
    lastHealthDay: null,
    busy: null,
    nextConversationAtMs: null,
    disconnected: false,
    banned: false,
    maxSentPerDay: {},
    promotions: [],
    runs: 0,
    failedPlans: 0,
    lastPlanMiss: null,
    conversationsToday: 0,
    partnersCheckedDay: null,
    maySendSinceMs: null,
    stall: null,
    stallAlertOpen: false,
    autoPauses: 0,
    seenReports: [],
    seenEvents: [],
    alertKeys: [],
    ramp: null,
    pendingSigns: [],
    quarantine: null,
    persistedStanding: null,
    profile: null,
    statusPosts: emptyStatusPosts(),
  };
}

/**
 * The one place a carried or partial state (continue-as-new, a restart from the database, an older
 * release's shape) becomes a whole state: every field the current code reads is present.
 */
export function upgradeState(
  carried: Partial<ChipState> | undefined,
  registeredAtMs: number,
  clock: ProgramClock,
  nowMs: number,
): ChipState {
  const base = initialChipState(registeredAtMs, clock, nowMs);
  const state: ChipState = { ...base, ...stripUndefined(carried ?? {}) };
  if (state.maySendSinceMs === null && dailyCap(state.phase) > 0) state.maySendSinceMs = Math.max(state.phaseStartedAtMs, nowMs);
  return state;
}

function stripUndefined<T extends object>(value: T): Partial<T> {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as Partial<T>;
}

export function daysInPhase(state: ChipState, clock: ProgramClock, nowMs: number): number {
  return daysBetween(clock, state.phaseStartedAtMs, nowMs);
}

export function currentReplyRate(state: ChipState): number {
  return replyRate(state.sentTotal, state.repliedTotal);
}

export function computeHealth(state: ChipState, clock: ProgramClock, nowMs: number): HealthScore {
  const maySend = dailyCap(state.phase) > 0;
  const lastActive = state.lastConversationAtMs ?? state.phaseStartedAtMs;
  return healthScore({
    ageDays: daysBetween(clock, state.registeredAtMs, nowMs),
    sentTotal: state.sentTotal,
    receivedTotal: state.receivedTotal,
    twoWayConversations: state.twoWayConversations,
    replyRate: currentReplyRate(state),
    inactiveDays: maySend ? daysBetween(clock, lastActive, nowMs) : 0,
    providerErrors: state.failuresToday,
    warnings: state.warnedDay === state.day ? 1 : 0,
  });
}

/** The phase criteria still missing, and the profile checklist while leaving setup waits for it. */
export function pendingCriteria(state: ChipState, clock: ProgramClock, nowMs: number): string[] {
  const pending = checkPhaseCriteria(state.phase, daysInPhase(state, clock, nowMs), state.health, currentReplyRate(state)).pending;
  const profile = state.profile ?? null;
  return profile && profileHoldsPromotion(state.phase, profile) ? [...pending, profilePendingText(profile)] : pending;
}

/** The profile checklist as the status shows it; null for a chip without one. */
export interface ProfileView {
  done: ProfileStep[];
  total: number;
  /** The steps still to do and when each is next tried (ISO). */
  pending: { step: ProfileStep; dueAt: string | null; failures: number }[];
  lastError: { step: ProfileStep; message: string } | null;
}

export interface ChipStatusView {
  chipId: string;
  phase: Phase;
  dayInPhase: number;
  /** The phase's minimum days (the "y" of "day x of y"). */
  phaseDays: number;
  health: number;
  replyRate: number;
  sentToday: number;
  /** The phase's cap. */
  cap: number;
  /** Today's effective cap (the adaptive ramp's), and why it is what it is. */
  capToday: number;
  capReason: string | null;
  /** "cap hoje 22/30: reduzido por 3 falhas de entrega ontem". */
  capText: string;
  /** Why the chip is in quarantine, or null. */
  quarantine: string | null;
  status: ChipStatus;
  /** Why the chip is paused, retired or banned. */
  statusReason: string | null;
  pausedBy: PausedBy | null;
  pending: string[];
  busyWith: string | null;
  /** Set while the chip has had no conversation for a whole program day although it may send. */
  stalled: Stall | null;
  sentTotal: number;
  receivedTotal: number;
  maxSentPerDay: Partial<Record<Phase, number>>;
  promotions: { from: Phase; to: Phase; atMs: number }[];
  runs: number;
  /** The setup's profile checklist (absent in views of chips started by an older release). */
  profile?: ProfileView | null;
  /** Status posts today (of the phase's dailyStatusCap) and in all (domain/status-rules.ts). */
  statusPostsToday: number;
  statusCapToday: number;
  statusPostsTotal: number;
  /** While receive-first holds: when the chip may open conversations again (domain/receive-first.ts). */
  receiveFirstUntilMs: number | null;
}

function profileView(profile: ProfileChecklist | null | undefined): ProfileView | null {
  if (!profile) return null;
  const pending = PROFILE_STEPS.filter((step) => !profile.done.includes(step)).map((step) => {
    const due = profile.dueAtMs[step];
    return { step, dueAt: due === undefined ? null : new Date(due).toISOString(), failures: profile.failures[step] ?? 0 };
  });
  return { done: [...profile.done], total: profile.done.length + pending.length, pending, lastError: profile.lastError };
}

export function statusView(chipId: string, state: ChipState, clock: ProgramClock, nowMs: number): ChipStatusView {
  const day = programDay(clock, nowMs);
  const today = day === state.day;
  const cap = explainCap(state.phase, state.ramp, day);
  return {
    chipId,
    phase: state.phase,
    dayInPhase: daysInPhase(state, clock, nowMs),
    phaseDays: PHASE_TABLE[state.phase].minDays,
    health: state.health,
    replyRate: currentReplyRate(state),
    sentToday: today ? state.sentToday : 0,
    cap: dailyCap(state.phase),
    capToday: cap.cap,
    capReason: cap.reason,
    capText: cap.text,
    quarantine: quarantineReason({ phase: state.phase, health: computeHealth(state, clock, nowMs).score, ramp: state.ramp, day }),
    status: state.status,
    statusReason: state.statusReason,
    pausedBy: state.status === 'paused' ? state.pausedBy : null,
    pending: pendingCriteria(state, clock, nowMs),
    busyWith: state.busy?.conversationId ?? null,
    stalled: state.stall,
    sentTotal: state.sentTotal,
    receivedTotal: state.receivedTotal,
    maxSentPerDay: { ...state.maxSentPerDay },
    promotions: [...state.promotions],
    runs: state.runs,
    profile: profileView(state.profile),
    statusPostsToday: state.statusPosts.day === day ? state.statusPosts.today : 0,
    statusCapToday: dailyStatusCap(state.phase),
    statusPostsTotal: state.statusPosts.total,
    receiveFirstUntilMs: receiveFirstUntil(state.phase, state.phaseStartedAtMs, clock, nowMs),
  };
}

/** One line for the Temporal UI's workflow list (no full phone number: it is stored in clear). */
export function staticSummary(chip: { instanceName: string; phone: string; fleetId?: string }): string {
  return `${chip.instanceName} · ${maskPhone(chip.phone)}${chip.fleetId ? ` · frota ${chip.fleetId}` : ''}`;
}

/** The workflow page's "current details": the live state without running a query. */
export function currentDetails(view: ChipStatusView): string {
  const rule = PHASE_TABLE[view.phase];
  const lines = [
    `**${view.phase}** · dia ${view.dayInPhase}/${view.phaseDays} · status ${view.status}`,
    `health ${view.health}${rule.next ? `/${rule.minHealth}` : ''} · taxa de resposta ${formatPercent(view.replyRate)}${rule.next ? `/${formatPercent(rule.minReplyRate)}` : ''}`,
    `enviadas hoje ${view.sentToday}/${view.capToday} · total ${view.sentTotal} enviadas, ${view.receivedTotal} recebidas`,
  ];
  if (view.capReason) lines.push(view.capText);
  if (view.quarantine) lines.push(`em quarentena: ${view.quarantine}`);
  if (view.pending.length > 0 && view.pending[0] !== 'fase_final') lines.push(`pendente: ${view.pending.join(', ')}`);
  if (view.statusReason) lines.push(`motivo: ${view.statusReason}${view.pausedBy ? ` (por ${view.pausedBy})` : ''}`);
  if (view.stalled) lines.push(`parado: ${view.stalled.reason}`);
  if (view.statusCapToday > 0) lines.push(`status hoje ${view.statusPostsToday}/${view.statusCapToday} · total ${view.statusPostsTotal}`);
  if (view.receiveFirstUntilMs !== null) {
    lines.push(`recebe primeiro: só responde até ${new Date(view.receiveFirstUntilMs).toISOString().slice(0, 16)} UTC`);
  }
  return lines.join('\n\n');
}
