/**
 * Longest suites first. jest orders a run by the durations it cached from the last one, and without
 * that cache (a fresh clone: every CI run) by file size, which put the longest suite, a 26-line file
 * that runs six faults, last: one worker ran it alone for minutes while the other sat idle. The
 * weights below are suite times in seconds measured on a two-core machine (docs/testing.md); a suite
 * not listed falls back to jest's cached duration, then to its size.
 */
const path = require('node:path');
const Sequencer = require('@jest/test-sequencer').default;

const SECONDS = {
  'test/faults/faults.test.ts': 70,
  'test/workflows/adaptive-ramp.test.ts': 55,
  'test/workflows/lifecycle.test.ts': 40,
  'test/integration/lifecycle-real.test.ts': 35,
  'test/adapters/db/db-embedded.test.ts': 25,
  'test/adapters/db/db-postgres.test.ts': 22,
  'test/dev/dev-smoke.test.ts': 20,
  'test/integration/pairing-real.test.ts': 18,
  'test/cli/cli.test.ts': 18,
  'test/workflows/replay.test.ts': 15,
  'test/events/delivery.test.ts': 14,
  'test/cli/database-discovery.test.ts': 12,
  'test/workflows/resilience.test.ts': 12,
  'test/workflows/dev-server-smoke.test.ts': 11,
  'test/client/chip-actions.test.ts': 10,
};

class LongestFirst extends Sequencer {
  sort(tests) {
    const weight = (test) => {
      const rel = path.relative(test.context.config.rootDir, test.path).split(path.sep).join('/');
      if (rel in SECONDS) return SECONDS[rel];
      const cached = this.time(test);
      if (cached != null) return cached / 1000;
      // About a second per 4 kB of test file, jest's own fallback (size) on the same scale.
      return (test.context.hasteFS.getSize(test.path) ?? 0) / 4000;
    };
    // As jest's own sort: the cached duration also decides whether a few fast files run in band.
    for (const test of tests) test.duration = this.time(test);
    return [...tests].sort((a, b) => weight(b) - weight(a));
  }
}

module.exports = LongestFirst;
