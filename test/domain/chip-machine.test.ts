import { ChipMachine, MAX_TURNS, MIN_TURNS } from '../../src/domain/chip-machine';
import { type ChipState, initialChipState, upgradeState } from '../../src/domain/chip-state';
import type { ChipStatus } from '../../src/domain/chip';
import { programClock, programDay, realAtMinute } from '../../src/domain/clock';
import { PHASES, PHASE_TABLE, type Phase } from '../../src/domain/phases';
import { seededRandom } from '../../src/domain/random';
import { activityWindow } from '../../src/domain/window';

const clock = programClock();
const DAY = clock.dayMs;
const CHIP = 'chip-under-test';
const window = activityWindow(CHIP);
/** A program day at noon, inside every chip's window. */
const T0 = realAtMinute(clock, Date.UTC(2025, 0, 10, 15), 12 * 60);
const noonOf = (day: number) => T0 + day * DAY;

function machine(state: Partial<ChipState> = {}, nowMs = T0, paceScale = 0): ChipMachine {
  return new ChipMachine(CHIP, clock, upgradeState(state, nowMs - 30 * DAY, clock, nowMs), { paceScale });
}

/** A chip that has done well enough to pass any gate but the days. */
const strong: Partial<ChipState> = {
  sentTotal: 600,
  receivedTotal: 600,
  repliedTotal: 500,
  twoWayConversations: 80,
  lastConversationAtMs: T0,
};

const report = (id: string, sent = 3, received = 3) => ({
  conversationId: id,
  sent,
  received,
  replied: Math.min(sent, received),
  twoWay: sent > 0 && received > 0,
  outcome: 'completed' as const,
});

describe('promotion at every phase boundary', () => {
  const sending = PHASES.filter((p) => PHASE_TABLE[p].next !== null);
  test.each(sending)('%s: not before its minimum days, then to the next phase', (phase) => {
    const rule = PHASE_TABLE[phase];
    const start = T0 - rule.minDays * DAY;
    const early = machine({ ...strong, phase, phaseStartedAtMs: start + 1 });
    expect(early.promotionDue(T0)).toBeNull();
    const due = machine({ ...strong, phase, phaseStartedAtMs: start });
    const promotion = due.promotionDue(T0);
    expect(promotion).toMatchObject({ from: phase, to: rule.next });
    const finished = due.promoted(promotion!, T0);
    expect(due.snapshot().phase).toBe(rule.next);
    expect(due.snapshot().phaseStartedAtMs).toBe(T0);
    expect(finished).toBe(rule.next === 'operacao');
    expect(due.snapshot().status).toBe(rule.next === 'operacao' ? 'ready' : 'warming');
  });

  test.each(sending.filter((p) => PHASE_TABLE[p].minHealth > 45))('%s: a health below the gate holds the chip', (phase) => {
    const m = machine({
      phase,
      phaseStartedAtMs: T0 - 30 * DAY,
      sentTotal: 10,
      repliedTotal: 10,
      receivedTotal: 10,
      lastConversationAtMs: T0,
      failuresToday: 6,
    });
    expect(m.promotionDue(T0)).toBeNull();
    expect(m.view(T0).pending.some((p) => p.startsWith('health'))).toBe(true);
  });

  test.each(sending.filter((p) => PHASE_TABLE[p].minReplyRate > 0))('%s: a reply rate below the gate holds the chip', (phase) => {
    const m = machine({ ...strong, repliedTotal: 60, phase, phaseStartedAtMs: T0 - 30 * DAY });
    expect(m.promotionDue(T0)).toBeNull();
    expect(m.view(T0).pending.some((p) => p.startsWith('taxa_resposta'))).toBe(true);
  });

  test('the last promotion waits while the chip is a partner in a running conversation; earlier ones and an expired lease do not', () => {
    const lease = { conversationId: 'p', role: 'partner' as const, reserved: 3, leaseUntilMs: T0 + 60 * 60_000 };
    const rules = { paceScale: 1, fewerWakes: () => true };
    const stall = { sinceMs: T0 - DAY, reason: 'test' };
    const make = (phase: Phase) =>
      new ChipMachine(
        CHIP,
        clock,
        upgradeState(
          // Its next slot in 3 h, already stalled (no stall deadline): only the lease can wake it sooner.
          { ...strong, phase, phaseStartedAtMs: T0 - 30 * DAY, busy: lease, nextConversationAtMs: T0 + 3 * 60 * 60_000, stall },
          T0 - 40 * DAY,
          clock,
          T0,
        ),
        rules,
      );
    const last = make('pre_operacao');
    const promotion = last.promotionDue(T0)!;
    expect(promotion).toMatchObject({ from: 'pre_operacao', to: 'operacao' });
    expect(last.readinessMustWait(promotion, T0)).toBe(true);
    expect(last.readinessMustWait(promotion, lease.leaseUntilMs)).toBe(false);
    // Held, the chip wakes at the lease's end at the latest (a partner's lease wakes it only then).
    expect(last.nextWakeAt(T0)).toBe(T0 + 3 * 60 * 60_000);
    last.holdReadiness();
    expect(last.readinessHeld).toBe(true);
    expect(last.nextWakeAt(T0)).toBe(lease.leaseUntilMs);
    // The report frees the chip: the promotion goes ahead at the next iteration.
    last.conversationEnded(report('p'), T0 + 10 * 60_000);
    last.beginIteration(T0 + 10 * 60_000);
    expect(last.readinessHeld).toBe(false);
    expect(last.readinessMustWait(last.promotionDue(T0 + 10 * 60_000)!, T0 + 10 * 60_000)).toBe(false);
    // Any other promotion leaves the chip warming, so its turns go on: no wait.
    const middle = make('expansao');
    expect(middle.readinessMustWait(middle.promotionDue(T0)!, T0)).toBe(false);
  });

  test('operacao is the end: nothing to promote', () => {
    expect(machine({ ...strong, phase: 'operacao', status: 'ready' }).promotionDue(T0)).toBeNull();
  });
});

