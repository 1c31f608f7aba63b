import { type ProgramClock, minuteOfDay, programClock, programDay, realAtMinute } from '../../src/domain/clock';
import { seededRandom } from '../../src/domain/random';
import {
  type ActivityWindow,
  FLEET_WINDOW,
  MIN_SPACING_MINUTES,
  activityWindow,
  isInsideWindow,
  maySendNow,
  nextConversationAt,
  nextWindowOpen,
  planBackoffMs,
  remainingToday,
  sendsPerSide,
} from '../../src/domain/window';

const prod = programClock();
const demo = programClock(120_000);
const W: ActivityWindow = { startMinute: 9 * 60, endMinute: 21 * 60 };
/** Some São Paulo day (12:00 local) and instants on it at a given local minute. */
const NOON = Date.parse('2026-03-10T15:00:00Z');
const at = (clock: ProgramClock, minute: number, dayOffset = 0) => realAtMinute(clock, NOON, minute, dayOffset);

describe('activityWindow', () => {
  const ids = Array.from({ length: 2_000 }, (_, i) => `chip-${i}-${(i * 2654435761) >>> 0}`);

  test('always inside 08:00-22:00 and at most an hour narrower on each side', () => {
    expect(FLEET_WINDOW).toEqual({ startMinute: 480, endMinute: 1320 });
    for (const id of ids) {
      const w = activityWindow(id);
      expect(w.startMinute).toBeGreaterThanOrEqual(480);
      expect(w.startMinute).toBeLessThanOrEqual(540);
      expect(w.endMinute).toBeLessThanOrEqual(1320);
      expect(w.endMinute).toBeGreaterThanOrEqual(1260);
      expect(Number.isInteger(w.startMinute) && Number.isInteger(w.endMinute)).toBe(true);
    }
  });

  test('stable per id and different across ids', () => {
    const first = ids.map((id) => activityWindow(id));
    const again = [...ids]
      .reverse()
      .map((id) => activityWindow(id))
      .reverse();
    expect(again).toEqual(first);
    expect(activityWindow('7d1c5c0e-0000-4000-8000-000000000001')).toEqual(activityWindow('7d1c5c0e-0000-4000-8000-000000000001'));
    const starts = new Set(ids.map((id) => activityWindow(id).startMinute));
    const ends = new Set(ids.map((id) => activityWindow(id).endMinute));
    expect(starts.size).toBeGreaterThan(40);
    expect(ends.size).toBeGreaterThan(40);
  });
});

describe('isInsideWindow edges', () => {
  test.each([
    [W.startMinute - 1, false],
    [W.startMinute, true],
    [W.startMinute + 1, true],
    [W.endMinute - 1, true],
    [W.endMinute, false],
    [0, false],
    [1439, false],
  ])('minute %i -> %p', (minute, inside) => {
    expect(isInsideWindow(W, prod, at(prod, minute))).toBe(inside);
    expect(isInsideWindow(W, demo, at(demo, minute))).toBe(inside);
  });

  test('last millisecond before the open is outside, the close is exclusive', () => {
    expect(isInsideWindow(W, prod, at(prod, W.startMinute) - 1)).toBe(false);
    expect(isInsideWindow(W, prod, at(prod, W.endMinute) - 1)).toBe(true);
  });
});

describe('nextWindowOpen', () => {
  test('before the window: today`s opening', () => {
    expect(nextWindowOpen(W, prod, at(prod, 6 * 60))).toBe(at(prod, W.startMinute));
    expect(nextWindowOpen(W, prod, at(prod, 0))).toBe(at(prod, W.startMinute));
  });
  test('inside: now', () => {
    const now = at(prod, 12 * 60) + 12_345;
    expect(nextWindowOpen(W, prod, now)).toBe(now);
    expect(nextWindowOpen(W, prod, at(prod, W.startMinute))).toBe(at(prod, W.startMinute));
  });
  test('at or after the close: tomorrow`s opening', () => {
    expect(nextWindowOpen(W, prod, at(prod, W.endMinute))).toBe(at(prod, W.startMinute, 1));
    expect(nextWindowOpen(W, prod, at(prod, 23 * 60 + 59))).toBe(at(prod, W.startMinute, 1));
    expect(nextWindowOpen(W, prod, at(prod, W.endMinute))).toBe(Date.parse('2026-03-11T12:00:00Z'));
  });
  test('compressed clock: result is open and in the future (or now)', () => {
    for (const minute of [0, 300, W.startMinute, 700, W.endMinute, 1400]) {
      const now = at(demo, minute);
      const open = nextWindowOpen(W, demo, now);
      expect(open).toBeGreaterThanOrEqual(now);
      expect(isInsideWindow(W, demo, open)).toBe(true);
    }
  });
});

