#!/usr/bin/env node
/**
 * The whole test suite: jest (its global setup resolves or installs the Temporal binaries), then a
 * plain "N passed, N failed" closing line that any CI reader understands. Extra args go to jest.
 */
const { spawnSync } = require('node:child_process');
const { mkdtempSync, readFileSync, existsSync } = require('node:fs');
const os = require('node:os');
const path = require('node:path');

const out = path.join(mkdtempSync(path.join(os.tmpdir(), 'warmer-jest-')), 'results.json');
const run = spawnSync(process.execPath, [require.resolve('jest/bin/jest'), '--json', `--outputFile=${out}`, ...process.argv.slice(2)], {
  stdio: 'inherit',
  env: process.env,
});
let summary = 'no results';
if (existsSync(out)) {
  const r = JSON.parse(readFileSync(out, 'utf8'));
  summary = `${r.numPassedTests} passed, ${r.numFailedTests} failed`;
  if (r.numPendingTests) summary += `, ${r.numPendingTests} skipped`;
  if (r.numTotalTests === 0) {
    console.error('No test was executed: that is a failure, not a pass.');
    process.exitCode = 1;
  }
}
console.log(`\n${summary}`);
process.exit(run.status === 0 && !process.exitCode ? 0 : run.status || 1);