describe('pause, resume and retire from every status', () => {
  const statuses: ChipStatus[] = ['warming', 'paused', 'ready', 'banned', 'retired'];
  test.each(statuses)('from %s', (status) => {
    const final = status === 'ready' || status === 'banned' || status === 'retired';
    const paused = machine({ status, phase: 'expansao' });
    paused.pause({ reason: 'checking', by: 'operator' });
    expect(paused.snapshot().status).toBe(final ? status : 'paused');

    const resumed = machine({
      status,
      phase: 'expansao',
      statusReason: status === 'paused' ? 'x' : null,
      pausedBy: status === 'paused' ? 'operator' : null,
    });
    resumed.resume(undefined, T0);
    expect(resumed.snapshot().status).toBe(status === 'paused' ? 'warming' : status);

    const retired = machine({ status, phase: 'expansao' });
    retired.retire({ reason: 'number returned' });
    expect(retired.snapshot().status).toBe(final ? status : 'retired');
    if (!final) expect(retired.snapshot().statusReason).toBe('number returned');
    expect(retired.endIfFinal() !== null).toBe(true);
  });

  test('a pause stops the running conversation; retire keeps its reason or says who', () => {
    const m = machine({ phase: 'expansao', busy: { conversationId: 'c1', role: 'partner', reserved: 2, leaseUntilMs: T0 + DAY } });
    expect(m.pause({ reason: 'audit' })).toEqual([{ kind: 'abort_conversation', conversationId: 'c1', reason: 'paused: audit' }]);
    expect(m.view(T0)).toMatchObject({ status: 'paused', statusReason: 'audit', pausedBy: 'operator' });
    const r = machine({ phase: 'expansao' });
    r.retire(undefined);
    expect(r.snapshot().statusReason).toBe('retirado pelo operador');
  });

  test("the breaker's resume lifts only the breaker's pause", () => {
    const byOperator = machine({ status: 'paused', pausedBy: 'operator', statusReason: 'mine' });
    byOperator.resume({ by: 'fleet_breaker' }, T0);
    expect(byOperator.snapshot().status).toBe('paused');
    const byBreaker = machine({ status: 'paused', pausedBy: 'fleet_breaker', statusReason: 'breaker' });
    byBreaker.resume({ by: 'fleet_breaker' }, T0);
    expect(byBreaker.snapshot().status).toBe('warming');
  });
});

