/**
 * The forecast models status posts (one activity and one message each, within each phase's daily
 * status limit) and receive-first (a chip entering primeiros_contatos opens nothing on its first day:
 * a fleet that enters together is silent then, save for status posts).
 */
import { PHASES, PHASE_TABLE } from '../../src/domain/phases';
import { simulateFleet } from '../../src/forecast/simulate';

const fleet = simulateFleet({ chips: 6, days: 22, replyRate: 1, seed: 3 });

test('status posts are forecast, counted as messages, within the daily status limits', () => {
  expect(fleet.statusPosts).toBeGreaterThan(0);
  const daysIn = (c: (typeof fleet.chips)[number]) =>
    PHASES.reduce((sum, p, i) => {
      const from = c.reachedDay[p];
      const next = PHASES[i + 1];
      const to = next ? (c.reachedDay[next] ?? 22) : 22;
      return from === undefined ? sum : sum + (Math.ceil(to) - Math.floor(from) + 1) * PHASE_TABLE[p].dailyStatusCap;
    }, 0);
  const ceiling = fleet.chips.reduce((sum, c) => sum + daysIn(c), 0);
  expect(fleet.statusPosts).toBeLessThanOrEqual(ceiling);
  const delivered = fleet.chips.reduce((sum, c) => sum + c.sentTotal, 0);
  expect(fleet.messages).toBe(delivered + fleet.statusPosts);
});

test('receive-first: a fleet entering primeiros_contatos together holds no conversation on its first day there', () => {
  const days = new Set(fleet.chips.map((c) => c.enteredOnDay.primeiros_contatos));
  expect(days.size).toBe(1);
  const [day] = [...days] as number[];
  // From the promotion to that calendar day's end every chip only answers, and nobody opens: no message.
  expect(fleet.messagesPerDay[day!]).toBe(0);
  // The next day conversations start.
  expect(fleet.messagesPerDay[day! + 1]).toBeGreaterThan(fleet.chips.length);
  // Receive-first costs a day of messages, not a promotion.
  for (const c of fleet.chips) expect(c.reachedDay.expansao).toBeLessThan(8.5);
});
