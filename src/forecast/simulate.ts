/**
 * The fleet forecast: N chips' state machines (domain/chip-machine) on one discrete-event queue, no
 * Temporal and no database. Each chip steps exactly as the chip workflow's loop does (end if final,
 * promote, early warning, conversation step, stall check, daily health log, sleep until the next
 * useful moment); a conversation is planned by the same planner as planConversation's
 * (domain/planner.ts: pairs topped up, candidates under the daily limit, a dialogue that fits,
 * partners awake for the whole conversation, at most two reservations validated by the partner's own
 * machine) and held as the conversation workflow holds it. Temporal actions are counted as bench/lifecycle.ts counts them from real histories.
 * Pure: time and randomness are the simulation's own (seeded), so a seed always gives the same result.
 */
import { ChipMachine, type ChipEffect, type ConversationOutcome, type ConversationStep } from '../domain/chip-machine';
import { upgradeState } from '../domain/chip-state';
import { type ProgramClock, REAL_DAY_MS, programClock, programDayNumber } from '../domain/clock';
import { RefusalMemory, pairTopUp, partnersToAsk, shortlistPartners } from '../domain/planner';
import type { Phase } from '../domain/phases';
import { type Random, seededRandom } from '../domain/random';
import { HISTORY_EVENTS, SUGGEST_CONTINUE_AS_NEW_EVENTS, emptyActions } from './actions';
import { type HeldConversation, LIBRARY_TURN_COUNTS, drawDialogueTurns, holdConversation } from './conversation-model';
import { EventQueue } from './event-queue';
import { addGroupActions, forecastGroupSlot } from './groups';
import { type InjectedSign, StandingLog, signFacts } from './standing-log';

export type { InjectedSign } from './standing-log';
import { DEFAULT_START_MS, type ChipOutcome, type ForecastOptions, type SimulationResult } from './forecast-types';
export { DEFAULT_START_MS, type ChipOutcome, type ForecastOptions, type SimulationResult } from './forecast-types';
import { type PairedChip, PairTable } from './pairing';
import { postStatusIfDue } from './status-posts';

interface SimChip {
  index: number;
  machine: ChipMachine;
  pair: PairedChip;
  done: boolean;
  endedAtMs: number | null;
  historyEvents: number;
  reachedDay: Partial<Record<Phase, number>>;
  enteredOnDay: Partial<Record<Phase, number>>;
  stallAlerts: number;
}

interface RunningConversation {
  id: string;
  initiator: SimChip;
  partner: SimChip;
  day: string;
  dayIndex: number;
  held: HeldConversation;
}

type SimEvent =
  | { kind: 'wake'; chip: SimChip }
  | { kind: 'conversation_end'; conversation: RunningConversation }
  | { kind: 'sign'; chip: SimChip; sign: InjectedSign };