describe('early warning and resume', () => {
  test('warns once at 3 failures, pauses at 6 with one alert; a resume restarts the count and allows a conversation at once', () => {
    const m = machine({ phase: 'expansao', sentToday: 20 });
    for (let i = 0; i < 3; i++) m.providerEvent({ kind: 'delivery_failed', atMs: T0 }, T0);
    const warned = m.checkEarlyWarning();
    expect(warned.effects).toEqual([expect.objectContaining({ kind: 'alert', severity: 'warning', alertKind: 'delivery_failures' })]);
    expect(m.checkEarlyWarning().effects).toEqual([]);
    for (let i = 0; i < 3; i++) m.providerEvent({ kind: 'delivery_failed', atMs: T0 }, T0);
    const paused = m.checkEarlyWarning();
    expect(paused.paused).toBe(true);
    expect(paused.effects.filter((e) => e.kind === 'alert')).toHaveLength(1);
    expect(m.view(T0)).toMatchObject({ status: 'paused', pausedBy: 'early_warning' });

    m.resume(undefined, T0 + 60_000);
    expect(m.snapshot().status).toBe('warming');
    // The same day's failures do not pause it again, and no second alert is raised.
    expect(m.checkEarlyWarning()).toEqual({ paused: false, effects: [] });
    expect(m.conversationStep(T0 + 60_000)).toMatchObject({ kind: 'converse' });
    // New failures after the resume can pause it again: a new cause, a new alert.
    for (let i = 0; i < 6; i++) m.providerEvent({ kind: 'delivery_failed', atMs: T0 }, T0 + 120_000);
    const again = m.checkEarlyWarning();
    expect(again.paused).toBe(true);
    const keys = [...paused.effects, ...again.effects].flatMap((e) => (e.kind === 'alert' ? [e.key] : []));
    expect(new Set(keys).size).toBe(2);
  });

  test('a repeated provider event id changes nothing', () => {
    const m = machine({ phase: 'expansao' });
    for (let i = 0; i < 7; i++) m.providerEvent({ kind: 'delivery_failed', atMs: T0, eventId: 'msg-1:delivery_failed' }, T0);
    expect(m.snapshot().failuresToday).toBe(1);
    expect(m.checkEarlyWarning()).toEqual({ paused: false, effects: [] });
  });
});

describe('ban, disconnection and reconnection', () => {
  test('a ban ends the chip with one critical alert and stops its conversation', () => {
    const m = machine({ phase: 'expansao', busy: { conversationId: 'c9', role: 'initiator', reserved: 3, leaseUntilMs: T0 + DAY } });
    expect(m.providerEvent({ kind: 'banned', atMs: T0 }, T0)).toEqual([
      { kind: 'abort_conversation', conversationId: 'c9', reason: 'banned' },
    ]);
    const end = m.endIfFinal();
    expect(m.snapshot().status).toBe('banned');
    expect(end!.effects).toEqual([expect.objectContaining({ severity: 'critical', alertKind: 'chip_banned' })]);
  });

  test('a disconnection pauses the chip (provider), a reconnection resumes it; an operator pause survives a reconnection', () => {
    const m = machine({ phase: 'expansao' });
    m.providerEvent({ kind: 'disconnected', atMs: T0 }, T0);
    // A drop without a code is transient (domain/disconnect-reasons.ts): held silently, no alert yet.
    const effects = m.pauseIfDisconnected();
    expect(effects).toEqual([]);
    expect(m.view(T0)).toMatchObject({ status: 'paused', pausedBy: 'provider', statusReason: 'conexão perdida — aguardando reconexão' });
    expect(m.reservationRefusal({ conversationId: 'x', sends: 2 }, T0)).toEqual({ reason: 'paused' });
    m.providerEvent({ kind: 'connected', atMs: T0 }, T0 + 1000);
    expect(m.snapshot().status).toBe('warming');

    const held = machine({ phase: 'expansao', status: 'paused', pausedBy: 'operator', statusReason: 'mine' });
    held.providerEvent({ kind: 'connected', atMs: T0 }, T0);
    expect(held.snapshot().status).toBe('paused');
  });
});

