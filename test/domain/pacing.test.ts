import { PACING, readDelayMs, thinkMs, turnGapMs, turnPacing, typingDelayMs } from '../../src/domain/pacing';
import { seededRandom } from '../../src/domain/random';

const N = 10_000;
const draw = (fn: (r: () => number) => number, seed: number) => {
  const random = seededRandom(seed);
  return Array.from({ length: N }, () => fn(random));
};
const mean = (xs: number[]) => xs.reduce((s, x) => s + x, 0) / xs.length;
const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return (s[(s.length - 1) >> 1]! + s[s.length >> 1]!) / 2;
};

describe('readDelayMs: triangular 3-15 s, mode 8 s', () => {
  const xs = draw(readDelayMs, 42);

  test('every draw is an integer within 3000..15000', () => {
    expect(xs.every((x) => Number.isInteger(x) && x >= 3_000 && x <= 15_000)).toBe(true);
  });

  test('mean near (3+8+15)/3 = 8.67 s', () => {
    const m = mean(xs);
    expect(m).toBeGreaterThan(8_000);
    expect(m).toBeLessThan(9_000);
    expect(Math.abs(m - 26_000 / 3)).toBeLessThan(150);
  });

  test('the distribution peaks around the mode, not uniform', () => {
    // Triangular CDF at the mode is (8-3)/(15-3) = 41.7%; a uniform 3-15 would give the same, so also
    // check density: the 7-9 s band holds 9/60 + 13/84 = 30.5% of draws (a uniform would hold 16.7%).
    const belowMode = xs.filter((x) => x < 8_000).length / N;
    expect(belowMode).toBeGreaterThan(0.39);
    expect(belowMode).toBeLessThan(0.44);
    const band = xs.filter((x) => x >= 7_000 && x < 9_000).length / N;
    expect(band).toBeGreaterThan(0.28);
    expect(band).toBeLessThan(0.33);
  });

  test('extremes of the random source map to the bounds and the split point to the mode', () => {
    expect(readDelayMs(() => 0)).toBe(3_000);
    expect(readDelayMs(() => 1 - Number.EPSILON)).toBe(15_000);
    expect(readDelayMs(() => 5 / 12)).toBe(8_000);
  });
});

describe('thinkMs: uniform 1-3 s', () => {
  const xs = draw(thinkMs, 7);
  test('within 1000..3000, mean about 2 s, both halves used', () => {
    expect(xs.every((x) => Number.isInteger(x) && x >= 1_000 && x <= 3_000)).toBe(true);
    expect(Math.abs(mean(xs) - 2_000)).toBeLessThan(50);
    expect(Math.min(...xs)).toBeLessThan(1_050);
    expect(Math.max(...xs)).toBeGreaterThan(2_950);
  });
});

describe('typingDelayMs: 50 ms per char clamped to 1.5-5 s', () => {
  test.each([
    [0, 1_500],
    [10, 1_500],
    [30, 1_500],
    [31, 1_550],
    [40, 2_000],
    [99, 4_950],
    [100, 5_000],
    [200, 5_000],
  ])('%i chars -> %i ms', (chars, expected) => {
    expect(typingDelayMs('x'.repeat(chars))).toBe(expected);
  });

  test('does not depend on the characters, only on the length', () => {
    expect(typingDelayMs('oi, tudo bem? vamos marcar amanhã cedo?')).toBe(typingDelayMs('a'.repeat(39)));
  });
});

describe('turnGapMs: exponential mean 45 s clamped to 20-90 s', () => {
  const xs = draw(turnGapMs, 2024);

  test('every draw within 20000..90000', () => {
    expect(xs.every((x) => Number.isInteger(x) && x >= 20_000 && x <= 90_000)).toBe(true);
  });

  test('median about 45 s * ln 2 = 31.2 s', () => {
    const m = median(xs);
    expect(m).toBeGreaterThan(29_000);
    expect(m).toBeLessThan(33_500);
  });

  test('the clamps are actually hit at the expected rates', () => {
    // P(exp < 20 s) = 1 - e^(-20/45) = 35.9%; P(exp > 90 s) = e^-2 = 13.5%.
    const atMin = xs.filter((x) => x === 20_000).length / N;
    const atMax = xs.filter((x) => x === 90_000).length / N;
    expect(atMin).toBeGreaterThan(0.33);
    expect(atMin).toBeLessThan(0.39);
    expect(atMax).toBeGreaterThan(0.115);
    expect(atMax).toBeLessThan(0.155);
  });

  test('a random source that returns 0 or values near 1 stays finite and clamped', () => {
    expect(turnGapMs(() => 0)).toBe(20_000);
    expect(turnGapMs(() => 1 - Number.EPSILON)).toBe(90_000);
    expect(turnGapMs(() => 0.999999999999)).toBe(90_000);
  });
});

describe('turnPacing', () => {
  test('first turn: no wait and no think time, only typing', () => {
    for (let seed = 0; seed < 50; seed++) {
      const p = turnPacing(seededRandom(seed), 0, 'x'.repeat(40));
      expect(p).toEqual({ waitBeforeMs: 0, thinkMs: 0, typingMs: 2_000 });
    }
  });

  test('later turns wait at least the reading delay and the minimum gap', () => {
    const random = seededRandom(99);
    for (let i = 1; i < 500; i++) {
      const p = turnPacing(random, i, 'hello there');
      expect(p.waitBeforeMs).toBeGreaterThanOrEqual(PACING.turnGapMs.min);
      expect(p.waitBeforeMs).toBeLessThanOrEqual(PACING.turnGapMs.max);
      expect(p.thinkMs).toBeGreaterThanOrEqual(1_000);
      expect(p.thinkMs).toBeLessThanOrEqual(3_000);
      expect(p.typingMs).toBe(1_500);
    }
  });

  test('scale 0 gives zeros everywhere', () => {
    const random = seededRandom(5);
    for (let i = 0; i < 20; i++) {
      const p = turnPacing(random, i, 'a long enough message to type for a while', 0);
      expect(p.waitBeforeMs === 0 && p.thinkMs === 0 && p.typingMs === 0).toBe(true);
    }
  });

  test('scale 0.5 halves every duration (same random draws)', () => {
    for (let seed = 1; seed <= 30; seed++) {
      for (const index of [1, 2, 7]) {
        const text = 'y'.repeat(10 + seed * 3);
        const full = turnPacing(seededRandom(seed), index, text, 1);
        const half = turnPacing(seededRandom(seed), index, text, 0.5);
        expect(half.waitBeforeMs).toBe(Math.round(full.waitBeforeMs / 2));
        expect(half.thinkMs).toBe(Math.round(full.thinkMs / 2));
        expect(half.typingMs).toBe(Math.round(full.typingMs / 2));
        expect(full.waitBeforeMs).toBeGreaterThan(0);
      }
    }
  });

  test('repeatable for a given seed', () => {
    const a = [1, 2, 3].map((i) => turnPacing(seededRandom(11), i, 'abc'));
    const b = [1, 2, 3].map((i) => turnPacing(seededRandom(11), i, 'abc'));
    expect(a).toEqual(b);
  });
});
