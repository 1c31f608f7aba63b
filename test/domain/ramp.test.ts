/**
 * The adaptive ramp and quarantine as docs/warm-up-program.md documents them: the first warning sign of a day
 * drops the cap one step (75% of the phase cap, floor 50%) for the rest of that day and the next, one
 * step comes back per clean program day; a chip with a recent sign, a recent automatic pause or a
 * health far below its gate is in quarantine and pairs only with quarantined chips.
 */
import { ChipMachine } from '../../src/domain/chip-machine';
import { type ChipState, upgradeState } from '../../src/domain/chip-state';
import { programClock, programDay, realAtMinute } from '../../src/domain/clock';
import { PHASE_TABLE } from '../../src/domain/phases';
import { QUARANTINE, pairingRefusal, quarantineReason, samePartition } from '../../src/domain/quarantine';
import { type RampState, effectiveCap, explainCap, rampAfterSign, rampLevelOn } from '../../src/domain/ramp';
import { seededRandom } from '../../src/domain/random';

const clock = programClock();
const DAY = clock.dayMs;
const CHIP = 'chip-ramp';
const T0 = realAtMinute(clock, Date.UTC(2025, 0, 10, 15), 12 * 60);
const dayOf = (n: number) => programDay(clock, T0 + n * DAY);
const failures = { kind: 'delivery_failures' as const, reason: '3 falhas de entrega' };

/** A chip in expansao doing fine: health within the quarantine margin of its gate. */
const fine: Partial<ChipState> = {
  phase: 'expansao',
  health: 65,
  phaseStartedAtMs: T0 - 3 * DAY,
  sentTotal: 300,
  receivedTotal: 300,
  repliedTotal: 200,
  twoWayConversations: 40,
  lastConversationAtMs: T0,
};

function machine(state: Partial<ChipState> = {}, nowMs = T0): ChipMachine {
  return new ChipMachine(CHIP, clock, upgradeState({ ...fine, ...state }, nowMs - 30 * DAY, clock, nowMs), { paceScale: 0 });
}

describe('the cap backs off and recovers', () => {
  test('one sign: 75% on its day and the next, the phase cap again after one clean day', () => {
    const ramp = rampAfterSign(null, failures, dayOf(0));
    expect([0, 1, 2, 3].map((d) => effectiveCap('expansao', ramp, dayOf(d)))).toEqual([22, 22, 30, 30]);
    expect(effectiveCap('expansao', ramp, dayOf(-1))).toBe(30);
  });

  test('a sign on the held day goes down to the floor (50%) and comes back one step per clean day', () => {
    const first = rampAfterSign(null, failures, dayOf(0));
    const second = rampAfterSign(first, failures, dayOf(1));
    expect(second.level).toBe(2);
    expect([1, 2, 3, 4].map((d) => effectiveCap('expansao', second, dayOf(d)))).toEqual([15, 15, 22, 30]);
    // Never below the floor, whatever comes next.
    const third = rampAfterSign(second, failures, dayOf(2));
    expect(effectiveCap('expansao', third, dayOf(2))).toBe(15);
    expect(effectiveCap('pre_operacao', third, dayOf(2))).toBe(25);
  });

  test('only the first sign of a day moves the level; a sign after partial recovery starts from there', () => {
    const once = rampAfterSign(null, failures, dayOf(0));
    const twice = rampAfterSign(once, { kind: 'unconfirmed_ban', reason: 'um relato de banimento não confirmado' }, dayOf(0));
    expect(twice.level).toBe(1);
    expect(twice.reason).toBe('um relato de banimento não confirmado');
    const floor: RampState = { level: 2, signDay: dayOf(0), reason: 'x', kind: 'delivery_failures' };
    expect(rampLevelOn(floor, dayOf(2))).toBe(1);
    expect(rampAfterSign(floor, failures, dayOf(2)).level).toBe(2);
    expect(rampAfterSign(floor, failures, dayOf(3)).level).toBe(1);
  });

  test('an automatic pause puts the chip at the floor at once', () => {
    expect(rampAfterSign(null, { kind: 'early_warning_pause', reason: 'uma pausa automática' }, dayOf(0)).level).toBe(2);
  });

  test('the cap says why it is what it is', () => {
    const ramp = rampAfterSign(null, failures, dayOf(0));
    expect(explainCap('expansao', ramp, dayOf(0)).text).toBe('cap hoje 22/30: reduzido por 3 falhas de entrega hoje');
    expect(explainCap('expansao', ramp, dayOf(1)).text).toBe('cap hoje 22/30: reduzido por 3 falhas de entrega ontem');
    expect(explainCap('expansao', ramp, dayOf(2))).toMatchObject({ cap: 30, reason: null, text: 'cap hoje 30/30' });
    const floor: RampState = { level: 2, signDay: dayOf(0), reason: '3 falhas de entrega', kind: 'delivery_failures' };
    expect(explainCap('pre_operacao', floor, dayOf(2)).text).toBe(`cap hoje 37/50: reduzido por 3 falhas de entrega em ${dayOf(0)}`);
  });
});