describe('day roll-over, caps and conversation size', () => {
  test("a new program day resets today's counts, not the totals", () => {
    const m = machine({
      phase: 'expansao',
      sentToday: 30,
      receivedToday: 20,
      failuresToday: 2,
      warningFailures: 2,
      conversationsToday: 5,
      sentTotal: 100,
    });
    m.beginIteration(T0 + DAY);
    expect(m.snapshot()).toMatchObject({
      sentToday: 0,
      receivedToday: 0,
      failuresToday: 0,
      warningFailures: 0,
      conversationsToday: 0,
      sentTotal: 100,
    });
  });

  test.each(PHASES)('%s: never more turns than the cap leaves, never opened in setup', (phase) => {
    const cap = PHASE_TABLE[phase].dailyCap;
    for (const sentToday of [0, Math.max(0, cap - 3), cap]) {
      const step = machine({ phase, sentToday }).conversationStep(T0);
      if (cap === 0) {
        expect(step).toBeNull();
        continue;
      }
      const remaining = cap - sentToday;
      if (2 * remaining < MIN_TURNS) expect(step).toEqual({ kind: 'skip' });
      else {
        expect(step).toMatchObject({ kind: 'converse' });
        if (step?.kind === 'converse') {
          expect(step.maxTurns).toBeLessThanOrEqual(Math.min(MAX_TURNS, 2 * remaining));
          expect(Math.ceil(step.maxTurns / 2)).toBeLessThanOrEqual(remaining);
        }
      }
    }
  });

  test('a conversation never opens when it cannot finish inside the window at the expected pace', () => {
    const closes = realAtMinute(clock, T0, window.endMinute);
    expect(machine({ phase: 'operacao' }, closes - 10 * 60_000, 1).conversationStep(closes - 10 * 60_000)).toMatchObject({
      kind: 'converse',
      maxTurns: MAX_TURNS,
    });
    const late = closes - 2 * 60_000;
    expect(machine({ phase: 'operacao' }, late, 1).conversationStep(late)).toEqual({ kind: 'skip' });
    const step = machine({ phase: 'operacao' }, closes - 4 * 60_000, 1).conversationStep(closes - 4 * 60_000);
    expect(step).toMatchObject({ kind: 'converse' });
    if (step?.kind === 'converse') expect(step.maxTurns).toBeLessThan(MAX_TURNS);
  });

  test('a partner refuses when busy, capped, paused or outside its window, and accepts otherwise', () => {
    // (a chip doing well: one whose health is far below its gate is in quarantine and refuses healthy initiators)
    expect(machine({ ...strong, phase: 'expansao' }).reservationRefusal({ conversationId: 'c', sends: 3 }, T0)).toBeNull();
    expect(machine({ ...strong, phase: 'expansao', sentToday: 29 }).reservationRefusal({ conversationId: 'c', sends: 3 }, T0)).toEqual({
      reason: 'cap_reached',
      remaining: 1,
    });
    expect(
      machine({ phase: 'expansao', busy: { conversationId: 'o', role: 'partner', reserved: 0, leaseUntilMs: T0 + 1 } }).reservationRefusal(
        { conversationId: 'c', sends: 3 },
        T0,
      ),
    ).toEqual({ reason: 'busy' });
    expect(machine({ phase: 'expansao', status: 'paused' }).reservationRefusal({ conversationId: 'c', sends: 3 }, T0)).toEqual({
      reason: 'paused',
    });
    const night = realAtMinute(clock, T0, 3 * 60);
    expect(machine({ phase: 'expansao' }, night).reservationRefusal({ conversationId: 'c', sends: 3 }, night)).toEqual({
      reason: 'outside_window',
    });
  });

  test('a conversation that ends without a report charges its whole reservation to the cap', () => {
    const m = machine({ phase: 'expansao', sentToday: 4 });
    const step = m.conversationStep(T0);
    if (step?.kind !== 'converse') throw new Error('expected a conversation');
    m.conversationStarting('lost', step, T0);
    m.conversationOver({ kind: 'failed', conversationId: 'lost' }, T0 + 1000, seededRandom(1));
    expect(m.snapshot().busy).toBeNull();
    expect(m.snapshot().sentToday).toBe(4 + Math.ceil(step.maxTurns / 2));
  });

  test('a report is counted once, wherever it comes from', () => {
    const m = machine({ phase: 'expansao' });
    m.conversationEnded(report('r1'), T0);
    m.conversationEnded(report('r1'), T0);
    m.conversationOver({ kind: 'held', report: report('r1') }, T0, seededRandom(2));
    expect(m.snapshot()).toMatchObject({ sentToday: 3, sentTotal: 3, receivedTotal: 3, conversationsToday: 1 });
  });
});

