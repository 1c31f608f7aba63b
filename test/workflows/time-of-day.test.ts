/**
 * The time-skipping server starts at the test time of day (São Paulo, on the default program clock),
 * not at the hour the suite happens to run: 09:30 by default, WARMER_TEST_TIME_OF_DAY=HH:MM otherwise.
 */
import { minuteOfDay, programClock } from '../../src/domain/clock';
import { DEFAULT_TEST_TIME_OF_DAY, testMinuteOfDay, timeSkippingEnv } from '../helpers/temporal';

test('WARMER_TEST_TIME_OF_DAY is read as São Paulo HH:MM, "wall" for the real time, 09:30 when unset; anything else is refused by name', () => {
  expect(DEFAULT_TEST_TIME_OF_DAY).toBe('09:30');
  expect(testMinuteOfDay({})).toBe(9 * 60 + 30);
  expect(testMinuteOfDay({ WARMER_TEST_TIME_OF_DAY: '' })).toBe(9 * 60 + 30);
  expect(testMinuteOfDay({ WARMER_TEST_TIME_OF_DAY: '00:00' })).toBe(0);
  expect(testMinuteOfDay({ WARMER_TEST_TIME_OF_DAY: '23:59' })).toBe(23 * 60 + 59);
  expect(testMinuteOfDay({ WARMER_TEST_TIME_OF_DAY: 'wall' })).toBeNull();
  for (const bad of ['24:00', '9:30', '09:60', 'noon', '09:30:00'])
    expect(() => testMinuteOfDay({ WARMER_TEST_TIME_OF_DAY: bad })).toThrow(
      `WARMER_TEST_TIME_OF_DAY must be HH:MM (São Paulo time) or "wall", got "${bad}"`,
    );
});

test('a time-skipping server starts at the test time of day on the program clock', async () => {
  const expected = testMinuteOfDay();
  const env = await timeSkippingEnv();
  try {
    const now = await env.currentTimeMs();
    if (expected === null) {
      // WARMER_TEST_TIME_OF_DAY=wall: the real time, as the server starts.
      expect(Math.abs(now - Date.now())).toBeLessThan(60_000);
    } else {
      expect(minuteOfDay(programClock(), now)).toBe(expected);
      // Skipped forward at most a day, never back.
      expect(now - Date.now()).toBeGreaterThan(-60_000);
      expect(now - Date.now()).toBeLessThan(24 * 60 * 60_000 + 60_000);
    }
  } finally {
    await env.teardown();
  }
});
