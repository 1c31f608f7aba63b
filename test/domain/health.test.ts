import { HEALTH_BASE, type HealthInputs, healthScore, replyRate } from '../../src/domain/health';
import { PHASE_TABLE } from '../../src/domain/phases';
import { seededRandom } from '../../src/domain/random';

const silent: HealthInputs = {
  ageDays: 0,
  sentTotal: 0,
  receivedTotal: 0,
  twoWayConversations: 0,
  replyRate: 0,
  inactiveDays: 0,
  providerErrors: 0,
  warnings: 0,
};
/** A mid-program chip with no factor at its cap, so each factor can move the score both ways. */
const mid: HealthInputs = {
  ageDays: 2,
  sentTotal: 90,
  receivedTotal: 90,
  twoWayConversations: 20,
  replyRate: 0.4,
  inactiveDays: 2,
  providerErrors: 1,
  warnings: 1,
};
const score = (over: Partial<HealthInputs>, base: HealthInputs = mid) => healthScore({ ...base, ...over }).score;
const sum = (factors: Record<string, number>) => Object.values(factors).reduce((s, v) => s + v, 0);

describe('a new chip', () => {
  test('scores exactly 40 (the base) at day 0 with no messages', () => {
    expect(HEALTH_BASE).toBe(40);
    expect(healthScore(silent).score).toBe(40);
  });

  test('clears setup (>= 45) by day 3 with no messages, not before', () => {
    const setupMin = PHASE_TABLE.setup.minHealth;
    expect(score({ ageDays: 2 }, silent)).toBeLessThan(setupMin);
    expect(score({ ageDays: 3 }, silent)).toBeGreaterThanOrEqual(setupMin);
    expect(score({ ageDays: 30 }, silent)).toBe(50); // age is capped at 10 points
  });

  test('a silent chip in setup is not punished for inactivity (inactiveDays stays 0 while it may not send)', () => {
    expect(score({ ageDays: 3, inactiveDays: 0 }, silent)).toBe(46);
  });
});

describe('bounds', () => {
  test('the best possible chip is exactly 100', () => {
    expect(
      score({
        ageDays: 100,
        sentTotal: 10_000,
        receivedTotal: 10_000,
        twoWayConversations: 1_000,
        replyRate: 1,
        inactiveDays: 0,
        providerErrors: 0,
        warnings: 0,
      }),
    ).toBe(100);
  });
  test('the worst possible chip is 0, never negative', () => {
    expect(
      score({
        ageDays: 0,
        sentTotal: 500,
        receivedTotal: 0,
        twoWayConversations: 0,
        replyRate: 0,
        inactiveDays: 100,
        providerErrors: 100,
        warnings: 100,
      }),
    ).toBe(0);
  });
  test('random inputs always land in 0..100 as integers', () => {
    const r = seededRandom(9);
    for (let i = 0; i < 3_000; i++) {
      const s = healthScore({
        ageDays: Math.floor(r() * 60),
        sentTotal: Math.floor(r() * 2_000),
        receivedTotal: Math.floor(r() * 2_000),
        twoWayConversations: Math.floor(r() * 200),
        replyRate: r(),
        inactiveDays: Math.floor(r() * 15),
        providerErrors: Math.floor(r() * 20),
        warnings: Math.floor(r() * 5),
      }).score;
      expect(Number.isInteger(s) && s >= 0 && s <= 100).toBe(true);
    }
  });
});