describe('stalled chips', () => {
  test('a chip with nobody to talk to raises one chip_stalled alert after a whole window, and clears it when it converses', () => {
    const m = machine({ phase: 'primeiros_contatos', phaseStartedAtMs: T0, maySendSinceMs: T0 });
    m.conversationOver({ kind: 'missed', reason: 'no_partners' }, T0, seededRandom(3));
    expect(m.checkStall(T0 + DAY / 2)).toEqual([]);
    const wake = m.nextWakeAt(T0 + 1);
    expect(wake).toBeLessThanOrEqual(realAtMinute(clock, T0, window.endMinute, 1));
    const effects = m.checkStall(noonOf(2));
    expect(effects).toEqual([expect.objectContaining({ kind: 'alert', alertKind: 'chip_stalled', severity: 'warning' })]);
    expect((effects[0] as { message: string }).message).toMatch(/nenhum parceiro ativo/);
    expect(m.view(noonOf(2)).stalled?.reason).toMatch(/nenhum parceiro/);
    expect(m.checkStall(noonOf(3))).toEqual([]);
    m.conversationEnded(report('back'), noonOf(3));
    expect(m.checkStall(noonOf(3))).toEqual([{ kind: 'resolve_alert', alertKind: 'chip_stalled' }]);
    expect(m.checkStall(noonOf(3))).toEqual([]);
  });

  test('a paused chip or one in setup is never stalled', () => {
    expect(machine({ phase: 'setup' }).checkStall(noonOf(5))).toEqual([]);
    expect(machine({ phase: 'expansao', status: 'paused', maySendSinceMs: T0 }).checkStall(noonOf(5))).toEqual([]);
  });
});

