/**
 * One long-lived workflow per chip. The rules live in the chip's state machine (domain/chip-machine);
 * this loop only performs what it decides, as named steps: end if final, promote, check early warning,
 * converse, log daily health, sleep until the next useful moment. Nothing outside the chip's own
 * decisions ends it: failed children and activities are contained, database writes retry until the
 * database answers, and only a retirement, a confirmed ban or reaching operacao complete it.
 */
import {
  allHandlersFinished,
  condition,
  continueAsNew,
  getExternalWorkflowHandle,
  log,
  patched,
  setCurrentDetails,
  setHandler,
  upsertSearchAttributes,
  workflowInfo,
} from '@temporalio/workflow';
import { ChipMachine, type ChipEffect, type Promotion } from '../domain/chip-machine';
import { currentDetails, currentReplyRate, upgradeState } from '../domain/chip-state';
import { programClock } from '../domain/clock';
import { maskPhone } from '../domain/phone';
import {
  type ChipWarmupInput,
  type ChipWarmupResult,
  SEARCH_ATTRIBUTES,
  abortConversationSignal,
  conversationEndedSignal,
  conversationWorkflowId,
  pauseSignal,
  providerEventSignal,
  reservationRefused,
  reserveUpdate,
  resumeSignal,
  retireSignal,
  statusQuery,
} from './api';
import { outward, records } from './chip-activities';
import { runConversation } from './chip-conversation';
import { PATCHES } from './patches';

export async function ChipWarmupWorkflow(input: ChipWarmupInput): Promise<ChipWarmupResult> {
  const { chip, settings } = input;
  const clock = programClock(settings.dayMs, settings.epochMs);
  const machine = new ChipMachine(chip.chipId, clock, upgradeState(input.state, Date.parse(input.registeredAt), clock, Date.now()), {
    paceScale: settings.paceScale,
    // Decided where the timer is set: a chip that predates the rules replays its history unchanged.
    fewerWakes: () => patched(PATCHES.fewerWakes),
  });
  const s = machine.state;
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
  // The health the search attribute shows: the last daily log (patch health-on-plan), so a chip's
  // health moving after each conversation does not cost an upsert each time.
  let loggedHealth = s.health;
  const attributeHealth = () => (patched(PATCHES.healthOnPlan) ? loggedHealth : s.health);
  const showState = () => {
    setCurrentDetails(currentDetails(machine.view(Date.now())));
    if (!settings.searchAttributes) return;
    const health = attributeHealth();
    const attributes = `${s.phase}|${s.status}|${health}`;
    if (attributes === shownAttributes && patched(PATCHES.upsertSearchAttributesOnChange)) return;
    shownAttributes = attributes;
    upsertSearchAttributes({
      [SEARCH_ATTRIBUTES.phase]: [s.phase],
      [SEARCH_ATTRIBUTES.status]: [s.status],
      [SEARCH_ATTRIBUTES.health]: [health],
    });
  };
  const syncStatus = async () => {
    if (s.status === s.persistedStatus) return;
    await records.persistStatus.executeWithOptions({ summary: `status ${s.status}` }, [
      { chipId: chip.chipId, status: s.status, reason: s.statusReason, pausedBy: s.pausedBy },
    ]);
    s.persistedStatus = s.status;
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
      [{ chipId: chip.chipId, ...standing, entered: due.entered, day: s.day, atMs: Date.now() }],
    );
    machine.standingRecorded(due);
  };
  const logged = (score: number) => {
    machine.healthLogged();
    loggedHealth = score;
  };
  const result = (): ChipWarmupResult => ({
    chipId: chip.chipId,
    status: s.status,
    phase: s.phase,
    health: s.health,
    replyRate: currentReplyRate(s),
    reason: s.statusReason,
    promotions: s.promotions,
  });
  const promote = async (promotion: Promotion, nowMs: number): Promise<boolean> => {
    const { from, to, health, replyRate } = promotion;
    await records.persistPhaseChange.executeWithOptions({ summary: `promotion ${from} -> ${to}` }, [
      { chipId: chip.chipId, from, to, health, replyRate, atMs: nowMs },
    ]);
    const finished = machine.promoted(promotion, nowMs);
    await notify({ kind: 'promotion', phone: chip.phone, from, to, health, replyRate });
    if (finished) await notify({ kind: 'ready', phone: chip.phone, health });
    return finished;
  };
  // Continue-as-new well before the server's history limit, carrying every piece of state.
  const historyTooLong = () => workflowInfo().continueAsNewSuggested || workflowInfo().historyLength > settings.maxHistoryEvents;
  const carryOn = async (): Promise<never> => {
    await condition(allHandlersFinished);
    s.runs++;
    return continueAsNew<typeof ChipWarmupWorkflow>({ ...input, state: s });
  };

  for (;;) {
    // Cleared at the top: a signal that lands while this iteration runs still wakes the next sleep.
    wake = false;
    const now = Date.now();
    machine.beginIteration(now);
    showState();

    const ending = machine.endIfFinal();
    if (ending) {
      await syncStatus();
      await perform(ending.effects);
      showState();
      return result();
    }
    const disconnected = machine.pauseIfDisconnected();
    if (disconnected) {
      await syncStatus();
      await perform(disconnected);
      continue;
    }
    await syncStatus();
    await settleStanding();
    if (machine.paused) {
      if (historyTooLong()) return await carryOn();
      // No timer while paused: only a signal wakes the chip.
      await condition(() => !machine.paused || s.banned || historyTooLong());
      continue;
    }

    const promotion = machine.promotionDue(now);
    // Checked before patched() is called, so a history that never held its readiness has no marker.
    if (promotion && machine.readinessMustWait(promotion, now) && patched(PATCHES.readyAfterConversation)) {
      machine.holdReadiness();
    } else if (promotion) {
      if (await promote(promotion, now)) {
        showState();
        return result();
      }
      continue;
    }

    const warning = machine.checkEarlyWarning();
    await perform(warning.effects);
    if (warning.paused) continue;
    await settleStanding();

    const step = machine.conversationStep(now);
    if (step) {
      // The day's health log rides on its first plan (one activity fewer a day).
      const ride = step.kind === 'converse' && patched(PATCHES.healthOnPlan) ? machine.healthLogDue(now) : null;
      const healthLog = ride ? { score: ride.score, factors: ride.factors, atMs: now } : undefined;
      const outcome = step.kind === 'converse' ? await runConversation(machine, chip, step, now, healthLog) : { kind: 'skipped' as const };
      // Recorded unless the plan itself failed (then the log below records it).
      if (healthLog && !(outcome.kind === 'missed' && outcome.reason === 'planner_error')) logged(healthLog.score);
      machine.conversationOver(outcome, Date.now(), Math.random);
    }
    await perform(machine.checkStall(Date.now()));

    const health = machine.healthLogDue(Date.now());
    if (health) {
      await records.persistHealth.executeWithOptions({ summary: `daily health ${health.score}` }, [
        { chipId: chip.chipId, score: health.score, factors: health.factors, atMs: Date.now() },
      ]);
      logged(health.score);
    }

    if (historyTooLong()) return await carryOn();
    setCurrentDetails(currentDetails(machine.view(Date.now())));
    const afterAll = Date.now();
    await condition(() => wake, Math.ceil(machine.nextWakeAt(afterAll) - afterAll), {
      summary: 'next useful moment (slot, day boundary or lease)',
    });
  }
}