describe('remainingToday and sendsPerSide', () => {
  test('remainingToday = cap - sent - reserved, floored at 0', () => {
    expect(remainingToday('setup', 0, 0)).toBe(0);
    expect(remainingToday('primeiros_contatos', 0, 0)).toBe(10);
    expect(remainingToday('primeiros_contatos', 4, 3)).toBe(3);
    expect(remainingToday('primeiros_contatos', 10, 0)).toBe(0);
    expect(remainingToday('primeiros_contatos', 9, 5)).toBe(0);
    expect(remainingToday('expansao', 12, 0)).toBe(18);
    expect(remainingToday('pre_operacao', 0, 49)).toBe(1);
    expect(remainingToday('operacao', 99, 0)).toBe(1);
    expect(() => remainingToday('nope', 0, 0)).toThrow(expect.objectContaining({ code: 'UnknownPhase' }));
  });

  test.each([
    [0, 0, 0],
    [1, 1, 0],
    [2, 1, 1],
    [5, 3, 2],
    [8, 4, 4],
  ])('sendsPerSide(%i) = a %i, b %i (A starts)', (turns, a, b) => {
    expect(sendsPerSide(turns)).toEqual({ a, b });
  });
});

describe('maySendNow', () => {
  const base = {
    status: 'warming',
    phase: 'expansao',
    busy: false,
    sentToday: 0,
    reservedToday: 0,
    window: W,
    clock: prod,
    nowMs: at(prod, 12 * 60),
  };

  test('ok inside the window with room under the cap', () => {
    expect(maySendNow(base)).toEqual({ ok: true });
  });
  test('paused', () => expect(maySendNow({ ...base, status: 'paused' })).toEqual({ ok: false, reason: 'paused' }));
  test.each(['ready', 'banned', 'retired'])('status %s -> not_warming', (status) =>
    expect(maySendNow({ ...base, status })).toEqual({ ok: false, reason: 'not_warming' }),
  );
  test('setup sends nothing', () => expect(maySendNow({ ...base, phase: 'setup' })).toEqual({ ok: false, reason: 'setup' }));
  test('busy', () => expect(maySendNow({ ...base, busy: true })).toEqual({ ok: false, reason: 'busy' }));
  test('outside the window (before and at the close)', () => {
    expect(maySendNow({ ...base, nowMs: at(prod, W.startMinute - 1) })).toEqual({ ok: false, reason: 'outside_window' });
    expect(maySendNow({ ...base, nowMs: at(prod, W.endMinute) })).toEqual({ ok: false, reason: 'outside_window' });
    expect(maySendNow({ ...base, nowMs: at(prod, W.startMinute) })).toEqual({ ok: true });
  });
  test('cap reached counts sent and reserved, and honours `needed`', () => {
    expect(maySendNow({ ...base, sentToday: 30 })).toEqual({ ok: false, reason: 'cap_reached' });
    expect(maySendNow({ ...base, sentToday: 20, reservedToday: 10 })).toEqual({ ok: false, reason: 'cap_reached' });
    expect(maySendNow({ ...base, sentToday: 29 })).toEqual({ ok: true });
    expect(maySendNow({ ...base, sentToday: 26, needed: 4 })).toEqual({ ok: true });
    expect(maySendNow({ ...base, sentToday: 27, needed: 4 })).toEqual({ ok: false, reason: 'cap_reached' });
    expect(maySendNow({ ...base, phase: 'primeiros_contatos', sentToday: 10 })).toEqual({ ok: false, reason: 'cap_reached' });
  });
  test('precedence: paused > setup > busy > outside_window > cap_reached', () => {
    const worst = { ...base, busy: true, sentToday: 999, nowMs: at(prod, 2 * 60) };
    expect(maySendNow({ ...worst, status: 'paused', phase: 'setup' })).toEqual({ ok: false, reason: 'paused' });
    expect(maySendNow({ ...worst, phase: 'setup' })).toEqual({ ok: false, reason: 'setup' });
    expect(maySendNow(worst)).toEqual({ ok: false, reason: 'busy' });
    expect(maySendNow({ ...worst, busy: false })).toEqual({ ok: false, reason: 'outside_window' });
    expect(maySendNow({ ...worst, busy: false, nowMs: base.nowMs })).toEqual({ ok: false, reason: 'cap_reached' });
  });
  test('unknown phase throws rather than allowing or refusing silently', () => {
    expect(() => maySendNow({ ...base, phase: 'warp' })).toThrow(expect.objectContaining({ code: 'UnknownPhase' }));
  });
});