describe('fewer wake-ups (patch fewer-wakes)', () => {
  const busyPartner = { conversationId: 'p', role: 'partner' as const, reserved: 0, leaseUntilMs: T0 + 60 * 60_000 };
  const withRules = (fewerWakes: boolean, state: Partial<ChipState>) =>
    new ChipMachine(CHIP, clock, upgradeState(state, T0 - 30 * DAY, clock, T0), { paceScale: 1, fewerWakes: () => fewerWakes });

  test('a sending chip wakes at phase-day boundaries only once a promotion may be due; a chip in setup every day', () => {
    // Day 1 of expansao (7 days), no slot planned: the next boundary worth a wake is day 7.
    // (Already stalled: no stall deadline to wake for either.)
    const stall = { sinceMs: T0 - DAY, reason: 'test' };
    const sending = { phase: 'expansao' as const, phaseStartedAtMs: T0 - DAY / 2, nextConversationAtMs: null, stall };
    expect(withRules(true, sending).nextWakeAt(T0)).toBe(T0 - DAY / 2 + 7 * DAY);
    expect(withRules(false, sending).nextWakeAt(T0)).toBe(T0 + DAY / 2);
    const setup = { phase: 'setup' as const, phaseStartedAtMs: T0 - DAY / 2 };
    expect(withRules(true, setup).nextWakeAt(T0)).toBe(T0 + DAY / 2);
  });

  test("a partner's lease wakes nobody (the report frees it, any wake drops an expired lease)", () => {
    const state = { phase: 'expansao' as const, phaseStartedAtMs: T0, busy: busyPartner, nextConversationAtMs: T0 + 3 * 60 * 60_000 };
    expect(withRules(true, state).nextWakeAt(T0)).toBe(T0 + 3 * 60 * 60_000);
    expect(withRules(false, state).nextWakeAt(T0)).toBe(busyPartner.leaseUntilMs);
  });

  test('no slot today when what is left of the cap cannot hold the smallest conversation', () => {
    const tomorrowOpens = realAtMinute(clock, T0, window.startMinute, 1);
    for (const [sentToday, today] of [
      [29, false],
      [28, true],
    ] as const) {
      const m = withRules(true, { phase: 'expansao', sentToday });
      m.conversationOver({ kind: 'skipped' }, T0, seededRandom(4));
      expect([sentToday, (m.snapshot().nextConversationAtMs ?? 0) < tomorrowOpens]).toEqual([sentToday, today]);
    }
    const old = withRules(false, { phase: 'expansao', sentToday: 29 });
    old.conversationOver({ kind: 'skipped' }, T0, seededRandom(4));
    expect(old.snapshot().nextConversationAtMs).toBeLessThan(tomorrowOpens);
  });

  test('no slot today when a conversation starting at it could not finish the smallest dialogue inside the window', () => {
    const closes = realAtMinute(clock, T0, window.endMinute);
    const late = closes - 6 * 60_000;
    const m = new ChipMachine(CHIP, clock, upgradeState({ phase: 'operacao' }, late - 30 * DAY, clock, late), { paceScale: 1 });
    m.conversationOver({ kind: 'skipped' }, late, seededRandom(5));
    expect(m.snapshot().nextConversationAtMs).toBeGreaterThan(closes);
  });
});

describe('continue-as-new carry-over', () => {
  test('a carried state keeps every field; a partial or older one gets the missing fields', () => {
    const m = machine({ phase: 'expansao' });
    m.pause({ reason: 'audit' });
    m.conversationEnded(report('k1'), T0);
    m.providerEvent({ kind: 'inbound', atMs: T0, eventId: 'e1' }, T0);
    const carried = JSON.parse(JSON.stringify(m.snapshot())) as ChipState;
    const next = upgradeState(carried, 0, clock, T0 + 1000);
    expect(next).toEqual(carried);
    // De-duplication memory survives: the same report and event change nothing after the carry-over.
    const after = new ChipMachine(CHIP, clock, next, { paceScale: 0 });
    after.conversationEnded(report('k1'), T0 + 2000);
    after.providerEvent({ kind: 'inbound', atMs: T0, eventId: 'e1' }, T0 + 2000);
    expect(after.snapshot().sentTotal).toBe(carried.sentTotal);
    expect(after.snapshot().receivedTotal).toBe(carried.receivedTotal);

    const older = { phase: 'pre_operacao' as Phase, phaseStartedAtMs: T0, sentTotal: 10, seenReports: undefined };
    const upgraded = upgradeState(older as Partial<ChipState>, T0 - DAY, clock, T0);
    const complete = initialChipState(T0 - DAY, clock, T0);
    for (const key of Object.keys(complete)) expect(upgraded[key as keyof ChipState]).not.toBeUndefined();
    expect(upgraded).toMatchObject({ phase: 'pre_operacao', sentTotal: 10, seenReports: [], maySendSinceMs: T0 });
  });
});

