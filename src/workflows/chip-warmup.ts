/**
 * One long-lived workflow per chip. The chip's state and rules live in its state machine
 * (domain/chip-machine), which this loop drives without touching its state: each iteration runs the
 * cycle's steps (end if final or wait while paused, promote, check early warning, converse, check for
 * a stall, log daily health) and sleeps until the next useful moment. Nothing outside the chip's own
 * decisions ends it: failed children and activities are contained, database writes retry until the
 * database answers, and only a retirement, a confirmed ban or reaching operacao complete it.
 */
import {
  allHandlersFinished,
  condition,
  continueAsNew,
  patched,
  setCurrentDetails,
  setHandler,
  upsertSearchAttributes,
  workflowInfo,
} from '@temporalio/workflow';
import { ChipMachine, type ChipEffect } from '../domain/chip-machine';
import { currentDetails, currentReplyRate, upgradeState } from '../domain/chip-state';
import { programClock } from '../domain/clock';
import {
  type ChipWarmupInput,
  type ChipWarmupResult,
  SEARCH_ATTRIBUTES,
  conversationEndedSignal,
  pauseSignal,
  profileStepSignal,
  providerEventSignal,
  reservationRefused,
  reserveUpdate,
  resumeSignal,
  retireSignal,
  statusQuery,
} from './api';
import { records } from './chip-activities';
import { waitWhilePaused } from './chip-connection';
import { runConversation } from './chip-conversation';
import { postStatusIfDue } from './chip-status-posts';
import { groupSlotChosen, runGroupConversation } from './chip-group-conversation';
import { abortConversation, notify, performEffects } from './chip-effects';
import { runProfileChecklist } from './chip-profile';
import { PATCHES } from './patches';

/** What a step of the loop decided: the warm-up is over, the iteration starts again, or (undefined) it goes on. */
type StepOutcome = 'finished' | 'again' | undefined;