describe('nextConversationAt', () => {
  const nextDay = (clock: ProgramClock, nowMs: number) => programDay(clock, realAtMinute(clock, nowMs, 0, 1));

  test('property: always in the future and inside the window, today or tomorrow (prod and compressed clocks)', () => {
    const pick = seededRandom(31337);
    for (const clock of [prod, demo]) {
      for (let i = 0; i < 3_000; i++) {
        const window = activityWindow(`chip-${i % 97}`);
        const nowMs = Math.floor(Date.UTC(2026, 2, 1) + pick() * 4 * clock.dayMs);
        const remaining = Math.floor(pick() * 45) - 2;
        const next = nextConversationAt({ window, clock, nowMs, remaining, random: seededRandom(i) });
        expect(next).toBeGreaterThan(nowMs);
        expect(isInsideWindow(window, clock, next)).toBe(true);
        expect([programDay(clock, nowMs), nextDay(clock, nowMs)]).toContain(programDay(clock, next));
      }
    }
  });

  test('remaining 0 (or less) moves to the next day`s opening + up to 30 min jitter, whatever the time', () => {
    for (const clock of [prod, demo]) {
      for (const minute of [0, W.startMinute - 10, W.startMinute, 12 * 60, W.endMinute - 1, W.endMinute, 1439]) {
        for (const remaining of [0, -1]) {
          const nowMs = at(clock, minute);
          const next = nextConversationAt({ window: W, clock, nowMs, remaining, random: seededRandom(minute) });
          expect(programDay(clock, next)).toBe(nextDay(clock, nowMs));
          const m = minuteOfDay(clock, next);
          expect(m).toBeGreaterThanOrEqual(W.startMinute);
          expect(m).toBeLessThanOrEqual(W.startMinute + 30);
        }
      }
    }
  });

  test('after the window closes: tomorrow even with messages left', () => {
    for (const minute of [W.endMinute, W.endMinute + 1, 23 * 60 + 59]) {
      const nowMs = at(prod, minute);
      const next = nextConversationAt({ window: W, clock: prod, nowMs, remaining: 20, random: seededRandom(minute) });
      expect(programDay(prod, next)).toBe('2026-03-11');
      expect(next).toBeGreaterThanOrEqual(at(prod, W.startMinute, 1));
      expect(next).toBeLessThanOrEqual(at(prod, W.startMinute + 30, 1));
    }
  });

  test('before the window opens with messages left: today`s opening + jitter', () => {
    const nowMs = at(prod, 5 * 60);
    for (let seed = 0; seed < 50; seed++) {
      const next = nextConversationAt({ window: W, clock: prod, nowMs, remaining: 10, random: seededRandom(seed) });
      expect(programDay(prod, next)).toBe('2026-03-10');
      expect(next).toBeGreaterThanOrEqual(at(prod, W.startMinute));
      expect(next).toBeLessThanOrEqual(at(prod, W.startMinute + 30));
    }
  });

  test('inside the window: at least MIN_SPACING_MINUTES later, and sooner when more is left', () => {
    const nowMs = at(prod, 10 * 60);
    const gaps = (remaining: number) =>
      Array.from(
        { length: 200 },
        (_, seed) => nextConversationAt({ window: W, clock: prod, nowMs, remaining, random: seededRandom(seed) }) - nowMs,
      );
    const many = gaps(40);
    const few = gaps(4);
    expect(Math.min(...many)).toBeGreaterThanOrEqual(MIN_SPACING_MINUTES * 60_000);
    expect(Math.min(...few)).toBeGreaterThanOrEqual(MIN_SPACING_MINUTES * 60_000);
    const avg = (xs: number[]) => xs.reduce((s, x) => s + x, 0) / xs.length;
    expect(avg(many)).toBeLessThan(avg(few));
    // 40 left over 11 h of window -> 10 slots of ~66 min, scaled by 0.5-1.2
    expect(Math.max(...many)).toBeLessThanOrEqual(Math.ceil(((11 * 60) / 10) * 1.2) * 60_000);
  });

  test('close to the end with a long spacing falls over to tomorrow instead of past the close', () => {
    const nowMs = at(prod, W.endMinute - 3); // spacing is at least 5 min, so it cannot fit today
    const next = nextConversationAt({ window: W, clock: prod, nowMs, remaining: 4, random: seededRandom(8) });
    expect(programDay(prod, next)).toBe('2026-03-11');
    expect(isInsideWindow(W, prod, next)).toBe(true);
  });
});

describe('nextConversationAt near the window close', () => {
  // A slot that rounds up onto the closing minute must move to the next day, not land outside.
  test('never returns the exact closing instant (production and compressed clocks)', () => {
    const window = { startMinute: 540, endMinute: 1260 };
    const draws = (values: number[]) => {
      let i = 0;
      return () => values[i++ % values.length]!;
    };
    const prod = programClock();
    const a = nextConversationAt({
      window,
      clock: prod,
      nowMs: Date.parse('2026-03-10T23:00:00Z'),
      remaining: 1,
      random: draws([0, 0.7142857]),
    });
    expect(isInsideWindow(window, prod, a)).toBe(true);
    const fast = programClock(120_000);
    const now = realAtMinute(fast, Date.parse('2026-03-10T15:00:00Z'), 1200);
    const b = nextConversationAt({ window, clock: fast, nowMs: now, remaining: 1, random: draws([0, 0.71428]) });
    expect(isInsideWindow(window, fast, b)).toBe(true);
  });
});

describe('planBackoffMs', () => {
  test('no wait after a success, then 10 min doubling up to 4 h', () => {
    expect([0, 1, 2, 3, 4, 5, 6, 10].map((n) => planBackoffMs(n) / 60_000)).toEqual([0, 10, 20, 40, 80, 160, 240, 240]);
  });
});
