/**
 * Longest suites first. jest orders a run by the durations it cached from the last one, and without
 * that cache (a fresh clone: every CI run) by file size, which put the longest suite, a 26-line file
 * that runs six faults, last: one worker ran it alone for minutes while the other sat idle. The
 * weights below are suite times in seconds measured on a two-core machine, three suites at a time
 * beside the solo round (docs/testing.md); a suite not listed falls back to jest's cached duration,
 * then to its size.
 */
const path = require('node:path');
const Sequencer = require('@jest/test-sequencer').default;

const SECONDS = {
  'test/faults/faults.test.ts': 125,
  'test/integration/lifecycle-real.test.ts': 119,
  'test/workflows/adaptive-ramp.test.ts': 72,
  'test/cli/cli.test.ts': 62,
  'test/workflows/lifecycle.test.ts': 58,
  'test/workflows/window-holds.test.ts': 48,
  'test/workflows/resilience.test.ts': 44,
  'test/workflows/upgrade.test.ts': 42,
  'test/adapters/db/db-embedded.test.ts': 41,
  'test/cli/onboard.test.ts': 37,
  'test/adapters/db/db-postgres.test.ts': 35,
  'test/client/chip-actions.test.ts': 31,
  'test/integration/provider-events.test.ts': 30,
  'test/dev/dev-smoke.test.ts': 29,
  'test/events/delivery.test.ts': 27,
  'test/integration/pairing-real.test.ts': 26,
  'test/integration/disconnections.test.ts': 22,
  'test/cli/database-discovery.test.ts': 20,
  'test/workflows/dev-server-smoke.test.ts': 20,
  'test/deploy/built-worker.test.ts': 18,
  'test/adapters/idle-sockets.test.ts': 17,
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
