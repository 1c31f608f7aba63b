/**
 * One long-lived workflow per chip: the seed's cycle (may it send -> promotion -> early warning ->
 * conversation -> health), with durable timers between useful moments instead of a 5-minute poll.
 * All state lives here and is carried across continue-as-new.
 */
import {
  allHandlersFinished,
  condition,
  continueAsNew,
  executeChild,
  getExternalWorkflowHandle,
  log,
  proxyActivities,
  setHandler,
  upsertSearchAttributes,
  uuid4,
  workflowInfo,
} from '@temporalio/workflow';
import type { WarmupActivities } from '../activities/types';
import { chipWorkflowId, isFinalStatus } from '../domain/chip';
import { daysBetween, programClock, programDay, realDuration, REAL_DAY_MS } from '../domain/clock';
import { assessRisk } from '../domain/early-warning';
import { healthScore, replyRate } from '../domain/health';
import { PACING } from '../domain/pacing';
import { PAIRING } from '../domain/partners';
import { checkPhaseCriteria, dailyCap, PHASE_TABLE } from '../domain/phases';
import { activityWindow, maySendNow, nextConversationAt, planBackoffMs, remainingToday, sendsPerSide } from '../domain/window';
import {
  type ChipState,
  type ChipStatusView,
  type ChipWarmupInput,
  type ChipWarmupResult,
  type ConversationReport,
  SEARCH_ATTRIBUTES,
  abortConversationSignal,
  conversationEndedSignal,
  conversationWorkflowId,
  pauseSignal,
  providerEventSignal,
  reserveUpdate,
  resumeSignal,
  retireSignal,
  statusQuery,
} from './api';
import { conversationWorkflow } from './conversation';

const records = proxyActivities<WarmupActivities>({
  startToCloseTimeout: '30 seconds',
  // A database outage delays the chip; it never fails its workflow.
  retry: { initialInterval: '2 seconds', maximumInterval: '1 minute', backoffCoefficient: 2 },
});

const outward = proxyActivities<WarmupActivities>({
  startToCloseTimeout: '30 seconds',
  retry: { maximumAttempts: 3, initialInterval: '2 seconds' },
});

const planner = proxyActivities<WarmupActivities>({
  startToCloseTimeout: '1 minute',
  retry: { maximumAttempts: 3, initialInterval: '2 seconds' },
});

const MAX_TURNS = 12;
const MIN_TURNS = 4;

export function initialChipState(input: ChipWarmupInput, nowMs: number): ChipState {
  const registeredAtMs = Date.parse(input.registeredAt);
  const clock = programClock(input.settings.dayMs, input.settings.epochMs);
  return {
    phase: 'setup',
    phaseStartedAtMs: Number.isFinite(registeredAtMs) ? registeredAtMs : nowMs,
    registeredAtMs: Number.isFinite(registeredAtMs) ? registeredAtMs : nowMs,
    status: 'warming',
    pauseReason: null,
    pausedBy: null,
    persistedStatus: 'warming',
    day: programDay(clock, nowMs),
    sentToday: 0,
    receivedToday: 0,
    failuresToday: 0,
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
    conversationsToday: 0,
  };
}

