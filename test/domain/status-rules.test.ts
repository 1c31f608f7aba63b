import { ChipMachine } from '../../src/domain/chip-machine';
import { type ChipState, upgradeState } from '../../src/domain/chip-state';
import { programClock, programDay, realAtMinute } from '../../src/domain/clock';
import { PHASES, PHASE_TABLE } from '../../src/domain/phases';
import {
  STATUS_BACKGROUNDS,
  STATUS_POSTS,
  dailyStatusCap,
  statusMinutesOn,
  statusTextPost,
  viewersAllInFleet,
} from '../../src/domain/status-rules';
import { activityWindow } from '../../src/domain/window';

const clock = programClock();
const DAY = clock.dayMs;
const CHIP = 'status-chip';
const window = activityWindow(CHIP);
const T0 = realAtMinute(clock, Date.UTC(2025, 0, 10, 15), 0);

function machine(state: Partial<ChipState>, nowMs = T0): ChipMachine {
  return new ChipMachine(CHIP, clock, upgradeState(state, nowMs - 30 * DAY, clock, nowMs), { paceScale: 0 });
}

test('the phase table: no status in setup, one a day in primeiros_contatos, a few later', () => {
  expect(PHASES.map((p) => PHASE_TABLE[p].dailyStatusCap)).toEqual([0, 1, 2, 3, 3]);
  expect(dailyStatusCap('setup')).toBe(0);
});

test("a day's posting minutes stay within the phase's limit, inside the window with a margin, and repeat for the same day", () => {
  const counts: number[] = [];
  for (let d = 0; d < 200; d++) {
    const day = programDay(clock, T0 + d * DAY);
    for (const phase of PHASES) {
      const minutes = statusMinutesOn(CHIP, day, phase, window);
      expect(minutes.length).toBeLessThanOrEqual(PHASE_TABLE[phase].dailyStatusCap);
      expect([...minutes].sort((a, b) => a - b)).toEqual(minutes);
      for (const m of minutes) {
        expect(m).toBeGreaterThanOrEqual(window.startMinute + STATUS_POSTS.marginMinutes);
        expect(m).toBeLessThan(window.endMinute - STATUS_POSTS.marginMinutes);
      }
      expect(statusMinutesOn(CHIP, day, phase, window)).toEqual(minutes);
      if (phase === 'pre_operacao') counts.push(minutes.length);
    }
  }
  // Now and then: some days none, some days the limit.
  expect(counts).toContain(0);
  expect(counts).toContain(3);
});

test('a text status has a line, a #RRGGBB background from the list and a font the provider takes (1 to 5)', () => {
  for (let seq = 1; seq < 50; seq++) {
    const post = statusTextPost(CHIP, '2025-01-10', seq);
    expect(post.type).toBe('text');
    expect(post.content.length).toBeGreaterThan(0);
    expect(STATUS_BACKGROUNDS).toContain(post.backgroundColor);
    expect(post.backgroundColor).toMatch(/^#[0-9A-F]{6}$/i);
    expect([1, 2, 3, 4, 5]).toContain(post.font);
  }
});

test('the machine makes each planned post due at its time inside the window, once, within the daily limit', () => {
  // Find a day with posts planned in expansao.
  let day = 0;
  while (statusMinutesOn(CHIP, programDay(clock, T0 + day * DAY), 'expansao', window).length === 0) day++;
  const start = T0 + day * DAY;
  const minutes = statusMinutesOn(CHIP, programDay(clock, start), 'expansao', window);
  const m = machine({ phase: 'expansao', phaseStartedAtMs: start - 2 * DAY }, start);
  m.beginIteration(start);
  expect(m.statusPostDue(start)).toBeNull();
  const first = realAtMinute(clock, start, minutes[0]!);
  m.beginIteration(first - 60_000);
  expect(m.statusPostDue(first - 60_000)).toBeNull();
  m.beginIteration(first + 60_000);
  const due = m.statusPostDue(first + 60_000);
  expect(due).toMatchObject({ seq: 1, cap: 2, day: programDay(clock, start) });
  m.statusPostOver(due!, true);
  expect(m.statusPostDue(first + 60_000)?.seq ?? null).toBe(
    minutes.length > 1 && realAtMinute(clock, start, minutes[1]!) <= first + 60_000 ? 2 : null,
  );
  // After the window closes nothing is due, whatever is left of the plan.
  const late = realAtMinute(clock, start, window.endMinute + 10);
  m.beginIteration(late);
  expect(m.statusPostDue(late)).toBeNull();
  expect(m.snapshot().statusPosts.today).toBe(1);
  expect(m.snapshot().statusPosts.total).toBe(1);
});

test('no post while paused, in setup, or disconnected', () => {
  let day = 0;
  while (statusMinutesOn(CHIP, programDay(clock, T0 + day * DAY), 'operacao', window).length === 0) day++;
  const noon = realAtMinute(clock, T0 + day * DAY, window.endMinute - STATUS_POSTS.marginMinutes);
  for (const state of [
    { phase: 'setup' as const },
    { phase: 'operacao' as const, status: 'paused' as const },
    { phase: 'operacao' as const, disconnected: true },
  ]) {
    const m = machine({ ...state, phaseStartedAtMs: noon - DAY }, noon);
    m.beginIteration(noon);
    expect(m.statusPostDue(noon)).toBeNull();
  }
  const ok = machine({ phase: 'operacao', phaseStartedAtMs: noon - DAY }, noon);
  ok.beginIteration(noon);
  expect(ok.statusPostDue(noon)).not.toBeNull();
});

test('viewers must all be other chips of the fleet', () => {
  const fleet = ['5511900000001', '5511900000002', '5511900000003'];
  expect(viewersAllInFleet(['5511900000002@s.whatsapp.net', '5511900000003'], fleet, fleet[0]!)).toBe(true);
  expect(viewersAllInFleet(['5511900000001@s.whatsapp.net'], fleet, fleet[0]!)).toBe(false);
  expect(viewersAllInFleet(['5511999999999@s.whatsapp.net'], fleet, fleet[0]!)).toBe(false);
  expect(viewersAllInFleet([], fleet, fleet[0]!)).toBe(false);
});