export async function ChipWarmupWorkflow(input: ChipWarmupInput): Promise<ChipWarmupResult> {
  const { chip, settings } = input;
  const clock = programClock(settings.dayMs, settings.epochMs);
  const machine = new ChipMachine(chip.chipId, clock, upgradeState(input.state, Date.parse(input.registeredAt), clock, Date.now()), {
    paceScale: settings.paceScale,
    // Decided where the timer is set: a chip that predates the rules replays its history unchanged.
    fewerWakes: () => patched(PATCHES.fewerWakes),
    // Asked only when a lost connection pauses the chip: other histories carry no marker.
    classifiedDisconnects: () => patched(PATCHES.classifiedDisconnects),
  });
  let wake = false;

  const perform = (effects: ChipEffect[]): Promise<void> => performEffects(chip, effects);
  // Handlers only change state and stop a running conversation; the loop performs everything else.
  const fromHandler = (effects: ChipEffect[]) => {
    for (const effect of effects) if (effect.kind === 'abort_conversation') abortConversation(effect.conversationId, effect.reason);
    wake = true;
  };
  setHandler(statusQuery, () => machine.view(Date.now()));
  setHandler(pauseSignal, (request) => fromHandler(machine.pause(request)));
  setHandler(resumeSignal, (request) => fromHandler(machine.resume(request, Date.now())));
  setHandler(retireSignal, (request) => fromHandler(machine.retire(request)));
  setHandler(providerEventSignal, (event) => fromHandler(machine.providerEvent(event, Date.now())));
  setHandler(profileStepSignal, (request) => fromHandler(machine.profileRequest(request, Date.now())));
  // Neither a report nor a reservation needs the loop at once: its next wake reads them (a timer fewer),
  // unless the chip's readiness waits for the conversation to end.
  setHandler(conversationEndedSignal, (report) => {
    machine.conversationEnded(report, Date.now());
    if (machine.readinessHeld) wake = true;
  });
  setHandler(reserveUpdate, (request) => (machine.reserve(request, Date.now()), { accepted: true as const }), {
    validator: (request) => {
      const refusal = machine.reservationRefusal(request, Date.now());
      if (refusal) throw reservationRefused(refusal);
    },
  });

  let shownAttributes: string | null = null;
  const showState = () => {
    const view = machine.view(Date.now());
    setCurrentDetails(currentDetails(view));
    if (!settings.searchAttributes) return;
    // The health the search attribute shows: the last daily log (patch health-on-plan), so a chip's
    // health moving after each conversation does not cost an upsert each time.
    const health = patched(PATCHES.healthOnPlan) ? machine.loggedHealth : view.health;
    const attributes = `${view.phase}|${view.status}|${health}`;
    if (attributes === shownAttributes && patched(PATCHES.upsertSearchAttributesOnChange)) return;
    shownAttributes = attributes;
    upsertSearchAttributes({
      [SEARCH_ATTRIBUTES.phase]: [view.phase],
      [SEARCH_ATTRIBUTES.status]: [view.status],
      [SEARCH_ATTRIBUTES.health]: [health],
    });
  };
  // Until the database has the chip's current status: a handler that changed it while a write ran (a
  // resume while the pause was written) gets its own write at once, before the chip converses again
  // (patch status-as-written). Asked only when that happened, so other histories carry no marker;
  // without it the status as it was when the write returned counted as written.
  const syncStatus = async () => {
    for (let change = machine.statusToPersist(); change; change = machine.statusToPersist()) {
      await records.persistStatus.executeWithOptions({ summary: `status ${change.status}` }, [{ chipId: chip.chipId, ...change }]);
      const movedOn = machine.status !== change.status;
      machine.recordPersistedStatus(movedOn && !patched(PATCHES.statusAsWritten) ? machine.status : change.status);
    }
  };
  // The adaptive ramp and quarantine: signs heard by handlers move the ramp here, and the database
  // learns of a change before the chip converses (its last-line cap check reads it).
  const settleStanding = async () => {
    if (machine.signsPending) {
      if (patched(PATCHES.adaptiveRamp)) machine.applySigns();
      else machine.dropSigns();
    }
    const due = machine.standingDue(Date.now());
    if (!due || !patched(PATCHES.adaptiveRamp)) return;
    const { standing } = due;
    await records.persistStanding.executeWithOptions(
      { summary: `standing: cap ${standing.capToday}/${standing.phaseCap}${standing.quarantined ? ', quarantined' : ''}` },
      [{ chipId: chip.chipId, ...standing, entered: due.entered, day: machine.day, atMs: Date.now() }],
    );
    machine.standingRecorded(due);
  };
  const result = (): ChipWarmupResult => {
    const s = machine.snapshot();
    return {
      chipId: chip.chipId,
      status: s.status,
      phase: s.phase,
      health: s.health,
      replyRate: currentReplyRate(s),
      reason: s.statusReason,
      promotions: s.promotions,
    };
  };
  // Continue-as-new well before the server's history limit, carrying every piece of state.
  const historyTooLong = () => workflowInfo().continueAsNewSuggested || workflowInfo().historyLength > settings.maxHistoryEvents;
  const carryOn = async (): Promise<never> => {
    await condition(allHandlersFinished);
    return continueAsNew<typeof ChipWarmupWorkflow>({ ...input, state: machine.startRun() });
  };

  // ---- the cycle's steps ----------------------------------------------------------------------

  /** A ban or a retirement ends the warm-up; a disconnected or paused chip waits (no timer: a signal wakes it). */
  const endIfFinalOrWait = async (): Promise<StepOutcome> => {
    const ending = machine.endIfFinal();
    if (ending) {
      await syncStatus();
      await perform(ending.effects);
      return 'finished';
    }
    const disconnected = machine.pauseIfDisconnected();
    if (disconnected) {
      await syncStatus();
      await perform(disconnected);
      return 'again';
    }
    await syncStatus();
    await settleStanding();
    if (!machine.paused) return undefined;
    if (historyTooLong()) return await carryOn();
    await waitWhilePaused(
      machine,
      chip,
      settings.connectionAlertAfterMs,
      () => !machine.paused || machine.banned || historyTooLong(),
      perform,
    );
    return 'again';
  };

  const promoteIfDue = async (nowMs: number): Promise<StepOutcome> => {
    const promotion = machine.promotionDue(nowMs);
    if (!promotion) return undefined;
    // Checked before patched() is called, so a history that never held its readiness has no marker.
    if (machine.readinessMustWait(promotion, nowMs) && patched(PATCHES.readyAfterConversation)) {
      machine.holdReadiness();
      return undefined;
    }
    const { from, to, health, replyRate } = promotion;
    await records.persistPhaseChange.executeWithOptions({ summary: `promotion ${from} -> ${to}` }, [
      { chipId: chip.chipId, from, to, health, replyRate, atMs: nowMs },
    ]);
    const finished = machine.promoted(promotion, nowMs);
    await notify({ kind: 'promotion', phone: chip.phone, from, to, health, replyRate });
    if (finished) await notify({ kind: 'ready', phone: chip.phone, health });
    return finished ? 'finished' : 'again';
  };

  const checkEarlyWarning = async (): Promise<StepOutcome> => {
    const warning = machine.checkEarlyWarning();
    await perform(warning.effects);
    if (warning.paused) return 'again';
    await settleStanding();
    return undefined;
  };

  const converseIfSlot = async (nowMs: number): Promise<void> => {
    // Receive-first: no plan until it ends, partners open the conversations (asked only while it holds).
    const receiving = machine.receiveFirstUntil(nowMs);
    if (receiving !== null && patched(PATCHES.receiveFirst)) machine.waitToReceive(receiving);
    const step = machine.conversationStep(nowMs);
    if (!step) return;
    // The day's health log rides on its first plan (one activity fewer a day).
    const ride = step.kind === 'converse' && patched(PATCHES.healthOnPlan) ? machine.healthLogDue(nowMs) : null;
    const healthLog = ride ? { score: ride.score, factors: ride.factors, atMs: nowMs } : undefined;
    // Closed groups of the fleet (patch fleet-groups): some slots are held in the chip's group, never the
    // one the daily health log rides on; the patch is asked only where a group conversation starts.
    const inGroup =
      step.kind === 'converse' && !healthLog && groupSlotChosen(machine, chip.chipId, step, nowMs) && patched(PATCHES.fleetGroups);
    const group = inGroup && step.kind === 'converse' ? await runGroupConversation(machine, chip, step, nowMs) : null;
    const outcome =
      group ?? (step.kind === 'converse' ? await runConversation(machine, chip, step, nowMs, healthLog) : { kind: 'skipped' as const });
    // Recorded unless the plan itself failed (then the daily log step records it).
    if (healthLog && !(outcome.kind === 'missed' && outcome.reason === 'planner_error')) machine.healthLogged(healthLog.score);
    machine.conversationOver(outcome, Date.now(), Math.random);
  };

  const logDailyHealth = async (): Promise<void> => {
    const health = machine.healthLogDue(Date.now());
    if (!health) return;
    await records.persistHealth.executeWithOptions({ summary: `daily health ${health.score}` }, [
      { chipId: chip.chipId, score: health.score, factors: health.factors, atMs: Date.now() },
    ]);
    machine.healthLogged(health.score);
  };

  for (;;) {
    // Cleared at the top: a signal that lands while this iteration runs still wakes the next sleep.
    wake = false;
    const now = Date.now();
    machine.beginIteration(now);
    showState();

    // Each step runs only when the one before lets the chip go on.
    const outcome = (await endIfFinalOrWait()) ?? (await promoteIfDue(now)) ?? (await checkEarlyWarning());
    if (outcome === 'finished') {
      showState();
      return result();
    }
    if (outcome === 'again') continue;
    // A checklist just completed may let the chip leave setup at once: the loop goes round again.
    if (await runProfileChecklist(machine, chip, now)) continue;
    await postStatusIfDue(machine, chip, now);
    await converseIfSlot(now);
    await perform(machine.checkStall(Date.now()));
    await logDailyHealth();

    if (historyTooLong()) return await carryOn();
    setCurrentDetails(currentDetails(machine.view(Date.now())));
    const afterAll = Date.now();
    await condition(() => wake, Math.ceil(machine.nextWakeAt(afterAll) - afterAll), {
      summary: 'next useful moment (slot, day boundary or lease)',
    });
  }
}
