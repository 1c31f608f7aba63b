#!/usr/bin/env node
/**
 * The whole test suite: jest (its global setup resolves or installs the Temporal binaries), then a
 * plain "N passed, N failed" closing line that any CI reader understands.
 *
 * Two rounds, one after the other. The solo round runs, one at a time, the suites that run several
 * processes on the wall clock (worker processes killed with SIGKILL, a six-minute program day): on a
 * two-core machine they must not compete with another heavy suite for the CPU, or their paced days
 * run out. The parallel round runs everything else, three files at a time (WARMER_TEST_WORKERS):
 * several suites spend most of their time waiting on the wall clock (a query no worker answers, an
 * outage held in real time), and a third file keeps both cores busy meanwhile.
 * WARMER_TEST_ROUNDS=together runs the parallel round beside the solo round instead, at the lowest
 * CPU priority (nice 19, or WARMER_TEST_NICE), with every process it starts: it gets the CPU the solo
 * suites leave idle, which saves about three minutes, but on a loaded machine the solo suites' paced
 * days have run out beside it, and time-skipping suites have failed in it that pass in turn, so it is
 * not the default. The parallel round then starts once the solo round's
 * global setup is done (binaries, Chromium, the workflow bundle, which it then reuses).
 * Extra args (a path, a flag) run jest once with them instead.
 */
const { spawn } = require('node:child_process');
const { mkdtempSync, readFileSync, existsSync, openSync, closeSync } = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { setTimeout: sleep } = require('node:timers/promises');

const SOLO = ['/test/e2e/', '/test/faults/real-faults\\.test\\.ts$'];
const JEST = require.resolve('jest/bin/jest');
const dir = mkdtempSync(path.join(os.tmpdir(), 'warmer-jest-'));
const extra = process.argv.slice(2);
const setupDone = path.join(dir, 'global-setup-done');
// A machine shared with other work at normal priority would starve a niced round: WARMER_TEST_NICE=0 there.
const NICE = Number(process.env.WARMER_TEST_NICE ?? 19);

/** Runs one jest round; resolves with its exit status and the path of its JSON results. */
function round(name, args, opts = {}) {
  const out = path.join(dir, `results-${name}.json`);
  const log = opts.logFile ? openSync(opts.logFile, 'w') : undefined;
  const child = spawn(process.execPath, [JEST, '--json', `--outputFile=${out}`, ...args], {
    stdio: log === undefined ? 'inherit' : ['ignore', log, log],
    env: { ...process.env, ...opts.env },
  });
  if (opts.nice) {
    try {
      // Before jest has started anything: its workers, servers and child processes inherit it.
      os.setPriority(child.pid, opts.nice);
    } catch {
      // Not allowed here: the round still runs, at normal priority.
    }
  }
  return new Promise((resolve) => {
    child.on('exit', (code, signal) => {
      if (log !== undefined) closeSync(log);
      resolve({ name, out, status: signal ? 1 : code });
    });
  });
}

async function waitFor(file, stillRunning) {
  while (!existsSync(file) && stillRunning()) await sleep(200);
}

async function main() {
  if (extra.length > 0) return [await round('jest', extra)];
  const soloArgs = ['--runInBand', '--testPathPattern', SOLO.join('|')];
  const parallelArgs = ['--maxWorkers', process.env.WARMER_TEST_WORKERS ?? '3', '--testPathIgnorePatterns', ...SOLO];
  if (process.env.WARMER_TEST_ROUNDS !== 'together') {
    console.log('\n== solo round ==');
    const solo = await round('solo', soloArgs);
    console.log('\n== parallel round ==');
    return [solo, await round('parallel', parallelArgs, { env: { WARMER_TEST_BUNDLE_REUSE: '1' } })];
  }
  const soloLog = path.join(dir, 'solo.log');
  let soloRunning = true;
  const solo = round('solo', soloArgs, { logFile: soloLog, env: { WARMER_TEST_SETUP_DONE: setupDone } }).then((r) => {
    soloRunning = false;
    return r;
  });
  await waitFor(setupDone, () => soloRunning);
  console.log(`\n== parallel round (beside the solo round, at nice ${NICE}) ==`);
  const parallel = await round('parallel', parallelArgs, { nice: NICE, env: { WARMER_TEST_BUNDLE_REUSE: '1' } });
  const soloResult = await solo;
  console.log('\n== solo round ==');
  process.stdout.write(readFileSync(soloLog, 'utf8'));
  return [soloResult, parallel];
}

main().then((results) => {
  const totals = { passed: 0, failed: 0, pending: 0, total: 0 };
  let failedRun = false;
  for (const r of results) {
    if (r.status !== 0) failedRun = true;
    if (!existsSync(r.out)) {
      failedRun = true;
      continue;
    }
    const json = JSON.parse(readFileSync(r.out, 'utf8'));
    totals.passed += json.numPassedTests;
    totals.failed += json.numFailedTests;
    totals.pending += json.numPendingTests;
    totals.total += json.numTotalTests;
    if (json.numTotalTests === 0) {
      console.error(`No test was executed in the ${r.name} round: that is a failure, not a pass.`);
      failedRun = true;
    }
  }
  let summary = `${totals.passed} passed, ${totals.failed} failed`;
  if (totals.pending) summary += `, ${totals.pending} skipped`;
  console.log(`\n${summary}`);
  process.exit(failedRun ? 1 : 0);
});