export function simulateFleet(options: ForecastOptions): SimulationResult {
  const opts = {
    paceScale: 1,
    startMs: DEFAULT_START_MS,
    maxHistoryEvents: 10_000,
    ...options,
  };
  const turnsAvailable = options.dialogueTurns ?? LIBRARY_TURN_COUNTS;
  const clock: ProgramClock = programClock(REAL_DAY_MS);
  const random: Random = seededRandom(opts.seed);
  const endMs = opts.startMs + opts.days * clock.dayMs;
  const actions = emptyActions();
  const queue = new EventQueue<SimEvent>();
  // Calendar program days, as the caps count them (day 0 = the day of registration, from São Paulo midnight).
  const firstDay = programDayNumber(clock, opts.startMs);
  const calendarDay = (atMs: number) => programDayNumber(clock, atMs) - firstDay;
  const messagesPerDay: number[] = Array.from({ length: calendarDay(endMs - 1) + 1 }, () => 0);
  const plans = { total: 0, empty: 0, reasons: {} as Record<string, number> };
  const reservations = { accepted: 0, rejected: 0, reasons: {} as Record<string, number> };
  const pairings = { healthy: 0, quarantined: 0, mixed: 0 };
  const standingLog = new StandingLog();
  // What partners said of their caps today: the worker's memory in planConversation.
  const refusals = new RefusalMemory();
  let conversationSeq = 0;
  let conversations = 0;
  let messages = 0;
  let statusPosts = 0;
  let groupMessages = 0;
  let groupConversations = 0;

  const chips: SimChip[] = Array.from({ length: opts.chips }, (_, index) => {
    const chipId = `forecast-${opts.seed}-${index}`;
    const state = upgradeState(undefined, opts.startMs, clock, opts.startMs);
    return {
      index,
      machine: new ChipMachine(chipId, clock, state, { paceScale: opts.paceScale }),
      pair: { index, chipId, phase: state.phase, warming: true, interactionsToday: 0 },
      done: false,
      endedAtMs: null,
      historyEvents: HISTORY_EVENTS.start,
      reachedDay: { setup: 0 },
      enteredOnDay: { setup: 0 },
      stallAlerts: 0,
    };
  });
  const pairs = new PairTable(chips.map((c) => c.pair));

  const activity = (chip: SimChip, count = 1) => {
    actions.activityAttempts += count;
    chip.historyEvents += HISTORY_EVENTS.activity * count;
  };
  const perform = (chip: SimChip, effects: ChipEffect[]) => {
    for (const effect of effects) {
      if (effect.kind === 'alert') {
        activity(chip, 2); // openAlert + notify
        if (effect.alertKind === 'chip_stalled') chip.stallAlerts++;
      } else if (effect.kind === 'resolve_alert') activity(chip);
      else actions.signals++; // abort_conversation: a signal to the conversation
    }
  };
  const finish = (chip: SimChip, atMs: number) => {
    chip.done = true;
    chip.endedAtMs = atMs;
    chip.pair.warming = false;
  };

  const plan = (
    chip: SimChip,
    conversationId: string,
    step: Extract<ConversationStep, { kind: 'converse' }>,
    nowMs: number,
  ): { partner: SimChip; turns: number } | ConversationOutcome => {
    const me = chip.machine;
    const day = me.day;
    const topUp = pairTopUp(step.topUpPairs);
    if (topUp.before) pairs.ensurePairs(chip.index, random);
    let listed = pairs.candidates(chip.index, day);
    if (listed.length === 0 && topUp.ifNoneFound) {
      pairs.ensurePairs(chip.index, random);
      listed = pairs.candidates(chip.index, day);
    }
    // As planCandidates reads them: each partner's effective cap (the adaptive ramp), the sends it
    // claimed today, and whether it is in a conversation.
    const all = listed.map((c) => {
      const m = chips[c.index]!.machine;
      return {
        ...c,
        capToday: m.capOn(day),
        claimedToday: m.sentOn(day),
        inConversation: m.busyAt(nowMs),
      };
    });
    const shortlist = shortlistPartners(all, { quarantined: step.quarantined, clock, atMs: nowMs, maxTurns: step.maxTurns });
    if (shortlist.kind === 'miss') return { kind: 'missed', reason: shortlist.reason };
    const turns = drawDialogueTurns(random, shortlist.maxTurns, turnsAvailable);
    if (turns === null) return { kind: 'missed', reason: 'no_dialogue' };
    const ask = partnersToAsk(shortlist.free, {
      turns,
      day,
      atMs: nowMs,
      clock,
      paceScale: step.paceScale,
      phase: me.phase,
      health: me.health,
      random,
      refusals,
    });
    if (ask.kind === 'miss') return { kind: 'missed', reason: ask.reason };
    const { round } = ask;
    for (const candidate of round.asked) {
      if (!round.worthAsking(candidate)) continue;
      const partner = chips[candidate.index]!;
      actions.updates++;
      const refusal = partner.machine.reservationRefusal({ conversationId, sends: round.sends, quarantined: step.quarantined }, nowMs);
      if (refusal) {
        reservations.rejected++;
        reservations.reasons[refusal.reason] = (reservations.reasons[refusal.reason] ?? 0) + 1;
        round.refused(candidate, refusal);
        continue;
      }
      reservations.accepted++;
      const partnerQuarantined = partner.machine.quarantinedAt(nowMs);
      const mine = chip.machine.quarantinedAt(nowMs);
      if (mine !== partnerQuarantined) pairings.mixed++;
      else if (mine) pairings.quarantined++;
      else pairings.healthy++;
      partner.historyEvents += HISTORY_EVENTS.acceptedUpdate;
      partner.machine.reserve({ conversationId, leaseMs: step.leaseMs }, nowMs);
      return { partner, turns };
    }
    return { kind: 'missed', reason: round.miss };
  };

  /** The end of the loop: stall check, daily health log, continue-as-new or sleep until the next useful moment. */
  const settle = (chip: SimChip, nowMs: number) => {
    const m = chip.machine;
    perform(chip, m.checkStall(nowMs));
    const health = m.healthLogDue(nowMs);
    if (health) {
      activity(chip); // persistHealth
      actions.upserts++;
      m.healthLogged(health.score);
    }
    if (chip.historyEvents >= SUGGEST_CONTINUE_AS_NEW_EVENTS || chip.historyEvents > opts.maxHistoryEvents) {
      actions.continueAsNew++;
      actions.upserts++; // the new run shows its state once
      m.startRun();
      chip.historyEvents = HISTORY_EVENTS.start;
      queue.push(nowMs, { kind: 'wake', chip });
      return;
    }
    actions.timers++;
    chip.historyEvents += HISTORY_EVENTS.timer;
    queue.push(m.nextWakeAt(nowMs), { kind: 'wake', chip });
  };

  const iterate = (chip: SimChip, nowMs: number) => {
    const m = chip.machine;
    for (;;) {
      m.beginIteration(nowMs);
      const ending = m.endIfFinal();
      if (ending) {
        perform(chip, ending.effects);
        finish(chip, nowMs);
        return;
      }
      perform(chip, m.pauseIfDisconnected() ?? []);
      // As the workflow: warning signs move the ramp, and the database hears of the ramp and quarantine.
      m.applySigns();
      const standing = m.standingDue(nowMs);
      if (standing) {
        activity(chip); // persistStanding
        m.standingRecorded(standing);
        chip.pair.quarantined = standing.standing.quarantined;
      }
      chip.pair.health = m.health;
      standingLog.note(chip.index, m, nowMs);
      // Nothing in the forecast resumes a paused chip (only an operator or the provider would).
      if (m.paused) return finish(chip, nowMs);
      const promotion = m.promotionDue(nowMs);
      // As the workflow (patch ready-after-conversation): a partner's readiness waits for its
      // conversation; here the lease's end wakes it, a little after the report would.
      if (promotion && m.readinessMustWait(promotion, nowMs)) m.holdReadiness();
      else if (promotion) {
        activity(chip, 2); // persistPhaseChange + notify
        actions.upserts++;
        const finished = m.promoted(promotion, nowMs);
        chip.pair.phase = promotion.to;
        chip.reachedDay[promotion.to] = (nowMs - opts.startMs) / clock.dayMs;
        chip.enteredOnDay[promotion.to] = calendarDay(nowMs);
        if (finished) {
          activity(chip); // notify ready
          return finish(chip, nowMs);
        }
        continue;
      }
      const warning = m.checkEarlyWarning();
      perform(chip, warning.effects);
      if (warning.paused) continue;
      // As the workflow (patch status-posts): a due post is one activity and counts as a message.
      if (postStatusIfDue(m, nowMs, chips.length)) {
        activity(chip);
        statusPosts++;
        messages++; // not in messagesPerDay: a post counts against its own limit, not the message cap
      }
      // As the workflow (patch receive-first): no plan while the chip only answers.
      const receiving = m.receiveFirstUntil(nowMs);
      if (receiving !== null) m.waitToReceive(receiving);
      const step = m.conversationStep(nowMs);
      if (step?.kind === 'converse') {
        const id = `c${++conversationSeq}`;
        // As the workflow (patch health-on-plan): the day's health log rides on its first plan.
        const ride = m.healthLogDue(nowMs);
        if (ride) {
          actions.upserts++;
          m.healthLogged(ride.score);
        }
        m.conversationStarting(id, step, nowMs);
        activity(chip); // planConversation
        plans.total++;
        const planned = plan(chip, id, step, nowMs);
        if ('kind' in planned) {
          plans.empty++;
          if (planned.kind === 'missed') plans.reasons[planned.reason] = (plans.reasons[planned.reason] ?? 0) + 1;
          m.conversationOver(planned, nowMs, random);
        } else {
          const held = holdConversation(id, planned.turns, step.paceScale, opts.replyRate, random);
          // Held in the chip's group (groups.ts): the same messages, a group's extra costs.
          if (forecastGroupSlot(m.chipId, m.phase, step.quarantined, nowMs, ride !== null)) {
            addGroupActions(actions);
            groupConversations++;
            groupMessages += held.delivered;
          }
          actions.childStarts += 2;
          chip.historyEvents += HISTORY_EVENTS.childConversation;
          actions.timers += held.timers;
          // deliverTurn, one per turn after the first (the plan sends the opening turn)
          actions.activityAttempts += Math.max(0, held.delivered - 1);
          actions.signals++; // the conversation tells the partner it is over
          const conversation = { id, initiator: chip, partner: planned.partner, day: m.day, dayIndex: calendarDay(nowMs), held };
          queue.push(nowMs + held.durationMs, { kind: 'conversation_end', conversation });
          return; // the loop goes on when the child returns
        }
      } else if (step) m.conversationOver({ kind: 'skipped' }, nowMs, random);
      return settle(chip, nowMs);
    }
  };

  const conversationEnded = (c: RunningConversation, nowMs: number) => {
    const { held } = c;
    conversations++;
    messages += held.delivered;
    if (c.dayIndex >= 0 && c.dayIndex < messagesPerDay.length) messagesPerDay[c.dayIndex]! += held.delivered;
    if (held.delivered > 0) pairs.recordInteraction(c.initiator.index, c.partner.index, c.day);
    standingLog.sent(c.initiator.index, c.day, held.a.sent);
    standingLog.sent(c.partner.index, c.day, held.b.sent);
    c.partner.historyEvents += HISTORY_EVENTS.signal;
    if (!c.partner.done) c.partner.machine.conversationEnded(held.b, nowMs);
    c.initiator.machine.conversationOver({ kind: 'held', report: held.a }, nowMs, random);
    settle(c.initiator, nowMs);
  };

  const injectSign = (chip: SimChip, sign: InjectedSign, nowMs: number) => {
    const m = chip.machine;
    if (chip.done) return;
    const facts = signFacts(sign.kind);
    for (const kind of facts) m.providerEvent({ kind, atMs: nowMs }, nowMs);
    actions.signals += facts.length;
    chip.historyEvents += HISTORY_EVENTS.signal * facts.length;
  };

  actions.starts += chips.length;
  actions.upserts += chips.length; // each first run shows its state once
  for (const chip of chips) queue.push(opts.startMs, { kind: 'wake', chip });
  for (const sign of opts.signs ?? []) {
    const chip = chips[sign.chip];
    if (chip) queue.push(opts.startMs + sign.day * clock.dayMs, { kind: 'sign', chip, sign });
  }
  let events = 0;
  for (;;) {
    const next = queue.pop();
    if (!next || next.atMs > endMs) break;
    events++;
    if (next.item.kind === 'wake') iterate(next.item.chip, next.atMs);
    else if (next.item.kind === 'sign') injectSign(next.item.chip, next.item.sign, next.atMs);
    else conversationEnded(next.item.conversation, next.atMs);
  }

  const chipDays = chips.reduce((sum, c) => sum + ((c.endedAtMs ?? endMs) - opts.startMs) / clock.dayMs, 0);
  return {
    options: { ...opts, signs: undefined, startMs: opts.startMs } as SimulationResult['options'],
    chips: chips.map((c) => outcome(c, endMs)),
    messagesPerDay,
    messages,
    statusPosts,
    groupMessages,
    groupConversations,
    conversations,
    plans,
    reservations,
    pairings,
    ...standingLog.summary(),
    actions,
    chipDays,
    events,
  };
}

function outcome(chip: SimChip, endMs: number): ChipOutcome {
  const s = chip.machine.snapshot();
  const view = chip.machine.view(chip.endedAtMs ?? endMs);
  return {
    chipId: chip.machine.chipId,
    phase: s.phase,
    status: s.status,
    reachedDay: chip.reachedDay,
    enteredOnDay: chip.enteredOnDay,
    sentTotal: s.sentTotal,
    receivedTotal: s.receivedTotal,
    replyRate: view.replyRate,
    maxSentPerDay: { ...s.maxSentPerDay },
    stallAlerts: chip.stallAlerts,
    stalledAtEnd: s.stall !== null && !chip.done,
  };
}
