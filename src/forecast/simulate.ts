/**
 * The fleet forecast: N chips' state machines (domain/chip-machine) on one discrete-event queue, no
 * Temporal and no database. Each chip steps exactly as the chip workflow's loop does (end if final,
 * promote, early warning, conversation step, stall check, daily health log, sleep until the next
 * useful moment); a conversation is planned as planConversation plans it (pairs topped up, candidates
 * under the daily limit, a dialogue that fits, partners awake for the whole conversation, at most two
 * reservations validated by the partner's own machine) and held as the conversation workflow holds
 * it. Temporal actions are counted as bench/lifecycle.ts counts them from real histories.
 * Pure: time and randomness are the simulation's own (seeded), so a seed always gives the same result.
 */
import { ChipMachine, type ChipEffect, type ConversationOutcome, type ConversationStep } from '../domain/chip-machine';
import { upgradeState } from '../domain/chip-state';
import { type ProgramClock, REAL_DAY_MS, programClock, programDayNumber } from '../domain/clock';
import { DIALOGUE_MIN_TURNS } from '../domain/dialogue-shape';
import { expectedConversationMs } from '../domain/pacing';
import { heldForLatecomers, rankPartners } from '../domain/partners';
import { samePartition } from '../domain/quarantine';
import { type Phase, dailyCap } from '../domain/phases';
import { type Random, seededRandom } from '../domain/random';
import { isInsideWindow, sendsPerSide, windowAhead } from '../domain/window';
import { HISTORY_EVENTS, SUGGEST_CONTINUE_AS_NEW_EVENTS, emptyActions } from './actions';
import { type HeldConversation, LIBRARY_TURN_COUNTS, drawDialogueTurns, holdConversation } from './conversation-model';
import { EventQueue } from './event-queue';
import { type InjectedSign, StandingLog, signFacts } from './standing-log';

export type { InjectedSign } from './standing-log';
import { DEFAULT_START_MS, type ChipOutcome, type ForecastOptions, type SimulationResult } from './forecast-types';
export { DEFAULT_START_MS, type ChipOutcome, type ForecastOptions, type SimulationResult } from './forecast-types';
import { type PairedChip, PairTable } from './pairing';

/** How many partners one plan may ask before giving up until the next slot (as planConversation). */
const MAX_RESERVE_ATTEMPTS = 2;

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
  // Partners that refused for their cap, by program day: the worker's memory in planConversation.
  const cappedOnDay = new Map<string, string>();
  let conversationSeq = 0;
  let conversations = 0;
  let messages = 0;

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
    const m = chip.machine;
    const day = m.day;
    if (step.topUpPairs) pairs.ensurePairs(chip.index, random);
    let candidates = pairs.candidates(chip.index, day);
    if (candidates.length === 0 && !step.topUpPairs) {
      pairs.ensurePairs(chip.index, random);
      candidates = pairs.candidates(chip.index, day);
    }
    if (candidates.length === 0) return { kind: 'missed', reason: 'no_partners' };
    // As planCandidates reads them: the sends each claimed today, and whether it is in a conversation.
    const all = candidates;
    // As planConversation: only partners of the chip's own kind (quarantined or healthy), as the database knows them.
    const kind = samePartition(all, step.quarantined);
    if (kind.length === 0) return { kind: 'missed', reason: step.quarantined ? 'quarantined' : 'partners_unavailable' };
    // Each partner's effective cap (the adaptive ramp), as the database's capToday.
    const sendable = (c: (typeof all)[number]) => {
      const p = chips[c.index]!.machine;
      return Math.max(0, p.capOn(day) - p.sentOn(day));
    };
    const talking = (c: (typeof all)[number]) => chips[c.index]!.machine.busyAt(nowMs);
    // As planConversation: less what each keeps back for a partner of the chip's kind that has not conversed today.
    const held = heldForLatecomers(
      kind.map((c) => ({
        ...c,
        room: sendable(c),
        inConversation: talking(c),
        windowAhead: windowAhead(chips[c.index]!.machine.window, clock, nowMs),
      })),
    );
    const room = (c: (typeof all)[number]) => sendable(c) - (held.get(c.chipId) ?? 0);
    candidates = kind.filter((c) => !talking(c) && room(c) >= sendsPerSide(DIALOGUE_MIN_TURNS).b);
    if (candidates.length === 0) {
      const capped = kind.filter((c) => room(c) < sendsPerSide(DIALOGUE_MIN_TURNS).b).length;
      return { kind: 'missed', reason: capped === kind.length ? 'partners_capped' : 'partners_unavailable' };
    }
    const maxTurns = Math.min(step.maxTurns, 2 * Math.max(...candidates.map(room)) + 1);
    const turns = drawDialogueTurns(random, maxTurns, turnsAvailable);
    if (turns === null) return { kind: 'missed', reason: 'no_dialogue' };
    const sends = sendsPerSide(turns).b;
    const endsAtMs = nowMs + expectedConversationMs(turns, step.paceScale);
    const uncapped = candidates.filter((c) => cappedOnDay.get(c.chipId) !== day);
    if (uncapped.length === 0) return { kind: 'missed', reason: 'partners_capped' };
    const awake = uncapped.filter((c) => {
      const window = chips[c.index]!.machine.window;
      return dailyCap(c.phase) > 0 && isInsideWindow(window, clock, nowMs) && isInsideWindow(window, clock, endsAtMs);
    });
    if (awake.length === 0) return { kind: 'missed', reason: 'partners_unavailable' };
    let cappedRefusals = 0;
    const withRoom = awake.map((c) => ({ ...c, room: room(c) }));
    const asked = rankPartners(withRoom, m.phase, random, undefined, m.health).slice(0, MAX_RESERVE_ATTEMPTS);
    for (const candidate of asked) {
      const partner = chips[candidate.index]!;
      if (room(candidate) < sends) {
        cappedRefusals++; // known without asking
        continue;
      }
      actions.updates++;
      const refusal = partner.machine.reservationRefusal({ conversationId, sends, quarantined: step.quarantined }, nowMs);
      if (refusal) {
        reservations.rejected++;
        const reason = refusal.replace(/^partner refused: /, '').replace(/ \(.*$/, '');
        reservations.reasons[reason] = (reservations.reasons[reason] ?? 0) + 1;
        const remaining = /cap_reached \(remaining (\d+)\)/.exec(refusal);
        if (remaining && Number(remaining[1]) < sendsPerSide(DIALOGUE_MIN_TURNS).b) cappedOnDay.set(candidate.chipId, day);
        if (remaining) cappedRefusals++;
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
    return { kind: 'missed', reason: cappedRefusals === asked.length ? 'partners_capped' : 'partners_unavailable' };
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
