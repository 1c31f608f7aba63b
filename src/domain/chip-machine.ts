/**
 * The chip's rules as a state machine: events in (operator signals, provider facts, conversation
 * reports, reservations, the loop's own steps), effects out (alerts to raise, a conversation to stop).
 * The machine owns the chip's state: only its methods change it, and callers read it through getters,
 * the status view, or a snapshot (a copy). The rules are functions it passes that state to, in
 * chip-event-rules.ts (what happens to the chip) and chip-cycle-rules.ts (the loop's steps).
 * Deterministic: the time is passed in, randomness too, so the workflow, the forecast and plain jest
 * tests drive the very same rules. The workflow only performs what this decides.
 */
import type { ChipStatus } from './chip';
import * as eventRules from './chip-event-rules';
import * as cycleRules from './chip-cycle-rules';
import * as connectionRules from './chip-connection-rules';
import type { MachineOptions, StatusChange } from './chip-machine-options';
import type { ChipEffect, ChipStanding, ConversationOutcome, ConversationStep, Promotion, ProviderFact } from './chip-events';
import { type ChipState, type ChipStatusView, type ConversationReport, type PausedBy, copyState, statusView } from './chip-state';
import { type ProgramClock, REAL_DAY_MS } from './clock';
import type { HealthScore } from './health';
import type { Phase } from './phases';
import * as profileRules from './profile-checklist';
import type { Random } from './random';
import { receiveFirstUntil } from './receive-first';
import { type StatusPostDue, statusPostDue, statusPostOver } from './status-rules';
import type { ReservationRefusal } from './refusal';
import { type ActivityWindow, activityWindow } from './window';

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

export type { MachineOptions, StatusChange } from './chip-machine-options';

export class ChipMachine implements cycleRules.CycleContext {
  readonly window: ActivityWindow;
  /** Carried across continue-as-new (snapshot); nothing outside this class holds it. */
  readonly #state: ChipState;
  readonly #options: MachineOptions;
  /** Set for one iteration of the loop when the last promotion waits (holdReadiness). */
  #readinessHeld = false;
  /** The health of this run's last daily log (the current health until the first). */
  #loggedHealth: number;

  /** The machine takes a copy of `state`: changing that object afterwards changes nothing here. */
  constructor(
    readonly chipId: string,
    readonly clock: ProgramClock,
    state: ChipState,
    options: MachineOptions,
  ) {
    this.window = activityWindow(chipId);
    this.#state = copyState(state);
    this.#options = options;
    this.#loggedHealth = state.health;
  }

  // ---- reading the state ------------------------------------------------------------------------