describe('the machine owns its state', () => {
  const busy = { conversationId: 'c1', role: 'partner' as const, reserved: 2, leaseUntilMs: T0 + 60_000 };

  test('a snapshot is a deep copy: changing it, nested records included, changes nothing in the machine', () => {
    const m = machine({ phase: 'expansao', busy, maxSentPerDay: { expansao: 12 } });
    m.conversationEnded(report('r1'), T0);
    m.providerEvent({ kind: 'unconfirmed_ban', atMs: T0 }, T0);
    const before = JSON.stringify(m.snapshot());
    const copy = m.snapshot() as ChipState;
    copy.status = 'retired';
    copy.sentTotal = 999;
    copy.busy = { ...busy, conversationId: 'other' };
    copy.maxSentPerDay.expansao = 0;
    copy.promotions.push({ from: 'setup', to: 'expansao', atMs: 0 });
    copy.seenReports.length = 0;
    copy.pendingSigns.length = 0;
    expect(JSON.stringify(m.snapshot())).toBe(before);
    // The machine still reads its own: the report is a repeat, the sign is pending, the chip warming.
    m.conversationEnded(report('r1'), T0);
    expect(m.snapshot().sentTotal).toBe(3);
    expect(m.signsPending).toBe(true);
    expect([m.status, m.view(T0).sentTotal]).toEqual(['warming', 3]);
  });

  test('the machine copies the state it is given: the caller cannot change it afterwards', () => {
    const state = upgradeState({ phase: 'expansao' }, T0 - DAY, clock, T0);
    const m = new ChipMachine(CHIP, clock, state, { paceScale: 0 });
    state.status = 'retired';
    state.seenEvents.push('e1');
    expect(m.status).toBe('warming');
    m.providerEvent({ kind: 'inbound', atMs: T0, eventId: 'e1' }, T0);
    expect(m.snapshot().receivedTotal).toBe(1);
  });

  test('the getters read the state as the rules leave it', () => {
    const m = machine({ phase: 'expansao', health: 57 });
    expect([m.phase, m.status, m.day, m.health, m.paused, m.banned, m.mayConverse]).toEqual([
      'expansao',
      'warming',
      programDay(clock, T0),
      57,
      false,
      false,
      true,
    ]);
    m.beginIteration(T0 + DAY);
    expect(m.day).toBe(programDay(clock, T0 + DAY));
    m.pause({ reason: 'audit' });
    expect([m.status, m.paused, m.mayConverse]).toEqual(['paused', true, false]);
    m.resume(undefined, T0 + DAY);
    m.providerEvent({ kind: 'disconnected', atMs: T0 }, T0 + DAY);
    expect([m.status, m.mayConverse]).toEqual(['warming', false]);
    m.providerEvent({ kind: 'banned', atMs: T0 }, T0 + DAY);
    expect([m.banned, m.mayConverse]).toEqual([true, false]);
  });

  test("sentOn counts today's sends on the chip's current day only; busyAt holds while the lease runs", () => {
    const m = machine({ phase: 'expansao', sentToday: 7, busy });
    expect([m.sentOn(programDay(clock, T0)), m.sentOn(programDay(clock, T0 + DAY)), m.sentOn(programDay(clock, T0 - DAY))]).toEqual([
      7, 0, 0,
    ]);
    expect([m.busyAt(T0), m.busyAt(busy.leaseUntilMs - 1), m.busyAt(busy.leaseUntilMs)]).toEqual([true, true, false]);
    expect(machine({ phase: 'expansao' }).busyAt(T0)).toBe(false);
  });

  test('statusToPersist names a status the database has not heard of until recordPersistedStatus', () => {
    const m = machine({ phase: 'expansao' });
    expect(m.statusToPersist()).toBeNull();
    m.pause({ reason: 'audit' });
    expect(m.statusToPersist()).toEqual({ status: 'paused', reason: 'audit', pausedBy: 'operator' });
    expect(m.statusToPersist()).not.toBeNull();
    m.recordPersistedStatus('paused');
    expect(m.statusToPersist()).toBeNull();
    m.retire({ reason: 'number returned' });
    expect(m.statusToPersist()).toEqual({ status: 'retired', reason: 'number returned', pausedBy: null });
    // The last promotion's own transaction marks the chip ready: nothing left to persist.
    const last = machine({ ...strong, phase: 'pre_operacao', phaseStartedAtMs: T0 - 30 * DAY });
    last.promoted(last.promotionDue(T0)!, T0);
    expect([last.status, last.statusToPersist()]).toEqual(['ready', null]);
  });

  test('a status that changed while the last one was written is still owed: statusToPersist names it next', () => {
    const m = machine({ phase: 'expansao' });
    m.pause({ reason: 'audit' });
    const written = m.statusToPersist()!;
    expect(written.status).toBe('paused');
    // The resume lands while the pause is being written.
    m.resume(undefined, T0);
    m.recordPersistedStatus(written.status);
    expect(m.statusToPersist()).toEqual({ status: 'warming', reason: null, pausedBy: null });
    m.recordPersistedStatus('warming');
    expect(m.statusToPersist()).toBeNull();
    // A pause and a resume between two writes owe nothing: the status is as last written.
    m.pause({ reason: 'again' });
    m.resume(undefined, T0);
    expect(m.statusToPersist()).toBeNull();
    // A retirement during the write of a pause is owed too: the database must not keep paused for a retired chip.
    m.pause({ reason: 'audit' });
    const pause = m.statusToPersist()!;
    m.retire({ reason: 'number returned' });
    m.recordPersistedStatus(pause.status);
    expect(m.statusToPersist()).toEqual({ status: 'retired', reason: 'number returned', pausedBy: null });
  });

  test('startRun counts the run and returns the state the next run carries, with the fields of a chip state in their order', () => {
    const m = machine({ phase: 'expansao', runs: 2 });
    m.conversationEnded(report('r1'), T0);
    const carried = m.startRun();
    expect(carried.runs).toBe(3);
    expect(m.view(T0).runs).toBe(3);
    expect(carried).toEqual(m.snapshot());
    expect(Object.keys(carried)).toEqual(Object.keys(initialChipState(T0, clock, T0)));
    // A copy too: the next run starts from it, the machine keeps its own.
    (carried as ChipState).runs = 0;
    expect(m.snapshot().runs).toBe(3);
  });

  test("healthLogged records the day's log: the health it wrote is the logged health, and the log is due again the next day", () => {
    const m = machine({ phase: 'expansao', health: 50 });
    expect(m.loggedHealth).toBe(50);
    const due = m.healthLogDue(T0);
    expect(due).not.toBeNull();
    expect(m.health).toBe(due!.score);
    m.healthLogged(due!.score);
    expect(m.loggedHealth).toBe(due!.score);
    expect(m.healthLogDue(T0)).toBeNull();
    // A report moves the health, not the logged one (the search attribute shows the daily log).
    m.conversationEnded(report('r1', 6, 6), T0);
    expect(m.health).not.toBe(due!.score);
    expect(m.loggedHealth).toBe(due!.score);
    m.beginIteration(T0 + DAY);
    expect(m.healthLogDue(T0 + DAY)).not.toBeNull();
  });
});