function abortConversation(conversationId: string, reason: string): void {
  getExternalWorkflowHandle(conversationWorkflowId(conversationId))
    .signal(abortConversationSignal, { reason })
    .catch(() => undefined); // not started yet, or already over: nothing to stop
}

/** A notification that cannot be sent is logged; the program goes on. */
async function notify(notification: Parameters<typeof outward.notify>[0]): Promise<void> {
  try {
    await outward.notify.executeWithOptions({ summary: `notify ${notification.kind}` }, [notification]);
  } catch (err) {
    log.warn('notification failed; the program goes on', { kind: notification.kind, error: String(err) });
  }
}

async function performEffects(chip: ChipWarmupInput['chip'], effects: ChipEffect[]): Promise<void> {
  for (const effect of effects) {
    switch (effect.kind) {
      case 'alert':
        await records.openAlert.executeWithOptions({ summary: `alert ${effect.alertKind}` }, [
          { chipId: chip.chipId, severity: effect.severity, kind: effect.alertKind, message: effect.message, key: effect.key },
        ]);
        await notify({ kind: 'alert', severity: effect.severity, title: effect.alertKind, message: effect.message, phone: chip.phone });
        break;
      case 'resolve_alert':
        await records.resolveAlert.executeWithOptions({ summary: `resolve ${effect.alertKind}` }, [
          { chipId: chip.chipId, kind: effect.alertKind },
        ]);
        break;
      case 'abort_conversation':
        abortConversation(effect.conversationId, effect.reason);
        break;
    }
  }
  if (effects.length > 0)
    log.info('chip effects performed', { chipId: chip.chipId, phone: maskPhone(chip.phone), effects: effects.map((e) => e.kind) });
}