  /** A copy of the whole state: what continue-as-new carries and reports read. Changing it changes nothing here. */
  snapshot(): Readonly<ChipState> {
    return copyState(this.#state);
  }

  view(nowMs: number): ChipStatusView {
    return statusView(this.chipId, this.#state, this.clock, nowMs);
  }

  get phase(): Phase {
    return this.#state.phase;
  }

  get status(): ChipStatus {
    return this.#state.status;
  }

  /** The program day today's counts belong to (rolled over by the loop and by each event). */
  get day(): string {
    return this.#state.day;
  }

  /** The health as of the last step that refreshed it (a promotion check, a report, a daily log). */
  get health(): number {
    return this.#state.health;
  }

  /** The health of this run's last daily log, the current health before it. */
  get loggedHealth(): number {
    return this.#loggedHealth;
  }

  get paused(): boolean {
    return this.#state.status === 'paused';
  }

  /** The provider reported a ban: the loop ends the warm-up at its next iteration. */
  get banned(): boolean {
    return this.#state.banned;
  }

  /** Whether a conversation the chip has planned may go on (warming, connected, not banned). */
  get mayConverse(): boolean {
    const s = this.#state;
    return s.status === 'warming' && !s.disconnected && !s.banned;
  }

  /** Human pacing in real time: domain/pacing.ts's delays, scaled and compressed with the program clock. */
  get conversationPace(): number {
    return this.#options.paceScale * (this.clock.dayMs / REAL_DAY_MS);
  }

  /** Today's effective cap: the phase cap, reduced by the adaptive ramp (domain/ramp.ts). */
  capOn(day: string): number {
    return eventRules.capOn(this.#state, day);
  }

  /** What the chip sent on program day `day` by its own count (nothing yet on a day it has not reached). */
  sentOn(day: string): number {
    return eventRules.sentOn(this.#state, day);
  }

  /** Whether the chip holds a conversation whose lease still runs at `nowMs`. */
  busyAt(nowMs: number): boolean {
    return eventRules.busyAt(this.#state, nowMs);
  }

  /** Whether the chip is in quarantine at `nowMs`, with its health as of then (domain/quarantine.ts). */
  quarantinedAt(nowMs: number): boolean {
    return eventRules.quarantinedAt(this, this.#state, nowMs);
  }

  // ---- events (chip-event-rules.ts) -------------------------------------------------------------

  pause(request: { reason: string; by?: PausedBy }): ChipEffect[] {
    return eventRules.pause(this.#state, request);
  }

  /** An operator's resume lifts any pause and forgets what caused it; the breaker's lifts only its own. */
  resume(request: { by?: PausedBy } | undefined, nowMs: number): ChipEffect[] {
    return eventRules.resume(this.#state, request, nowMs);
  }

  retire(request: { reason?: string } | undefined): ChipEffect[] {
    return eventRules.retire(this.#state, request);
  }

  providerEvent(event: ProviderFact, nowMs: number): ChipEffect[] {
    return eventRules.providerEvent(this, this.#state, event, nowMs);
  }

  /** A conversation's report, from the child (initiator) or by signal (partner); a repeat is ignored. */
  conversationEnded(report: ConversationReport, nowMs: number): void {
    eventRules.conversationEnded(this, this.#state, report, nowMs);
  }

  /** Why this chip cannot take part in a conversation now, or null when it can. */
  reservationRefusal(request: { conversationId: string; sends: number; quarantined?: boolean }, nowMs: number): ReservationRefusal | null {
    return eventRules.reservationRefusal(this, this.#state, request, nowMs);
  }

  reserve(request: { conversationId: string; leaseMs: number }, nowMs: number): void {
    eventRules.reserve(this, this.#state, request, nowMs);
  }

  // ---- the cycle (chip-cycle-rules.ts) ----------------------------------------------------------

  /** The day rolls over, an expired lease frees the chip, and a held readiness is let go. */
  beginIteration(nowMs: number): void {
    this.#readinessHeld = false;
    cycleRules.beginIteration(this, this.#state, nowMs);
  }

  /** A ban or a retirement ends the warm-up; the effects are what to record before it ends. */
  endIfFinal(): { effects: ChipEffect[] } | null {
    return cycleRules.endIfFinal(this, this.#state);
  }

  /** A disconnected chip pauses itself, by the cause, until the provider says it is connected again. */
  pauseIfDisconnected(): ChipEffect[] | null {
    return connectionRules.pauseForConnection(this, this.#state, () => this.#options.classifiedDisconnects?.() ?? true);
  }

  /** When a chip held for a lost connection asks the provider again (null: it waits for a report). */
  connectionRecheckAt(alertAfterMs: number): number | null {
    return connectionRules.connectionRecheckAt(this.#state, alertAfterMs);
  }

  /** What asking the provider found: open resumes the chip; a drop that lasts raises its alert once. */
  connectionChecked(state: connectionRules.CheckedState, nowMs: number): ChipEffect[] {
    return connectionRules.connectionChecked(this, this.#state, state, nowMs);
  }

  /** The status the database has not heard of yet, or null when it has. */
  statusToPersist(): StatusChange | null {
    const s = this.#state;
    return s.status === s.persistedStatus ? null : { status: s.status, reason: s.statusReason, pausedBy: s.pausedBy };
  }

  /**
   * The database has `written`, the status statusToPersist named for the write. A handler may have
   * changed the status while the write ran (a resume while the pause was written): that change is still
   * owed, and statusToPersist names it next. (A workflow replaying a history from before the patch
   * status-as-written passes the status as it was when the write returned, as that release did.)
   */
  recordPersistedStatus(written: ChipStatus): void {
    this.#state.persistedStatus = written;
  }

  /**
   * The promotion the chip has earned (days, health, reply rate), or null; refreshes its health.
   * Leaving setup also waits for the profile checklist, a gate beside the phase criteria.
   */
  promotionDue(nowMs: number): Promotion | null {
    const promotion = cycleRules.promotionDue(this, this.#state, nowMs);
    return promotion && profileRules.profileHoldsPromotion(this.#state.phase, this.#state.profile) ? null : promotion;
  }

  /** After the promotion was recorded. Returns true when the chip reached the end of the program. */
  promoted(promotion: Promotion, nowMs: number): boolean {
    return cycleRules.promoted(this.#state, promotion, nowMs);
  }

  /** The last promotion waits while the chip is the partner in a conversation still running. */
  readinessMustWait(promotion: Promotion, nowMs: number): boolean {
    return cycleRules.readinessMustWait(this.#state, promotion, nowMs);
  }

  /** The loop holds the last promotion: the conversation's report (or its lease's end) wakes it. */
  holdReadiness(): void {
    this.#readinessHeld = true;
  }

  get readinessHeld(): boolean {
    return this.#readinessHeld;
  }

  /** The early warning (domain/early-warning.ts): warn once a day, pause on critical signs. */
  checkEarlyWarning(): { paused: boolean; effects: ChipEffect[] } {
    return cycleRules.checkEarlyWarning(this, this.#state);
  }

  /** Whether a conversation slot has come, and how big a conversation may be. Null: not yet. */
  conversationStep(nowMs: number): ConversationStep | null {
    return cycleRules.conversationStep(this, this.#state, nowMs);
  }

  /** Receive-first (domain/receive-first.ts): until when the chip opens no conversation, or null. */
  receiveFirstUntil(nowMs: number): number | null {
    return receiveFirstUntil(this.#state.phase, this.#state.phaseStartedAtMs, this.clock, nowMs);
  }

  /** No slot before receive-first ends (one wake then), and no stall counted while partners open the conversations. */
  waitToReceive(untilMs: number): void {
    const s = this.#state;
    s.nextConversationAtMs = Math.max(s.nextConversationAtMs ?? 0, untilMs);
    s.maySendSinceMs = Math.max(s.maySendSinceMs ?? untilMs, untilMs);
  }

  /** A status post due now (domain/status-rules.ts), or null; the day's plan is drawn on its first call. */
  statusPostDue(nowMs: number): StatusPostDue | null {
    return statusPostDue(this, this.#state, nowMs);
  }

  /** The due post went out (`posted`) or will not; the next one waits for its own time. */
  statusPostOver(due: StatusPostDue, posted: boolean): void {
    statusPostOver(this.#state, due, posted);
  }

  /** The chip holds itself for a conversation it initiates (never two at once). */
  conversationStarting(conversationId: string, step: Extract<ConversationStep, { kind: 'converse' }>, nowMs: number): void {
    cycleRules.conversationStarting(this.#state, conversationId, step, nowMs);
  }

  /** What became of the slot; then the next slot is chosen (later and later while nobody is free). */
  conversationOver(outcome: ConversationOutcome, nowMs: number, random: Random): void {
    cycleRules.conversationOver(this, this.#state, outcome, nowMs, random, this.#fewerWakes());
  }

  /** A whole activity window without a conversation raises one stall alert; conversing again resolves it. */
  checkStall(nowMs: number): ChipEffect[] {
    return cycleRules.checkStall(this, this.#state, nowMs);
  }

  // ---- the adaptive ramp and quarantine (domain/ramp.ts, domain/quarantine.ts) ------------------

  get signsPending(): boolean {
    return this.#state.pendingSigns.length > 0;
  }

  /** The warning signs heard since the last iteration move the ramp (one step on a day's first sign). */
  applySigns(): void {
    cycleRules.applySigns(this.#state);
  }

  /** A release that does not run the adaptive ramp (an older history replaying) forgets the signs. */
  dropSigns(): void {
    this.#state.pendingSigns = [];
  }

  /** What the database must learn of the ramp and the quarantine, when it changed since the last write. */
  standingDue(nowMs: number): { standing: ChipStanding; key: string; entered: boolean } | null {
    return cycleRules.standingDue(this, this.#state, nowMs);
  }

  /** The database has the standing standingDue returned. */
  standingRecorded(due: { standing: ChipStanding; key: string }): void {
    this.#state.persistedStanding = due.key;
    this.#state.quarantine = due.standing.quarantineReason;
  }

  // ---- daily health, sleep, continue-as-new -----------------------------------------------------

  /** The day's health to log, once a program day (null: already logged today); refreshes the health. */
  healthLogDue(nowMs: number): HealthScore | null {
    return cycleRules.healthLogDue(this, this.#state, nowMs);
  }

  /** The day's health log was written with `score`. */
  healthLogged(score: number): void {
    this.#state.lastHealthDay = this.#state.day;
    this.#loggedHealth = score;
  }

  /**
   * The next useful moment: a conversation slot, a phase-day boundary, a lease expiry, a stall deadline,
   * and in setup the profile checklist's next step.
   */
  nextWakeAt(nowMs: number): number {
    const next = cycleRules.nextWakeAt(this, this.#state, nowMs, this.#fewerWakes(), this.#readinessHeld);
    return profileRules.withProfileWake(this.#state, next, nowMs);
  }

  // ---- the profile checklist (domain/profile-checklist.ts) --------------------------------------

  /** Whether the loop has checklist work: a checklist to plan (a chip in setup without one) or steps due. */
  profileWorkAt(nowMs: number): boolean {
    const profile = this.#state.profile;
    if (!profile) return this.#state.phase === 'setup';
    return profileRules.dueProfileSteps(profile, nowMs).length > 0;
  }

  /** Plans the checklist over what is left of the setup days (once). */
  planProfile(nowMs: number, random: Random): void {
    if (this.#state.profile) return;
    this.#state.profile = profileRules.planProfileChecklist({
      window: this.window,
      clock: this.clock,
      setupStartMs: this.#state.phaseStartedAtMs,
      nowMs,
      random,
    });
  }

  /** The checklist's steps due at `nowMs`: applied together, in one activity call. */
  profileStepsDue(nowMs: number): profileRules.ProfileStep[] {
    return this.#state.profile ? profileRules.dueProfileSteps(this.#state.profile, nowMs) : [];
  }

  /** A run's result; true when it completed the checklist. Failed steps are due again later, inside the window. */
  profileRan(result: profileRules.ProfileRunResult, nowMs: number, random: Random): boolean {
    const profile = this.#state.profile;
    if (!profile) return false;
    const retry = (failures: number) => profileRules.profileRetryAt(this.window, this.clock, nowMs, failures, random);
    this.#state.profile = profileRules.applyProfileRun(profile, result, retry);
    return !profileRules.profileComplete(profile) && profileRules.profileComplete(this.#state.profile);
  }

  /**
   * An operator's hand on a step (the database already has it). A chip in setup that has not planned
   * its checklist yet plans it at its next iteration and reads the database then; a chip without a
   * checklist past setup runs just the step asked for.
   */
  profileRequest(request: profileRules.ProfileStepRequest, nowMs: number): ChipEffect[] {
    this.#state.profile = profileRules.operatorProfileRequest(this.#state, request, nowMs);
    return [];
  }

  /** Counts the run continue-as-new starts, and returns the state that run carries. */
  startRun(): Readonly<ChipState> {
    this.#state.runs++;
    return this.snapshot();
  }

  /** The fewer-wake-ups rules apply (always, unless the workflow replays a chip that predates them). */
  #fewerWakes(): boolean {
    return this.#options.fewerWakes?.() ?? true;
  }
}
