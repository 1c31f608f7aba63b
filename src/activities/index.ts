/**
 * The activities: thin functions over the ports, built once per worker by createActivities(deps).
 */
import { phoneToJid } from '../domain/phone';
import { programClock, programDay } from '../domain/clock';
import { TurnOutcomeUnknown } from '../domain/errors';
import { createMediaLibrary } from '../adapters/media/media-library';
import { isProviderUnavailable } from '../adapters/messaging/provider-unavailable';
import { PAIRING } from '../domain/partners';
import { metrics, pauseCause } from '../observability/metrics';
import type { ActivityDeps } from './deps';
import { createEventPublisher } from './events';
import { mapFailures } from './failures';
import { createFleetGuard } from './fleet-guard';
import { summaryStandings } from './standings';
import {
  DB_RESERVE_MS,
  DEFAULT_TURN_TIMEOUT_MS,
  PRESENCE_OVERHEAD_MS,
  READ_RECEIPT_BUDGET_MS,
  SEND_MIN_MS,
  SEND_RESERVE_MS,
  type TurnLimits,
  turnLimits,
} from './turn-limits';
import { presenceFor, sendTurnContent, turnKind } from './turn-content';
import { claimTurn, confirmSentTurn } from './turn-trips';
import { openingSender } from './opening-turn';
import { createPlanConversation } from './plan-conversation';
import { profileStepsFor } from './profile-steps';
import { createPostStatus, statusPostsOf, statusPostsToday } from './status-post';
import { createPlanGroupConversation, groupsOf } from './group-plan';
import { createGroupTurns } from './group-turn';
import type { DeliverTurnInput, DeliveredTurn, FinishConversationInput, WarmupActivities } from './types';
import type { TurnConfirmation } from '../adapters/db/port';

const iso = (ms: number) => new Date(ms).toISOString();

/** Awaits a cosmetic provider call; a timeout or outage (not a refusal) is let go. */
async function bestEffort(call: Promise<void>): Promise<void> {
  try {
    await call;
  } catch (err) {
    if (!isProviderUnavailable(err) || err.reason === 'cancelled') throw err;
  }
}