export async function chipWarmupWorkflow(input: ChipWarmupInput): Promise<ChipWarmupResult> {
  const { chip, settings } = input;
  const clock = programClock(settings.dayMs, settings.epochMs);
  const window = activityWindow(chip.chipId);
  const s: ChipState = input.state ?? initialChipState(input, Date.now());
  const recentReports: string[] = [];
  let wake = false;

  const rollDay = (nowMs: number) => {
    const day = programDay(clock, nowMs);
    if (day !== s.day) {
      s.day = day;
      s.sentToday = 0;
      s.receivedToday = 0;
      s.failuresToday = 0;
      s.conversationsToday = 0;
    }
  };
  const daysInPhase = (nowMs: number) => daysBetween(clock, s.phaseStartedAtMs, nowMs);
  const currentReplyRate = () => replyRate(s.sentTotal, s.repliedTotal);
  const computeHealth = (nowMs: number) => {
    const maySend = dailyCap(s.phase) > 0;
    const lastActive = s.lastConversationAtMs ?? s.phaseStartedAtMs;
    return healthScore({
      ageDays: daysBetween(clock, s.registeredAtMs, nowMs),
      sentTotal: s.sentTotal,
      receivedTotal: s.receivedTotal,
      twoWayConversations: s.twoWayConversations,
      replyRate: currentReplyRate(),
      inactiveDays: maySend ? daysBetween(clock, lastActive, nowMs) : 0,
      providerErrors: s.failuresToday,
      warnings: s.warnedDay === s.day ? 1 : 0,
    });
  };
  const abortConversation = (reason: string) => {
    if (!s.busy) return;
    getExternalWorkflowHandle(conversationWorkflowId(s.busy.conversationId))
      .signal(abortConversationSignal, { reason })
      .catch(() => undefined); // not started yet, or already over: nothing to stop
  };
  const applyReport = (report: ConversationReport) => {
    if (recentReports.includes(report.conversationId)) return;
    recentReports.push(report.conversationId);
    if (recentReports.length > 20) recentReports.shift();
    const now = Date.now();
    rollDay(now);
    s.sentToday += report.sent;
    s.receivedToday += report.received;
    s.sentTotal += report.sent;
    s.receivedTotal += report.received;
    s.repliedTotal += report.replied;
    if (report.twoWay) s.twoWayConversations++;
    if (report.sent + report.received > 0) s.conversationsToday = (s.conversationsToday ?? 0) + 1;
    if (report.sent + report.received > 0) s.lastConversationAtMs = now;
    s.maxSentPerDay[s.phase] = Math.max(s.maxSentPerDay[s.phase] ?? 0, s.sentToday);
    if (s.busy?.conversationId === report.conversationId) s.busy = null;
    s.health = computeHealth(now).score;
  };
  const view = (): ChipStatusView => {
    const now = Date.now();
    const today = programDay(clock, now) === s.day;
    return {
      chipId: chip.chipId,
      phase: s.phase,
      dayInPhase: daysInPhase(now),
      health: s.health,
      replyRate: currentReplyRate(),
      sentToday: today ? s.sentToday : 0,
      cap: dailyCap(s.phase),
      status: s.status,
      pauseReason: s.pauseReason,
      pending: checkPhaseCriteria(s.phase, daysInPhase(now), s.health, currentReplyRate()).pending,
      busyWith: s.busy?.conversationId ?? null,
      sentTotal: s.sentTotal,
      receivedTotal: s.receivedTotal,
      maxSentPerDay: { ...s.maxSentPerDay },
      promotions: [...s.promotions],
      runs: s.runs,
    };
  };

  setHandler(statusQuery, view);
  setHandler(pauseSignal, ({ reason, by }) => {
    if (isFinalStatus(s.status)) return;
    s.status = 'paused';
    s.pauseReason = reason;
    s.pausedBy = by ?? 'operator';
    abortConversation(`paused: ${reason}`);
    wake = true;
  });
  setHandler(resumeSignal, (request) => {
    if (s.status !== 'paused') return;
    // Resuming the fleet only lifts the breaker's pauses, not an operator's own.
    if (request?.by === 'fleet_breaker' && s.pausedBy !== 'fleet_breaker') return;
    s.status = 'warming';
    s.pauseReason = null;
    s.pausedBy = null;
    s.disconnected = false;
    wake = true;
  });
  setHandler(retireSignal, () => {
    if (isFinalStatus(s.status)) return;
    s.status = 'retired';
    abortConversation('retired');
    wake = true;
  });
  setHandler(providerEventSignal, (event) => {
    switch (event.kind) {
      case 'inbound':
        rollDay(Date.now());
        s.receivedToday++;
        s.receivedTotal++;
        break;
      case 'delivery_failed':
        rollDay(Date.now());
        s.failuresToday++;
        break;
      case 'disconnected':
      case 'logged_out':
        s.disconnected = true;
        abortConversation(event.kind);
        break;
      case 'banned':
        s.banned = true;
        abortConversation('banned');
        break;
      case 'connected':
        s.disconnected = false;
        if (s.status === 'paused' && s.pausedBy === 'provider') {
          s.status = 'warming';
          s.pauseReason = null;
          s.pausedBy = null;
        }
        break;
    }
    wake = true;
  });
  // Neither a reservation nor a report needs the loop at once: its next wake reads them. Not waking
  // it saves a timer per conversation (timers are billed).
  setHandler(conversationEndedSignal, applyReport);
  setHandler(
    reserveUpdate,
    (request) => {
      if (s.busy?.conversationId === request.conversationId) return { accepted: true as const };
      const now = Date.now();
      rollDay(now);
      s.busy = { conversationId: request.conversationId, role: 'partner', reserved: request.sends, leaseUntilMs: now + request.leaseMs };
      return { accepted: true as const };
    },
    {
      validator: (request) => {
        if (s.busy?.conversationId === request.conversationId) return;
        const now = Date.now();
        const sentToday = programDay(clock, now) === s.day ? s.sentToday : 0;
        const decision = maySendNow({
          status: s.disconnected || s.banned ? 'paused' : s.status,
          phase: s.phase,
          busy: s.busy !== null,
          sentToday,
          reservedToday: 0,
          window,
          clock,
          nowMs: now,
          needed: request.sends,
        });
        if (!decision.ok) {
          // The remaining count lets initiators stop asking a partner that cannot take any conversation today.
          const left = decision.reason === 'cap_reached' ? ` (remaining ${remainingToday(s.phase, sentToday, 0)})` : '';
          throw new Error(`partner refused: ${decision.reason}${left}`);
        }
      },
    },
  );

  const upsertAttributes = () => {
    if (!settings.searchAttributes) return;
    upsertSearchAttributes({
      [SEARCH_ATTRIBUTES.phase]: [s.phase],
      [SEARCH_ATTRIBUTES.status]: [s.status],
      [SEARCH_ATTRIBUTES.health]: [s.health],
    });
  };
  const syncStatus = async () => {
    if (s.status === s.persistedStatus) return;
    await records.persistStatus({ chipId: chip.chipId, status: s.status, reason: s.pauseReason });
    s.persistedStatus = s.status;
    upsertAttributes();
  };
  const notify: WarmupActivities['notify'] = async (notification) => {
    try {
      await outward.notify(notification);
    } catch (err) {
      log.warn('notification failed; the program goes on', { chipId: chip.chipId, error: String(err) });
    }
  };
  const alert = async (severity: 'warning' | 'critical', kind: string, message: string) => {
    await records.openAlert({ chipId: chip.chipId, severity, kind, message, key: `${chip.chipId}:${kind}:${s.day}` });
    await notify({ kind: 'alert', severity, title: kind, message, phone: chip.phone });
  };
  const result = (): ChipWarmupResult => ({
    chipId: chip.chipId,
    status: s.status,
    phase: s.phase,
    health: s.health,
    replyRate: currentReplyRate(),
    promotions: s.promotions,
  });

  const runConversation = async (nowMs: number): Promise<'held' | 'no_partner' | 'skipped'> => {
    const remaining = remainingToday(s.phase, s.sentToday, 0);
    const maxTurns = Math.min(MAX_TURNS, 2 * remaining);
    if (maxTurns < MIN_TURNS) return 'skipped';
    const conversationId = uuid4();
    const conversationPace = settings.paceScale * (clock.dayMs / REAL_DAY_MS);
    // Long enough for the longest dialogue at the slowest pace, plus slack for retries.
    const leaseMs = Math.ceil(MAX_TURNS * (PACING.turnGapMs.max + 10_000) * conversationPace) + 10 * 60_000;
    s.busy = { conversationId, role: 'initiator', reserved: Math.ceil(maxTurns / 2), leaseUntilMs: nowMs + leaseMs };
    let plan: Awaited<ReturnType<WarmupActivities['planConversation']>> = null;
    try {
      plan = await planner.planConversation({
        initiator: chip,
        phase: s.phase,
        conversationId,
        maxTurns,
        day: s.day,
        atMs: nowMs,
        clock: { dayMs: clock.dayMs, epochMs: clock.epochMs },
        seed: Math.floor(Math.random() * 2 ** 31),
        leaseMs,
      });
    } catch (err) {
      log.warn('could not plan a conversation', { chipId: chip.chipId, error: String(err) });
    }
    if (!plan) {
      s.busy = null;
      return 'no_partner';
    }
    s.busy.reserved = sendsPerSide(plan.dialogue.turns.length).a;
    if (s.status !== 'warming' || s.disconnected || s.banned) {
      // Paused while the partner was being reserved: give the partner back untouched.
      await records.finishConversation({ conversationId, a: chip, b: plan.partner, turnsDelivered: 0, outcome: 'aborted', day: s.day });
      await getExternalWorkflowHandle(chipWorkflowId(plan.partner.chipId))
        .signal(conversationEndedSignal, { conversationId, sent: 0, received: 0, replied: 0, twoWay: false, outcome: 'aborted' })
        .catch(() => undefined);
      s.busy = null;
      return 'skipped';
    }
    const outcome = await executeChild(conversationWorkflow, {
      workflowId: conversationWorkflowId(conversationId),
      args: [{ conversationId, a: chip, b: plan.partner, dialogue: plan.dialogue, paceScale: conversationPace, day: s.day }],
    });
    applyReport(outcome.a);
    return 'held';
  };

  const promote = async (nowMs: number) => {
    const from = s.phase;
    const to = PHASE_TABLE[from].next;
    if (!to) return;
    const health = s.health;
    const rate = currentReplyRate();
    await records.persistPhaseChange({ chipId: chip.chipId, from, to, health, replyRate: rate, atMs: nowMs });
    s.phase = to;
    s.phaseStartedAtMs = nowMs;
    s.promotions.push({ from, to, atMs: nowMs });
    s.nextConversationAtMs = null;
    if (to === 'operacao') {
      s.status = 'ready';
      s.persistedStatus = 'ready'; // persistPhaseChange marks ready in the same transaction
    }
    upsertAttributes();
    await notify({ kind: 'promotion', phone: chip.phone, from, to, health, replyRate: rate });
    if (to === 'operacao') await notify({ kind: 'ready', phone: chip.phone, health });
  };

  // Continue-as-new well before the server's history limit, carrying every piece of state.
  const historyTooLong = () => {
    const info = workflowInfo();
    return info.continueAsNewSuggested || info.historyLength > settings.maxHistoryEvents;
  };
  const carryOn = async (): Promise<never> => {
    await condition(allHandlersFinished);
    s.runs++;
    return continueAsNew<typeof chipWarmupWorkflow>({ ...input, state: s });
  };

  upsertAttributes();
  for (;;) {
    // Cleared at the top: a signal that lands while this iteration runs still wakes the next sleep.
    wake = false;
    const now = Date.now();
    rollDay(now);
    if (s.busy && s.busy.leaseUntilMs <= now) s.busy = null;

    if (s.banned && s.status !== 'banned') {
      s.status = 'banned';
      s.pauseReason = 'banned by the provider';
      await syncStatus();
      await alert('critical', 'chip_banned', 'Chip banido pelo provedor; warm-up encerrado.');
      return result();
    }
    if (s.status === 'retired') {
      await syncStatus();
      return result();
    }
    if (s.disconnected && s.status === 'warming') {
      s.status = 'paused';
      s.pauseReason = 'instância desconectada';
      s.pausedBy = 'provider';
      await syncStatus();
      await alert('warning', 'chip_disconnected', 'Instância desconectada; chip pausado até reconectar.');
      continue;
    }
    await syncStatus();
    if (s.status === 'paused') {
      if (historyTooLong()) return await carryOn();
      // No timer while paused: only a signal wakes the chip.
      await condition(() => s.status !== 'paused' || s.banned || historyTooLong());
      continue;
    }

    // Promotion.
    s.health = computeHealth(now).score;
    if (checkPhaseCriteria(s.phase, daysInPhase(now), s.health, currentReplyRate()).ok) {
      await promote(now);
      if (s.phase === 'operacao') return result();
      continue;
    }

    // Early warning.
    const risk = assessRisk({ deliveryFailuresToday: s.failuresToday, sentToday: s.sentToday, disconnected: false, banned: false });
    if (risk.level === 'critico') {
      s.status = 'paused';
      s.pauseReason = risk.reasons.join('; ');
      s.pausedBy = 'early_warning';
      abortConversation('early warning');
      await syncStatus();
      await alert('critical', 'chip_paused', `Chip pausado automaticamente: ${s.pauseReason}`);
      continue;
    }
    if (risk.level === 'atencao' && s.warnedDay !== s.day) {
      s.warnedDay = s.day;
      await alert('warning', 'delivery_failures', `Atenção: ${risk.reasons.join('; ')}`);
    }

    // One conversation, when a slot has come.
    const cap = dailyCap(s.phase);
    if (cap > 0 && now >= (s.nextConversationAtMs ?? 0)) {
      const decision = maySendNow({ status: s.status, phase: s.phase, busy: s.busy !== null, sentToday: s.sentToday, reservedToday: 0, window, clock, nowMs: now, needed: MIN_TURNS / 2 });
      // The pairing engine allows so many conversations a day; past that, asking only buys refusals.
      const talkedEnough = (s.conversationsToday ?? 0) >= PAIRING.maxDailyInteractions;
      const outcome = decision.ok && !talkedEnough ? await runConversation(now) : 'skipped';
      if (outcome === 'held') s.failedPlans = 0;
      if (outcome === 'no_partner') s.failedPlans = (s.failedPlans ?? 0) + 1;
      const after = Date.now();
      rollDay(after);
      const slot = nextConversationAt({
        window,
        clock,
        nowMs: after,
        remaining: talkedEnough ? 0 : remainingToday(s.phase, s.sentToday, 0),
        random: Math.random,
      });
      // Nobody free to talk: ask again later and later, not every slot (each ask is billed).
      s.nextConversationAtMs = Math.max(slot, after + realDuration(clock, planBackoffMs(s.failedPlans)));
      s.health = computeHealth(after).score;
    }

    // Health log, once per program day.
    if (s.lastHealthDay !== s.day) {
      const health = computeHealth(Date.now());
      s.health = health.score;
      await records.persistHealth({ chipId: chip.chipId, score: health.score, factors: health.factors, atMs: Date.now() });
      s.lastHealthDay = s.day;
      upsertAttributes();
    }

    if (historyTooLong()) return await carryOn();

    // Sleep until the next useful moment: a conversation slot, a phase-day boundary, or a lease expiry.
    const afterAll = Date.now();
    const candidates = [s.phaseStartedAtMs + (daysInPhase(afterAll) + 1) * clock.dayMs];
    if (cap > 0 && s.nextConversationAtMs !== null) candidates.push(s.nextConversationAtMs);
    if (s.busy) candidates.push(s.busy.leaseUntilMs);
    const sleepMs = Math.max(1, Math.min(...candidates) - afterAll);
    await condition(() => wake, Math.ceil(sleepMs));
  }
}
