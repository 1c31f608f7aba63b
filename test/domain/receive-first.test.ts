import { ChipMachine } from '../../src/domain/chip-machine';
import { type ChipState, upgradeState } from '../../src/domain/chip-state';
import { programClock, realAtMinute } from '../../src/domain/clock';
import { PHASES, PHASE_TABLE } from '../../src/domain/phases';
import { receiveFirstUntil, receivesFirst } from '../../src/domain/receive-first';

const clock = programClock();
const DAY = clock.dayMs;
const CHIP = 'receive-first-chip';
/** A program day at noon, inside every chip's window. */
const T0 = realAtMinute(clock, Date.UTC(2025, 0, 10, 15), 12 * 60);

function machine(state: Partial<ChipState>, nowMs = T0): ChipMachine {
  return new ChipMachine(CHIP, clock, upgradeState(state, nowMs - 10 * DAY, clock, nowMs), { paceScale: 0 });
}

describe('receive-first rule', () => {
  test('the phase table holds it for primeiros_contatos only, one day', () => {
    expect(PHASES.filter((p) => PHASE_TABLE[p].receiveFirstDays > 0)).toEqual(['primeiros_contatos']);
    expect(PHASE_TABLE.primeiros_contatos.receiveFirstDays).toBe(1);
  });

  test('holds from the phase start for receiveFirstDays, then not', () => {
    const start = T0;
    expect(receiveFirstUntil('primeiros_contatos', start, clock, start)).toBe(start + DAY);
    expect(receivesFirst('primeiros_contatos', start, clock, start + DAY - 1)).toBe(true);
    expect(receivesFirst('primeiros_contatos', start, clock, start + DAY)).toBe(false);
    expect(receiveFirstUntil('expansao', start, clock, start)).toBeNull();
    expect(receiveFirstUntil('setup', start, clock, start)).toBeNull();
  });

  test('a chip that receives first has no slot until it ends, then converses; its stall clock starts then', () => {
    const m = machine({ phase: 'primeiros_contatos', phaseStartedAtMs: T0 - 60_000 });
    const until = m.receiveFirstUntil(T0);
    expect(until).toBe(T0 - 60_000 + DAY);
    m.waitToReceive(until!);
    expect(m.conversationStep(T0)).toBeNull();
    expect(m.conversationStep(until! - 1)).toBeNull();
    expect(m.snapshot().maySendSinceMs).toBe(until);
    // The next wake is the end of receive-first, not a slot inside it.
    expect(m.nextWakeAt(T0)).toBe(until);
    m.beginIteration(until!);
    expect(m.receiveFirstUntil(until!)).toBeNull();
    expect(m.conversationStep(until!)?.kind).toMatch(/converse|skip/);
  });

  test('it still accepts a partner reservation while it receives first', () => {
    const m = machine({ phase: 'primeiros_contatos', phaseStartedAtMs: T0 - 60_000 });
    m.waitToReceive(m.receiveFirstUntil(T0)!);
    expect(m.reservationRefusal({ conversationId: 'c1', sends: 2 }, T0)).toBeNull();
  });
});