describe('the chip machine uses the effective cap everywhere', () => {
  test('warning-level failures move the ramp; the step, the slot and the partner acceptance follow it', () => {
    const m = machine({ sentToday: 14 });
    for (let i = 0; i < 3; i++) m.providerEvent({ kind: 'delivery_failed', atMs: T0 }, T0);
    m.beginIteration(T0);
    const warned = m.checkEarlyWarning();
    expect(warned.paused).toBe(false);
    expect(warned.effects).toMatchObject([{ kind: 'alert', alertKind: 'delivery_failures' }]);
    expect(m.signsPending).toBe(true);
    m.applySigns();
    expect(m.snapshot().ramp).toMatchObject({ level: 1, signDay: dayOf(0), reason: '3 falhas de entrega' });
    expect(m.view(T0)).toMatchObject({ cap: 30, capToday: 22, capText: 'cap hoje 22/30: reduzido por 3 falhas de entrega hoje' });
    // The same chip, having sent more today.
    const after = (sentToday: number) => new ChipMachine(CHIP, clock, { ...m.snapshot(), sentToday }, { paceScale: 0 });
    // 22 - 18 = 4 left: a conversation of at most 8 turns (the phase cap would allow 12).
    expect(after(18).conversationStep(T0)).toMatchObject({ kind: 'converse', quarantined: true, maxTurns: 8 });
    expect(after(21).conversationStep(T0)).toEqual({ kind: 'skip' });
    const twenty = after(20);
    expect(twenty.reservationRefusal({ conversationId: 'c', sends: 3, quarantined: true }, T0)).toEqual({
      reason: 'cap_reached',
      remaining: 2,
    });
    expect(twenty.reservationRefusal({ conversationId: 'c', sends: 2, quarantined: true }, T0)).toBeNull();
    // The loop wakes at the next day's start, when the cap may recover.
    expect(twenty.nextWakeAt(T0)).toBeLessThanOrEqual(realAtMinute(clock, T0, 0, 1));
  });

  test('the day after still 22; after a clean day 30 again, and the database hears of each change', () => {
    const m = machine({ sentToday: 14, warningFailures: 3 });
    m.checkEarlyWarning();
    m.applySigns();
    const written: string[] = [];
    const step = (n: number) => {
      const at = T0 + n * DAY;
      m.beginIteration(at);
      const due = m.standingDue(at);
      if (due) {
        written.push(`${n}:${due.standing.rampLevel}/${due.standing.capToday}/${due.standing.quarantined}`);
        m.standingRecorded(due);
      }
      return m.view(at).capToday;
    };
    expect([0, 1, 2, 3].map(step)).toEqual([22, 22, 30, 30]);
    expect(written).toEqual(['0:1/22/true', '2:0/30/false']);
    expect(m.snapshot().ramp).toBeNull();
  });

  test('a healed disconnection and an unconfirmed ban report are warning signs; a critical pause resumed is the floor', () => {
    const healed = machine();
    healed.providerEvent({ kind: 'disconnected', atMs: T0 }, T0);
    healed.providerEvent({ kind: 'connected', atMs: T0 }, T0);
    healed.applySigns();
    expect(healed.snapshot().ramp).toMatchObject({ level: 1, kind: 'healed_disconnection' });
    const plain = machine();
    plain.providerEvent({ kind: 'connected', atMs: T0 }, T0);
    expect(plain.signsPending).toBe(false);

    const rumour = machine();
    rumour.providerEvent({ kind: 'unconfirmed_ban', atMs: T0 }, T0);
    rumour.applySigns();
    expect(rumour.snapshot()).toMatchObject({ status: 'warming', banned: false, ramp: { level: 1, kind: 'unconfirmed_ban' } });

    const paused = machine({ warningFailures: 6 });
    expect(paused.checkEarlyWarning().paused).toBe(true);
    paused.resume(undefined, T0 + 1000);
    paused.applySigns();
    expect(paused.view(T0).capToday).toBe(15);
    expect(paused.view(T0).quarantine).toMatch(/pausa automática recente/);
    // An operator's own pause resumed is no warning sign.
    const operator = machine();
    operator.pause({ reason: 'audit' });
    operator.resume(undefined, T0);
    expect(operator.signsPending).toBe(false);
  });

  test('a release without the ramp drops the signs: the chip keeps its phase cap', () => {
    const m = machine({ warningFailures: 3, sentToday: 14 });
    m.checkEarlyWarning();
    m.dropSigns();
    expect(m.view(T0).capToday).toBe(30);
    expect(m.standingDue(T0)).toBeNull();
  });
});