describe('each factor moves the score in its documented direction', () => {
  const base = score({});
  test('the reference chip is unclamped', () => {
    expect(base).toBeGreaterThan(10);
    expect(base).toBeLessThan(90);
  });
  test('older -> higher', () => expect(score({ ageDays: 4 })).toBeGreaterThan(base));
  test('more traffic both ways (balance kept) -> higher', () =>
    expect(score({ sentTotal: 180, receivedTotal: 180 })).toBeGreaterThan(base));
  test('more sent, factor alone -> higher', () => {
    expect(healthScore({ ...mid, sentTotal: 120 }).factors.sent).toBeGreaterThan(healthScore(mid).factors.sent!);
    expect(score({ sentTotal: 120 })).toBeGreaterThan(base); // ratio 1.33 is still balanced
  });
  test('more received -> higher', () => expect(score({ receivedTotal: 120 })).toBeGreaterThan(base));
  test('more two-way conversations -> higher', () => expect(score({ twoWayConversations: 40 })).toBeGreaterThan(base));
  test('better reply rate -> higher', () => expect(score({ replyRate: 0.6 })).toBeGreaterThan(base));
  test('longer inactivity -> lower', () => expect(score({ inactiveDays: 4 })).toBeLessThan(base));
  test('more provider errors -> lower', () => expect(score({ providerErrors: 4 })).toBeLessThan(base));
  test('more warnings -> lower', () => expect(score({ warnings: 2 })).toBeLessThan(base));
  test('fewer of the good things -> lower', () => {
    expect(score({ twoWayConversations: 0 })).toBeLessThan(base);
    expect(score({ replyRate: 0 })).toBeLessThan(base);
    expect(score({ ageDays: 0 })).toBeLessThan(base);
  });
  test('an unbalanced chip (sends > 3x what it receives) loses points against a balanced one', () => {
    expect(score({ sentTotal: 90, receivedTotal: 20 })).toBeLessThan(score({ sentTotal: 90, receivedTotal: 90 }));
    expect(healthScore({ ...mid, sentTotal: 90, receivedTotal: 20 }).factors.balance).toBe(-10);
    expect(healthScore({ ...mid, sentTotal: 90, receivedTotal: 90 }).factors.balance).toBe(5);
    expect(healthScore({ ...mid, sentTotal: 90, receivedTotal: 45 }).factors.balance).toBe(0); // ratio 2
  });
  test('the first inactive day is free, later days cost 5 each (capped at 20)', () => {
    expect(score({ inactiveDays: 0 })).toBe(score({ inactiveDays: 1 }));
    expect(score({ inactiveDays: 1 }) - score({ inactiveDays: 3 })).toBe(10);
    expect(healthScore({ ...mid, inactiveDays: 50 }).factors.inactivity).toBe(-20);
  });
  test('monotone over a sweep of each bad factor', () => {
    for (const key of ['inactiveDays', 'providerErrors', 'warnings'] as const) {
      let prev = Infinity;
      for (let v = 0; v <= 10; v++) {
        const s = score({ [key]: v });
        expect(s).toBeLessThanOrEqual(prev);
        prev = s;
      }
    }
  });
});

describe('factors', () => {
  test('expected keys, and they sum to the score when not clamped', () => {
    const { score: s, factors } = healthScore(mid);
    expect(Object.keys(factors).sort()).toEqual(
      ['age', 'balance', 'base', 'conversations', 'errors', 'inactivity', 'received', 'replies', 'sent', 'warnings'].sort(),
    );
    expect(factors).toEqual(
      expect.objectContaining({
        base: 40,
        age: 4,
        sent: 3,
        received: 3,
        conversations: 5,
        replies: 6,
        balance: 5,
        errors: -3,
        warnings: -10,
      }),
    );
    expect(factors.inactivity).toBe(-5);
    expect(sum(factors)).toBeCloseTo(s, 9);
    expect(s).toBe(48);
  });

  test('for many unclamped inputs the score is the rounded factor sum', () => {
    const r = seededRandom(77);
    let checked = 0;
    for (let i = 0; i < 2_000; i++) {
      const sent = Math.floor(r() * 300);
      const { score: s, factors } = healthScore({
        ageDays: Math.floor(r() * 10),
        sentTotal: sent,
        receivedTotal: Math.floor(sent * (0.5 + r())),
        twoWayConversations: Math.floor(r() * 60),
        replyRate: r(),
        inactiveDays: Math.floor(r() * 4),
        providerErrors: Math.floor(r() * 3),
        warnings: r() < 0.2 ? 1 : 0,
      });
      const total = sum(factors);
      if (total > 0 && total < 100) {
        checked++;
        expect(s).toBe(Math.round(total));
      }
    }
    expect(checked).toBeGreaterThan(1_500);
  });

  test('replies earn nothing when nothing was sent', () => {
    expect(healthScore({ ...silent, replyRate: 1 }).factors.replies).toBe(0);
    expect(healthScore({ ...silent, replyRate: 1 }).score).toBe(40);
  });
});

describe('replyRate', () => {
  test.each([
    [0, 0, 0],
    [0, 5, 0],
    [10, 0, 0],
    [10, 5, 0.5],
    [10, 10, 1],
    [10, 20, 1],
    [3, 1, 1 / 3],
  ])('replyRate(sent %i, replied %i) = %p', (sent, replied, expected) => {
    expect(replyRate(sent, replied)).toBeCloseTo(expected, 12);
  });
  test('never NaN or above 1', () => {
    for (let s = 0; s < 20; s++)
      for (let r = 0; r < 40; r++) {
        const v = replyRate(s, r);
        expect(Number.isNaN(v)).toBe(false);
        expect(v >= 0 && v <= 1).toBe(true);
      }
  });
});
