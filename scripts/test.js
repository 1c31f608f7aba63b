#!/usr/bin/env node
/**
 * The whole test suite: jest (its global setup resolves or installs the Temporal binaries), then a
 * plain "N passed, N failed" closing line that any CI reader understands.
 *
 * Two rounds: everything else two files at a time, then, one at a time, the suites that run several
 * processes on the wall clock (worker processes killed with SIGKILL, a six-minute program day): on a
 * two-core machine they must not share it with another heavy suite, or their paced days run out.
 * Extra args (a path, a flag) run jest once with them instead.
 */
const { spawnSync } = require('node:child_process');
const { mkdtempSync, readFileSync, existsSync } = require('node:fs');
const os = require('node:os');
const path = require('node:path');

const SOLO = ['/test/e2e/', '/test/faults/real-faults\\.test\\.ts$'];
const dir = mkdtempSync(path.join(os.tmpdir(), 'warmer-jest-'));
const extra = process.argv.slice(2);
const rounds =
  extra.length > 0
    ? [{ name: 'jest', args: extra }]
    : [
        { name: 'parallel', args: ['--testPathIgnorePatterns', ...SOLO] },
        { name: 'solo', args: ['--runInBand', '--testPathPattern', SOLO.join('|')] },
      ];

const totals = { passed: 0, failed: 0, pending: 0, total: 0 };
let failedRun = false;
for (const [i, round] of rounds.entries()) {
  const out = path.join(dir, `results-${i}.json`);
  if (rounds.length > 1) console.log(`\n== ${round.name} round ==`);
  const run = spawnSync(process.execPath, [require.resolve('jest/bin/jest'), '--json', `--outputFile=${out}`, ...round.args], {
    stdio: 'inherit',
    // The first round's global setup bundled the workflow code; the tree has not changed since.
    env: i > 0 ? { ...process.env, WARMER_TEST_BUNDLE_REUSE: '1' } : process.env,
  });
  if (run.status !== 0) failedRun = true;
  if (!existsSync(out)) {
    failedRun = true;
    continue;
  }
  const r = JSON.parse(readFileSync(out, 'utf8'));
  totals.passed += r.numPassedTests;
  totals.failed += r.numFailedTests;
  totals.pending += r.numPendingTests;
  totals.total += r.numTotalTests;
  if (r.numTotalTests === 0) {
    console.error(`No test was executed in the ${round.name} round: that is a failure, not a pass.`);
    failedRun = true;
  }
}
let summary = `${totals.passed} passed, ${totals.failed} failed`;
if (totals.pending) summary += `, ${totals.pending} skipped`;
console.log(`\n${summary}`);
process.exit(failedRun ? 1 : 0);
