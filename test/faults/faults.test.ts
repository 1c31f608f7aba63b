/**
 * The fault-injection suite, short form (3 chips, 1 program day per fault); `npm run faults` runs the
 * longer form and prints the time-skipping table of docs/reliability.md. Every fault: 0 lost, 0 duplicate, 0 over cap, 0 chips ended.
 */
import { runFault } from './fault-suite';
import { FAULTS } from './faults';

const SHORT = { chips: 3, days: 1 };

test.each(FAULTS.map((f) => [f.name, f] as const))(
  '%s: nothing lost, duplicated, over cap or ended',
  async (_name, fault) => {
    const row = await runFault(fault, SHORT);
    expect(row.sent).toBeGreaterThan(0);
    // A run cut off mid-conversation leaves one held confirmation per open conversation at most, and a
    // chip is never in two conversations at once.
    expect(row.awaitingConfirmation).toBeLessThanOrEqual(Math.floor(SHORT.chips / 2));
    expect({ lost: row.lost, duplicate: row.duplicate, overCap: row.overCap, chipsEnded: row.chipsEnded }).toEqual({
      lost: 0,
      duplicate: 0,
      overCap: 0,
      chipsEnded: 0,
    });
  },
  240_000,
);
