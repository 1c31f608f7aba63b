/**
 * The fault-injection suite on the REAL stack, short form: the production worker entry point in a
 * child process, PostgreSQL through a proxy that can cut it, the Temporal dev server, the simulator
 * and a stand-in Slack, 3 chips on a 6-minute program day. Every row of the real-stack fault table (docs/reliability.md) runs once (2 SIGKILLs
 * instead of 10, Slack down 1 program hour instead of a day); each must read 0 lost / 0 duplicate /
 * 0 over cap / 0 chips ended and hold its own checks. `npm run faults` runs the full size.
 */
import { REAL_FAULTS, type RealSize } from './real-faults';
import { runRealFaults } from './real-measure';

const SHORT: RealSize = {
  chips: 3,
  dayMs: 6 * 60_000,
  dbDownMin: 30,
  evolutionDownMin: 10,
  slackDownMin: 60,
  temporalDownMs: 1000,
  kills: 2,
  baselineMs: 1000,
  settleMs: 500,
};

test('real stack: every fault row at 0 lost / 0 duplicate / 0 over cap / 0 chips ended', async () => {
  const { rows } = await runRealFaults(REAL_FAULTS, SHORT, process.env.FAULTS_DEBUG ? (l) => console.log(l) : undefined);
  expect(rows.map((r) => r.fault)).toEqual(REAL_FAULTS.map((f) => f.name));
  expect(rows.reduce((n, r) => n + r.sent, 0)).toBeGreaterThan(0);
  for (const r of rows) {
    expect({
      fault: r.fault,
      lost: r.lost,
      duplicate: r.duplicate,
      overCap: r.overCap,
      chipsEnded: r.chipsEnded,
      violations: r.violations,
    }).toEqual({
      fault: r.fault,
      lost: 0,
      duplicate: 0,
      overCap: 0,
      chipsEnded: 0,
      violations: [],
    });
  }
}, 240_000);