describe('quarantine', () => {
  test('entry on a sign, exit after a clean program day', () => {
    const ramp = rampAfterSign(null, failures, dayOf(0));
    const q = (d: number, r: RampState | null = ramp) => quarantineReason({ phase: 'expansao', health: 65, ramp: r, day: dayOf(d) });
    expect(q(0)).toBe('alerta recente: 3 falhas de entrega hoje');
    expect(q(1)).toBe('alerta recente: 3 falhas de entrega ontem');
    expect(q(2)).toBeNull();
    // Another sign on day 1: day 2 is not clean of it, so the chip stays one more day.
    const again = rampAfterSign(ramp, failures, dayOf(1));
    expect([q(2, again), q(3, again)].map((x) => x !== null)).toEqual([true, false]);
  });

  test('a health below the gate by more than the margin quarantines; a chip just promoted never is', () => {
    const gate = PHASE_TABLE.expansao.minHealth;
    const at = (health: number) => quarantineReason({ phase: 'expansao', health, ramp: null, day: dayOf(0) });
    expect(at(gate - QUARANTINE.healthMargin - 1)).toMatch(/abaixo do mínimo da fase \(70\)/);
    expect(at(gate - QUARANTINE.healthMargin)).toBeNull();
    // At promotion a chip has at least the previous phase's gate.
    for (const [from, to] of [
      ['setup', 'primeiros_contatos'],
      ['primeiros_contatos', 'expansao'],
      ['expansao', 'pre_operacao'],
    ] as const) {
      expect(quarantineReason({ phase: to, health: PHASE_TABLE[from].minHealth, ramp: null, day: dayOf(0) })).toBeNull();
    }
    expect(quarantineReason({ phase: 'operacao', health: 0, ramp: null, day: dayOf(0) })).toBeNull();
  });

  test('partners: each side only with its own kind, and the partner itself refuses a mismatch', () => {
    const cands = [{ chipId: 'h', quarantined: false }, { chipId: 'q', quarantined: true }, { chipId: 'old' }];
    expect(samePartition(cands, false).map((c) => c.chipId)).toEqual(['h', 'old']);
    expect(samePartition(cands, true).map((c) => c.chipId)).toEqual(['q']);
    expect(pairingRefusal(false, true)).toBe('quarantined');
    expect(pairingRefusal(undefined, true)).toBe('quarantined');
    expect(pairingRefusal(true, false)).toBe('initiator_quarantined');
    expect(pairingRefusal(true, true)).toBeNull();

    const sick = machine({ warningFailures: 3, sentToday: 14 });
    sick.checkEarlyWarning();
    sick.applySigns();
    expect(sick.reservationRefusal({ conversationId: 'c', sends: 2, quarantined: false }, T0)).toEqual({ reason: 'quarantined' });
    const healthy = machine();
    expect(healthy.reservationRefusal({ conversationId: 'c', sends: 2, quarantined: true }, T0)).toEqual({
      reason: 'initiator_quarantined',
    });
    expect(healthy.reservationRefusal({ conversationId: 'c', sends: 2 }, T0)).toBeNull();
  });

  test('entering quarantine is reported once, for the event', () => {
    const m = machine({ warningFailures: 3, sentToday: 14 });
    m.checkEarlyWarning();
    m.applySigns();
    const due = m.standingDue(T0);
    expect(due).toMatchObject({ entered: true, standing: { quarantined: true, rampLevel: 1, capToday: 22, phaseCap: 30 } });
    m.standingRecorded(due!);
    expect(m.standingDue(T0)).toBeNull();
    m.conversationOver({ kind: 'skipped' }, T0, seededRandom(1));
    expect(m.snapshot().quarantine).toMatch(/alerta recente/);
  });
});
