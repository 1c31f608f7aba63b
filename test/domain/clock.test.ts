import {
  DEFAULT_PROGRAM_EPOCH_MS,
  REAL_DAY_MS,
  daysBetween,
  minuteOfDay,
  programClock,
  programDay,
  realAtMinute,
  realDuration,
  speedup,
  toProgramMs,
  toRealMs,
} from '../../src/domain/clock';
import { seededRandom } from '../../src/domain/random';

const MIN = 60_000;
const prod = programClock();
const demo = programClock(120_000); // one program day per 2 real minutes

describe('production clock is the identity', () => {
  test('defaults', () => {
    expect(prod).toEqual({ dayMs: REAL_DAY_MS, epochMs: DEFAULT_PROGRAM_EPOCH_MS });
    expect(speedup(prod)).toBe(1);
    expect(DEFAULT_PROGRAM_EPOCH_MS).toBe(Date.parse('2024-01-01T00:00:00-03:00'));
  });

  test('toProgramMs(now) === now and toRealMs(now) === now for many instants', () => {
    const random = seededRandom(1);
    for (let i = 0; i < 1_000; i++) {
      const now = Math.floor(Date.UTC(2020, 0, 1) + random() * 20 * 365 * REAL_DAY_MS);
      expect(toProgramMs(prod, now)).toBe(now);
      expect(toRealMs(prod, now)).toBe(now);
    }
    expect(realDuration(prod, 45_000)).toBe(45_000);
  });

  test('rejects non-positive day lengths', () => {
    expect(() => programClock(0)).toThrow(RangeError);
    expect(() => programClock(-5)).toThrow(RangeError);
    expect(() => programClock(Number.NaN)).toThrow(RangeError);
  });
});

describe('compressed clock (dayMs = 120 000)', () => {
  test('speedup 720 and durations scale down', () => {
    expect(speedup(demo)).toBe(720);
    expect(realDuration(demo, REAL_DAY_MS)).toBe(120_000);
    expect(realDuration(demo, 45_000)).toBeCloseTo(62.5, 10);
  });

  test('one program day per 2 real minutes, starting at the epoch (São Paulo midnight)', () => {
    const e = demo.epochMs;
    expect(toProgramMs(demo, e)).toBe(e);
    expect(toProgramMs(demo, e + 120_000)).toBe(e + REAL_DAY_MS);
    expect(programDay(demo, e)).toBe('2024-01-01');
    expect(programDay(demo, e + 119_999)).toBe('2024-01-01');
    expect(programDay(demo, e + 120_000)).toBe('2024-01-02');
    expect(programDay(demo, e + 10 * 120_000 + 60_000)).toBe('2024-01-11');
    // half a real minute = 6 program hours
    expect(minuteOfDay(demo, e + 30_000)).toBe(6 * 60);
  });

  test('daysBetween counts whole program days, never negative', () => {
    const t = Date.UTC(2026, 4, 10, 15, 0, 0);
    expect(daysBetween(demo, t, t)).toBe(0);
    expect(daysBetween(demo, t, t + 119_999)).toBe(0);
    expect(daysBetween(demo, t, t + 120_000)).toBe(1);
    expect(daysBetween(demo, t, t + 21 * 120_000)).toBe(21);
    expect(daysBetween(demo, t, t - 500_000)).toBe(0);
    expect(daysBetween(prod, t, t + 3 * REAL_DAY_MS - 1)).toBe(2);
    expect(daysBetween(prod, t, t + 3 * REAL_DAY_MS)).toBe(3);
  });

  test('toRealMs inverts toProgramMs', () => {
    const random = seededRandom(3);
    for (let i = 0; i < 500; i++) {
      const now = Math.floor(Date.UTC(2026, 0, 1) + random() * 30 * REAL_DAY_MS);
      expect(Math.abs(toRealMs(demo, toProgramMs(demo, now)) - now)).toBeLessThan(1e-3);
    }
  });
});

describe('São Paulo calendar (UTC-3)', () => {
  test('2026-01-01T02:30Z is still 2025-12-31 in São Paulo', () => {
    expect(programDay(prod, Date.parse('2026-01-01T02:30:00Z'))).toBe('2025-12-31');
    expect(programDay(prod, Date.parse('2026-01-01T02:59:59.999Z'))).toBe('2025-12-31');
    expect(programDay(prod, Date.parse('2026-01-01T03:00:00Z'))).toBe('2026-01-01');
    expect(programDay(prod, Date.parse('2026-07-15T23:30:00Z'))).toBe('2026-07-15'); // no DST in July
  });

  test('minuteOfDay is the São Paulo wall-clock minute', () => {
    expect(minuteOfDay(prod, Date.parse('2026-01-01T03:00:00Z'))).toBe(0);
    expect(minuteOfDay(prod, Date.parse('2026-01-01T02:59:59Z'))).toBe(23 * 60 + 59);
    expect(minuteOfDay(prod, Date.parse('2026-03-10T11:00:00Z'))).toBe(8 * 60);
    expect(minuteOfDay(prod, Date.parse('2026-03-11T00:59:30Z'))).toBe(21 * 60 + 59);
    expect(minuteOfDay(prod, Date.parse('2026-03-11T01:00:00Z'))).toBe(22 * 60);
  });

  test('realAtMinute gives the SP wall-clock instant on the same program day, or dayOffset days later', () => {
    const now = Date.parse('2026-03-10T15:27:13Z'); // 12:27 in São Paulo
    expect(realAtMinute(prod, now, 8 * 60)).toBe(Date.parse('2026-03-10T11:00:00Z'));
    expect(realAtMinute(prod, now, 22 * 60)).toBe(Date.parse('2026-03-11T01:00:00Z'));
    expect(realAtMinute(prod, now, 8 * 60, 1)).toBe(Date.parse('2026-03-11T11:00:00Z'));
    // 01:00Z on the 11th is still the 10th in São Paulo: the 08:00 of *that* day is the 10th's.
    expect(realAtMinute(prod, Date.parse('2026-03-11T01:00:00Z'), 8 * 60)).toBe(Date.parse('2026-03-10T11:00:00Z'));
  });

  test('realAtMinute round trip: minuteOfDay(realAtMinute(m)) === m and same programDay', () => {
    const random = seededRandom(17);
    for (const clock of [prod, demo, programClock(60_000), programClock(3_600_000, Date.UTC(2026, 0, 1))]) {
      for (let i = 0; i < 300; i++) {
        const now = Math.floor(Date.UTC(2026, 0, 1) + random() * 5 * clock.dayMs);
        const minute = Math.floor(random() * 1440);
        const at = realAtMinute(clock, now, minute);
        expect(minuteOfDay(clock, at)).toBe(minute);
        expect(programDay(clock, at)).toBe(programDay(clock, now));
        const tomorrow = realAtMinute(clock, now, minute, 1);
        expect(minuteOfDay(clock, tomorrow)).toBe(minute);
        expect(daysBetween(clock, at, tomorrow)).toBe(1);
        expect(programDay(clock, tomorrow)).not.toBe(programDay(clock, now));
      }
    }
  });

  test('realAtMinute(minuteOfDay(now)) is the start of the current minute, at most one program minute back', () => {
    const random = seededRandom(23);
    for (let i = 0; i < 500; i++) {
      const now = Math.floor(Date.UTC(2026, 0, 1) + random() * 10 * REAL_DAY_MS);
      const start = realAtMinute(prod, now, minuteOfDay(prod, now));
      expect(start).toBeLessThanOrEqual(now);
      expect(now - start).toBeLessThan(MIN);
      expect(start % MIN).toBe(0);
    }
  });
});