export function createActivities(deps: ActivityDeps): WarmupActivities {
  const { db, messaging, notifier } = deps;
  const sleep = deps.sleep ?? ((ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms)));
  const guard = createFleetGuard(db);
  const media = deps.media ?? createMediaLibrary();
  const events = createEventPublisher(db, deps.events, deps.log);
  // One call: the last turn's confirmation (if still unwritten), the closing, and the pair's interaction
  // (keyed by the conversation: counted once, whether at its start, createConversation, or here).
  const finish = async (input: FinishConversationInput) => {
    await db.completeAndFinish({
      confirm: input.confirm,
      conversationId: input.conversationId,
      turnsDelivered: input.turnsDelivered,
      outcome: input.outcome,
      at: iso(Date.now()),
      chipA: input.a.chipId,
      chipB: input.b.chipId,
      day: input.day,
    });
    metrics.conversations.inc({ outcome: input.outcome });
  };

  const deliverTurnWithin = (input: DeliverTurnInput, limits: TurnLimits) =>
    mapFailures(async (): Promise<DeliveredTurn> => {
      await guard.assertSameFleet(input.sender, input.receiver);
      // Read receipt, thinking and typing are safe to repeat; only the send itself must be at most once.
      // A slow provider costs the read receipt or the typing, never the send's time: those two are
      // skipped when they cannot answer within their share (a refusal such as a disconnection still ends the turn).
      if (input.replyTo) {
        const key = { remoteJid: phoneToJid(input.receiver.phone), fromMe: false, id: input.replyTo.id };
        await bestEffort(messaging.markRead(input.sender.instanceName, [key], limits.call(READ_RECEIPT_BUDGET_MS, SEND_RESERVE_MS)));
      }
      if (input.thinkMs > 0) {
        const thinkMs = Math.min(input.thinkMs, Math.max(0, limits.remainingMs() - SEND_RESERVE_MS));
        await limits.hold(sleep(thinkMs), thinkMs);
      }
      const kind = turnKind(input, media);
      const presence = presenceFor(kind);
      if (input.typingMs > 0 && presence) {
        const typing = limits.call(input.typingMs + PRESENCE_OVERHEAD_MS, SEND_RESERVE_MS);
        await limits.hold(
          bestEffort(messaging.sendPresence(input.sender.instanceName, input.receiver.phone, presence, input.typingMs, typing)),
          input.typingMs,
        );
      }
      // Claimed only while the send still fits: a claimed turn cut off by the timeout ends the
      // conversation, an unclaimed one is simply retried.
      if (limits.remainingMs() < SEND_MIN_MS) {
        throw new Error(
          `Turn ${input.key}: ${Math.max(0, limits.remainingMs())} ms left before the activity's deadline, too few for the send; retrying the turn.`,
        );
      }
      const claim = await claimTurn(db, input, iso(Date.now()));
      const finishIfLast = async (confirm?: TurnConfirmation) => {
        if (!input.finish) return;
        await finish({
          conversationId: input.conversationId,
          a: input.finish.a,
          b: input.finish.b,
          turnsDelivered: input.turn + 1,
          outcome: 'completed',
          day: input.finish.day,
          confirm,
        });
      };
      // The kind is recorded after the completion; a retry that finds the turn sent records it again.
      const recordKind = (sent: string) => (sent === 'text' ? Promise.resolve() : db.recordTurnKind({ key: input.key, kind: sent }));
      if (claim === 'sent') {
        await recordKind(kind);
        await finishIfLast();
        return { alreadySent: true };
      }
      if (claim === 'in_flight') {
        throw new TurnOutcomeUnknown(
          `Turn ${input.key} was claimed by an attempt that never confirmed its send; ending the conversation rather than risking a duplicate.`,
        );
      }
      let content: Awaited<ReturnType<typeof sendTurnContent>>;
      try {
        content = await sendTurnContent(messaging, media, input, limits.call(undefined, DB_RESERVE_MS));
      } catch (err) {
        metrics.deliveryFailures.inc({ source: 'send' });
        throw err;
      }
      const { sent } = content;
      // Whatever the kind, the confirmation carries it: it rides on the next claim or the closing write.
      const confirmation: TurnConfirmation = {
        key: input.key,
        providerMessageId: sent.key.id,
        textLength: content.textLength,
        at: iso(Date.now()),
        ...(content.kind !== 'text' ? { kind: content.kind } : {}),
      };
      const confirm = await confirmSentTurn(db, input, confirmation, finishIfLast);
      metrics.sends.inc();
      return { key: sent.key, alreadySent: false, ...(confirm ? { confirm } : {}) };
    });

  const deliverTurn: WarmupActivities['deliverTurn'] = (input) => deliverTurnWithin(input, turnLimits(deps.turnTimeoutMs));
  // Inside the plan, the opening turn gets a turn's own budget, within what is left of the plan's.
  const deliverOpening = (input: DeliverTurnInput, planStartedAtMs: number) => {
    const turnBudgetMs = Date.now() - planStartedAtMs + (deps.turnTimeoutMs ?? DEFAULT_TURN_TIMEOUT_MS);
    return deliverTurnWithin(input, turnLimits(deps.turnTimeoutMs, planStartedAtMs, turnBudgetMs));
  };
  const openings = openingSender(deliverOpening);
  const planConversation = createPlanConversation(deps, media, openings);
  const runProfileSteps = profileStepsFor(deps);
  const postStatus = createPostStatus({ db, poster: deps.statusPosts ?? statusPostsOf(messaging), log: deps.log });
  // Closed groups of the fleet: the messaging adapter's group routes (absent: no group conversations).
  const groupTurns = createGroupTurns({ db, messaging, sleep, turnTimeoutMs: deps.turnTimeoutMs });
  const planGroupConversation = createPlanGroupConversation(deps, deps.groups ?? groupsOf(messaging), groupTurns.deliverGroupTurn);

  return {
    persistPhaseChange: (input) =>
      mapFailures(async () => {
        await db.promoteChip({
          chipId: input.chipId,
          from: input.from,
          to: input.to,
          health: input.health,
          replyRate: input.replyRate,
          at: iso(input.atMs),
        });
        metrics.promotions.inc({ to: input.to });
        await events.promoted(input);
      }),
    persistStatus: (input) =>
      mapFailures(async () => {
        await db.setChipStatus({ chipId: input.chipId, status: input.status, reason: input.reason ?? null });
        metrics.statusChanges.inc({ status: input.status });
        // The workflow persists a status only when it changes, so each paused here is one pause.
        if (input.status === 'paused') metrics.pauses.inc({ cause: pauseCause(input.reason, input.pausedBy) });
        await events.status(input);
      }),
    persistStanding: (input) =>
      mapFailures(async () => {
        const entered = await db.recordStanding({
          chipId: input.chipId,
          rampLevel: input.rampLevel,
          rampDay: input.rampDay,
          rampReason: input.rampReason,
          quarantined: input.quarantined,
          quarantineReason: input.quarantineReason,
          at: iso(input.atMs),
        });
        if (entered || input.entered) await events.quarantined(input);
      }),
    persistHealth: (input) =>
      mapFailures(() => db.recordHealth({ chipId: input.chipId, score: input.score, factors: input.factors, at: iso(input.atMs) })),
    resolveAlert: (input) =>
      mapFailures(async () => {
        await db.resolveAlerts({ chipId: input.chipId, kind: input.kind });
      }),
    openAlert: (input) =>
      mapFailures(async () => {
        const alert = await db.openAlert({
          chipId: input.chipId,
          severity: input.severity,
          kind: input.kind,
          message: input.message,
          key: input.key,
        });
        await events.alertOpened(alert);
      }),
    notify: (notification) => notifier.notify(notification),

    planConversation: (input) => mapFailures(() => planConversation(input)),

    deliverTurn,

    finishConversation: (input) => mapFailures(() => finish(input)),

    postStatus: (input) => mapFailures(() => postStatus(input)),
    planGroupConversation: (input) => mapFailures(() => planGroupConversation(input)),
    deliverGroupTurn: (input) => mapFailures(() => groupTurns.deliverGroupTurn(input)),
    finishGroupConversation: (input) => mapFailures(() => groupTurns.finishGroupConversation(input)),

    sendDailySummary: () =>
      mapFailures(async () => {
        const open = await db.listAlerts({ open: true });
        // A stalled chip is one with an open chip_stalled alert: the chip's workflow opens and resolves it.
        const summary = { ...(await db.dailySummary()), stalled: open.filter((a) => a.kind === 'chip_stalled').length };
        const standings = await summaryStandings(db, deps.clock, Date.now());
        const groups = await db.groupSummary({ day: programDay(programClock(deps.clock.dayMs, deps.clock.epochMs), Date.now()) });
        await notifier.notify({
          kind: 'daily_summary',
          ...summary,
          standings,
          statusPosts: await statusPostsToday(db, deps.clock, Date.now()),
          groups: groups.groups,
          groupMessages: groups.groupMessages,
        });
        // Once a day, events whose delivery never started (Temporal was down) or ran out of retries.
        await events.sweep().catch((err: unknown) => deps.log?.warn('event sweep failed', { error: err }));
        return { ...summary, groups: groups.groups, groupMessages: groups.groupMessages };
      }),
    rotatePairs: (input) =>
      mapFailures(() =>
        db.rotatePairs({ olderThanDays: PAIRING.rotationDays, maxPartners: PAIRING.maxPartners, at: iso(Date.now()), seed: input.seed }),
      ),
    runProfileSteps: (input) => mapFailures(() => runProfileSteps(input)),
    checkConnection: (input) => mapFailures(() => messaging.connectionState(input.instance)),
  };
}
